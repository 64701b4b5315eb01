import { lookupLevel, type LogRecord } from '@logq/core';

/** What `--level`, `--channel` and `--grep` select. */
export interface RecordFilterOptions {
  /** Lowest level shown (a name such as `warning`, or a number). */
  readonly level?: string | number;
  /** Channel glob: `*` matches any run of characters, `?` one; several globs are separated by commas. */
  readonly channel?: string;
  /** Text the message (or the exception) must contain, case-sensitive. */
  readonly grep?: string;
}

/** Turns a glob (`app.*`, `*.db,worker?`) into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const alternatives = glob.split(',').map((part) =>
    part
      .trim()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.'),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

/**
 * Makes the record predicate of `logq tail` and `logq bridge`.
 * @throws {Error} for an unknown level name.
 */
export function createRecordFilter(options: RecordFilterOptions): (record: LogRecord) => boolean {
  const minLevel =
    options.level === undefined
      ? null
      : lookupLevel(typeof options.level === 'string' ? options.level.toUpperCase() : options.level);
  const channel = options.channel === undefined ? null : globToRegExp(options.channel);
  const grep = options.grep ?? null;
  return (record) => {
    if (minLevel !== null && record.level < minLevel) return false;
    if (channel !== null && !channel.test(record.channel)) return false;
    if (grep !== null && !record.message.includes(grep) && !(record.formattedException ?? '').includes(grep))
      return false;
    return true;
  };
}
