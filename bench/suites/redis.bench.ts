// @logq/redis end to end (producer here, consumer in a child process) and per
// log call, each beside the raw node-redis client doing the same work with
// the same ~540-byte JSON in the same run (encode each record, RPUSH 128 per
// call, LPOP 1000).
import { LogRecord, Logger, decodeRecord, encodeRecord, kw, Level } from '@logq/core';
import { RedisHandler, RedisQueueHandler, RedisSubscriber } from '@logq/redis';
import { useRedis } from '@logq/services';
import { randomBytes } from 'node:crypto';
import { type RedisClientType, createClient } from 'redis';
import { captureRecord, fmt, nsPerCall, sampleJson, spawnConsumer, writeSection } from './lib.js';

const N = 50_000;
/** Each end-to-end path runs this many times, alternating raw and logq; the best run counts (the machine is shared). */
const ROUNDS = 5;
const PUSH_CHUNK = 128;
const PIPELINE = 1024;
const POP = 1000;

type Path = 'raw-list' | 'logq-list' | 'raw-stream' | 'logq-stream';

const newKey = (what: string) => `bench-${what}-${randomBytes(4).toString('hex')}`;

/** A connected node-redis client (commands issued in one tick go out as one pipeline). */
async function rawClient(url: string): Promise<RedisClientType> {
  const client = createClient({ url }) as RedisClientType;
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

// ---------------------------------------------------------------- consumer side (child process)

async function consume(path: Path, url: string, key: string, n: number): Promise<void> {
  let count = 0;
  let bytes = 0;
  const ready = () => process.stdout.write('ready\n');
  // Reported as soon as the last record was decoded, before the clients close (logq's close is graceful: QUIT, put back what is left).
  const done = () => process.stdout.write(`done ${count}\n`);
  if (path === 'raw-list') {
    const client = await rawClient(url);
    const blocker = client.duplicate();
    blocker.on('error', () => undefined);
    await blocker.connect();
    ready();
    while (count < n) {
      const items = await client.lPopCount(key, POP);
      if (items && items.length > 0) {
        for (const item of items) bytes += JSON.parse(item).msg.length > 0 ? 1 : 0;
        count += items.length;
      } else {
        const one = await blocker.blPop(key, 1);
        if (one) {
          bytes += JSON.parse(one.element).msg.length > 0 ? 1 : 0;
          count++;
        }
      }
    }
    done();
    client.destroy();
    blocker.destroy();
  } else if (path === 'raw-stream') {
    const client = await rawClient(url);
    await client.xGroupCreate(key, 'raw', '0', { MKSTREAM: true }).catch(() => undefined);
    ready();
    while (count < n) {
      const reply = (await client.xReadGroup('raw', 'c1', { key, id: '>' }, { COUNT: POP, BLOCK: 1000 })) as { messages: { id: string; message: Record<string, string> }[] }[] | null;
      const entries = reply?.[0]?.messages ?? [];
      const ids: string[] = [];
      for (const { id, message } of entries) {
        bytes += JSON.parse(message.record!).msg.length > 0 ? 1 : 0;
        ids.push(id);
      }
      if (ids.length > 0) void client.xAck(key, 'raw', ids);
      count += entries.length;
    }
    done();
    await client.ping();
    client.destroy();
  } else {
    const subscriber = new RedisSubscriber(url, { key, mode: path === 'logq-stream' ? 'stream' : 'list', format: 'logq', batchSize: POP });
    await subscriber.recv(0);
    ready();
    while (count < n) {
      const record = await subscriber.recv(5_000);
      if (record) count++;
    }
    done();
    await subscriber.close();
  }
  void bytes;
}

// ---------------------------------------------------------------- producer side

function startConsumer(path: Path, url: string, key: string, n: number): { ready: Promise<void>; done: Promise<number> } {
  const consumer = spawnConsumer(import.meta.url, ['consume', path, url, key, String(n)]);
  return { ready: consumer.ready, done: consumer.done.then(({ at }) => at) };
}

const log = new Logger('bench.service');
const extra = { request_id: 'c0ffee-1234', user: 'alice' };
const logOne = (i: number) => log.info('request {0} handled in {1} ms', i, 12.5, kw({}, { extra }));

/**
 * Logs N records with the handler pushed, yielding to the event loop every
 * PIPELINE records as an application does between requests (the raw
 * producer yields as often: it awaits each pipeline).
 */
async function logMany(handler: { applicationBound<R>(fn: () => R): R }): Promise<void> {
  for (let i = 0; i < N; i += PIPELINE) {
    handler.applicationBound(() => {
      for (let k = i; k < Math.min(N, i + PIPELINE); k++) logOne(k);
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function rawProduce(url: string, key: string, mode: 'list' | 'stream'): Promise<void> {
  const client = await rawClient(url);
  for (let i = 0; i < N; i += PIPELINE) {
    // Commands issued in one tick: node-redis writes them as one pipeline.
    const replies: Promise<unknown>[] = [];
    const end = Math.min(N, i + PIPELINE);
    if (mode === 'list') {
      for (let j = i; j < end; j += PUSH_CHUNK) {
        const values: string[] = [];
        for (let k = j; k < Math.min(end, j + PUSH_CHUNK); k++) values.push(sampleJson(k));
        replies.push(client.rPush(key, values));
      }
    } else {
      for (let k = i; k < end; k++) replies.push(client.xAdd(key, '*', { record: sampleJson(k) }));
    }
    await Promise.all(replies);
  }
  client.destroy();
}

async function endToEnd(path: Path, url: string): Promise<number> {
  const key = newKey(path);
  const consumer = startConsumer(path, url, key, N);
  await consumer.ready;
  const start = performance.now();
  if (path === 'raw-list' || path === 'raw-stream') {
    await rawProduce(url, key, path === 'raw-list' ? 'list' : 'stream');
  } else {
    // The raw producer's shapes: pipelines of PIPELINE records, RPUSHes of PUSH_CHUNK values.
    const handler = new RedisQueueHandler(url, { key, mode: path === 'logq-stream' ? 'stream' : 'list', format: 'logq', maxBuffer: N * 2, batchSize: PIPELINE, pushChunk: PUSH_CHUNK });
    await logMany(handler);
    await handler.close({ timeoutMs: 60_000 });
  }
  const end = await consumer.done;
  const cleanup = await rawClient(url);
  await cleanup.del(key);
  cleanup.destroy();
  return N / ((end - start) / 1000);
}

/** RedisHandler (slim Logstash items) until Redis holds all N, beside raw RPUSH of the same items. */
async function slimProducer(url: string, raw: boolean): Promise<number> {
  const key = newKey(raw ? 'slim-raw' : 'slim');
  const start = performance.now();
  if (raw) {
    const client = await rawClient(url);
    const host = 'bench-host';
    for (let i = 0; i < N; i += PIPELINE) {
      const replies: Promise<number>[] = [];
      for (let j = i; j < Math.min(N, i + PIPELINE); j += PUSH_CHUNK) {
        const values: string[] = [];
        for (let k = j; k < Math.min(N, i + PIPELINE, j + PUSH_CHUNK); k++) {
          values.push(JSON.stringify({ message: 'request {0} handled in {1} ms', host, level: 'INFO', time: new Date().toISOString(), type: 'app' }));
        }
        replies.push(client.rPush(key, values));
      }
      await Promise.all(replies);
    }
    client.destroy();
  } else {
    const url_ = new URL(url);
    const handler = new RedisHandler({ host: url_.hostname, port: Number(url_.port), key, extraFields: { type: 'app' }, maxBuffer: N * 2 });
    await logMany(handler);
    await handler.close({ timeoutMs: 60_000 });
  }
  const elapsed = performance.now() - start;
  const check = await rawClient(url);
  const len = await check.lLen(key);
  await check.del(key);
  check.destroy();
  if (len !== N) throw new Error(`slim ${raw ? 'raw' : 'logq'}: ${len} of ${N} items in Redis`);
  return N / (elapsed / 1000);
}

/** Caller-side cost of one log call with the handler pushed (the pump runs after the loop). */
async function callerCost(make: () => { handle(record: LogRecord): boolean; close(o?: { timeoutMs?: number }): Promise<unknown> } & { applicationBound<R>(fn: () => R): R }): Promise<number> {
  const handler = make();
  const ns = handler.applicationBound(() => nsPerCall(N, logOne));
  await handler.close({ timeoutMs: 60_000 });
  return ns;
}

async function main(): Promise<void> {
  const redis = await useRedis();
  try {
    const url = redis.url;
    const recordBytes = Buffer.byteLength(JSON.stringify(captureRecord(() => logOne(1)).toDict()));
    const results: Record<string, number> = {};
    let slimRaw = 0;
    let slim = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of ['raw-list', 'logq-list', 'raw-stream', 'logq-stream'] as const) {
        const rate = await endToEnd(path, url);
        results[path] = Math.max(results[path] ?? 0, rate);
        console.log(`${path}: ${fmt(rate)} records/s`);
      }
      slimRaw = Math.max(slimRaw, await slimProducer(url, true));
      slim = Math.max(slim, await slimProducer(url, false));
    }
    console.log(`slim raw ${fmt(slimRaw)}/s, RedisHandler ${fmt(slim)}/s`);
    const rawCaller = nsPerCall(N, (i) => {
      rawBuffer.push(sampleJson(i));
      if (rawBuffer.length > 10_000) rawBuffer.length = 0;
    });
    const listCaller = await callerCost(() => new RedisQueueHandler(url, { key: newKey('caller'), format: 'logq', maxBuffer: N * 2 }));
    const streamCaller = await callerCost(() => new RedisQueueHandler(url, { key: newKey('caller'), mode: 'stream', maxBuffer: N * 2 }));
    const slimCaller = await callerCost(() => new RedisHandler({ host: new URL(url).hostname, port: Number(new URL(url).port), key: newKey('caller'), maxBuffer: N * 2 }));
    // Where a record's time goes outside the transport (same run, same machine load).
    const M = 50_000;
    const recs = Array.from({ length: M }, (_, i) => new LogRecord({ channel: 'bench.service', level: Level.INFO, msg: 'request {0} handled in {1} ms', args: [i, 12.5], extra }));
    const createNs = nsPerCall(M, (i) => void new LogRecord({ channel: 'bench.service', level: Level.INFO, msg: 'request {0} handled in {1} ms', args: [i, 12.5], extra }));
    const encodeNs = nsPerCall(M, (i) => void encodeRecord(recs[i % M]!));
    const rawEncodeNs = nsPerCall(M, (i) => void sampleJson(i));
    const texts = recs.slice(0, 1000).map((r) => JSON.stringify(r.toDict()));
    const decodeNs = nsPerCall(M, (i) => void decodeRecord(texts[i % 1000]!));
    const parseNs = nsPerCall(M, (i) => void JSON.parse(texts[i % 1000]!));
    const cleanup = await rawClient(url);
    const keys = await cleanup.keys('bench-caller-*');
    if (keys.length) await cleanup.del(keys);
    cleanup.destroy();
    const ratio = (a: number, b: number) => `${fmt((a / b) * 100)}%`;
    writeSection(
      'redis',
      `## Redis (@logq/redis, node-redis)

| path | records/s | vs raw |
|---|---:|---:|
| raw node-redis: pipelines of ${fmt(PIPELINE)} in RPUSHes of ${PUSH_CHUNK} → LPOP ${POP} / BLPOP, JSON.parse | ${fmt(results['raw-list']!)} | 100% |
| logq RedisQueueHandler (batchSize ${fmt(PIPELINE)}, pushChunk ${PUSH_CHUNK}) → RedisSubscriber (list, batchSize ${POP}) | ${fmt(results['logq-list']!)} | ${ratio(results['logq-list']!, results['raw-list']!)} |
| raw node-redis: pipelined XADD → XREADGROUP COUNT ${POP} + XACK, JSON.parse | ${fmt(results['raw-stream']!)} | 100% |
| logq RedisQueueHandler → RedisSubscriber, stream (consumer group, acks) | ${fmt(results['logq-stream']!)} | ${ratio(results['logq-stream']!, results['raw-stream']!)} |
| raw node-redis: pipelined RPUSH of slim Logstash items (into Redis) | ${fmt(slimRaw)} | 100% |
| logq RedisHandler (Logbook's slim items, flushThreshold 128) | ${fmt(slim)} | ${ratio(slim, slimRaw)} |

| caller-side cost per log call | ns |
|---|---:|
| raw: JSON.stringify of the record dict + array push | ${fmt(rawCaller)} |
| logq: \`log.info(...)\` → RedisQueueHandler (list) | ${fmt(listCaller)} |
| logq: \`log.info(...)\` → RedisQueueHandler (stream) | ${fmt(streamCaller)} |
| logq: \`log.info(...)\` → RedisHandler | ${fmt(slimCaller)} |

| per record, outside the transport | ns |
|---|---:|
| logq: new LogRecord(...) | ${fmt(createNs)} |
| logq: encodeRecord(record), what the handler sends (first call formats message and time) | ${fmt(encodeNs)} |
| raw: JSON.stringify of a dict literal | ${fmt(rawEncodeNs)} |
| logq: decodeRecord (parse, validate, LogRecord.fromDict) | ${fmt(decodeNs)} |
| raw: JSON.parse | ${fmt(parseNs)} |

Method: best of ${ROUNDS} runs (raw and logq alternating) of ${fmt(N)} records of ${recordBytes} bytes (logq) / ${Buffer.byteLength(sampleJson(0))} bytes (raw) per path on one
local redis-server; the producer runs here and the consumer in a child process; end-to-end time is from the first
log call to the consumer having decoded the last record (into a LogRecord for logq, a plain object for raw), before
either side closes; both producers yield to the event loop every ${fmt(PIPELINE)} records (the raw one awaits each
pipeline; logq's handler sends in the background, one pipeline at a time). Caller cost: mean wall time of ${fmt(N)} \`log.info\` calls
(record creation, encoding, buffering) with the handler pushed; logq's cost includes building the Logbook record.`,
    );
  } finally {
    await redis.stop();
  }
}

const rawBuffer: string[] = [];

if (process.argv[2] === 'consume') {
  const [, , , path, url, key, n] = process.argv;
  await consume(path as Path, url!, key!, Number(n));
  process.exit(0);
} else {
  await main();
  process.exit(0);
}
