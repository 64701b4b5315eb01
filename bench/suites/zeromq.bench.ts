// @logq/zeromq end to end (producer here, consumer in a child process), PUSH/PULL and PUB/SUB,
// and the caller-side cost per log call, each beside the raw zeromq socket sending the same
// ~540-byte JSON in the same run.
import { Logger, kw } from '@logq/core';
import { ZeroMQHandler, ZeroMQSubscriber } from '@logq/zeromq';
import { freePort } from '@logq/services';
import * as zmq from 'zeromq';
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
  writeSection,
} from './lib.js';

/** Records per end-to-end run: sized so that a run lasts ≥ 2 s on the reference machine (the shortest run is reported). */
const N = Number(process.env.BENCH_TOTAL ?? 200_000);
/** Each end-to-end path runs this many times after a warm-up run, the paths alternating; median and range reported. */
const ROUNDS = RUNS;
/** Producers yield to the event loop every this many records, as an application does between requests. */
const CHUNK = 1024;
/** The same high-water mark on both sides (logq's default). */
const HWM = 10_000;
/** The consumer gives up after this long without a record (to report losses instead of hanging). */
const IDLE_MS = 5_000;

type Path = 'raw-push' | 'logq-push' | 'logq-push-multipart' | 'raw-pub' | 'logq-pub';

const sleepImmediate = () => new Promise((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------- consumer side (child process)

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
  if (path === 'raw-push' || path === 'raw-pub') {
    const socket =
      path === 'raw-push'
        ? new zmq.Pull({ receiveHighWaterMark: HWM, linger: 0 })
        : new zmq.Subscriber({ receiveHighWaterMark: HWM, linger: 0 });
    if (socket instanceof zmq.Subscriber) {
      socket.subscribe();
      socket.connect(uri);
    } else {
      await socket.bind(uri);
    }
    socket.receiveTimeout = IDLE_MS;
    ready();
    try {
      while (count < n) {
        const [frame] = await socket.receive();
        count++;
        if (JSON.parse(frame!.toString('utf8')).msg) valid++;
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

async function logMany(handler: { applicationBound<R>(fn: () => R): R }): Promise<void> {
  for (let i = 0; i < N; i += CHUNK) {
    handler.applicationBound(() => {
      for (let k = i; k < Math.min(N, i + CHUNK); k++) logOne(k);
    });
    await sleepImmediate();
  }
}

/** The raw producer: the same JSON, one frame each, awaiting each send; a PUB with noDrop retries a refused frame. */
async function rawProduce(socket: zmq.Push | zmq.XPublisher): Promise<void> {
  for (let i = 0; i < N; i += CHUNK) {
    for (let k = i; k < Math.min(N, i + CHUNK); k++) {
      const frame = sampleJson(k);
      for (;;) {
        try {
          await socket.send(frame);
          break;
        } catch {
          await sleepImmediate(); // EAGAIN: a subscriber's queue is full (noDrop)
        }
      }
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

async function endToEnd(path: Path): Promise<Run> {
  const uri = `tcp://127.0.0.1:${await freePort()}`;
  let start = 0;
  let cpu = process.cpuUsage();
  let consumer: ReturnType<typeof startConsumer>;
  if (path === 'raw-push') {
    consumer = startConsumer(path, uri, N);
    await consumer.ready;
    const push = new zmq.Push({ sendHighWaterMark: HWM, linger: 5_000 });
    push.connect(uri);
    start = performance.now();
    cpu = process.cpuUsage();
    await rawProduce(push);
    push.close();
  } else if (path === 'logq-push' || path === 'logq-push-multipart') {
    consumer = startConsumer(path, uri, N);
    await consumer.ready;
    const handler = new ZeroMQHandler(uri, {
      multi: true,
      multipart: path === 'logq-push-multipart',
      maxBuffer: N * 2,
    });
    await handler.open();
    start = performance.now();
    cpu = process.cpuUsage();
    await logMany(handler);
    await handler.close({ timeoutMs: 60_000 });
  } else if (path === 'raw-pub') {
    const pub = new zmq.XPublisher({ sendHighWaterMark: HWM, linger: 5_000 });
    pub.noDrop = true;
    await pub.bind(uri);
    consumer = startConsumer(path, uri, N);
    await consumer.ready;
    await waitForSubscription(pub);
    start = performance.now();
    cpu = process.cpuUsage();
    await rawProduce(pub);
    pub.close();
  } else {
    const handler = new ZeroMQHandler(uri, { maxBuffer: N * 2 });
    await handler.open();
    consumer = startConsumer(path, uri, N);
    await consumer.ready;
    await handler.waitForPeers(1, { timeoutMs: 30_000 });
    start = performance.now();
    cpu = process.cpuUsage();
    await logMany(handler);
    await handler.close({ timeoutMs: 60_000 });
  }
  const { at, count, cpuUs } = await consumer.done;
  const used = process.cpuUsage(cpu);
  const end = count < N ? at - IDLE_MS : at;
  return {
    seconds: (end - start) / 1000,
    rate: count / ((end - start) / 1000),
    lost: N - count,
    producerUs: (used.user + used.system) / N,
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
      run: async () => {
        handler.pushApplication();
        try {
          return (await timeCalls(logOne, { between: () => handler.flush() })).ns;
        } finally {
          handler.popApplication();
        }
      },
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

async function main(): Promise<void> {
  const recordBytes = Buffer.byteLength(JSON.stringify(captureRecord(() => logOne(1)).toDict()));
  const before = machine();
  const paths = ['raw-push', 'logq-push', 'logq-push-multipart', 'raw-pub', 'logq-pub'] as const;
  const runs = await interleave(
    paths.map((path) => ({
      name: path,
      run: async () => {
        const result = await endToEnd(path);
        console.log(
          `${path}: ${fmt(result.rate)} records/s, lost ${result.lost}, CPU µs/record producer ${fmt(result.producerUs, 1)} consumer ${fmt(result.consumerUs, 1)}`,
        );
        return result;
      },
    })),
    ROUNDS,
  );
  const byPath = Object.fromEntries(paths.map((p, k) => [p, runs[k]!])) as Record<Path, Run[]>;
  const shortest = Math.min(...runs.flat().map((r) => r.seconds));
  const rate = (p: Path) => stats(byPath[p].map((r) => r.rate));
  const cpuOf = (p: Path, key: 'producerUs' | 'consumerUs') => stats(byPath[p].map((r) => r[key])).median;
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
  const ratio = (a: number, b: number) => `${fmt((a / b) * 100)}%`;
  const lost = (p: Path) => {
    const most = Math.max(...byPath[p].map((r) => r.lost));
    return most > 0 ? ` (lost up to ${fmt(most)})` : '';
  };
  const row = (p: Path, label: string, raw: Path) =>
    `| ${label} | ${fmtStats(rate(p))}${lost(p)} | ${ratio(rate(p).median, rate(raw).median)} | ${fmt(cpuOf(p, 'producerUs'), 1)} | ${fmt(cpuOf(p, 'consumerUs'), 1)} |`;
  writeSection(
    'zeromq',
    `## ZeroMQ (@logq/zeromq, zeromq ${zmq.version})

| path | records/s: median (min–max) | vs raw (medians) | CPU µs/record: producer | consumer |
|---|---:|---:|---:|---:|
${row('raw-push', 'raw zeromq: PUSH → PULL, one JSON frame per send, JSON.parse', 'raw-push')}
${row('logq-push', 'logq ZeroMQHandler → ZeroMQSubscriber, `multi: true` (PUSH/PULL)', 'raw-push')}
${row('logq-push-multipart', 'logq, `multi: true, multipart: true` (each batch one multipart message)', 'raw-push')}
${row('raw-pub', 'raw zeromq: XPUB (noDrop) → SUB, one JSON frame per send, JSON.parse', 'raw-pub')}
${row('logq-pub', 'logq ZeroMQHandler → ZeroMQSubscriber, PUB/SUB (noDrop)', 'raw-pub')}

| caller-side cost per log call | ns: median (min–max) | every run |
|---|---:|---|
| raw: JSON.stringify of the record dict + array push | ${fmtStats(rawCaller)} | ${fmtRuns(rawCaller)} |
| logq: \`log.info(...)\` → ZeroMQHandler | ${fmtStats(logqCaller)} | ${fmtRuns(logqCaller)} |

Every run (records/s): ${paths.map((p) => `${p} ${fmtRuns(rate(p))}`).join('; ')}.

Method: ${ROUNDS} runs per path after an untimed warm-up run, the paths alternating (order reversed every other round);
records/s and CPU are medians (CPU: all threads of the process, libzmq's I/O thread included), of ${fmt(N)} records
of ${recordBytes} bytes (logq) / ${Buffer.byteLength(sampleJson(0))} bytes (raw) per run (the shortest run took ${fmt(shortest, 1)} s) over
tcp on 127.0.0.1, send/receive HWM ${fmt(HWM)} on both; the producer
runs here and the consumer in a child process, and every consumer turns each frame into an object (raw: \`JSON.parse\`;
logq: a \`LogRecord\` from \`subscriber.recv()\`); end-to-end time is from the first send or log call (after connect
and the consumer's ready; PUB/SUB once the subscription has arrived) to the consumer having decoded the last record;
both producers yield to the event loop every ${fmt(CHUNK)} records, and the raw producer awaits each \`send\` (retrying a
frame the noDrop XPUB refuses). Caller cost: timed chunks of 1,000 calls to ≥ ${fmt(RUN_MS / 1000, 1)} s per run, ${ROUNDS} runs
after a warm-up run; logq's handler (its peer a PULL socket that drains) flushes between chunks, untimed, so no call
takes the drop path. Machine at the start: ${before}; at the end: ${machine().replace(/^.*load average/, 'load average')}.`,
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
