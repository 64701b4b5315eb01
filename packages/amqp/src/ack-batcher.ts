import { inspect } from 'node:util';
import type { AmqpChannel, AmqpMessage } from './amqplib-types.js';

/**
 * Coalesces the acknowledgements of one channel. Acks wait at most until the
 * next turn of the event loop (or until `flushAt` are waiting), and go out as
 * one `basic.ack` with `multiple` for every tag below the oldest delivery that
 * is still unsettled, plus single acks for the rest. Rejections go out at once.
 *
 * RabbitMQ numbers a channel's deliveries 1, 2, 3, ...; `multiple` settles
 * every outstanding tag up to the one named, so the named tag must be one not
 * settled yet (an unknown tag closes the channel with 406): it is always the
 * highest waiting ack below the oldest unsettled delivery.
 */
export class AckBatcher {
  /** Delivered and not yet settled, in delivery (= ascending tag) order. */
  private readonly outstanding = new Set<number>();
  private waiting: AmqpMessage[] = [];
  private scheduled = false;

  constructor(
    private readonly channel: AmqpChannel,
    private readonly flushAt: number,
    private readonly isAlive: () => boolean,
    private readonly onLost: (count: number) => void,
  ) {}

  /** Printed as its counts only: the amqplib channel behind it is not for printing (and is cyclic). */
  [inspect.custom](): string {
    return `AckBatcher { outstanding: ${this.outstanding.size}, waiting: ${this.waiting.length} }`;
  }

  /** What `JSON.stringify` shows of it (see the `inspect` form). */
  toJSON(): { readonly outstanding: number; readonly waiting: number } {
    return { outstanding: this.outstanding.size, waiting: this.waiting.length };
  }

  /** Notes a delivery, before anyone can settle it. */
  delivered(message: AmqpMessage): void {
    this.outstanding.add(message.fields.deliveryTag);
  }

  /** Acknowledges soon (at the latest on the next event-loop turn). */
  ack(message: AmqpMessage): void {
    this.outstanding.delete(message.fields.deliveryTag);
    this.waiting.push(message);
    if (this.waiting.length >= this.flushAt) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Rejects without requeue, now. Throws when the channel is closed. */
  reject(message: AmqpMessage): void {
    this.channel.nack(message, false, false);
    this.outstanding.delete(message.fields.deliveryTag);
  }

  /** Sends the waiting acks. Never throws: acks that cannot go out are counted as lost (the broker redelivers). */
  flush(): void {
    this.scheduled = false;
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    if (!this.isAlive()) {
      this.onLost(waiting.length);
      return;
    }
    const oldest = this.outstanding.values().next();
    const low = oldest.done ? Number.POSITIVE_INFINITY : oldest.value;
    let multiple: AmqpMessage | null = null;
    const singles: AmqpMessage[] = [];
    for (const message of waiting) {
      const tag = message.fields.deliveryTag;
      if (tag < low) {
        if (multiple === null || tag > multiple.fields.deliveryTag) multiple = message;
      } else {
        singles.push(message);
      }
    }
    try {
      if (multiple !== null) this.channel.ack(multiple, true);
      for (const message of singles) this.channel.ack(message, false);
    } catch {
      this.onLost(waiting.length);
    }
  }
}
