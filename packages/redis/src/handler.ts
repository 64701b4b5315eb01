import type { LogRecord } from '@logq/core';
import { QueueHandler, RecordTooLargeError, wrapKombuEnvelope } from '@logq/core/transport';
import { type RedisArg, RedisLink, connectLink, ownedLink } from './connection.js';
import { RedisTransportError } from './errors.js';
import { kombuBindingKey, kombuBindingMember, kombuPermanentBindingKey } from './kombu-binding.js';
import {
  DEFAULT_REDIS_URI,
  type RedisQueueFormat,
  type RedisQueueHandlerOptions,
  type RedisQueueMode,
  resolveQueue,
} from './options.js';
import { STREAM_FIELD } from './stream-reply.js';
import { type RedisTarget, resolveTarget, transportError } from './target.js';

/**
 * Sends full Logbook records to Redis. With the defaults it writes what
 * Python Logbook's `MessageQueueHandler('redis://...')` writes (kombu's Redis
 * format on the list `logging`), so a Python `MessageQueueSubscriber` with
 * its defaults reads it. `format: 'logq'` puts the record's JSON as it is on
 * the list (one RPUSH of many values per chunk); `mode: 'stream'` adds it to
 * a Redis stream (one XADD per record), for {@link RedisSubscriber}.
 *
 * Inherits the core QueueHandler's behaviour: the log call never waits;
 * records are buffered (up to `maxBuffer`) while Redis is unreachable, and
 * sent in order after a reconnect; `flush()` resolves once Redis has
 * acknowledged every buffered record. An idle handler never keeps the process
 * alive.
 *
 * @example
 * const handler = new RedisQueueHandler('redis://127.0.0.1:6379');
 * handler.pushApplication();
 */
export class RedisQueueHandler extends QueueHandler<string> {
  /** The URI, with any password replaced by `***` (a cluster: `redis-cluster://host:port,...`). */
  readonly uri: string;
  /** The list or stream key (Logbook's queue name). */
  readonly key: string;
  /** List or stream. */
  readonly mode: RedisQueueMode;
  /** Item envelope. */
  readonly wireFormat: RedisQueueFormat;
  private readonly target: RedisTarget;
  private readonly given: RedisLink | null;
  private readonly pushChunk: number;
  private readonly kombuExchange: string;
  private readonly kombuBodyEncoding: 'base64' | 'utf-8';
  private readonly trim: readonly RedisArg[];
  private readonly waitReplicas: number;
  private readonly waitTimeoutMs: number;
  private link: RedisLink | null = null;
  private bindingDeclared = false;

  constructor(uri?: string, options: RedisQueueHandlerOptions = {}) {
    super({ ...options, batchSize: options.batchSize ?? 1024 });
    const { target, shown } = resolveTarget(uri, options, DEFAULT_REDIS_URI);
    this.uri = shown;
    this.target = target;
    const queue = resolveQueue(options);
    this.key = queue.key;
    this.mode = queue.mode;
    this.wireFormat = queue.format;
    this.pushChunk = Math.max(1, options.pushChunk ?? 128);
    this.kombuExchange = options.kombuExchange ?? this.key;
    this.kombuBodyEncoding = options.kombuBodyEncoding ?? 'base64';
    this.trim = options.maxLen !== undefined ? ['MAXLEN', '~', String(Math.max(1, Math.floor(options.maxLen)))] : [];
    this.given = options.client !== undefined ? new RedisLink(options.client, false) : null;
    this.waitReplicas = Math.max(0, Math.floor(options.waitReplicas ?? 0));
    this.waitTimeoutMs = Math.max(1, options.waitTimeoutMs ?? 5_000);
  }

  protected override serialize(record: LogRecord): string {
    // Core's serializer: the record's wire JSON (written directly unless exportRecord is overridden).
    const json = super.serialize(record);
    if (this.wireFormat !== 'kombu') return json;
    const size = Buffer.byteLength(json);
    if (size > this.maxRecordBytes)
      throw new RecordTooLargeError(`record of ${size} bytes exceeds maxRecordBytes (${this.maxRecordBytes}); dropped`);
    return wrapKombuEnvelope(json, {
      exchange: this.kombuExchange,
      routingKey: this.key,
      bodyEncoding: this.kombuBodyEncoding,
    });
  }

  protected override payloadBytes(payload: string): number {
    // kombu envelopes were measured (without their base64 growth) in serialize.
    return this.wireFormat === 'kombu' ? 0 : super.payloadBytes(payload);
  }

  protected async connect(signal: AbortSignal): Promise<void> {
    this.link ??= this.given ?? ownedLink(this.target, false);
    await connectLink(this.link, this.target, signal);
    if (this.wireFormat === 'kombu' && !this.bindingDeclared) {
      // What kombu's SimpleQueue declares: the queue bound to its direct exchange.
      const member = kombuBindingMember(this.key);
      const link = this.link;
      link.hold();
      try {
        await Promise.all([
          link.send(kombuBindingKey(this.kombuExchange), ['SADD', kombuBindingKey(this.kombuExchange), member]),
          link.send(kombuPermanentBindingKey(this.kombuExchange), [
            'SADD',
            kombuPermanentBindingKey(this.kombuExchange),
            member,
          ]),
        ]);
      } catch (error) {
        // Start afresh on the next attempt (a cluster client may hold a stale view of its nodes).
        if (link.owned) {
          this.link = null;
          await link.close();
        }
        throw transportError(`declaring the kombu binding of ${this.key} on ${this.uri} failed`, error, this.target);
      } finally {
        link.release();
      }
      this.bindingDeclared = true;
    }
  }

  protected async sendBatch(batch: readonly string[]): Promise<void | number> {
    const link = this.link;
    if (link === null) throw new RedisTransportError('not connected');
    // node-redis writes the commands of one tick together: a pipeline without asking.
    const replies: Promise<unknown>[] = [];
    const sizes: number[] = [];
    if (this.mode === 'stream') {
      for (const payload of batch) {
        replies.push(link.send(this.key, ['XADD', this.key, ...this.trim, '*', STREAM_FIELD, payload]));
        sizes.push(1);
      }
    } else {
      // kombu producers LPUSH (consumers take from the other end); logq's own format RPUSHes.
      const push = this.wireFormat === 'kombu' ? 'LPUSH' : 'RPUSH';
      for (let i = 0; i < batch.length; i += this.pushChunk) {
        const chunk = batch.slice(i, i + this.pushChunk);
        replies.push(link.send(this.key, [push, this.key, ...chunk]));
        sizes.push(chunk.length);
      }
    }
    // Written on the same connection right behind the pushes: replicated when it answers.
    const replicated =
      this.waitReplicas > 0
        ? link.send(this.key, ['WAIT', String(this.waitReplicas), String(this.waitTimeoutMs)]).then(
            (n) => Number(n),
            (error: unknown) => error,
          )
        : null;
    link.hold();
    const results = await Promise.allSettled(replies);
    const waited = replicated === null ? null : await replicated;
    link.release();
    let accepted = 0;
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      if (result.status === 'rejected') {
        if (accepted === 0) throw transportError(`sending to ${this.uri} failed`, result.reason, this.target);
        return accepted;
      }
      accepted += sizes[i] ?? 0;
    }
    if (waited !== null && !(typeof waited === 'number' && waited >= this.waitReplicas)) {
      // Stored on the master but not confirmed on enough replicas: the batch goes again. A master that hung
      // through a failover stores a batch when it wakes and then drops its data as it becomes a replica: keeping
      // the batch would lose it; sending it again stores it twice at worst (at-least-once).
      const what = typeof waited === 'number' ? `${waited} replica(s) acknowledged` : 'WAIT failed';
      throw transportError(
        `${accepted} record(s) stored on ${this.uri} but not confirmed on ${this.waitReplicas} replica(s) within ${this.waitTimeoutMs} ms (${what}); sending them again`,
        typeof waited === 'number' ? undefined : waited,
        this.target,
      );
    }
    return undefined;
  }

  protected async disconnect(): Promise<void> {
    this.bindingDeclared = false;
    const link = this.link;
    if (link === null || !link.owned) return;
    this.link = null;
    await link.close();
  }

  /** A summary without secrets (the URI's password is `***`). */
  toJSON(): Record<string, unknown> {
    return {
      type: this.constructor.name,
      uri: this.uri,
      key: this.key,
      mode: this.mode,
      format: this.wireFormat,
      stats: this.stats,
    };
  }

  /** `RedisQueueHandler(redis://:***@host:port, key)`. */
  override toString(): string {
    return `${this.constructor.name}(${this.uri}, ${this.key})`;
  }
}
