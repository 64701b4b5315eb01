/**
 * Interop with real Python Logbook: MessageQueueHandler / MessageQueueSubscriber
 * on kombu's MongoDB transport (pymongo), from the virtualenv that
 * @logq/services prepares, against the same server as logq. Both sides run
 * with their defaults: the same `mongodb://host:port/<database>` URI, Logbook's
 * queue `logging`, and no logq option at all.
 */
import { Level, LogRecord, Logger, TestHandler, createHandler, createSubscriber, kw } from '@logq/core';
import { parseIsoTime } from '@logq/core/transport';
import { sampleRecord } from '@logq/core/testing';
import { PY_MQ_HANDLER, jsonLines, receiveWithLogbook, runPython } from '@logq/services';
import { assertLogbookReceived } from '@logq/services/logbook-assert';
import { MongoHandler, MongoSubscriber } from '../src/index.js';
import { freshName, serverForThisFile } from './helpers.js';

const server = serverForThisFile();

describe("Python Logbook MessageQueueHandler('mongodb://.../db') → logq createSubscriber('mongodb://.../db'), both with defaults", () => {
  it('receives every record with every field exactly as Logbook exported it', async () => {
    const database = freshName('kombu');
    const queue = 'logging'; // Logbook's default queue name
    const uri = server.urlFor(database);
    const result = await runPython(PY_MQ_HANDLER, { args: [uri, queue], timeoutMs: 90_000 });
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code).toBe(0);
    const sent = jsonLines(result.stdout) as Record<string, unknown>[];
    expect(sent).toHaveLength(6);

    const subscriber = await createSubscriber(uri);
    expect(subscriber).toBeInstanceOf(MongoSubscriber);
    try {
      const received: LogRecord[] = [];
      for (let i = 0; i < sent.length; i++) {
        const record = await subscriber.recv(15_000);
        expect(record).not.toBeNull();
        received.push(record!);
      }
      expect(await subscriber.recv(300)).toBeNull();
      for (let i = 0; i < sent.length; i++) expect(received[i]!.toDict()).toEqual(sent[i]);
      const [warning, info, debug, critical, exception, notice] = received as [
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
      ];
      expect(warning.level).toBe(Level.WARNING);
      expect(warning.channel).toBe('python.interop ünïcode');
      expect(warning.message).toBe('Hello wörld and ñame: 3.14 — 日本語 🎉');
      expect(warning.extra).toEqual({ request_id: 'req-42', nested: { list: [1, 2, { x: 'ÿ' }] } });
      expect(info.level).toBe(Level.INFO);
      expect(debug.message).toBe('debug [1, 2, 3]');
      expect(critical.message).toBe("critical 'quoted'");
      expect(exception.level).toBe(Level.ERROR);
      expect(exception.formattedException).toMatch(/KeyError: 'missing key ☃'/);
      expect(notice.kwargs).toEqual({ user: 'ü', count: 3 });
      expect(warning.timeMicros).toBe(parseIsoTime(sent[0]!.time as string));
      expect(subscriber.stats.malformed).toBe(0);
      // Acknowledged messages are deleted, as kombu's own consumer leaves the collection.
      await subscriber.close();
      expect(await server.client.db(database).collection('messages').countDocuments({ queue })).toBe(0);
    } finally {
      await subscriber.close();
      await server.client.db(database).dropDatabase();
    }
  }, 120_000);
});

describe("logq new MongoHandler('mongodb://.../db') → Python Logbook MessageQueueSubscriber('mongodb://.../db'), both with defaults", () => {
  it('Logbook receives every record with every field', async () => {
    const database = freshName('kombu');
    const queue = 'logging'; // Logbook's default queue name
    const uri = server.urlFor(database);
    const handler = new MongoHandler(uri);
    const log = new Logger('node.interop ünïcode');
    const records: LogRecord[] = [
      sampleRecord(),
      new LogRecord({
        channel: 'node.interop',
        level: Level.INFO,
        msg: 'plain {0}',
        args: [1],
        timeMicros: 1_764_087_806_000_000,
      }),
      new LogRecord({
        channel: 'node.interop',
        level: Level.DEBUG,
        msg: 'µs {0}',
        args: ['x'],
        timeMicros: 1_764_087_806_000_001,
      }),
    ];
    for (const record of records) handler.handle(record);
    const tap = new TestHandler({ bubble: true });
    handler.applicationBound(() =>
      tap.applicationBound(() => log.error('from a logger {0} {name}', 'ü', kw({ name: 'kw' }))),
    );
    expect(tap.records).toHaveLength(1);
    records.push(tap.records[0]!);
    await handler.flush();
    await handler.close();

    // kombu's own layout: a `messages` document with payload, queue and reversed priority.
    const stored = await server.client.db(database).collection('messages').findOne({ queue });
    expect(stored).toMatchObject({ queue, priority: 9 });
    expect(typeof stored?.payload).toBe('string');

    const got = await receiveWithLogbook(uri, queue, 4);
    assertLogbookReceived(got, records);
    expect(got[0]!.level_name).toBe('WARNING');
    expect(got[0]!.exception_name).toBe('TypeError');
    expect(got[0]!.formatted_exception).toMatch(/TypeError: bad thing ü — ☃/);
    expect(got[3]!.message).toBe('from a logger ü kw');
    // kombu's consumer deleted what it took.
    expect(await server.client.db(database).collection('messages').countDocuments({ queue })).toBe(0);
    await server.client.db(database).dropDatabase();
  }, 120_000);
});

describe("a named kombu queue, as amqp's MessageQueueHandler('mongodb://...', { queue }) passes it", () => {
  it('createHandler(uri, { queue }) → Logbook MessageQueueSubscriber(uri, queue=...)', async () => {
    const database = freshName('kombu');
    const queue = freshName('q');
    const uri = server.urlFor(database);
    const handler = await createHandler(uri, { queue });
    const record = new LogRecord({ channel: 'node.queue', level: Level.NOTICE, msg: 'to queue {0}', args: [queue] });
    handler.handle(record);
    await handler.close();
    // Nothing went to Logbook's default queue.
    expect(await server.client.db(database).collection('messages').countDocuments({ queue: 'logging' })).toBe(0);
    assertLogbookReceived(await receiveWithLogbook(uri, queue, 1), [record]);
    await server.client.db(database).dropDatabase();
  }, 120_000);
});
