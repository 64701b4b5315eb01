import { type DecodeOptions, DEFAULT_MAX_RECORD_BYTES, decodeRecord, validateWireDict } from './codec.js';
import { dispatchRecord } from './dispatch.js';
import { type ErrorHook, callErrorHook, createStderrErrorHook } from './error-hook.js';
import { RecordDecodeError } from './errors.js';
import { LogRecord } from './record.js';
import type { StackedObject } from './stack.js';
import { ThreadController, type ThreadControllerOptions } from './thread-controller.js';

/** A received record with the means to acknowledge it once it was dispatched. */
export interface Delivery {
  /** The record. */
  readonly record: LogRecord;
  /** Acknowledges the record to the broker (a no-op where the transport has no acks). */
  ack(): void | Promise<void>;
}

/** Counters that every subscriber keeps. */
export interface SubscriberStats {
  /** Frames received (valid or not). */
  received: number;
  /** Records dispatched to handlers. */
  dispatched: number;
  /** Frames skipped because they were not valid records. */
  malformed: number;
  /** Errors reported through `onError`. */
  errors: number;
}

/** Options common to every subscriber. */
export interface SubscriberOptions {
  /** Receives errors: malformed frames, transport failures. @default one rate-limited line on stderr */
  readonly onError?: ErrorHook;
  /** Frames larger than this many bytes are rejected before parsing. @default 1 MiB */
  readonly maxRecordBytes?: number;
}

/** Delay after a failed receive in a dispatch loop, before trying again. */
const LOOP_RETRY_MS = 250;

/** Records that `dispatchForever` takes synchronously in a row before it awaits (letting microtasks run). */
const SYNC_DELIVERIES_IN_ROW = 256;

/**
 * Base of every subscriber (Logbook's `SubscriberBase`). A subclass implements
 * {@link SubscriberBase.nextDelivery}; most transports extend
 * {@link FrameSubscriber} instead, which decodes and validates raw frames.
 *
 * Contract for `nextDelivery(timeoutMs, signal)`: resolve the next record, or
 * null once `timeoutMs` has passed (0: do not wait; null: wait forever), or
 * once `signal` aborts. A record taken from the broker must be returned even
 * if the signal aborted meanwhile, so that no record is lost on stop.
 */
export abstract class SubscriberBase implements AsyncDisposable, AsyncIterable<LogRecord> {
  /** Counters; see {@link SubscriberStats}. */
  readonly stats: SubscriberStats = { received: 0, dispatched: 0, malformed: 0, errors: 0 };
  /** Error hook. */
  onError: ErrorHook;
  /** Aborts when the subscriber is closed. */
  protected readonly closeController = new AbortController();
  private closing: Promise<void> | null = null;

  constructor(options: SubscriberOptions = {}) {
    this.onError = options.onError ?? createStderrErrorHook(this.constructor.name);
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.closeController.signal.aborted;
  }

  /** See the class contract. */
  protected abstract nextDelivery(timeoutMs: number | null, signal: AbortSignal): Promise<Delivery | null>;

  /**
   * The next delivery if one is ready now (received and decoded without
   * waiting), or null. `recv` and `dispatchForever` try it first, so that a
   * record already here costs no promise round trip; the default has none.
   */
  protected pollDelivery(): Delivery | null {
    return null;
  }

  /** Releases the transport's resources; called once by {@link close}. */
  protected async closeTransport(): Promise<void> {}

  /**
   * Receives the next delivery without acknowledging it. `timeoutMs`: 0 returns
   * at once, null/undefined waits forever. Resolves null on timeout, abort or close.
   */
  receive(timeoutMs?: number | null, signal?: AbortSignal): Promise<Delivery | null> {
    // Not `async`: the transport's promise is handed on as is, one promise hop less per record.
    if (this.closed) return Promise.resolve(null);
    try {
      const combined = signal ? AbortSignal.any([signal, this.closeController.signal]) : this.closeController.signal;
      return this.nextDelivery(normalizeTimeout(timeoutMs), combined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives one record (Logbook's `recv`), acknowledging it at once.
   * `timeout` in milliseconds: 0 returns immediately, undefined/null waits
   * forever; resolves null when the time has passed or the subscriber closed.
   */
  async recv(timeout?: number | null): Promise<LogRecord | null> {
    const delivery = (this.closed ? null : this.pollDelivery()) ?? (await this.receive(timeout));
    if (!delivery) return null;
    const acked = this.acknowledge(delivery);
    if (acked) await acked;
    return delivery.record;
  }

  /**
   * Receives one record and dispatches it to the handler setup active where
   * this is called, then acknowledges it. Resolves true if one was dispatched,
   * false on timeout.
   */
  async dispatchOnce(timeout?: number | null): Promise<boolean> {
    const delivery = await this.receive(timeout);
    if (!delivery) return false;
    const acked = this.dispatchDelivery(delivery);
    if (acked) await acked;
    return true;
  }

  /**
   * Receives and dispatches records until the subscriber is closed or `signal`
   * aborts. Transport errors go to `onError` and the loop goes on.
   */
  async dispatchForever(signal?: AbortSignal): Promise<void> {
    const stop = signal ? AbortSignal.any([signal, this.closeController.signal]) : this.closeController.signal;
    // Records already here are dispatched without a promise each, yielding to microtasks every so often.
    let inRow = 0;
    while (!stop.aborted) {
      let delivery: Delivery | null;
      try {
        delivery = ++inRow < SYNC_DELIVERIES_IN_ROW ? this.pollDelivery() : null;
        if (delivery === null) {
          inRow = 0;
          delivery = await this.nextDelivery(null, stop);
        }
      } catch (error) {
        this.reportError(error);
        await abortableSleep(LOOP_RETRY_MS, stop);
        continue;
      }
      if (delivery) {
        const acked = this.dispatchDelivery(delivery);
        if (acked) await acked;
      }
    }
  }

  /**
   * Starts {@link dispatchForever} in the background, with `setup` (a handler
   * or a `NestedSetup`) pushed for the loop alone; returns the started
   * controller. As in Logbook, the loop delivers to the application-bound
   * handlers plus `setup`, not to handlers bound to the caller's context
   * (`{ inheritContext: true }` adds those).
   */
  dispatchInBackground(setup?: StackedObject, options: ThreadControllerOptions = {}): ThreadController<this> {
    const controller = new ThreadController(this, setup, options);
    controller.start();
    return controller;
  }

  /** Closes the subscriber: pending receives resolve null, loops end. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closeController.abort();
      try {
        await this.closeTransport();
      } catch (error) {
        this.reportError(error);
      }
    })();
    return this.closing;
  }

  /** `await using sub = ...` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Yields received records until the subscriber is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<LogRecord> {
    for (;;) {
      const record = await this.recv(null);
      if (record === null) {
        if (this.closed) return;
        continue;
      }
      yield record;
    }
  }

  /** Counts an error and passes it to `onError`. */
  protected reportError(error: unknown, record?: LogRecord): void {
    this.stats.errors++;
    callErrorHook(this.onError, error, record);
  }

  private dispatchDelivery(delivery: Delivery): void | Promise<void> {
    dispatchRecord(delivery.record);
    this.stats.dispatched++;
    return this.acknowledge(delivery);
  }

  /** Acknowledges; waits only when the transport's ack is asynchronous (saves a promise hop per record). */
  private acknowledge(delivery: Delivery): void | Promise<void> {
    try {
      const result = delivery.ack();
      if (result instanceof Promise) return result.catch((error: unknown) => this.reportError(error, delivery.record));
    } catch (error) {
      this.reportError(error, delivery.record);
    }
  }
}

/** One raw frame as a transport received it. */
export interface RawFrame {
  /** The frame: UTF-8 JSON text or bytes. */
  readonly data: string | Uint8Array;
  /** Acknowledges the frame (after dispatch). */
  ack?(): void | Promise<void>;
  /** Rejects a malformed frame (without requeue, so a dead-letter exchange gets it). Defaults to `ack`. */
  reject?(): void | Promise<void>;
}

/**
 * A frame that the transport received already parsed (a stored document, an
 * IPC message): its dict is validated as a parsed text frame is, and becomes
 * the record's (its `args`, `kwargs` and `extra` are adopted), so it must be
 * the transport's own.
 */
export interface ParsedFrame {
  /** The parsed frame. */
  readonly dict: Readonly<Record<string, unknown>>;
  /**
   * The size in bytes in which it arrived (e.g. a document's BSON size), when
   * known: a dict larger than `maxRecordBytes` by this measure is measured as
   * JSON text, and refused if that is larger too.
   */
  readonly bytes?: number;
  /** Acknowledges the frame (after dispatch). */
  ack?(): void | Promise<void>;
  /** Sets a malformed frame aside. Defaults to `ack`. */
  reject?(): void | Promise<void>;
}

/**
 * A subscriber whose transport yields raw frames: it decodes and validates
 * them, and counts, reports and skips (rejects) malformed ones without ending
 * any loop. Transports implement {@link FrameSubscriber.receiveFrame}, with
 * the same contract as `nextDelivery`.
 */
export abstract class FrameSubscriber extends SubscriberBase {
  /** Decoding limits. */
  protected readonly decodeOptions: DecodeOptions;
  /** The rejection of a malformed frame, while it is under way. */
  private rejecting: Promise<void> | null = null;

  constructor(options: SubscriberOptions = {}) {
    super(options);
    this.decodeOptions = { maxRecordBytes: options.maxRecordBytes };
  }

  /** Receives the next raw frame; see the `SubscriberBase` contract. */
  protected abstract receiveFrame(
    timeoutMs: number | null,
    signal: AbortSignal,
  ): Promise<RawFrame | ParsedFrame | null>;

  /**
   * A frame that is already here (taken from the broker and queued locally),
   * or null: no waiting. Transports that queue frames implement it so that a
   * record already received costs no promise round trip; the default has none.
   */
  protected pollFrame(): RawFrame | ParsedFrame | null {
    return null;
  }

  /** Decodes a frame into a record; override for other envelopes (e.g. kombu's). */
  protected decode(data: string | Uint8Array): LogRecord {
    return decodeRecord(data, this.decodeOptions);
  }

  /**
   * Decodes a {@link ParsedFrame}'s dict (`bytes`: its size as it arrived)
   * into a record; override for other layouts (e.g. a stored document).
   */
  protected decodeDict(dict: Readonly<Record<string, unknown>>, bytes?: number): LogRecord {
    return decodeParsed(dict, this.decodeOptions.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, bytes);
  }

  protected override pollDelivery(): Delivery | null {
    return this.rejecting === null ? this.takeReady(this.closeController.signal) : null;
  }

  protected nextDelivery(timeoutMs: number | null, signal: AbortSignal): Promise<Delivery | null> {
    // Not `async`: a frame already here is decoded and handed over without an async function's promise and await.
    const ready = this.rejecting === null ? this.takeReady(signal) : null;
    return ready !== null ? Promise.resolve(ready) : this.waitDelivery(timeoutMs, signal);
  }

  /** A delivery from the frames already here; null when there is none (or a malformed one was skipped and `signal` aborted, or its rejection is pending). */
  private takeReady(signal: AbortSignal): Delivery | null {
    for (;;) {
      const frame = this.pollFrame();
      if (frame === null) return null;
      const delivery = this.deliver(frame);
      if (delivery !== null) return delivery;
      if (this.rejecting !== null || signal.aborted) return null;
    }
  }

  private async waitDelivery(timeoutMs: number | null, signal: AbortSignal): Promise<Delivery | null> {
    // No clock reads for the usual "wait forever" and "don't wait".
    const deadline = timeoutMs === null || timeoutMs === 0 ? null : Date.now() + timeoutMs;
    for (;;) {
      const rejecting = this.rejecting;
      if (rejecting !== null) {
        // A malformed frame is rejected before the next frame is taken.
        await rejecting;
        if (this.rejecting === rejecting) this.rejecting = null;
        if (signal.aborted) return null;
      }
      const frame =
        this.pollFrame() ??
        (await this.receiveFrame(deadline === null ? timeoutMs : Math.max(0, deadline - Date.now()), signal));
      if (!frame) return null;
      const delivery = this.deliver(frame);
      if (delivery !== null) return delivery;
      if (this.rejecting === null && signal.aborted) return null;
    }
  }

  /**
   * Counts and decodes a frame taken from the transport. A malformed one is
   * reported and rejected, and null returned; an asynchronous rejection is left
   * in `rejecting`, awaited before the next frame is taken.
   */
  private deliver(frame: RawFrame | ParsedFrame): Delivery | null {
    this.stats.received++;
    let record: LogRecord;
    try {
      record = 'dict' in frame ? this.decodeDict(frame.dict, frame.bytes) : this.decode(frame.data);
    } catch (error) {
      this.stats.malformed++;
      this.reportError(error);
      try {
        const rejected = (frame.reject ?? frame.ack)?.call(frame);
        if (rejected)
          this.rejecting = Promise.resolve(rejected).catch((rejectError: unknown) => this.reportError(rejectError));
      } catch (rejectError) {
        this.reportError(rejectError);
      }
      return null;
    }
    return new FrameDelivery(record, frame);
  }
}

/** Decodes a dict that arrived parsed, with the checks a parsed text frame gets. */
function decodeParsed(dict: Readonly<Record<string, unknown>>, maxRecordBytes: number, bytes = 0): LogRecord {
  const proto: unknown = Object.getPrototypeOf(dict);
  // A dict parsed in another realm (a vm context, as under jest) would carry that realm's
  // prototypes into the record: it is taken through its JSON text instead.
  if (proto !== Object.prototype && proto !== null) return decodeRecord(JSON.stringify(dict), { maxRecordBytes });
  if (bytes > maxRecordBytes) {
    const size = Buffer.byteLength(JSON.stringify(dict));
    if (size > maxRecordBytes)
      throw new RecordDecodeError(`record of ${size} bytes exceeds maxRecordBytes (${maxRecordBytes})`);
  }
  return LogRecord.fromDict(validateWireDict(dict), true);
}

/** A decoded frame and its acknowledgement: one object per record. */
class FrameDelivery implements Delivery {
  constructor(
    readonly record: LogRecord,
    private readonly frame: RawFrame | ParsedFrame,
  ) {}

  ack(): void | Promise<void> {
    return this.frame.ack?.();
  }
}

/** Turns the public timeout (undefined/null: forever; negative: 0) into the internal one. */
export function normalizeTimeout(timeout: number | null | undefined): number | null {
  if (timeout === undefined || timeout === null) return null;
  return Math.max(0, timeout);
}

/**
 * Resolves after `ms`, or at once when `signal` aborts. With `unref`, the
 * timer does not keep the process alive (a handler's reconnect backoff while
 * nothing waits on it).
 */
export function abortableSleep(ms: number, signal?: AbortSignal, unref = false): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    if (unref) timer.unref();
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
