import { LogqError } from './errors.js';

/** A handler gave up records (its buffer or queue was full); the message says how many. */
export class RecordsDroppedError extends LogqError {
  constructor(
    message: string,
    /** Records dropped since the previous report. */
    readonly count: number,
  ) {
    super(message);
  }
}

const INTERVAL_MS = 60_000;

/**
 * Says through a handler's error path that it dropped records: once soon
 * after the first drop (at the end of the current burst, so the count covers
 * it), then at most once a minute while drops go on, each time with the
 * count since the previous report. The minute's timer never keeps the
 * process alive.
 */
export class DropReporter {
  private unreported = 0;
  private lastReport = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;

  constructor(
    /** Reports one message (the handler's `handleError`). */
    private readonly report: (error: RecordsDroppedError) => void,
    /** Describes `count` dropped records, e.g. `buffer full (maxBuffer 10000); 37 record(s) dropped`. */
    private readonly describe: (count: number) => string,
  ) {}

  /** Counts `count` dropped records and schedules a report. */
  dropped(count = 1): void {
    this.unreported += count;
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastReport + INTERVAL_MS - Date.now();
    if (wait <= 0) {
      setImmediate(() => this.flush());
    } else {
      this.timer = setTimeout(() => this.flush(), wait).unref();
    }
  }

  /** Reports what is unreported now (a handler calls it when it closes). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.scheduled = false;
    if (this.unreported === 0) return;
    const count = this.unreported;
    this.unreported = 0;
    this.lastReport = Date.now();
    this.report(new RecordsDroppedError(this.describe(count), count));
  }
}
