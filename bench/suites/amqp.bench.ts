// @logq/amqp end to end (producer here, consumer in a child process) and per
// log call, each beside raw amqplib doing the same work with the same
// ~540-byte JSON in the same run, per durability mode: a durable queue with
// persistent messages (logq's defaults), a transient queue with transient
// messages, and a quorum queue. Both producers publish batches of 1,000 on a
// confirm channel with one batch in flight; both consumers read with prefetch
// 256 and acknowledge in groups (multiple=true).
//
// A full run (3 modes × raw and logq, 5 runs of ≥ 2 s each after two warm-ups,
// then the caller-cost rows) takes about 7–10 min on the 2-core reference
// machine. A quick look (numbers not for RESULTS.md, the section says so):
//   cd bench && BENCH_RUN_MS=200 LOGQ_BENCH_AMQP_WARMUP_N=1000 LOGQ_BENCH_AMQP_MODES=durable \
//     node --import tsx --expose-gc suites/amqp.bench.ts
import { Logger, kw } from '@logq/core';
import {
  MessageQueueHandler,
  type MessageQueueHandlerOptions,
  MessageQueueSubscriber,
  type MessageQueueSubscriberOptions,
} from '@logq/amqp';
import { useRabbitMQ } from '@logq/services';
import { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, connect } from 'amqplib';
import { randomBytes } from 'node:crypto';
import {
  RUNS,
  RUN_MS,
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
  timeLogCalls,
  writeSection,
  cpuSince,
} from './lib.js';

/** Records per published batch, confirmed before the next is published: logq's default `batchSize`. */
const BATCH = 1000;
/** Messages the broker sends ahead of acknowledgements: logq's default `prefetch`. */
const PREFETCH = 256;
/** The raw consumer acknowledges (multiple=true) every this many messages, as logq's AckBatcher does (prefetch / 4). */
const ACK_EVERY = PREFETCH / 4;
/** The logq producer yields to the event loop every this many log calls, as an application does between requests. */
const YIELD_EVERY = 1000;
/** Records of the first warm-up run of each end-to-end path; the second and the timed runs are sized from it. */
const WARMUP_N = Number(process.env.LOGQ_BENCH_AMQP_WARMUP_N ?? 20_000) || 20_000;
/** A consumer gives up after this many quiet receive timeouts of 10 s in a row (to fail instead of hanging). */
const IDLE_LIMIT = 6;

type Impl = 'raw' | 'logq';
type Mode = 'durable' | 'transient' | 'quorum';
const ALL_MODES: readonly Mode[] = ['durable', 'transient', 'quorum'];
/** The durability modes to run: `LOGQ_BENCH_AMQP_MODES=durable,quorum` runs fewer for a quick look. */
const MODES: readonly Mode[] = (process.env.LOGQ_BENCH_AMQP_MODES ?? ALL_MODES.join(','))
  .split(',')
  .map((m) => m.trim())
  .filter((m): m is Mode => (ALL_MODES as readonly string[]).includes(m));

/** How each side declares the queue and publishes, per mode: raw amqplib's settings and logq's options for the same. */
interface ModeSpec {
  /** Whether the queue is durable. */
  readonly durable: boolean;
  /** Whether messages are persistent (delivery mode 2). */
  readonly persistent: boolean;
  /** Queue arguments (raw side). */
  readonly queueArguments: Readonly<Record<string, string>>;
  /** logq's options for the same, on both the handler and the subscriber. */
  readonly logq: Pick<MessageQueueSubscriberOptions, 'durable' | 'queueType'>;
  /** What the rows say. */
  readonly label: string;
}

const SPECS: Record<Mode, ModeSpec> = {
  durable: {
    durable: true,
    persistent: true,
    queueArguments: {},
    logq: {},
    label: 'durable queue, persistent messages (logq defaults)',
  },
  transient: {
    durable: false,
    persistent: false,
    queueArguments: {},
    logq: { durable: false },
    label: 'transient queue, transient messages (logq `durable: false, persistent: false`)',
  },
  quorum: {
    durable: true,
    persistent: true,
    queueArguments: { 'x-queue-type': 'quorum' },
    logq: { queueType: 'quorum' },
    label: "quorum queue, persistent messages (logq `queueType: 'quorum'`)",
  },
};

/** logq handler options of a mode. */
function handlerOptions(mode: Mode): MessageQueueHandlerOptions {
  return { ...SPECS[mode].logq, persistent: SPECS[mode].persistent };
}

/** kombu's message properties for a JSON body, as a careful user writes them (and logq sends them). */
function rawProperties(persistent: boolean) {
  return {
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: {},
    deliveryMode: persistent ? 2 : 1,
    priority: 0,
  };
}

const newName = (what: string) => `bench-${what}-${randomBytes(4).toString('hex')}`;

async function rawConnection(url: string): Promise<ChannelModel> {
  const connection = await connect(url);
  connection.on('error', () => undefined);
  return connection;
}

/** The topology logq declares (kombu's SimpleQueue: a direct exchange and a queue, both named `queue`), per mode. */
async function declare(channel: Channel, queue: string, mode: Mode): Promise<void> {
  const spec = SPECS[mode];
  await channel.assertExchange(queue, 'direct', { durable: true, autoDelete: false, internal: false });
  await channel.assertQueue(queue, {
    durable: spec.durable,
    autoDelete: false,
    exclusive: false,
    arguments: spec.queueArguments,
  });
  await channel.bindQueue(queue, queue, queue);
}

async function dropTopology(url: string, queue: string): Promise<void> {
  const connection = await rawConnection(url);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await channel.deleteExchange(queue);
  await connection.close();
}

// ---------------------------------------------------------------- consumer side (child process)

async function consume(impl: Impl, mode: Mode, url: string, queue: string, n: number): Promise<void> {
  let count = 0;
  let parsed = 0;
  let cpuStart = process.cpuUsage();
  const ready = () => {
    cpuStart = process.cpuUsage();
    process.stdout.write('ready\n');
  };
  // Reported as soon as the last record was decoded, before the connection closes.
  const done = () => process.stdout.write(`done ${count} ${cpuSince(cpuStart)}\n`);
  if (impl === 'raw') {
    const connection = await rawConnection(url);
    const channel = await connection.createChannel();
    await declare(channel, queue, mode);
    await channel.prefetch(PREFETCH);
    // Acks in groups: one basic.ack with multiple=true for the newest delivery every ACK_EVERY messages,
    // and at the latest on the next turn of the event loop (what logq's AckBatcher does).
    let newest: ConsumeMessage | null = null;
    let unacked = 0;
    let scheduled = false;
    const ackNow = () => {
      scheduled = false;
      if (newest === null) return;
      channel.ack(newest, true);
      newest = null;
      unacked = 0;
    };
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await channel.consume(
      queue,
      (message) => {
        if (message === null) return;
        parsed += (JSON.parse(message.content.toString('utf8')) as { msg: string }).msg.length > 0 ? 1 : 0;
        count++;
        newest = message;
        if (++unacked >= ACK_EVERY) ackNow();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(ackNow);
        }
        if (count === n) {
          ackNow();
          finish();
        }
      },
      { noAck: false },
    );
    ready();
    await finished;
    done();
    await connection.close();
  } else {
    const subscriber = new MessageQueueSubscriber(url, { queue, prefetch: PREFETCH, ...SPECS[mode].logq });
    await subscriber.connect();
    ready();
    let idle = 0;
    while (count < n) {
      const record = await subscriber.recv(10_000);
      if (record) {
        count++;
        idle = 0;
      } else if (++idle >= IDLE_LIMIT) {
        throw new Error(`logq consumer: ${count} of ${n} records, then nothing for ${IDLE_LIMIT * 10} s`);
      }
    }
    done();
    await subscriber.close();
  }
  void parsed;
}

// ---------------------------------------------------------------- producer side

const log = new Logger('bench.service');
const extra = { request_id: 'c0ffee-1234', user: 'alice' };
const logOne = (i: number) => log.info('request {0} handled in {1} ms', i, 12.5, kw({}, { extra }));

/** Logs n records with the handler pushed, yielding to the event loop every YIELD_EVERY records. */
async function logMany(handler: MessageQueueHandler, n: number): Promise<void> {
  for (let i = 0; i < n; i += YIELD_EVERY) {
    handler.applicationBound(() => {
      for (let k = i; k < Math.min(n, i + YIELD_EVERY); k++) logOne(k);
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The JSON texts of records [from, to). */
function encodeBatch(from: number, to: number): string[] {
  const texts: string[] = [];
  for (let k = from; k < to; k++) texts.push(sampleJson(k));
  return texts;
}

/**
 * Publishes every text of a batch on a confirm channel (waiting for `drain`
 * when amqplib's buffer is full) and resolves once the broker confirmed
 * them all: one callback counts the batch's confirms, as logq's does.
 */
function publishBatch(
  channel: ConfirmChannel,
  queue: string,
  texts: readonly string[],
  properties: ReturnType<typeof rawProperties>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let waiting = texts.length;
    let nacked = 0;
    const onConfirm = (error: unknown) => {
      if (error) nacked++;
      if (--waiting > 0) return;
      if (nacked === 0) resolve();
      else reject(new Error(`the broker nacked ${nacked} of ${texts.length}`));
    };
    void (async () => {
      for (let k = 0; k < texts.length; k++) {
        const writable = channel.publish(queue, queue, Buffer.from(texts[k]!, 'utf8'), properties, onConfirm);
        if (!writable && k < texts.length - 1) await new Promise<void>((wake) => channel.once('drain', wake));
      }
    })().catch(reject);
  });
}

/**
 * Raw amqplib: batches of BATCH records, one in flight. Batch k+1 is encoded
 * (JSON.stringify) while batch k's confirms are outstanding, as logq's log
 * calls fill its buffer meanwhile, and published once batch k is confirmed.
 */
async function rawProduce(channel: ConfirmChannel, queue: string, mode: Mode, n: number): Promise<void> {
  const properties = rawProperties(SPECS[mode].persistent);
  let next = encodeBatch(0, Math.min(n, BATCH));
  for (let i = 0; i < n; ) {
    const confirmed = publishBatch(channel, queue, next, properties);
    i += next.length;
    next = encodeBatch(i, Math.min(n, i + BATCH));
    await confirmed;
  }
}

/** One end-to-end run: records/s, the producer's and the consumer's CPU µs per record, and the run's length. */
interface E2ERun {
  readonly rate: number;
  readonly producerCpu: number;
  readonly consumerCpu: number;
  readonly seconds: number;
}

async function endToEnd(impl: Impl, mode: Mode, url: string, n: number): Promise<E2ERun> {
  const queue = newName(`${impl}-${mode}`);
  // logq's consumer also gets the record that opened the handler's connection before the clock started.
  const expected = impl === 'logq' ? n + 1 : n;
  const consumer = spawnConsumer(import.meta.url, ['consume', impl, mode, url, queue, String(expected)]);
  await consumer.ready;
  // The clock starts once both sides are connected, with their channels open and the topology declared.
  let start: number;
  let producerCpu: number;
  if (impl === 'raw') {
    const connection = await rawConnection(url);
    const channel = await connection.createConfirmChannel();
    await declare(channel, queue, mode);
    const cpuStart = process.cpuUsage();
    start = performance.now();
    await rawProduce(channel, queue, mode, n);
    producerCpu = cpuSince(cpuStart);
    await connection.close();
  } else {
    const handler = new MessageQueueHandler(url, { queue, maxBuffer: n * 2, ...handlerOptions(mode) });
    handler.applicationBound(() => logOne(-1));
    await handler.flush();
    const cpuStart = process.cpuUsage();
    start = performance.now();
    await logMany(handler, n);
    await handler.flush();
    producerCpu = cpuSince(cpuStart);
    const result = await handler.close({ timeoutMs: 120_000 });
    if (!result.flushed || result.sent !== n + 1) throw new Error(`logq handler: ${JSON.stringify(result)}`);
  }
  const { at, line } = await consumer.done;
  const [, got, consumerCpu] = line.split(' ');
  if (Number(got) !== expected) throw new Error(`${impl}-${mode}: consumer got ${got} of ${expected}`);
  await dropTopology(url, queue);
  const seconds = (at - start) / 1000;
  return {
    rate: n / seconds,
    producerCpu: producerCpu / n,
    consumerCpu: Number(consumerCpu) / expected,
    seconds,
  };
}

// ---------------------------------------------------------------- caller-side cost

/**
 * A durable direct exchange with no queue bound: the broker confirms and
 * discards what is published to it, so that flushing between timed chunks
 * (untimed) costs the producer's work only, not a queue's.
 */
async function sinkExchange(url: string): Promise<string> {
  const name = newName('caller');
  const connection = await rawConnection(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(name, 'direct', { durable: true, autoDelete: false, internal: false });
  await connection.close();
  return name;
}

async function dropExchange(url: string, name: string): Promise<void> {
  const connection = await rawConnection(url);
  const channel = await connection.createChannel();
  await channel.deleteExchange(name);
  await connection.close();
}

const rawBuffer: string[] = [];

/** Raw: JSON.stringify of the record dict and a push onto an array (a hand-written background publisher's call). */
async function rawBufferCost(): Promise<number> {
  const run = await timeCalls((i) => {
    rawBuffer.push(sampleJson(i));
    if (rawBuffer.length > 10_000) rawBuffer.length = 0;
  });
  return run.ns;
}

/** Raw: JSON.stringify and `channel.publish` on a confirm channel in the call (confirms awaited between chunks, untimed). */
async function rawPublishCost(url: string): Promise<number> {
  const exchange = await sinkExchange(url);
  const connection = await rawConnection(url);
  try {
    const channel = await connection.createConfirmChannel();
    const properties = rawProperties(true);
    const run = await timeCalls(
      (i) => void channel.publish(exchange, exchange, Buffer.from(sampleJson(i), 'utf8'), properties, () => undefined),
      { between: () => channel.waitForConfirms() },
    );
    return run.ns;
  } finally {
    await connection.close();
    await dropExchange(url, exchange);
  }
}

/** logq: `log.info(...)` with MessageQueueHandler pushed (logq's defaults), flushed between chunks (untimed). */
async function logqCallCost(url: string): Promise<number> {
  const exchange = await sinkExchange(url);
  const handler = new MessageQueueHandler(url, { queue: exchange, declare: false });
  let ns: number;
  try {
    ns = await timeLogCalls(handler, logOne);
  } finally {
    await handler.close({ timeoutMs: 120_000 });
    await dropExchange(url, exchange);
  }
  // Every call buffered and sent: none took the drop path.
  if (handler.stats.dropped > 0 || handler.stats.errors > 0)
    throw new Error(`logq caller handler: ${JSON.stringify(handler.stats)}`);
  return ns;
}

// ---------------------------------------------------------------- the suite

function describeE2E(impl: Impl, mode: Mode): string {
  if (impl === 'raw') {
    return `raw amqplib: confirm channel, batches of ${fmt(BATCH)} (one in flight) → prefetch ${PREFETCH}, ack multiple every ${ACK_EVERY}, JSON.parse`;
  }
  const window = mode === 'quorum' ? ' (window fixed at its first size on a quorum queue, see below)' : '';
  return `**logq** MessageQueueHandler → MessageQueueSubscriber${window}`;
}

async function main(): Promise<void> {
  if (MODES.length === 0) throw new Error(`LOGQ_BENCH_AMQP_MODES names none of ${ALL_MODES.join(', ')}`);
  const before = machine();
  const rabbit = await useRabbitMQ();
  try {
    const url = rabbit.url;
    const recordBytes = Buffer.byteLength(JSON.stringify(captureRecord(() => logOne(1)).toDict()));
    const impls: readonly Impl[] = ['raw', 'logq'];
    const e2eRows: string[] = [];
    const e2eRuns: string[] = [];
    const goals: string[] = [];
    const sizes: string[] = [];
    let shortest = Number.POSITIVE_INFINITY;
    for (const mode of MODES) {
      // Warm-up: two runs of each path (the second sized from the first, JIT-warm); the timed runs are sized
      // from the second so that the fastest path's run lasts ≥ RUN_MS, with a margin of 1.5.
      let warmN = WARMUP_N;
      let fastest = 0;
      for (let w = 0; w < 2; w++) {
        fastest = 0;
        for (const impl of impls) {
          const warm = await endToEnd(impl, mode, url, warmN);
          console.log(`${mode} warm-up ${impl}: ${fmt(warm.rate)} records/s (${fmt(warmN)})`);
          fastest = Math.max(fastest, warm.rate);
        }
        warmN = Math.max(BATCH, Math.ceil((fastest * (RUN_MS / 1000)) / BATCH) * BATCH);
      }
      const n = Math.max(BATCH, Math.ceil((fastest * (RUN_MS / 1000) * 1.5) / BATCH) * BATCH);
      sizes.push(`${fmt(n)} (${mode})`);
      const results = await interleave(
        impls.map((impl) => ({
          name: `${impl}-${mode}`,
          warmup: async () => undefined,
          run: async () => {
            const r = await endToEnd(impl, mode, url, n);
            console.log(
              `${impl}-${mode}: ${fmt(r.rate)} records/s in ${r.seconds.toFixed(1)} s; CPU µs/record producer ${fmt(r.producerCpu, 1)}, consumer ${fmt(r.consumerCpu, 1)}`,
            );
            shortest = Math.min(shortest, r.seconds);
            return r;
          },
        })),
      );
      const raw = stats(results[0]!.map((r) => r.rate));
      e2eRows.push(`| *${SPECS[mode].label}* | | | | |`);
      impls.forEach((impl, k) => {
        const runs = results[k]!;
        const s = stats(runs.map((r) => r.rate));
        const ratio = s.median / raw.median;
        e2eRows.push(
          `| ${describeE2E(impl, mode)} | ${fmtStats(s)} | ${impl === 'raw' ? '1.00×' : `**${fmt(ratio, 2)}×**`} | ${fmt(stats(runs.map((r) => r.producerCpu)).median, 1)} | ${fmt(stats(runs.map((r) => r.consumerCpu)).median, 1)} |`,
        );
        e2eRuns.push(`| ${impl} ${mode} | ${fmtRuns(s)} |`);
        if (impl === 'logq') goals.push(`${mode} ${fmt(ratio, 2)}× (${ratio >= 1 ? 'met' : '**not met**'})`);
      });
    }

    const exchangeNote = 'a durable direct exchange with no queue bound (the broker confirms and discards)';
    const callerPaths = [
      { name: 'raw: JSON.stringify of the record dict + array push', run: rawBufferCost },
      {
        name: `raw amqplib: JSON.stringify + \`channel.publish(Buffer.from(json))\` on a confirm channel, in the call`,
        run: () => rawPublishCost(url),
      },
      {
        name: '**logq**: `log.info(...)` → MessageQueueHandler (defaults: record, encoding, buffering)',
        run: () => logqCallCost(url),
      },
    ];
    const callerRuns = await interleave(callerPaths);
    const callerRows = callerPaths.map(
      (p, k) => `| ${p.name} | ${fmtStats(stats(callerRuns[k]!))} | ${fmtRuns(stats(callerRuns[k]!))} |`,
    );
    const quickLook =
      RUN_MS < 2000 || MODES.length < ALL_MODES.length
        ? `\n\n**A quick look, not for RESULTS.md:** runs sized to ${fmt(RUN_MS / 1000, 1)} s${MODES.length < ALL_MODES.length ? `, modes ${MODES.join(', ')} only` : ''}.`
        : '';

    writeSection(
      'amqp',
      `## RabbitMQ (@logq/amqp, amqplib)

| end to end, producer → RabbitMQ → consumer | records/s: median (min–max) | vs raw (medians) | producer CPU µs/record | consumer CPU µs/record |
|---|---:|---:|---:|---:|
${e2eRows.join('\n')}

Goal (issue 17): ≥ 1.0× raw per durability mode (logq/raw, medians): ${goals.join('; ')}.

| caller-side cost per log call | ns: median (min–max) | every run |
|---|---:|---|
${callerRows.join('\n')}

Every end-to-end run (records/s):

| path | runs |
|---|---|
${e2eRuns.join('\n')}

Method: ${RUNS} runs per path after two untimed warm-up runs of each, raw and logq of a durability mode interleaved
round-robin (order reversed every other round), median and range reported, never a best run. End to end:
${sizes.join(', ')} records per run, sized from the second warm-up so that the fastest path's run lasts
≥ ${fmt(RUN_MS / 1000, 1)} s with a margin of 1.5 (the shortest run took ${fmt(shortest, 1)} s); records of ${recordBytes} bytes (logq) /
${Buffer.byteLength(sampleJson(0))} bytes (raw) of JSON with kombu's properties, on one local RabbitMQ node (so the quorum queue
has one member: its rows include its write-ahead log, not replication). The producer runs here and the consumer in
a child process; the clock starts once both sides are connected with their channels open and the topology declared
(the consumer reports ready after consuming has started; logq's handler has delivered one record first) and stops when
the consumer has decoded the last record (into a LogRecord for logq, a plain object with JSON.parse for raw), before
either side closes. Each mode declares the same topology on both sides: kombu's SimpleQueue (a durable direct
exchange and a queue, both named for the run) with a durable queue and delivery mode 2, a non-durable queue and
delivery mode 1, or a quorum queue (\`x-queue-type: quorum\`) and delivery mode 2. Raw producer: JSON.stringify per
record; batches of ${fmt(BATCH)} published on a confirm channel (waiting for \`drain\` when amqplib's buffer is full), one
confirm callback counting the batch, the next batch encoded while this one's confirms are outstanding and published
only once they are all in: one batch in flight. logq producer: \`log.info\` with MessageQueueHandler pushed (its
defaults but for the mode's \`durable\`, \`persistent\` and \`queueType\`, \`maxBuffer\` the run's size), yielding to the
event loop every ${fmt(YIELD_EVERY)} calls; its background pump publishes up to \`batchSize\` ${fmt(BATCH)} buffered records on a
confirm channel and waits for their confirms before taking the next batch (one batch in flight; a batch may be smaller
when fewer are buffered). Raw consumer: \`prefetch(${PREFETCH})\`, JSON.parse of each message, one \`ack(message, true)\` every
${ACK_EVERY} messages and at the latest on the next event-loop turn. logq consumer: MessageQueueSubscriber (prefetch
${PREFETCH}) and \`recv()\` per record; it acknowledges the same way (AckBatcher: multiple=true, every prefetch / 4 =
${ACK_EVERY} or on the next turn). Its prefetch window starts at \`readAheadBytes / maxRecordBytes\` (32 with the defaults)
and doubles to ${PREFETCH} as messages fit, except on a quorum queue, where it stays at 32 (changing it there means
re-consuming, which redelivers out of order): on the quorum rows logq reads with a window of 32 against raw's ${PREFETCH},
logq's default behaviour, measured as is. "CPU µs/record": user + system time per record of the producer process
(from the first publish or log call to the last confirm) and of the consumer process (from ready to the last record):
the efficiency measure a loaded machine disturbs least. Caller cost: timed chunks of 1,000 calls adding up to
≥ ${fmt(RUN_MS / 1000, 1)} s per run, ${RUNS} runs after a warm-up run, the paths interleaved; the publishing paths publish to
${exchangeNote}, and wait for confirms (raw) or flush (logq) between chunks, untimed, so that no logq call takes the
drop path; logq's call builds the record and encodes it, the network work happens later in its pump. Machine at the
start: ${before}; at the end: ${machine().replace(/^.*load average/, 'load average')}.${quickLook}`,
    );
  } finally {
    await rabbit.stop();
  }
}

/** One path end to end, for a profile: `node --import tsx --cpu-prof suites/amqp.bench.ts profile logq durable 50000`. */
async function profile(impl: Impl, mode: Mode, n: number): Promise<void> {
  const rabbit = await useRabbitMQ();
  try {
    const r = await endToEnd(impl, mode, rabbit.url, n);
    console.log(
      `${impl}-${mode}: ${fmt(r.rate)} records/s in ${r.seconds.toFixed(1)} s; producer ${fmt(r.producerCpu, 1)} µs CPU/record, consumer ${fmt(r.consumerCpu, 1)}`,
    );
  } finally {
    await rabbit.stop();
  }
}

if (process.argv[2] === 'consume') {
  const [, , , impl, mode, url, queue, n] = process.argv;
  await consume(impl as Impl, mode as Mode, url!, queue!, Number(n));
  process.exit(0);
} else if (process.argv[2] === 'profile') {
  const [, , , impl, mode, n] = process.argv;
  await profile(impl as Impl, mode as Mode, Number(n ?? 50_000));
  process.exit(0);
} else {
  await main();
  process.exit(0);
}
