#!/usr/bin/env node
// The workspace test command: builds every package, typechecks, checks the
// published shape (publint, are-the-types-wrong, require + import), and runs
// every jest suite against real brokers; then prints one closing line with
// the totals of all jest runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const results = mkdtempSync(join(tmpdir(), 'logq-test-results-'));
const args = ['turbo', 'run', 'build', 'typecheck', 'lint', 'test', '--concurrency=2', '--continue', ...process.argv.slice(2)];
const run = spawnSync('pnpm', ['exec', ...args], {
  stdio: 'inherit',
  env: { ...process.env, LOGQ_TEST_RESULTS: results, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
});
spawnSync(process.execPath, ['tooling/readme-blocks.mjs'], { stdio: 'inherit', env: { ...process.env, LOGQ_TEST_RESULTS: results } }); // README code blocks, run as shown after turbo built everything; totals join the jest runs
let passed = 0;
let failed = 0;
let skipped = 0;
const packages = [];
for (const file of readdirSync(results)) {
  const r = JSON.parse(readFileSync(join(results, file), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  packages.push(`${r.package} ${r.passed}/${r.passed + r.failed}`);
}
rmSync(results, { recursive: true, force: true });
const code = run.status ?? 1;
if (packages.length === 0) {
  console.error('tests: no jest run reported results');
  process.exit(code === 0 ? 1 : code);
}
console.log(`\njest runs: ${packages.sort().join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code !== 0 ? code : failed > 0 ? 1 : 0);
