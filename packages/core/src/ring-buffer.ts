/**
 * A FIFO of items in a growable circular array: `push`, `shift` and `length`
 * are O(1) (amortized for `push`), so dropping the oldest record of a full
 * handler buffer costs the same as dropping the newest.
 */
export class RingBuffer<T> {
  private slots: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 16) {
    this.slots = new Array<T | undefined>(Math.max(1, initialCapacity));
  }

  /** Items held. */
  get length(): number {
    return this.size;
  }

  /** Adds an item at the back. */
  push(item: T): void {
    if (this.size === this.slots.length) this.grow();
    this.slots[(this.head + this.size) % this.slots.length] = item;
    this.size++;
  }

  /** Removes and returns the front item (undefined when empty). */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.slots.length;
    this.size--;
    return item;
  }

  /** Removes and returns up to `count` items from the front, in order. */
  takeFront(count: number): T[] {
    const n = Math.min(count, this.size);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.shift() as T;
    return out;
  }

  /** Puts `items` back at the front, in order (they become the oldest). */
  unshiftAll(items: readonly T[]): void {
    while (this.size + items.length > this.slots.length) this.grow();
    for (let i = items.length - 1; i >= 0; i--) {
      this.head = (this.head - 1 + this.slots.length) % this.slots.length;
      this.slots[this.head] = items[i];
      this.size++;
    }
  }

  /** Removes every item. */
  clear(): void {
    this.slots = new Array<T | undefined>(16);
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.slots.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.slots[(this.head + i) % this.slots.length];
    this.slots = next;
    this.head = 0;
  }
}
