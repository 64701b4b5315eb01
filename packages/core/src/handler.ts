import { type ErrorHook, callErrorHook, createStderrErrorHook } from './error-hook.js';
import { defaultFormatter } from './formatter.js';
import { type LevelLike, Level, levelName, lookupLevel } from './levels.js';
import type { LogRecord } from './record.js';
import { shared } from './global-state.js';
import { ObjectStack, type StackedObject } from './stack.js';

/** Turns a record into text for a handler (Logbook's formatter callable). */
export type Formatter = (record: LogRecord, handler: Handler) => string;

/** Decides whether a handler takes a record (Logbook's `filter(record, handler)`). */
export type Filter = (record: LogRecord, handler: Handler) => boolean;

/** Counters that every handler keeps. */
export interface HandlerStats {
  /** Records handed on: written, or accepted by the broker. */
  sent: number;
  /** Records waiting in the handler's buffer now. */
  buffered: number;
  /** Records given up (buffer full, too large, closed). */
  dropped: number;
  /** Errors reported through `onError`. */
  errors: number;
}

/** Options common to every handler. */
export interface HandlerOptions {
  /** Lowest level handled. @default NOTSET (everything) */
  readonly level?: LevelLike;
  /** Extra condition for taking a record. */
  readonly filter?: Filter;
  /** Whether a record this handler took goes on to the handlers below it. @default false (Logbook's default) */
  readonly bubble?: boolean;
  /** Turns a record into text. @default Logbook's `[time] LEVEL: channel: message` */
  readonly formatter?: Formatter;
  /** Receives errors (a log call never throws). @default one rate-limited line on stderr */
  readonly onError?: ErrorHook;
}

/** Options of {@link Handler.close}. */
export interface CloseOptions {
  /** How long to try to deliver what is buffered, in ms. @default 5000 */
  readonly timeoutMs?: number;
  /**
   * How the report of undelivered records describes the deadline (default:
   * `after <timeoutMs> ms`); the exit flush says `within the exit deadline of …`.
   */
  readonly reason?: string;
}

/** What happened when a handler closed. */
export interface CloseResult {
  /** Whether everything emitted was delivered before the deadline. */
  readonly flushed: boolean;
  /** Records delivered over the handler's life. */
  readonly sent: number;
  /** Records given up over the handler's life (overflow, too large, closed, or left at the deadline). */
  readonly dropped: number;
}

/**
 * Marks handlers whose `emit` only queues a record and which count
 * `stats.sent` themselves once it is delivered (`QueueHandler`): a wrapper
 * handing records to such a handler leaves the counting to it.
 */
export const COUNTS_OWN_DELIVERIES: unique symbol = Symbol.for('logq.countsOwnDeliveries') as never;

/** The process-wide and per-async-context stacks of handlers. */
export const handlerStack: ObjectStack<Handler> = shared('handlerStack', () => new ObjectStack<Handler>());

/**
 * Base of every handler (Logbook's `Handler`). Subclasses implement
 * {@link Handler.emit}; it may return a promise, which the log call does not
 * wait for (its rejection goes to `onError`).
 */
export abstract class Handler implements StackedObject, AsyncDisposable {
  private levelValue: number;
  private filterValue: Filter | null;
  private bubbleValue: boolean;
  private formatterValue: Formatter;
  /** Error hook. */
  onError: ErrorHook;
  /** A blackhole stops every record that reaches it (Logbook's NullHandler). */
  readonly blackhole: boolean = false;
  /** Counters; see {@link HandlerStats}. */
  readonly stats: HandlerStats = { sent: 0, buffered: 0, dropped: 0, errors: 0 };
  /** True once {@link Handler.close} was called. */
  protected closed = false;

  constructor(options: HandlerOptions = {}) {
    this.levelValue = lookupLevel(options.level ?? Level.NOTSET);
    this.filterValue = options.filter ?? null;
    this.bubbleValue = options.bubble ?? false;
    this.formatterValue = options.formatter ?? defaultFormatter;
    this.onError = options.onError ?? createStderrErrorHook(this.constructor.name);
  }

  /** Numeric level: records below it are not handled. */
  get level(): number {
    return this.levelValue;
  }

  set level(value: number) {
    this.levelValue = value;
  }

  /** Extra condition for taking a record, or null. */
  get filter(): Filter | null {
    return this.filterValue;
  }

  set filter(value: Filter | null) {
    this.filterValue = value;
  }

  /** Whether handled records go on to the handlers below (Logbook's default: false). */
  get bubble(): boolean {
    return this.bubbleValue;
  }

  set bubble(value: boolean) {
    this.bubbleValue = value;
  }

  /** Formatter used by {@link Handler.format}. */
  get formatter(): Formatter {
    return this.formatterValue;
  }

  set formatter(value: Formatter) {
    this.formatterValue = value;
  }

  /** The level's name; setting it accepts any name that `lookupLevel` knows. */
  get levelName(): string {
    return levelName(this.level);
  }

  set levelName(name: string) {
    this.level = lookupLevel(name);
  }

  /** Whether the record's level is high enough for this handler. */
  shouldHandle(record: LogRecord): boolean {
    return record.level >= this.level;
  }

  /** Formats the record with {@link Handler.formatter}. */
  format(record: LogRecord): string {
    return this.formatter(record, this);
  }

  /**
   * Emits the record, routing any error (thrown or rejected) to `onError`.
   * Returns true: the record was handled. Never throws.
   */
  handle(record: LogRecord): boolean {
    try {
      const result = this.emit(record);
      if (result instanceof Promise) {
        result.then(
          () => void this.stats.sent++,
          (error: unknown) => this.handleError(error, record),
        );
      } else {
        this.stats.sent++;
      }
    } catch (error) {
      this.handleError(error, record);
    }
    return true;
  }

  /** Writes or sends one record. */
  abstract emit(record: LogRecord): void | Promise<void>;

  /** Emits several records at once (`reason` says why they were batched); one `emit` each by default. */
  emitBatch(records: readonly LogRecord[], reason: string): void | Promise<void> {
    void reason;
    let pending: Promise<void>[] | null = null;
    for (const record of records) {
      const result = this.emit(record);
      if (result instanceof Promise) (pending ??= []).push(result);
    }
    if (pending) return Promise.all(pending).then(() => undefined);
  }

  /** Counts an error and passes it to `onError`. */
  handleError(error: unknown, record?: LogRecord): void {
    this.stats.errors++;
    callErrorHook(this.onError, error, record);
  }

  /** Resolves once everything emitted so far is written or delivered. */
  async flush(): Promise<void> {}

  /**
   * Flushes (within `timeoutMs`, for handlers that buffer) and releases
   * resources; resolves to what happened. Idempotent.
   */
  async close(options: CloseOptions = {}): Promise<CloseResult> {
    void options;
    this.closed = true;
    return this.closeSummary(true);
  }

  /** The {@link CloseResult} for this handler's counters. */
  protected closeSummary(flushed: boolean): CloseResult {
    return { flushed, sent: this.stats.sent, dropped: this.stats.dropped };
  }

  /** `await using handler = ...` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Pushes this handler for the whole process (`using _ = handler.pushApplication()`). */
  pushApplication(): Disposable {
    return handlerStack.pushApplication(this);
  }

  /** Pops this handler from the process-wide stack. */
  popApplication(): void {
    handlerStack.popApplication(this);
  }

  /** Pushes this handler for the current async context (Logbook's `push_thread`/`push_context`). */
  pushContext(): Disposable {
    return handlerStack.pushContext(this);
  }

  /** Pops this handler from the current async context's stack. */
  popContext(): void {
    handlerStack.popContext(this);
  }

  /** Runs `fn` with this handler pushed for the process. */
  applicationBound<R>(fn: () => R): R {
    return handlerStack.applicationBound(this, fn);
  }

  /** Runs `fn`, and the async work it starts, with this handler pushed on its own context. */
  contextBound<R>(fn: () => R): R {
    return handlerStack.contextBound(this, fn);
  }
}
