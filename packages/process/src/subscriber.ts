import { FrameSubscriber, type RawFrame } from '@logq/core';
import type { MultiProcessingSubscriberOptions } from './options.js';
import { ProcessQueue } from './queue.js';

/**
 * The parent's side of logq's IPC transport (Logbook's
 * `MultiProcessingSubscriber(queue)`): receives the records that children
 * post with {@link MultiProcessingHandler} through its {@link ProcessQueue},
 * which it creates when none is given (and then closes on `close()`).
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
    this.queue = queue ?? new ProcessQueue(options.queueOptions);
  }

  protected receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    return this.queue.take(timeoutMs, signal);
  }

  /** Closes the queue if this subscriber created it (a queue you passed in stays yours). */
  protected override async closeTransport(): Promise<void> {
    if (this.ownQueue) this.queue.close();
  }
}
