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
const ROUNDS = 2;
const COST_CALLS = 100_000;
const self = fileURLToPath(import.meta.url);

type Mode = 'logq' | 'raw';
interface Control {
  readonly bench: 'go' | 'ready' | 'done' | 'cost';
  readonly logqNs?: number;
  readonly rawNs?: number;
  /** CPU time the child spent on the round, in µs. */
  readonly cpuUs?: number;
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

async function produce(mode: Mode, n: number, rounds: number): Promise<void> {
  const handler = mode === 'logq' ? new MultiProcessingHandler(null, { maxBuffer: n * 2 }) : null;
  if (handler) {
    handler.pushApplication();
    // Say hello before the clock starts (the handshake happens once per child).
    await handler.flush();
  }
  for (let round = 0; round < rounds; round++) {
    const go = waitForGo();
    await sendControl({ bench: 'ready' });
    await go;
    const cpu = process.cpuUsage();
    if (handler) {
      for (let i = 0; i < n; i += YIELD_EVERY) {
        for (let k = i; k < Math.min(n, i + YIELD_EVERY); k++) logOne(k);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await handler.flush();
    } else {
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
    const used = process.cpuUsage(cpu);
    await sendControl({ bench: 'done', cpuUs: used.user + used.system });
  }
  await handler?.close({ timeoutMs: 120_000 });
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
  const arrived: Control[] = [];
  const waiting: { kind: Control['bench']; resolve(m: Control): void }[] = [];
  child.on('message', (m) => {
    if (!isControl(m)) return;
    const i = waiting.findIndex((w) => w.kind === m.bench);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
    else arrived.push(m);
  });
  return {
    next: (kind) => {
      const i = arrived.findIndex((m) => m.bench === kind);
      if (i >= 0) return Promise.resolve(arrived.splice(i, 1)[0]!);
      return new Promise((resolve) => waiting.push({ kind, resolve }));
    },
  };
}

interface RoundResult {
  /** Records per second, from "go" until the parent has all of them. */
  readonly rate: number;
  /** CPU time of the parent and every child per record, in µs. */
  readonly cpuPerRecord: number;
}

/** Starts `children` producers once and runs `rounds` timed rounds with them. */
async function endToEnd(mode: Mode, children: number, rounds: number): Promise<RoundResult[]> {
  const per = TOTAL / children;
  const subscriber = new MultiProcessingSubscriber();
  let rawCount = 0;
  let rawTarget = TOTAL;
  let allRaw: () => void = () => undefined;
  const started = Array.from({ length: children }, () => {
    const child = fork(self, ['produce', mode, String(per), String(rounds)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (mode === 'logq') subscriber.queue.attach(child);
    else {
      child.on('message', (m) => {
        if (typeof m !== 'string') return;
        // The least a consumer does with a record: parse it.
        if ((JSON.parse(m) as { level: number }).level > 0 && ++rawCount === rawTarget) allRaw();
      });
    }
    return { child, control: controls(child) };
  });
  const results: RoundResult[] = [];
  for (let round = 0; round < rounds; round++) {
    await Promise.all(started.map((s) => s.control.next('ready')));
    const rawDone = new Promise<void>((resolve) => (allRaw = resolve));
    rawTarget = TOTAL * (round + 1);
    const cpu = process.cpuUsage();
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
    const used = process.cpuUsage(cpu);
    const done = await Promise.all(started.map((s) => s.control.next('done')));
    const childCpu = done.reduce((sum, m) => sum + (m.cpuUs ?? 0), 0);
    results.push({ rate: TOTAL / (elapsed / 1000), cpuPerRecord: (used.user + used.system + childCpu) / TOTAL });
  }
  await subscriber.close();
  return results;
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
    const raw = await endToEnd('raw', children, ROUNDS);
    const logq = await endToEnd('logq', children, ROUNDS);
    const best = (rs: RoundResult[]) => Math.max(...rs.map((r) => r.rate));
    const cpu = (rs: RoundResult[]) => Math.min(...rs.map((r) => r.cpuPerRecord));
    const r = best(raw);
    const l = best(logq);
    console.log(`${children} children: raw ${fmt(r)}/s ${fmt(cpu(raw), 1)} µs CPU/record, logq ${fmt(l)}/s ${fmt(cpu(logq), 1)} µs CPU/record`);
    rows.push(`| ${children} → 1 | ${fmt(r)} | ${fmt(l)} | ${fmt((l / r) * 100)}% | ${fmt(cpu(raw), 1)} | ${fmt(cpu(logq), 1)} |`);
    ratios.push(`${children}: ${fmt(l / r, 2)}×`);
  }
  const cost = await callerCost();
  console.log(`caller cost: logq ${fmt(cost.logqNs)} ns, raw ${fmt(cost.rawNs)} ns`);
  writeSection(
    'process',
    `## @logq/process (Node IPC, no broker)

| children → subscriber | raw \`process.send\` (records/s) | logq (records/s) | logq / raw | raw CPU µs/record | logq CPU µs/record |
|---|---:|---:|---:|---:|---:|
${rows.join('\n')}

| per call, in a forked child | ns |
|---|---:|
| raw \`process.send(JSON.stringify(dict))\` | ${fmt(cost.rawNs)} |
| logq \`log.info(...)\` with \`MultiProcessingHandler\` pushed | ${fmt(cost.logqNs)} |

End-to-end ratio logq/raw by number of children: ${ratios.join(', ')} (goal ≥ 0.8×). Per call: logq costs ${fmt(cost.logqNs / cost.rawNs, 2)}× a raw send.

Method: ${fmt(TOTAL)} records of ~540 bytes split over N forked children, timed from the parent's "go" until the parent has received all of them; best of ${ROUNDS} rounds with the same children. Raw children call \`process.send\` per record (JSON serialization, waiting when it reports backpressure) and the parent \`JSON.parse\`s each; logq children log with a \`Logger\` (record creation, wire dict, JSON) through \`MultiProcessingHandler\` (batches of up to 256 record dicts per message, so each record is JSON-encoded once; credit window 4096) and the parent decodes every record into a \`LogRecord\` with \`MultiProcessingSubscriber.recv()\`. Both yield to the event loop every ${YIELD_EVERY} records. "CPU µs/record" adds the parent's and every child's user+system time over the round: it is the efficiency measure that a loaded machine disturbs least.`,
  );
}

const [role, ...args] = process.argv.slice(2);
if (role === 'produce') await produce(args[0] as Mode, Number(args[1]), Number(args[2]));
else if (role === 'cost') await measureCost();
else if (role === 'one') {
  const [mode, n] = args as [Mode, string];
  for (const r of await endToEnd(mode, Number(n), ROUNDS)) console.log(mode, n, fmt(r.rate), fmt(r.cpuPerRecord, 1));
} else await main();
