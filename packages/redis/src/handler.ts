import { QueueHandler, RecordTooLargeError, type LogRecord, redactUri } from '@logq/core';
import type { ChainableCommander, Redis } from 'ioredis';
import { type RedisTarget, connectOwned, createClient, describeTarget, redactError, waitReady, closeOwned } from './connection.js';
import { RedisOptionsError, RedisTransportError } from './errors.js';
import { kombuBindingKey, kombuBindingMember, kombuEnvelope, kombuPermanentBindingKey } from './kombu.js';
import type { RedisQueueFormat, RedisQueueHandlerOptions, RedisQueueMode } from './options.js';

/** The field of a stream entry that holds the record's JSON. */
export const STREAM_FIELD = 'record';

/** Default URI of the Redis handlers and subscribers. */
export const DEFAULT_REDIS_URI = 'redis://127.0.0.1:6379';

/**
 * Sends full logq/Logbook records to a Redis list (one RPUSH of many values
 * per chunk, the chunks of a batch pipelined) or, with `mode: 'stream'`, to a
 * Redis stream (one XADD per record, pipelined), for {@link RedisSubscriber}.
 * With `format: 'kombu'` it writes what Python Logbook's
 * `MessageQueueHandler('redis://...', queue=key)` writes, so a Python
 * `MessageQueueSubscriber` reads it.
 *
 * Inherits the core QueueHandler's behaviour: the log call never waits;
 * records are buffered (up to `maxBuffer`) while Redis is unreachable, and
 * sent in order after a reconnect; `flush()` resolves once Redis has
 * acknowledged every buffered record.
 *
 * @example
 * const handler = new RedisQueueHandler('redis://127.0.0.1:6379', { key: 'logging' });
 * using _ = handler.pushApplication();
 */
export class RedisQueueHandler extends QueueHandler<string> {
  /** The URI, with any password replaced by `***`. */
  readonly uri: string;
  /** The list or stream key. */
  readonly key: string;
  /** List or stream. */
  readonly mode: RedisQueueMode;
  /** Item envelope. */
  readonly wireFormat: RedisQueueFormat;
  private readonly target: RedisTarget;
  private readonly options: RedisQueueHandlerOptions;
  private readonly ownClient: boolean;
  private readonly pushChunk: number;
  private readonly kombuExchange: string;
  private readonly kombuBodyEncoding: 'base64' | 'utf-8';
  private readonly trim: readonly (string | number)[];
  private client: Redis | null;
  private bindingDeclared = false;

  constructor(uri: string = DEFAULT_REDIS_URI, options: RedisQueueHandlerOptions = {}) {
    super({ ...options, batchSize: options.batchSize ?? 1024 });
    this.uri = redactUri(uri);
    this.target = { uri };
    this.options = options;
    this.key = options.key ?? 'logging';
    this.mode = options.mode ?? 'list';
    this.wireFormat = options.format ?? 'logq';
    if (this.wireFormat === 'kombu' && this.mode !== 'list') throw new RedisOptionsError("format 'kombu' works with mode 'list' only");
    this.pushChunk = Math.max(1, options.pushChunk ?? 128);
    this.kombuExchange = options.kombuExchange ?? this.key;
    this.kombuBodyEncoding = options.kombuBodyEncoding ?? 'base64';
    this.trim = options.maxLen !== undefined ? ['MAXLEN', '~', Math.max(1, Math.floor(options.maxLen))] : [];
    this.ownClient = options.client === undefined;
    this.client = options.client ?? null;
  }

  protected override serialize(record: LogRecord): string {
    // Core's serializer: the record's wire JSON (written directly unless exportRecord is overridden).
    const json = super.serialize(record);
    if (this.wireFormat !== 'kombu') return json;
    const size = Buffer.byteLength(json);
    if (size > this.maxRecordBytes) throw new RecordTooLargeError(`record of ${size} bytes exceeds maxRecordBytes (${this.maxRecordBytes}); dropped`);
    return kombuEnvelope(json, this.kombuExchange, this.key, this.kombuBodyEncoding);
  }

  protected override payloadBytes(payload: string): number {
    // kombu envelopes were measured (without their base64 growth) in serialize.
    return this.wireFormat === 'kombu' ? 0 : super.payloadBytes(payload);
  }

  protected async connect(signal: AbortSignal): Promise<void> {
    if (this.ownClient) {
      if (this.client === null) {
        this.client = createClient(this.target, this.options, false);
        // Failures surface through the commands; the stream of socket errors is not needed.
        this.client.on('error', () => undefined);
      }
      await connectOwned(this.client, this.target, signal);
    } else {
      try {
        await waitReady(this.client!, signal);
      } catch (error) {
        throw new RedisTransportError(`cannot use the given Redis client for ${describeTarget(this.target)}`, redactError(error, this.target));
      }
    }
    if (this.wireFormat === 'kombu' && !this.bindingDeclared) {
      // What kombu's SimpleQueue declares: the queue bound to its direct exchange.
      const member = kombuBindingMember(this.key);
      await this.client!.pipeline().sadd(kombuBindingKey(this.kombuExchange), member).sadd(kombuPermanentBindingKey(this.kombuExchange), member).exec();
      this.bindingDeclared = true;
    }
  }

  protected async sendBatch(batch: readonly string[]): Promise<void | number> {
    const client = this.client;
    if (client === null) throw new RedisTransportError('not connected');
    const pipeline: ChainableCommander = client.pipeline();
    const sizes: number[] = [];
    if (this.mode === 'stream') {
      for (const payload of batch) {
        pipeline.xadd(this.key, ...(this.trim as [string, string, number]), '*', STREAM_FIELD, payload);
        sizes.push(1);
      }
    } else {
      const push = this.wireFormat === 'kombu' ? 'lpush' : 'rpush';
      for (let i = 0; i < batch.length; i += this.pushChunk) {
        const chunk = batch.slice(i, i + this.pushChunk);
        pipeline[push](this.key, ...chunk);
        sizes.push(chunk.length);
      }
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw new RedisTransportError(`sending to ${this.uri} failed`, redactError(error, this.target));
    }
    if (results === null) throw new RedisTransportError(`sending to ${this.uri} failed: no reply`);
    let accepted = 0;
    for (let i = 0; i < results.length; i++) {
      const error = results[i]?.[0];
      if (error) {
        if (accepted === 0) throw new RedisTransportError(`sending to ${this.uri} failed`, redactError(error, this.target));
        return accepted;
      }
      accepted += sizes[i] ?? 0;
    }
    return undefined;
  }

  protected async disconnect(): Promise<void> {
    this.bindingDeclared = false;
    if (!this.ownClient) return;
    const client = this.client;
    this.client = null;
    await closeOwned(client);
  }
}
