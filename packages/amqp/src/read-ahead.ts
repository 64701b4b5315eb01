/**
 * AMQP's prefetch is a count of messages (RabbitMQ ignores `prefetch_size`):
 * 256 messages ahead is nothing for 1 KB records and 2.5 GB for 10 MiB ones.
 * This keeps the window within a byte budget: it starts at `budget /
 * maxRecordBytes` messages (what the largest valid record allows), after a
 * message of `s` bytes it shrinks to `budget / s` messages (1 after a message
 * over `maxRecordBytes`), and it doubles after each window's worth of
 * messages that all fit the doubled window, up to the configured count.
 */
export class ReadAheadWindow {
  private size: number;
  private fitting = 0;
  private minFits = Number.POSITIVE_INFINITY;

  /**
   * @param configured - the prefetch count asked for (the largest window).
   * @param budgetBytes - the bytes the broker may send ahead of acknowledgements.
   * @param maxRecordBytes - the largest record accepted: the first window is sized for it.
   */
  constructor(
    readonly configured: number,
    readonly budgetBytes: number,
    readonly maxRecordBytes: number,
  ) {
    this.size = this.initial;
  }

  /** The first window: `configured`, or fewer when records of `maxRecordBytes` would not fit the budget. */
  get initial(): number {
    return Math.min(this.configured, Math.max(1, Math.floor(this.budgetBytes / Math.max(1, this.maxRecordBytes))));
  }

  /** The window now. */
  get current(): number {
    return this.size;
  }

  /**
   * Notes a message of `bytes`; returns the new window when it should change,
   * else null. One over `maxRecordBytes` (to be set aside) shrinks it to 1:
   * more of those are not worth reading ahead.
   */
  observe(bytes: number): number | null {
    const fits = bytes > this.maxRecordBytes ? 1 : Math.max(1, Math.floor(this.budgetBytes / Math.max(1, bytes)));
    if (fits < this.size) {
      this.restart();
      this.size = fits;
      return fits;
    }
    if (this.size >= this.configured) return null;
    // Slow start: after a window's worth of messages, double (within what they all fit).
    this.fitting++;
    this.minFits = Math.min(this.minFits, fits);
    if (this.fitting < this.size) return null;
    const next = Math.min(this.configured, this.size * 2, this.minFits);
    this.restart();
    if (next <= this.size) return null;
    this.size = next;
    return next;
  }

  private restart(): void {
    this.fitting = 0;
    this.minFits = Number.POSITIVE_INFINITY;
  }

  /** Back to the first window (a new channel starts with it). */
  reset(): void {
    this.size = this.initial;
    this.restart();
  }
}
