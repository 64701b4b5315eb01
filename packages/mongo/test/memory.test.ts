/**
 * Read-ahead is bounded in bytes: 40 kombu messages of ~10 MiB each on the
 * default queue are read a few at a time, each rejected over maxRecordBytes,
 * counted and moved aside to messages.malformed; the record after them is
 * delivered, and the subscriber's process grows by less than 200 MB RSS.
 */
import { join } from 'node:path';
import { runNodeSnippet } from '@logq/services';
import { numberedRecord } from '@logq/core/testing';
import { MongoHandler, MongoSubscriber } from '../src/index.js';
import { freshName, serverForThisFile } from './helpers.js';

const server = serverForThisFile();

const COUNT = 40;

it(`${COUNT} messages of ~10 MiB: all rejected, counted and moved aside, RSS growth under 200 MB`, async () => {
  const database = freshName('memory');
  const uri = server.urlFor(database);
  // Inserted from another process, so that this one's RSS is the subscriber's alone.
  const insert = `
    import { MongoClient } from 'mongodb';
    const client = new MongoClient(${JSON.stringify(uri)});
    const record = JSON.stringify({ channel: 'huge', level: 11, msg: 'x'.repeat(7.5 * 1024 * 1024) });
    const payload = JSON.stringify({
      body: Buffer.from(record).toString('base64'), 'content-encoding': 'utf-8', 'content-type': 'application/json',
      headers: {}, properties: { delivery_mode: 2, priority: 0, body_encoding: 'base64', delivery_tag: 't' },
    });
    const messages = client.db(${JSON.stringify(database)}).collection('messages');
    for (let i = 0; i < ${COUNT}; i++) await messages.insertOne({ payload, queue: 'logging', priority: 9 });
    await client.close();
    console.log('payload ' + payload.length);
  `;
  const inserted = await runNodeSnippet(insert, { cwd: join(__dirname, '..'), timeoutMs: 300_000 });
  expect(inserted.stderr).toBe('');
  expect(Number(/payload (\d+)/.exec(inserted.stdout)?.[1])).toBeGreaterThan(10 * 1024 * 1024);
  const handler = new MongoHandler(uri);
  handler.handle(numberedRecord(41));
  await handler.close();

  const errors: unknown[] = [];
  const subscriber = new MongoSubscriber(uri, { onError: (error) => errors.push(error) });
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const record = await subscriber.recv(400_000);
    expect(record?.extra.seq).toBe(41);
  } finally {
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    await subscriber.close();
  }
  expect(subscriber.stats.malformed).toBe(COUNT);
  expect(errors).toHaveLength(COUNT);
  expect(String(errors[0])).toMatch(/exceeds maxRecordBytes/);
  process.stdout.write(
    `memory.test: ${COUNT} × 10 MiB rejected, RSS peak growth ${((peak - before) / 2 ** 20).toFixed(1)} MB\n`,
  );
  expect((peak - before) / 2 ** 20).toBeLessThan(200);
  const db = server.client.db(database);
  expect(await db.collection('messages.malformed').countDocuments({ queue: 'logging' })).toBe(COUNT);
  expect(await db.collection('messages').countDocuments({})).toBe(0);
  await db.dropDatabase();
}, 900_000);
