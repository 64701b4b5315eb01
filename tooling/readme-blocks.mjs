#!/usr/bin/env node
// Runs the code blocks of the READMEs as a user who copies them would: every ```ts, ```js, ```mjs and
// ```cjs block of README.md and packages/*/README.md is type-checked (tsc, strict; JavaScript with checkJs)
// and run on this Node (TypeScript through tsx), against real brokers where it needs one, and must exit
// by itself, with status 0, within the timeout. `pnpm test` runs it after turbo has built every package
// (it imports the packages' dist, as users do).
//
//   node tooling/readme-blocks.mjs [README.md ...]     (default: README.md and packages/*/README.md)
//   LOGQ_README_BLOCK_TIMEOUT_MS   per block, default 60000
//   LOGQ_KEEP_TMP=1                keeps the folders the blocks ran in
//   LOGQ_REDIS_URL, LOGQ_AMQP_URL, LOGQ_MONGO_URL   use these brokers instead of starting them
//
// Where a block runs: its README's blocks are written to <package>/.logq-tmp/readme-blocks/<readme>/, in the
// README's own package (the root README: the first package whose node_modules has everything its blocks
// import), so that `@logq/*` and client libraries resolve as in an application. Each block runs with an
// empty working directory of its own (not the blocks' folder): a block must find its sibling files from
// its own location (`new URL('./child.mjs', import.meta.url)`), not from wherever it is started. A block whose first line is
// a comment naming a file (`// child.mjs`, `// publisher.ts — …`) is written under that name, so blocks can
// import or fork each other; others are block-<line>.<ext> (```js and ```mjs → .mjs, ```cjs → .cjs, ```ts → .ts).
//
// Brokers: a README whose blocks name redis://, amqp:// or mongodb:// URIs gets a real Redis, RabbitMQ or
// FerretDB from @logq/services (started once, stopped at the end). Rewrite rule, applied to the blocks'
// text before anything runs: in a redis(s)://, amqp(s):// or mongodb:// URI on a loopback host (localhost,
// 127.0.0.1, [::1]), the scheme and authority (user:password@host:port) become the test broker's and the
// path stays; `port: 6379`, `port: 5672`, `port: 27017` become the test broker's port; and each
// tcp://<loopback>:<port> gets a free port (the same port in one README maps to the same free port).
//
// Markers: an HTML comment on the line(s) just before a block changes how it is treated.
//   <!-- readme-blocks: fragment -->   only type-checked: a piece of a program (use sparingly: users copy these)
//   <!-- readme-blocks: file -->       written out for the other blocks (imported or forked by one), not run alone
//   <!-- readme-blocks: expect="text" -->   its output (stdout and stderr) must include `text` (a block that
//                                      exits 0 having done nothing fails)
//   <!-- readme-blocks: server stop=SIGINT expect="text" -->
//                                      started before the README's other blocks and left running while they
//                                      run; then (once its output holds `text`, when given) sent the signal,
//                                      after which it must exit by itself with status 0
//   <!-- readme-blocks: not-node <what it is> -->   not Node code (e.g. a mongo shell query): left alone
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireFromServices = createRequire(join(root, 'tooling/services/package.json'));
const tsxDir = dirname(requireFromServices.resolve('tsx/package.json'));
const tsxLoader = pathToFileURL(join(tsxDir, 'dist/loader.mjs')).href;
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const timeoutMs = Number(process.env.LOGQ_README_BLOCK_TIMEOUT_MS ?? 60_000);
const keep = process.env.LOGQ_KEEP_TMP === '1';

const LANGS = { ts: 'ts', typescript: 'ts', js: 'mjs', javascript: 'mjs', mjs: 'mjs', cjs: 'cjs' };
const LOOPBACK = '(?:localhost|127\\.0\\.0\\.1|\\[::1\\])';
const BROKERS = [
  { kind: 'redis', schemes: ['redis', 'rediss'], port: 6379, start: 'useRedis' },
  { kind: 'amqp', schemes: ['amqp', 'amqps'], port: 5672, start: 'useRabbitMQ' },
  { kind: 'mongo', schemes: ['mongodb'], port: 27017, start: 'useFerretDB' },
];

/** The blocks of one README, with their markers. */
function parseReadme(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end < 0) break;
    const ext = LANGS[open[1].toLowerCase()];
    if (ext) {
      let marker = '';
      for (let j = i - 1; j >= 0 && (lines[j].trim() === '' || lines[j].includes('readme-blocks:')); j--) {
        const m = /<!--\s*readme-blocks:\s*(.*?)\s*-->/.exec(lines[j]);
        if (m) marker = m[1];
      }
      const code = lines.slice(i + 1, end).join('\n') + '\n';
      const named = /^\/\/\s*([\w.-]+\.(?:mjs|cjs|js|ts|mts|cts))\b/.exec(code);
      const server = /^server\b/.test(marker) ? { signal: /stop=(\w+)/.exec(marker)?.[1] ?? 'SIGINT' } : null;
      blocks.push({
        readme: relative(root, path),
        line: i + 1,
        firstCodeLine: i + 2,
        ext,
        code,
        file: named ? named[1] : `block-${i + 1}.${ext}`,
        kind: server ? 'server' : (['fragment', 'file', 'not-node'].find((k) => marker.startsWith(k)) ?? 'run'),
        server,
        expect: /expect="([^"]*)"/.exec(marker)?.[1],
      });
    }
    i = end;
  }
  return blocks;
}

/** Bare package names a block imports or requires. */
function importsOf(code) {
  const names = new Set();
  for (const m of code.matchAll(/(?:from\s+|import\s*\(?\s*|require\s*\(\s*)['"]([^'"./][^'"]*)['"]/g)) {
    if (m[1].startsWith('node:')) continue;
    const parts = m[1].split('/');
    names.add(m[1].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return names;
}

/** The workspace package to run a README's blocks in: its own, else the first that resolves every import. */
function runDirFor(readme, blocks) {
  const wanted = new Set(blocks.flatMap((b) => [...importsOf(b.code)]));
  const own = dirname(join(root, readme));
  const candidates = [own, ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p))];
  for (const dir of candidates) {
    if (!existsSync(join(dir, 'package.json'))) continue;
    const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
    if ([...wanted].every((spec) => spec === name || existsSync(join(dir, 'node_modules', spec)))) return dir;
  }
  throw new Error(`no workspace package resolves every import of ${readme}'s blocks: ${[...wanted].join(', ')}`);
}

let services = null;

/** @logq/services (TypeScript sources), through tsx. */
async function loadServices() {
  const { tsImport } = await import(pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href);
  return tsImport(pathToFileURL(join(root, 'tooling/services/src/index.ts')).href, import.meta.url);
}
const brokers = new Map();
const started = [];

/** The test broker of a kind, started on first use. */
async function broker(kind) {
  if (!brokers.has(kind)) {
    services ??= await loadServices();
    const spec = BROKERS.find((b) => b.kind === kind);
    brokers.set(
      kind,
      services[spec.start]().then((used) => (started.push(used), used)),
    );
  }
  return brokers.get(kind);
}

/** Applies the rewrite rule (see the header) to every block of one README. */
async function rewrite(blocks) {
  const tcpPorts = new Map();
  for (const spec of BROKERS) {
    const uri = new RegExp(`\\b(?:${spec.schemes.join('|')})://(?:[^@/\\s'"\`]*@)?${LOOPBACK}(?::\\d+)?`, 'g');
    const port = new RegExp(`\\bport:\\s*${spec.port}\\b`, 'g');
    if (!blocks.some((b) => b.kind !== 'not-node' && (uri.test(b.code) || port.test(b.code)))) continue;
    const used = await broker(spec.kind);
    const test = new URL(used.url);
    const authority = `${test.protocol}//${test.username ? `${test.username}${test.password ? `:${test.password}` : ''}@` : ''}${test.host}`;
    for (const b of blocks) b.code = b.code.replace(uri, authority).replace(port, `port: ${used.port}`);
  }
  for (const b of blocks) {
    const matches = [...b.code.matchAll(new RegExp(`tcp://${LOOPBACK}:(\\d+)`, 'g'))];
    for (const m of matches) if (!tcpPorts.has(m[1])) tcpPorts.set(m[1], null);
  }
  if (tcpPorts.size > 0) {
    services ??= await loadServices();
    const free = await services.freePorts(tcpPorts.size);
    [...tcpPorts.keys()].forEach((port, i) => {
      tcpPorts.set(port, free[i]);
    });
    for (const b of blocks)
      b.code = b.code.replace(
        new RegExp(`(tcp://${LOOPBACK}):(\\d+)`, 'g'),
        (_, host, port) => `${host}:${tcpPorts.get(port)}`,
      );
  }
}

/** Type-checks the README's blocks in `dir` in one tsc run; returns the errors of each file. */
function typecheck(dir, blocks) {
  const files = blocks.filter((b) => b.kind !== 'not-node').map((b) => b.file);
  if (files.length === 0) return new Map();
  const options = {
    target: 'ES2022',
    lib: ['ES2023', 'ESNext.Disposable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    allowJs: true,
    checkJs: true,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files }, null, 2));
  const out = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const errors = new Map();
  for (const line of `${out.stdout}${out.stderr}`.split('\n')) {
    const m = /^([^(\s]+)\((\d+),(\d+)\): (error .*)$/.exec(line);
    if (!m) continue;
    const list = errors.get(m[1]) ?? [];
    list.push({ line: Number(m[2]), text: m[4] });
    errors.set(m[1], list);
  }
  if (out.status !== 0 && errors.size === 0)
    errors.set('*', [{ line: 0, text: `tsc failed: ${out.stdout}${out.stderr}` }]);
  return errors;
}

/**
 * Starts a block in its own process group, collecting its output. Its working directory is an empty
 * folder beside the blocks, so a block that finds its sibling files through the working directory
 * (`fork('./child.mjs')`) fails, as it would for a user who starts it from elsewhere.
 */
function start(dir, block) {
  const file = join(dir, block.file);
  const args = block.ext === 'ts' ? ['--import', tsxLoader, file] : [file];
  const cwd = join(dir, 'cwd');
  mkdirSync(cwd, { recursive: true });
  const child = spawn(process.execPath, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { child, stdout: '', stderr: '', exit: null };
  child.stdout.on('data', (d) => (run.stdout += d));
  child.stderr.on('data', (d) => (run.stderr += d));
  run.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((run.exit = { code, signal }))));
  return run;
}

/** Waits for the block to exit by itself; kills its process group and fails when it outlives `ms`. */
async function finish(run, ms) {
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  const exit = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  if (exit) return exit.code === 0 ? null : `exited with ${exit.code ?? exit.signal}`;
  try {
    process.kill(-run.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await run.exited;
  return `still running after ${ms} ms (a block must exit by itself: close what it opened)`;
}

async function waitForOutput(run, text, ms) {
  const deadline = Date.now() + ms;
  const output = () => run.stdout + run.stderr;
  while (!output().includes(text) && run.exit === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  return output().includes(text);
}

const results = [];
function report(block, problem, run) {
  const where = `${block.readme}:${block.line}`;
  const output = problem && run ? `${run.stdout}${run.stderr}`.trim() : '';
  results.push({ where, ok: !problem, file: block.file, problem, tail: output.split('\n').slice(-10).join('\n') });
  if (!problem) {
    console.log(`ok    ${where} ${block.file} (${block.kind})`);
    return;
  }
  console.log(`FAIL  ${where} ${block.file} (${block.kind}): ${problem}`);
  if (output)
    console.log(
      output
        .split('\n')
        .slice(-25)
        .map((l) => `      | ${l}`)
        .join('\n'),
    );
}

async function runReadme(readme) {
  const blocks = parseReadme(join(root, readme));
  if (blocks.length === 0) return;
  let dir;
  try {
    dir = join(runDirFor(readme, blocks), '.logq-tmp', 'readme-blocks', readme.replace(/[/.]/g, '_'));
    await rewrite(blocks);
  } catch (error) {
    for (const b of blocks) report(b, String(error?.message ?? error));
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const b of blocks) writeFileSync(join(dir, b.file), b.code);
  const errors = typecheck(dir, blocks);
  const typeProblem = (b) => {
    const list = [...(errors.get(b.file) ?? []), ...(errors.get('*') ?? [])];
    return list.length === 0
      ? null
      : `does not type-check:\n${list.map((e) => `      ${b.readme}:${b.firstCodeLine + e.line - 1}: ${e.text}`).join('\n')}`;
  };
  const servers = [];
  for (const b of blocks.filter((b) => b.kind === 'server')) {
    const problem = typeProblem(b);
    if (problem) report(b, problem);
    else servers.push({ block: b, run: start(dir, b) });
  }
  for (const b of blocks) {
    if (b.kind === 'server') continue;
    if (b.kind === 'not-node') {
      console.log(`--    ${b.readme}:${b.line} not Node code, left alone`);
      continue;
    }
    const problem = typeProblem(b);
    if (problem || b.kind !== 'run') {
      report(b, problem);
      continue;
    }
    const run = start(dir, b);
    const exited = await finish(run, timeoutMs);
    const missing = b.expect !== undefined && !`${run.stdout}${run.stderr}`.includes(b.expect);
    report(b, exited ?? (missing ? `exited, but its output never included ${JSON.stringify(b.expect)}` : null), run);
  }
  for (const { block, run } of servers) {
    let problem = null;
    if (block.expect !== undefined && !(await waitForOutput(run, block.expect, timeoutMs))) {
      problem = `its output never included ${JSON.stringify(block.expect)}`;
    }
    if (run.exit === null) {
      try {
        process.kill(run.child.pid, block.server.signal);
      } catch {
        // exited meanwhile
      }
    } else if (!problem) {
      problem = `exited before it was stopped (${run.exit.code ?? run.exit.signal})`;
    }
    const ended = await finish(run, timeoutMs);
    report(block, problem ?? (ended ? `after ${block.server.signal}: ${ended}` : null), run);
  }
  if (!keep) {
    rmSync(dir, { recursive: true, force: true });
    // The folders above it, when nothing else is in them.
    for (const up of [dirname(dir), dirname(dirname(dir))])
      if (readdirSync(up).length === 0) rmSync(up, { recursive: true });
  }
}

const readmes =
  process.argv.length > 2
    ? process.argv.slice(2).map((p) => relative(root, join(process.cwd(), p)))
    : [
        'README.md',
        ...readdirSync(join(root, 'packages'))
          .map((p) => `packages/${p}/README.md`)
          .filter((p) => existsSync(join(root, p))),
      ];
let crashed = null;
try {
  for (const readme of readmes) await runReadme(readme);
} catch (error) {
  crashed = error;
  console.error('readme-blocks: crashed:', error);
} finally {
  for (const used of started) await used.stop().catch(() => {});
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (crashed ? 1 : 0);
// Totals for tooling/test.mjs, in the form its jest reporter leaves them.
if (process.env.LOGQ_TEST_RESULTS) {
  mkdirSync(process.env.LOGQ_TEST_RESULTS, { recursive: true });
  writeFileSync(
    join(process.env.LOGQ_TEST_RESULTS, `readme-blocks-${process.pid}.json`),
    JSON.stringify({
      package: 'readme-blocks',
      passed,
      failed,
      skipped: 0,
      failures: [
        ...results.filter((r) => !r.ok).map((r) => ({ file: r.where, test: r.file, error: `${r.problem}\n${r.tail}` })),
        ...(crashed
          ? [{ file: 'tooling/readme-blocks.mjs', test: '(crashed)', error: String(crashed?.stack ?? crashed) }]
          : []),
      ],
    }),
  );
}
console.log(`readme-blocks: ${passed} passed, ${failed} failed (${basename(root)}: ${readmes.length} READMEs)`);
process.exit(failed > 0 ? 1 : 0);
