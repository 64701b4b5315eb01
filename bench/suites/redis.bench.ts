// @logq/redis end to end (producer here, consumer in a child process), into
// Redis (RedisHandler's slim items) and per log call, each beside raw
// node-redis doing the same work with the same ~540-byte JSON in the same run
// (encode each record with JSON.stringify, RPUSH 128 per call keeping one
// pipeline in flight, LPOP 1000; streams: pipelined XADD, XREADGROUP + XACK),
// and beside the last ioredis-based @logq/redis when bench/ioredis-setup.sh
// has built it into /tmp/logq-ioredis (LOGQ_IOREDIS_DIR).
import { LogRecord, Logger, kw, Level } from '@logq/core';
import { decodeRecord, encodeRecord } from '@logq/core/transport';
import { RedisHandler, RedisQueueHandler, RedisSubscriber } from '@logq/redis';
import { useRedis } from '@logq/services';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type RedisClientType, createClient } from 'redis';
import {
  RUNS,
  RUN_MS,
  CountUntil,
  captureRecord,
  fmt,
  fmtRuns,
  fmtStats,
  interleave,
  machine,
  sampleJson,
  spawnConsumer,
  stats,
  timeCalls,
  writeSection,
  cpuSince,
} from './lib.js';

const PUSH_CHUNK = 128;
const PIPELINE = 1024;
const POP = 1000;
/** Records of the warm-up run of each end-to-end path; the timed runs are sized from it to last ≥ RUN_MS. */
const WARMUP_N = Number(process.env.LOGQ_BENCH_REDIS_WARMUP_N ?? 50_000);

/** raw node-redis; today's logq (consumer: `recv()` per record); the same with `dispatchForever()` into a handler; the ioredis build. */
type Impl = 'raw' | 'logq' | 'dispatch' | 'ioredis';
type Mode = 'list' | 'stream';

const IOREDIS_DIR = process.env.LOGQ_IOREDIS_DIR ?? '/tmp/logq-ioredis';
const IOREDIS_ENTRY = join(IOREDIS_DIR, 'packages', 'redis', 'dist', 'esm', 'index.js');
const IOREDIS_CORE = join(IOREDIS_DIR, 'packages', 'core', 'dist', 'esm', 'index.js');

/** What the suite uses of a logq build (today's, or the ioredis-based one from git history). */
interface LogqBuild {
  readonly Logger: typeof Logger;
  readonly kw: typeof kw;
  readonly RedisQueueHandler: typeof RedisQueueHandler;
  readonly RedisSubscriber: typeof RedisSubscriber;
  readonly RedisHandler: typeof RedisHandler;
}

const current: LogqBuild = { Logger, kw, RedisQueueHandler, RedisSubscriber, RedisHandler };

/** The ioredis-based build, with its own core (null when bench/ioredis-setup.sh has not built it). */
async function loadIoredis(): Promise<LogqBuild | null> {
  if (!existsSync(IOREDIS_ENTRY) || !existsSync(IOREDIS_CORE)) return null;
  const redis = (await import(pathToFileURL(IOREDIS_ENTRY).href)) as LogqBuild;
  const core = (await import(pathToFileURL(IOREDIS_CORE).href)) as LogqBuild;
  return {
    Logger: core.Logger,
    kw: core.kw,
    RedisQueueHandler: redis.RedisQueueHandler,
    RedisSubscriber: redis.RedisSubscriber,
    RedisHandler: redis.RedisHandler,
  };
}

const newKey = (what: string) => `bench-${what}-${randomBytes(4).toString('hex')}`;

/** A connected node-redis client (commands issued in one tick go out as one pipeline). */
async function rawClient(url: string): Promise<RedisClientType> {
  const client = createClient({ url }) as RedisClientType;
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

// ---------------------------------------------------------------- consumer side (child process)

async function consume(impl: Impl, mode: Mode, url: string, key: string, n: number): Promise<void> {
  let count = 0;
  let parsed = 0;
  let cpuStart = process.cpuUsage();
  const ready = () => {
    cpuStart = process.cpuUsage();
    process.stdout.write('ready\n');
  };
  // Reported as soon as the last record was decoded, before the clients close (logq's close is graceful: put back what is left).
  const done = () => process.stdout.write(`done ${count} ${cpuSince(cpuStart)}\n`);
  if (impl === 'raw' && mode === 'list') {
    const client = await rawClient(url);
    const blocker = client.duplicate();
    blocker.on('error', () => undefined);
    await blocker.connect();
    ready();
    while (count < n) {
      const items = await client.lPopCount(key, POP);
      if (items && items.length > 0) {
        for (const item of items) parsed += (JSON.parse(item) as { msg: string }).msg.length > 0 ? 1 : 0;
        count += items.length;
      } else {
        const one = await blocker.blPop(key, 1);
        if (one) {
          parsed += (JSON.parse(one.element) as { msg: string }).msg.length > 0 ? 1 : 0;
          count++;
        }
      }
    }
    done();
    client.destroy();
    blocker.destroy();
  } else if (impl === 'raw') {
    const client = await rawClient(url);
    await client.xGroupCreate(key, 'raw', '0', { MKSTREAM: true }).catch(() => undefined);
    ready();
    while (count < n) {
      const reply = (await client.xReadGroup('raw', 'c1', { key, id: '>' }, { COUNT: POP, BLOCK: 1000 })) as
        | { messages: { id: string; message: Record<string, string> }[] }[]
        | null;
      const entries = reply?.[0]?.messages ?? [];
      const ids: string[] = [];
      for (const { id, message } of entries) {
        parsed += (JSON.parse(message.record!) as { msg: string }).msg.length > 0 ? 1 : 0;
        ids.push(id);
      }
      if (ids.length > 0) void client.xAck(key, 'raw', ids);
      count += entries.length;
    }
    done();
    await client.ping();
    client.destroy();
  } else if (impl === 'dispatch') {
    // Logbook's idiom: the subscriber dispatches every record into the handlers pushed for it.
    const subscriber = new RedisSubscriber(url, { key, mode, format: 'logq', batchSize: POP });
    await subscriber.recv(0);
    const stop = new AbortController();
    const counter = new CountUntil(n, () => {
      count = n;
      done();
      stop.abort();
    });
    ready();
    await counter.applicationBound(() => subscriber.dispatchForever(stop.signal));
    await subscriber.close();
    return;
  } else {
    const build = impl === 'ioredis' ? await loadIoredis() : current;
    if (build === null) throw new Error(`no ioredis build at ${IOREDIS_DIR}`);
    const subscriber = new build.RedisSubscriber(url, { key, mode, format: 'logq', batchSize: POP });
    await subscriber.recv(0);
    ready();
    while (count < n) {
      const record = await subscriber.recv(5_000);
      if (record) count++;
    }
    done();
    await subscriber.close();
  }
  void parsed;
}

// ---------------------------------------------------------------- producer side

const extra = { request_id: 'c0ffee-1234', user: 'alice' };
const loggers = new Map<LogqBuild, Logger>();
function logOne(build: LogqBuild, i: number): void {
  let log = loggers.get(build);
  if (log === undefined) {
    log = new build.Logger('bench.service');
    loggers.set(build, log);
  }
  log.info('request {0} handled in {1} ms', i, 12.5, build.kw({}, { extra }));
}

/**
 * Logs n records with the handler pushed, yielding to the event loop every
 * PIPELINE records as an application does between requests (the raw
 * producer yields as often: it awaits each pipeline).
 */
async function logMany(build: LogqBuild, handler: { applicationBound<R>(fn: () => R): R }, n: number): Promise<void> {
  for (let i = 0; i < n; i += PIPELINE) {
    handler.applicationBound(() => {
      for (let k = i; k < Math.min(n, i + PIPELINE); k++) logOne(build, k);
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Raw producer: pipelines of PIPELINE records (RPUSHes of PUSH_CHUNK values, or one XADD each), one in flight. */
async function rawProduce(url: string, key: string, mode: Mode, n: number): Promise<void> {
  const client = await rawClient(url);
  for (let i = 0; i < n; i += PIPELINE) {
    // Commands issued in one tick: node-redis writes them as one pipeline.
    const replies: Promise<unknown>[] = [];
    const end = Math.min(n, i + PIPELINE);
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

/** One end-to-end run: records/s, the producer's and the consumer's CPU µs per record, and the run's length. */
interface E2ERun {
  readonly rate: number;
  readonly producerCpu: number;
  /** redis-server's CPU µs per record over the run (INFO cpu: user + system, all its threads). */
  readonly serverCpu: number;
  readonly consumerCpu: number;
  readonly seconds: number;
}

async function endToEnd(
  impl: Impl,
  mode: Mode,
  url: string,
  n: number,
  builds: Partial<Record<Impl, LogqBuild>>,
): Promise<E2ERun> {
  const key = newKey(`${impl}-${mode}`);
  const consumer = spawnConsumer(import.meta.url, ['consume', impl, mode, url, key, String(n)]);
  await consumer.ready;
  const serverStart = await serverCpuUs(url);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  if (impl === 'raw') {
    await rawProduce(url, key, mode, n);
  } else {
    const build = builds[impl]!;
    // The raw producer's shapes: pipelines of PIPELINE records, RPUSHes of PUSH_CHUNK values.
    const handler = new build.RedisQueueHandler(url, {
      key,
      mode,
      format: 'logq',
      maxBuffer: n * 2,
      batchSize: PIPELINE,
      pushChunk: PUSH_CHUNK,
    });
    await logMany(build, handler, n);
    await handler.close({ timeoutMs: 120_000 });
  }
  const producerCpu = cpuSince(cpuStart);
  const { at, line } = await consumer.done;
  const [, got, consumerCpu] = line.split(' ');
  if (Number(got) !== n) throw new Error(`${impl}-${mode}: consumer got ${got} of ${n}`);
  const serverCpu = (await serverCpuUs(url)) - serverStart;
  const cleanup = await rawClient(url);
  await cleanup.del(key);
  cleanup.destroy();
  const seconds = (at - start) / 1000;
  return {
    rate: n / seconds,
    producerCpu: producerCpu / n,
    consumerCpu: Number(consumerCpu) / n,
    serverCpu: serverCpu / n,
    seconds,
  };
}

/** redis-server's CPU time so far (user + system, every thread), in µs, from INFO cpu. */
async function serverCpuUs(url: string): Promise<number> {
  const client = await rawClient(url);
  try {
    const info = await client.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
  } finally {
    client.destroy();
  }
}

/** RedisHandler (slim Logstash items) for ≥ RUN_MS until Redis holds every item, beside raw RPUSH of the same items: items/s. */
async function slimProducer(url: string, impl: Impl, builds: Partial<Record<Impl, LogqBuild>>): Promise<number> {
  const key = newKey(`slim-${impl}`);
  const start = performance.now();
  let n = 0;
  if (impl === 'raw') {
    const client = await rawClient(url);
    const host = 'bench-host';
    while (performance.now() - start < RUN_MS) {
      const replies: Promise<number>[] = [];
      for (let j = 0; j < PIPELINE; j += PUSH_CHUNK) {
        const values: string[] = [];
        for (let k = 0; k < PUSH_CHUNK; k++) {
          values.push(
            JSON.stringify({
              message: 'request {0} handled in {1} ms',
              host,
              level: 'INFO',
              time: new Date().toISOString(),
              type: 'app',
            }),
          );
        }
        replies.push(client.rPush(key, values));
      }
      n += PIPELINE;
      await Promise.all(replies);
    }
    client.destroy();
  } else {
    const build = builds[impl]!;
    const url_ = new URL(url);
    const handler = new build.RedisHandler({
      host: url_.hostname,
      port: Number(url_.port),
      key,
      extraFields: { type: 'app' },
      maxBuffer: 10_000_000,
    });
    while (performance.now() - start < RUN_MS) {
      handler.applicationBound(() => {
        for (let k = 0; k < PIPELINE; k++) logOne(build, n + k);
      });
      n += PIPELINE;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await handler.close({ timeoutMs: 120_000 });
  }
  const elapsed = performance.now() - start;
  const check = await rawClient(url);
  const len = await check.lLen(key);
  await check.del(key);
  check.destroy();
  if (len !== n) throw new Error(`slim ${impl}: ${len} of ${n} items in Redis`);
  return n / (elapsed / 1000);
}

/** Caller-side cost of one log call with the handler pushed (flushed between timed chunks, so its buffer never fills). */
async function callerCost(
  build: LogqBuild,
  make: () => {
    flush(): Promise<unknown>;
    close(o?: { timeoutMs?: number }): Promise<unknown>;
    applicationBound<R>(fn: () => R): R;
  },
): Promise<number> {
  const handler = make();
  try {
    const run = await timeCalls((i) => handler.applicationBound(() => logOne(build, i)), {
      between: async () => {
        await handler.flush();
      },
    });
    return run.ns;
  } finally {
    await handler.close({ timeoutMs: 60_000 });
  }
}

const rawBuffer: string[] = [];

async function main(): Promise<void> {
  const ioredis = await loadIoredis();
  const builds: Partial<Record<Impl, LogqBuild>> = {
    logq: current,
    dispatch: current,
    ...(ioredis ? { ioredis } : {}),
  };
  const impls: Impl[] = ioredis ? ['raw', 'logq', 'ioredis'] : ['raw', 'logq'];
  // End to end, today's logq also with Logbook's consumer idiom (dispatchForever into a handler).
  const e2eImpls: Impl[] = impls.flatMap((impl) => (impl === 'logq' ? ['logq', 'dispatch'] : [impl]));
  const ioredisNote = ioredis
    ? `The ioredis-based @logq/redis is the tree of commit ${existsSync(join(IOREDIS_DIR, 'COMMIT')) ? readFileSync(join(IOREDIS_DIR, 'COMMIT'), 'utf8').trim().slice(0, 7) : '?'} (the last before the move to node-redis), built by \`bench/ioredis-setup.sh\` into ${IOREDIS_DIR} with its own @logq/core, run in the same process and run as today's.`
    : `The ioredis-based @logq/redis was not run: ${IOREDIS_ENTRY} is absent (run \`bash bench/ioredis-setup.sh\` first).`;
  if (!ioredis) console.log(ioredisNote);
  const before = machine();
  const redis = await useRedis();
  try {
    const url = redis.url;
    const recordBytes = Buffer.byteLength(JSON.stringify(captureRecord(() => logOne(current, 1)).toDict()));
    const e2eRows: string[] = [];
    const e2eRuns: string[] = [];
    const ratios: string[] = [];
    let shortest = Infinity;
    const sizes: Record<Mode, number> = { list: 0, stream: 0 };
    for (const mode of ['list', 'stream'] as const) {
      // Warm-up: two runs of each path (the second sized from the first, JIT-warm); the timed runs are sized
      // from the second so that the fastest path's lasts ≥ RUN_MS, with a margin.
      let warmN = WARMUP_N;
      let fastest = 0;
      for (let w = 0; w < 2; w++) {
        fastest = 0;
        for (const impl of e2eImpls) {
          const warm = await endToEnd(impl, mode, url, warmN, builds);
          console.log(`${mode} warm-up ${impl}: ${fmt(warm.rate)} records/s`);
          fastest = Math.max(fastest, warm.rate);
        }
        warmN = Math.ceil((fastest * (RUN_MS / 1000)) / PIPELINE) * PIPELINE;
      }
      const n = Math.ceil((fastest * (RUN_MS / 1000) * 1.5) / PIPELINE) * PIPELINE;
      sizes[mode] = n;
      const results = await interleave(
        e2eImpls.map((impl) => ({
          name: `${impl}-${mode}`,
          warmup: async () => undefined,
          run: async () => {
            const r = await endToEnd(impl, mode, url, n, builds);
            console.log(`${impl}-${mode}: ${fmt(r.rate)} records/s in ${r.seconds.toFixed(1)} s`);
            shortest = Math.min(shortest, r.seconds);
            return r;
          },
        })),
      );
      const raw = stats(results[0]!.map((r) => r.rate));
      e2eImpls.forEach((impl, k) => {
        const runs = results[k]!;
        const s = stats(runs.map((r) => r.rate));
        const producerCpu = stats(runs.map((r) => r.producerCpu)).median;
        const serverCpu = stats(runs.map((r) => r.serverCpu)).median;
        const consumerCpu = stats(runs.map((r) => r.consumerCpu)).median;
        e2eRows.push(
          `| ${describeE2E(impl, mode)} | ${fmtStats(s)} | ${impl === 'raw' ? '1.00×' : `${fmt(s.median / raw.median, 2)}×`} | ${fmt(producerCpu, 1)} | ${fmt(consumerCpu, 1)} | ${fmt(serverCpu, 1)} |`,
        );
        e2eRuns.push(`| ${impl} ${mode} | ${fmtRuns(s)} |`);
        if (impl !== 'raw') ratios.push(`${impl} ${mode}: ${fmt(s.median / raw.median, 2)}×`);
      });
    }

    const slimRuns = await interleave(
      impls.map((impl) => ({ name: `slim-${impl}`, run: () => slimProducer(url, impl, builds) })),
    );
    const slimRaw = stats(slimRuns[0]!);
    const slimRows = impls.map((impl, k) => {
      const s = stats(slimRuns[k]!);
      return `| ${impl === 'raw' ? 'raw node-redis: pipelined RPUSH of slim Logstash items (JSON.stringify each)' : `${impl === 'logq' ? 'logq (node-redis)' : 'logq (ioredis)'} RedisHandler (Logbook's slim items, batchSize 128)`} | ${fmtStats(s)} | ${fmt(s.median / slimRaw.median, 2)}× | ${fmtRuns(s)} |`;
    });

    const url_ = new URL(url);
    const callerPaths: { name: string; run: () => Promise<number> }[] = [
      {
        name: 'raw: JSON.stringify of the record dict + array push',
        run: async () =>
          (
            await timeCalls((i) => {
              rawBuffer.push(sampleJson(i));
              if (rawBuffer.length > 10_000) rawBuffer.length = 0;
            })
          ).ns,
      },
    ];
    for (const impl of impls.filter((i): i is 'logq' | 'ioredis' => i !== 'raw')) {
      const build = builds[impl]!;
      const label = impl === 'logq' ? 'logq (node-redis)' : 'logq (ioredis)';
      callerPaths.push(
        {
          name: `${label}: \`log.info(...)\` → RedisQueueHandler (list)`,
          run: () =>
            callerCost(build, () => new build.RedisQueueHandler(url, { key: newKey('caller'), format: 'logq' })),
        },
        {
          name: `${label}: \`log.info(...)\` → RedisQueueHandler (stream)`,
          run: () =>
            callerCost(build, () => new build.RedisQueueHandler(url, { key: newKey('caller'), mode: 'stream' })),
        },
        {
          name: `${label}: \`log.info(...)\` → RedisHandler`,
          run: () =>
            callerCost(
              build,
              () => new build.RedisHandler({ host: url_.hostname, port: Number(url_.port), key: newKey('caller') }),
            ),
        },
      );
    }
    const callerRuns = await interleave(callerPaths);
    const callerRows = callerPaths.map(
      (p, k) => `| ${p.name} | ${fmtStats(stats(callerRuns[k]!))} | ${fmtRuns(stats(callerRuns[k]!))} |`,
    );

    // Where a record's time goes outside the transport (same run, same machine load).
    const M = 1000;
    const recs = Array.from(
      { length: M },
      (_, i) =>
        new LogRecord({
          channel: 'bench.service',
          level: Level.INFO,
          msg: 'request {0} handled in {1} ms',
          args: [i, 12.5],
          extra,
        }),
    );
    const texts = recs.map((r) => JSON.stringify(r.toDict()));
    const sink: unknown[] = [];
    const keep = (v: unknown) => {
      sink[0] = v;
    };
    const outside = [
      {
        name: 'logq: new LogRecord(...)',
        fn: (i: number) =>
          keep(
            new LogRecord({
              channel: 'bench.service',
              level: Level.INFO,
              msg: 'request {0} handled in {1} ms',
              args: [i, 12.5],
              extra,
            }),
          ),
      },
      {
        name: 'logq: encodeRecord(fresh record), what the handler sends (formats message and time)',
        fn: (i: number) =>
          keep(
            encodeRecord(
              new LogRecord({
                channel: 'bench.service',
                level: Level.INFO,
                msg: 'request {0} handled in {1} ms',
                args: [i, 12.5],
                extra,
              }),
            ),
          ),
      },
      { name: 'raw: JSON.stringify of a dict literal', fn: (i: number) => keep(sampleJson(i)) },
      {
        name: 'logq: decodeRecord (parse, validate, LogRecord.fromDict)',
        fn: (i: number) => keep(decodeRecord(texts[i % M]!)),
      },
      { name: 'raw: JSON.parse', fn: (i: number) => keep(JSON.parse(texts[i % M]!)) },
    ];
    const outsideRuns = await interleave(
      outside.map((o) => ({ name: o.name, run: async () => (await timeCalls(o.fn)).ns })),
    );
    const outsideRows = outside.map(
      (o, k) => `| ${o.name} | ${fmtStats(stats(outsideRuns[k]!))} | ${fmtRuns(stats(outsideRuns[k]!))} |`,
    );
    void recs;

    const cleanup = await rawClient(url);
    const keys = await cleanup.keys('bench-caller-*');
    if (keys.length) await cleanup.del(keys);
    cleanup.destroy();

    writeSection(
      'redis',
      `## Redis (@logq/redis on node-redis, beside raw node-redis${ioredis ? ' and the ioredis-based @logq/redis' : ''})

| end to end, producer → Redis → consumer | records/s: median (min–max) | vs raw (medians) | producer CPU µs/record | consumer CPU µs/record | redis-server CPU µs/record |
|---|---:|---:|---:|---:|---:|
${e2eRows.join('\n')}

Ratios to raw node-redis (medians): ${ratios.join(', ')} (goal: logq on node-redis ≥ 1.00×).

| into Redis | items/s: median (min–max) | vs raw (medians) | every run |
|---|---:|---:|---|
${slimRows.join('\n')}

| caller-side cost per log call | ns: median (min–max) | every run |
|---|---:|---|
${callerRows.join('\n')}

| per record, outside the transport (today's core) | ns: median (min–max) | every run |
|---|---:|---|
${outsideRows.join('\n')}

Every end-to-end run (records/s):

| path | runs |
|---|---|
${e2eRuns.join('\n')}

Method: ${RUNS} runs per path after two untimed warm-up runs of each, the paths of a table interleaved round-robin (order
reversed every other round), median and range reported. End to end: ${fmt(sizes.list)} (list) / ${fmt(sizes.stream)} (stream)
records per run, sized from the warm-up so that the fastest path's run lasts ≥ ${fmt(RUN_MS / 1000, 1)} s (the shortest
run took ${fmt(shortest, 1)} s); records of ${recordBytes} bytes (logq) / ${Buffer.byteLength(sampleJson(0))} bytes (raw) on one
local redis-server; the producer runs here and the consumer in a child process; the time is from the first log call
to the consumer having decoded the last record (into a LogRecord for logq, a plain object with JSON.parse for raw),
before either side closes. Raw producer: JSON.stringify per record, pipelines of ${fmt(PIPELINE)} records in RPUSHes of
${PUSH_CHUNK} values (streams: one XADD each), one pipeline in flight (awaited); raw consumer: LPOP ${POP} (BLPOP when
empty) / XREADGROUP COUNT ${POP} BLOCK + XACK. logq: \`log.info\` with RedisQueueHandler pushed (format 'logq', batchSize
${fmt(PIPELINE)}, pushChunk ${PUSH_CHUNK}; it sends in the background, one pipeline in flight), yielding to the event loop
every ${fmt(PIPELINE)} records as the raw producer does; RedisSubscriber (batchSize ${POP}) and \`recv()\` per record, or (the \`dispatchForever()\` rows, Logbook's
\`dispatch_forever\` idiom) the subscriber dispatching each record into a handler pushed for it, which counts it.
"CPU µs/record": user + system time of the producer process (from the first log call until the handler closed) and of
the consumer process (from ready to the last record) per record, and redis-server's (INFO cpu, user + system, from just
before the first record until the consumer had the last; it includes the consumer's idle polling at the end): the efficiency
measure a loaded machine disturbs least. On 2 cores the three processes compete for the CPU, so the three figures together
bound the rate. Into Redis: records logged for ≥ ${fmt(RUN_MS / 1000, 1)} s, then until Redis holds every item (checked with LLEN).
Caller cost and per-record rows: timed chunks of 1,000 calls adding up to ≥ ${fmt(RUN_MS / 1000, 1)} s per run (the handler
flushed between chunks, untimed). ${ioredisNote} Machine at the start: ${before}; at the end:
${machine().replace(/^.*load average/, 'load average')}.`,
    );
  } finally {
    await redis.stop();
  }
}

function describeE2E(impl: Impl, mode: Mode): string {
  if (impl === 'raw') {
    return mode === 'list'
      ? `raw node-redis: RPUSH ${PUSH_CHUNK} per call, one pipeline of ${fmt(PIPELINE)} in flight → LPOP ${POP} / BLPOP, JSON.parse`
      : `raw node-redis: pipelined XADD → XREADGROUP COUNT ${POP} + XACK, JSON.parse`;
  }
  const label = impl === 'ioredis' ? 'logq (ioredis, last build before node-redis)' : '**logq (node-redis)**';
  const consumer = impl === 'dispatch' ? '`dispatchForever()` into a handler' : '`recv()` per record';
  return mode === 'list'
    ? `${label} RedisQueueHandler → RedisSubscriber, list, ${consumer}`
    : `${label} RedisQueueHandler → RedisSubscriber, stream (consumer group, acks), ${consumer}`;
}

/**
 * One path end to end, for a profile: `node --cpu-prof suites/redis.bench.ts profile logq list 300000`
 * (the consumer child inherits `--cpu-prof`: one profile per side).
 */
async function profile(impl: Impl, mode: Mode, n: number): Promise<void> {
  const ioredis = await loadIoredis();
  const builds: Partial<Record<Impl, LogqBuild>> = {
    logq: current,
    dispatch: current,
    ...(ioredis ? { ioredis } : {}),
  };
  const redis = await useRedis();
  try {
    const r = await endToEnd(impl, mode, redis.url, n, builds);
    console.log(
      `${impl}-${mode}: ${fmt(r.rate)} records/s in ${r.seconds.toFixed(1)} s; producer ${fmt(r.producerCpu, 1)} µs CPU/record, consumer ${fmt(r.consumerCpu, 1)}, redis-server ${fmt(r.serverCpu, 1)}`,
    );
  } finally {
    await redis.stop();
  }
}

if (process.argv[2] === 'consume') {
  const [, , , impl, mode, url, key, n] = process.argv;
  await consume(impl as Impl, mode as Mode, url!, key!, Number(n));
  process.exit(0);
} else if (process.argv[2] === 'profile') {
  const [, , , impl, mode, n] = process.argv;
  await profile(impl as Impl, mode as Mode, Number(n ?? 200_000));
  process.exit(0);
} else {
  await main();
  process.exit(0);
}
