import { Handler, type HandlerOptions } from '../handler.js';
import { Level } from '../levels.js';
import type { LogRecord } from '../record.js';

/** What a `has*` helper of {@link TestHandler} matches besides the level. */
export interface RecordQuery {
  /** The formatted message, exactly, or a pattern it must match. */
  readonly message?: string | RegExp;
  /** The channel, exactly. */
  readonly channel?: string;
}

type MessageOrQuery = string | RegExp | RecordQuery | undefined;

/**
 * Keeps every record it handles, for tests (Logbook's `TestHandler`):
 * `records`, `formattedRecords`, and `hasWarning(message?)`,
 * `hasWarnings`, ... for every level.
 */
export class TestHandler extends Handler {
  /** The records handled, in order. */
  readonly records: LogRecord[] = [];

  constructor(options: HandlerOptions = {}) {
    super({ formatter: (record) => `[${record.levelName}] ${record.channel}: ${record.message}`, ...options });
  }

  /** Keeps the record. */
  emit(record: LogRecord): void {
    this.records.push(record);
  }

  /** The records, each formatted with the handler's formatter. */
  get formattedRecords(): string[] {
    return this.records.map((r) => this.format(r));
  }

  /** Forgets every record. */
  clear(): void {
    this.records.length = 0;
  }

  /** Whether a record matches `level` and the query. */
  hasRecord(level: number, query: MessageOrQuery = undefined): boolean {
    const q: RecordQuery = typeof query === 'string' || query instanceof RegExp ? { message: query } : (query ?? {});
    return this.records.some(
      (r) =>
        r.level === level &&
        (q.channel === undefined || r.channel === q.channel) &&
        (q.message === undefined ||
          (typeof q.message === 'string' ? r.message === q.message : q.message.test(r.message))),
    );
  }

  /** Whether a CRITICAL record matches. */
  hasCritical(query?: MessageOrQuery): boolean {
    return this.hasRecord(Level.CRITICAL, query);
  }
  /** Whether an ERROR record matches. */
  hasError(query?: MessageOrQuery): boolean {
    return this.hasRecord(Level.ERROR, query);
  }
  /** Whether a WARNING record matches. */
  hasWarning(query?: MessageOrQuery): boolean {
    return this.hasRecord(Level.WARNING, query);
  }
  /** Whether a NOTICE record matches. */
  hasNotice(query?: MessageOrQuery): boolean {
    return this.hasRecord(Level.NOTICE, query);
  }
  /** Whether an INFO record matches. */
  hasInfo(query?: MessageOrQuery): boolean {
    return this.hasRecord(Level.INFO, query);
  }
  /** Whether a DEBUG record matches. */
  hasDebug(query?: MessageOrQuery): boolean {
    return this.hasRecord(Level.DEBUG, query);
  }
  /** Whether a TRACE record matches. */
  hasTrace(query?: MessageOrQuery): boolean {
    return this.hasRecord(Level.TRACE, query);
  }
  /** Whether any CRITICAL record was handled. */
  get hasCriticals(): boolean {
    return this.hasRecord(Level.CRITICAL);
  }
  /** Whether any ERROR record was handled. */
  get hasErrors(): boolean {
    return this.hasRecord(Level.ERROR);
  }
  /** Whether any WARNING record was handled. */
  get hasWarnings(): boolean {
    return this.hasRecord(Level.WARNING);
  }
  /** Whether any NOTICE record was handled. */
  get hasNotices(): boolean {
    return this.hasRecord(Level.NOTICE);
  }
  /** Whether any INFO record was handled. */
  get hasInfos(): boolean {
    return this.hasRecord(Level.INFO);
  }
  /** Whether any DEBUG record was handled. */
  get hasDebugs(): boolean {
    return this.hasRecord(Level.DEBUG);
  }
  /** Whether any TRACE record was handled. */
  get hasTraces(): boolean {
    return this.hasRecord(Level.TRACE);
  }
}
