/**
 * `@logq/process`: logq records between Node processes and threads with no
 * broker. Over Node's own IPC (`child_process.fork`, `cluster`,
 * `worker_threads`): Logbook's `MultiProcessingHandler` and
 * `MultiProcessingSubscriber`. Over any stream or a socket, one JSON record
 * per line: `StreamChannelHandler` and `StreamChannelSubscriber` (Logbook's
 * execnet channel pair). Importing it registers the `stream+tcp://` and
 * `stream+unix://` schemes with `@logq/core`'s `createHandler` /
 * `createSubscriber`.
 * @packageDocumentation
 */
import { registerTransport } from '@logq/core/transport';
import { StreamChannelHandler } from './stream-handler.js';
import type { StreamChannelHandlerOptions, StreamChannelSubscriberOptions } from './stream-options.js';
import { StreamChannelSubscriber } from './stream-subscriber.js';
import { STREAM_SCHEMES } from './stream-uri.js';

export { MultiProcessingHandler } from './handler.js';
export { MultiProcessingSubscriber } from './subscriber.js';
export {
  ProcessQueue,
  type ProcessQueueStats,
  type QueueRef,
  type QueuedFrame,
  RejectedFrame,
  queueIdOf,
} from './queue.js';
export type {
  MultiProcessingHandlerOptions,
  MultiProcessingSubscriberOptions,
  ProcessQueueOptions,
} from './options.js';
export { type IpcTarget, parentChannel } from './connection.js';
export {
  type CreditMessage,
  type Frame,
  type GrantMessage,
  type HelloMessage,
  type LogqMessage,
  type RecordsMessage,
  type RefuseMessage,
  type WelcomeMessage,
  isLogqMessage,
} from './protocol.js';
export { ChannelClosedError, NoParentChannelError, QueueNotAttachedError, StreamUriError } from './errors.js';
export { StreamChannelHandler, type StreamChannelTarget } from './stream-handler.js';
export { StreamChannelSubscriber, type StreamChannelSource, type StreamChannelStats } from './stream-subscriber.js';
export type { StreamChannelHandlerOptions, StreamChannelSubscriberOptions } from './stream-options.js';
export { STREAM_SCHEMES, type StreamAddress, formatStreamUri, parseStreamUri } from './stream-uri.js';

registerTransport(STREAM_SCHEMES, {
  packageName: '@logq/process',
  createHandler: (uri, options) => new StreamChannelHandler(uri, options as StreamChannelHandlerOptions),
  createSubscriber: (uri, options) => new StreamChannelSubscriber(uri, options as StreamChannelSubscriberOptions),
});
