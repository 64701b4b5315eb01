#!/usr/bin/env node
// `pnpm release`: build, test, pack and check every published package, then
// `changeset publish` (which runs `pnpm publish` per package, so each tarball
// is the one checked here). Refuses while changesets are pending: run
// `pnpm changeset version`, review the versions and CHANGELOGs, commit, then
// release.
//
// `pnpm release --dry-run` (or `pnpm release:dry-run`): build, pack and check
// every package and list the tarballs, and show what the pending changesets
// would release. It never publishes and never contacts a registry.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describePack, packPublic } from './pack.mjs';
import { pendingReleases } from './plan.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--dry-run');
if (unknown.length > 0) {
  // A mistyped `--dryrun` must not publish.
  console.error(`release: unknown argument ${unknown.join(' ')}; the only option is --dry-run`);
  process.exit(2);
}
const dryRun = args.includes('--dry-run');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function step(title, command, commandArgs) {
  console.log(`\nrelease: ${title}: ${command} ${commandArgs.join(' ')}`);
  const run = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  if (run.status !== 0) {
    console.error(`release: ${title} failed; nothing was published`);
    process.exit(run.status ?? 1);
  }
}

console.log(
  dryRun
    ? 'release: DRY RUN, nothing will be published'
    : 'release: build, test, check the tarballs, then publish to the npm registry',
);
const pending = await pendingReleases(root);
if (!dryRun && pending.length > 0) {
  console.error(
    `release: ${pending.length} package(s) have pending changesets (${pending.map((r) => r.name).join(', ')}).`,
  );
  console.error(
    'release: run `pnpm changeset version`, review the new versions and CHANGELOGs, commit, then `pnpm release`.',
  );
  process.exit(1);
}

step('build', 'pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
if (!dryRun) step('test', 'pnpm', ['test']);

const outDir = mkdtempSync(join(tmpdir(), 'logq-release-packs-'));
let packs;
try {
  console.log('\nrelease: pack every published package as `pnpm publish` does');
  packs = packPublic({ root, outDir });
} catch (error) {
  console.error(`release: ${error.message}`);
  process.exit(1);
}
console.log(`\n${packs.length} packages:`);
for (const pack of packs) {
  console.log(`  ${describePack(pack)}`);
  for (const problem of pack.problems) console.log(`    PROBLEM: ${problem}`);
}
const problems = packs.flatMap((pack) => pack.problems);

if (dryRun) {
  if (pending.length > 0) {
    console.log(
      '\npending changesets; `pnpm changeset version` would make these versions (then `pnpm release` publishes them):',
    );
    for (const r of pending) console.log(`  ${r.name.padEnd(14)} ${r.oldVersion} → ${r.newVersion} (${r.type})`);
  }
  console.log(`\ntarballs in ${outDir}`);
  console.log(
    problems.length === 0
      ? 'release: dry run OK, nothing published'
      : `release: dry run found ${problems.length} problem(s), nothing published`,
  );
  process.exit(problems.length === 0 ? 0 : 1);
}

rmSync(outDir, { recursive: true, force: true });
if (problems.length > 0) {
  console.error(`release: ${problems.length} problem(s) in the tarballs; nothing was published`);
  process.exit(1);
}
step('publish', 'pnpm', ['exec', 'changeset', 'publish']);
