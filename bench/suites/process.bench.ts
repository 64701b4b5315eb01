// @logq/process end to end (1, 2 and 4 forked children logging to one subscriber in this
// process) and per log call, each beside raw `process.send` of the same ~540-byte JSON
// in the same run.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Logger, kw } from '@logq/core';
import { MultiProcessingHandler, MultiProcessingSubscriber, isLogqMessage } from '@logq/process';
import { fmt, nsPerCall, sampleJson, writeSection } from './lib.js';

const TOTAL = Number(process.env.BENCH_TOTAL ?? 100_000);
const YIELD_EVERY = 1024;
const COST_CALLS = 100_000;
const self = fileURLToPath(import.meta.url);

type Mode = 'logq' | 'raw';
interface Control {
  readonly bench: 'go' | 'ready' | 'done' | 'cost';
  readonly logqNs?: number;
  readonly rawNs?: number;
}
const isControl = (m: unknown): m is Control => typeof m === 'object' && m !== null && 'bench' in m;
const sendControl = (message: Control) => new Promise<void>((resolve) => process.send!(message, undefined, undefined, () => resolve()));

const log = new Logger('bench.service');
const extra = { request_id: 'c0ffee-1234', user: 'alice' };
const logOne = (i: number) => log.info('request {0} handled in {1} ms', i, 12.5, kw({}, { extra }));

// ---------------------------------------------------------------- child side

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (isControl(m) && m.bench === 'go') {
        process.off('message', onMessage);
        resolve();
      }
    };
    process.on('message', onMessage);
  });
}

async function produce(mode: Mode, n: number): Promise<void> {
  if (mode === 'logq') {
    const handler = new MultiProcessingHandler(null, { maxBuffer: n * 2 });
    handler.pushApplication();
    // Say hello before the clock starts (the handshake happens once per child).
    await handler.flush();
    const go = waitForGo();
    await sendControl({ bench: 'ready' });
    await go;
    for (let i = 0; i < n; i += YIELD_EVERY) {
      for (let k = i; k < Math.min(n, i + YIELD_EVERY); k++) logOne(k);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await handler.close({ timeoutMs: 120_000 });
  } else {
    const go = waitForGo();
    await sendControl({ bench: 'ready' });
    await go;
    for (let i = 0; i < n; i += YIELD_EVERY) {
      let last: Promise<void> | null = null;
      for (let k = i; k < Math.min(n, i + YIELD_EVERY); k++) {
        // Respect the channel's backpressure: when send() says the pipe is full, wait for it.
        let written!: () => void;
        const done = new Promise<void>((resolve) => (written = resolve));
        if (!process.send!(sampleJson(k), undefined, undefined, () => written())) last = done;
        if (last) {
          await last;
          last = null;
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await sendControl({ bench: 'done' });
  process.disconnect();
}

async function measureCost(): Promise<void> {
  const handler = new MultiProcessingHandler(null, { maxBuffer: COST_CALLS * 2 });
  await handler.applicationBound(async () => {
    logOne(-1);
    await handler.flush();
  });
  const logqNs = handler.applicationBound(() => nsPerCall(COST_CALLS, logOne));
  await handler.close({ timeoutMs: 120_000 });
  const rawNs = nsPerCall(COST_CALLS, (i) => void process.send!(sampleJson(i)));
  await sendControl({ bench: 'cost', logqNs, rawNs });
  process.disconnect();
}

// ---------------------------------------------------------------- parent side

function controls(child: ChildProcess): { next(kind: Control['bench']): Promise<Control> } {
  const waiting: { kind: Control['bench']; resolve(m: Control): void }[] = [];
  child.on('message', (m) => {
    if (!isControl(m)) return;
    const i = waiting.findIndex((w) => w.kind === m.bench);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
  });
  return { next: (kind) => new Promise((resolve) => waiting.push({ kind, resolve })) };
}

async function endToEnd(mode: Mode, children: number): Promise<number> {
  const per = TOTAL / children;
  const subscriber = new MultiProcessingSubscriber();
  let rawCount = 0;
  let allRaw: () => void = () => undefined;
  const rawDone = new Promise<void>((resolve) => (allRaw = resolve));
  const started = Array.from({ length: children }, () => {
    const child = fork(self, ['produce', mode, String(per)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (mode === 'logq') subscriber.queue.attach(child);
    else {
      child.on('message', (m) => {
        if (typeof m !== 'string') return;
        // The least a consumer does with a record: parse it.
        if ((JSON.parse(m) as { level: number }).level > 0 && ++rawCount === TOTAL) allRaw();
      });
    }
    const c = controls(child);
    return { child, ready: c.next('ready'), done: c.next('done') };
  });
  await Promise.all(started.map((s) => s.ready));
  const t0 = performance.now();
  for (const s of started) s.child.send({ bench: 'go' } satisfies Control);
  if (mode === 'logq') {
    for (let count = 0; count < TOTAL; ) {
      const record = await subscriber.recv(30_000);
      if (!record) throw new Error(`logq: only ${count} of ${TOTAL} records arrived`);
      count++;
    }
  } else {
    await rawDone;
  }
  const elapsed = performance.now() - t0;
  await Promise.all(started.map((s) => s.done));
  await subscriber.close();
  return TOTAL / (elapsed / 1000);
}

async function callerCost(): Promise<{ logqNs: number; rawNs: number }> {
  const subscriber = new MultiProcessingSubscriber();
  const child = subscriber.queue.attach(fork(self, ['cost'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const drain = (async () => {
    while (await subscriber.recv(30_000));
  })();
  child.on('message', (m) => void (isLogqMessage(m) || isControl(m) || JSON.parse(String(m))));
  const result = await controls(child).next('cost');
  await subscriber.close();
  await drain;
  return { logqNs: result.logqNs!, rawNs: result.rawNs! };
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const ratios: string[] = [];
  for (const children of [1, 2, 4]) {
    // Alternate, best of two each, so that drift hits both alike.
    const raw: number[] = [];
    const logq: number[] = [];
    for (let round = 0; round < 2; round++) {
      raw.push(await endToEnd('raw', children));
      logq.push(await endToEnd('logq', children));
    }
    const r = Math.max(...raw);
    const l = Math.max(...logq);
    console.log(`${children} children: raw ${fmt(r)}/s, logq ${fmt(l)}/s`);
    rows.push(`| ${children} → 1 | ${fmt(r)} | ${fmt(l)} | ${fmt((l / r) * 100)}% |`);
    ratios.push(`${children}: ${fmt(l / r, 2)}×`);
  }
  const cost = await callerCost();
  console.log(`caller cost: logq ${fmt(cost.logqNs)} ns, raw ${fmt(cost.rawNs)} ns`);
  writeSection(
    'process',
    `## @logq/process (Node IPC, no broker)

| children → subscriber | raw \`process.send\` (records/s) | logq (records/s) | logq / raw |
|---|---:|---:|---:|
${rows.join('\n')}

| per call, in a forked child | ns |
|---|---:|
| raw \`process.send(JSON.stringify(dict))\` | ${fmt(cost.rawNs)} |
| logq \`log.info(...)\` with \`MultiProcessingHandler\` pushed | ${fmt(cost.logqNs)} |

End-to-end ratio logq/raw by number of children: ${ratios.join(', ')} (goal ≥ 0.8×). Per call: logq costs ${fmt(cost.logqNs / cost.rawNs, 2)}× a raw send.

Method: ${fmt(TOTAL)} records of ~540 bytes split over N forked children, timed from the parent's "go" until the parent has received (and parsed) all of them; raw children call \`process.send\` per record (JSON serialization, waiting when it reports backpressure) and the parent \`JSON.parse\`s each; logq children log with a \`Logger\` (record creation, wire dict, JSON) through \`MultiProcessingHandler\` (batches of 256 JSON texts per message, credit window 4096) and the parent decodes every record with \`MultiProcessingSubscriber.recv()\`. Both yield to the event loop every ${YIELD_EVERY} records; best of two alternating runs.`,
  );
}

const [role, ...args] = process.argv.slice(2);
if (role === 'produce') await produce(args[0] as Mode, Number(args[1]));
else if (role === 'cost') await measureCost();
else if (role === 'one') {
  const [mode, n] = args as [Mode, string];
  console.log(mode, n, fmt(await endToEnd(mode, Number(n))));
} else await main();
