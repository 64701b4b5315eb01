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
import { registerTransport } from '@logq/core';
import { StreamChannelHandler } from './stream-handler.js';
import type { StreamChannelHandlerOptions, StreamChannelSubscriberOptions } from './stream-options.js';
import { StreamChannelSubscriber } from './stream-subscriber.js';
import { STREAM_SCHEMES } from './stream-uri.js';

export { type IpcTarget, parentChannel } from './endpoint.js';
export * from './errors.js';
export * from './handler.js';
export * from './options.js';
export * from './protocol.js';
export { type ProcessQueueStats, ProcessQueue, type QueueRef, type QueuedFrame, RejectedFrame, queueIdOf } from './queue.js';
export * from './subscriber.js';
export * from './stream-handler.js';
export * from './stream-options.js';
export * from './stream-subscriber.js';
export { STREAM_SCHEMES, StreamUriError, type StreamAddress, formatStreamUri, parseStreamUri } from './stream-uri.js';

registerTransport(STREAM_SCHEMES, {
  packageName: '@logq/process',
  createHandler: (uri, options) => new StreamChannelHandler(uri, options as StreamChannelHandlerOptions),
  createSubscriber: (uri, options) => new StreamChannelSubscriber(uri, options as StreamChannelSubscriberOptions),
});
