// The scale suite's tables: record size (logq beside raw, with the step from the previous size and the
// cliff rule), and producer or subscriber count.
import { type Stats, fmt, fmtRuns, fmtStats, stats } from './lib.js';
import type { RunResult } from './scale-run.js';

/** One path at one record size: every run of raw and of logq. */
export interface SizeRow {
  readonly path: string;
  /** The size asked for, in bytes. */
  readonly target: number;
  readonly logqBytes: number;
  readonly rawBytes: number;
  readonly raw: readonly RunResult[];
  readonly logq: readonly RunResult[];
}

/** One path's producer- or subscriber-count runs: `results[k]` are the runs with `counts[k]`. */
export interface Measured {
  readonly path: string;
  readonly counts: readonly number[];
  readonly results: readonly (readonly RunResult[])[];
  readonly bytes: number;
}

const median = (runs: readonly RunResult[], key: keyof RunResult): number => stats(runs.map((r) => r[key])).median;
const rates = (runs: readonly RunResult[]): Stats => stats(runs.map((r) => r.rate));
const mbps = (runs: readonly RunResult[], bytes: number): string => fmt((rates(runs).median * bytes) / 1e6, 1);
const rss = (runs: readonly RunResult[]): string =>
  `${fmt(median(runs, 'producerRss'))} / ${fmt(median(runs, 'consumerRss'))}`;
const sizeLabel = (bytes: number): string => (bytes >= 1024 ? `${fmt(bytes / 1024)} KiB` : `${fmt(bytes)} B`);

/** The largest per-record time factor a step may show: 2.2× per doubling of the record's bytes. */
export const cliffLimit = (byteFactor: number): number => 2.2 ** Math.log2(Math.max(1, byteFactor));

/** The size table, the cliffs it shows, the sizes where logq is below raw, and every run. */
export function sizeTable(rows: readonly SizeRow[]): {
  table: string;
  cliffs: string[];
  below: string[];
  runs: string;
} {
  const cliffs: string[] = [];
  const below: string[] = [];
  const lines: string[] = [];
  const runs: string[] = [];
  rows.forEach((row, i) => {
    const prev = i > 0 && rows[i - 1]!.path === row.path ? rows[i - 1]! : null;
    const raw = rates(row.raw);
    for (const impl of ['raw', 'logq'] as const) {
      const these = row[impl];
      const bytes = impl === 'raw' ? row.rawBytes : row.logqBytes;
      const s = rates(these);
      if (impl === 'logq' && s.median < raw.median)
        below.push(`${row.path} ${sizeLabel(row.target)}: ${fmt(s.median / raw.median, 2)}×`);
      let step = '—';
      if (prev) {
        const time = rates(prev[impl]).median / s.median;
        const grown = bytes / (impl === 'raw' ? prev.rawBytes : prev.logqBytes);
        const cliff = time > cliffLimit(grown);
        step = `${fmt(time, 2)}× time / ${fmt(grown, 2)}× bytes${cliff ? ' **cliff**' : ''}`;
        if (cliff) {
          cliffs.push(
            `${row.path} ${impl} ${sizeLabel(prev.target)} → ${sizeLabel(row.target)}: ${fmt(time, 2)}× time for ${fmt(grown, 2)}× bytes (limit ${fmt(cliffLimit(grown), 2)}×)`,
          );
        }
      }
      lines.push(
        `| ${row.path} | ${sizeLabel(row.target)} (${fmt(bytes)} B) | ${impl === 'logq' ? '**logq**' : 'raw'} | ${fmtStats(s)} | ${mbps(these, bytes)} | ${impl === 'logq' ? `**${fmt(s.median / raw.median, 2)}×**` : '1.00×'} | ${fmt(median(these, 'producerUs'), 1)} | ${fmt(median(these, 'consumerUs'), 1)} | ${rss(these)} | ${step} |`,
      );
      runs.push(
        `| ${row.path} | ${sizeLabel(row.target)} | ${impl} | ${fmtRuns(s)} | ${fmt(Math.min(...these.map((r) => r.seconds)), 1)} s, ${fmt(these[0]!.n)} records |`,
      );
    }
  });
  return {
    table: `| path | record size (wire bytes) | impl | records/s: median (min–max) | MB/s | logq / raw (medians) | producer CPU µs/record | consumer CPU µs/record | peak RSS MiB: producer / consumer | step from the previous size: per-record time / bytes |
|---|---|---|---:|---:|---:|---:|---:|---:|---|
${lines.join('\n')}`,
    cliffs,
    below,
    runs: `| path | size | impl | every run | shortest run, records per run |
|---|---|---|---|---|
${runs.join('\n')}`,
  };
}

/** The producer- or subscriber-count table, every run listed in its last column. */
export function countTable(rows: readonly Measured[], kind: 'producers' | 'subscribers'): string {
  const lines: string[] = [];
  for (const row of rows) {
    const one = rates(row.results[0]!).median;
    row.counts.forEach((count, k) => {
      const these = row.results[k]!;
      const s = rates(these);
      lines.push(
        `| ${row.path} | ${count} | ${fmtStats(s)} | ${mbps(these, row.bytes)} | ${fmt(s.median / one, 2)}× | ${fmt(median(these, 'producerUs'), 1)} | ${fmt(median(these, 'consumerUs'), 1)} | ${rss(these)} | ${fmtRuns(s)} |`,
      );
    });
  }
  return `| path | ${kind} | records/s (all together): median (min–max) | MB/s | vs 1 | producer CPU µs/record (all) | consumer CPU µs/record (all) | peak RSS MiB: largest producer / consumer | every run |
|---|---:|---:|---:|---:|---:|---:|---:|---|
${lines.join('\n')}`;
}
