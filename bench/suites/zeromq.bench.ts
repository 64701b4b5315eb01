// @logq/zeromq end to end (producer here, consumer in a child process), PUSH/PULL (single-frame
// and multipart) and PUB/SUB, and the caller-side cost per log call, each beside a raw zeromq
// socket with logq's socket options sending the same record JSON in the same run.
// Quick look (never for RESULTS.md): BENCH_RUN_MS=300 BENCH_ZMQ_WARMUP_N=5000 (or BENCH_ZMQ_TOTAL=… fixed).
import { Logger, kw } from '@logq/core';
import { ZeroMQHandler, ZeroMQSubscriber } from '@logq/zeromq';
import { freePort } from '@logq/services';
import * as zmq from 'zeromq';
import {
  RUNS,
  RUN_MS,
  captureRecord,
  fmt,
  fmtRatio,
  fmtRuns,
  fmtStats,
  interleave,
  machine,
  sampleJson,
  spawnConsumer,
  stats,
  sizedRuns,
  timeCalls,
  timeLogCalls,
  writeSection,
} from './lib.js';

/** Records of the first warm-up run of each end-to-end path; the timed runs are sized from the warm-up to last ≥ RUN_MS. */
const WARMUP_N = Number(process.env.BENCH_ZMQ_WARMUP_N ?? 50_000);
/** Records per timed end-to-end run, fixed (for a quick look); by default sized from the warm-up. */
const FIXED_N = process.env.BENCH_ZMQ_TOTAL ? Number(process.env.BENCH_ZMQ_TOTAL) : null;
/** Each end-to-end path runs this many times after a warm-up run, the paths alternating; median and range reported. */
const ROUNDS = RUNS;
/** Producers yield to the event loop every this many records, as an application does between requests. */
const CHUNK = 1024;
/** Records per batch: logq's default `batchSize` (given explicitly below), and the raw multipart message's part count. */
const BATCH = 256;
/** Send/receive high-water mark, in messages: logq's default on both sides. */
const HWM = 10_000;
/** logq's default send HWM with `multipart` (in messages of up to BATCH records: about HWM records). */
const MULTIPART_HWM = Math.ceil(HWM / BATCH);
/** ZMQ_LINGER of the producing socket (logq's handler default) and of the consuming one (logq's subscriber default), in ms. */
const SEND_LINGER_MS = 1_000;
const RECEIVE_LINGER_MS = 0;
/** The consumer gives up after this long without a record (to report losses instead of hanging). */
const IDLE_MS = 5_000;

type Path = 'raw-push' | 'logq-push' | 'raw-push-multipart' | 'logq-push-multipart' | 'raw-pub' | 'logq-pub';

const sleepImmediate = () => new Promise((resolve) => setImmediate(resolve));
const isAgain = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EAGAIN';

// ---------------------------------------------------------------- consumer side (child process)

/**
 * Receives one message the way ZeroMQSubscriber reads: with receiveTimeout 0 while messages are queued (each
 * receive settles at once), and once the socket is empty one wait for the next (bounded by IDLE_MS here, where
 * the subscriber waits with -1 and the consumer's `recv(IDLE_MS)` bounds it). Throws EAGAIN after IDLE_MS.
 */
async function receiveQueued(socket: zmq.Pull | zmq.Subscriber): Promise<Buffer[]> {
  try {
    return await socket.receive();
  } catch (error) {
    if (!isAgain(error)) throw error;
  }
  socket.receiveTimeout = IDLE_MS;
  try {
    return await socket.receive();
  } finally {
    socket.receiveTimeout = 0;
  }
}

async function consume(path: Path, uri: string, n: number): Promise<void> {
  let count = 0;
  let valid = 0;
  let cpu = process.cpuUsage();
  const ready = () => {
    cpu = process.cpuUsage();
    process.stdout.write('ready\n');
  };
  // Reported as soon as the last record is decoded (closing the socket is not part of the time),
  // with the CPU time (µs, all threads: libzmq's I/O thread too) spent since ready.
  const done = (received: number, decoded: number) => {
    const used = process.cpuUsage(cpu);
    process.stdout.write(`done ${received} ${decoded} ${used.user + used.system}\n`);
  };
  if (path === 'raw-push' || path === 'raw-push-multipart' || path === 'raw-pub') {
    // The options of ZeroMQSubscriber's socket: receive HWM, linger 0, receiveTimeout 0 while messages are queued.
    const options = { receiveHighWaterMark: HWM, linger: RECEIVE_LINGER_MS, receiveTimeout: 0 };
    const socket = path === 'raw-pub' ? new zmq.Subscriber(options) : new zmq.Pull(options);
    if (socket instanceof zmq.Subscriber) {
      socket.subscribe();
      socket.connect(uri);
    } else {
      await socket.bind(uri);
    }
    ready();
    try {
      while (count < n) {
        // One frame per message, or BATCH frames per multipart message: each frame is one record.
        const frames = await receiveQueued(socket);
        for (let i = 0; i < frames.length; i++) {
          count++;
          if (JSON.parse(frames[i]!.toString('utf8')).msg) valid++;
        }
      }
    } catch {
      // idle: records were lost
    }
    done(count, valid);
    socket.close();
  } else {
    const subscriber = new ZeroMQSubscriber(uri, { multi: path !== 'logq-pub' });
    await subscriber.open();
    ready();
    while (count < n) {
      const record = await subscriber.recv(IDLE_MS);
      if (!record) break;
      count++;
      if (record.msg) valid++;
    }
    done(count, valid);
    await subscriber.close();
  }
}

// ---------------------------------------------------------------- producer side

function startConsumer(
  path: Path,
  uri: string,
  n: number,
): { ready: Promise<void>; done: Promise<{ at: number; count: number; cpuUs: number }> } {
  const consumer = spawnConsumer(import.meta.url, ['consume', path, uri, String(n)]);
  const done = consumer.done.then(({ at, line }) => {
    const [, count, , cpuUs] = line.split(' ');
    return { at, count: Number(count), cpuUs: Number(cpuUs) };
  });
  return { ready: consumer.ready, done };
}

const log = new Logger('bench.service');
const extra = { request_id: 'c0ffee-1234', user: 'alice' };
const logOne = (i: number) => log.info('request {0} handled in {1} ms', i, 12.5, kw({}, { extra }));

async function logMany(handler: { applicationBound<R>(fn: () => R): R }, n: number): Promise<void> {
  for (let i = 0; i < n; i += CHUNK) {
    handler.applicationBound(() => {
      for (let k = i; k < Math.min(n, i + CHUNK); k++) logOne(k);
    });
    await sleepImmediate();
  }
}

/**
 * Sends one message (a frame, or the frames of a multipart message) on a socket with sendTimeout 0, as logq's
 * handler does. When it is full (EAGAIN): a PUSH waits until it is writable (sendTimeout -1 for that send); a
 * noDrop XPUB has no "writable again" event, so the message is tried again on the next event-loop turn.
 */
async function rawSend(socket: zmq.Push | zmq.XPublisher, message: string | string[]): Promise<void> {
  for (;;) {
    try {
      await socket.send(message);
      return;
    } catch (error) {
      if (!isAgain(error)) throw error;
    }
    if (socket instanceof zmq.Push) {
      socket.sendTimeout = -1;
      try {
        await socket.send(message);
        return;
      } finally {
        socket.sendTimeout = 0;
      }
    }
    await sleepImmediate();
  }
}

/** The raw producer: the same JSON, one frame per send (or BATCH frames per multipart send), awaiting each send. */
async function rawProduce(socket: zmq.Push | zmq.XPublisher, n: number, multipart: boolean): Promise<void> {
  for (let i = 0; i < n; i += CHUNK) {
    const end = Math.min(n, i + CHUNK);
    if (multipart) {
      for (let k = i; k < end; k += BATCH) {
        const frames: string[] = [];
        for (let j = k; j < Math.min(end, k + BATCH); j++) frames.push(sampleJson(j));
        await rawSend(socket, frames);
      }
    } else {
      for (let k = i; k < end; k++) await rawSend(socket, sampleJson(k));
    }
    await sleepImmediate();
  }
}

async function waitForSubscription(pub: zmq.XPublisher): Promise<void> {
  pub.receiveTimeout = 30_000;
  await pub.receive();
}

/** One end-to-end run: records/s, records lost, and CPU µs per record of the producer (this process) and the consumer. */
interface Run {
  seconds: number;
  rate: number;
  lost: number;
  producerUs: number;
  consumerUs: number;
}

async function endToEnd(path: Path, n: number): Promise<Run> {
  const uri = `tcp://127.0.0.1:${await freePort()}`;
  let start = 0;
  let cpu = process.cpuUsage();
  let consumer: ReturnType<typeof startConsumer>;
  if (path === 'raw-push' || path === 'raw-push-multipart') {
    const multipart = path === 'raw-push-multipart';
    consumer = startConsumer(path, uri, n);
    await consumer.ready;
    // The options of logq's PUSH socket: send HWM (in messages), linger, sendTimeout 0.
    const push = new zmq.Push({
      sendHighWaterMark: multipart ? MULTIPART_HWM : HWM,
      linger: SEND_LINGER_MS,
      sendTimeout: 0,
    });
    push.connect(uri);
    start = performance.now();
    cpu = process.cpuUsage();
    await rawProduce(push, n, multipart);
    push.close();
  } else if (path === 'logq-push' || path === 'logq-push-multipart') {
    consumer = startConsumer(path, uri, n);
    await consumer.ready;
    const handler = new ZeroMQHandler(uri, {
      multi: true,
      multipart: path === 'logq-push-multipart',
      batchSize: BATCH,
      maxBuffer: n * 2,
    });
    await handler.open();
    start = performance.now();
    cpu = process.cpuUsage();
    await logMany(handler, n);
    await handler.close({ timeoutMs: 60_000 });
  } else if (path === 'raw-pub') {
    // The options of logq's XPUB socket: send HWM, linger, sendTimeout 0, noDrop.
    const pub = new zmq.XPublisher({ sendHighWaterMark: HWM, linger: SEND_LINGER_MS, sendTimeout: 0 });
    pub.noDrop = true;
    await pub.bind(uri);
    consumer = startConsumer(path, uri, n);
    await consumer.ready;
    await waitForSubscription(pub);
    start = performance.now();
    cpu = process.cpuUsage();
    await rawProduce(pub, n, false);
    pub.close();
  } else {
    const handler = new ZeroMQHandler(uri, { batchSize: BATCH, maxBuffer: n * 2 });
    await handler.open();
    consumer = startConsumer(path, uri, n);
    await consumer.ready;
    await handler.waitForPeers(1, { timeoutMs: 30_000 });
    start = performance.now();
    cpu = process.cpuUsage();
    await logMany(handler, n);
    await handler.close({ timeoutMs: 60_000 });
  }
  const { at, count, cpuUs } = await consumer.done;
  const used = process.cpuUsage(cpu);
  const end = count < n ? at - IDLE_MS : at;
  return {
    seconds: (end - start) / 1000,
    rate: count / ((end - start) / 1000),
    lost: n - count,
    producerUs: (used.user + used.system) / n,
    consumerUs: cpuUs / Math.max(1, count),
  };
}

/** The caller's cost of a log call into a ZeroMQHandler whose peer (a PULL socket here) takes every record. */
async function callerCost(): Promise<readonly number[]> {
  const uri = `tcp://127.0.0.1:${await freePort()}`;
  const pull = new zmq.Pull({ receiveHighWaterMark: HWM, linger: 0 });
  await pull.bind(uri);
  let draining = true;
  const drain = (async () => {
    while (draining) await pull.receive().catch(() => []);
  })();
  const handler = new ZeroMQHandler(uri, { multi: true, maxBuffer: 100_000 });
  await handler.open();
  // Timed chunks of 1,000 calls; between chunks (untimed) the handler flushes, so its buffer never overflows
  // and no call takes the drop path.
  const [runs] = await interleave([
    {
      name: 'logq',
      run: () => timeLogCalls(handler, logOne),
    },
  ]);
  await handler.close({ timeoutMs: 60_000 });
  draining = false;
  pull.close();
  await drain;
  if (handler.stats.dropped > 0) throw new Error(`the caller-cost handler dropped ${handler.stats.dropped} records`);
  return runs!;
}

const rawBuffer: string[] = [];

const LABELS: Record<Path, string> = {
  'raw-push': 'raw zeromq PUSH → PULL: one JSON frame per `send`, `JSON.parse` of each',
  'logq-push': 'logq ZeroMQHandler → ZeroMQSubscriber, `multi: true` (PUSH/PULL, one frame per record)',
  'raw-push-multipart': `raw zeromq PUSH → PULL: ${BATCH} JSON frames per multipart \`send\`, \`JSON.parse\` of each frame`,
  'logq-push-multipart': `logq, \`multi: true, multipart: true\` (each batch of ≤ ${BATCH} records one multipart message)`,
  'raw-pub': 'raw zeromq XPUB (noDrop) → SUB: one JSON frame per `send`, `JSON.parse` of each',
  'logq-pub': 'logq ZeroMQHandler → ZeroMQSubscriber, PUB/SUB (noDrop)',
};

/** The raw row each path is compared with. */
const BASELINE: Record<Path, Path> = {
  'raw-push': 'raw-push',
  'logq-push': 'raw-push',
  'raw-push-multipart': 'raw-push-multipart',
  'logq-push-multipart': 'raw-push-multipart',
  'raw-pub': 'raw-pub',
  'logq-pub': 'raw-pub',
};

async function main(): Promise<void> {
  const recordBytes = Buffer.byteLength(JSON.stringify(captureRecord(() => logOne(1)).toDict()));
  const before = machine();
  const paths = [
    'raw-push',
    'logq-push',
    'raw-push-multipart',
    'logq-push-multipart',
    'raw-pub',
    'logq-pub',
  ] as const satisfies readonly Path[];
  // Warm-up (untimed): two runs of each path, the second sized from the first (JIT-warm); the timed runs are
  // sized from the second so that the fastest path's run lasts ≥ RUN_MS, with a margin (or BENCH_ZMQ_TOTAL).
  const { n, runs: byPath } = await sizedRuns(
    paths,
    {
      warmupN: WARMUP_N,
      round: CHUNK,
      fixedN: FIXED_N,
      log: (line) => console.log(line),
      describe: (r) =>
        `${fmt(r.rate)} records/s in ${r.seconds.toFixed(2)} s, lost ${r.lost}, CPU µs/record producer ${fmt(r.producerUs, 1)} consumer ${fmt(r.consumerUs, 1)}`,
    },
    endToEnd,
  );
  const runs = paths.map((p) => byPath[p]);
  const shortest = Math.min(...runs.flat().map((r) => r.seconds));
  const rate = (p: Path) => stats(byPath[p].map((r) => r.rate));
  const cpuOf = (p: Path, key: 'producerUs' | 'consumerUs') => stats(byPath[p].map((r) => r[key]));
  const rawCaller = stats(
    (
      await interleave([
        {
          name: 'raw',
          run: async () =>
            (
              await timeCalls((i) => {
                rawBuffer.push(sampleJson(i));
                if (rawBuffer.length > 10_000) rawBuffer.length = 0;
              })
            ).ns,
        },
      ])
    )[0]!,
  );
  const logqCaller = stats(await callerCost());
  const lost = (p: Path) => {
    const most = Math.max(...byPath[p].map((r) => r.lost));
    return most > 0 ? ` (lost up to ${fmt(most)})` : '';
  };
  const row = (p: Path) =>
    `| ${LABELS[p]} | ${fmtStats(rate(p))}${lost(p)} | ${p === BASELINE[p] ? '1.00×' : fmtRatio(rate(p), rate(BASELINE[p]))} | ${fmtStats(cpuOf(p, 'producerUs'), 1)} | ${fmtStats(cpuOf(p, 'consumerUs'), 1)} |`;
  const everyRun = (p: Path) =>
    `| ${p} | ${fmtRuns(rate(p))} | ${fmtRuns(cpuOf(p, 'producerUs'), 1)} | ${fmtRuns(cpuOf(p, 'consumerUs'), 1)} |`;
  writeSection(
    'zeromq',
    `## ZeroMQ (@logq/zeromq, zeromq ${zmq.version})

| path | records/s: median (min–max) | vs its raw row (medians) | CPU µs/record: producer | consumer |
|---|---:|---:|---:|---:|
${paths.map(row).join('\n')}

| every run | records/s | CPU µs/record: producer | consumer |
|---|---|---|---|
${paths.map(everyRun).join('\n')}

| caller-side cost per log call | ns: median (min–max) | every run |
|---|---:|---|
| raw: JSON.stringify of the record dict + array push | ${fmtStats(rawCaller)} | ${fmtRuns(rawCaller)} |
| logq: \`log.info(...)\` → ZeroMQHandler | ${fmtStats(logqCaller)} | ${fmtRuns(logqCaller)} |

Method: ${ROUNDS} runs per path after an untimed warm-up (two runs of each path, the second sized from the first),
the paths alternating (order reversed every other round); ${fmt(n)} records per run${FIXED_N === null ? `, sized from the warm-up so that the fastest path's run lasts ≥ ${fmt(RUN_MS / 1000, 1)} s` : ' (fixed by BENCH_ZMQ_TOTAL)'}
(the shortest run took ${fmt(shortest, 2)} s), records of ${recordBytes} bytes (logq) / ${Buffer.byteLength(sampleJson(0))} bytes (raw), over tcp on
127.0.0.1. Records/s and CPU (all threads of each process, libzmq's I/O thread included) are medians with (min–max),
every run listed. The producer runs here and the consumer in a child process; end-to-end time is from the first send
or log call (after connect and the consumer's ready; PUB/SUB once the subscription has arrived) to the consumer
having decoded the last record. Both producers yield to the event loop every ${fmt(CHUNK)} records.
Each logq row is compared with the raw row above it. The single-frame raw rows send one JSON frame (the same record dict) per
\`send\`, awaiting each, as logq's handler does without \`multipart\` (\`multi: true\` only picks PUSH/PULL instead of
PUB/SUB: its batches of up to ${BATCH} records still go out one frame per record, so no other raw row is needed for it).
The raw multipart row sends the records ${BATCH} at a time (logq's \`batchSize\`, given explicitly; with ${fmt(CHUNK)} records
logged per event-loop turn every logq batch but the last is full, as counted on the wire) as one multipart message of ${BATCH} JSON frames, and
its consumer \`JSON.parse\`s each frame of each message, as ZeroMQSubscriber turns each part into a record.
Sockets: the raw ones have logq's options. Producer (PUSH, XPUB): linger ${fmt(SEND_LINGER_MS)} ms, sendTimeout 0, send HWM
${fmt(HWM)} messages (${fmt(MULTIPART_HWM)} messages of ${BATCH} records on both multipart paths, logq's default there), XPUB noDrop;
when the socket is full (EAGAIN) the raw PUSH waits until it is writable (one send with sendTimeout -1; logq waits
50 ms at a time) and the raw XPUB tries again on the next event-loop turn (logq: the same for 64 tries, then short
sleeps). Consumer (PULL, SUB): linger 0, receive HWM ${fmt(HWM)} messages, receiveTimeout 0 while messages are queued and,
once the socket is empty, one wait for the next, bounded by ${fmt(IDLE_MS / 1000)} s (logq's subscriber waits with -1 and
\`recv(${fmt(IDLE_MS)})\` bounds it; after that the run counts the missing records as lost). Neither side sets ZMQ_IMMEDIATE.
logq's handler has \`maxBuffer\` twice the records of a run, so no record is dropped.
Caller cost: timed chunks of 1,000 calls to ≥ ${fmt(RUN_MS / 1000, 1)} s per run, ${ROUNDS} runs after a warm-up run; logq's
handler (its peer a PULL socket that drains) flushes between chunks, untimed, so no call takes the drop path.
Machine at the start: ${before}; at the end: ${machine().replace(/^.*load average/, 'load average')}.`,
  );
}

if (process.argv[2] === 'consume') {
  const [, , , path, uri, n] = process.argv;
  await consume(path as Path, uri!, Number(n));
  process.exit(0);
} else {
  await main();
  process.exit(0);
}
