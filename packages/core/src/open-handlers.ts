import type { CloseOptions, CloseResult, Handler } from './handler.js';
import { ensureExitFlush } from './exit-flush.js';
import { shared } from './global-state.js';

/**
 * The open handlers, held weakly (as pino holds its transports): a handler
 * nobody references any more is collected even if it was never closed. A
 * handler that still has work in progress is referenced by it (its socket,
 * timer or pending send) and stays.
 */
interface OpenSet {
  readonly refs: Set<WeakRef<Handler>>;
  readonly byHandler: WeakMap<Handler, WeakRef<Handler>>;
  readonly finalizer: FinalizationRegistry<WeakRef<Handler>>;
}

const open = shared<OpenSet>('openHandlers', () => {
  const refs = new Set<WeakRef<Handler>>();
  return { refs, byHandler: new WeakMap(), finalizer: new FinalizationRegistry((ref) => refs.delete(ref)) };
});

/**
 * The key under which a wrapper (e.g. `ThreadedWrapperHandler`) lists the
 * handlers it hands records to: `shutdown()` and the exit flush close it before
 * them, so it never drains into a closed handler.
 */
export const WRAPPED_HANDLERS: unique symbol = Symbol.for('logq.wrappedHandlers') as never;

/** A handler that hands its records to other handlers (see {@link WRAPPED_HANDLERS}). */
export interface WrapperHandler {
  /** The handlers this one hands records to. */
  [WRAPPED_HANDLERS](): readonly Handler[];
}

/** The handlers `handler` hands records to (none for a handler that is not a wrapper). */
export function wrappedBy(handler: Handler): readonly Handler[] {
  const list = (handler as Partial<WrapperHandler>)[WRAPPED_HANDLERS];
  return typeof list === 'function' ? list.call(handler) : [];
}

/**
 * Adds a handler to the registry that `shutdown()` closes and that the exit
 * flush flushes when the process is about to end (transport handlers add
 * themselves). The first call installs the exit flush (see `configureExitFlush`).
 */
export function trackHandler(handler: Handler): void {
  if (!open.byHandler.has(handler)) {
    const ref = new WeakRef(handler);
    open.refs.add(ref);
    open.byHandler.set(handler, ref);
    open.finalizer.register(handler, ref, ref);
  }
  ensureExitFlush(exitRegistry);
}

/** Removes a handler from the registry (done by its `close`). */
export function untrackHandler(handler: Handler): void {
  const ref = open.byHandler.get(handler);
  if (!ref) return;
  open.refs.delete(ref);
  open.byHandler.delete(handler);
  open.finalizer.unregister(ref);
}

/** The handlers that `shutdown()` would close now (open, and still referenced by someone). */
export function openHandlers(): readonly Handler[] {
  const list: Handler[] = [];
  for (const ref of open.refs) {
    const handler = ref.deref();
    if (handler) list.push(handler);
  }
  return list;
}

/**
 * The handlers that no other handler of `handlers` wraps: their close results
 * already include what they handed on, so totals are summed over them.
 */
export function outermostHandlers(handlers: readonly Handler[]): Handler[] {
  const inner = new Set<Handler>();
  const visit = (handler: Handler, seen: Set<Handler>) => {
    for (const wrapped of wrappedBy(handler)) {
      if (seen.has(wrapped)) continue;
      seen.add(wrapped);
      inner.add(wrapped);
      visit(wrapped, seen);
    }
  };
  for (const handler of handlers) visit(handler, new Set([handler]));
  return handlers.filter((handler) => !inner.has(handler));
}

/** One handler's close, as `closeWrappersFirst` reports it. */
export interface ClosedHandler {
  /** The handler. */
  readonly handler: Handler;
  /** Its close result, or null when `close` threw (reported through its error hook). */
  readonly result: CloseResult | null;
}

/**
 * Closes `handlers`, each wrapper before the handlers it wraps (a wrapper
 * drains into them while it closes), independent handlers concurrently.
 * Never throws: a failing close goes to the handler's error hook.
 */
export async function closeWrappersFirst(
  handlers: readonly Handler[],
  options: CloseOptions,
): Promise<ClosedHandler[]> {
  const started = new Map<Handler, Promise<ClosedHandler>>();
  const closeOne = (handler: Handler): Promise<ClosedHandler> => {
    let closing = started.get(handler);
    if (!closing) {
      // Every open wrapper of this handler closes first.
      const wrappers = handlers.filter((other) => other !== handler && wrappedBy(other).includes(handler));
      closing = Promise.all(wrappers.map(closeOne)).then(async () => {
        try {
          return { handler, result: await handler.close(options) };
        } catch (error) {
          handler.handleError(error);
          return { handler, result: null };
        } finally {
          untrackHandler(handler);
        }
      });
      started.set(handler, closing);
    }
    return closing;
  };
  return Promise.all(handlers.map(closeOne));
}

const exitRegistry = { list: openHandlers, close: closeWrappersFirst };
