/** Logbook's numeric levels. Higher is more severe. */
export const Level = {
  CRITICAL: 15,
  ERROR: 14,
  WARNING: 13,
  NOTICE: 12,
  INFO: 11,
  DEBUG: 10,
  TRACE: 9,
  NOTSET: 0,
} as const;

/** The name of one of Logbook's levels. */
export type LevelName = keyof typeof Level;

/** A level given by number or by name (case-insensitive; `WARN` is accepted for `WARNING`). */
export type LevelLike = number | string;

const NAMES = new Map<number, LevelName>(
  (Object.entries(Level) as [LevelName, number][]).map(([name, value]) => [value, name]),
);

/** Returns the name of a numeric level, as Logbook's `get_level_name`; unknown numbers give `Level <n>`. */
export function levelName(level: number): string {
  return NAMES.get(level) ?? `Level ${level}`;
}

/**
 * Returns the numeric level for a name or number, as Logbook's `lookup_level`.
 * @throws {RangeError} when the name is not a level.
 */
export function lookupLevel(level: LevelLike): number {
  if (typeof level === 'number') return level;
  const upper = level.toUpperCase();
  const key = upper === 'WARN' ? 'WARNING' : upper;
  if (Object.hasOwn(Level, key)) return Level[key as LevelName];
  const m = /^LEVEL (\d+)$/.exec(upper);
  if (m) return Number(m[1]);
  throw new RangeError(`No such level: ${JSON.stringify(level)}`);
}
