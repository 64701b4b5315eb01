import { type StackedObject, outsideContexts } from './stack.js';

/** Options of {@link ThreadController} and `dispatchInBackground`. */
export interface ThreadControllerOptions {
  /**
   * Whether the loop also dispatches to the handlers bound to the caller's
   * async context when it was started. By default (`false`, as Logbook's
   * background thread) it sees the application-bound handlers and `setup` only.
   * @default false
   */
  readonly inheritContext?: boolean;
}

/** What a {@link ThreadController} runs: a subscriber's dispatch loop (every `SubscriberBase` is one). */
export interface BackgroundDispatcher {
  /** Dispatches records until `signal` aborts or the subscriber closes. */
  dispatchForever(signal?: AbortSignal): Promise<void>;
}

/**
 * Runs a subscriber's dispatch loop in the background (Logbook's
 * `ThreadController`; Node has no threads, so it is an async loop on the
 * event loop). Like Logbook's background thread, the loop dispatches to the
 * application-bound handlers plus `setup` (pushed for the loop alone), not to
 * handlers bound to the starting caller's context (see
 * {@link ThreadControllerOptions.inheritContext}).
 */
export class ThreadController<S extends BackgroundDispatcher = BackgroundDispatcher> {
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    /** The subscriber whose records are dispatched. */
    readonly subscriber: S,
    /** A handler or NestedSetup pushed for the loop. */
    readonly setup?: StackedObject,
    /** Options. */
    readonly options: ThreadControllerOptions = {},
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
    const bound = () => (this.setup ? this.setup.contextBound(run) : run());
    const loop = (this.options.inheritContext ? bound() : outsideContexts(bound)).finally(() => {
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
