import type { QueueHandlerOptions, SubscriberOptions } from '@logq/core/transport';

/** Options of {@link StreamChannelHandler}. */
export interface StreamChannelHandlerOptions extends QueueHandlerOptions {
  /**
   * How long to wait for a `stream+tcp://` or `stream+unix://` connection
   * before reporting it and retrying with backoff, in ms.
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
}

/** Options of {@link StreamChannelSubscriber}. */
export interface StreamChannelSubscriberOptions extends SubscriberOptions {
  /**
   * Records received and not yet taken before the subscriber stops reading
   * its streams (they resume once it has taken half of them): with the
   * line-length limit (`maxRecordBytes`), what bounds its memory. The same
   * name and meaning as `prefetch` on the ZeroMQ subscriber.
   * @default 10000
   */
  readonly prefetch?: number;
  /**
   * The former name of {@link StreamChannelSubscriberOptions.prefetch}
   * (used when `prefetch` is not given).
   * @deprecated Use `prefetch`.
   */
  readonly highWaterMark?: number;
}
