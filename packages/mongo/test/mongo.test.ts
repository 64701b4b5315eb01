import { Level, LogRecord, createHandler, createSubscriber } from '@logq/core';
import { numberedRecord, sampleRecord, waitFor } from '@logq/core/testing';
import { MongoClient } from 'mongodb';
import { MongoConfigError, MongoHandler, MongoSubscriber, uriDatabase } from '../src/index.js';
import { freshName, serverForThisFile } from './helpers.js';

const server = serverForThisFile();

describe('records as documents', () => {
  it('stores the record dict as fields, queryable by level, channel and time, with indexes', async () => {
    const collection = freshName('docs');
    const uri = server.urlFor('docs');
    const handler = new MongoHandler(uri, { collection, format: 'logq' });
    const record = sampleRecord();
    handler.handle(record);
    handler.handle(
      new LogRecord({ channel: 'other', level: Level.DEBUG, msg: 'debug', timeMicros: 1_000_000_000_000_000 }),
    );
    await handler.flush();
    const col = server.client.db('docs').collection(collection);
    const found = await col.find({ level: { $gte: Level.WARNING }, channel: record.channel }).toArray();
    expect(found).toHaveLength(1);
    const { _id, timestamp, ...fields } = found[0]!;
    expect(fields).toEqual(record.toDict());
    expect(timestamp).toEqual(new Date(Math.floor(record.timeMicros / 1000)));
    expect(await col.countDocuments({ timestamp: { $lt: new Date('2010-01-01') } })).toBe(1);
    const names = (await col.listIndexes().toArray()).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['level_1', 'channel_1', 'timestamp_1']));
    // And it decodes back to the very same dict.
    const subscriber = new MongoSubscriber(uri, { collection, format: 'logq' });
    expect((await subscriber.recv(10_000))?.toDict()).toEqual(record.toDict());
    await subscriber.close();
    await handler.close();
  });

  it('keeps a record whose keys MongoDB cannot store as its JSON frame, and reads it back', async () => {
    const collection = freshName('keys');
    const uri = server.urlFor('docs');
    const handler = new MongoHandler(uri, { collection, format: 'logq' });
    const record = new LogRecord({
      channel: 'keys',
      level: Level.INFO,
      msg: 'odd keys',
      kwargs: { 'a.b': 1, $c: 2 },
      extra: { 'x\u0000y': 3 },
    });
    handler.handle(record);
    await handler.flush();
    expect(handler.stats.errors).toBe(0);
    const doc = await server.client.db('docs').collection(collection).findOne({ channel: 'keys' });
    expect(typeof doc?._logq?.frame).toBe('string');
    const subscriber = new MongoSubscriber(uri, { collection, format: 'logq' });
    expect((await subscriber.recv(10_000))?.toDict()).toEqual(record.toDict());
    await subscriber.close();
    await handler.close();
  });
});

describe('work queue', () => {
  it('two subscribers share the records: each dispatched exactly once', async () => {
    const collection = freshName('share');
    const uri = server.urlFor('share');
    const handler = new MongoHandler(uri, { collection });
    const a = new MongoSubscriber(uri, { collection, prefetch: 50 });
    const b = new MongoSubscriber(uri, { collection, prefetch: 50 });
    const n = 2000;
    for (let i = 0; i < n; i++) handler.handle(numberedRecord(i));
    await handler.flush();
    const seen: number[] = [];
    const drain = async (s: MongoSubscriber): Promise<number> => {
      let count = 0;
      for (;;) {
        const r = await s.recv(1_500);
        if (!r) return count;
        seen.push(r.extra.seq as number);
        count++;
      }
    };
    const [ca, cb] = await Promise.all([drain(a), drain(b)]);
    expect(new Set(seen).size).toBe(n);
    expect(seen).toHaveLength(n);
    expect(ca).toBeGreaterThan(0);
    expect(cb).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close(), handler.close()]);
    // Acknowledged records are deleted; no claim is left behind.
    expect(await server.client.db('share').collection(collection).countDocuments()).toBe(0);
    expect(await server.client.db('share').collection(`${collection}.claims`).countDocuments()).toBe(0);
  }, 120_000);

  it('close() keeps the claims of records it deleted while another subscriber may still be reading them', async () => {
    const collection = freshName('tomb');
    const uri = server.urlFor('share');
    const records = server.client.db('share').collection(collection);
    const claims = server.client
      .db('share')
      .collection<{ _id: unknown; [field: string]: unknown }>(`${collection}.claims`);
    const handler = new MongoHandler(uri, { collection });
    for (let i = 0; i < 3; i++) handler.handle(numberedRecord(i));
    await handler.flush();
    // Another live subscriber (its heartbeat) whose read of the head, started now, returns late.
    await claims.insertOne({ _id: 'logq.consumer:other', consumer: 'other', at: new Date() });
    const late = await records.find().toArray();
    expect(late).toHaveLength(3);
    const a = new MongoSubscriber(uri, { collection });
    for (let i = 0; i < 3; i++) expect((await a.recv(10_000))?.extra.seq).toBe(i);
    const closed = a.close();
    while ((await records.countDocuments()) > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // The other subscriber now claims what its read returned: every claim must fail, or it dispatches them again.
    const claimed = claims.insertMany(
      late.map((doc) => ({ _id: doc._id, by: 'other', at: new Date() })),
      { ordered: false },
    );
    await expect(claimed).rejects.toMatchObject({ code: 11000 });
    expect(await claims.countDocuments({ by: 'other' })).toBe(0);
    await closed;
    // Once closed, nothing of the closed subscriber's is left behind.
    expect(await claims.countDocuments({ consumer: { $ne: 'other' } })).toBe(0);
    await handler.close();
  }, 60_000);

  it('close() gives unacknowledged claims back to the queue', async () => {
    const collection = freshName('release');
    const uri = server.urlFor('share');
    const handler = new MongoHandler(uri, { collection });
    for (let i = 0; i < 10; i++) handler.handle(numberedRecord(i));
    await handler.flush();
    const first = new MongoSubscriber(uri, { collection });
    expect((await first.recv(10_000))?.extra.seq).toBe(0);
    await first.close();
    const second = new MongoSubscriber(uri, { collection });
    const rest: number[] = [];
    for (let r = await second.recv(10_000); r; r = await second.recv(500)) rest.push(r.extra.seq as number);
    expect(rest).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await second.close();
    await handler.close();
  });
});

describe('an idle handler', () => {
  it('releases its client after idleCloseMs and opens a new one for the next record', async () => {
    const database = freshName('idle');
    const uri = server.urlFor(database);
    const connects = jest.spyOn(MongoClient.prototype, 'connect');
    const closes = jest.spyOn(MongoClient.prototype, 'close');
    try {
      const handler = new MongoHandler(uri, { idleCloseMs: 50 });
      handler.handle(numberedRecord(1));
      await handler.flush();
      expect(connects).toHaveBeenCalledTimes(1);
      await waitFor(() => closes.mock.calls.length === 1, 'the idle client closed', 5_000);
      handler.handle(numberedRecord(2));
      await handler.flush();
      expect(connects).toHaveBeenCalledTimes(2);
      expect(await handler.close()).toMatchObject({ flushed: true, sent: 2, dropped: 0 });
      expect(handler.stats.errors).toBe(0);
    } finally {
      connects.mockRestore();
      closes.mockRestore();
    }
    expect(await server.client.db(database).collection('messages').countDocuments({ queue: 'logging' })).toBe(2);
    await server.client.db(database).dropDatabase();
  });
});

describe('a shared kombu queue', () => {
  it('moves what it cannot decode aside to messages.malformed, reports it, and delivers the next record', async () => {
    const database = freshName('shared');
    const uri = server.urlFor(database);
    const messages = server.client.db(database).collection('messages');
    const foreign = [
      {
        payload: '{"body": "not base64 json", "content-type": "application/x-python-serialize", "properties": {}}',
        queue: 'logging',
        priority: 9,
      },
      { payload: 'garbage', queue: 'logging', priority: 9 },
      { something: 'else', queue: 'logging' },
    ];
    await messages.insertMany(foreign.map((doc) => ({ ...doc })));
    // Another queue's message in the same collection is not this subscriber's to touch.
    await messages.insertOne({ payload: 'other queue', queue: 'other', priority: 9 });
    const handler = new MongoHandler(uri);
    handler.handle(numberedRecord(7));
    await handler.close();
    const errors: unknown[] = [];
    const subscriber = new MongoSubscriber(uri, { onError: (error) => errors.push(error) });
    const record = await subscriber.recv(20_000);
    expect(record?.extra.seq).toBe(7);
    expect(subscriber.stats.malformed).toBe(3);
    expect(errors).toHaveLength(3);
    await subscriber.close();
    const moved = await server.client
      .db(database)
      .collection('messages.malformed')
      .find({}, { projection: { _id: 0 } })
      .toArray();
    expect(moved).toEqual(expect.arrayContaining(foreign));
    expect(moved).toHaveLength(3);
    expect(await messages.find({}, { projection: { _id: 0 } }).toArray()).toEqual([
      { payload: 'other queue', queue: 'other', priority: 9 },
    ]);
    await server.client.db(database).dropDatabase();
  }, 60_000);
});

describe('maxRecordBytes on received record documents', () => {
  it('a record document over the limit is rejected, counted and moved aside; the next one is delivered', async () => {
    const collection = freshName('big');
    const uri = server.urlFor('docs');
    const col = server.client.db('docs').collection(collection);
    await col.insertOne({ channel: 'big', level: 11, msg: 'x'.repeat(2 * 1024 * 1024), message: 'm' });
    const handler = new MongoHandler(uri, { collection, format: 'logq' });
    handler.handle(numberedRecord(5));
    await handler.close();
    const errors: unknown[] = [];
    const subscriber = new MongoSubscriber(uri, { collection, format: 'logq', onError: (error) => errors.push(error) });
    expect((await subscriber.recv(20_000))?.extra.seq).toBe(5);
    expect(subscriber.stats.malformed).toBe(1);
    expect(String(errors[0])).toMatch(/exceeds maxRecordBytes/);
    await subscriber.close();
    expect(
      await server.client.db('docs').collection(`${collection}.malformed`).countDocuments({ channel: 'big' }),
    ).toBe(1);
    expect(await col.countDocuments()).toBe(0);
  }, 60_000);
});

describe('broadcast', () => {
  it('every subscriber sees every record', async () => {
    const collection = freshName('fanout');
    const uri = server.urlFor('fanout');
    const a = new MongoSubscriber(uri, { collection, mode: 'broadcast' });
    const b = new MongoSubscriber(uri, { collection, mode: 'broadcast' });
    const handler = new MongoHandler(uri, { collection, mode: 'broadcast' });
    for (let i = 0; i < 300; i++) handler.handle(numberedRecord(i));
    await handler.flush();
    const collect = async (s: MongoSubscriber): Promise<number[]> => {
      const out: number[] = [];
      while (out.length < 300) {
        const r = await s.recv(10_000);
        if (!r) break;
        out.push(r.extra.seq as number);
      }
      return out;
    };
    const expected = Array.from({ length: 300 }, (_, i) => i);
    const [ga, gb] = await Promise.all([collect(a), collect(b)]);
    expect(ga).toEqual(expected);
    expect(gb).toEqual(expected);
    const info = await server.client.db('fanout').listCollections({ name: collection }, { nameOnly: false }).toArray();
    expect((info[0] as { options?: { capped?: boolean } } | undefined)?.options?.capped).toBe(true);
    await Promise.all([a.close(), b.close(), handler.close()]);
  }, 60_000);
});

describe('configuration', () => {
  it('resolves mongodb:// through createHandler / createSubscriber', async () => {
    const collection = freshName('resolve');
    const uri = server.urlFor('resolve');
    const handler = await createHandler(uri, { collection, queue: 'q1' });
    const subscriber = await createSubscriber(uri, { collection, queue: 'q1' });
    expect(handler).toBeInstanceOf(MongoHandler);
    expect(subscriber).toBeInstanceOf(MongoSubscriber);
    expect((handler as MongoHandler).target).toMatchObject({ format: 'kombu', queue: 'q1', collection });
    handler.handle(numberedRecord(3));
    expect((await subscriber.recv(10_000))?.extra.seq).toBe(3);
    await handler.close();
    await subscriber.close();
  });

  it("defaults to kombu's layout and Logbook's names, the database from the URI as kombu takes it", () => {
    const target = new MongoHandler('mongodb://localhost:27017/logging').target;
    expect(target).toMatchObject({
      database: 'logging',
      collection: 'messages',
      queue: 'logging',
      format: 'kombu',
      mode: 'queue',
    });
    expect(new MongoSubscriber('mongodb://localhost:27017/logging').target).toMatchObject(target);
    expect(new MongoSubscriber('mongodb://localhost:27017').target).toMatchObject({
      database: 'kombu_default',
      collection: 'messages',
    });
    expect(new MongoHandler('mongodb://h/', { queue: 'q' }).target).toMatchObject({
      queue: 'q',
      collection: 'messages',
    });
    // logq's own queryable documents are options; broadcast implies them.
    expect(new MongoHandler('mongodb://h/', { format: 'logq' }).target).toMatchObject({
      database: 'logq',
      collection: 'logging',
    });
    expect(new MongoSubscriber('mongodb://h/app', { mode: 'broadcast' }).target).toMatchObject({
      format: 'logq',
      collection: 'logging',
    });
  });

  it('takes the database from the URI, and refuses kombu broadcast', () => {
    expect(uriDatabase('mongodb://u:p@h:1/app?x=1')).toBe('app');
    expect(uriDatabase('mongodb://h:1/my+db')).toBe('my db');
    expect(uriDatabase('mongodb://h:1/db.coll')).toBe('db');
    expect(uriDatabase('mongodb://h:1/')).toBeNull();
    expect(new MongoHandler('mongodb://h:1/', { format: 'kombu' }).target.database).toBe('kombu_default');
    expect(() => new MongoSubscriber('mongodb://h:1/', { format: 'kombu', mode: 'broadcast' })).toThrow(
      MongoConfigError,
    );
  });

  it('never shows the password of the URI in errors', async () => {
    const errors: unknown[] = [];
    const handler = new MongoHandler('mongodb://logq:s3cret-pw@127.0.0.1:1/x', {
      onError: (e) => errors.push(e),
      clientOptions: { serverSelectionTimeoutMS: 300 },
      reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    });
    handler.handle(numberedRecord(1));
    const started = Date.now();
    while (errors.length === 0 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
    const result = await handler.close({ timeoutMs: 100 });
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors)
      expect(String(e instanceof Error ? `${e.message} ${e.stack}` : e)).not.toContain('s3cret-pw');
    expect(result.dropped).toBe(1);
  });
});
