// Calibration: what this machine does with the record in-process, without logq or a broker,
// so that runs on different machines (and loads) can be compared. Runs first in `pnpm bench`.
import {
  RUNS,
  RUN_MS,
  fmt,
  fmtRuns,
  fmtStats,
  interleave,
  machine,
  sampleJson,
  stats,
  timeCalls,
  writeSection,
  type CallRun,
} from './lib.js';

const text = sampleJson(1);
const dict = JSON.parse(text) as Record<string, unknown>;
const before = machine();
let sink = 0;
const [stringify, parse] = await interleave([
  { name: 'stringify', run: () => timeCalls(() => void (sink += JSON.stringify(dict).length)) },
  { name: 'parse', run: () => timeCalls(() => void (sink += (JSON.parse(text) as { level: number }).level)) },
]);
const rows: [string, CallRun[]][] = [
  [`\`JSON.stringify\` of the ${Buffer.byteLength(text)}-byte record dict`, stringify!],
  [`\`JSON.parse\` of its ${Buffer.byteLength(text)}-byte text`, parse!],
];
writeSection(
  'calibration',
  `## Calibration

Machine: ${before} at the start; ${machine().replace(/^.*load average/, 'load average')} at the end of this section.

| in-process, one thread | ns per call: median (min–max) | CPU ns per call: median (min–max) | every run (ns per call) |
|---|---:|---:|---|
${rows
  .map(([name, runs]) => {
    const wall = stats(runs.map((r) => r.ns));
    return `| ${name} | ${fmtStats(wall)} | ${fmtStats(stats(runs.map((r) => r.cpuNs)))} | ${fmtRuns(wall)} |`;
  })
  .join('\n')}

Method: ${RUNS} runs of each, alternating, each ≥ ${fmt(RUN_MS / 1000, 0)} s of timed calls after an untimed warm-up
run; wall time per call, and the process's CPU time per call (less disturbed by other jobs on a shared machine).
Divide another machine's figures by these to compare its rows with this one's.${sink < 0 ? '' : ''}`,
);
