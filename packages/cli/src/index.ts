/**
 * `@logq/cli`: the `logq` command (tail, send, bridge) and the pieces it is
 * made of: the console line format, the summary table and the record filters.
 * @packageDocumentation
 */
export * from './bridge.js';
export * from './errors.js';
export * from './filter.js';
export * from './format.js';
export * from './main.js';
export * from './send.js';
export * from './tail.js';
