#!/usr/bin/env node
// The workspace test command: builds every package, typechecks, checks the
// published shape (publint, are-the-types-wrong, require + import), and runs
// every jest suite against real brokers; then the API report (each public
// entry point's names, compared with packages/*/api.md) and the release stages (the
// versioning policy proved with changesets, and the user's path: pack every
// package, npm-install the tarballs outside the workspace and use them); then
// prints the totals of all jest runs and each stage's result.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const results = mkdtempSync(join(tmpdir(), 'logq-test-results-'));
const args = [
  'turbo',
  'run',
  'build',
  'typecheck',
  'lint',
  'test',
  '--concurrency=2',
  '--continue',
  ...process.argv.slice(2),
];
const run = spawnSync('pnpm', ['exec', ...args], {
  stdio: 'inherit',
  env: { ...process.env, LOGQ_TEST_RESULTS: results, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
});
spawnSync(process.execPath, ['tooling/readme-blocks.mjs'], {
  stdio: 'inherit',
  env: { ...process.env, LOGQ_TEST_RESULTS: results },
}); // README code blocks, run as shown after turbo built everything; totals join the jest runs
let passed = 0;
let failed = 0;
let skipped = 0;
const packages = [];
const failures = [];
for (const file of readdirSync(results)) {
  const r = JSON.parse(readFileSync(join(results, file), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  packages.push(`${r.package} ${r.passed}/${r.passed + r.failed}`);
  for (const f of r.failures ?? []) failures.push({ package: r.package, ...f });
}
rmSync(results, { recursive: true, force: true });

// Biome (format and lint), the API report and the release stages, after turbo has built every package.
const stages = [
  ['format and lint (Biome)', 'tooling/biome-check.mjs'],
  ['API report (packages/*/api.md)', 'tooling/api-report.mjs'],
  ['versioning (changesets)', 'tooling/release/check-versioning.mjs'],
  ["pack and install (the user's path)", 'tooling/release/pack-install.mjs'],
];
const stageResults = [];
for (const [name, script] of stages) {
  console.log(`\n== ${name}: node ${script}`);
  const stage = spawnSync(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), '..', script)], {
    stdio: 'inherit',
  });
  stageResults.push({ name, ok: stage.status === 0 });
}

const code = run.status ?? 1;
if (packages.length === 0) {
  console.error('tests: no jest run reported results');
  process.exit(code === 0 ? 1 : code);
}
// The failures again at the very end, where a CI log's tail is read first.
for (const f of failures)
  console.log(
    `\nFAILED ${f.package}: ${f.file} › ${f.test}\n${f.error
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n')}`,
  );
console.log(`\njest runs: ${packages.sort().join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
console.log(`stages: ${stageResults.map((s) => `${s.name} ${s.ok ? 'ok' : 'FAILED'}`).join(', ')}`);
const stagesFailed = stageResults.some((s) => !s.ok);
process.exit(code !== 0 ? code : failed > 0 || stagesFailed ? 1 : 0);
