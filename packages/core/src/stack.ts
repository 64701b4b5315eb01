import { AsyncLocalStorage } from 'node:async_hooks';
import { shared } from './global-state.js';

interface Entry<T> {
  readonly item: T;
  readonly seq: number;
}

// Shared by every copy of core in the process (see global-state.ts).
const order = shared('stackOrder', () => ({ nextSeq: 0 }));
const allStacks = shared('contextStacks', () => new Set<{ outsideContext<R>(fn: () => R): R }>());

/**
 * Runs `fn`, and the async work it starts, with every context stack (handlers
 * and processors) empty: only application-bound objects apply, as in a new
 * Logbook thread.
 */
export function outsideContexts<R>(fn: () => R): R {
  let run = fn;
  for (const stack of allStacks) {
    const inner = run;
    run = () => stack.outsideContext(inner);
  }
  return run();
}

/**
 * Logbook's stack manager: an application-wide stack plus a stack bound to the
 * current async context (through `AsyncLocalStorage`, Logbook's thread and
 * greenlet stacks). {@link ObjectStack.items} merges both, newest push first.
 */
export class ObjectStack<T> {
  private application: readonly Entry<T>[] = [];
  private readonly context = new AsyncLocalStorage<readonly Entry<T>[]>();
  private mergedFor: { app: readonly Entry<T>[]; ctx: readonly Entry<T>[] | undefined; items: readonly T[] } | null =
    null;

  constructor() {
    allStacks.add(this);
  }

  /** Runs `fn`, and the async work it starts, with this stack's context part empty. */
  outsideContext<R>(fn: () => R): R {
    return this.context.exit(fn);
  }

  /** Pushes `item` for the whole process; disposing the result pops it. */
  pushApplication(item: T): Disposable {
    this.application = [...this.application, { item, seq: order.nextSeq++ }];
    return { [Symbol.dispose]: () => this.popApplication(item) };
  }

  /** Removes the newest application push of `item` (or the newest push when `item` is omitted). */
  popApplication(item?: T): void {
    this.application = removeNewest(this.application, item);
  }

  /**
   * Pushes `item` onto the stack of the current async context: it applies to
   * the code that follows in this function and to async work started from it,
   * not to other concurrent tasks. Prefer {@link contextBound} to scope it
   * to one callback.
   */
  pushContext(item: T): Disposable {
    const current = this.context.getStore() ?? [];
    this.context.enterWith([...current, { item, seq: order.nextSeq++ }]);
    return { [Symbol.dispose]: () => this.popContext(item) };
  }

  /** Removes the newest context push of `item` (or the newest push). */
  popContext(item?: T): void {
    const current = this.context.getStore();
    if (current && current.length > 0) this.context.enterWith(removeNewest(current, item));
  }

  /** Runs `fn` with `item` pushed for the process, and pops it when `fn` settles. */
  applicationBound<R>(item: T, fn: () => R): R {
    const pushed = this.pushApplication(item);
    return settleThen(fn, () => pushed[Symbol.dispose]());
  }

  /** Runs `fn` (and all async work it starts) with `item` pushed on its own context stack. */
  contextBound<R>(item: T, fn: () => R): R {
    const current = this.context.getStore() ?? [];
    return this.context.run([...current, { item, seq: order.nextSeq++ }], fn);
  }

  /** The active items, newest push first, application and context merged. */
  items(): readonly T[] {
    const app = this.application;
    const ctx = this.context.getStore();
    const cached = this.mergedFor;
    if (cached && cached.app === app && cached.ctx === ctx) return cached.items;
    const merged = [...app, ...(ctx ?? [])].sort((a, b) => b.seq - a.seq).map((e) => e.item);
    this.mergedFor = { app, ctx, items: merged };
    return merged;
  }
}

function removeNewest<T>(entries: readonly Entry<T>[], item: T | undefined): readonly Entry<T>[] {
  for (let i = entries.length - 1; i >= 0; i--) {
    if (item === undefined || entries[i]!.item === item) return [...entries.slice(0, i), ...entries.slice(i + 1)];
  }
  return entries;
}

/** Calls `fn`, then `after` once its result (or its promise) settles. */
export function settleThen<R>(fn: () => R, after: () => void): R {
  let result: R;
  try {
    result = fn();
  } catch (error) {
    after();
    throw error;
  }
  if (result instanceof Promise) return result.finally(after) as R;
  after();
  return result;
}

/** An object that can be pushed onto its stacks (a handler, a processor, a NestedSetup). */
export interface StackedObject {
  /** Pushes the object for the whole process; disposing the result pops it. */
  pushApplication(): Disposable;
  /** Pushes the object for the current async context; disposing the result pops it. */
  pushContext(): Disposable;
  /** Runs `fn`, and the async work it starts, with the object pushed on its own context. */
  contextBound<R>(fn: () => R): R;
}
