// A count of records that arrived by callback (amqplib's consume, a child's IPC messages), taken by the
// scale suite's consumer loop as a pull-based consumer's batches are.

/** Records decoded by a callback, waiting to be counted. */
export class Inbox {
  private pending = 0;
  private wake: (() => void) | null = null;

  /** `k` more records arrived (and were decoded). */
  add(k = 1): void {
    this.pending += k;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** The records arrived since the last take, waiting up to `timeoutMs` for the first. */
  async take(timeoutMs: number): Promise<number> {
    if (this.pending === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, timeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const k = this.pending;
    this.pending = 0;
    return k;
  }
}
