import { AsyncQueue } from './async-queue.js';
import type { CloseOptions, CloseResult, Filter } from './handler.js';
import { Handler } from './handler.js';
import type { Formatter } from './formatter.js';
import type { LogRecord } from './record.js';

type Job =
  | { readonly kind: 'one'; readonly record: LogRecord }
  | { readonly kind: 'batch'; readonly records: readonly LogRecord[]; readonly reason: string };

/**
 * Wraps a slow handler (mail, HTTP) so that emits go into an in-process queue
 * drained in the background and never delay the caller (Logbook's
 * `ThreadedWrapperHandler`). `maxsize = 0` is unbounded; when the queue is
 * full, records are dropped and counted in `stats.dropped`. Batches from
 * `emitBatch` are kept whole. An error from the wrapped handler goes to its
 * error hook and never ends the drain loop. `level`, `levelName`, `filter`,
 * `bubble` and `formatter` read and write the wrapped handler's.
 */
export class ThreadedWrapperHandler extends Handler {
  /** The queue between callers and the drain loop. */
  readonly queue: AsyncQueue<Job>;
  /** The controller of the drain loop (started by the constructor). */
  readonly controller: TWHThreadController;

  constructor(
    /** The wrapped handler. */
    readonly handler: Handler,
    /** Queue capacity; 0 is unbounded. */
    readonly maxsize = 0,
  ) {
    super();
    this.queue = new AsyncQueue<Job>({ limit: maxsize });
    this.controller = new TWHThreadController(this);
    this.controller.start();
  }

  override get level(): number { return this.handler.level; }
  override set level(value: number) { this.handler.level = value; }
  override get filter(): Filter | null { return this.handler.filter; }
  override set filter(value: Filter | null) { this.handler.filter = value; }
  override get bubble(): boolean { return this.handler.bubble; }
  override set bubble(value: boolean) { this.handler.bubble = value; }
  override get formatter(): Formatter { return this.handler.formatter; }
  override set formatter(value: Formatter) { this.handler.formatter = value; }

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
    if (this.closed || !this.queue.tryPush(job)) {
      this.stats.dropped += count;
      return;
    }
    this.stats.buffered = this.queue.length;
  }

  /** Resolves once everything queued so far was emitted by the wrapped handler, and it flushed. */
  override async flush(): Promise<void> {
    await this.controller.idle();
    await this.handler.flush();
  }

  /** Stops the controller (draining what is queued), then closes the wrapped handler. Never throws. */
  override async close(options: CloseOptions = {}): Promise<CloseResult> {
    if (this.closed) return this.closeSummary(this.queue.length === 0);
    this.closed = true;
    await this.controller.stop();
    let inner: CloseResult | null = null;
    try {
      inner = await this.handler.close(options);
    } catch (error) {
      this.handler.handleError(error);
    }
    return { flushed: inner?.flushed ?? false, sent: this.stats.sent, dropped: this.stats.dropped + (inner?.dropped ?? 0) };
  }

  /** @internal Emits one job through the wrapped handler. */
  async run(job: Job): Promise<void> {
    try {
      const result = job.kind === 'one' ? this.handler.emit(job.record) : this.handler.emitBatch(job.records, job.reason);
      if (result instanceof Promise) await result;
      const n = job.kind === 'one' ? 1 : job.records.length;
      this.stats.sent += n;
      this.handler.stats.sent += n;
    } catch (error) {
      this.handler.handleError(error, job.kind === 'one' ? job.record : job.records[0]);
    } finally {
      this.stats.buffered = this.queue.length;
    }
  }
}

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
