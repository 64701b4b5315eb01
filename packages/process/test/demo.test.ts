// Runs the README's demo (examples/demo/main.mjs) end to end, as `pnpm demo` does, and checks its summary.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(process.cwd(), '..', '..');

jest.setTimeout(240_000);

beforeAll(async () => {
  // The demo imports the built packages by name, as a user's program would. The workspace test run
  // builds them before this test (turbo: @logq/process#test depends on the builds); when jest is run
  // by hand on a fresh tree, build them here. Never rebuild otherwise: other tasks read dist/ meanwhile.
  const built = ['core', 'process'].every((p) => existsSync(join(root, 'packages', p, 'dist/esm/index.js')));
  if (!built)
    await run('pnpm', ['--filter', '@logq/core', '--filter', '@logq/process', 'build'], {
      cwd: root,
      timeout: 200_000,
    });
});

test('the demo runs by itself and its summary adds up', async () => {
  const started = Date.now();
  const { stdout } = await run(process.execPath, [join(root, 'examples/demo/main.mjs')], {
    cwd: root,
    timeout: 60_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(stdout).not.toMatch(/\x1b\[/); // no colours when stdout is not a terminal
  const summary = /Summary: (\d+) records from 4 workers and the parent/.exec(stdout);
  expect(summary).not.toBeNull();
  const total = Number(summary![1]);
  const rows = new Map<string, number[]>();
  for (const line of stdout.split('\n')) {
    const m = /^(demo\.\w+)((?:\s+\d+){8})$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!.trim().split(/\s+/).map(Number));
  }
  expect([...rows.keys()].sort()).toEqual(['demo.billing', 'demo.mailer', 'demo.main', 'demo.orders', 'demo.reports']);
  // TRACE DEBUG INFO NOTICE WARNING ERROR CRITICAL total: every worker logged at every level it was meant to.
  for (const name of ['demo.billing', 'demo.mailer', 'demo.orders']) {
    const [trace, debug, info, notice, , error, , sum] = rows.get(name)!;
    expect({ name, trace, debug, notice, error }).toEqual({ name, trace: info, debug: info, notice: 2, error: 1 });
    expect(sum).toBeGreaterThan(15);
  }
  // The crashing worker's records up to its CRITICAL arrived; the parent noticed the crash.
  expect(rows.get('demo.reports')![6]).toBe(1);
  expect(stdout).toMatch(
    /ERROR\s+demo\.main\[\d+\]\s+reports crashed \(exit code 1\): Error: simulated crash in reports at job 4/,
  );
  expect([...rows.values()].reduce((a, r) => a + r[7]!, 0)).toBe(total);
  // The JSON-lines file holds every record, each a Logbook dict.
  const file = /as JSON lines: (.+\.jsonl)$/m.exec(stdout)![1]!;
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  rmSync(file);
  expect(lines).toHaveLength(total);
  const dicts = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const levels = new Set(dicts.map((d) => d.level as number));
  // Records that crossed the pipe as dicts keep every field (here: the exception of a worker's ERROR).
  const failed = dicts.find((d) => d.channel === 'demo.billing' && d.level === 14)!;
  expect(failed).toMatchObject({
    exception_name: 'SyntaxError',
    msg: 'job {} could not read its input',
    args: [3],
    message: 'job 3 could not read its input',
  });
  expect(failed.formatted_exception).toMatch(/^SyntaxError: .*\n\s+at JSON\.parse/);
  expect(typeof failed.process).toBe('number');
  expect(failed.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  expect([...levels].sort((a, b) => a - b)).toEqual([9, 10, 11, 12, 13, 14, 15]);
});
