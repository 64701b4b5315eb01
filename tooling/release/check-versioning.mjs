#!/usr/bin/env node
// Proves the versioning policy in CONTRIBUTING.md with changesets itself:
// 1. in a temporary copy of the workspace's manifests, `changeset version`
//    with a core-minor-only changeset moves no transport to a new major (and
//    changes no other package), and with a redis-patch-only changeset changes
//    only @logq/redis;
// 2. the changesets pending in .changeset/ plan no major release of a transport
//    and no release of a private package.
// Exits non-zero with the reason on the first broken rule.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workspacePackages } from './manifest.mjs';
import { pendingReleases } from './plan.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'package.json'));
const changesetBin = join(dirname(require.resolve('@changesets/cli/package.json')), 'bin.js');
const CORE = '@logq/core';

class CheckError extends Error {}
const fail = (message) => {
  throw new CheckError(message);
};
const major = (version) => Number(version.split('.')[0]);

function changeset(cwd, args) {
  return execFileSync(process.execPath, [changesetBin, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A temporary workspace holding the root files changesets reads and every package's package.json and CHANGELOG.md. */
function copyWorkspace() {
  const dir = mkdtempSync(join(tmpdir(), 'logq-versioning-'));
  for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json']) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(root, file), join(dir, file));
  }
  for (const pkg of workspacePackages(root)) {
    for (const file of ['package.json', 'CHANGELOG.md']) {
      const from = join(pkg.dir, file);
      if (!existsSync(from)) continue;
      mkdirSync(join(dir, pkg.path), { recursive: true });
      cpSync(from, join(dir, pkg.path, file));
    }
  }
  // The changelog generator named in config.json is resolved from the copy.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function snapshot(dir) {
  const files = new Map();
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

function versions(dir) {
  return new Map(workspacePackages(dir).map((pkg) => [pkg.manifest.name, pkg.manifest.version]));
}

/** Runs `changeset version` on one changeset in a fresh copy; returns the versions before and after and the files that changed. */
function versionWith(name, releases, summary) {
  const dir = copyWorkspace();
  try {
    const frontmatter = Object.entries(releases)
      .map(([pkg, type]) => `'${pkg}': ${type}`)
      .join('\n');
    writeFileSync(join(dir, '.changeset', `${name}.md`), `---\n${frontmatter}\n---\n\n${summary}\n`);
    const before = snapshot(dir);
    const oldVersions = versions(dir);
    changeset(dir, ['version']);
    const after = snapshot(dir);
    const changed = [...new Set([...before.keys(), ...after.keys()])]
      .filter((file) => before.get(file) !== after.get(file) && file !== `.changeset/${name}.md`)
      .sort();
    return { oldVersions, newVersions: versions(dir), changed, after };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function coreMinorOnly() {
  const { oldVersions, newVersions, changed, after } = versionWith(
    'core-minor',
    { [CORE]: 'minor' },
    'A new core feature.',
  );
  const oldCore = oldVersions.get(CORE);
  const newCore = newVersions.get(CORE);
  const [maj, min] = oldCore.split('.').map(Number);
  if (newCore !== `${maj}.${min + 1}.0`)
    fail(`core minor: ${CORE} ${oldCore} → ${newCore}, expected ${maj}.${min + 1}.0`);
  for (const [name, version] of newVersions) {
    if (name === CORE) continue;
    if (major(version) !== major(oldVersions.get(name)))
      fail(`core minor: ${name} gets a new major, ${oldVersions.get(name)} → ${version}`);
    if (version !== oldVersions.get(name))
      fail(`core minor: ${name} changes version, ${oldVersions.get(name)} → ${version}`);
  }
  const allowed = ['packages/core/CHANGELOG.md', 'packages/core/package.json'];
  const extra = changed.filter((file) => !allowed.includes(file));
  if (extra.length > 0) fail(`core minor: files other than core's changed: ${extra.join(', ')}`);
  if (!after.get('packages/core/CHANGELOG.md')?.includes(`## ${newCore}`))
    fail(`core minor: packages/core/CHANGELOG.md has no "## ${newCore}" entry`);
  return `a core-minor-only changeset: ${CORE} ${oldCore} → ${newCore}; every other package keeps its version (no transport major)`;
}

function redisPatchOnly() {
  const name = '@logq/redis';
  const { oldVersions, newVersions, changed, after } = versionWith('redis-patch', { [name]: 'patch' }, 'A redis fix.');
  const [maj, min, patch] = oldVersions.get(name).split('.').map(Number);
  const expected = `${maj}.${min}.${patch + 1}`;
  if (newVersions.get(name) !== expected)
    fail(`redis patch: ${name} ${oldVersions.get(name)} → ${newVersions.get(name)}, expected ${expected}`);
  for (const [other, version] of newVersions) {
    if (other !== name && version !== oldVersions.get(other))
      fail(`redis patch: ${other} changes version too, ${oldVersions.get(other)} → ${version}`);
  }
  const expectedFiles = ['packages/redis/CHANGELOG.md', 'packages/redis/package.json'];
  if (changed.join() !== expectedFiles.join())
    fail(`redis patch: changed files are [${changed.join(', ')}], expected [${expectedFiles.join(', ')}]`);
  if (!after.get('packages/redis/CHANGELOG.md')?.includes(`## ${expected}`))
    fail(`redis patch: packages/redis/CHANGELOG.md has no "## ${expected}" entry`);
  return `a redis-patch-only changeset: only @logq/redis changes (${oldVersions.get(name)} → ${expected}, its package.json and CHANGELOG.md)`;
}

async function pendingPlan() {
  const planned = await pendingReleases(root);
  const privates = new Set(
    workspacePackages(root)
      .filter((pkg) => pkg.manifest.private === true)
      .map((pkg) => pkg.manifest.name),
  );
  for (const r of planned) {
    if (privates.has(r.name)) fail(`pending changesets: private package ${r.name} would be versioned (${r.type})`);
    if (r.name !== CORE && (r.type === 'major' || major(r.oldVersion) !== major(r.newVersion))) {
      fail(
        `pending changesets: ${r.name} would get a new major, ${r.oldVersion} → ${r.newVersion} (${r.type}); a transport major is a real break, decided in its own changeset`,
      );
    }
  }
  return `the pending changesets plan ${planned.map((r) => `${r.name} ${r.oldVersion} → ${r.newVersion}`).join(', ') || 'nothing'}: no transport major, no private package`;
}

let failed = false;
for (const check of [coreMinorOnly, redisPatchOnly, pendingPlan]) {
  try {
    console.log(`ok versioning: ${await check()}`);
  } catch (error) {
    failed = true;
    const message =
      error instanceof CheckError ? error.message : `${check.name}: ${error.stderr || error.stack || error}`;
    console.error(`FAIL versioning: ${message}`);
  }
}
process.exit(failed ? 1 : 0);
