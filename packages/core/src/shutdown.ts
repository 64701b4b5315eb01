import type { Handler } from './handler.js';

const open = new Set<Handler>();

/** Adds a handler to the registry that {@link shutdown} closes (transport handlers add themselves). */
export function trackHandler(handler: Handler): void {
  open.add(handler);
}

/** Removes a handler from the registry (done by its `close`). */
export function untrackHandler(handler: Handler): void {
  open.delete(handler);
}

/** The handlers that {@link shutdown} would close now. */
export function openHandlers(): readonly Handler[] {
  return [...open];
}

/** Options of {@link shutdown}. */
export interface ShutdownOptions {
  /** Deadline for flushing each handler, in ms. @default 5000 */
  readonly timeoutMs?: number;
}

/** What {@link shutdown} did. */
export interface ShutdownResult {
  /** Handlers closed. */
  readonly closed: number;
  /** Records given up, summed over those handlers. */
  readonly dropped: number;
}

/**
 * Flushes and closes every open transport handler, with a deadline, so that
 * the last records are not lost when the process ends.
 */
export async function shutdown(options: ShutdownOptions = {}): Promise<ShutdownResult> {
  const handlers = [...open];
  let dropped = 0;
  await Promise.all(
    handlers.map(async (handler) => {
      try {
        const result = await handler.close({ timeoutMs: options.timeoutMs ?? 5000 });
        dropped += result.dropped;
      } catch (error) {
        handler.handleError(error);
      } finally {
        open.delete(handler);
      }
    }),
  );
  return { closed: handlers.length, dropped };
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
    if (open.size > 0) void run();
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
