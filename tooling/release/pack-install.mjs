#!/usr/bin/env node
// CI stage "the user's path" (issue 14): builds, packs every published package
// as the release does (pnpm pack), installs the tarballs with npm into a fresh
// project outside the workspace, and there runs an ESM script and a CJS
// script that load every entry point and do a small real thing, TypeScript
// checks of a consumer under moduleResolution node16 (import and require) and
// bundler, a mixed ESM/CJS app, and the transport template (its own
// test-from-tarball.sh) when examples/transport-template exists. Prints one line per check; exits 1 when
// any fails (the project is kept for inspection then).
import { spawnSync } from 'node:child_process';
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
import { describePack, isDir, packPublic } from './pack.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = join(root, 'tooling/release/user-app');
const template = join(root, 'examples/transport-template');
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const started = Date.now();
const failures = [];

// The user's environment: nothing from pnpm, turbo or the workspace's node options.
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^(npm_|pnpm_|PNPM_|TURBO_|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$)/i.test(key),
  ),
);
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', '--no-update-notifier'];

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
function ok(what) {
  console.log(`ok pack-install: ${what}`);
}
function fail(what, detail) {
  failures.push(what);
  console.log(`FAIL pack-install: ${what}${detail ? `\n${String(detail).trim().replace(/^/gm, '    ')}` : ''}`);
}

/** Runs a command; returns its output, or records a failure (with the output) and returns null. */
function run(what, command, args, { cwd, timeoutMs = 120_000, env = userEnv, quiet = false } = {}) {
  const t0 = Date.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error?.code === 'ETIMEDOUT' || result.signal === 'SIGKILL') {
    fail(what, `did not exit by itself within ${seconds(timeoutMs)} (an open handle keeps it alive?)\n${output}`);
    return null;
  }
  if (result.status !== 0) {
    fail(what, `${command} ${args.join(' ')} exited with ${result.status ?? result.signal}\n${output}`);
    return null;
  }
  if (!quiet) ok(`${what} (${seconds(Date.now() - t0)})`);
  return output;
}

/** Prints the lines a script printed about its own checks (`ok ...`, `FAIL ...`, or those `pattern` matches), indented. */
function echoChecks(output, pattern = /^(ok|FAIL) /) {
  for (const line of (output ?? '').split('\n')) if (pattern.test(line)) console.log(`    ${line}`);
}

// 1. Build (cached by turbo when `pnpm test` has just built).
run('build', 'pnpm', ['exec', 'turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], {
  cwd: root,
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
  timeoutMs: 600_000,
});

// 2. Pack as the release does, and check each tarball.
const packDir = mkdtempSync(join(tmpdir(), 'logq-packs-'));
const app = mkdtempSync(join(tmpdir(), 'logq-user-app-'));
let packs = [];
try {
  packs = packPublic({ root, outDir: packDir });
  for (const pack of packs) {
    if (pack.problems.length === 0) ok(`packed ${describePack(pack)}`);
    else fail(`packed ${pack.name}@${pack.version}`, pack.problems.join('\n'));
  }
} catch (error) {
  fail('pack every published package', error.message);
}

if (packs.length > 0) {
  // 3. A fresh npm project outside the workspace, with the tarballs installed.
  if (!relative(root, app).startsWith('..')) throw new Error(`the user project ${app} is inside the workspace`);
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'logq-user-app', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  cpSync(fixtures, app, { recursive: true });
  const consumer = readFileSync(join(app, 'consumer.ts'), 'utf8');
  for (const name of ['consumer.mts', 'consumer.cts', 'consumer-bundler.ts']) writeFileSync(join(app, name), consumer);
  rmSync(join(app, 'consumer.ts'));

  const installed = run(
    `npm install of ${packs.length} tarballs (peers from the registry)`,
    'npm',
    ['install', ...NPM_FLAGS, ...packs.map((pack) => pack.tarball), '@types/node@20'],
    { cwd: app, timeoutMs: 300_000 },
  );
  if (installed !== null) {
    const versionOf = (name) => {
      try {
        return JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')).version;
      } catch {
        return null;
      }
    };
    const manifests = packs.map((pack) =>
      JSON.parse(readFileSync(join(dirname(pack.tarball), 'unpacked/package/package.json'), 'utf8')),
    );
    const optional = new Set(
      manifests.flatMap((m) =>
        Object.keys(m.peerDependenciesMeta ?? {}).filter((name) => m.peerDependenciesMeta[name].optional),
      ),
    );
    const peers = [...new Set(manifests.flatMap((m) => Object.keys(m.peerDependencies ?? {})))]
      .filter((name) => !name.startsWith('@logq/'))
      .map(
        (name) =>
          `${name}@${versionOf(name) ?? (optional.has(name) ? '(optional, not installed)' : '(NOT INSTALLED)')}`,
      );
    console.log(`    installed peers: ${peers.join(', ')}`);

    // 4. ESM and CJS scripts.
    echoChecks(
      run('ESM script: import of every entry point, a real thing with each package', process.execPath, ['esm.mjs'], {
        cwd: app,
        timeoutMs: 90_000,
      }),
    );
    echoChecks(
      run('CJS script: require of every entry point, a real thing with each package', process.execPath, ['cjs.cjs'], {
        cwd: app,
        timeoutMs: 90_000,
      }),
    );

    // 5. TypeScript consumers.
    typecheck(
      'TypeScript, moduleResolution node16 (consumer.mts through import, consumer.cts through require)',
      'tsconfig.node16.json',
    );
    typecheck('TypeScript, moduleResolution bundler (consumer-bundler.ts)', 'tsconfig.bundler.json');

    // 6. Mixed ESM/CJS app: one core.
    echoChecks(run('mixed ESM/CJS app', process.execPath, ['mixed/app.mjs'], { cwd: app, timeoutMs: 60_000 }) ?? '');

    // 7. The third-party transport template, from its tarball.
    if (isDir(template)) testTemplate(packs);
    else console.log('    (no examples/transport-template in this checkout)');
  }
}

/**
 * Type-checks the consumer with `skipLibCheck: false`, so that logq's own
 * declaration files are checked too. Errors in other packages' declarations
 * (a peer's types) are printed as notes: they are not logq's to fix.
 */
function typecheck(what, tsconfig) {
  const t0 = Date.now();
  const result = spawnSync(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], {
    cwd: app,
    env: userEnv,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const errors = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').filter((line) => /error TS\d+/.test(line));
  const theirs = errors.filter((line) => /^node_modules\//.test(line) && !/^node_modules\/@logq\//.test(line));
  const ours = errors.filter((line) => !theirs.includes(line));
  if (result.status !== 0 && errors.length === 0)
    fail(what, `tsc exited with ${result.status ?? result.signal}\n${result.stdout}${result.stderr}`);
  else if (ours.length > 0) fail(what, ours.join('\n'));
  else ok(`${what} (${seconds(Date.now() - t0)})`);
  for (const line of theirs) console.log(`    note, in a dependency's own types: ${line}`);
}

/**
 * The third-party transport template tests itself as its users get it, through
 * its own script (examples/transport-template/test-from-tarball.sh, given the
 * folder holding the packed @logq/core): @logq/core from the tarball, npm
 * install, type-check, build, its conformance run, then its own tarball
 * installed into a fresh project and used through `import` and `require`.
 * Then its tests run once more from its unpacked tarball (which carries
 * test/), with the dependencies that script installed.
 */
function testTemplate(packs) {
  const script = join(template, 'test-from-tarball.sh');
  const core = packs.find((pack) => pack.name === '@logq/core');
  if (!existsSync(script)) {
    fail(
      'transport template',
      `${relative(root, template)} exists but has no test-from-tarball.sh to test it from the tarballs`,
    );
    return;
  }
  if (!core) {
    fail('transport template', 'no @logq/core tarball to test it with');
    return;
  }
  const what = 'transport template: its conformance run and its tarball in a fresh project (test-from-tarball.sh)';
  const t0 = Date.now();
  const result = spawnSync('bash', [script, dirname(core.tarball)], {
    cwd: app,
    env: { ...userEnv, LOGQ_KEEP_TMP: '1' },
    encoding: 'utf8',
    timeout: 240_000,
    killSignal: 'SIGKILL',
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const kept = /^test-from-tarball: kept (\S+)$/m.exec(output)?.[1];
  try {
    if (result.status !== 0) {
      fail(what, `exited with ${result.status ?? result.signal}\n${output}`);
      return;
    }
    ok(`${what} (${seconds(Date.now() - t0)})`);
    echoChecks(output, /^(test-from-tarball: (?!kept)|ESM ok|CJS ok|# (tests|pass|fail) )/);
    const tarball = kept && existsSync(kept) ? readdirSync(kept).find((file) => file.endsWith('.tgz')) : undefined;
    if (!tarball || !existsSync(join(kept, 'template/node_modules'))) {
      fail(
        'transport template: npm test from its tarball',
        `test-from-tarball.sh left no tarball and template/node_modules in ${kept}`,
      );
      return;
    }
    const unpacked = join(kept, 'from-tarball');
    mkdirSync(unpacked);
    const untar = spawnSync('tar', ['-xzf', join(kept, tarball), '-C', unpacked], { encoding: 'utf8' });
    if (untar.status !== 0) {
      fail('transport template: unpack its tarball', untar.stderr);
      return;
    }
    symlinkSync(join(kept, 'template/node_modules'), join(unpacked, 'package/node_modules'), 'dir');
    echoChecks(
      run(`transport template: npm test from its unpacked tarball (${tarball})`, 'npm', ['test'], {
        cwd: join(unpacked, 'package'),
        timeoutMs: 120_000,
      }),
      /^# (tests|pass|fail) /,
    );
  } finally {
    if (kept) rmSync(kept, { recursive: true, force: true });
  }
}

rmSync(packDir, { recursive: true, force: true });
if (failures.length === 0) {
  rmSync(app, { recursive: true, force: true });
  console.log(`pack-install: all checks passed in ${seconds(Date.now() - started)}`);
} else {
  console.log(
    `pack-install: ${failures.length} check(s) FAILED in ${seconds(Date.now() - started)}; the user project is kept in ${app}`,
  );
}
process.exit(failures.length === 0 ? 0 : 1);
