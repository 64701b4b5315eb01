#!/usr/bin/env node
// Runs every benchmark suite (suites/*.bench.ts), each in its own process, one
// after the other, and assembles bench/RESULTS.md from the sections they write
// into bench/results/. Usage: pnpm bench [name ...]
//
// The calibration suite runs every time (its JSON.stringify/JSON.parse rows and
// the CPU model let runs on different machines be compared). Suites not run
// this time keep their section from the previous RESULTS.md (each section
// starts with a `<!-- suite: name -->` marker), marked as from an earlier run.
// The garbage suite feeds 1,000,000 frames through a subscriber (~17 min on the
// reference machine under load); GARBAGE_FRAMES=… runs fewer for a quick look.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const order = ['calibration', 'core', 'process', 'zeromq', 'redis', 'amqp', 'mongo', 'scale', 'garbage'];
const suites = readdirSync(join(here, 'suites'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name) || name === 'calibration')
  .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
mkdirSync(join(here, 'results'), { recursive: true });
const loadAtStart = loadavg();
// The sections of the previous RESULTS.md, by suite, for the suites not run this time.
const previous = new Map();
if (existsSync(join(here, 'RESULTS.md'))) {
  const old = readFileSync(join(here, 'RESULTS.md'), 'utf8');
  const written = /^Written by `pnpm bench` on ([^,]+)/m.exec(old)?.[1] ?? 'an earlier run';
  for (const part of old.split(/(?=^<!-- suite: )/m).slice(1)) {
    const name = /^<!-- suite: ([\w-]+) -->/.exec(part)?.[1];
    if (!name) continue;
    const from = /^<!-- from the run of (.*?) -->$/m.exec(part)?.[1] ?? written;
    const body = part
      .replace(/^<!-- (suite:|from the run of) .*? -->\n/gm, '')
      .replace(/\n*\*\(This section is from the run of [^\n]*\)\*\s*$/, '')
      .trim();
    previous.set(
      name,
      `<!-- suite: ${name} -->\n<!-- from the run of ${from} -->\n${body}\n\n*(This section is from the run of ${from}: this run did not include the ${name} suite.)*`,
    );
  }
}
const failed = [];
for (const name of suites) {
  const out = join(here, 'results', `${name}.md`);
  rmSync(out, { force: true });
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', join(here, 'suites', `${name}.bench.ts`)],
    {
      stdio: 'inherit',
      cwd: here,
      timeout: 2_700_000, // ≥ 5 runs of ≥ 2 s per path; the garbage suite (1,000,000 frames) took 17 min on a loaded machine
    },
  );
  console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (run.status !== 0 || !existsSync(out)) failed.push(name);
}
// This run's sections where a suite wrote one (a failed suite keeps its previous section), in suite order.
const sections = order
  .concat(
    readdirSync(join(here, 'results')).map((f) => f.replace(/\.md$/, '')),
    [...previous.keys()],
  )
  .filter((name, i, all) => all.indexOf(name) === i)
  .map((name) => {
    const file = join(here, 'results', `${name}.md`);
    if (suites.includes(name) && existsSync(file)) return readFileSync(file, 'utf8').trim();
    return previous.get(name);
  })
  .filter((section) => section !== undefined);
const header = `# Benchmark results

Written by \`pnpm bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version},
${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}${cpus()[0]?.speed ? ` @ ${cpus()[0].speed} MHz` : ''}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; suites run: ${suites.join(', ')}.
Load average (1 / 5 / 15 min) ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')} at the start, ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ')} at the end:
the machine is shared, so absolute numbers are noisy. Each figure is the median of ≥ 5 runs with the range
(min–max) beside it and every run listed (suites still on the old method say so in their own text); each
suite runs logq beside the raw client doing the same work in the same run, alternating: quote the ratios.
Compare machines through the calibration rows.
`;
writeFileSync(join(here, 'RESULTS.md'), `${header}\n${sections.join('\n\n')}\n`);
console.log(`\nwrote bench/RESULTS.md (${sections.length} sections)`);
if (failed.length) {
  console.error(`suites that failed: ${failed.join(', ')}`);
  process.exit(1);
}
