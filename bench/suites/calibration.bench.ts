// Calibration: what this machine does with the record in-process, without logq or a broker,
// so that runs on different machines (and loads) can be compared. Runs first in `pnpm bench`.
import { RUNS, RUN_MS, fmt, fmtRuns, fmtStats, interleave, machine, sampleJson, stats, timeCalls, writeSection } from './lib.js';

const text = sampleJson(1);
const dict = JSON.parse(text) as Record<string, unknown>;
const before = machine();
let sink = 0;
const [stringify, parse] = await interleave([
  { name: 'stringify', run: async () => (await timeCalls(() => void (sink += JSON.stringify(dict).length))).ns },
  { name: 'parse', run: async () => (await timeCalls(() => void (sink += (JSON.parse(text) as { level: number }).level))).ns },
]);
const rows: [string, ReturnType<typeof stats>][] = [
  [`\`JSON.stringify\` of the ${Buffer.byteLength(text)}-byte record dict`, stats(stringify!)],
  [`\`JSON.parse\` of its ${Buffer.byteLength(text)}-byte text`, stats(parse!)],
];
writeSection(
  'calibration',
  `## Calibration

Machine: ${before} at the start; ${machine().replace(/^.*load average/, 'load average')} at the end of this section.

| in-process, one thread | ns per call: median (min–max) | every run |
|---|---:|---|
${rows.map(([name, s]) => `| ${name} | ${fmtStats(s)} | ${fmtRuns(s)} |`).join('\n')}

Method: ${RUNS} runs of each, alternating, each ≥ ${fmt(RUN_MS / 1000, 0)} s of timed calls after an untimed warm-up
run; wall time per call. Divide another machine's figures by these to compare its rows with this one's.${sink < 0 ? '' : ''}`,
);
