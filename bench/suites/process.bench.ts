// @logq/process end to end (1, 2 and 4 forked children logging to one subscriber in this
// process) and per log call, each beside raw `process.send` of the same ~540-byte JSON
// in the same run.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Logger, kw } from '@logq/core';
import { MultiProcessingHandler, MultiProcessingSubscriber, isLogqMessage } from '@logq/process';
import {
  RUNS,
  RUN_MS,
  fmt,
  fmtRuns,
  fmtStats,
  interleave,
  machine,
  sampleJson,
  stats,
  timeCalls,
  writeSection,
  yieldToLoop,
  type Stats,
} from './lib.js';

/** Records per run: sized so that a run lasts ≥ 2 s on the reference machine (each run's duration is reported). */
const TOTAL = Number(process.env.BENCH_TOTAL ?? 500_000);
const YIELD_EVERY = 1024;
/** Runs per path, raw and logq alternating (median and range reported, every run listed). */
const ROUNDS = RUNS;
const self = fileURLToPath(import.meta.url);

type Mode = 'logq' | 'raw';
interface Control {
  readonly bench: 'go' | 'ready' | 'done' | 'cost';
  readonly logqNs?: readonly number[];
  readonly rawNs?: readonly number[];
  /** CPU time the child spent on the round, in µs. */
  readonly cpuUs?: number;
}
const isControl = (m: unknown): m is Control => typeof m === 'object' && m !== null && 'bench' in m;
const sendControl = (message: Control) =>
  new Promise<void>((resolve) => process.send!(message, undefined, undefined, () => resolve()));

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
      run: async () => {
        handler.pushApplication();
        try {
          return (await timeCalls(logOne, { between: () => handler.flush() })).ns;
        } finally {
          handler.popApplication();
          await handler.flush();
        }
      },
    },
    {
      name: 'raw',
      run: async () => (await timeCalls((i) => void process.send!(sampleJson(i)), { between: yieldToLoop })).ns,
    },
  ]);
  await handler.close({ timeoutMs: 120_000 });
  if (handler.stats.dropped > 0) throw new Error(`the caller-cost handler dropped ${handler.stats.dropped} records`);
  await sendControl({ bench: 'cost', logqNs: logqNs!, rawNs: rawNs! });
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
  /** How long the run took, in s. */
  readonly seconds: number;
}

interface EndToEnd {
  /** One timed run with the children started once (the clock starts after their handshake). */
  round(): Promise<RoundResult>;
  close(): Promise<void>;
}

/** Starts `children` producers once, each ready for `rounds` timed rounds. */
function endToEnd(mode: Mode, children: number, rounds: number): EndToEnd {
  const per = TOTAL / children;
  const subscriber = new MultiProcessingSubscriber();
  let rawCount = 0;
  let rawTarget = TOTAL;
  let allRaw: () => void = () => undefined;
  let round = 0;
  const started = Array.from({ length: children }, () => {
    const child = fork(self, ['produce', mode, String(per), String(rounds)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
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
  return {
    async round(): Promise<RoundResult> {
      await Promise.all(started.map((s) => s.control.next('ready')));
      const rawDone = new Promise<void>((resolve) => (allRaw = resolve));
      rawTarget = TOTAL * ++round;
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
      return {
        rate: TOTAL / (elapsed / 1000),
        cpuPerRecord: (used.user + used.system + childCpu) / TOTAL,
        seconds: elapsed / 1000,
      };
    },
    close: () => subscriber.close(),
  };
}

async function callerCost(): Promise<{ logqNs: readonly number[]; rawNs: readonly number[] }> {
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
  const runs: string[] = [];
  let shortest = Infinity;
  const before = machine();
  for (const children of [1, 2, 4]) {
    // Both sets of children start first; the rounds alternate raw and logq (the first round of each is a warm-up).
    const raw = endToEnd('raw', children, ROUNDS + 1);
    const logq = endToEnd('logq', children, ROUNDS + 1);
    const [rawRuns, logqRuns] = await interleave([
      { name: 'raw', run: () => raw.round() },
      { name: 'logq', run: () => logq.round() },
    ]);
    await raw.close();
    await logq.close();
    for (const r of [...rawRuns!, ...logqRuns!]) shortest = Math.min(shortest, r.seconds);
    const rate = (rs: RoundResult[]): Stats => stats(rs.map((r) => r.rate));
    const cpu = (rs: RoundResult[]): Stats => stats(rs.map((r) => r.cpuPerRecord));
    const r = rate(rawRuns!);
    const l = rate(logqRuns!);
    console.log(
      `${children} children: raw ${fmtStats(r)}/s ${fmt(cpu(rawRuns!).median, 1)} µs CPU/record, logq ${fmtStats(l)}/s ${fmt(cpu(logqRuns!).median, 1)} µs CPU/record`,
    );
    rows.push(
      `| ${children} → 1 | ${fmtStats(r)} | ${fmtStats(l)} | ${fmt((l.median / r.median) * 100)}% | ${fmt(cpu(rawRuns!).median, 1)} | ${fmt(cpu(logqRuns!).median, 1)} |`,
    );
    runs.push(`| ${children} → 1 | ${fmtRuns(r)} | ${fmtRuns(l)} |`);
    ratios.push(`${children}: ${fmt(l.median / r.median, 2)}×`);
  }
  const cost = await callerCost();
  const rawCost = stats(cost.rawNs);
  const logqCost = stats(cost.logqNs);
  console.log(`caller cost: logq ${fmtStats(logqCost)} ns, raw ${fmtStats(rawCost)} ns`);
  writeSection(
    'process',
    `## @logq/process (Node IPC, no broker)

| children → subscriber | raw \`process.send\` (records/s): median (min–max) | logq (records/s): median (min–max) | logq / raw (medians) | raw CPU µs/record (median) | logq CPU µs/record (median) |
|---|---:|---:|---:|---:|---:|
${rows.join('\n')}

| per call, in a forked child | ns: median (min–max) | every run |
|---|---:|---|
| raw \`process.send(JSON.stringify(dict))\` | ${fmtStats(rawCost)} | ${fmtRuns(rawCost)} |
| logq \`log.info(...)\` with \`MultiProcessingHandler\` pushed | ${fmtStats(logqCost)} | ${fmtRuns(logqCost)} |

End-to-end ratio logq/raw (medians) by number of children: ${ratios.join(', ')} (goal ≥ 1.0×). Per call: logq costs ${fmt(logqCost.median / rawCost.median, 2)}× a raw send.

Every run (records/s):

| children → subscriber | raw | logq |
|---|---|---|
${runs.join('\n')}

Method: ${fmt(TOTAL)} records of ~540 bytes per run split over N forked children, timed from the parent's "go" (after the children's handshake) until the parent has received all of them; ${ROUNDS} runs per path after an untimed warm-up run, raw and logq alternating with both sets of children started (the shortest run took ${fmt(shortest, 1)} s). Raw children call \`process.send\` per record (JSON serialization, waiting when it reports backpressure) and the parent \`JSON.parse\`s each; logq children log with a \`Logger\` (record creation, wire dict, JSON) through \`MultiProcessingHandler\` (batches of up to 256 record dicts per message, so each record is JSON-encoded once; credit window 4096) and the parent decodes every record into a \`LogRecord\` with \`MultiProcessingSubscriber.recv()\`. Both yield to the event loop every ${YIELD_EVERY} records. "CPU µs/record" adds the parent's and every child's user+system time over the run: it is the efficiency measure that a loaded machine disturbs least. Caller cost: timed chunks of 1,000 calls to ≥ ${fmt(RUN_MS / 1000, 1)} s per run; between chunks, untimed, logq flushes its handler (its buffer never overflows) and raw yields so the channel writes; ${ROUNDS} runs alternating after a warm-up run. Machine at the start: ${before}; at the end: ${machine().replace(/^.*load average/, 'load average')}.`,
  );
}

const [role, ...args] = process.argv.slice(2);
if (role === 'produce') await produce(args[0] as Mode, Number(args[1]), Number(args[2]));
else if (role === 'cost') await measureCost();
else if (role === 'one') {
  const [mode, n] = args as [Mode, string];
  const path = endToEnd(mode, Number(n), ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const r = await path.round();
    console.log(mode, n, fmt(r.rate), fmt(r.cpuPerRecord, 1), `${fmt(r.seconds, 1)} s`);
  }
  await path.close();
} else await main();
