import { AsyncQueue } from './async-queue.js';
import { DropReporter } from './drop-report.js';
import { callErrorHook } from './error-hook.js';
import { ClosedError, LogqError } from './errors.js';
import type { CloseOptions, CloseResult, Filter, Formatter, HandlerStats } from './handler.js';
import { COUNTS_OWN_DELIVERIES, Handler } from './handler.js';
import { WRAPPED_HANDLERS, type WrapperHandler, trackHandler, untrackHandler } from './open-handlers.js';
import type { LogRecord } from './record.js';

type Job =
  | { readonly kind: 'one'; readonly record: LogRecord }
  | { readonly kind: 'batch'; readonly records: readonly LogRecord[]; readonly reason: string };

/**
 * Wraps a slow handler (mail, HTTP) so that emits go into an in-process queue
 * drained in the background and never delay the caller (Logbook's
 * `ThreadedWrapperHandler`). `maxsize = 0` is unbounded; when the queue is
 * full, records are dropped and counted (and reported through the error
 * hook: soon after the first drop, then at most once a minute, with the count). Batches from `emitBatch` are kept
 * whole. An error from the wrapped handler goes to its error hook and never
 * ends the drain loop. `level`, `levelName`, `filter`, `bubble` and
 * `formatter` read and write the wrapped handler's, and so does every other
 * property of the wrapped handler that the wrapper does not have (Logbook's
 * `WrapperHandler`): `twh.records` of a wrapped `TestHandler` reads its
 * records, `twh.hasWarning('…')` asks it, a write of one of its properties
 * sets it there.
 *
 * Counting: the wrapper's `stats` are the wrapped handler's plus its own
 * queue — `sent` is what the wrapped handler delivered (each record once),
 * `buffered` adds the records queued here, `dropped` adds those the queue
 * gave up. `close()` returns those totals. The wrapper registers itself with
 * `shutdown()`, which closes it before the handler it wraps.
 */
export class ThreadedWrapperHandler<H extends Handler = Handler> extends Handler implements WrapperHandler {
  /** The queue between callers and the drain loop. */
  readonly queue: AsyncQueue<Job>;
  /** The controller of the drain loop (started by the constructor). */
  readonly controller: TWHThreadController;
  /** Counters: the wrapped handler's deliveries and drops, plus this wrapper's queue. */
  override readonly stats: HandlerStats;
  private queuedRecords = 0;
  private ownDropped = 0;
  private ownErrors = 0;
  private closeResult: Promise<CloseResult> | null = null;
  private readonly drops = new DropReporter(
    (error) => this.handleError(error),
    (count) => `ThreadedWrapperHandler: queue full (maxsize ${this.maxsize}); ${count} record(s) dropped`,
  );

  constructor(
    /** The wrapped handler. */
    readonly handler: H,
    /** Queue capacity; 0 is unbounded. */
    readonly maxsize = 0,
  ) {
    super();
    // The wrapper's own reports (queue full, deadline) go to the wrapped handler's hook.
    this.onError = (error, record) => callErrorHook(this.handler.onError, error, record);
    this.stats = this.wrapperStats();
    this.queue = new AsyncQueue<Job>({ limit: maxsize });
    this.controller = new TWHThreadController(this);
    this.controller.start();
    // Logbook's WrapperHandler forwards every other attribute to the wrapped handler.
    const proxy = new Proxy<ThreadedWrapperHandler<H>>(this, forwarding as ProxyHandler<ThreadedWrapperHandler<H>>);
    trackHandler(proxy);
    // biome-ignore lint/correctness/noConstructorReturn: `new` gives the forwarding proxy, as Logbook's attribute forwarding
    return proxy;
  }

  /** The wrapped handler, which `shutdown()` closes after this one. */
  [WRAPPED_HANDLERS](): readonly Handler[] {
    return [this.handler];
  }

  override get level(): number {
    return this.handler.level;
  }
  override set level(value: number) {
    this.handler.level = value;
  }
  override get filter(): Filter | null {
    return this.handler.filter;
  }
  override set filter(value: Filter | null) {
    this.handler.filter = value;
  }
  override get bubble(): boolean {
    return this.handler.bubble;
  }
  override set bubble(value: boolean) {
    this.handler.bubble = value;
  }
  override get formatter(): Formatter {
    return this.handler.formatter;
  }
  override set formatter(value: Formatter) {
    this.handler.formatter = value;
  }

  /** Queues the record (or drops and counts it when the queue is full). */
  emit(record: LogRecord): void {
    this.enqueue({ kind: 'one', record }, 1);
  }

  /** Queues the batch whole (or drops and counts it when the queue is full). */
  override emitBatch(records: readonly LogRecord[], reason: string): void {
    this.enqueue({ kind: 'batch', records: [...records], reason }, records.length);
  }

  override handle(record: LogRecord): boolean {
    this.emit(record);
    return true;
  }

  private enqueue(job: Job, count: number): void {
    if (this.closed) {
      this.ownDropped += count;
      this.handleError(
        new ClosedError(`ThreadedWrapperHandler is closed; ${count} record(s) dropped`),
        job.kind === 'one' ? job.record : job.records[0],
      );
      return;
    }
    if (!this.queue.tryPush(job)) {
      this.ownDropped += count;
      this.drops.dropped(count);
      return;
    }
    this.queuedRecords += count;
  }

  /** Resolves once everything queued so far was emitted by the wrapped handler, and it flushed. */
  override async flush(): Promise<void> {
    await this.controller.idle();
    await this.handler.flush();
  }

  /**
   * Drains the queue into the wrapped handler (within `timeoutMs`; what is
   * still queued then is dropped and counted), then closes the wrapped handler
   * with the time left. Never throws. Every call returns the same promise.
   */
  override close(options: CloseOptions = {}): Promise<CloseResult> {
    this.closeResult ??= this.doClose(options);
    return this.closeResult;
  }

  private async doClose(options: CloseOptions): Promise<CloseResult> {
    this.closed = true;
    const timeoutMs = options.timeoutMs ?? 5000;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.controller.stop().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!drained) {
      // The wrapped handler is too slow: give up what is still queued here.
      const left = this.queue.drain().reduce((n, job) => n + (job.kind === 'one' ? 1 : job.records.length), 0);
      this.queuedRecords -= left;
      this.ownDropped += left;
      if (left > 0) {
        this.handleError(
          new LogqError(
            `ThreadedWrapperHandler closed with ${left} record(s) still queued ${options.reason ?? `after ${timeoutMs} ms`}; counted as dropped`,
          ),
        );
      }
    }
    this.drops.flush();
    let inner: CloseResult | null = null;
    try {
      inner = await this.handler.close({ ...options, timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)) });
    } catch (error) {
      this.handler.handleError(error);
    }
    untrackHandler(this);
    return { flushed: drained && (inner?.flushed ?? false), sent: this.stats.sent, dropped: this.stats.dropped };
  }

  /** The wrapper's stats: the wrapped handler's counters plus this wrapper's queue. */
  private wrapperStats(): HandlerStats {
    const self = this;
    return {
      get sent() {
        return self.handler.stats.sent;
      },
      set sent(_: number) {
        // Deliveries are counted by the wrapped handler.
      },
      get buffered() {
        return self.queuedRecords + self.handler.stats.buffered;
      },
      set buffered(_: number) {
        // Derived from the queue.
      },
      get dropped() {
        return self.ownDropped + self.handler.stats.dropped;
      },
      set dropped(_: number) {
        // Counted by the queue and the wrapped handler.
      },
      get errors() {
        return self.ownErrors;
      },
      set errors(value: number) {
        self.ownErrors = value;
      },
    };
  }

  /** @internal Emits one job through the wrapped handler. */
  async run(job: Job): Promise<void> {
    const n = job.kind === 'one' ? 1 : job.records.length;
    try {
      const result =
        job.kind === 'one' ? this.handler.emit(job.record) : this.handler.emitBatch(job.records, job.reason);
      if (result instanceof Promise) await result;
      // A handler that writes in emit is counted here; a QueueHandler counts its deliveries itself.
      if (!(this.handler as Partial<Record<typeof COUNTS_OWN_DELIVERIES, boolean>>)[COUNTS_OWN_DELIVERIES])
        this.handler.stats.sent += n;
    } catch (error) {
      this.handler.handleError(error, job.kind === 'one' ? job.record : job.records[0]);
    } finally {
      this.queuedRecords -= n;
    }
  }
}

/**
 * Reads of a property the wrapper does not have go to the wrapped handler
 * (methods bound to it), and so do writes of a property the wrapped handler
 * has (Logbook's `WrapperHandler.__getattr__` / `__setattr__`).
 */
const forwarding: ProxyHandler<ThreadedWrapperHandler> = {
  get(target, key, receiver) {
    if (key in target) return Reflect.get(target, key, receiver);
    const inner = target.handler;
    const value: unknown = Reflect.get(inner, key, inner);
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(inner) : value;
  },
  set(target, key, value, receiver) {
    if (!(key in target) && key in target.handler) return Reflect.set(target.handler, key, value, target.handler);
    return Reflect.set(target, key, value, receiver);
  },
  has(target, key) {
    return key in target || key in target.handler;
  },
};

/**
 * Drains a {@link ThreadedWrapperHandler}'s queue in the background.
 * `stop()` drains what is queued, then ends.
 */
export class TWHThreadController {
  private loop: Promise<void> | null = null;
  private stopping = false;
  private busy = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    /** The wrapper whose queue is drained. */
    readonly wrapper: ThreadedWrapperHandler,
  ) {}

  /** Whether the drain loop runs. */
  get running(): boolean {
    return this.loop !== null;
  }

  /** Starts the drain loop (no-op when running). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.drain().finally(() => {
      this.loop = null;
      this.wakeIdle();
    });
  }

  /** Drains what is queued, then ends the loop. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.wrapper.queue.close();
    await this.loop;
  }

  /** Resolves once the queue is empty and nothing is being emitted. */
  idle(): Promise<void> {
    if (!this.busy && this.wrapper.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async drain(): Promise<void> {
    const queue = this.wrapper.queue;
    for (;;) {
      const job = queue.length > 0 ? queue.poll() : await queue.take(null);
      if (job === null) {
        if (this.stopping || queue.closed) return;
        continue;
      }
      this.busy = true;
      await this.wrapper.run(job);
      this.busy = false;
      if (queue.length === 0) this.wakeIdle();
    }
  }
}
