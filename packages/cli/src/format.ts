import { Level, levelName, type LogRecord } from '@logq/core';

/** Options of {@link formatRecordLine}. */
export interface LineFormatOptions {
  /** Paint the time, the level and the traceback with ANSI colours. @default false */
  readonly colour?: boolean;
  /** Print the whole formatted exception (the traceback) under the line, not only its last line. @default true */
  readonly traceback?: boolean;
}

/** ANSI colour of each level in the console format. */
const LEVEL_COLOURS: Readonly<Record<number, string>> = {
  [Level.CRITICAL]: '\x1b[1;37;41m',
  [Level.ERROR]: '\x1b[1;31m',
  [Level.WARNING]: '\x1b[33m',
  [Level.NOTICE]: '\x1b[1;36m',
  [Level.INFO]: '\x1b[32m',
  [Level.DEBUG]: '\x1b[34m',
  [Level.TRACE]: '\x1b[2m',
};
const DIM = '\x1b[2m';
const INDENT = ' '.repeat(13);

/**
 * One record as a readable console line (the demo's format): time (UTC,
 * milliseconds), level, `channel[process]` (`[process/thread]` off the main
 * thread), message; the exception,
 * when the record has one, indented under it (`└ Name: message`, then its
 * formatted traceback when `traceback` is on). Newlines in the message are
 * indented too, so every continuation line stays under the record.
 */
export function formatRecordLine(record: LogRecord, options: LineFormatOptions = {}): string {
  const colour = options.colour ?? false;
  const paint = (code: string | undefined, text: string): string => (colour && code ? `${code}${text}\x1b[0m` : text);
  const time = Number.isFinite(record.timeMicros)
    ? new Date(record.timeMicros / 1000).toISOString().slice(11, 23)
    : '??:??:??.???';
  const level = paint(LEVEL_COLOURS[record.level], record.levelName.padEnd(8));
  const proc = record.process === null ? '?' : String(record.process);
  // The thread only for another thread than the main one (Python's main thread has a large id too).
  const thread = record.thread && record.threadName !== 'MainThread' ? `/${record.thread}` : '';
  const where = `${record.channel}[${proc}${thread}]`;
  const message = record.message.replace(/\r?\n/g, `\n${INDENT}`);
  let line = `${paint(DIM, time)} ${level} ${where.padEnd(22)} ${message}`;
  if (record.exceptionName || record.formattedException) {
    const head = record.exceptionName ? `└ ${record.exceptionName}: ${record.exceptionMessage ?? ''}` : '└ exception';
    line += `\n${INDENT}${paint(DIM, head)}`;
    const trace = (options.traceback ?? true) ? (record.formattedException ?? '').trimEnd().split(/\r?\n/) : [];
    // A JavaScript stack starts with "Name: message", which the line above already says.
    if (trace[0] === `${record.exceptionName}: ${record.exceptionMessage ?? ''}`) trace.shift();
    if (trace.length > 0 && trace.join('') !== '')
      line += `\n${trace.map((l) => `${INDENT}  ${paint(DIM, l)}`).join('\n')}`;
  }
  return line;
}

/** Levels in the summary table's columns, lowest first. */
export const SUMMARY_LEVELS: readonly number[] = [
  Level.TRACE,
  Level.DEBUG,
  Level.INFO,
  Level.NOTICE,
  Level.WARNING,
  Level.ERROR,
  Level.CRITICAL,
];

/** Counts records per channel and level, for {@link formatSummaryTable}. */
export class RecordCounter {
  /** channel → level → count. */
  readonly counts = new Map<string, Map<number, number>>();
  /** Records counted. */
  total = 0;

  /** Counts one record. */
  add(record: Pick<LogRecord, 'channel' | 'level'>): void {
    let row = this.counts.get(record.channel);
    if (!row) this.counts.set(record.channel, (row = new Map()));
    row.set(record.level, (row.get(record.level) ?? 0) + 1);
    this.total++;
  }
}

/**
 * The summary table: one row per channel (sorted), one column per level (and
 * one for a level outside Logbook's seven, if any was seen), and a total.
 */
export function formatSummaryTable(counter: RecordCounter): string {
  const extra = new Set<number>();
  for (const row of counter.counts.values())
    for (const level of row.keys()) if (!SUMMARY_LEVELS.includes(level)) extra.add(level);
  const levels = [...SUMMARY_LEVELS, ...[...extra].sort((a, b) => a - b)];
  const width = Math.max(14, ...[...counter.counts.keys()].map((c) => c.length));
  const header = ['channel'.padEnd(width), ...levels.map((l) => levelName(l).padStart(8)), '   total'].join(' ');
  const lines = [...counter.counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([channel, row]) => {
      const sum = [...row.values()].reduce((a, b) => a + b, 0);
      return [
        channel.padEnd(width),
        ...levels.map((l) => String(row.get(l) ?? 0).padStart(8)),
        String(sum).padStart(8),
      ].join(' ');
    });
  return [header, ...lines].join('\n');
}
