import type { StackedObject } from './stack.js';
import type { SubscriberBase } from './subscriber.js';

/**
 * Runs a subscriber's dispatch loop in the background (Logbook's
 * `ThreadController`; Node has no threads, so it is an async loop on the
 * event loop). `setup` is pushed for the loop alone.
 */
export class ThreadController {
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    /** The subscriber whose records are dispatched. */
    readonly subscriber: SubscriberBase,
    /** A handler or NestedSetup pushed for the loop. */
    readonly setup?: StackedObject,
  ) {}

  /** Whether the loop is running. */
  get running(): boolean {
    return this.loop !== null;
  }

  /** Starts the loop (no-op when running). */
  start(): this {
    if (this.loop) return this;
    const abort = new AbortController();
    this.abort = abort;
    const run = () => this.subscriber.dispatchForever(abort.signal);
    const loop = (this.setup ? this.setup.contextBound(run) : run()).finally(() => {
      if (this.loop === loop) this.loop = null;
    });
    this.loop = loop;
    return this;
  }

  /**
   * Stops the loop and resolves once it has ended. A record already taken from
   * the transport is dispatched first; records not yet taken stay there.
   */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.abort?.abort();
    await loop;
  }
}
