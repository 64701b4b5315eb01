// @logq/amqp end to end (producer here, consumer in a child process) and per
// log call, each beside raw amqplib doing the same work with the same
// ~540-byte JSON in the same run: publishing with confirms (what logq does:
// flush() means the broker has it) and without.
import { type Handler, Logger, kw } from '@logq/core';
import { MessageQueueHandler, MessageQueueSubscriber } from '@logq/amqp';
import { useRabbitMQ } from '@logq/services';
import type { Channel, ChannelModel } from 'amqplib';
import { PROPERTIES, declare, rawConnection } from './amqp-raw.js';
import { randomBytes } from 'node:crypto';
import {
  RUNS,
  captureRecord,
  fmt,
  fmtRuns,
  fmtStats,
  machine,
  nsPerCall,
  sampleJson,
  spawnConsumer,
  stats,
  writeSection,
} from './lib.js';

/** Messages per end-to-end run: sized so that a run lasts ≥ 2 s on the reference machine (the shortest run is reported). */
const N = Number(process.env.LOGQ_BENCH_AMQP_N ?? 20_000);
const CONFIRM_EVERY = 1000;
const PREFETCH = 256;
const YIELD_EVERY = 1000;
/** Runs per path (≥ 5), after one untimed warm-up run of each; median and range reported. */
const ROUNDS = Math.max(RUNS, Number(process.env.LOGQ_BENCH_AMQP_ROUNDS ?? RUNS));

type Path = 'raw-confirm' | 'raw-noconfirm' | 'logq';

const newQueue = (what: string) => `bench-${what}-${randomBytes(4).toString('hex')}`;

// ---------------------------------------------------------------- consumer side (child process)

async function consume(path: Path, url: string, queue: string, n: number): Promise<void> {
  let count = 0;
  let cpu = process.cpuUsage();
  if (path === 'logq') {
    const subscriber = new MessageQueueSubscriber(url, { queue, prefetch: PREFETCH });
    await subscriber.connect();
    process.stdout.write('ready\n');
    cpu = process.cpuUsage();
    while (count < n) {
      const record = await subscriber.recv(10_000);
      if (record) count++;
    }
    await subscriber.close();
  } else {
    const connection = await rawConnection(url);
    const channel = await connection.createChannel();
    await declare(channel, queue);
    await channel.prefetch(PREFETCH);
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await channel.consume(queue, (message) => {
      if (!message) return;
      if (JSON.parse(message.content.toString('utf8')).level > 0) count++;
      channel.ack(message);
      if (count === n) done();
    });
    process.stdout.write('ready\n');
    cpu = process.cpuUsage();
    await finished;
    await connection.close();
  }
  const used = process.cpuUsage(cpu);
  process.stdout.write(`done ${count} cpu ${(used.user + used.system) / count}\n`);
}

// ---------------------------------------------------------------- producer side

interface Done {
  /** performance.now() when the consumer reported the last record. */
  readonly at: number;
  /** Consumer CPU time per record, in µs. */
  readonly cpuMicros: number;
}

function startConsumer(
  path: Path,
  url: string,
  queue: string,
  n: number,
): { ready: Promise<void>; done: Promise<Done> } {
  const consumer = spawnConsumer(import.meta.url, ['consume', path, url, queue, String(n)]);
  const done = consumer.done.then(({ at, line }) => ({
    at,
    cpuMicros: Number(/^done \d+ cpu ([\d.]+)$/.exec(line)![1]),
  }));
  return { ready: consumer.ready, done };
}

const log = new Logger('bench.service');
const extra = { request_id: 'c0ffee-1234', user: 'alice' };
const logOne = (i: number) => log.info('request {0} handled in {1} ms', i, 12.5, kw({}, { extra }));

/** Logs N records with the handler pushed, yielding to the event loop every YIELD_EVERY records. */
async function logMany(handler: Handler): Promise<void> {
  for (let i = 0; i < N; i += YIELD_EVERY) {
    handler.applicationBound(() => {
      for (let k = i; k < Math.min(N, i + YIELD_EVERY); k++) logOne(k);
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Raw amqplib: publish each JSON text on an open channel; with confirms, wait for them every CONFIRM_EVERY (and at the end). */
async function rawProduce(channel: Channel, queue: string, confirms: boolean): Promise<void> {
  for (let i = 0; i < N; i += CONFIRM_EVERY) {
    for (let k = i; k < Math.min(N, i + CONFIRM_EVERY); k++) {
      if (!channel.publish(queue, queue, Buffer.from(sampleJson(k)), PROPERTIES)) {
        await new Promise((resolve) => channel.once('drain', resolve));
      }
    }
    if (confirms) await (channel as unknown as { waitForConfirms(): Promise<void> }).waitForConfirms();
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Run {
  /** Records per second, end to end. */
  readonly rate: number;
  /** Producer CPU time per record, in µs (from the first publish to the last confirm). */
  readonly producerCpu: number;
  /** Consumer CPU time per record, in µs. */
  readonly consumerCpu: number;
}

async function endToEnd(path: Path, url: string): Promise<Run> {
  const queue = newQueue(path);
  // logq's consumer also gets the record that opened the handler's connection before the clock started.
  const consumer = startConsumer(path, url, queue, path === 'logq' ? N + 1 : N);
  await consumer.ready;
  // The clock starts once both sides are connected, with their channels open.
  let handler: MessageQueueHandler | null = null;
  let raw: ChannelModel | null = null;
  let rawChannel: Channel | null = null;
  if (path === 'logq') {
    handler = new MessageQueueHandler(url, { queue, maxBuffer: N * 2 });
    handler.applicationBound(() => logOne(-1));
    await handler.flush();
  } else {
    raw = await rawConnection(url);
    rawChannel = path === 'raw-confirm' ? await raw.createConfirmChannel() : await raw.createChannel();
  }
  const start = performance.now();
  const cpu = process.cpuUsage();
  if (handler) {
    await logMany(handler);
    await handler.flush();
  } else {
    await rawProduce(rawChannel!, queue, path === 'raw-confirm');
  }
  const used = process.cpuUsage(cpu);
  if (handler) {
    const result = await handler.close({ timeoutMs: 120_000 });
    if (!result.flushed || result.sent !== N + 1) throw new Error(`logq handler: ${JSON.stringify(result)}`);
  }
  await raw?.close();
  const done = await consumer.done;
  const cleanup = await rawConnection(url);
  const channel = await cleanup.createChannel();
  await channel.deleteQueue(queue);
  await channel.deleteExchange(queue);
  await cleanup.close();
  return {
    rate: N / ((done.at - start) / 1000),
    producerCpu: (used.user + used.system) / N,
    consumerCpu: done.cpuMicros,
  };
}

/** Caller-side cost of one log call with the handler pushed (the pump runs after the loop). */
async function callerCost(url: string): Promise<number> {
  const queue = newQueue('caller');
  const handler = new MessageQueueHandler(url, { queue, maxBuffer: N * 2 });
  const ns = handler.applicationBound(() => nsPerCall(N, logOne));
  await handler.close({ timeoutMs: 120_000 });
  await dropQueue(url, queue);
  return ns;
}

/** Caller-side cost of raw amqplib `publish()` of the JSON text (no waiting for confirms in the call). */
async function rawCallerCost(url: string): Promise<number> {
  const queue = newQueue('caller-raw');
  const connection = await rawConnection(url);
  const channel = await connection.createConfirmChannel();
  await declare(channel, queue);
  const ns = nsPerCall(N, (i) => void channel.publish(queue, queue, Buffer.from(sampleJson(i)), PROPERTIES));
  await channel.waitForConfirms();
  await connection.close();
  await dropQueue(url, queue);
  return ns;
}

async function dropQueue(url: string, queue: string): Promise<void> {
  const connection = await rawConnection(url);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await channel.deleteExchange(queue);
  await connection.close();
}

async function main(): Promise<void> {
  const rabbit = await useRabbitMQ();
  try {
    const url = rabbit.url;
    const recordBytes = Buffer.byteLength(JSON.stringify(captureRecord(() => logOne(1)).toDict()));
    const results: Record<Path, Run[]> = { 'raw-confirm': [], logq: [], 'raw-noconfirm': [] };
    const before = machine();
    // Interleaved rounds (order reversed every other round): the machine drifts, so each path sees the same
    // conditions. Round 0 is an untimed warm-up.
    for (let round = 0; round <= ROUNDS; round++) {
      const order = ['raw-confirm', 'logq', 'raw-noconfirm'] as const;
      for (const path of round % 2 ? [...order].reverse() : order) {
        const run = await endToEnd(path, url);
        if (round > 0) results[path].push(run);
        console.log(
          `round ${round} ${path}: ${fmt(run.rate)} records/s, CPU µs/record producer ${fmt(run.producerCpu, 1)} consumer ${fmt(run.consumerCpu, 1)}`,
        );
      }
    }
    // Medians, never the best run; every run is listed below the tables.
    const rates = (path: Path) => stats(results[path].map((r) => r.rate));
    const med = (path: Path) => rates(path).median;
    const cpuOf = (path: Path, side: 'producerCpu' | 'consumerCpu') => stats(results[path].map((r) => r[side])).median;
    const shortest = Math.min(
      ...Object.values(results)
        .flat()
        .map((r) => N / r.rate),
    );
    const rawCaller = await rawCallerCost(url);
    const logqCaller = await callerCost(url);
    const ratio = (a: number, b: number) => `${fmt((a / b) * 100)}%`;
    writeSection(
      'amqp',
      `## RabbitMQ (@logq/amqp, amqplib)

| path | records/s: median (min–max) | vs raw with confirms | vs raw without | producer CPU µs/record | consumer CPU µs/record |
|---|---:|---:|---:|---:|---:|
| raw amqplib: publish, waitForConfirms every ${fmt(CONFIRM_EVERY)} → consume prefetch ${PREFETCH}, ack each, JSON.parse | ${fmtStats(rates('raw-confirm'))} | 100% | ${ratio(med('raw-confirm'), med('raw-noconfirm'))} | ${fmt(cpuOf('raw-confirm', 'producerCpu'), 1)} | ${fmt(cpuOf('raw-confirm', 'consumerCpu'), 1)} |
| raw amqplib: publish without confirms → same consumer | ${fmtStats(rates('raw-noconfirm'))} | ${ratio(med('raw-noconfirm'), med('raw-confirm'))} | 100% | ${fmt(cpuOf('raw-noconfirm', 'producerCpu'), 1)} | ${fmt(cpuOf('raw-noconfirm', 'consumerCpu'), 1)} |
| logq MessageQueueHandler (confirms, batches of 1000) → MessageQueueSubscriber (prefetch ${PREFETCH}, acks after recv, coalesced) | ${fmtStats(rates('logq'))} | **${ratio(med('logq'), med('raw-confirm'))}** | ${ratio(med('logq'), med('raw-noconfirm'))} | ${fmt(cpuOf('logq', 'producerCpu'), 1)} | ${fmt(cpuOf('logq', 'consumerCpu'), 1)} |

| caller-side cost per log call | ns |
|---|---:|
| raw amqplib: \`channel.publish(Buffer.from(json))\` on a confirm channel | ${fmt(rawCaller)} |
| logq: \`log.info(...)\` → MessageQueueHandler (record, encoding, buffering) | ${fmt(logqCaller)} |

Method: ${fmt(N)} persistent messages per path (logq ${recordBytes} bytes, raw ${Buffer.byteLength(sampleJson(0))} bytes of
JSON, kombu's properties) into a durable queue on one local RabbitMQ node; the producer runs here, the consumer in a
child process; end-to-end time is from the first publish or log call (both sides connected, channels open: logq's handler has
delivered one record first) to the consumer having decoded the last record;
each path ran ${ROUNDS} times after an untimed warm-up run, interleaved (order reversed every other round); records/s
and CPU are medians, ratios are of medians (every run: ${(['raw-confirm', 'logq', 'raw-noconfirm'] as const)
        .map((p) => `${p} ${fmtRuns(rates(p))}`)
        .join(
          '; ',
        )}; the shortest run took ${fmt(shortest, 1)} s). Both producers yield to the event loop every ${fmt(YIELD_EVERY)} records. Caller cost (not yet on the ≥ 2 s harness): mean wall time
of ${fmt(N)} calls; logq's includes building the Logbook record, the network work happens later in its pump.
Machine at the start: ${before}; at the end: ${machine().replace(/^.*load average/, 'load average')}.`,
    );
  } finally {
    await rabbit.stop();
  }
}

if (process.argv[2] === 'consume') {
  const [, , , path, url, queue, n] = process.argv;
  await consume(path as Path, url!, queue!, Number(n));
  process.exit(0);
} else {
  await main();
  process.exit(0);
}
