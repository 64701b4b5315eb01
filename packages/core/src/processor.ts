import type { LogRecord } from './record.js';
import { shared } from './global-state.js';
import { ObjectStack, type StackedObject } from './stack.js';

/** The process-wide and per-async-context stacks of processors. */
export const processorStack: ObjectStack<Processor> = shared('processorStack', () => new ObjectStack<Processor>());

/**
 * Logbook's `Processor`: a callback that may change a record (usually adding
 * to `record.extra`) once, before the first handler takes it.
 */
export class Processor implements StackedObject {
  /** The function that processes a record. */
  readonly callback: ((record: LogRecord) => void) | null;

  constructor(callback?: (record: LogRecord) => void) {
    this.callback = callback ?? null;
  }

  /** Processes one record: calls the callback. */
  process(record: LogRecord): void {
    this.callback?.(record);
  }

  /** Pushes this processor for the whole process. */
  pushApplication(): Disposable {
    return processorStack.pushApplication(this);
  }

  /** Pushes this processor for the current async context. */
  pushContext(): Disposable {
    return processorStack.pushContext(this);
  }

  /** Runs `fn` with this processor pushed for the process. */
  applicationBound<R>(fn: () => R): R {
    return processorStack.applicationBound(this, fn);
  }

  /** Runs `fn` with this processor pushed on its own context. */
  contextBound<R>(fn: () => R): R {
    return processorStack.contextBound(this, fn);
  }
}
