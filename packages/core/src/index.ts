/**
 * `@logq/core`: log records, levels, the handler stack, Logger, the wire codec
 * and the subscriber contract of logq, a port of Python Logbook's queue support.
 * @packageDocumentation
 */
export * from './async-queue.js';
export * from './codec.js';
export * from './dispatch.js';
export * from './drop-report.js';
export * from './error-hook.js';
export * from './errors.js';
export * from './exit-flush.js';
export * from './pyformat/index.js';
export * from './formatter.js';
export * from './handler.js';
export * from './handlers/null.js';
export * from './handlers/stream.js';
export * from './handlers/test.js';
export * from './json.js';
export * from './levels.js';
export * from './logger.js';
export * from './nested-setup.js';
export * from './open-handlers.js';
export * from './processor.js';
export * from './queue-handler.js';
export * from './record.js';
export * from './redact.js';
export * from './resolver.js';
export * from './shutdown.js';
export * from './stack.js';
export * from './subscriber.js';
export * from './subscriber-group.js';
export * from './thread-controller.js';
export * from './threaded-wrapper.js';
export * from './time.js';
