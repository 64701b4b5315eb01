/**
 * `@logq/core`: what an application uses to log with logq, a port of Python
 * Logbook's queue support: `Logger` and `kw`, levels, records, handlers and
 * their stack, subscribers, `shutdown`, and the resolver that turns a URI
 * into a transport's handler or subscriber. An explicit list: 29 values, and the
 * 26 types of their options, results and arguments.
 *
 * Transport authors import their building blocks (`QueueHandler`,
 * `FrameSubscriber`, the wire codec, the kombu envelope, redaction, ...) from
 * `@logq/core/transport`; the conformance kit is `@logq/core/testing`.
 * @packageDocumentation
 */

// Logging: loggers, keyword arguments, levels, records.
export { Logger, kw, type KeywordArgs, type KwOptions, type LoggerOptions } from './logger.js';
export { Level, levelName, lookupLevel, type LevelLike, type LevelName } from './levels.js';
export { LogRecord, type LogRecordInit, type WireRecord } from './record.js';

// Handlers, their stack, formatting, processors.
export {
  Handler,
  type CloseOptions,
  type CloseResult,
  type Filter,
  type Formatter,
  type HandlerOptions,
  type HandlerStats,
} from './handler.js';
export { defaultFormatter } from './formatter.js';
export { NullHandler } from './handlers/null.js';
export { StderrHandler, StreamHandler, type StreamHandlerOptions, type TextStream } from './handlers/stream.js';
export { TestHandler, type RecordQuery } from './handlers/test.js';
export { ThreadedWrapperHandler } from './threaded-wrapper.js';
export { Processor } from './processor.js';
export { NestedSetup } from './nested-setup.js';
export type { ErrorHook } from './error-hook.js';

// Subscribers: receiving records, alone, in a group, in the background.
export { SubscriberBase, type SubscriberOptions, type SubscriberStats } from './subscriber.js';
export { SubscriberGroup, type SubscriberGroupOptions } from './subscriber-group.js';
export type { ThreadController } from './thread-controller.js';

// Shutdown and the exit flush.
export {
  installShutdownHooks,
  shutdown,
  type ShutdownHookOptions,
  type ShutdownOptions,
  type ShutdownResult,
} from './shutdown.js';
export { configureExitFlush, type ExitFlushOptions } from './exit-flush.js';

// The resolver: a URI to a transport's handler or subscriber.
export { createHandler, createSubscriber, type TransportOptions } from './resolver.js';

// Errors an application may catch or meet in its `onError` hook.
export { ClosedError, LogqError, RecordDecodeError, TransportNotFoundError } from './errors.js';
export { RecordsDroppedError } from './drop-report.js';
export { RecordTooLargeError } from './queue-handler.js';
export { FormatError } from './pyformat/index.js';
