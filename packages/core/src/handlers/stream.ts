import { type CloseOptions, type CloseResult, Handler, type HandlerOptions } from '../handler.js';
import type { LogRecord } from '../record.js';

/** Where a {@link StreamHandler} writes: any Node writable (a socket, a file stream, stdout). */
export interface TextStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Options of {@link StreamHandler}. */
export interface StreamHandlerOptions extends HandlerOptions {}

/**
 * Writes each record, formatted, as one line to a stream (Logbook's
 * `StreamHandler`). `flush()` resolves once every write was handed to the OS.
 */
export class StreamHandler extends Handler {
  private pending = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly streamSource: TextStream | (() => TextStream),
    options: StreamHandlerOptions = {},
  ) {
    super(options);
  }

  /** The stream written to. */
  get stream(): TextStream {
    return typeof this.streamSource === 'function' ? this.streamSource() : this.streamSource;
  }

  /** Writes `format(record)` and a newline. */
  emit(record: LogRecord): void {
    if (this.closed) {
      this.stats.dropped++;
      return;
    }
    this.pending++;
    this.stream.write(`${this.format(record)}\n`, (error) => {
      if (error) this.handleError(error, record);
      if (--this.pending === 0) for (const wake of this.waiters.splice(0)) wake();
    });
  }

  override flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  override async close(options: CloseOptions = {}): Promise<CloseResult> {
    if (!this.closed) {
      this.closed = true;
      let timer: NodeJS.Timeout | undefined;
      const flushed = await Promise.race([
        this.flush().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), options.timeoutMs ?? 5000))),
      ]);
      clearTimeout(timer);
      return this.closeSummary(flushed);
    }
    return this.closeSummary(this.pending === 0);
  }
}

/** A {@link StreamHandler} on the process's current stderr (Logbook's `StderrHandler`). */
export class StderrHandler extends StreamHandler {
  constructor(options: StreamHandlerOptions = {}) {
    super(() => process.stderr, options);
  }
}
