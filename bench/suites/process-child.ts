// The process suite's producers: a forked child or cluster worker (argv `produce <mode> <rounds>`, or `cost`),
// or a worker thread (workerData). Each waits for the parent's "go" and sends that round's records, raw or
// through logq's MultiProcessingHandler.
import { Logger, kw } from '@logq/core';
import { MultiProcessingHandler } from '@logq/process';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ProcessSender } from './process-sender.js';
import { BATCH, type Control, type Mode, type ThreadData, WINDOW, YIELD_EVERY, isControl } from './process-shared.js';
import { interleave, sampleDict, timeCalls, timeLogCalls, yieldToLoop } from './lib.js';

const log = new Logger('bench.service');
const extra = { request_id: 'c0ffee-1234', user: 'alice' };
const logOne = (i: number) => log.info('request {0} handled in {1} ms', i, 12.5, kw({}, { extra }));

interface Endpoint {
  /** Posts one record message; a promise when the caller must wait for the channel. */
  post(message: unknown): Promise<void> | null;
  control(message: Control): Promise<void>;
  on(listener: (m: unknown) => void): void;
  off(listener: (m: unknown) => void): void;
}

function processEndpoint(mode: Mode): Endpoint {
  const sender = new ProcessSender(mode === 'batch' ? Math.ceil(WINDOW / BATCH) : WINDOW);
  return {
    post: (message) => sender.send(message),
    control: (message) => new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve())),
    on: (listener) => process.on('message', listener),
    off: (listener) => process.off('message', listener),
  };
}

function threadEndpoint(): Endpoint {
  const port = parentPort!;
  return {
    // postMessage has no backpressure signal: it queues on the port and returns.
    post: (message) => {
      port.postMessage(message);
      return null;
    },
    control: async (message) => port.postMessage(message),
    on: (listener) => port.on('message', listener),
    off: (listener) => port.off('message', listener),
  };
}

function waitForGo(endpoint: Endpoint): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (isControl(m) && m.bench === 'go') {
        endpoint.off(onMessage);
        resolve(m.n ?? 0);
      }
    };
    endpoint.on(onMessage);
  });
}

async function produce(endpoint: Endpoint, mode: Mode, rounds: number, queue: { id: string } | null): Promise<void> {
  // maxBuffer is only a cap: high enough that no record is dropped while the credit window is used up.
  const handler = mode === 'logq' ? new MultiProcessingHandler(queue, { maxBuffer: 1 << 24 }) : null;
  if (handler) {
    handler.pushApplication();
    // Say hello before the clock starts (the handshake happens once per child).
    await handler.flush();
  }
  for (let round = 0; round < rounds; round++) {
    const go = waitForGo(endpoint);
    await endpoint.control({ bench: 'ready' });
    const n = await go;
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i += YIELD_EVERY) {
      const end = Math.min(n, i + YIELD_EVERY);
      if (mode === 'logq') for (let k = i; k < end; k++) logOne(k);
      else if (mode === 'raw') {
        for (let k = i; k < end; k++) {
          const wait = endpoint.post(sampleDict(k));
          if (wait) await wait;
        }
      } else {
        for (let k = i; k < end; k += BATCH) {
          const batch: Record<string, unknown>[] = [];
          for (let j = k; j < Math.min(end, k + BATCH); j++) batch.push(sampleDict(j));
          const wait = endpoint.post(batch);
          if (wait) await wait;
        }
      }
      await yieldToLoop();
    }
    await handler?.flush();
    const used = process.cpuUsage(cpu);
    await endpoint.control({ bench: 'done', cpuUs: used.user + used.system });
  }
  await handler?.close({ timeoutMs: 120_000 });
  if (isMainThread) process.disconnect();
}

async function measureCost(): Promise<void> {
  const handler = new MultiProcessingHandler(null, { maxBuffer: 100_000 });
  await handler.applicationBound(async () => {
    logOne(-1);
    await handler.flush();
  });
  // Timed chunks of 1,000 calls; between chunks (untimed) logq flushes its handler (so its buffer never
  // overflows and no call takes the cheap drop path) and raw yields so the channel writes; they alternate.
  const [logqNs, rawNs] = await interleave([
    {
      name: 'logq',
      run: () => timeLogCalls(handler, logOne),
    },
    {
      name: 'raw',
      run: async () => (await timeCalls((i) => void process.send!(sampleDict(i)), { between: yieldToLoop })).ns,
    },
  ]);
  await handler.close({ timeoutMs: 120_000 });
  if (handler.stats.dropped > 0) throw new Error(`the caller-cost handler dropped ${handler.stats.dropped} records`);
  await processEndpoint('raw').control({ bench: 'cost', logqNs: logqNs!, rawNs: rawNs! });
  process.disconnect();
}

if (!isMainThread) {
  const data = workerData as ThreadData;
  await produce(threadEndpoint(), data.mode, data.rounds, data.queue);
} else {
  const [role, mode, rounds] = process.argv.slice(2);
  if (role === 'produce') await produce(processEndpoint(mode as Mode), mode as Mode, Number(rounds), null);
  else if (role === 'cost') await measureCost();
}
