/**
 * The transport conformance kit and in-memory transport (`@logq/core/testing`).
 * @packageDocumentation
 */
export * from './checks.js';
export * from './garbage.js';
export * from './memory.js';
export * from './sample.js';
export * from './suite.js';
