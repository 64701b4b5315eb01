// @logq/mongo: records/s into the collection (MongoHandler beside the raw
// driver's insertMany of the same documents into a collection with the same
// indexes), end to end through the work queue and the broadcast tail
// (producer here, consumer in a child process, each beside the raw driver
// doing the same work), and the caller-side cost of a log call; every path
// beside its raw counterpart in the same run, interleaved round-robin, median
// and range of ≥ 5 runs of ≥ 2 s. One FerretDB (or LOGQ_MONGO_URL) started
// through @logq/services; its CPU time is read from /proc when it was started here.
//
// Quick look (not for RESULTS.md): BENCH_RUN_MS=200 LOGQ_BENCH_MONGO_WARMUP_N=512 LOGQ_BENCH_MONGO_E2E_WARMUP_N=200
import { Logger, kw } from '@logq/core';
import { MongoHandler, MongoSubscriber } from '@logq/mongo';
import { useFerretDB } from '@logq/services';
import { type Document, Long, MongoClient, ObjectId } from 'mongodb';
import { INDEXES, claimRound } from './mongo-raw.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  RUNS,
  RUN_MS,
  captureRecord,
  fmt,
  fmtRuns,
  fmtStats,
  interleave,
  machine,
  sampleDict,
  sampleJson,
  spawnConsumer,
  stats,
  timeCalls,
  timeLogCalls,
  sizedRuns,
  writeSection,
  cpuSince,
} from './lib.js';

/** Records of the first warm-up run of each insert path; the second warm-up and the timed runs are sized from it. */
const WARMUP_N = Number(process.env.LOGQ_BENCH_MONGO_WARMUP_N ?? 5_000);
/** The same for the end-to-end paths (FerretDB consumes hundreds to a few thousand records/s). */
const E2E_WARMUP_N = Number(process.env.LOGQ_BENCH_MONGO_E2E_WARMUP_N ?? 1_500);
/** Timed runs hold this many times the records that would last RUN_MS at the warm-up's rate. */
const MARGIN = 1.5;
/** Records per insertMany (MongoHandler's default batchSize). */
const BATCH = 512;
/** Records the raw work-queue consumer takes per round (MongoSubscriber's default prefetch). */
const PREFETCH = 1000;
const CAPPED = 64 * 1024 * 1024;
/** The client options MongoHandler and MongoSubscriber use for a client they make from the URI. */
const CLIENT_OPTIONS = { serverSelectionTimeoutMS: 5000, socketTimeoutMS: 60_000 } as const;
const name = (what: string) => `bench_${what}_${randomBytes(4).toString('hex')}`;

const extra = { request_id: 'c0ffee-1234', user: 'alice' };

/** The document the raw driver inserts: the ~540-byte record dict (lib.ts `sampleDict`, a literal built per record, stamped now), an _id and a Date. */
const rawDocument = (i: number): Document => {
  const doc: Document = sampleDict(i, { request_id: 'c0ffee-1234', user: 'alice' }, new Date().toISOString());
  doc._id = new ObjectId();
  doc.timestamp = new Date();
  return doc;
};

type Mode = 'queue' | 'broadcast';
type E2EPath = `raw-${Mode}` | `logq-${Mode}`;
type InsertPath = 'raw' | 'logq' | 'bare' | 'inflight2';

/** CPU time (user + system, all threads) of a local process in µs, from /proc; null when unknown. */
function processCpuUs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
}

/** A client that records the time of every command it runs (command monitoring), by command name. */
function monitoredClient(url: string): { client: MongoClient; commands: Map<string, { count: number; ms: number }> } {
  const client = new MongoClient(url, { ...CLIENT_OPTIONS, monitorCommands: true });
  const commands = new Map<string, { count: number; ms: number }>();
  const add = (event: { commandName: string; duration: number }): void => {
    const entry = commands.get(event.commandName) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += event.duration;
    commands.set(event.commandName, entry);
  };
  client.on('commandSucceeded', add);
  client.on('commandFailed', add);
  return { client, commands };
}

// ---------------------------------------------------------------- consumer side (child process)

/**
 * Raw work-queue consumer, as a competing consumer has to be written on
 * FerretDB (updates scan the collection per document there): read the head,
 * claim it with one insert of claim documents keyed by the record ids, read
 * the records, delete them with one deleteMany, then their claims.
 */
async function rawQueueConsumer(
  client: MongoClient,
  collection: string,
  n: number,
  ready: () => void,
): Promise<number> {
  const db = client.db();
  const records = db.collection(collection);
  const claims = db.collection(`${collection}.claims`);
  ready();
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
async function rawBroadcastConsumer(
  client: MongoClient,
  collection: string,
  n: number,
  ready: () => void,
): Promise<number> {
  const db = client.db();
  const session = client.startSession();
  const options = { session, promoteLongs: false } as const;
  ready();
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

/** MongoSubscriber on a client of ours (the options it would use itself, plus command monitoring). */
async function logqConsumer(
  client: MongoClient,
  url: string,
  collection: string,
  mode: Mode,
  n: number,
  ready: () => void,
): Promise<number> {
  const subscriber = new MongoSubscriber(url, {
    client,
    database: client.db().databaseName,
    collection,
    mode,
    format: 'logq',
  });
  await subscriber.recv(0); // connected, collection (capped in broadcast mode) and indexes created
  ready();
  let count = 0;
  while (count < n) if (await subscriber.recv(30_000)) count++;
  await subscriber.close();
  return count;
}

/**
 * The consumer child: reports `done <records> <CPU µs since ready> <commands JSON>` as soon as it
 * has the last record, before it closes (the commands: per name, how many and their ms, as the driver timed them).
 */
async function consume(path: E2EPath, url: string, collection: string, n: number): Promise<void> {
  const { client, commands } = monitoredClient(url);
  await client.connect();
  let cpuStart = process.cpuUsage();
  const ready = (): void => {
    commands.clear();
    cpuStart = process.cpuUsage();
    process.stdout.write('ready\n');
  };
  const count =
    path === 'raw-queue'
      ? await rawQueueConsumer(client, collection, n, ready)
      : path === 'raw-broadcast'
        ? await rawBroadcastConsumer(client, collection, n, ready)
        : await logqConsumer(client, url, collection, path === 'logq-queue' ? 'queue' : 'broadcast', n, ready);
  const cpu = cpuSince(cpuStart);
  process.stdout.write(`done ${count} ${cpu} ${JSON.stringify(Object.fromEntries(commands))}\n`);
  await client.close();
}

// ---------------------------------------------------------------- producer side

/** Creates a collection like MongoHandler's (capped in broadcast mode) with the same indexes. */
async function prepare(client: MongoClient, collection: string, mode: Mode | 'bare'): Promise<void> {
  const db = client.db();
  if (mode === 'broadcast') await db.createCollection(collection, { capped: true, size: CAPPED });
  if (mode === 'bare') await db.createCollection(collection);
  else await db.collection(collection).createIndexes(INDEXES);
}

/**
 * The raw driver's insertMany of documents from..to in batches of BATCH, `inflight` batches at a time
 * (1: as MongoHandler; ordered), yielding to the event loop per batch as the logq producer does.
 */
async function rawProduce(client: MongoClient, collection: string, from: number, to: number, inflight = 1) {
  const target = client.db().collection(collection);
  let next = from;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < to) {
        const start = next;
        next = Math.min(to, next + BATCH);
        const docs = [];
        for (let i = start; i < next; i++) docs.push(rawDocument(i));
        await target.insertMany(docs, { ordered: inflight === 1 });
      }
    }),
  );
}

const logger = new Logger('bench.service');
const logOne = (i: number): void => logger.info('request {0} handled in {1} ms', i, 12.5, kw({}, { extra }));

/** Logs records from..to with the handler pushed, yielding to the event loop every BATCH records as an application does. */
async function logMany(handler: CountingMongoHandler, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += BATCH) {
    handler.applicationBound(() => {
      for (let k = i; k < Math.min(to, i + BATCH); k++) logOne(k);
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** MongoHandler counting the batches it sends (one call per batch: the cost is nil beside an insertMany). */
class CountingMongoHandler extends MongoHandler {
  batches = 0;
  protected override async sendBatch(batch: readonly Document[]): Promise<void> {
    this.batches++;
    await super.sendBatch(batch);
  }
}

/** One timed run: records/s, CPU µs per record of the producer, the consumer and the server (null: unknown), its length. */
interface Run {
  readonly rate: number;
  readonly seconds: number;
  readonly producerCpu: number;
  readonly consumerCpu: number | null;
  readonly serverCpu: number | null;
  /** The consumer's commands (end to end only): per name, how many and their total ms, as the driver timed them. */
  readonly commands: Record<string, { count: number; ms: number }>;
  /** insertMany calls of the producer in the timed part. */
  readonly batches: number;
}

/**
 * n records into a fresh collection, timed from the first document built or log call (the client
 * connected, the collection and its indexes made) until the server acknowledged the last.
 */
async function insertRun(client: MongoClient, url: string, path: InsertPath, n: number, serverPid: number | null) {
  const collection = name(path);
  let handler: CountingMongoHandler | null = null;
  if (path === 'logq') {
    handler = new CountingMongoHandler(url, { collection, format: 'logq', maxBuffer: n + 1 });
    handler.handle(captureRecord(() => logOne(-1))); // connect and create the indexes outside the timing
    await handler.flush();
    handler.batches = 0;
  } else {
    await prepare(client, collection, path === 'bare' ? 'bare' : 'queue');
  }
  const server0 = processCpuUs(serverPid);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  if (handler) {
    await logMany(handler, 0, n);
    await handler.flush();
  } else {
    await rawProduce(client, collection, 0, n, path === 'inflight2' ? 2 : 1);
  }
  const seconds = (performance.now() - start) / 1000;
  const producerCpu = cpuSince(cpu0);
  const server1 = processCpuUs(serverPid);
  if (handler) {
    await handler.close({ timeoutMs: 60_000 });
    if (handler.stats.dropped > 0) throw new Error(`logq insert: the handler dropped ${handler.stats.dropped} records`);
  }
  const stored = await client.db().collection(collection).countDocuments();
  if (stored !== n + (handler ? 1 : 0)) throw new Error(`${path} insert: ${stored} documents of ${n}`);
  await client.db().collection(collection).drop();
  return {
    rate: n / seconds,
    seconds,
    producerCpu: producerCpu / n,
    consumerCpu: null,
    serverCpu: server0 === null || server1 === null ? null : (server1 - server0) / n,
    commands: {},
    batches: handler ? handler.batches : Math.ceil(n / BATCH),
  } satisfies Run;
}

/**
 * n records end to end: the consumer child connected (ready), the producer connected with one record
 * written before the clock (the consumer takes it too, untimed); timed from the first document built or
 * log call until the consumer reports the last record.
 */
async function endToEndRun(client: MongoClient, url: string, path: E2EPath, n: number, serverPid: number | null) {
  const mode: Mode = path.endsWith('queue') ? 'queue' : 'broadcast';
  const collection = name(path.replace('-', '_'));
  if (path.startsWith('raw')) await prepare(client, collection, mode);
  const consumer = spawnConsumer(import.meta.url, ['consume', path, url, collection, String(n + 1)]);
  await consumer.ready;
  let handler: CountingMongoHandler | null = null;
  if (path.startsWith('raw')) {
    await rawProduce(client, collection, -1, 0);
  } else {
    handler = new CountingMongoHandler(url, { collection, mode, format: 'logq', maxBuffer: n + 1 });
    handler.handle(captureRecord(() => logOne(-1)));
    await handler.flush();
    handler.batches = 0;
  }
  const server0 = processCpuUs(serverPid);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  if (handler) {
    await logMany(handler, 0, n);
    await handler.close({ timeoutMs: 600_000 });
    if (handler.stats.dropped > 0) throw new Error(`${path}: the handler dropped ${handler.stats.dropped} records`);
  } else {
    await rawProduce(client, collection, 0, n);
  }
  const producerCpu = cpuSince(cpu0);
  const { at, line } = await consumer.done;
  const server1 = processCpuUs(serverPid);
  const [, got, consumerCpu, commands] = /^done (\d+) (\d+) (.*)$/.exec(line) ?? [];
  if (Number(got) !== n + 1) throw new Error(`${path}: consumer reported "${line}"`);
  for (const c of [collection, `${collection}.claims`])
    await client
      .db()
      .collection(c)
      .drop()
      .catch(() => undefined);
  const seconds = (at - start) / 1000;
  return {
    rate: n / seconds,
    seconds,
    producerCpu: producerCpu / n,
    consumerCpu: Number(consumerCpu) / n,
    serverCpu: server0 === null || server1 === null ? null : (server1 - server0) / n,
    commands: JSON.parse(commands ?? '{}') as Run['commands'],
    batches: handler ? handler.batches : Math.ceil(n / BATCH),
  } satisfies Run;
}

/** {@link sizedRuns} of the paths of one group, logged as `mongo <label> ...`. */
function measure<P extends string>(
  label: string,
  paths: readonly P[],
  warmupN: number,
  round: number,
  run: (path: P, n: number) => Promise<Run>,
): Promise<{ n: number; runs: Record<P, Run[]> }> {
  return sizedRuns(
    paths,
    {
      warmupN,
      round,
      margin: MARGIN,
      log: (line) => console.error(`mongo ${label} ${line}`),
      describe: (r) => `${fmt(r.rate)} records/s in ${r.seconds.toFixed(1)} s`,
    },
    run,
  );
}

/** A MongoHandler whose transport does nothing: the caller's cost of a log call, without FerretDB's pace. */
class UnsentMongoHandler extends MongoHandler {
  protected override async connect(): Promise<void> {}
  protected override async sendBatch(): Promise<void> {}
  protected override async disconnect(): Promise<void> {}
}

const rawBatch: Document[] = [];

const median = (runs: readonly Run[], key: 'producerCpu' | 'consumerCpu' | 'serverCpu'): number | null => {
  const values = runs.map((r) => r[key]).filter((v): v is number => v !== null);
  return values.length === runs.length ? stats(values).median : null;
};
const cpuCell = (v: number | null) => (v === null ? 'n/a' : fmt(v, 1));

/** Median share of a run's wall time that the consumer spent waiting for FerretDB's replies. */
const waitShare = (runs: readonly Run[]): string =>
  `${fmt(stats(runs.map((r) => Object.values(r.commands).reduce((sum, c) => sum + c.ms, 0) / 10 / r.seconds)).median)}%`;

/** Median records per insertMany of the producer. */
const batchSize = (runs: readonly Run[], n: number): string => fmt(stats(runs.map((r) => n / r.batches)).median);

/** Per record, the consumer's time in each kind of command (medians over the runs), e.g. `delete 310 µs, find 95 µs`. */
function commandTimes(runs: readonly Run[], n: number): string {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.commands)))];
  const per = names
    .map((c) => ({
      c,
      us: stats(runs.map((r) => ((r.commands[c]?.ms ?? 0) * 1000) / n)).median,
      count: stats(runs.map((r) => r.commands[c]?.count ?? 0)).median,
    }))
    .filter((x) => x.us >= 0.5)
    .sort((a, b) => b.us - a.us);
  return per.map((x) => `${x.c} ${fmt(x.us)} µs (${fmt(x.count)} commands)`).join(', ');
}

async function main(): Promise<void> {
  const service = await useFerretDB();
  const url = `${service.url.replace(/\/+$/, '')}/bench`;
  const serverPid = service.server?.pid ?? null;
  const client = new MongoClient(url, CLIENT_OPTIONS);
  await client.connect();
  const before = machine();
  const started = performance.now();
  try {
    const recordBytes = Buffer.byteLength(JSON.stringify(captureRecord(() => logOne(1)).toDict()));
    const insertPaths = ['raw', 'logq', 'bare', 'inflight2'] as const;
    const inserts = await measure('insert', insertPaths, WARMUP_N, BATCH, (p, n) =>
      insertRun(client, url, p, n, serverPid),
    );
    const queue = await measure('queue', ['raw-queue', 'logq-queue'] as const, E2E_WARMUP_N, 100, (p, n) =>
      endToEndRun(client, url, p, n, serverPid),
    );
    const broadcast = await measure(
      'broadcast',
      ['raw-broadcast', 'logq-broadcast'] as const,
      E2E_WARMUP_N,
      100,
      (p, n) => endToEndRun(client, url, p, n, serverPid),
    );

    // Caller side: the log call (record, document, buffer) beside building the same document for a raw batch.
    const unsent = new UnsentMongoHandler('mongodb://127.0.0.1:1/none', { format: 'logq', maxBuffer: 100_000 });
    const callerPaths = [
      {
        name: 'raw: build the same document (literal, _id, Date) into an insertMany batch',
        run: async () =>
          (
            await timeCalls((i) => {
              rawBatch.push(rawDocument(i));
              if (rawBatch.length >= BATCH) rawBatch.length = 0;
            })
          ).ns,
      },
      {
        name: "`log.info(...)` with MongoHandler pushed (format 'logq': record, document, buffer)",
        run: () => timeLogCalls(unsent, logOne),
      },
    ];
    const callerRuns = await interleave(callerPaths);
    await unsent.close({ timeoutMs: 10_000 });
    if (unsent.stats.dropped > 0) throw new Error(`the caller-cost handler dropped ${unsent.stats.dropped} records`);

    // ------------------------------------------------------------ the section
    const rate = (runs: readonly Run[]) => stats(runs.map((r) => r.rate));
    const allRuns = [
      ...Object.values<Run[]>(inserts.runs),
      ...Object.values<Run[]>(queue.runs),
      ...Object.values<Run[]>(broadcast.runs),
    ].flat();
    const shortest = Math.min(...allRuns.map((r) => r.seconds));
    const row = (label: string, runs: readonly Run[], raw: readonly Run[], bold = false) => {
      const ratio = `${fmt(rate(runs).median / rate(raw).median, 2)}×`;
      const consumer = runs[0]!.consumerCpu === null ? '—' : cpuCell(median(runs, 'consumerCpu'));
      return `| ${label} | ${fmtStats(rate(runs))} | ${bold ? `**${ratio}**` : ratio} | ${cpuCell(median(runs, 'producerCpu'))} | ${consumer} | ${cpuCell(median(runs, 'serverCpu'))} |`;
    };
    const ir = inserts.runs;
    const q = queue.runs;
    const b = broadcast.runs;
    const goal = (what: string, logq: readonly Run[], raw: readonly Run[], bound: () => string): string => {
      const ratio = rate(logq).median / rate(raw).median;
      return `- ${what}: ${fmt(ratio, 2)}× raw (medians ${fmt(rate(logq).median)} / ${fmt(rate(raw).median)} records/s): ${ratio >= 1 ? '**met**' : `**not met**; ${bound()}`}`;
    };
    /** Where an end-to-end path's time goes: each process's CPU per record and its share of a core over the run. */
    const busy = (v: number | null, r: number) => (v === null ? 'n/a' : `${fmt((v * r) / 1e6, 2)} cores`);
    const bound = (runs: readonly Run[], raw: readonly Run[], n: number) => (): string => {
      const r = rate(runs).median;
      const server = median(runs, 'serverCpu');
      const consumer = median(runs, 'consumerCpu');
      const producer = median(runs, 'producerCpu');
      return `per record, FerretDB ${cpuCell(server)} µs CPU (busy ${busy(server, r)} over the run; raw's ${cpuCell(median(raw, 'serverCpu'))} µs), the consumer ${cpuCell(consumer)} µs (${busy(consumer, r)}; raw's ${cpuCell(median(raw, 'consumerCpu'))} µs), the producer ${cpuCell(producer)} µs (${busy(producer, r)}; ${batchSize(runs, n)} records per insertMany, raw ${batchSize(raw, n)}). The consumer spent ${waitShare(runs)} of the run waiting for FerretDB (raw's ${waitShare(raw)}), per record: ${commandTimes(runs, n)}; raw's: ${commandTimes(raw, n)}`;
    };
    const insertBound = (): string => {
      const s = median(ir.logq, 'serverCpu');
      const p = median(ir.logq, 'producerCpu');
      return `per record, FerretDB ${cpuCell(s)} µs CPU (busy ${busy(s, rate(ir.logq).median)}; raw's ${cpuCell(median(ir.raw, 'serverCpu'))} µs, ${busy(median(ir.raw, 'serverCpu'), rate(ir.raw).median)}), the producer ${cpuCell(p)} µs (raw's ${cpuCell(median(ir.raw, 'producerCpu'))}); MongoHandler sent ${batchSize(ir.logq, inserts.n)} records per insertMany (raw ${BATCH}), one batch in flight as raw`;
    };
    const runsRows = [
      ...insertPaths.map((p) => `| insert ${p} | ${fmtRuns(rate(ir[p]))} |`),
      ...(['raw-queue', 'logq-queue'] as const).map((p) => `| ${p} | ${fmtRuns(rate(q[p]))} |`),
      ...(['raw-broadcast', 'logq-broadcast'] as const).map((p) => `| ${p} | ${fmtRuns(rate(b[p]))} |`),
    ];
    const callerRows = callerPaths.map(
      (p, k) => `| ${p.name} | ${fmtStats(stats(callerRuns[k]!))} | ${fmtRuns(stats(callerRuns[k]!))} |`,
    );
    const minutes = (performance.now() - started) / 60_000;
    const md = `## @logq/mongo (${service.owned ? 'FerretDB 1.24.2, SQLite' : 'LOGQ_MONGO_URL'})

| path | records/s: median (min–max) | vs raw (medians) | producer CPU µs/record | consumer CPU µs/record | FerretDB CPU µs/record |
|---|---:|---:|---:|---:|---:|
${row(`raw driver \`insertMany\` (batches of ${BATCH}, one in flight, same indexes: level, channel, timestamp)`, ir.raw, ir.raw)}
${row('**MongoHandler** → collection (`flush()` acknowledged)', ir.logq, ir.raw, true)}
${row('raw `insertMany` into a bare collection (no indexes; for transparency)', ir.bare, ir.raw)}
${row('raw `insertMany`, two batches in flight (unordered; what a pipelining handler could reach)', ir.inflight2, ir.raw)}
${row('raw end to end, work queue (insertMany → find head, claim by insert, deleteMany)', q['raw-queue'], q['raw-queue'])}
${row('**end to end, work queue** (MongoHandler → MongoSubscriber)', q['logq-queue'], q['raw-queue'], true)}
${row('raw end to end, broadcast (insertMany → capped collection, tailable cursor)', b['raw-broadcast'], b['raw-broadcast'])}
${row('**end to end, broadcast** (MongoHandler → MongoSubscriber)', b['logq-broadcast'], b['raw-broadcast'], true)}

Goal (issue 17): ≥ 1.0× raw, per path, from the medians:
${goal('MongoHandler into the collection', ir.logq, ir.raw, insertBound)}
${goal('end to end, work queue', q['logq-queue'], q['raw-queue'], bound(q['logq-queue'], q['raw-queue'], queue.n))}
${goal('end to end, broadcast', b['logq-broadcast'], b['raw-broadcast'], bound(b['logq-broadcast'], b['raw-broadcast'], broadcast.n))}

Against raw insertMany alone, end to end is ${fmt(rate(q['logq-queue']).median / rate(ir.raw).median, 2)}× (work queue) and ${fmt(rate(b['logq-broadcast']).median / rate(ir.raw).median, 2)}× (broadcast):
FerretDB spent ${cpuCell(median(ir.raw, 'serverCpu'))} µs CPU per record inserted, ${cpuCell(median(q['raw-queue'], 'serverCpu'))} per record through the work queue and
${cpuCell(median(b['raw-broadcast'], 'serverCpu'))} through broadcast (raw clients, medians): reading, claiming and deleting cost it more than inserting, whatever the client.

| caller-side cost per log call | ns: median (min–max) | every run |
|---|---:|---|
${callerRows.join('\n')}

Every run (records/s):

| path | runs |
|---|---|
${runsRows.join('\n')}

Method: ${RUNS} runs per path after two untimed warm-up runs of each (the second sized from the first), the paths of a
group (inserts; work queue; broadcast) interleaved round-robin (order reversed every other round), median and range
reported. Runs of a group are all the same size, sized from the second warm-up so that the fastest path's run would
last ${MARGIN} × ${fmt(RUN_MS / 1000, 1)} s: ${fmt(inserts.n)} records per insert run, ${fmt(queue.n)} (work queue) and ${fmt(broadcast.n)} (broadcast)
end to end (the shortest run took ${fmt(shortest, 1)} s${shortest < RUN_MS / 1000 ? `, under ${fmt(RUN_MS / 1000, 1)} s: runs went faster than the warm-up` : ''}). Records of ${recordBytes} bytes (logq, \`log.info\` with the handler
pushed) / ${Buffer.byteLength(sampleJson(0))} bytes (raw, the same dict built as a literal with an _id and a Date), both producers yielding to the
event loop every ${BATCH} records; the raw producer awaits each insertMany of ${BATCH} (MongoHandler's batchSize, one
batch in flight). The clock starts with both sides connected: the collection and its indexes exist (raw: created
before the run; logq: the handler wrote one record, acknowledged, before the clock), and end to end the consumer child
has connected and said ready (it also takes that one record, untimed); inserts stop when the server acknowledged the
last batch (logq: \`flush()\`), end to end when the consumer has the last record, before either side closes. Raw
consumers are the shortest correct ones on FerretDB (see bench/suites/mongo.bench.ts): work queue read the head (${PREFETCH}),
claim by one insertMany into \`<collection>.claims\`, deleteMany the records, then their claims; broadcast a tailable
cursor polled with getMore every 10 ms while empty; MongoSubscriber runs with its defaults (prefetch ${PREFETCH}) on a
client made with the options it uses itself. CPU µs/record: user + system time per record of the producer (this
process, until the last acknowledgement or the handler's close), of the consumer child (ready to last record) and of
FerretDB (from /proc, all threads, 10 ms ticks; n/a with LOGQ_MONGO_URL); "busy N cores" is that times the median
rate. The consumers' time per command is what the driver's command monitoring measured (wall time from send to
reply, summed). Caller cost: timed chunks of 1,000 calls to ≥ ${fmt(RUN_MS / 1000, 1)} s per run, ${RUNS} runs after a warm-up run,
interleaved; logq's MongoHandler has a transport that sends nothing (its pump runs between chunks, untimed), so the
row is the log call itself (record, document, buffer) and not FerretDB's pace. One FerretDB on loopback; this suite
took ${fmt(minutes, 1)} min. Machine at the start: ${before}; at the end: ${machine().replace(/^.*load average/, 'load average')}.`;
    writeSection('mongo', md);
  } finally {
    await client.close();
    await service.stop();
  }
}

if (process.argv[2] === 'consume') {
  const [, , , path, url, collection, n] = process.argv;
  await consume(path as E2EPath, url!, collection!, Number(n));
  process.exit(0);
} else {
  await main();
  process.exit(0);
}
