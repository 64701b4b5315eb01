import { describeError } from './errors.js';
import type { LogRecord } from './record.js';

/** Receives errors that logq cannot throw to a caller (a log call never throws). */
export type ErrorHook = (error: unknown, record?: LogRecord) => void;

const INTERVAL_MS = 10_000;

/**
 * The default error hook: one line to stderr for the first error, then at most
 * one line every 10 s per owner, saying how many were suppressed. The text is
 * stripped of URI passwords.
 */
export function createStderrErrorHook(owner: string): ErrorHook {
  let last = -Infinity;
  let suppressed = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < INTERVAL_MS) {
      suppressed++;
      return;
    }
    last = now;
    const more = suppressed > 0 ? ` (${suppressed} more since the last report)` : '';
    suppressed = 0;
    try {
      process.stderr.write(`logq: ${owner}: ${describeError(error)}${more}\n`);
    } catch {
      // stderr itself is gone: nothing more can be said.
    }
  };
}

/** Calls `hook` and swallows anything it throws (an error hook must not break a log call). */
export function callErrorHook(hook: ErrorHook, error: unknown, record?: LogRecord): void {
  try {
    hook(error, record);
  } catch {
    // A failing hook must not end a loop or reach the caller.
  }
}
