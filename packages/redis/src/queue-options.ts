import { RedisOptionsError } from './errors.js';
import type { RedisQueueFormat, RedisQueueMode } from './options.js';

/** Logbook's and kombu's default queue name. */
export const DEFAULT_QUEUE = 'logging';

/** Where and how a queue handler or subscriber keeps records. */
export interface ResolvedQueue {
  readonly key: string;
  readonly mode: RedisQueueMode;
  readonly format: RedisQueueFormat;
}

/**
 * The key, mode and format from options: `key` or Logbook's `queue` (default
 * `'logging'`); list mode defaults to kombu's format (what Python Logbook
 * reads and writes), stream mode to logq's.
 * @throws {RedisOptionsError} for `key` and `queue` that differ, or kombu on a stream.
 */
export function resolveQueue(options: { readonly key?: string; readonly queue?: string; readonly mode?: RedisQueueMode; readonly format?: RedisQueueFormat }): ResolvedQueue {
  if (options.key !== undefined && options.queue !== undefined && options.key !== options.queue) {
    throw new RedisOptionsError(`key (${JSON.stringify(options.key)}) and queue (${JSON.stringify(options.queue)}) name the same thing; give one`);
  }
  const key = options.key ?? options.queue ?? DEFAULT_QUEUE;
  const mode = options.mode ?? 'list';
  if (mode !== 'list' && mode !== 'stream') throw new RedisOptionsError(`mode must be 'list' or 'stream', not ${JSON.stringify(mode)}`);
  const format = options.format ?? (mode === 'list' ? 'kombu' : 'logq');
  if (format !== 'logq' && format !== 'kombu') throw new RedisOptionsError(`format must be 'kombu' or 'logq', not ${JSON.stringify(format)}`);
  if (format === 'kombu' && mode !== 'list') throw new RedisOptionsError("format 'kombu' works with mode 'list' only");
  return { key, mode, format };
}
