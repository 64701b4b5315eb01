import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Logger, type Handler } from '@logq/core';
import { StreamChannelHandler } from '@logq/process';
import { RedisQueueHandler } from '@logq/redis';
import { freePort, useRedis, type UsedService } from '@logq/services';
import { ZeroMQHandler } from '@logq/zeromq';
import { BIN, lines, PACKAGE_DIR, startLogq, STACK_LINE, type Logq } from './helpers.js';

/** Logs a fixed set of records through `handler` and waits until it delivered them. */
async function logSample(handler: Handler): Promise<void> {
  const app = new Logger('app.web', { handlers: [handler] });
  const db = new Logger('app.db', { handlers: [handler] });
  const other = new Logger('other', { handlers: [handler] });
  app.info('request {} served', 1);
  app.warning('slow request {}', 2);
  db.debug('query took {} ms', 3);
  other.error('not an app record');
  try {
    JSON.parse('{"unterminated');
  } catch (error) {
    db.exception('could not parse {}', error, 'payload');
  }
  app.critical('disk full');
  await handler.flush();
}

async function interrupt(logq: Logq): Promise<number> {
  logq.child.kill('SIGINT');
  return logq.exited;
}

describe('logq tail', () => {
  it('stream+tcp://: readable lines, --level and --channel filters, traceback indented, summary on SIGINT, exit 0', async () => {
    const uri = `stream+tcp://127.0.0.1:${await freePort()}`;
    const logq = startLogq(['tail', uri, '--level', 'warning', '--channel', 'app.*']);
    await logq.waitForStderr((text) => text.includes('reading'));
    const handler = new StreamChannelHandler(uri);
    try {
      await logSample(handler);
    } finally {
      await handler.close();
    }
    await logq.waitForStdout((text) => text.includes('disk full'));
    expect(await interrupt(logq)).toBe(0);
    const out = lines(logq.stdout());
    // WARNING and above, app.* only: slow request, the exception, disk full; not info, debug, nor `other`.
    expect(out.filter((line) => /^\d\d:\d\d:\d\d\.\d{3} /.test(line)).map((line) => line.slice(13))).toEqual([
      expect.stringMatching(/^WARNING {2}app\.web\[\d+\]\s+slow request 2$/),
      expect.stringMatching(/^ERROR {4}app\.db\[\d+\]\s+could not parse payload$/),
      expect.stringMatching(/^CRITICAL app\.web\[\d+\]\s+disk full$/),
    ]);
    const exceptionAt = out.findIndex((line) => line.includes('could not parse payload'));
    expect(out[exceptionAt + 1]).toMatch(/^ {13}└ SyntaxError: /);
    expect(out[exceptionAt + 2]).toMatch(/^ {15}\s*at /); // the stack, indented under it (its "Name: message" line is the one above)
    expect(logq.stdout()).not.toContain('\x1b['); // not a terminal: no colours
    const err = logq.stderr();
    expect(err).toMatch(/3 records in [\d.]+ s \(3 more filtered out\)/);
    expect(err).toMatch(/^app\.db +0 +0 +0 +0 +0 +1 +0 +1$/m);
    expect(err).toMatch(/^app\.web +0 +0 +0 +0 +1 +0 +1 +2$/m);
    expect(err).not.toMatch(/^other/m);
    expect(err).not.toMatch(STACK_LINE);
  });

  describe('on redis://', () => {
    let redis: UsedService;
    beforeAll(async () => {
      redis = await useRedis();
    });
    afterAll(() => redis.stop());

    it('--json prints the wire dict per line; --grep filters', async () => {
      const key = `tail-json-${process.pid}`;
      const handler = new RedisQueueHandler(redis.url, { key });
      const logger = new Logger('svc', { handlers: [handler] });
      for (let i = 0; i < 20; i++) logger.info('item {} {}', i, i % 2 === 0 ? 'even' : 'odd');
      await handler.close();
      const logq = startLogq(['tail', redis.url, '--queue', key, '--json', '--grep', 'even']);
      await logq.waitForStdout((text) => lines(text).length === 10);
      expect(await interrupt(logq)).toBe(0);
      const dicts = lines(logq.stdout()).map((line) => JSON.parse(line));
      expect(dicts.map((d) => d.message)).toEqual(Array.from({ length: 10 }, (_, i) => `item ${i * 2} even`));
      for (const d of dicts) {
        expect(d).toMatchObject({ channel: 'svc', level: 11, msg: 'item {} {}', process: expect.any(Number) });
        expect(d.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      }
      expect(logq.stderr()).toMatch(/10 records in [\d.]+ s \(10 more filtered out\)/);
    });

    it('retries an unreachable Redis with a clear message and no stack trace, then shows records once it is up', async () => {
      const port = await freePort();
      const url = `redis://:s3cret@127.0.0.1:${port}`;
      const logq = startLogq(['tail', url, '--queue', 'late']);
      await logq.waitForStderr(
        (text) =>
          /127\.0\.0\.1:\d+/.test(text) && /ECONNREFUSED|connect|retry/i.test(text.split('\n').slice(1).join('\n')),
      );
      const late = await useRedis({ port });
      try {
        const handler = new RedisQueueHandler(`redis://127.0.0.1:${port}`, { key: 'late' });
        new Logger('late', { handlers: [handler] }).warning('finally up');
        await handler.close();
        await logq.waitForStdout((text) => text.includes('finally up'));
        expect(await interrupt(logq)).toBe(0);
        expect(logq.stderr()).not.toMatch(STACK_LINE);
        expect(logq.stderr()).not.toContain('s3cret');
      } finally {
        if (logq.child.exitCode === null) logq.child.kill('SIGKILL');
        await late.stop();
      }
    });
  });

  it('zeromq tcp:// with --multi: records from PUSH handlers', async () => {
    const uri = `tcp://127.0.0.1:${await freePort()}`;
    const logq = startLogq(['tail', uri, '--multi', '--channel', 'zmq.*']);
    await logq.waitForStderr((text) => text.includes('reading'));
    const handler = new ZeroMQHandler(uri, { multi: true });
    const logger = new Logger('zmq.worker', { handlers: [handler] });
    for (let i = 0; i < 50; i++) logger.notice('zmq record {}', i);
    await handler.flush();
    await logq.waitForStdout((text) => text.includes('zmq record 49'));
    await handler.close();
    expect(await interrupt(logq)).toBe(0);
    const shown = lines(logq.stdout()).map((line) => /zmq record (\d+)$/.exec(line)?.[1]);
    expect(shown).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(logq.stderr()).toMatch(/^zmq\.worker +0 +0 +0 +50 +0 +0 +0 +50$/m);
  });

  it('--require loads a third-party transport plugin', async () => {
    const port = await freePort();
    const logq = startLogq(['tail', `relay://127.0.0.1:${port}`, '--require', './test/fixtures/relay-plugin.mjs']);
    await logq.waitForStderr((text) => text.includes('reading'));
    const handler = new StreamChannelHandler(`stream+tcp://127.0.0.1:${port}`);
    new Logger('plugin', { handlers: [handler] }).info('through the plugin');
    await handler.close();
    await logq.waitForStdout((text) => text.includes('through the plugin'));
    expect(await interrupt(logq)).toBe(0);
  });

  describe('colours, on a real terminal (script(1) gives logq a pty; Ctrl-C typed into it)', () => {
    async function tailOnTerminal(env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
      const uri = `stream+tcp://127.0.0.1:${await freePort()}`;
      const command = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} tail ${uri}`;
      const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
      delete childEnv.FORCE_COLOR;
      if (env.NO_COLOR === undefined) delete childEnv.NO_COLOR;
      const script = spawn('script', ['-qefc', command, '/dev/null'], {
        cwd: PACKAGE_DIR,
        env: childEnv,
        stdio: 'pipe',
      });
      let output = '';
      let wake = (): void => {};
      script.stdout.setEncoding('utf8').on('data', (text: string) => ((output += text), wake()));
      const until = async (check: () => boolean): Promise<void> => {
        while (!check()) await new Promise<void>((resolve) => (wake = resolve));
      };
      const exited = once(script, 'close');
      await until(() => output.includes('reading'));
      const handler = new StreamChannelHandler(uri);
      new Logger('tty', { handlers: [handler] }).warning('painted');
      await handler.close();
      await until(() => output.includes('painted'));
      script.stdin.write('\x03'); // Ctrl-C: the terminal sends SIGINT to logq
      const [code] = await exited;
      return { code: code as number, output };
    }

    it('colours the level on a terminal', async () => {
      const { code, output } = await tailOnTerminal({});
      expect(code).toBe(0);
      expect(output).toContain('\x1b[33mWARNING \x1b[0m');
      expect(output).toMatch(/1 records in/);
    });

    it('never with NO_COLOR', async () => {
      const { code, output } = await tailOnTerminal({ NO_COLOR: '1' });
      expect(code).toBe(0);
      expect(output).toMatch(/WARNING +tty\[\d+\] +painted/);
      expect(output).not.toContain('\x1b[3');
    });
  });
});
