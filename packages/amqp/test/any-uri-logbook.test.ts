/**
 * The seed page's examples for other backends, as written (translated to JS):
 * `MessageQueueHandler('redis://…')` and `MessageQueueSubscriber('mongodb://…')`
 * against real Redis and a real MongoDB-compatible server (FerretDB), each
 * side with its defaults, both ways with real Python Logbook (kombu).
 * These need @logq/redis and @logq/mongo (devDependencies here) with kombu's
 * format and Logbook's names as their defaults.
 */
import '@logq/mongo';
import '@logq/redis';
import { Level, LogRecord } from '@logq/core';
import { sampleRecord } from '@logq/core/testing';
import { join } from 'node:path';
import {
  PY_MQ_HANDLER,
  type UsedService,
  jsonLines,
  receiveWithLogbook,
  runNodeSnippet,
  runPython,
  useFerretDB,
  useRedis,
} from '@logq/services';
import { assertLogbookReceived } from '@logq/services/logbook-assert';
import { MessageQueueHandler, MessageQueueSubscriber } from '../src/index.js';
import { freshQueue } from './helpers.js';

/** Records every field of which Logbook must receive. */
function recordsToSend(): LogRecord[] {
  return [
    sampleRecord(),
    new LogRecord({
      channel: 'node.any-uri',
      level: Level.INFO,
      msg: 'plain {0}',
      args: [1],
      timeMicros: 1_764_087_806_000_000,
    }),
    new LogRecord({
      channel: 'node.any-uri ü',
      level: Level.ERROR,
      msg: 'µs {0} {name}',
      args: ['x'],
      kwargs: { name: '☃' },
      timeMicros: 1_764_087_806_000_001,
    }),
  ];
}

/** Logbook's MessageQueueHandler sends six records (PY_MQ_HANDLER); logq receives them with `subscriber`. */
async function logbookToLogq(uri: string, queue: string, subscriber: MessageQueueSubscriber): Promise<void> {
  const result = await runPython(PY_MQ_HANDLER, { args: [uri, queue], timeoutMs: 90_000 });
  expect(result.stderr).not.toMatch(/Traceback/);
  expect(result.code).toBe(0);
  const sent = jsonLines(result.stdout) as Record<string, unknown>[];
  expect(sent).toHaveLength(6);
  const received: LogRecord[] = [];
  for (let i = 0; i < sent.length; i++) {
    const record = await subscriber.recv(20_000);
    expect(record).not.toBeNull();
    received.push(record!);
  }
  expect(await subscriber.recv(300)).toBeNull();
  // Every key, every value, the time string as Logbook wrote it.
  expect(received.map((r) => r.toDict())).toEqual(sent);
  expect(received[0]!.message).toBe('Hello wörld and ñame: 3.14 — 日本語 🎉');
  expect(received[4]!.exceptionName).toBe('builtins.KeyError');
  expect(subscriber.stats.malformed).toBe(0);
  expect(subscriber.stats.received).toBe(6);
}

/** logq's `handler` sends records; Logbook's MessageQueueSubscriber(uri, queue) receives every field. */
async function logqToLogbook(uri: string, queue: string, handler: MessageQueueHandler): Promise<void> {
  const records = recordsToSend();
  for (const record of records) handler.handle(record);
  await handler.flush();
  expect(await handler.close({ timeoutMs: 10_000 })).toEqual({ flushed: true, sent: records.length, dropped: 0 });
  const got = await receiveWithLogbook(uri, queue, records.length);
  assertLogbookReceived(got, records);
  expect(got[2]!.message).toBe('µs x ☃');
}

describe("redis:// (Logbook: MessageQueueHandler('redis://localhost:8889/0'))", () => {
  let redis: UsedService;
  beforeAll(async () => {
    redis = await useRedis();
  }, 120_000);
  afterAll(async () => {
    await redis?.stop();
  });
  /** kombu's form: a database number in the path. */
  const uri = (): string => `redis://127.0.0.1:${redis.port}/0`;

  it('Logbook MessageQueueHandler → logq MessageQueueSubscriber, default queue on both sides', async () => {
    const subscriber = new MessageQueueSubscriber(uri());
    try {
      await logbookToLogq(uri(), 'logging', subscriber);
    } finally {
      await subscriber.close();
    }
  }, 120_000);

  it('logq MessageQueueHandler → Logbook MessageQueueSubscriber, default queue on both sides', async () => {
    await logqToLogbook(uri(), 'logging', new MessageQueueHandler(uri()));
  }, 120_000);

  it("a child logs 1,000 records through MessageQueueHandler('redis://…') and returns from main: all arrive, it exits by itself", async () => {
    const queue = freshQueue('logq-any-redis-exit');
    const code = `
      import '@logq/redis';
      import { Logger } from '@logq/core';
      import { MessageQueueHandler } from '@logq/amqp';
      new MessageQueueHandler(${JSON.stringify(uri())}, { queue: ${JSON.stringify(queue)} }).pushApplication();
      const log = new Logger('exit');
      for (let i = 0; i < 1000; i++) log.info('record {0}', i);
      console.log('main returned at ' + Date.now());
    `;
    const result = await runNodeSnippet(code, { cwd: join(__dirname, '..'), timeoutMs: 60_000 });
    const exitedAt = Date.now();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(exitedAt - Number(/main returned at (\d+)/.exec(result.stdout)?.[1])).toBeLessThan(10_000);
    const subscriber = new MessageQueueSubscriber(uri(), { queue });
    try {
      const got = new Set<string>();
      for (let i = 0; i < 1000; i++) got.add((await subscriber.recv(10_000))!.message);
      expect(got.size).toBe(1000);
      expect(await subscriber.recv(200)).toBeNull();
    } finally {
      await subscriber.close();
    }
  }, 90_000);

  it('with a queue name of its own, both ways', async () => {
    const queue = freshQueue('logq-any-redis');
    const subscriber = new MessageQueueSubscriber(uri(), { queue });
    try {
      await logbookToLogq(uri(), queue, subscriber);
    } finally {
      await subscriber.close();
    }
    await logqToLogbook(uri(), queue, new MessageQueueHandler(uri(), { queue }));
  }, 180_000);
});

describe("mongodb:// (Logbook: MessageQueueSubscriber('mongodb://localhost:27017/logging'))", () => {
  let mongo: UsedService;
  beforeAll(async () => {
    mongo = await useFerretDB();
  }, 180_000);
  afterAll(async () => {
    await mongo?.stop();
  });
  /** The seed's form: the database in the path. */
  const uri = (database = 'logging'): string => `${mongo.url.replace(/\/+$/, '')}/${database}`;

  it('Logbook MessageQueueHandler → logq MessageQueueSubscriber, default queue on both sides', async () => {
    const subscriber = new MessageQueueSubscriber(uri());
    try {
      await logbookToLogq(uri(), 'logging', subscriber);
    } finally {
      await subscriber.close();
    }
  }, 120_000);

  it('logq MessageQueueHandler → Logbook MessageQueueSubscriber, default queue on both sides', async () => {
    await logqToLogbook(uri(), 'logging', new MessageQueueHandler(uri()));
  }, 120_000);

  it('with a queue name of its own, both ways', async () => {
    const queue = freshQueue('logq-any-mongo');
    const subscriber = new MessageQueueSubscriber(uri(), { queue });
    try {
      await logbookToLogq(uri(), queue, subscriber);
    } finally {
      await subscriber.close();
    }
    await logqToLogbook(uri(), queue, new MessageQueueHandler(uri(), { queue }));
  }, 180_000);
});
