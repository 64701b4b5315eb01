/** Fault tests against a FerretDB that this file owns and restarts mid-stream. */
import { numberedRecord, waitFor } from '@logq/core/testing';
import { join } from 'node:path';
import { type BrokerServer, runNodeSnippet, startFerretDB } from '@logq/services';
import { MongoHandler, MongoSubscriber } from '../src/index.js';
import { freshName } from './helpers.js';

let server: BrokerServer;
beforeAll(async () => {
  server = await startFerretDB();
}, 120_000);
afterAll(async () => {
  await server?.dispose();
});

const quiet = (): void => {};
const fast = { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 };

it('work queue: the server restarts in the middle of 10,000 records and nothing is lost', async () => {
  const collection = freshName('fault');
  const uri = `${server.url}faults`;
  const handler = new MongoHandler(uri, {
    collection,
    onError: quiet,
    clientOptions: fast,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  const subscriber = new MongoSubscriber(uri, { collection, onError: quiet, clientOptions: fast, pollIntervalMs: 100 });
  const n = 10_000;
  const seen = new Set<number>();
  let stop = false;
  const receiving = (async () => {
    while (!stop && seen.size < n) {
      const record = await subscriber.recv(500);
      if (record) seen.add(record.extra.seq as number);
    }
  })();
  for (let i = 0; i < n / 2; i++) handler.handle(numberedRecord(i));
  await waitFor(() => seen.size > 500, 'the first records', 60_000);
  await server.stop();
  for (let i = n / 2; i < n; i++) handler.handle(numberedRecord(i));
  await new Promise((r) => setTimeout(r, 1_000));
  await server.start();
  await handler.flush();
  // FerretDB's work queue slows as the collection grows (it scans it per claim); under a loaded CI
  // machine the 10,000 records can take minutes. Progress is checked, not only the end.
  let last = -1;
  let lastChange = Date.now();
  await waitFor(
    () => {
      if (seen.size !== last) {
        last = seen.size;
        lastChange = Date.now();
      }
      if (Date.now() - lastChange > 60_000)
        throw new Error(`no progress for 60 s after the restart: stuck at ${seen.size} of ${n}`);
      return seen.size === n;
    },
    `all ${n} records`,
    400_000,
  ).finally(() => {
    stop = true;
  });
  await receiving;
  expect(seen.size).toBe(n);
  expect(handler.stats.dropped).toBe(0);
  await handler.close();
  await subscriber.close();
}, 480_000);

it('broadcast: a subscriber resumes after a restart without replaying or skipping', async () => {
  const collection = freshName('bfault');
  const uri = `${server.url}faults`;
  const handler = new MongoHandler(uri, {
    collection,
    mode: 'broadcast',
    onError: quiet,
    clientOptions: fast,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  const subscriber = new MongoSubscriber(uri, {
    collection,
    mode: 'broadcast',
    onError: quiet,
    clientOptions: fast,
    pollIntervalMs: 100,
  });
  const got: number[] = [];
  let stop = false;
  const receiving = (async () => {
    while (!stop) {
      const record = await subscriber.recv(500);
      if (record) got.push(record.extra.seq as number);
    }
  })();
  for (let i = 0; i < 1000; i++) handler.handle(numberedRecord(i));
  await handler.flush();
  await waitFor(() => got.length >= 1000, 'the first 1000', 60_000);
  await server.restart();
  for (let i = 1000; i < 2000; i++) handler.handle(numberedRecord(i));
  await handler.flush();
  await waitFor(() => got.length >= 2000, `2000 records (have ${got.length})`, 120_000);
  await new Promise((r) => setTimeout(r, 1_500));
  stop = true;
  await receiving;
  expect(got).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  await handler.close();
  await subscriber.close();
}, 240_000);

it('work queue: a subscriber that dies mid-dispatch loses nothing (its claims expire)', async () => {
  const collection = freshName('dies');
  const uri = `${server.url}faults`;
  const handler = new MongoHandler(uri, { collection });
  for (let i = 0; i < 5; i++) handler.handle(numberedRecord(i));
  await handler.flush();
  // The first subscriber, in a child process, claims the records, takes one without
  // acknowledging it, and is killed (SIGKILL: no close, its heartbeat simply stops).
  const code = `
    import { MongoSubscriber } from '@logq/mongo';
    const dying = new MongoSubscriber(${JSON.stringify(uri)}, { collection: ${JSON.stringify(collection)}, claimTimeoutMs: 1000, consumerName: 'dying' });
    const taken = await dying.receive(10000);
    console.log('taken ' + taken?.record.extra.seq);
    setInterval(() => {}, 1000);
  `;
  const killed = await runNodeSnippet(code, {
    cwd: join(__dirname, '..'),
    timeoutMs: 60_000,
    signal: { name: 'SIGKILL', whenStdoutIncludes: 'taken' },
  });
  expect(killed.stdout).toContain('taken 0');
  expect(killed.signal).toBe('SIGKILL');
  const other = new MongoSubscriber(uri, { collection, claimTimeoutMs: 1_000, consumerName: 'other' });
  // Nothing while the claim is alive; everything once it expired.
  const seqs: number[] = [];
  const deadline = Date.now() + 30_000;
  while (seqs.length < 5 && Date.now() < deadline) {
    const record = await other.recv(500);
    if (record) seqs.push(record.extra.seq as number);
  }
  expect(seqs.sort()).toEqual([0, 1, 2, 3, 4]);
  await other.close();
  await handler.close();
}, 60_000);
