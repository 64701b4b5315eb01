import type { LogRecord } from '@logq/core';
import { type JsonObject, QueueHandler, Secret, toJsonSafe } from '@logq/core/transport';
import { hostname } from 'node:os';
import { RedisLink, connectLink, ownedLink } from './connection.js';
import { RedisTransportError } from './errors.js';
import { type RedisHandlerOptions, oneOf } from './options.js';
import { pythonJsonDumps, pythonString } from './python-json.js';
import { type RedisTarget, clientSettings, describeTarget, transportError } from './target.js';

/**
 * The record's time as Logbook's RedisHandler writes it: Python's
 * `datetime.isoformat()` of a naive UTC datetime — six fraction digits, no
 * zone, and no fraction at all when the microseconds are zero.
 */
export function pythonIsoformat(timeMicros: number): string {
  const seconds = Math.floor(timeMicros / 1e6);
  const micros = timeMicros - seconds * 1e6;
  if (seconds !== isoCache.seconds) {
    isoCache.seconds = seconds;
    isoCache.base = new Date(seconds * 1000).toISOString().slice(0, 19);
  }
  return micros === 0 ? isoCache.base : `${isoCache.base}.${String(micros).padStart(6, '0')}`;
}

const isoCache = { seconds: Number.NaN, base: '' };

const BASE_KEYS = new Set(['message', 'host', 'level', 'time']);

/**
 * Logbook's `RedisHandler`: pushes a slim JSON item per record onto a Redis
 * list for Logstash — `{"message": msg, "host": hostname, "level": level
 * name, "time": isoformat, ...extraFields, ...kwargs}` — with one
 * multi-value RPUSH (or LPUSH) per flush: as soon as `batchSize` items
 * wait (Logbook's `flush_threshold`), every `lingerMs` ms otherwise
 * (Logbook's `flush_time`, in seconds there), and a final one on `close()`. With
 * `pushMethod: 'publish'` each item is PUBLISHed on the channel `key`
 * instead (the PUBLISHes of one flush go out together).
 * `message` is the unformatted `msg`, as in Logbook. Items are the bytes
 * Python's `json.dumps` would write.
 *
 * Unlike Logbook's, the log call never touches the network: items wait in a
 * buffer (up to `maxBuffer`) while Redis is unreachable and are pushed after
 * a reconnect.
 *
 * @example
 * const handler = new RedisHandler({ key: 'logstash', extraFields: { type: 'app' } });
 * handler.pushApplication();
 */
export class RedisHandler extends QueueHandler<string> {
  /** The list the items go to; may be changed (items waiting go to the key current at flush time, as in Logbook). */
  key: string;
  /** Fields added to every item. */
  readonly extraFields: Readonly<Record<string, unknown>>;
  /** Logbook's `push_method`. */
  readonly pushMethod: 'rpush' | 'lpush' | 'publish';
  private readonly host = hostname();
  private readonly safeExtra: JsonObject;
  private readonly hostText: string;
  private readonly extraText: string;
  private readonly extraOverridesBase: boolean;
  private readonly target: RedisTarget;
  private readonly given: RedisLink | null;
  private link: RedisLink | null = null;
  private unbuffered = false;

  /** @throws {RedisOptionsError} when an option and its deprecated alias are both given and differ. */
  constructor(options: RedisHandlerOptions = {}) {
    const batchSize = Math.max(
      1,
      oneOf('batchSize', options.batchSize, 'flushThreshold', options.flushThreshold) ?? 128,
    );
    const lingerMs = Math.max(1, oneOf('lingerMs', options.lingerMs, 'flushTime', options.flushTime) ?? 1000);
    super({ ...options, bubble: options.bubble ?? true, batchSize, lingerMs });
    this.key = options.key ?? 'redis';
    this.extraFields = options.extraFields ?? {};
    this.safeExtra = toJsonSafe(this.extraFields) as JsonObject;
    this.hostText = pythonString(this.host);
    // The constant part of every item, written once.
    let extraText = '';
    for (const [k, v] of Object.entries(this.safeExtra)) extraText += `, ${pythonString(k)}: ${pythonJsonDumps(v)}`;
    this.extraText = extraText;
    this.extraOverridesBase = Object.keys(this.safeExtra).some((k) => BASE_KEYS.has(k));
    this.pushMethod = options.pushMethod ?? 'rpush';
    const password = options.password;
    this.target = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 6379,
      password: password === undefined ? undefined : password instanceof Secret ? password : new Secret(password),
      settings: clientSettings(options),
    };
    this.given = options.client !== undefined ? new RedisLink(options.client, false) : null;
  }

  /**
   * Logbook's `flush_threshold`.
   * @deprecated Use {@link RedisHandler.batchSize}.
   */
  get flushThreshold(): number {
    return this.batchSize;
  }

  /**
   * Logbook's `flush_time`, in ms.
   * @deprecated Use {@link RedisHandler.lingerMs}.
   */
  get flushTime(): number {
    return this.lingerMs;
  }

  /**
   * Logbook's `disable_buffering()`: from now on each record is pushed as soon
   * as it is logged (records logged in the same tick still share one push).
   */
  disableBuffering(): void {
    this.unbuffered = true;
  }

  /** Buffers the record; pushes at once after {@link RedisHandler.disableBuffering}. Never throws, never waits. */
  override emit(record: LogRecord): void {
    super.emit(record);
    if (this.unbuffered) void this.flush();
  }

  /** The item for a record, as a dict (Logbook's `emit` builds the same one). */
  override exportRecord(record: LogRecord): Record<string, unknown> {
    const item: JsonObject = {
      message: record.msg,
      host: this.host,
      level: record.levelName,
      time: pythonIsoformat(record.timeMicros),
    };
    Object.assign(item, this.safeExtra);
    Object.assign(item, toJsonSafe(record.kwargs) as JsonObject);
    return item;
  }

  protected override serialize(record: LogRecord): string {
    if (this.extraOverridesBase) return pythonJsonDumps(this.exportRecord(record) as JsonObject);
    const kwargs = record.kwargs;
    let kwargsText = '';
    for (const k of Object.keys(kwargs)) {
      if (BASE_KEYS.has(k) || Object.hasOwn(this.safeExtra, k)) {
        // A field given twice takes the first one's place, as Python's dict.update does: the general path.
        return pythonJsonDumps(this.exportRecord(record) as JsonObject);
      }
      kwargsText += `, ${pythonString(k)}: ${pythonJsonDumps(toJsonSafe(kwargs[k]))}`;
    }
    const item = `{"message": ${pythonString(record.msg)}, "host": ${this.hostText}, "level": ${pythonString(record.levelName)}, "time": "${pythonIsoformat(record.timeMicros)}"${this.extraText}${kwargsText}}`;
    // Buffered until the next flush: make V8 flatten the concatenation now, once
    // (a buffer of cons-string trees costs the garbage collector more).
    item.charCodeAt(0);
    return item;
  }

  protected async connect(signal: AbortSignal): Promise<void> {
    this.link ??= this.given ?? ownedLink(this.target, false);
    await connectLink(this.link, this.target, signal);
  }

  protected async sendBatch(batch: readonly string[]): Promise<void | number> {
    const link = this.link;
    if (link === null) throw new RedisTransportError('not connected');
    link.hold();
    try {
      if (this.pushMethod !== 'publish') {
        await link.send(this.key, [this.pushMethod === 'rpush' ? 'RPUSH' : 'LPUSH', this.key, ...batch]);
        return undefined;
      }
      // One PUBLISH per item, written together (node-redis pipelines the commands of one tick).
      const results = await Promise.allSettled(batch.map((item) => link.send(this.key, ['PUBLISH', this.key, item])));
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed === -1) return undefined;
      if (failed > 0) return failed;
      throw (results[0] as PromiseRejectedResult).reason;
    } catch (error) {
      throw transportError(
        `${this.pushMethod.toUpperCase()} to ${describeTarget(this.target)} failed`,
        error,
        this.target,
      );
    } finally {
      link.release();
    }
  }

  protected async disconnect(): Promise<void> {
    const link = this.link;
    if (link === null || !link.owned) return;
    this.link = null;
    await link.close();
  }

  /** A summary without secrets. */
  toJSON(): Record<string, unknown> {
    return {
      type: this.constructor.name,
      target: describeTarget(this.target),
      key: this.key,
      pushMethod: this.pushMethod,
      stats: this.stats,
    };
  }

  /** `RedisHandler(redis://host:port, key)`. */
  override toString(): string {
    return `${this.constructor.name}(${describeTarget(this.target)}, ${this.key})`;
  }
}
