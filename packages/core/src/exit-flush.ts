import { shared } from './global-state.js';
import type { CloseOptions, Handler } from './handler.js';

/** @internal How the exit flush reaches the open-handler registry. */
export interface ExitFlushRegistry {
  /** The open handlers. */
  readonly list: () => readonly Handler[];
  /** Closes handlers, wrappers first. */
  readonly close: (handlers: readonly Handler[], options: CloseOptions) => Promise<unknown>;
}

/** Options of {@link configureExitFlush}. */
export interface ExitFlushOptions {
  /** How long the exit flush may keep the process alive to deliver what is buffered, in ms. @default 5000 */
  readonly timeoutMs?: number;
  /** Whether handlers are flushed when the process is about to end. @default true */
  readonly enabled?: boolean;
}

// Shared by every copy of core in the process: one listener, one configuration.
const exit = shared('exitFlush', () => ({ timeoutMs: 5000, enabled: true, installed: false, running: false }));

/**
 * Sets how the exit flush behaves. When the event loop of a process runs
 * empty (its main returned and nothing else is pending: Node's `beforeExit`),
 * core flushes every open transport handler, keeping the process alive until
 * they have delivered or `timeoutMs` has passed. A handler that has not
 * delivered by then is closed, and what it gave up is counted in its
 * `stats.dropped` and reported through its error hook. Installed once per
 * process, when the first transport handler is created; works with or
 * without `installShutdownHooks()`. `process.exit()` and crashes skip it
 * (call `await shutdown()` first).
 */
export function configureExitFlush(options: ExitFlushOptions): void {
  if (options.timeoutMs !== undefined) exit.timeoutMs = Math.max(0, options.timeoutMs);
  if (options.enabled !== undefined) exit.enabled = options.enabled;
}

/** @internal Installs the `beforeExit` listener once. */
export function ensureExitFlush(registry: ExitFlushRegistry): void {
  if (exit.installed) return;
  exit.installed = true;
  process.on('beforeExit', () => {
    if (!exit.running && exit.enabled) void flushAtExit(registry);
  });
}

/**
 * Flushes the open handlers that hold records, within the deadline; closes
 * (wrappers first) those that have not delivered by then. Does nothing when
 * nothing is buffered, so the next `beforeExit` lets the process end.
 */
async function flushAtExit(registry: ExitFlushRegistry): Promise<void> {
  const busy = registry.list().filter((handler) => handler.stats.buffered > 0);
  if (busy.length === 0) return;
  exit.running = true;
  const timeoutMs = exit.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  // A ref'd timer: the process stays up until the deadline even if a flush waits on unref'd handles only.
  const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    const flushed = await Promise.all(
      busy.map((handler) =>
        Promise.race([
          handler.flush().then(
            () => true,
            (error: unknown) => (handler.handleError(error), false),
          ),
          deadline,
        ]),
      ),
    );
    clearTimeout(timer);
    const late = busy.filter((_, i) => !flushed[i]);
    if (late.length > 0) {
      await registry.close(late, { timeoutMs: 0, reason: `within the exit deadline of ${timeoutMs} ms` });
    }
  } finally {
    clearTimeout(timer);
    exit.running = false;
  }
}
