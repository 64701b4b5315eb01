import type { LogRecord } from './record.js';

/** Formats epoch microseconds as Python's `str(datetime)`: `2026-11-25 16:23:26.073111` (UTC). */
export function formatDisplayTime(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  const frac = String(micros - Math.floor(micros / 1e6) * 1e6).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac}`;
}

/**
 * Logbook's default format, `[{time}] {level_name}: {channel}: {message}`,
 * with the formatted exception on the following lines when there is one
 * (a `Formatter`).
 */
export const defaultFormatter = (record: LogRecord): string => {
  const line = `[${formatDisplayTime(record.timeMicros)}] ${record.levelName}: ${record.channel}: ${record.message}`;
  return record.formattedException ? `${line}\n${record.formattedException}` : line;
};
