#!/usr/bin/env node
// Runs every benchmark suite (suites/*.bench.ts), each in its own process, one
// after the other, and assembles bench/RESULTS.md from the sections they write
// into bench/results/. Usage: pnpm bench [name ...]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const order = ['core', 'process', 'zeromq', 'redis', 'amqp', 'mongo'];
const suites = readdirSync(join(here, 'suites'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
mkdirSync(join(here, 'results'), { recursive: true });
const failed = [];
for (const name of suites) {
  const out = join(here, 'results', `${name}.md`);
  rmSync(out, { force: true });
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(here, 'suites', `${name}.bench.ts`)], {
    stdio: 'inherit',
    cwd: here,
    timeout: 240_000,
  });
  console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (run.status !== 0 || !existsSync(out)) failed.push(name);
}
const sections = order
  .concat(readdirSync(join(here, 'results')).map((f) => f.replace(/\.md$/, '')))
  .filter((name, i, all) => all.indexOf(name) === i && existsSync(join(here, 'results', `${name}.md`)))
  .map((name) => readFileSync(join(here, 'results', `${name}.md`), 'utf8').trim());
const header = `# Benchmark results

Written by \`pnpm bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version},
${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB. Each suite runs logq
beside the raw client doing the same work in the same run; quote the ratios, not the absolute numbers: this
machine is shared and drifts ~10% between runs.
`;
writeFileSync(join(here, 'RESULTS.md'), `${header}\n${sections.join('\n\n')}\n`);
console.log(`\nwrote bench/RESULTS.md (${sections.length} sections)`);
if (failed.length) {
  console.error(`suites that failed: ${failed.join(', ')}`);
  process.exit(1);
}
