/** Options of {@link AsyncQueue}. */
export interface AsyncQueueOptions {
  /** Capacity for {@link AsyncQueue.tryPush} and {@link AsyncQueue.put}; 0 means unbounded. @default 0 */
  readonly limit?: number;
}

interface Waiter<T> {
  resolve(value: T | null): void;
  cleanup(): void;
}

/**
 * A FIFO queue with async `take`, used between the producer and consumer
 * sides of a subscriber or a threaded handler. `take` honours a timeout in
 * milliseconds (`0`: at once, `null`: forever) and an abort signal, and never
 * hands out an item to a waiter that has already given up.
 */
export class AsyncQueue<T> {
  private items: T[] = [];
  private head = 0;
  private takers: Waiter<T>[] = [];
  private putters: (() => void)[] = [];
  private isClosed = false;
  /** Capacity; 0 is unbounded. */
  readonly limit: number;

  constructor(options: AsyncQueueOptions = {}) {
    this.limit = options.limit ?? 0;
  }

  /** Items waiting. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Whether the queue is at its limit. */
  get full(): boolean {
    return this.limit > 0 && this.length >= this.limit;
  }

  /** Adds an item regardless of the limit (a waiting taker gets it directly). */
  push(item: T): void {
    const taker = this.takers.shift();
    if (taker) {
      taker.cleanup();
      taker.resolve(item);
      return;
    }
    this.items.push(item);
  }

  /** Adds an item unless the queue is full or closed; returns whether it was added. */
  tryPush(item: T): boolean {
    if (this.isClosed || this.full) return false;
    this.push(item);
    return true;
  }

  /**
   * Adds an item, waiting while the queue is full. If `signal` aborts while
   * waiting the item is added anyway (it is never lost) and false is returned.
   */
  async put(item: T, signal?: AbortSignal): Promise<boolean> {
    while (this.full && !this.isClosed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.putters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
    this.push(item);
    return !signal?.aborted;
  }

  /** Takes the next item without waiting, or null. */
  poll(): T | null {
    if (this.length === 0) return null;
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    const putter = this.putters.shift();
    putter?.();
    return item;
  }

  /**
   * Takes the next item, waiting up to `timeoutMs` (0: only for I/O that is
   * already pending, one event-loop turn; null: forever). Resolves null on timeout, on abort, or when the queue is closed
   * and empty.
   */
  take(timeoutMs: number | null = null, signal?: AbortSignal): Promise<T | null> {
    const ready = this.poll();
    if (ready !== null || this.length > 0) return Promise.resolve(ready);
    if (this.isClosed || signal?.aborted) return Promise.resolve(null);
    // Not waiting still gives pending I/O one turn, so that a `while (!(await recv(0)))` loop
    // cannot starve the socket that would fill the queue.
    if (timeoutMs === 0) return new Promise((resolve) => setImmediate(() => resolve(this.poll())));
    return new Promise<T | null>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter<T> = {
        resolve,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', giveUp);
        },
      };
      const giveUp = () => {
        const i = this.takers.indexOf(waiter);
        if (i >= 0) this.takers.splice(i, 1);
        waiter.cleanup();
        resolve(null);
      };
      if (timeoutMs !== null) timer = setTimeout(giveUp, timeoutMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      this.takers.push(waiter);
    });
  }

  /** Removes and returns every waiting item. */
  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    for (const putter of this.putters.splice(0)) putter();
    return out;
  }

  /** Closes the queue: waiting takers get null; items already queued can still be taken. */
  close(): void {
    this.isClosed = true;
    for (const taker of this.takers.splice(0)) {
      taker.cleanup();
      taker.resolve(null);
    }
    for (const putter of this.putters.splice(0)) putter();
  }
}
