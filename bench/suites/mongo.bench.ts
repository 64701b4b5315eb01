// @logq/mongo: records/s into the collection (MongoHandler beside the raw
// driver's insertMany of the same documents into a collection with the same
// indexes, in the same run), end to end through the work queue and the
// broadcast tail (producer here, consumer in a child process, each beside the
// raw driver doing the same work), and the caller-side cost of a log call.
// One FerretDB (or LOGQ_MONGO_URL) started through @logq/services.
import { LogRecord, Logger } from '@logq/core';
import { MongoHandler, MongoSubscriber } from '@logq/mongo';
import { useFerretDB } from '@logq/services';
import { type Document, Long, MongoClient, ObjectId } from 'mongodb';
import { INDEXES, claimRound } from './mongo-raw.js';
import { randomBytes } from 'node:crypto';
import {
  RUNS,
  fmt,
  fmtRuns,
  fmtStats,
  machine,
  nsPerCall,
  sampleJson,
  spawnConsumer,
  stats,
  writeSection,
  type Stats,
} from './lib.js';

const N = Number(process.env.LOGQ_BENCH_MONGO_N ?? 10_000);
/** End to end is small: on FerretDB consuming N records costs about N²/prefetch document reads (every delete scans the collection). */
const E2E_N = Number(process.env.LOGQ_BENCH_MONGO_E2E_N ?? 3_000);
/** Each path runs this many rounds (≥ 5) after a warm-up round, alternating raw and logq; median and range reported. */
const ROUNDS = Math.max(RUNS, Number(process.env.LOGQ_BENCH_MONGO_ROUNDS ?? RUNS));
const E2E_ROUNDS = Math.max(RUNS, Number(process.env.LOGQ_BENCH_MONGO_E2E_ROUNDS ?? RUNS));
const BATCH = 512;
/** Records the raw work-queue consumer takes per round (MongoSubscriber's default prefetch). */
const PREFETCH = 1000;
const CAPPED = 64 * 1024 * 1024;
const name = (what: string) => `bench_${what}_${randomBytes(4).toString('hex')}`;

/** The document the raw driver inserts: the same dict MongoHandler stores, with an _id and the timestamp Date. */
const rawDocument = (i: number): Document => ({
  _id: new ObjectId(),
  ...(JSON.parse(sampleJson(i)) as Record<string, unknown>),
  timestamp: new Date(),
});

type Mode = 'queue' | 'broadcast';
type Path = `raw-${Mode}` | `logq-${Mode}`;

// ---------------------------------------------------------------- consumer side (child process)

/**
 * Raw work-queue consumer, as a competing consumer has to be written on
 * FerretDB (updates scan the collection per document there): read the head,
 * claim it with one insert of claim documents keyed by the record ids, read
 * the records, delete them with one deleteMany, then their claims.
 */
async function rawQueueConsumer(url: string, collection: string, n: number): Promise<number> {
  const client = new MongoClient(url);
  await client.connect();
  const db = client.db();
  const records = db.collection(collection);
  const claims = db.collection(`${collection}.claims`);
  process.stdout.write('ready\n');
  let count = 0;
  let pause = 5;
  while (count < n) {
    const taken = await claimRound(records, claims, PREFETCH);
    if (taken === 0) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(200, pause * 2);
      continue;
    }
    pause = 5;
    count += taken;
  }
  await client.close();
  return count;
}

/**
 * Raw broadcast consumer, as a tailing reader has to be written on FerretDB:
 * a tailable cursor without awaitData (FerretDB 1.24 loses an awaitData
 * cursor's position once it waited), first batch of one document (FerretDB
 * closes a tailable cursor whose first batch is not full), getMore of up to
 * 1000 documents, polled every 10 ms while empty; a dead cursor is reopened
 * after the last id seen.
 */
async function rawBroadcastConsumer(url: string, collection: string, n: number): Promise<number> {
  const client = new MongoClient(url);
  await client.connect();
  const db = client.db();
  const session = client.startSession();
  const options = { session, promoteLongs: false } as const;
  process.stdout.write('ready\n');
  let count = 0;
  let last: ObjectId | null = null;
  let cursor: Long | null = null;
  const take = (docs: Document[]): void => {
    for (const doc of docs) {
      last = doc._id as ObjectId;
      if (typeof doc.msg === 'string' && typeof doc.channel === 'string') count++;
    }
  };
  while (count < n) {
    if (cursor === null) {
      const filter = last === null ? {} : { _id: { $gt: last } };
      const reply = await db.command({ find: collection, filter, tailable: true, batchSize: 1 }, options);
      const c = reply.cursor as { id: Long; firstBatch: Document[] };
      take(c.firstBatch);
      cursor = isLive(c.id) ? c.id : null;
      if (cursor === null) await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    const reply = await db.command({ getMore: cursor, collection, batchSize: 1000 }, options);
    const c = reply.cursor as { id: Long; nextBatch: Document[] };
    take(c.nextBatch);
    if (!isLive(c.id)) cursor = null;
    if (c.nextBatch.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await session.endSession();
  await client.close();
  return count;
}

function isLive(id: unknown): id is Long {
  return id instanceof Long
    ? !id.isZero()
    : typeof id === 'number'
      ? id !== 0
      : typeof id === 'bigint'
        ? id !== 0n
        : false;
}

async function logqConsumer(url: string, collection: string, mode: Mode, n: number): Promise<number> {
  const subscriber = new MongoSubscriber(url, { collection, mode, format: 'logq' });
  await subscriber.recv(0); // connected, collection (capped in broadcast mode) and indexes created
  process.stdout.write('ready\n');
  let count = 0;
  while (count < n) if (await subscriber.recv(30_000)) count++;
  await subscriber.close();
  return count;
}

async function consume(path: Path, url: string, collection: string, n: number): Promise<void> {
  const count =
    path === 'raw-queue'
      ? await rawQueueConsumer(url, collection, n)
      : path === 'raw-broadcast'
        ? await rawBroadcastConsumer(url, collection, n)
        : await logqConsumer(url, collection, path === 'logq-queue' ? 'queue' : 'broadcast', n);
  process.stdout.write(`done ${count}\n`);
}

// ---------------------------------------------------------------- producer side

/** Creates a collection like MongoHandler's (capped in broadcast mode) with the same indexes. */
async function prepare(client: MongoClient, collection: string, mode: Mode | 'bare'): Promise<void> {
  const db = client.db();
  if (mode === 'broadcast') await db.createCollection(collection, { capped: true, size: CAPPED });
  if (mode === 'bare') await db.createCollection(collection);
  else await db.collection(collection).createIndexes(INDEXES);
}

/** The raw driver's insertMany of N documents in batches of BATCH, `inflight` batches at a time (1: as MongoHandler). */
async function rawProduce(client: MongoClient, collection: string, n: number, inflight = 1): Promise<void> {
  const target = client.db().collection(collection);
  let from = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (from < n) {
        const start = from;
        from = Math.min(n, from + BATCH);
        const docs = [];
        for (let i = start; i < from; i++) docs.push(rawDocument(i));
        await target.insertMany(docs, { ordered: true });
      }
    }),
  );
}

/** The record every logq path sends: the same ~540-byte dict (sampleJson) as a LogRecord. */
const records = Array.from({ length: Math.max(N, E2E_N) }, (_, i) =>
  LogRecord.fromDict(JSON.parse(sampleJson(i)) as Record<string, unknown>),
);

async function rawInsert(client: MongoClient, kind: 'bare' | 'indexed' | 'inflight2'): Promise<number> {
  const collection = name(`raw_${kind}`);
  await prepare(client, collection, kind === 'bare' ? 'bare' : 'queue');
  const start = performance.now();
  await rawProduce(client, collection, N, kind === 'inflight2' ? 2 : 1);
  const rate = N / ((performance.now() - start) / 1000);
  await client.db().collection(collection).drop();
  return rate;
}

async function logqInsert(client: MongoClient, url: string): Promise<number> {
  const collection = name('logq');
  const handler = new MongoHandler(url, { collection, format: 'logq', maxBuffer: N + 1 });
  handler.handle(records[0]!); // connect and create the indexes outside the timing
  await handler.flush();
  const start = performance.now();
  for (let i = 0; i < N; i++) handler.handle(records[i]!);
  await handler.flush();
  const rate = N / ((performance.now() - start) / 1000);
  await handler.close();
  await client.db().collection(collection).drop();
  return rate;
}

/** Records/s from the first record produced until the consumer child reports all E2E_N. */
async function endToEnd(client: MongoClient, url: string, path: Path): Promise<number> {
  const mode: Mode = path.endsWith('queue') ? 'queue' : 'broadcast';
  const collection = name(path.replace('-', '_'));
  if (path.startsWith('raw')) await prepare(client, collection, mode);
  const consumer = spawnConsumer(import.meta.url, ['consume', path, url, collection, String(E2E_N)]);
  await consumer.ready;
  const start = performance.now();
  if (path.startsWith('raw')) {
    await rawProduce(client, collection, E2E_N);
  } else {
    const handler = new MongoHandler(url, { collection, mode, format: 'logq', maxBuffer: E2E_N + 1 });
    for (let i = 0; i < E2E_N; i++) handler.handle(records[i]!);
    await handler.close({ timeoutMs: 120_000 });
  }
  const { at, line } = await consumer.done;
  if (line !== `done ${E2E_N}`) throw new Error(`${path}: consumer reported "${line}"`);
  const rate = E2E_N / ((at - start) / 1000);
  for (const c of [collection, `${collection}.claims`])
    await client
      .db()
      .collection(c)
      .drop()
      .catch(() => undefined);
  return rate;
}

async function main(): Promise<void> {
  const service = await useFerretDB();
  const url = `${service.url.replace(/\/+$/, '')}/bench`;
  const client = new MongoClient(url);
  await client.connect();
  const keys = ['bare', 'raw', 'inflight2', 'logq', 'rawQueue', 'queue', 'rawBroadcast', 'broadcast'] as const;
  const runs = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<(typeof keys)[number], number[]>;
  let last = performance.now();
  let warm = true;
  const before = machine();
  // Round 0 of each loop is an untimed warm-up; every later run is kept (medians and ranges, never a best-of).
  const max = (key: (typeof keys)[number], value: number): void => {
    if (!warm) runs[key].push(value);
    const now = performance.now();
    console.error(`mongo: ${key} ${fmt(value)} records/s (${((now - last) / 1000).toFixed(1)} s)`);
    last = now;
  };
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      warm = round === 0;
      max('raw', await rawInsert(client, 'indexed'));
      max('logq', await logqInsert(client, url));
      max('bare', await rawInsert(client, 'bare'));
      max('inflight2', await rawInsert(client, 'inflight2'));
    }
    for (let round = 0; round <= E2E_ROUNDS; round++) {
      warm = round === 0;
      max('rawQueue', await endToEnd(client, url, 'raw-queue'));
      max('queue', await endToEnd(client, url, 'logq-queue'));
      max('rawBroadcast', await endToEnd(client, url, 'raw-broadcast'));
      max('broadcast', await endToEnd(client, url, 'logq-broadcast'));
    }

    // Caller side: the log call (record built, document built, buffered) beside
    // building the same document for a raw insertMany batch.
    const handler = new MongoHandler('mongodb://127.0.0.1:1/none', {
      maxBuffer: 1_000_000,
      onError: () => undefined,
      clientOptions: { serverSelectionTimeoutMS: 60_000 },
    });
    const logger = new Logger('bench.service');
    const calls = 100_000;
    const logqNs = handler.applicationBound(() =>
      nsPerCall(calls, (i) => logger.info('request {0} handled in {1} ms', i, 12.5)),
    );
    await handler.close({ timeoutMs: 0 });
    const sink: unknown[] = [];
    const rawNs = nsPerCall(calls, (i) => {
      sink.push(rawDocument(i));
      if (sink.length >= BATCH) sink.length = 0;
    });

    const stat = Object.fromEntries(keys.map((k) => [k, stats(runs[k])])) as Record<(typeof keys)[number], Stats>;
    const best = Object.fromEntries(keys.map((k) => [k, stat[k].median])) as Record<(typeof keys)[number], number>;
    const r = (a: number, b: number): string => (a / b).toFixed(2);
    const md = `## @logq/mongo (${service.owned ? 'FerretDB 1.24.2, SQLite' : 'LOGQ_MONGO_URL'})

| path | records/s: median (min–max) | vs raw (medians) |
|---|---:|---:|
| raw driver \`insertMany\` (batches of ${BATCH}, same documents, same indexes: level, channel, timestamp) | ${fmtStats(stat.raw)} | 1.00 |
| **MongoHandler** → collection (\`flush()\` acknowledged) | ${fmtStats(stat.logq)} | **${r(best.logq, best.raw)}** |
| raw \`insertMany\` into a bare collection (no indexes; for transparency) | ${fmtStats(stat.bare)} | ${r(best.bare, best.raw)} |
| raw \`insertMany\`, two batches in flight (what a pipelining QueueHandler could reach; unordered) | ${fmtStats(stat.inflight2)} | ${r(best.inflight2, best.raw)} |
| raw end to end, work queue (insertMany → find head, claim by insert, deleteMany) | ${fmtStats(stat.rawQueue)} | 1.00 |
| **end to end, work queue** (MongoHandler → MongoSubscriber) | ${fmtStats(stat.queue)} | **${r(best.queue, best.rawQueue)}** |
| raw end to end, broadcast (insertMany → capped collection, tailable cursor) | ${fmtStats(stat.rawBroadcast)} | 1.00 |
| **end to end, broadcast** (MongoHandler → MongoSubscriber) | ${fmtStats(stat.broadcast)} | **${r(best.broadcast, best.rawBroadcast)}** |

| caller cost per log call | ns |
|---|---:|
| \`logger.info(...)\` with MongoHandler pushed (record + document + buffer) | ${fmt(logqNs)} |
| raw: build the same document for an insertMany batch | ${fmt(rawNs)} |

Ratios: handler ${r(best.logq, best.raw)} of raw insertMany into an equally indexed collection (goal ≥ 0.80); end to end
${r(best.queue, best.rawQueue)} (work queue) and ${r(best.broadcast, best.rawBroadcast)} (broadcast) of the raw driver doing the same work; against raw
insertMany alone, end to end is ${r(best.queue, best.raw)} (work queue) and ${r(best.broadcast, best.raw)} (broadcast): on FerretDB reading a document
costs more than inserting it and every delete scans the whole collection, whatever the client. Method: ${N} records of the ~540-byte dict per insert path
(documents built inside the timing for both; ${ROUNDS} alternating rounds after a warm-up round, medians), ${E2E_N} records end to end with the producer
here and the consumer in a child process, timed from the first record produced to the consumer's last (${E2E_ROUNDS} rounds after a warm-up, medians);
the raw consumers are the shortest correct ones on FerretDB (see bench/suites/mongo.bench.ts); loopback. Caller cost: not yet on the
≥ 2 s harness (one run of ${fmt(calls)} calls). Every run (records/s): ${keys.map((k) => `${k} ${fmtRuns(stat[k])}`).join('; ')}.
Machine at the start: ${before}; at the end: ${machine().replace(/^.*load average/, 'load average')}.`;
    writeSection('mongo', md);
  } finally {
    await client.close();
    await service.stop();
  }
}

if (process.argv[2] === 'consume') {
  const [, , , path, url, collection, n] = process.argv;
  await consume(path as Path, url!, collection!, Number(n));
} else {
  await main();
}
