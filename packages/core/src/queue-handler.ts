import { DEFAULT_MAX_RECORD_BYTES, encodeRecord, frameBytes } from './codec.js';
import { ClosedError, LogqError } from './errors.js';
import { COUNTS_OWN_DELIVERIES, type CloseOptions, type CloseResult, Handler, type HandlerOptions } from './handler.js';
import type { LogRecord, WireRecord } from './record.js';
import { trackHandler, untrackHandler } from './open-handlers.js';
import { DropReporter } from './drop-report.js';
import { RingBuffer } from './ring-buffer.js';
import { abortableSleep } from './subscriber.js';

/** What a full buffer gives up: the record being logged, or the oldest buffered one. */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest';

/** Reconnection backoff. */
export interface ReconnectOptions {
  /** First delay after a failure, in ms. @default 100 */
  readonly initialDelayMs?: number;
  /** Longest delay, in ms. @default 5000 */
  readonly maxDelayMs?: number;
}

/** Options of every transport handler. */
export interface QueueHandlerOptions extends HandlerOptions {
  /** Records kept while the broker is slow or unreachable. @default 10000 */
  readonly maxBuffer?: number;
  /** What a full buffer drops. @default 'drop-newest' */
  readonly overflow?: OverflowPolicy;
  /** Most records handed to the transport in one send. @default 256 */
  readonly batchSize?: number;
  /** How long to wait for a batch to fill before sending, in ms (0: send at once). @default 0 */
  readonly lingerMs?: number;
  /** Reconnection backoff. */
  readonly reconnect?: ReconnectOptions;
  /** Records whose frame is larger are dropped and counted. @default 1 MiB */
  readonly maxRecordBytes?: number;
}

/** A record's frame was larger than `maxRecordBytes`. */
export class RecordTooLargeError extends LogqError {}

/**
 * Base of every transport handler. It encodes each record in the log call
 * (cheap, and the record is immutable from then on), buffers it, and hands
 * batches to {@link QueueHandler.sendBatch} from a background pump: the log call
 * never waits on the network and never throws. While the broker is
 * unreachable it keeps up to `maxBuffer` records and applies `overflow`,
 * counting what it drops; it reconnects with exponential backoff and sends the
 * buffer in order.
 *
 * A subclass implements `connect`, `sendBatch` and `disconnect`, and may
 * override `serialize` (the payload for one record; default: the JSON text of
 * {@link QueueHandler.exportRecord}).
 *
 * Exit contract for transports: **unref your sockets and timers; core keeps
 * the process alive while flushing.** A QueueHandler holds a ref'd timer
 * exactly while a `flush()` or `close()` is in progress and never while idle,
 * and core flushes every open handler when the process is about to end
 * (`beforeExit`, see `configureExitFlush`), so an application whose main
 * returns delivers what it logged and then exits by itself, with or without
 * `installShutdownHooks()`. (A subscriber keeps the process alive while it
 * receives: that is its own business.)
 *
 * @typeParam P - the payload type handed to `sendBatch`.
 */
export abstract class QueueHandler<P = string> extends Handler {
  /** `stats.sent` grows when the broker has a record, not when it is emitted. */
  readonly [COUNTS_OWN_DELIVERIES] = true;
  /** Records not yet handed to the transport (the batch in flight is held by the pump). */
  private readonly buffer = new RingBuffer<P>();
  private inflight = 0;
  private readonly drops = new DropReporter(
    (error) => this.handleError(error),
    (count) =>
      `${this.constructor.name}: buffer full (maxBuffer ${this.maxBuffer}, overflow '${this.overflow}'); ${count} record(s) dropped`,
  );
  private pumping = false;
  private connected = false;
  private backoffMs: number;
  private flushWaiters: (() => void)[] = [];
  private lingerTimer: NodeJS.Timeout | null = null;
  private readonly stopController = new AbortController();
  private closeResult: Promise<CloseResult> | null = null;
  private closing = false;
  private keepAlive: NodeJS.Timeout | null = null;
  /** Buffer capacity. */
  readonly maxBuffer: number;
  /** Overflow policy. */
  readonly overflow: OverflowPolicy;
  /** Largest batch. */
  readonly batchSize: number;
  /** Batch linger, in ms. */
  readonly lingerMs: number;
  /** Largest frame accepted. */
  readonly maxRecordBytes: number;
  private readonly reconnect: Required<ReconnectOptions>;

  constructor(options: QueueHandlerOptions = {}) {
    super(options);
    this.maxBuffer = Math.max(1, options.maxBuffer ?? 10_000);
    this.overflow = options.overflow ?? 'drop-newest';
    this.batchSize = Math.max(1, options.batchSize ?? 256);
    this.lingerMs = Math.max(0, options.lingerMs ?? 0);
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.reconnect = { initialDelayMs: 100, maxDelayMs: 5000, ...options.reconnect };
    this.backoffMs = this.reconnect.initialDelayMs;
    trackHandler(this);
  }

  /** Opens the connection; called lazily before the first send and after a failure. */
  protected abstract connect(signal: AbortSignal): Promise<void>;

  /**
   * Hands a batch to the broker, resolving once it has it (confirmed where the
   * protocol allows). Throw to report a failure: the whole batch stays at the
   * front of the buffer and is sent again after a reconnect (so a transport
   * that may have delivered part of it gives at-least-once). Return a number to
   * say that only the first N were accepted.
   */
  protected abstract sendBatch(batch: readonly P[], signal: AbortSignal): Promise<void | number>;

  /** Releases the connection. Called after a failure and on close. */
  protected abstract disconnect(): Promise<void>;

  /** The dict sent for a record: the wire dict (override for other formats). */
  exportRecord(record: LogRecord): WireRecord | Record<string, unknown> {
    return record.toDict();
  }

  /** The payload for one record: JSON text of {@link exportRecord} by default. */
  protected serialize(record: LogRecord): P {
    return this.exportJson(record) as unknown as P;
  }

  /**
   * The JSON text of {@link exportRecord}. When a subclass does not override
   * `exportRecord`, the record's wire JSON is written directly
   * ({@link encodeRecord}), without building the dict.
   */
  protected exportJson(record: LogRecord): string {
    return this.exportRecord === QueueHandler.prototype.exportRecord
      ? encodeRecord(record)
      : JSON.stringify(this.exportRecord(record));
  }

  /** Size of a payload in bytes, for `maxRecordBytes`. */
  protected payloadBytes(payload: P): number {
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: skip the count when clearly small.
    if (typeof payload === 'string')
      return payload.length * 3 <= this.maxRecordBytes ? payload.length : frameBytes(payload);
    return payload instanceof Uint8Array ? payload.byteLength : 0;
  }

  /** Records waiting (buffered and in flight). */
  get pending(): number {
    return this.buffer.length + this.inflight;
  }

  /** Buffers the record for the pump. Never throws, never waits. */
  emit(record: LogRecord): void {
    if (this.closed) {
      this.stats.dropped++;
      this.handleError(new ClosedError(`${this.constructor.name} is closed; record dropped`), record);
      return;
    }
    let payload: P;
    try {
      payload = this.serialize(record);
    } catch (error) {
      this.stats.dropped++;
      this.handleError(error, record);
      return;
    }
    const size = this.payloadBytes(payload);
    if (size > this.maxRecordBytes) {
      this.stats.dropped++;
      this.handleError(
        new RecordTooLargeError(`record of ${size} bytes exceeds maxRecordBytes (${this.maxRecordBytes}); dropped`),
        record,
      );
      return;
    }
    this.enqueue(payload);
  }

  /** Emits and counts in one step; `stats.sent` grows when the broker has the record. */
  override handle(record: LogRecord): boolean {
    this.emit(record);
    return true;
  }

  private enqueue(payload: P): void {
    if (this.pending >= this.maxBuffer) {
      this.stats.dropped++;
      this.drops.dropped();
      // drop-oldest: the oldest record not already handed to the transport (O(1)).
      if (this.overflow === 'drop-newest' || this.buffer.length === 0) return;
      this.buffer.shift();
    }
    this.buffer.push(payload);
    this.stats.buffered = this.pending;
    this.schedule();
  }

  private schedule(): void {
    if (this.pumping) return;
    if (this.lingerMs > 0 && this.buffer.length < this.batchSize && this.flushWaiters.length === 0 && !this.closed) {
      this.lingerTimer ??= setTimeout(() => {
        this.lingerTimer = null;
        void this.pump();
      }, this.lingerMs).unref();
      return;
    }
    this.pumping = true;
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    const signal = this.stopController.signal;
    try {
      while (this.pending > 0 && !signal.aborted) {
        if (!this.connected) {
          try {
            await this.connect(signal);
            if (signal.aborted) {
              // close() gave up while this connect was in flight: release what it opened.
              await this.safeDisconnect();
              break;
            }
            this.connected = true;
          } catch (error) {
            if (signal.aborted) break;
            this.handleError(error);
            await this.backoff(signal);
            continue;
          }
        }
        const batch = this.buffer.takeFront(this.batchSize);
        const count = batch.length;
        this.inflight = count;
        let accepted: number;
        try {
          const result = await this.sendBatch(batch, signal);
          accepted = typeof result === 'number' ? Math.max(0, Math.min(count, result)) : count;
        } catch (error) {
          this.inflight = 0;
          if (signal.aborted) break;
          // The whole batch goes back to the front, to be sent again after a reconnect.
          this.buffer.unshiftAll(batch);
          this.handleError(error);
          this.connected = false;
          await this.safeDisconnect();
          await this.backoff(signal);
          continue;
        }
        this.inflight = 0;
        // close() gave up meanwhile and counted this batch as dropped: leave the accounting to it.
        if (signal.aborted) break;
        this.backoffMs = this.reconnect.initialDelayMs;
        if (accepted < count) this.buffer.unshiftAll(batch.slice(accepted));
        this.stats.sent += accepted;
        this.stats.buffered = this.pending;
        if (this.lingerMs > 0 && !this.closed && this.flushWaiters.length === 0 && this.pending < this.batchSize) break;
      }
    } finally {
      this.pumping = false;
      if (this.pending === 0) {
        for (const wake of this.flushWaiters.splice(0)) wake();
        this.updateKeepAlive();
      } else if (!signal.aborted) {
        this.schedule();
      }
    }
  }

  private async backoff(signal: AbortSignal): Promise<void> {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.reconnect.maxDelayMs, this.backoffMs * 2);
    // Unref'd: a handler waiting to reconnect keeps the process alive only while someone flushes it.
    await abortableSleep(delay * (0.8 + Math.random() * 0.4), signal, true);
  }

  private async safeDisconnect(): Promise<void> {
    try {
      await this.disconnect();
    } catch {
      // Already broken: nothing more to release.
    }
  }

  /** Resolves once every record buffered so far has been handed to the broker. */
  override flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    this.updateKeepAlive();
    if (!this.pumping) {
      this.pumping = true;
      queueMicrotask(() => void this.pump());
    }
    return done;
  }

  /**
   * Keeps the process alive (a ref'd timer) exactly while a flush or close is
   * in progress, and never while idle: transports unref their sockets and
   * timers, and the process still waits for what a flush is delivering.
   */
  private updateKeepAlive(): void {
    const busy = this.flushWaiters.length > 0 || this.closing;
    if (busy && !this.keepAlive) {
      this.keepAlive = setInterval(() => {}, 0x7fffffff);
    } else if (!busy && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = null;
    }
  }

  /**
   * Flushes with a deadline, then releases the connection so the process can
   * exit. New records are dropped (and counted) from now on. Idempotent:
   * later calls return the first result.
   */
  override close(options: CloseOptions = {}): Promise<CloseResult> {
    this.closeResult ??= this.doClose(options.timeoutMs ?? 5000, options.reason).finally(() => {
      this.closing = false;
      this.updateKeepAlive();
    });
    return this.closeResult;
  }

  private async doClose(timeoutMs: number, reason: string | undefined): Promise<CloseResult> {
    this.closed = true;
    this.closing = true;
    this.updateKeepAlive();
    let timer: NodeJS.Timeout | undefined;
    const flushed = await Promise.race([
      this.flush().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.stopController.abort();
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    const left = this.pending;
    if (left > 0) {
      this.stats.dropped += left;
      this.handleError(
        new LogqError(
          `${this.constructor.name} closed with ${left} record(s) undelivered ${reason ?? `after ${timeoutMs} ms`}; counted as dropped`,
        ),
      );
      this.buffer.clear();
      this.inflight = 0;
      this.stats.buffered = 0;
      for (const wake of this.flushWaiters.splice(0)) wake();
    }
    this.drops.flush();
    await this.safeDisconnect();
    this.connected = false;
    untrackHandler(this);
    return this.closeSummary(flushed && left === 0);
  }
}
