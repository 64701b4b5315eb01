// Cost as the work grows (issue 17, goals 2 and 4): records/s, CPU µs/record and peak RSS against record
// size (logq beside the raw client at each size, per transport), producer count and, in work-queue modes,
// subscriber count. Every producer and consumer is a child process (scale-child.ts); the clock starts once
// all are connected. Knobs: LOGQ_BENCH_SCALE_ONLY=sizes,producers,subscribers;
// LOGQ_BENCH_SCALE_TRANSPORTS=zeromq,redis-list,redis-stream,amqp,process,mongo;
// LOGQ_BENCH_SCALE_SIZES=100,1024 (bytes); LOGQ_BENCH_SCALE_BUDGET_MIN=40; BENCH_RUN_MS, BENCH_RUNS as every suite.
import { loadavg } from 'node:os';
import { useFerretDB, useRabbitMQ, useRedis } from '@logq/services';
import { RUNS, RUN_MS, fmt, interleave, machine, writeSection } from './lib.js';
import { SIZES, logqBytes, padFor, rawJson } from './scale-records.js';
import { type RunResult, runOnce } from './scale-run.js';
import { type Measured, countTable, sizeTable, type SizeRow } from './scale-tables.js';
import { loadTransport } from './scale-transports.js';
import type { Impl, TransportName } from './scale-types.js';

type Broker = 'none' | 'redis' | 'rabbitmq' | 'ferretdb';
interface Path {
  readonly name: TransportName;
  readonly label: string;
  readonly broker: Broker;
  /** A work queue: several subscribers share its records. */
  readonly shared: boolean;
  /** In the producer-count table. */
  readonly producers: boolean;
  /** Most records of a warm-up run (FerretDB's work queue slows as it grows: every delete scans the collection). */
  readonly warmMax?: number;
}

const PATHS: readonly Path[] = [
  {
    name: 'zeromq',
    label: 'ZeroMQ PUSH/PULL',
    broker: 'none',
    shared: false,
    producers: true,
  },
  {
    name: 'redis-list',
    label: 'Redis list',
    broker: 'redis',
    shared: true,
    producers: true,
  },
  {
    name: 'redis-stream',
    label: 'Redis Streams (one consumer group)',
    broker: 'redis',
    shared: true,
    producers: true,
  },
  {
    name: 'amqp',
    label: 'RabbitMQ (durable, persistent, confirms)',
    broker: 'rabbitmq',
    shared: true,
    producers: true,
  },
  {
    name: 'process',
    label: 'process (fork IPC)',
    broker: 'none',
    shared: false,
    producers: false,
  },
  {
    name: 'mongo',
    label: 'MongoDB work queue (FerretDB)',
    broker: 'ferretdb',
    shared: true,
    producers: true,
    warmMax: 1000,
  },
];

const list = (name: string): string[] | null =>
  process.env[name]
    ? process.env[name]!.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
const ONLY = list('LOGQ_BENCH_SCALE_ONLY') ?? ['sizes', 'producers', 'subscribers'];
const WANTED = list('LOGQ_BENCH_SCALE_TRANSPORTS');
const SIZE_LIST = list('LOGQ_BENCH_SCALE_SIZES')?.map(Number) ?? [...SIZES];
/** Record size of the producer- and subscriber-count tables. */
const COUNT_BYTES = 1024;
const COUNTS = [1, 2, 4] as const;

const started = performance.now();
/**
 * Row groups not begun within this many minutes are left out (and the section says so), so that the section is
 * written before run.mjs's 45-minute limit ends the suite on a loaded machine.
 */
const BUDGET_MIN = Number(process.env.LOGQ_BENCH_SCALE_BUDGET_MIN ?? 40) || 40;
const overBudget = (): boolean => performance.now() - started > BUDGET_MIN * 60_000;
const elapsed = () => `${fmt((performance.now() - started) / 1000)} s`;

async function startBroker(broker: Broker): Promise<{ url: string; stop(): Promise<void> }> {
  if (broker === 'redis') return useRedis();
  if (broker === 'rabbitmq') return useRabbitMQ();
  if (broker === 'ferretdb') {
    const service = await useFerretDB();
    return { url: `${service.url.replace(/\/+$/, '')}/bench`, stop: () => service.stop() };
  }
  return { url: '', stop: async () => undefined };
}

interface Variant {
  readonly name: string;
  readonly impl: Impl;
  readonly producers: number;
  readonly consumers: number;
}

/**
 * Measures the variants of one row group: two untimed warm-up runs of each (~4 MiB of records, then about half
 * a run) size the timed runs so that the fastest variant's lasts RUN_MS × 1.5 (every variant sends the same records), then RUNS
 * rounds, the variants alternating.
 */
async function measure(
  path: Path,
  url: string,
  bytes: number,
  variants: readonly Variant[],
  what: string,
): Promise<RunResult[][]> {
  const transport = await loadTransport[path.name]();
  const pad = padFor(bytes);
  const wireBytes = logqBytes(pad);
  const base = { transport: path.name, url, pad, bytes: wireBytes };
  const warmN = Math.max(16, Math.min(path.warmMax ?? 20_000, Math.round((4 * 2 ** 20) / wireBytes)));
  // A short first warm-up runs cold (fresh processes, the JIT not warm, fixed start-up costs): it underestimates
  // the rate, so a second warm-up, sized from it to about half a run, sizes the timed runs.
  const warmUp = async (count: number, round: number): Promise<number> => {
    let fastest = 0;
    for (const v of variants) {
      const r = await runOnce(transport, { ...base, ...v, n: count });
      console.log(
        `[scale ${elapsed()}] ${what} ${v.name} warm-up ${round}: ${fmt(r.rate)} records/s (${fmt(r.seconds, 1)} s)`,
      );
      fastest = Math.max(fastest, r.rate);
    }
    return fastest;
  };
  const first = await warmUp(warmN, 1);
  const secondN = Math.max(warmN, Math.round((first * RUN_MS) / 2000));
  const fastest = await warmUp(path.warmMax === undefined ? secondN : Math.min(secondN, path.warmMax * 4), 2);
  const lcm = 4;
  const n = Math.max(16, Math.ceil((fastest * (RUN_MS / 1000) * 1.5) / lcm) * lcm);
  let k = 0;
  return interleave(
    variants.map((v) => ({
      name: v.name,
      warmup: async () => undefined,
      run: async () => {
        const r = await runOnce(transport, { ...base, ...v, n });
        shortestRun = Math.min(shortestRun, r.seconds);
        console.log(
          `[scale ${elapsed()}] ${what} ${v.name} run ${Math.floor(k++ / variants.length) + 1}/${RUNS}: ${fmt(r.rate)} records/s (${fmt(r.seconds, 1)} s), CPU µs/record ${fmt(r.producerUs, 1)} + ${fmt(r.consumerUs, 1)}, RSS ${fmt(r.producerRss)} / ${fmt(r.consumerRss)} MiB`,
        );
        return r;
      },
    })),
  );
}

/** The shortest timed run of the suite, in s (reported: each should last ≥ RUN_MS). */
let shortestRun = Number.POSITIVE_INFINITY;

async function main(): Promise<void> {
  const before = machine();
  const paths = PATHS.filter((p) => WANTED === null || WANTED.includes(p.name));
  const sizeRows: SizeRow[] = [];
  const producerRows: Measured[] = [];
  const subscriberRows: Measured[] = [];
  const notes: string[] = [];
  for (const path of paths) {
    const broker = await startBroker(path.broker);
    try {
      if (ONLY.includes('sizes')) {
        for (const bytes of SIZE_LIST) {
          const what = `sizes ${path.name} ${fmt(bytes)} B`;
          if (overBudget()) {
            notes.push(
              `${path.label} at ${fmt(bytes)} B was not measured: the suite's ${BUDGET_MIN}-minute budget was spent.`,
            );
            continue;
          }
          try {
            const [raw, logq] = await measure(
              path,
              broker.url,
              bytes,
              [
                { name: 'raw', impl: 'raw', producers: 1, consumers: 1 },
                { name: 'logq', impl: 'logq', producers: 1, consumers: 1 },
              ],
              what,
            );
            const pad = padFor(bytes);
            sizeRows.push({
              path: path.label,
              target: bytes,
              logqBytes: logqBytes(pad),
              rawBytes: Buffer.byteLength(rawJson(0, 'x'.repeat(pad))),
              raw: raw!,
              logq: logq!,
            });
          } catch (error) {
            console.error(`[scale] ${what} failed: ${(error as Error).message}`);
            notes.push(`${path.label} at ${fmt(bytes)} B was not measured: ${(error as Error).message}.`);
          }
        }
      }
      // Producer and subscriber counts in one group of variants (one producer and one consumer is the first
      // row of both tables), alternating, so that they see the same machine load.
      const kinds = (['producers', 'subscribers'] as const).filter(
        (kind) => ONLY.includes(kind) && (kind === 'producers' ? path.producers : path.shared),
      );
      if (kinds.length > 0 && overBudget()) {
        notes.push(
          `${path.label}, ${kinds.join(' and ')}: not measured: the suite's ${BUDGET_MIN}-minute budget was spent.`,
        );
      } else if (kinds.length > 0) {
        const what = `${kinds.join(' and ')} ${path.name}`;
        const variants = [
          { name: '1 → 1', impl: 'logq' as const, producers: 1, consumers: 1 },
          ...kinds.flatMap((kind) =>
            COUNTS.slice(1).map((c) => ({
              name: kind === 'producers' ? `${c} → 1` : `1 → ${c}`,
              impl: 'logq' as const,
              producers: kind === 'producers' ? c : 1,
              consumers: kind === 'subscribers' ? c : 1,
            })),
          ),
        ];
        try {
          const results = await measure(path, broker.url, COUNT_BYTES, variants, what);
          const bytes = logqBytes(padFor(COUNT_BYTES));
          for (const kind of kinds) {
            const pick = variants
              .map((v, k) => ({ v, runs: results[k]! }))
              .filter(({ v }) => (kind === 'producers' ? v.consumers === 1 : v.producers === 1));
            (kind === 'producers' ? producerRows : subscriberRows).push({
              path: path.label,
              counts: pick.map(({ v }) => (kind === 'producers' ? v.producers : v.consumers)),
              results: pick.map(({ runs }) => runs),
              bytes,
            });
          }
        } catch (error) {
          console.error(`[scale] ${what} failed: ${(error as Error).message}`);
          notes.push(`${path.label}, ${what}: not measured: ${(error as Error).message}.`);
        }
      }
    } finally {
      await broker.stop();
    }
  }
  const loadEnd = loadavg();
  const sizes = sizeRows.length > 0 ? sizeTable(sizeRows) : null;
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');
  const readyRss = [
    ...sizeRows.flatMap((r) => [...r.raw, ...r.logq]),
    ...producerRows.flatMap((r) => r.results.flat()),
    ...subscriberRows.flatMap((r) => r.results.flat()),
  ]
    .map((r) => r.readyRss)
    .sort((a, b) => a - b);
  const baseline = readyRss.length ? readyRss[readyRss.length >> 1]! : 0;
  const smallest = logqBytes(0);
  writeSection(
    'scale',
    `## Scale: cost as the work grows (record size, producers, subscribers)

Machine at the start: ${before}; load average at the end ${load(loadEnd)}. The suite took ${fmt((performance.now() - started) / 60_000, 1)} min.
${notes.length ? `\n**Not measured:** ${notes.join(' ')}\n` : ''}
${sizes ? `### Record size: logq beside the raw client, per transport\n\n${sizes.table}\n\n**Cliffs** (per-record time growing faster than 2.2× per doubling of the record): ${sizes.cliffs.length ? sizes.cliffs.join('; ') : 'none'}.\n\n**Below raw** (goal 2: logq ≥ 1.00× of raw at every size, medians): ${sizes.below.length ? sizes.below.join('; ') : 'none'}.\n\nEvery run (records/s):\n\n${sizes.runs}\n` : ''}
${producerRows.length ? `### Producer count (logq, ${fmt(COUNT_BYTES)}-byte records, one consumer)\n\n${countTable(producerRows, 'producers')}\n` : ''}
${subscriberRows.length ? `### Subscriber count (logq, ${fmt(COUNT_BYTES)}-byte records, one producer, subscribers sharing one work queue)\n\n${countTable(subscriberRows, 'subscribers')}\n\nMongoDB's work queue (queue mode) is shared: each record is claimed by one subscriber; its broadcast mode (a tailed capped collection) gives every subscriber every record and is not a work queue, so it is not in this table. ZeroMQ PUSH/PULL and fork IPC have no shared queue (one PULL socket binds; IPC is a channel per child). The 1-subscriber rows are the runs of the producer table's 1-producer rows: the variants of a path (1 → 1, 2 → 1, 4 → 1, 1 → 2, 1 → 4) ran as one group, alternating.\n` : ''}
Method: every producer and every consumer is its own child process (the process transport: the consumer forks its producers, whose
IPC channel it reads). Each producer connects and sends one untimed record (logq: logged and flushed; raw: sent and acknowledged), each
consumer connects (declares, binds), and the clock starts when all are ready; it stops when the consumers have decoded the last record
(logq: a \`LogRecord\` from \`recv()\`; raw: \`JSON.parse\` of each, or for fork IPC a read of the dict Node's channel has decoded). Every run starts fresh processes, so the JIT warms up inside the timed run, for raw and logq alike (the warm-up run warms the
broker, not the processes): short runs flatter neither, but they understate both. Records are the bench's record dict grown by a string in
\`extra\` to the target size of the encoded wire record; the smallest logq record (the usual ~540-byte dict, ${fmt(smallest)} B) is over 100 B, so the
"100 B" rows send it unpadded. Raw does the same work a careful hand-written logger does: \`JSON.stringify\` of the same dict per record, the
same batching and durability as logq's handler (ZeroMQ: one frame per awaited send, HWM 10,000; Redis: pipelines of 1,024 records,
RPUSH of 128 or one XADD each, one pipeline in flight, LPOP 1,000 / XREADGROUP COUNT 1,000 + XACK; RabbitMQ: persistent messages to a
durable queue, \`waitForConfirms\` every 1,000, prefetch 256, ack each; fork IPC: \`process.send(dict)\` per record, Node's channel doing the JSON, with one shared write callback (no promise per send), waiting only when \`send()\` returns false or 4,096 records are unwritten;
MongoDB: \`insertMany\` of 512 documents into a collection with MongoHandler's indexes, the claim-based competing consumer of the mongo
suite). Producers yield to the event loop every ~512 KiB of records (at most 1,024 records). Sizing: an untimed warm-up run of each
variant with ~4 MiB of records (MongoDB: at most 1,000), then a second sized from it to about half a run, measure the fastest, and the
timed runs send enough records for it to last ${fmt(RUN_MS / 1000, 1)} s ×1.5 (large records need far fewer; the shortest timed run took
${fmt(shortestRun, 1)} s); ${RUNS} runs per variant, the variants of a row group alternating (order reversed every other
round); medians with (min–max), every run listed. CPU µs/record: user + system time of all producer (or consumer) processes from "go" to
their end, per record (a single consumer stops at its last record; shared consumers run until the suite has counted every record, so
theirs include up to ~0.1 s of idle polling). Peak RSS: the largest producer's and consumer's \`maxRSS\` (a process at "ready", node + tsx
+ clients, is ~${fmt(baseline)} MiB). "Step": per-record time of this size over the previous size's (same implementation), beside the byte
growth; a **cliff** is a step whose time factor exceeds 2.2^(log2 of the byte factor), i.e. more than 2.2× per doubling of the record.`,
  );
}

await main();
process.exit(0);
