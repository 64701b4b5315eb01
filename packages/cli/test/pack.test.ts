import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, makeTempDir, removeTempDir } from '@logq/services';
import { PACKAGE_DIR, STACK_LINE } from './helpers.js';

const execFileAsync = promisify(execFile);
/**
 * A user's environment: none of the npm_* variables that `npx jest`/`pnpm test` set (they point npm at this
 * package), and no NODE_PATH (pnpm's jest shim sets one that reaches every package of the workspace).
 */
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_PATH'),
);
const run = (file: string, args: string[], options: { cwd: string }) =>
  execFileAsync(file, args, { ...options, env: userEnv });
const packages = join(PACKAGE_DIR, '..');

/**
 * What a user gets from the registry: the tarballs of @logq/core, @logq/process and @logq/cli
 * (`pnpm pack`, as published) installed with npm into a fresh project outside the workspace.
 */
describe('@logq/cli from its tarball in a fresh npm project', () => {
  let dir: string;
  let app: string;
  beforeAll(async () => {
    dir = makeTempDir('cli-pack');
    for (const name of ['core', 'process', 'cli'])
      await run('pnpm', ['pack', '--pack-destination', dir], { cwd: join(packages, name) });
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }));
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--offline', '../logq-core-0.1.0.tgz', '../logq-cli-0.1.0.tgz'],
      { cwd: app },
    );
  }, 180_000);
  afterAll(() => removeTempDir(dir));

  const npx = (args: string[]) =>
    run('npx', ['--no-install', 'logq', ...args], { cwd: app }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        stdout: error.stdout,
        stderr: error.stderr,
      }),
    );

  it('npx logq --help works', async () => {
    const result = await npx(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: logq <command>/);
  }, 60_000);

  it('a transport not installed yet: exit 1 naming the package; once installed, npx logq finds it in the project', async () => {
    const missing = await npx(['send', 'stream+tcp://127.0.0.1:1', 'hi']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('npm install @logq/process');
    expect(missing.stderr).not.toMatch(STACK_LINE);

    await run('npm', ['install', '--no-audit', '--no-fund', '--offline', '../logq-process-0.1.0.tgz'], { cwd: app });
    const uri = `stream+tcp://127.0.0.1:${await freePort()}`;
    // The bin link npm made (what npx runs), spawned directly so that SIGINT reaches logq itself.
    const tail = spawn(join(app, 'node_modules', '.bin', 'logq'), ['tail', uri], {
      cwd: app,
      stdio: 'pipe',
      env: userEnv,
    });
    let out = '';
    const shown = new Promise<void>((resolve) =>
      tail.stdout.setEncoding('utf8').on('data', (text: string) => {
        out += text;
        if (out.includes('from the tarball')) resolve();
      }),
    );
    const exited = once(tail, 'close');
    try {
      const sent = await npx(['send', uri, 'from the tarball', '--channel', 'fresh']);
      expect(sent.stderr).toContain('1 of 1 delivered');
      expect(sent.code).toBe(0);
      await shown;
      expect(out).toMatch(/INFO {5}fresh\[\d+\] +from the tarball/);
    } finally {
      tail.kill('SIGINT');
      await exited;
    }
  }, 120_000);
});
