// The scale suite's child processes: a producer or a consumer of one run, forked with an IPC channel for
// control (ready, go, stop, counts, the final report), and the parent's handle on one.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { peakRssMiB } from './lib.js';
import type { ChildHandle, Control, Report, Spec, Transport } from './scale-types.js';

const entry = fileURLToPath(new URL('./scale-child-main.ts', import.meta.url));
const isControl = (m: unknown): m is Control => typeof m === 'object' && m !== null && 'scale' in m;
const now = (): number => performance.timeOrigin + performance.now();

/** Forks the suite as a child of `role` for `spec`. */
export function launch(role: 'producer' | 'consumer', spec: Spec): ChildHandle {
  const child = fork(entry, [role, JSON.stringify(spec)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: process.execArgv,
  });
  // EPIPE of a message to a child that exited meanwhile: its exit is handled below.
  child.on('error', () => undefined);
  let count = 0;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<readonly Report[]>((resolve, reject) => {
    child.on('message', (m) => {
      if (!isControl(m)) return;
      if (m.scale === 'ready') onReady();
      else if (m.scale === 'count') count = m.count;
      else if (m.scale === 'done') resolve(m.reports);
    });
    child.once('exit', (code) => reject(new Error(`${role} ${spec.transport}/${spec.impl} exited with ${code}`)));
  });
  done.catch(() => undefined);
  return {
    ready: Promise.race([ready, done.then(() => undefined)]),
    done,
    count: () => count,
    // A child that has just exited: the message is moot (its report is in), not an error.
    send: (message) => child.connected && child.send(message, (error) => void error),
    process: child,
  };
}

const toParent = (message: Control): Promise<void> =>
  new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));

function nextControl(kind: 'go' | 'stop'): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (isControl(m) && m.scale === kind) {
        process.off('message', on);
        resolve();
      }
    };
    process.on('message', on);
  });
}

/** Runs this process as a producer: connect, ready, wait for go, send, report. */
export async function runProducer(transport: Transport, spec: Spec): Promise<void> {
  const producer = await transport.producer(spec);
  const readyRssMiB = peakRssMiB();
  const go = nextControl('go');
  await toParent({ scale: 'ready' });
  await go;
  const cpu = process.cpuUsage();
  await producer.send(spec.perProducer);
  const used = process.cpuUsage(cpu);
  const report: Report = {
    role: 'producer',
    count: spec.perProducer + 1,
    lastAt: now(),
    cpuUs: used.user + used.system,
    peakRssMiB: peakRssMiB(),
    readyRssMiB,
  };
  await producer.close();
  await toParent({ scale: 'done', reports: [report] });
}

/**
 * Runs this process as a consumer: connect, ready, wait for go, take records until it has every one (the only
 * consumer) or the parent says stop (several share the queue), telling the parent its count every 50 ms.
 */
export async function runConsumer(transport: Transport, spec: Spec): Promise<void> {
  const consumer = await transport.consumer(spec);
  const children = consumer.children ?? [];
  await Promise.all(children.map((c) => c.ready));
  const readyRssMiB = peakRssMiB();
  let stopped = false;
  void nextControl('stop').then(() => (stopped = true));
  const go = nextControl('go');
  await toParent({ scale: 'ready' });
  await go;
  for (const c of children) c.send({ scale: 'go' });
  const cpu = process.cpuUsage();
  const total = spec.consumers === 1 ? spec.producers * (spec.perProducer + 1) : Infinity;
  let count = 0;
  let lastAt = now();
  let told = 0;
  let toldAt = 0;
  while (count < total && !stopped) {
    const k = await consumer.take(100);
    if (k > 0) {
      count += k;
      lastAt = now();
    }
    if (count !== told && (k === 0 || lastAt - toldAt >= 50)) {
      told = count;
      toldAt = lastAt;
      void toParent({ scale: 'count', count });
    }
  }
  const used = process.cpuUsage(cpu);
  const report: Report = {
    role: 'consumer',
    count,
    lastAt,
    cpuUs: used.user + used.system,
    peakRssMiB: peakRssMiB(),
    readyRssMiB,
  };
  const theirs = await Promise.all(children.map((c) => c.done));
  await consumer.close();
  await toParent({ scale: 'done', reports: [report, ...theirs.flat()] });
}
