import { AsyncQueue } from './async-queue.js';
import { type Delivery, SubscriberBase, type SubscriberOptions, abortableSleep } from './subscriber.js';

/** Options of {@link SubscriberGroup}. */
export interface SubscriberGroupOptions extends SubscriberOptions {
  /** Capacity of the shared queue: a full queue holds members back; nothing is dropped. @default 10 */
  readonly queueLimit?: number;
}

/**
 * Receives from several subscribers at once (Logbook's `SubscriberGroup`):
 * one background receive loop per member feeds a bounded queue. `stop()` ends
 * the loops promptly, even when members are idle; afterwards `recv()` returns
 * what is left and then null.
 */
export class SubscriberGroup extends SubscriberBase {
  /** The members. */
  readonly members: SubscriberBase[] = [];
  private readonly queue: AsyncQueue<Delivery>;
  private readonly loops = new Set<Promise<void>>();
  private readonly stopController = new AbortController();

  constructor(subscribers: Iterable<SubscriberBase> = [], options: SubscriberGroupOptions | number = {}) {
    const opts = typeof options === 'number' ? { queueLimit: options } : options;
    super(opts);
    this.queue = new AsyncQueue<Delivery>({ limit: opts.queueLimit ?? 10 });
    for (const subscriber of subscribers) this.add(subscriber);
  }

  /** Adds a member and starts its receive loop. */
  add(subscriber: SubscriberBase): void {
    this.members.push(subscriber);
    if (this.stopController.signal.aborted) return;
    const loop = this.pump(subscriber).finally(() => this.loops.delete(loop));
    this.loops.add(loop);
  }

  /** Ends every member loop; resolves once they have ended. Never hangs on idle members. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await Promise.all([...this.loops]);
    this.queue.close();
  }

  protected async nextDelivery(timeoutMs: number | null, signal: AbortSignal): Promise<Delivery | null> {
    return this.queue.take(timeoutMs, signal);
  }

  /** Stops the loops and closes every member. */
  protected override async closeTransport(): Promise<void> {
    await this.stop();
    await Promise.all(this.members.map((m) => m.close()));
  }

  private async pump(member: SubscriberBase): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      let delivery: Delivery | null;
      try {
        delivery = await member.receive(null, signal);
      } catch (error) {
        this.reportError(error);
        await abortableSleep(250, signal);
        continue;
      }
      if (delivery === null) {
        if (member.closed) return;
        continue;
      }
      await this.queue.put(delivery, signal);
    }
  }
}
