import { type DecodeOptions, type Delivery, LogRecord, RecordDecodeError, SubscriberBase, decodeRecord, validateWireDict } from '@logq/core';
import type { MultiProcessingSubscriberOptions } from './options.js';
import { ProcessQueue, type QueuedFrame, RejectedFrame } from './queue.js';

/**
 * The parent's side of logq's IPC transport (Logbook's
 * `MultiProcessingSubscriber(queue)`): receives the records that children
 * post with {@link MultiProcessingHandler} through its {@link ProcessQueue},
 * which it creates when none is given (and then closes on `close()`).
 *
 * Every frame is validated as on the other transports: JSON text goes through
 * `decodeRecord` (size limit, UTF-8, JSON, required keys), a dict that the
 * channel already parsed through `validateWireDict`; a malformed frame is
 * counted in `stats.malformed`, reported through `onError`, and skipped.
 *
 * @example
 * const subscriber = new MultiProcessingSubscriber();
 * subscriber.queue.attach(fork('./worker.js'));          // child_process
 * subscriber.queue.attach(cluster.fork());                // cluster
 * subscriber.queue.attach(new Worker('./worker.js'));     // worker_threads
 * const controller = subscriber.dispatchInBackground(new StderrHandler());
 */
export class MultiProcessingSubscriber extends SubscriberBase {
  /** The queue read from; attach children to it. */
  readonly queue: ProcessQueue;
  /** Decoding limits for frames that arrive as text. */
  protected readonly decodeOptions: DecodeOptions;
  private readonly ownQueue: boolean;

  /**
   * @param queue - the queue to read; omitted or null: a new one, owned (closed with the subscriber).
   */
  constructor(queue?: ProcessQueue | null, options: MultiProcessingSubscriberOptions = {}) {
    super(options);
    this.ownQueue = queue === undefined || queue === null;
    this.queue = queue ?? new ProcessQueue({ maxRecordBytes: options.maxRecordBytes, ...options.queueOptions });
    this.decodeOptions = { maxRecordBytes: options.maxRecordBytes };
  }

  protected async nextDelivery(timeoutMs: number | null, signal: AbortSignal): Promise<Delivery | null> {
    const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
    for (;;) {
      const remaining = deadline === null ? null : Math.max(0, deadline - Date.now());
      const frame = await this.queue.take(remaining, signal);
      if (frame === null) return null;
      this.stats.received++;
      try {
        return { record: this.decode(frame), ack: noop };
      } catch (error) {
        this.stats.malformed++;
        this.reportError(error);
        if (signal.aborted) return null;
      }
    }
  }

  /** Decodes one frame: text or bytes with `decodeRecord`, a parsed dict with `validateWireDict`. */
  protected decode(frame: QueuedFrame): LogRecord {
    if (frame instanceof RejectedFrame) throw new RecordDecodeError(frame.reason);
    if (typeof frame === 'string' || frame instanceof Uint8Array) return decodeRecord(frame, this.decodeOptions);
    // A dict parsed in another realm (a vm context, as under jest) would carry that realm's
    // prototypes into the record: take it through JSON text instead.
    if (Object.getPrototypeOf(frame) !== Object.prototype && Object.getPrototypeOf(frame) !== null) {
      return decodeRecord(JSON.stringify(frame), this.decodeOptions);
    }
    // The dict arrived through the channel: it is this subscriber's own, the record can keep its parts.
    return LogRecord.fromDict(validateWireDict(frame), true);
  }

  /** Closes the queue if this subscriber created it (a queue you passed in stays yours). */
  protected override async closeTransport(): Promise<void> {
    if (this.ownQueue) this.queue.close();
  }
}

function noop(): void {}
