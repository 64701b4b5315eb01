/**
 * A process whose MongoHandler and MongoSubscriber are closed exits by itself:
 * nothing (client, heartbeat timer, cursor session) keeps its event loop alive.
 */
import { join } from 'node:path';
import { runNodeSnippet } from '@logq/services';
import { freshName, serverForThisFile } from './helpers.js';

const server = serverForThisFile();

const runNode = (code: string, timeoutMs: number) => runNodeSnippet(code, { cwd: join(__dirname, '..'), timeoutMs });

describe('a process with a closed handler and a closed subscriber exits by itself', () => {
  it.each(['queue', 'broadcast'] as const)('mode %s', async (mode) => {
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
  }, 120_000);

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
