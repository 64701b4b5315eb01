import { settleThen, type StackedObject } from './stack.js';

/**
 * Pushes several handlers and processors at once and pops them in reverse
 * (Logbook's `NestedSetup`).
 */
export class NestedSetup implements StackedObject {
  /** The objects, pushed in this order. */
  readonly objects: readonly StackedObject[];

  constructor(objects: Iterable<StackedObject> = []) {
    this.objects = [...objects];
  }

  /** Pushes every object for the whole process; disposing pops them in reverse. */
  pushApplication(): Disposable {
    return pushAll(this.objects.map((o) => () => o.pushApplication()));
  }

  /** Pushes every object for the current async context; disposing pops them in reverse. */
  pushContext(): Disposable {
    return pushAll(this.objects.map((o) => () => o.pushContext()));
  }

  /** Runs `fn` with every object pushed for the process. */
  applicationBound<R>(fn: () => R): R {
    const pushed = this.pushApplication();
    return settleThen(fn, () => pushed[Symbol.dispose]());
  }

  /** Runs `fn`, and the async work it starts, with every object pushed on its own context. */
  contextBound<R>(fn: () => R): R {
    const run = this.objects.reduceRight<() => R>((inner, object) => () => object.contextBound(inner), fn);
    return run();
  }
}

function pushAll(pushes: readonly (() => Disposable)[]): Disposable {
  const done = pushes.map((push) => push());
  return {
    [Symbol.dispose]: () => {
      for (let i = done.length - 1; i >= 0; i--) done[i]![Symbol.dispose]();
    },
  };
}
