import type { LogRecord } from '@logq/core';
import { FrameSubscriber, type ParsedFrame, type RawFrame, RecordDecodeError } from '@logq/core/transport';
import type { MultiProcessingSubscriberOptions } from './options.js';
import { ProcessQueue, type QueuedFrame, RejectedFrame, pollQueue } from './queue.js';

/**
 * The parent's side of logq's IPC transport (Logbook's
 * `MultiProcessingSubscriber(queue)`): receives the records that children
 * post with {@link MultiProcessingHandler} through its {@link ProcessQueue},
 * which it creates when none is given (and then closes on `close()`).
 *
 * Every frame goes through core's `FrameSubscriber`, as on the other
 * transports: JSON text is decoded and validated (size limit, UTF-8, JSON,
 * required keys), a dict that the channel already parsed is validated the
 * same way; a malformed frame is counted in `stats.malformed`, reported
 * through `onError`, and skipped.
 *
 * @example
 * const subscriber = new MultiProcessingSubscriber();
 * subscriber.queue.attach(fork('./worker.js'));          // child_process
 * subscriber.queue.attach(cluster.fork());                // cluster
 * subscriber.queue.attach(new Worker('./worker.js'));     // worker_threads
 * const controller = subscriber.dispatchInBackground(new StderrHandler());
 */
export class MultiProcessingSubscriber extends FrameSubscriber {
  /** The queue read from; attach children to it. */
  readonly queue: ProcessQueue;
  private readonly ownQueue: boolean;

  /**
   * @param queue - the queue to read; omitted or null: a new one, owned (closed with the subscriber).
   */
  constructor(queue?: ProcessQueue | null, options: MultiProcessingSubscriberOptions = {}) {
    super(options);
    this.ownQueue = queue === undefined || queue === null;
    this.queue = queue ?? new ProcessQueue({ maxRecordBytes: options.maxRecordBytes, ...options.queueOptions });
  }

  protected override pollFrame(): RawFrame | ParsedFrame | null {
    const frame = pollQueue(this.queue);
    return frame === null ? null : toFrame(frame);
  }

  protected async receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | ParsedFrame | null> {
    const frame = await this.queue.take(timeoutMs, signal);
    return frame === null ? null : toFrame(frame);
  }

  /** Decodes a text frame; a frame the queue refused on arrival is malformed, with the queue's reason. */
  protected override decode(data: string | Uint8Array): LogRecord {
    if (data instanceof Refused) throw new RecordDecodeError(data.reason);
    return super.decode(data);
  }

  /** Closes the queue if this subscriber created it (a queue you passed in stays yours). */
  protected override async closeTransport(): Promise<void> {
    if (this.ownQueue) this.queue.close();
  }
}

/** Stands for a frame the queue refused on arrival (a {@link RejectedFrame}): no bytes, only the reason. */
class Refused extends Uint8Array {
  constructor(readonly reason: string) {
    super(0);
  }
}

/**
 * A queued frame as `FrameSubscriber` takes it: text or bytes as they came; a
 * dict the channel parsed as a parsed frame (it came through the channel, so
 * it is this subscriber's own; its size was checked when the queue admitted it).
 */
function toFrame(frame: QueuedFrame): RawFrame | ParsedFrame {
  if (typeof frame === 'string' || frame instanceof Uint8Array) return { data: frame };
  if (frame instanceof RejectedFrame) return { data: new Refused(frame.reason) };
  return { dict: frame };
}
