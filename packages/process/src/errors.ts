import { LogqError } from '@logq/core/transport';

/**
 * A {@link MultiProcessingHandler} was created where there is no channel to a
 * parent: the process was not started by `child_process.fork` or `cluster`, is
 * not a `worker_threads` worker, and no `channel` option was given.
 */
export class NoParentChannelError extends LogqError {}

/** The IPC channel is closed (the other side exited or disconnected). */
export class ChannelClosedError extends LogqError {}

/**
 * The parent has no queue for this handler's records: no queue is attached to
 * the channel (`subscriber.queue.attach(child)` was not called), the handler
 * names a queue id that is not attached to it, or the queue was closed.
 */
export class QueueNotAttachedError extends LogqError {}

/** A `stream+tcp://` or `stream+unix://` URI that cannot be used. */
export class StreamUriError extends LogqError {}
