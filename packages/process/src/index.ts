/**
 * `@logq/process`: logq records from many Node processes and threads to one
 * place over Node's own IPC (`child_process.fork`, `cluster`, `worker_threads`),
 * with no broker: Logbook's `MultiProcessingHandler` and
 * `MultiProcessingSubscriber`.
 * @packageDocumentation
 */
export { type IpcTarget, parentChannel } from './endpoint.js';
export * from './errors.js';
export * from './handler.js';
export * from './options.js';
export * from './protocol.js';
export * from './queue.js';
export * from './subscriber.js';
