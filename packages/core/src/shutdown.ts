import { closeWrappersFirst, openHandlers, outermostHandlers } from './open-handlers.js';

/** Options of {@link shutdown}. */
export interface ShutdownOptions {
  /** Deadline for flushing each handler, in ms. @default 5000 */
  readonly timeoutMs?: number;
}

/** What {@link shutdown} did. Every record logged to the closed handlers is in `delivered` or `dropped`. */
export interface ShutdownResult {
  /** Handlers closed. */
  readonly closed: number;
  /** Records delivered over those handlers' lives (a record handed on by a wrapper counts once). */
  readonly delivered: number;
  /** Records given up over those handlers' lives (a record handed on by a wrapper counts once). */
  readonly dropped: number;
}

/**
 * Flushes and closes every open transport handler, with a deadline, so that
 * the last records are not lost when the process ends. A wrapper (e.g.
 * `ThreadedWrapperHandler`) closes before the handler it wraps, so what it
 * holds is drained into an open handler. The totals count each record once:
 * `delivered + dropped` is what was logged to those handlers.
 */
export async function shutdown(options: ShutdownOptions = {}): Promise<ShutdownResult> {
  const handlers = openHandlers();
  const closed = await closeWrappersFirst(handlers, { timeoutMs: options.timeoutMs ?? 5000 });
  const outermost = new Set(outermostHandlers(handlers));
  let delivered = 0;
  let dropped = 0;
  for (const { handler, result } of closed) {
    if (!outermost.has(handler)) continue; // its counts are in its wrapper's result
    delivered += result?.sent ?? handler.stats.sent;
    dropped += result?.dropped ?? handler.stats.dropped;
  }
  return { closed: handlers.length, delivered, dropped };
}

/** Options of {@link installShutdownHooks}. */
export interface ShutdownHookOptions extends ShutdownOptions {
  /** Signals that trigger a shutdown before the process ends. @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
}

/**
 * Runs {@link shutdown} on SIGTERM, SIGINT and `beforeExit`. After a signal,
 * once the handlers are closed, the signal is raised again if nothing else
 * listens for it, so the process ends as it would have. Disposing the result
 * removes the hooks.
 */
export function installShutdownHooks(options: ShutdownHookOptions = {}): Disposable {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let running: Promise<ShutdownResult> | null = null;
  const run = () => (running ??= shutdown(options).finally(() => (running = null)));
  const onBeforeExit = () => {
    if (openHandlers().length > 0) void run();
  };
  const listeners = new Map<NodeJS.Signals, () => void>();
  for (const signal of signals) {
    const onSignal = () => {
      void run().then(() => {
        process.removeListener(signal, onSignal);
        listeners.delete(signal);
        // Nothing else handles it: end the process as the signal would have.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    listeners.set(signal, onSignal);
    process.on(signal, onSignal);
  }
  process.on('beforeExit', onBeforeExit);
  return {
    [Symbol.dispose]: () => {
      process.removeListener('beforeExit', onBeforeExit);
      for (const [signal, listener] of listeners) process.removeListener(signal, listener);
    },
  };
}
