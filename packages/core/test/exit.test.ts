/**
 * When an application's main returns, what it logged is delivered and the
 * process exits by itself, without installShutdownHooks(): the exit flush
 * (beforeExit) and the QueueHandler's keep-alive while flushing. The child's
 * transport behaves like a socket: its sends complete on unref'd timers, so
 * nothing but core keeps the child alive.
 */
import { lastJsonLine, runChild } from './child-node.js';

const transport = (answer: 'slowly' | 'never') => `
  import { writeSync } from 'node:fs';
  import { Level, LogRecord, configureExitFlush } from '@logq/core';
  import { QueueHandler } from '@logq/core/transport';
  const sink = [];
  const errors = [];
  class UnrefTransport extends QueueHandler {
    async connect() { await new Promise((resolve) => setTimeout(resolve, 20).unref()); }
    sendBatch(batch) {
      ${answer === 'never' ? 'return new Promise(() => {}); // a broker that never answers' : `return new Promise((resolve) => setTimeout(() => { sink.push(...batch); resolve(); }, 2).unref());`}
    }
    async disconnect() {}
  }
  process.on('exit', () => writeSync(1, JSON.stringify({ received: sink.length, sent: handler.stats.sent, dropped: handler.stats.dropped, errors }) + '\\n'));
  const handler = new UnrefTransport({ batchSize: 50, onError: (error) => errors.push(String(error.message)) });
`;

const log = `for (let i = 0; i < 1000; i++) handler.handle(new LogRecord({ channel: 'exit', level: Level.INFO, msg: 'r' + i }));`;

describe('exit flush: main returns, the process delivers and exits by itself', () => {
  it('delivers all 1,000 records and exits', async () => {
    const result = await runChild(`${transport('slowly')}\n${log}\n// main returns here`, 20_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(10_000);
    expect(lastJsonLine(result.stdout)).toEqual({ received: 1000, sent: 1000, dropped: 0, errors: [] });
  }, 30_000);

  it('with a broker that never answers: exits after the deadline, the loss counted and reported', async () => {
    const code = `${transport('never')}\nconfigureExitFlush({ timeoutMs: 1000 });\nconst t0 = Date.now();\nprocess.on('exit', () => writeSync(1, JSON.stringify({ waitedMs: Date.now() - t0 }) + '\\n'));\n${log}`;
    const result = await runChild(code, 20_000);
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(10_000);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const summary = lines.find((line) => 'received' in line);
    expect(summary).toMatchObject({ received: 0, sent: 0, dropped: 1000 });
    expect(summary?.errors).toEqual([
      'UnrefTransport closed with 1000 record(s) undelivered within the exit deadline of 1000 ms; counted as dropped',
    ]);
    expect(lastJsonLine(result.stdout).waitedMs).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it('SIGTERM with installShutdownHooks(): all 1,000 records delivered, then the signal ends the process', async () => {
    const code = `${transport('slowly')}
      import { installShutdownHooks } from '@logq/core';
      installShutdownHooks({ timeoutMs: 10_000 });
      UnrefTransport.prototype.disconnect = async () => writeSync(1, JSON.stringify({ atClose: sink.length }) + '\\n');
      ${log}
      setInterval(() => {}, 1000); // an app that would run forever
      console.log('logged');
    `;
    const result = await runChild(code, 20_000, undefined, { name: 'SIGTERM', whenStdoutIncludes: 'logged' });
    expect(result.signal).toBe('SIGTERM');
    expect(result.stderr).toBe('');
    expect(lastJsonLine(result.stdout)).toEqual({ atClose: 1000 });
  }, 30_000);

  it('an idle handler does not keep the process alive', async () => {
    const result = await runChild(
      `${transport('slowly')}\n${log}\nawait handler.flush();\nsetTimeout(() => writeSync(1, '{"late":true}\\n'), 60_000).unref();`,
      20_000,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('late');
    expect(lastJsonLine(result.stdout)).toMatchObject({ received: 1000, dropped: 0 });
  }, 30_000);
});
