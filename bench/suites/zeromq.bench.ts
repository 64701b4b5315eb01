// @logq/zeromq end to end (producer here, consumer in a child process), PUSH/PULL and PUB/SUB,
// and the caller-side cost per log call, each beside the raw zeromq socket sending the same
// ~540-byte JSON in the same run.
import { Handler, LogRecord, Logger, kw } from '@logq/core';
import { ZeroMQHandler, ZeroMQSubscriber } from '@logq/zeromq';
import { freePort } from '@logq/services';
import * as zmq from 'zeromq';
import { fmt, nsPerCall, sampleJson, spawnConsumer, writeSection } from './lib.js';

const N = 50_000;
/** Each end-to-end path runs this many times, alternating raw and logq; the best run counts (the machine is shared). */
const ROUNDS = 3;
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
  const ready = () => process.stdout.write('ready\n');
  // Reported as soon as the last record is decoded (closing the socket is not part of the time).
  const done = (received: number, decoded: number) => process.stdout.write(`done ${received} ${decoded}\n`);
  if (path === 'raw-push' || path === 'raw-pub') {
    const socket = path === 'raw-push' ? new zmq.Pull({ receiveHighWaterMark: HWM, linger: 0 }) : new zmq.Subscriber({ receiveHighWaterMark: HWM, linger: 0 });
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

function startConsumer(path: Path, uri: string, n: number): { ready: Promise<void>; done: Promise<{ at: number; count: number }> } {
  const consumer = spawnConsumer(import.meta.url, ['consume', path, uri, String(n)]);
  const done = consumer.done.then(({ at, line }) => ({ at, count: Number(/^done (\d+)/.exec(line)![1]) }));
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

async function endToEnd(path: Path): Promise<{ rate: number; lost: number }> {
  const uri = `tcp://127.0.0.1:${await freePort()}`;
  let start = 0;
  let consumer: ReturnType<typeof startConsumer>;
  if (path === 'raw-push') {
    consumer = startConsumer(path, uri, N);
    await consumer.ready;
    const push = new zmq.Push({ sendHighWaterMark: HWM, linger: 5_000 });
    push.connect(uri);
    start = performance.now();
    await rawProduce(push);
    push.close();
  } else if (path === 'logq-push' || path === 'logq-push-multipart') {
    consumer = startConsumer(path, uri, N);
    await consumer.ready;
    const handler = new ZeroMQHandler(uri, { multi: true, multipart: path === 'logq-push-multipart', maxBuffer: N * 2 });
    await handler.open();
    start = performance.now();
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
    await rawProduce(pub);
    pub.close();
  } else {
    const handler = new ZeroMQHandler(uri, { maxBuffer: N * 2 });
    await handler.open();
    consumer = startConsumer(path, uri, N);
    await consumer.ready;
    await handler.waitForPeers(1, { timeoutMs: 30_000 });
    start = performance.now();
    await logMany(handler);
    await handler.close({ timeoutMs: 60_000 });
  }
  const { at, count } = await consumer.done;
  const end = count < N ? at - IDLE_MS : at;
  return { rate: count / ((end - start) / 1000), lost: N - count };
}

async function callerCost(): Promise<number> {
  // Nobody listens: the PUSH socket queues up to its HWM, then records wait in the handler's buffer.
  // Closing it then reports the records left undelivered, as expected here: not printed.
  const handler = new ZeroMQHandler(`tcp://127.0.0.1:${await freePort()}`, { multi: true, maxBuffer: N * 2, socketLingerMs: 0, onError: () => {} });
  await handler.open();
  const ns = handler.applicationBound(() => nsPerCall(N, logOne));
  await handler.close({ timeoutMs: 100 });
  return ns;
}

function captureRecord(): LogRecord {
  let captured: LogRecord | null = null;
  const probe = new (class extends Handler {
    emit(record: LogRecord): void {
      captured = record;
    }
  })();
  probe.applicationBound(() => logOne(1));
  return captured!;
}

const rawBuffer: string[] = [];

async function main(): Promise<void> {
  const recordBytes = Buffer.byteLength(JSON.stringify(captureRecord().toDict()));
  const best: Record<Path, { rate: number; lost: number }> = {
    'raw-push': { rate: 0, lost: 0 },
    'logq-push': { rate: 0, lost: 0 },
    'logq-push-multipart': { rate: 0, lost: 0 },
    'raw-pub': { rate: 0, lost: 0 },
    'logq-pub': { rate: 0, lost: 0 },
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of ['raw-push', 'logq-push', 'logq-push-multipart', 'raw-pub', 'logq-pub'] as const) {
      const result = await endToEnd(path);
      if (result.rate > best[path].rate) best[path] = result;
      console.log(`${path}: ${fmt(result.rate)} records/s, lost ${result.lost}`);
    }
  }
  const rawCaller = nsPerCall(N, (i) => {
    rawBuffer.push(sampleJson(i));
    if (rawBuffer.length > 10_000) rawBuffer.length = 0;
  });
  const logqCaller = await callerCost();
  const ratio = (a: number, b: number) => `${fmt((a / b) * 100)}%`;
  const lost = (p: Path) => (best[p].lost > 0 ? ` (lost ${fmt(best[p].lost)})` : '');
  writeSection(
    'zeromq',
    `## ZeroMQ (@logq/zeromq, zeromq ${zmq.version})

| path | records/s | vs raw |
|---|---:|---:|
| raw zeromq: PUSH → PULL, one JSON frame per send, JSON.parse | ${fmt(best['raw-push'].rate)}${lost('raw-push')} | 100% |
| logq ZeroMQHandler → ZeroMQSubscriber, \`multi: true\` (PUSH/PULL) | ${fmt(best['logq-push'].rate)}${lost('logq-push')} | ${ratio(best['logq-push'].rate, best['raw-push'].rate)} |
| logq, \`multi: true, multipart: true\` (each batch one multipart message) | ${fmt(best['logq-push-multipart'].rate)}${lost('logq-push-multipart')} | ${ratio(best['logq-push-multipart'].rate, best['raw-push'].rate)} |
| raw zeromq: XPUB (noDrop) → SUB, one JSON frame per send, JSON.parse | ${fmt(best['raw-pub'].rate)}${lost('raw-pub')} | 100% |
| logq ZeroMQHandler → ZeroMQSubscriber, PUB/SUB (noDrop) | ${fmt(best['logq-pub'].rate)}${lost('logq-pub')} | ${ratio(best['logq-pub'].rate, best['raw-pub'].rate)} |

| caller-side cost per log call | ns |
|---|---:|
| raw: JSON.stringify of the record dict + array push | ${fmt(rawCaller)} |
| logq: \`log.info(...)\` → ZeroMQHandler | ${fmt(logqCaller)} |

Method: best of ${ROUNDS} runs (raw and logq alternating) of ${fmt(N)} records of ${recordBytes} bytes (logq) /
${Buffer.byteLength(sampleJson(0))} bytes (raw) per path over tcp on 127.0.0.1, send/receive HWM ${fmt(HWM)} on both; the producer
runs here and the consumer in a child process, and every consumer turns each frame into an object (raw: \`JSON.parse\`;
logq: a \`LogRecord\` from \`subscriber.recv()\`); end-to-end time is from the first send or log call to the consumer
having decoded the last record (PUB/SUB starts once the subscription has arrived); both producers yield to the event
loop every ${fmt(CHUNK)} records, and the raw producer awaits each \`send\` (retrying a frame the noDrop XPUB refuses).
Caller cost: mean wall time of ${fmt(N)} \`log.info\` calls (record creation, encoding, buffering) with the handler pushed.`,
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
