/**
 * A process whose MongoHandler and MongoSubscriber are closed exits by itself:
 * nothing (client, heartbeat timer, cursor session) keeps its event loop alive.
 */
import { join } from 'node:path';
import { type NodeSnippetOptions, runNodeSnippet } from '@logq/services';
import { MongoSubscriber } from '../src/index.js';
import { freshName, serverForThisFile } from './helpers.js';

const server = serverForThisFile();

const runNode = (code: string, timeoutMs: number, more: Partial<NodeSnippetOptions> = {}) =>
  runNodeSnippet(code, { cwd: join(__dirname, '..'), timeoutMs, ...more });

/** The messages of the records in a database's default kombu queue (`messages`, queue `logging`). */
async function deliveredMessages(database: string): Promise<string[]> {
  const decoder = new MongoSubscriber(server.urlFor(database));
  const docs = await server.client.db(database).collection('messages').find({ queue: 'logging' }).toArray();
  await decoder.close();
  return docs.map((doc) => decoder.decodeDocument(doc).message);
}

const expectedMessages = (n: number): string[] => Array.from({ length: n }, (_, i) => `record ${i}`).sort();

describe('a child logs 1,000 records and returns from main: it exits within 10 s and all 1,000 arrive', () => {
  it.each([
    ['with installShutdownHooks()', true],
    ['without hooks', false],
  ])(
    '%s',
    async (_name, hooks) => {
      const database = freshName('exit_main');
      const uri = server.urlFor(database);
      const code = `
      import { Logger, installShutdownHooks } from '@logq/core';
      import { MongoHandler } from '@logq/mongo';
      ${hooks ? 'installShutdownHooks();' : ''}
      new MongoHandler(${JSON.stringify(uri)}).pushApplication();
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
      expect((await deliveredMessages(database)).sort()).toEqual(expectedMessages(1000));
      await server.client.db(database).dropDatabase();
    },
    90_000,
  );
});

describe('SIGTERM with installShutdownHooks()', () => {
  it('a child that logged 10,000 records delivers them all', async () => {
    const database = freshName('exit_term');
    const uri = server.urlFor(database);
    const code = `
      import { Logger, installShutdownHooks } from '@logq/core';
      import { MongoHandler } from '@logq/mongo';
      installShutdownHooks({ timeoutMs: 60000 });
      new MongoHandler(${JSON.stringify(uri)}).pushApplication();
      const log = new Logger('exit');
      for (let i = 0; i < 10000; i++) log.info('record {0}', i);
      setInterval(() => {}, 1000); // a server that runs until it is told to stop
      console.log('logged');
    `;
    const result = await runNode(code, 90_000, { signal: { name: 'SIGTERM', whenStdoutIncludes: 'logged' } });
    expect(result.stderr).toBe('');
    expect(result.signal).toBe('SIGTERM');
    expect((await deliveredMessages(database)).sort()).toEqual(expectedMessages(10_000));
    await server.client.db(database).dropDatabase();
  }, 120_000);
});

describe('a subscriber', () => {
  it('keeps the process alive while it receives, and lets it exit once closed', async () => {
    const database = freshName('exit_recv');
    const uri = server.urlFor(database);
    // The child waits with nothing in the queue; the record comes 3 s later, from here.
    const code = `
      import { MongoSubscriber } from '@logq/mongo';
      const subscriber = new MongoSubscriber(${JSON.stringify(uri)});
      await subscriber.recv(0);
      console.log('waiting');
      const record = await subscriber.recv(null);
      console.log('got ' + record?.message);
      await subscriber.close();
    `;
    const child = runNode(code, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const { MongoHandler } = await import('../src/index.js');
    const { Level, LogRecord } = await import('@logq/core');
    const handler = new MongoHandler(uri);
    handler.handle(new LogRecord({ channel: 'exit', level: Level.INFO, msg: 'late' }));
    await handler.close();
    const result = await child;
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('waiting');
    expect(result.stdout).toContain('got late');
    expect(result.code).toBe(0);
    await server.client.db(database).dropDatabase();
  }, 90_000);
});

describe('a process with a closed handler and a closed subscriber exits by itself', () => {
  it.each(['queue', 'broadcast'] as const)(
    'mode %s',
    async (mode) => {
      const uri = server.urlFor('exit');
      const collection = freshName(`exit_${mode}`);
      // No process.exit anywhere: the child ends only when its event loop is empty.
      const code = `
      import { Level, LogRecord } from '@logq/core';
      import { MongoHandler, MongoSubscriber } from '@logq/mongo';
      const options = { collection: ${JSON.stringify(collection)}, mode: ${JSON.stringify(mode)} };
      const subscriber = new MongoSubscriber(${JSON.stringify(uri)}, options);
      await subscriber.recv(0); // connected (and the capped collection created) before anything is logged
      const handler = new MongoHandler(${JSON.stringify(uri)}, options);
      for (let i = 0; i < 20; i++) handler.handle(new LogRecord({ channel: 'exit', level: Level.INFO, msg: 'r' + i }));
      await handler.flush();
      let received = 0;
      while (received < 20 && (await subscriber.recv(30000))) received++;
      const closed = await handler.close({ timeoutMs: 10000 });
      await subscriber.close();
      console.log(JSON.stringify({ received, ...closed }));
    `;
      const result = await runNode(code, 90_000);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
      expect(summary).toMatchObject({ received: 20, flushed: true, sent: 20, dropped: 0 });
    },
    120_000,
  );

  it('closed while still connecting to a server that is not there', async () => {
    // Nothing listens on the port, and server selection would go on for 10 minutes:
    // close() must end the connects in flight instead of waiting for them.
    const uri = 'mongodb://127.0.0.1:9/absent';
    const code = `
      import { Level, LogRecord } from '@logq/core';
      import { MongoHandler, MongoSubscriber } from '@logq/mongo';
      const options = { collection: 'nowhere', onError: () => {}, clientOptions: { serverSelectionTimeoutMS: 600000 } };
      const subscriber = new MongoSubscriber(${JSON.stringify(uri)}, options);
      const received = subscriber.recv(null);
      const handler = new MongoHandler(${JSON.stringify(uri)}, options);
      for (let i = 0; i < 5; i++) handler.handle(new LogRecord({ channel: 'exit', level: Level.INFO, msg: 'r' + i }));
      await new Promise((resolve) => setTimeout(resolve, 500)); // both are connecting now
      const closed = await handler.close({ timeoutMs: 200 });
      await subscriber.close();
      console.log(JSON.stringify({ received: await received, ...closed }));
    `;
    const result = await runNode(code, 60_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(summary).toMatchObject({ received: null, flushed: false, sent: 0, dropped: 5 });
  }, 120_000);
});
