import type { QueueHandlerOptions, SubscriberOptions } from '@logq/core/transport';
import type { IpcTarget } from './connection.js';

/** Options of {@link ProcessQueue}. */
export interface ProcessQueueOptions {
  /**
   * The queue's id, written on every message of a handler that names it. Must
   * be unique among the queues attached to one channel.
   * @default a random id (`logq-` and 16 hex digits)
   */
  readonly id?: string;
  /**
   * Records the queue holds before it stops granting credit to children: past
   * it, every child can still send what its window allows, then waits until a
   * subscriber has taken records out. Bounds the parent's memory to about
   * `capacity + children × window` records.
   * @default 10000
   */
  readonly capacity?: number;
  /**
   * Frames larger than this many bytes (a dict's size estimated as JSON) are
   * refused on arrival: the queue keeps a small marker instead, which the
   * subscriber counts as malformed. A subscriber that creates its queue passes
   * its own `maxRecordBytes`.
   * @default 1 MiB
   */
  readonly maxRecordBytes?: number;
}

/** Options of {@link MultiProcessingHandler}. */
export interface MultiProcessingHandlerOptions extends QueueHandlerOptions {
  /**
   * The channel to post on.
   * @default the parent channel: `parentPort` in a worker thread, `process` in a forked or cluster child
   */
  readonly channel?: IpcTarget;
  /**
   * Records that may be posted before the parent grants more credit. The
   * parent grants it at once while its queue has room, so this only needs to
   * cover a round trip; it bounds what the parent holds for this child.
   * @default 4096
   */
  readonly window?: number;
  /**
   * How long to wait for the parent's answer to the first message before
   * reporting that no queue is attached (then retried with backoff).
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
}

/** Options of {@link MultiProcessingSubscriber}. */
export interface MultiProcessingSubscriberOptions extends SubscriberOptions {
  /** Options of the queue the subscriber creates when none is given. @default `{}` */
  readonly queueOptions?: ProcessQueueOptions;
}
