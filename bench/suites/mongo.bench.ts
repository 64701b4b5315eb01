// @logq/mongo: records/s into the collection (MongoHandler beside the raw
// driver's insertMany of the same documents, in the same run), end to end
// through the work queue and the broadcast tail, and the caller-side cost of a
// log call. One FerretDB (or LOGQ_MONGO_URL) started through @logq/services.
import { LogRecord, Logger } from '@logq/core';
import { MongoHandler, MongoSubscriber } from '@logq/mongo';
import { useFerretDB } from '@logq/services';
import { MongoClient, ObjectId } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { fmt, nsPerCall, sampleJson, writeSection } from './lib.js';

const N = Number(process.env.LOGQ_BENCH_MONGO_N ?? 10_000);
const E2E_N = Number(process.env.LOGQ_BENCH_MONGO_E2E_N ?? 5_000);
const ROUNDS = Number(process.env.LOGQ_BENCH_MONGO_ROUNDS ?? 2);
const BATCH = 512;
const name = (what: string) => `bench_${what}_${randomBytes(4).toString('hex')}`;

/** The record every path sends: the same ~540-byte dict (sampleJson) as a LogRecord. */
const records = Array.from({ length: Math.max(N, E2E_N) }, (_, i) => LogRecord.fromDict(JSON.parse(sampleJson(i)) as Record<string, unknown>));

async function rawInsert(client: MongoClient, db: string): Promise<number> {
  const collection = client.db(db).collection(name('raw'));
  const start = performance.now();
  for (let from = 0; from < N; from += BATCH) {
    const docs = [];
    for (let i = from; i < Math.min(N, from + BATCH); i++) {
      docs.push({ _id: new ObjectId(), ...(JSON.parse(sampleJson(i)) as Record<string, unknown>), timestamp: new Date() });
    }
    await collection.insertMany(docs, { ordered: true });
  }
  const rate = N / ((performance.now() - start) / 1000);
  await collection.drop();
  return rate;
}

async function logqInsert(url: string): Promise<number> {
  const collection = name('logq');
  const handler = new MongoHandler(url, { collection, maxBuffer: N + 1 });
  handler.handle(records[0]!); // connect and create the indexes outside the timing
  await handler.flush();
  const start = performance.now();
  for (let i = 0; i < N; i++) handler.handle(records[i]!);
  await handler.flush();
  const rate = N / ((performance.now() - start) / 1000);
  await handler.close();
  return rate;
}

async function endToEnd(url: string, mode: 'queue' | 'broadcast'): Promise<number> {
  const collection = name(mode);
  const subscriber = new MongoSubscriber(url, { collection, mode });
  const handler = new MongoHandler(url, { collection, mode, maxBuffer: E2E_N + 1 });
  await subscriber.recv(0); // connect (and create the capped collection) first
  const start = performance.now();
  const receiving = (async () => {
    let count = 0;
    while (count < E2E_N) if (await subscriber.recv(10_000)) count++;
  })();
  for (let i = 0; i < E2E_N; i++) handler.handle(records[i]!);
  await handler.flush();
  await receiving;
  const rate = E2E_N / ((performance.now() - start) / 1000);
  await handler.close();
  await subscriber.close();
  return rate;
}

async function main(): Promise<void> {
  const service = await useFerretDB();
  const url = `${service.url.replace(/\/+$/, '')}/bench`;
  const client = new MongoClient(service.url);
  await client.connect();
  const best = { raw: 0, logq: 0, queue: 0, broadcast: 0 };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      best.raw = Math.max(best.raw, await rawInsert(client, 'bench'));
      best.logq = Math.max(best.logq, await logqInsert(url));
    }
    best.queue = await endToEnd(url, 'queue');
    best.broadcast = await endToEnd(url, 'broadcast');

    // Caller side: the log call (record built, document built, buffered) beside
    // building the same document for a raw insertMany batch.
    const handler = new MongoHandler('mongodb://127.0.0.1:1/none', { maxBuffer: 1_000_000, onError: () => undefined, clientOptions: { serverSelectionTimeoutMS: 60_000 } });
    const logger = new Logger('bench.service');
    const calls = 100_000;
    const logqNs = handler.applicationBound(() => nsPerCall(calls, (i) => logger.info('request {0} handled in {1} ms', i, 12.5)));
    await handler.close({ timeoutMs: 0 });
    const sink: unknown[] = [];
    const rawNs = nsPerCall(calls, (i) => {
      sink.push({ _id: new ObjectId(), ...(JSON.parse(sampleJson(i)) as Record<string, unknown>), timestamp: new Date() });
      if (sink.length >= BATCH) sink.length = 0;
    });

    const md = `## @logq/mongo (${service.owned ? 'FerretDB 1.24.2, SQLite' : 'LOGQ_MONGO_URL'})

| path | records/s | vs raw insertMany |
|---|---:|---:|
| raw driver \`insertMany\` (batches of ${BATCH}, same documents) | ${fmt(best.raw)} | 1.00 |
| MongoHandler → collection (\`flush()\` acknowledged) | ${fmt(best.logq)} | ${(best.logq / best.raw).toFixed(2)} |
| end to end, work queue (claim, dispatch, delete) | ${fmt(best.queue)} | ${(best.queue / best.raw).toFixed(2)} |
| end to end, broadcast (capped collection, tailable cursor) | ${fmt(best.broadcast)} | ${(best.broadcast / best.raw).toFixed(2)} |

| caller cost per log call | ns |
|---|---:|
| \`logger.info(...)\` with MongoHandler pushed (record + document + buffer) | ${fmt(logqNs)} |
| raw: build the same document for an insertMany batch | ${fmt(rawNs)} |

Handler ratio ${(best.logq / best.raw).toFixed(2)} of raw insertMany (goal ≥ 0.80). Method: one process, ${N} records of the ~540-byte
dict per insert path (best of ${ROUNDS} rounds), ${E2E_N} records end to end (handler and subscriber in the same process), on loopback.`;
    writeSection('mongo', md);
  } finally {
    await client.close();
    await service.stop();
  }
}

await main();
