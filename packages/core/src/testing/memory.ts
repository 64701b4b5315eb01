import { AsyncQueue } from '../async-queue.js';
import { QueueHandler, type QueueHandlerOptions } from '../queue-handler.js';
import { FrameSubscriber, type RawFrame, type SubscriberOptions } from '../subscriber.js';

/**
 * An in-memory broker of named queues of frames, for unit tests of code that
 * uses logq and for proving the conformance kit. `failing = true` makes every
 * send fail, as an unreachable broker would.
 */
export class MemoryBroker {
  private readonly queues = new Map<string, AsyncQueue<RawFrame>>();
  /** When true, sends fail (the broker is "down"). */
  failing = false;
  /** When set, each send loses every n-th frame (a deliberately broken transport). */
  loseEvery = 0;
  private sent = 0;

  /** The queue called `name`, created on first use. */
  queue(name: string): AsyncQueue<RawFrame> {
    let q = this.queues.get(name);
    if (!q) {
      q = new AsyncQueue<RawFrame>();
      this.queues.set(name, q);
    }
    return q;
  }

  /** Puts frames on a queue (as a producer would). */
  publish(name: string, frames: readonly (string | Uint8Array)[]): void {
    if (this.failing) throw new Error('memory broker is down');
    const q = this.queue(name);
    for (const data of frames) {
      this.sent++;
      if (this.loseEvery > 0 && this.sent % this.loseEvery === 0) continue;
      q.push({ data });
    }
  }
}

/** Options of {@link MemoryQueueHandler}. */
export interface MemoryQueueHandlerOptions extends QueueHandlerOptions {
  /** The queue name. @default 'logging' */
  readonly queue?: string;
}

/** A transport handler that publishes into a {@link MemoryBroker}. */
export class MemoryQueueHandler extends QueueHandler<string> {
  /** Queue name. */
  readonly queueName: string;

  constructor(
    /** The broker. */
    readonly broker: MemoryBroker,
    options: MemoryQueueHandlerOptions = {},
  ) {
    super(options);
    this.queueName = options.queue ?? 'logging';
  }

  protected async connect(): Promise<void> {
    if (this.broker.failing) throw new Error('memory broker is down');
  }

  protected async sendBatch(batch: readonly string[]): Promise<void> {
    this.broker.publish(this.queueName, batch);
  }

  protected async disconnect(): Promise<void> {}
}

/** Options of {@link MemorySubscriber}. */
export interface MemorySubscriberOptions extends SubscriberOptions {
  /** The queue name. @default 'logging' */
  readonly queue?: string;
}

/** A subscriber that takes frames from a {@link MemoryBroker} queue. */
export class MemorySubscriber extends FrameSubscriber {
  private readonly source: AsyncQueue<RawFrame>;

  constructor(
    /** The broker. */
    readonly broker: MemoryBroker,
    options: MemorySubscriberOptions = {},
  ) {
    super(options);
    this.source = broker.queue(options.queue ?? 'logging');
  }

  protected override pollFrame(): RawFrame | null {
    return this.source.poll();
  }

  protected receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    return this.source.take(timeoutMs, signal);
  }
}
