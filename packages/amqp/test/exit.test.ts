/**
 * Nothing lost at exit, and no process kept alive by an idle handler
 * (issue 12, points 1 and 5): child processes against a real RabbitMQ.
 */
import { join } from 'node:path';
import { type NodeSnippetOptions, type UsedService, runNodeSnippet } from '@logq/services';
import { RawClient, broker, freshQueue } from './helpers.js';

let service: UsedService;
let raw: RawClient;

beforeAll(async () => {
  service = await broker();
  raw = await RawClient.open(service.url);
}, 180_000);

afterAll(async () => {
  await raw?.close();
  await service?.stop();
});

const runNode = (code: string, timeoutMs: number, more: Partial<NodeSnippetOptions> = {}) =>
  runNodeSnippet(code, { cwd: join(__dirname, '..'), timeoutMs, ...more });

/** Takes every message of the queue and returns the records' messages, sorted. */
async function drainMessages(queue: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const message = await raw.channel.get(queue, { noAck: true });
    if (message === false) break;
    out.push((JSON.parse(message.content.toString('utf8')) as { message: string }).message);
  }
  return out.sort();
}

const expectedMessages = (n: number): string[] => Array.from({ length: n }, (_, i) => `record ${i}`).sort();

describe('a child logs 1,000 records and returns from main: it exits within 10 s and all 1,000 arrive', () => {
  it.each([
    ['with installShutdownHooks()', true],
    ['without hooks', false],
  ])(
    '%s',
    async (_name, hooks) => {
      const queue = freshQueue('logq-exit');
      const code = `
      import { Logger, installShutdownHooks } from '@logq/core';
      import { MessageQueueHandler } from '@logq/amqp';
      ${hooks ? 'installShutdownHooks();' : ''}
      new MessageQueueHandler(${JSON.stringify(service.url)}, { queue: ${JSON.stringify(queue)} }).pushApplication();
      const log = new Logger('exit');
      for (let i = 0; i < 1000; i++) log.info('record {0}', i);
      console.log('main returned at ' + Date.now());
    `;
      const result = await runNode(code, 60_000);
      const exitedAt = Date.now();
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const returnedAt = Number(/main returned at (\d+)/.exec(result.stdout)?.[1]);
      expect(exitedAt - returnedAt).toBeLessThan(10_000);
      expect(await drainMessages(queue)).toEqual(expectedMessages(1000));
      await raw.remove(queue);
    },
    90_000,
  );

  it('an idle handler whose records were delivered does not keep the process alive', async () => {
    const queue = freshQueue('logq-exit-idle');
    // Connected and idle (heartbeats on), never closed: the process still ends by itself.
    const code = `
      import { Level, LogRecord } from '@logq/core';
      import { MessageQueueHandler } from '@logq/amqp';
      const handler = new MessageQueueHandler(${JSON.stringify(`${service.url}?heartbeat=1`)}, { queue: ${JSON.stringify(queue)} });
      handler.handle(new LogRecord({ channel: 'exit', level: Level.INFO, msg: 'record 0' }));
      await handler.flush();
      console.log('connected ' + handler.isConnected);
    `;
    const result = await runNode(code, 20_000);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('connected true');
    expect(result.code).toBe(0);
    expect(await drainMessages(queue)).toEqual(['record 0']);
    await raw.remove(queue);
  }, 60_000);
});

describe('SIGTERM with installShutdownHooks()', () => {
  it('a child that logged 10,000 records delivers them all', async () => {
    const queue = freshQueue('logq-exit-term');
    const code = `
      import { Logger, installShutdownHooks } from '@logq/core';
      import { MessageQueueHandler } from '@logq/amqp';
      installShutdownHooks({ timeoutMs: 60000 });
      new MessageQueueHandler(${JSON.stringify(service.url)}, { queue: ${JSON.stringify(queue)} }).pushApplication();
      const log = new Logger('exit');
      for (let i = 0; i < 10000; i++) log.info('record {0}', i);
      setInterval(() => {}, 1000); // a server that runs until it is told to stop
      console.log('logged');
    `;
    const result = await runNode(code, 90_000, { signal: { name: 'SIGTERM', whenStdoutIncludes: 'logged' } });
    expect(result.stderr).toBe('');
    expect(result.signal).toBe('SIGTERM');
    expect(await drainMessages(queue)).toEqual(expectedMessages(10_000));
    await raw.remove(queue);
  }, 120_000);
});

describe('a subscriber', () => {
  it('keeps the process alive while it receives, and lets it exit once closed', async () => {
    const queue = freshQueue('logq-exit-recv');
    // The child waits with nothing in the queue; the record comes 3 s later, from here.
    const code = `
      import { MessageQueueSubscriber } from '@logq/amqp';
      const subscriber = new MessageQueueSubscriber(${JSON.stringify(service.url)}, { queue: ${JSON.stringify(queue)} });
      await subscriber.connect();
      console.log('waiting');
      const record = await subscriber.recv(null);
      console.log('got ' + record?.message);
      await subscriber.close();
    `;
    const child = runNode(code, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await raw.publish(queue, JSON.stringify({ channel: 'exit', level: 11, msg: 'late', message: 'late' }));
    const result = await child;
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('waiting');
    expect(result.stdout).toContain('got late');
    expect(result.code).toBe(0);
    await raw.remove(queue);
  }, 90_000);
});
