// A raw `process.send` producer's sender, shared by the process suite and the scale suite's fork IPC path.

/**
 * `process.send` as a careful user writes it: one shared write callback counts the completed writes (no
 * promise per send); the sender waits only when `send()` reports backpressure (until that message is written)
 * or when more than `window` messages are in flight (until half of them are).
 */
export class ProcessSender {
  private sent = 0;
  private written = 0;
  private until = 0;
  private wake: (() => void) | null = null;
  private readonly onWritten = (): void => {
    this.written++;
    if (this.wake && this.written >= this.until) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
  };
  constructor(private readonly window: number) {}
  /** Sends `message`; returns a promise only when the caller must wait. */
  send(message: unknown): Promise<void> | null {
    const ok = process.send!(message, undefined, undefined, this.onWritten);
    this.sent++;
    if (ok && this.sent - this.written <= this.window) return null;
    this.until = ok ? this.sent - (this.window >> 1) : this.sent;
    return new Promise((resolve) => (this.wake = resolve));
  }
}
