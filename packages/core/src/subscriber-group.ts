import { AsyncQueue } from './async-queue.js';
import { type Delivery, SubscriberBase, type SubscriberOptions, abortableSleep } from './subscriber.js';

/** Options of {@link SubscriberGroup}. */
export interface SubscriberGroupOptions extends SubscriberOptions {
  /**
   * Capacity of the shared queue. A full queue holds members back (they stop
   * taking from their transports until there is room), so nothing is dropped;
   * Logbook's members instead drop a record when the queue stays full for
   * 50 ms. @default 10
   */
  readonly queueLimit?: number;
  /**
   * How long a member's receive loop waits after its `receive` failed
   * (the error goes to `onError`) before it receives again, in ms.
   * @default 250
   */
  readonly retryDelayMs?: number;
}

/** The default of {@link SubscriberGroupOptions.retryDelayMs}. */
const DEFAULT_RETRY_DELAY_MS = 250;

/**
 * Receives from several subscribers at once (Logbook's `SubscriberGroup`):
 * one background receive loop per member feeds a bounded queue (see
 * {@link SubscriberGroupOptions.queueLimit} for how a full queue differs from
 * Logbook). `new SubscriberGroup(null)` is an empty group, as Logbook's
 * `SubscriberGroup(None)`. `stop()` ends the loops promptly, even when members
 * are idle; afterwards `recv()` returns what is left and then null. As in
 * Logbook, `add()` after `stop()` starts the new member's loop: the group
 * receives again, from that member only (the stopped members stay stopped).
 */
export class SubscriberGroup extends SubscriberBase {
  /** The members. */
  readonly members: SubscriberBase[] = [];
  private queue: AsyncQueue<Delivery>;
  private readonly loops = new Set<Promise<void>>();
  private stopController = new AbortController();
  /** How long a member's loop waits after a failed receive, in ms (see {@link SubscriberGroupOptions.retryDelayMs}). */
  readonly retryDelayMs: number;

  constructor(subscribers: Iterable<SubscriberBase> | null = [], options: SubscriberGroupOptions | number = {}) {
    const opts = typeof options === 'number' ? { queueLimit: options } : options;
    super(opts);
    this.queue = new AsyncQueue<Delivery>({ limit: opts.queueLimit ?? 10 });
    this.retryDelayMs = Math.max(0, opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS);
    for (const subscriber of subscribers ?? []) this.add(subscriber);
  }

  /**
   * Adds a member and starts its receive loop (also after {@link stop}, as
   * Logbook does). Something that is not a subscriber (e.g. `null`) is
   * reported once through `onError` and not added.
   */
  add(subscriber: SubscriberBase): void {
    const candidate = subscriber as Partial<SubscriberBase> | null | undefined;
    if (typeof candidate?.receive !== 'function' || typeof candidate.close !== 'function') {
      this.reportError(
        new TypeError(
          `SubscriberGroup.add: expected a subscriber, got ${candidate === null ? 'null' : typeof candidate}; not added`,
        ),
      );
      return;
    }
    if (this.closed) {
      this.reportError(new TypeError('SubscriberGroup.add: the group is closed; not added'));
      return;
    }
    this.members.push(subscriber);
    if (this.stopController.signal.aborted) {
      // Restarted after stop(): a fresh run, with what is still queued kept in front.
      this.stopController = new AbortController();
      if (this.queue.closed) {
        const left = this.queue.drain();
        this.queue = new AsyncQueue<Delivery>({ limit: this.queue.limit });
        for (const delivery of left) this.queue.push(delivery);
      }
    }
    const loop = this.pump(subscriber).finally(() => this.loops.delete(loop));
    this.loops.add(loop);
  }

  /** Ends every member loop; resolves once they have ended. Never hangs on idle members. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await Promise.all([...this.loops]);
    if (this.stopController.signal.aborted) this.queue.close();
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
        await abortableSleep(this.retryDelayMs, signal);
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
