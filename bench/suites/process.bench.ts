// @logq/process end to end: 1, 2 and 4 forked children, and worker threads and cluster workers, logging to one
// MultiProcessingSubscriber in this process, each beside the raw channel (one record dict per message, and
// batches of 256 dicts per message) in the same run; and the cost of one log call beside one raw send.
import { type ChildProcess, fork } from 'node:child_process';
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MultiProcessingSubscriber } from '@logq/process';
import {
  BATCH,
  type Control,
  type Kind,
  type Mode,
  type ThreadData,
  WINDOW,
  YIELD_EVERY,
  isControl,
} from './process-shared.js';
import { RUNS, RUN_MS, fmt, fmtRuns, fmtStats, interleave, machine, stats, writeSection, type Stats } from './lib.js';

/** Records of each path's untimed warm-up run; the timed runs are sized from it to last ≥ RUN_MS. */
const WARMUP_TOTAL = Number(process.env.BENCH_TOTAL ?? 200_000);
/** Runs per path, the paths interleaved (median and range reported, every run listed). */
const ROUNDS = RUNS;
const childFile = fileURLToPath(new URL('./process-child.ts', import.meta.url));
const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
/**
 * A worker thread does not inherit `--import tsx` on Node 20 (loader hooks are per thread): it registers tsx
 * itself, then imports the child file.
 */
const threadCode = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./process-child.ts', import.meta.url).href)}); })`;

/** One producer as the parent sees it. */
interface Producer {
  readonly target: ChildProcess | ClusterWorker | Worker;
  send(message: Control): void;
  on(listener: (m: unknown) => void): void;
  stop(): Promise<void>;
}

function start(kind: Kind, mode: Mode, rounds: number, queue: { id: string }): Producer {
  if (kind === 'thread') {
    const worker = new Worker(threadCode, { eval: true, workerData: { mode, rounds, queue } satisfies ThreadData });
    worker.on('error', (error) => console.error('worker thread failed:', error));
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    return {
      target: worker,
      send: (m) => worker.postMessage(m),
      on: (listener) => worker.on('message', listener),
      stop: async () => {
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        await worker.terminate();
      },
    };
  }
  const args = ['produce', mode, String(rounds)];
  let child: ChildProcess | ClusterWorker;
  if (kind === 'cluster') {
    cluster.setupPrimary({ exec: childFile, args, stdio });
    child = cluster.fork();
  } else child = fork(childFile, args, { stdio });
  const proc = 'process' in child ? child.process : child;
  const exited = new Promise<void>((resolve) =>
    proc.exitCode !== null ? resolve() : proc.once('exit', () => resolve()),
  );
  return {
    target: child,
    send: (m) => void child.send(m),
    on: (listener) => child.on('message', listener),
    stop: () => exited,
  };
}

/** The control messages of one producer, in the order they arrive, by kind. */
function controls(producer: Producer): { next(kind: Control['bench']): Promise<Control> } {
  const arrived: Control[] = [];
  const waiting: { kind: Control['bench']; resolve(m: Control): void }[] = [];
  producer.on((m) => {
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

/** The least a raw consumer does with a record: look at its level. */
const counts = (record: unknown): boolean => ((record as { level?: number }).level ?? 0) > 0;

interface RoundResult {
  /** Records per second, from "go" until the parent has all of them. */
  readonly rate: number;
  /** CPU time of the parent and every child per record, in µs (threads: the parent process's, which includes them). */
  readonly cpuPerRecord: number;
  /** How long the run took, in s. */
  readonly seconds: number;
}

/** Starts `children` producers of `kind` once, each ready for `rounds` rounds (the first one the warm-up). */
function endToEnd(kind: Kind, mode: Mode, children: number, rounds: number) {
  const subscriber = new MultiProcessingSubscriber();
  let count = 0;
  let target = Infinity;
  let allRaw: () => void = () => undefined;
  const onRaw = (m: unknown) => {
    if (Array.isArray(m)) {
      for (const record of m) if (counts(record)) count++;
    } else if (!isControl(m) && counts(m)) count++;
    if (count >= target) {
      target = Infinity;
      allRaw();
    }
  };
  const started = Array.from({ length: children }, () => {
    const producer = start(kind, mode, rounds, subscriber.queue);
    if (mode === 'logq') subscriber.queue.attach(producer.target);
    else producer.on(onRaw);
    return { producer, control: controls(producer) };
  });
  // Records per child of the timed runs, set by the warm-up.
  let per = Math.ceil(WARMUP_TOTAL / children);

  async function round(perChild: number): Promise<RoundResult> {
    const total = perChild * children;
    await Promise.all(started.map((s) => s.control.next('ready')));
    count = 0;
    const rawDone = new Promise<void>((resolve) => (allRaw = resolve));
    target = total;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (const s of started) s.producer.send({ bench: 'go', n: perChild });
    if (mode === 'logq') {
      for (let got = 0; got < total; got++) {
        if (!(await subscriber.recv(30_000))) throw new Error(`logq ${kind}: only ${got} of ${total} records arrived`);
      }
    } else await rawDone;
    const elapsed = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    const done = await Promise.all(started.map((s) => s.control.next('done')));
    // A worker thread's cpuUsage() is its whole process's, which the parent's already holds: not added again.
    const childCpu = kind === 'thread' ? 0 : done.reduce((sum, m) => sum + (m.cpuUs ?? 0), 0);
    return {
      rate: total / (elapsed / 1000),
      cpuPerRecord: (used.user + used.system + childCpu) / total,
      seconds: elapsed / 1000,
    };
  }

  /** Runs a round, then sizes the next ones to last ≥ RUN_MS at this round's rate (with a 50% margin; never fewer). */
  async function sized(): Promise<RoundResult> {
    const r = await round(per);
    per = Math.max(per, Math.ceil((r.rate * (RUN_MS / 1000) * 1.5) / children / YIELD_EVERY) * YIELD_EVERY);
    return r;
  }

  return {
    /** Untimed: WARMUP_TOTAL records, which size the first timed run. */
    warmup: async (): Promise<void> => void (await sized()),
    run: sized,
    async close(): Promise<void> {
      await Promise.all(started.map((s) => s.producer.stop()));
      await subscriber.close();
    },
  };
}

async function callerCost(): Promise<{ logqNs: readonly number[]; rawNs: readonly number[] }> {
  const subscriber = new MultiProcessingSubscriber();
  const child = subscriber.queue.attach(fork(childFile, ['cost'], { stdio }));
  const drain = (async () => {
    while (await subscriber.recv(30_000));
  })();
  const result = await controls({
    target: child,
    send: () => undefined,
    on: (l) => child.on('message', l),
    stop: async () => undefined,
  }).next('cost');
  await subscriber.close();
  await drain;
  return { logqNs: result.logqNs!, rawNs: result.rawNs! };
}

const MODES: readonly Mode[] = ['raw', 'batch', 'logq'];
const CONFIGS: readonly { kind: Kind; children: number }[] = [
  { kind: 'fork', children: 1 },
  { kind: 'fork', children: 2 },
  { kind: 'fork', children: 4 },
  { kind: 'thread', children: 1 },
  { kind: 'thread', children: 2 },
  { kind: 'thread', children: 4 },
  { kind: 'cluster', children: 1 },
];
const KIND_NAME: Record<Kind, string> = { fork: '`fork`', thread: '`worker_threads`', cluster: '`cluster`' };

async function main(): Promise<void> {
  const rows: string[] = [];
  const cpuRows: string[] = [];
  const runs: string[] = [];
  const before = machine();
  for (const { kind, children } of CONFIGS) {
    // Every path's producers start first; the rounds interleave the paths (the first round of each is a warm-up).
    const paths = MODES.map((mode) => ({ mode, e2e: endToEnd(kind, mode, children, ROUNDS + 1) }));
    const results = await interleave(
      paths.map(({ mode, e2e }) => ({ name: mode, warmup: () => e2e.warmup(), run: () => e2e.run() })),
    );
    for (const { e2e } of paths) await e2e.close();
    const [raw, batch, logq] = results as [RoundResult[], RoundResult[], RoundResult[]];
    const rate = (rs: RoundResult[]): Stats => stats(rs.map((r) => r.rate));
    const cpu = (rs: RoundResult[]): Stats => stats(rs.map((r) => r.cpuPerRecord));
    const shortest = (rs: RoundResult[]) => fmt(Math.min(...rs.map((r) => r.seconds)), 1);
    const [r, b, l] = [rate(raw), rate(batch), rate(logq)];
    const label = `${KIND_NAME[kind]} ${children} → 1`;
    console.log(
      `${kind} ${children}: raw ${fmtStats(r)}/s, batch ${fmtStats(b)}/s, logq ${fmtStats(l)}/s; CPU µs/record ${fmt(cpu(raw).median, 1)} / ${fmt(cpu(batch).median, 1)} / ${fmt(cpu(logq).median, 1)}`,
    );
    rows.push(
      `| ${label} | ${fmtStats(r)} | ${fmtStats(b)} | ${fmtStats(l)} | ${fmt(l.median / r.median, 2)}× | ${fmt(l.median / b.median, 2)}× |`,
    );
    cpuRows.push(
      `| ${label} | ${fmtStats(cpu(raw), 1)} | ${fmtStats(cpu(batch), 1)} | ${fmtStats(cpu(logq), 1)} | ${shortest(raw)} / ${shortest(batch)} / ${shortest(logq)} |`,
    );
    runs.push(`| ${label} | ${fmtRuns(r)} | ${fmtRuns(b)} | ${fmtRuns(l)} |`);
  }
  const cost = await callerCost();
  const rawCost = stats(cost.rawNs);
  const logqCost = stats(cost.logqNs);
  console.log(`caller cost: logq ${fmtStats(logqCost)} ns, raw ${fmtStats(rawCost)} ns`);
  writeSection(
    'process',
    `## @logq/process (Node IPC, no broker)

| producers → subscriber | raw, a dict per message (records/s): median (min–max) | raw, ${BATCH} dicts per message (records/s) | logq (records/s) | logq / raw | logq / raw batched |
|---|---:|---:|---:|---:|---:|
${rows.join('\n')}

| producers → subscriber | raw CPU µs/record: median (min–max) | raw batched CPU µs/record | logq CPU µs/record | shortest run, s (raw / batched / logq) |
|---|---:|---:|---:|---:|
${cpuRows.join('\n')}

| per call, in a forked child | ns: median (min–max) | every run |
|---|---:|---|
| raw \`process.send(dict)\` | ${fmtStats(rawCost)} | ${fmtRuns(rawCost)} |
| logq \`log.info(...)\` with \`MultiProcessingHandler\` pushed | ${fmtStats(logqCost)} | ${fmtRuns(logqCost)} |

Goal (issue 17): logq / raw ≥ 1.0× end to end. Per call, logq costs ${fmt(logqCost.median / rawCost.median, 2)}× a raw \`process.send(dict)\` (which JSON-encodes and queues the write in the call).

Every run (records/s):

| producers → subscriber | raw | raw batched | logq |
|---|---|---|---|
${runs.join('\n')}

Method: N producers (forked children, \`worker_threads\` workers of one file, or \`cluster\` workers started with \`cluster.setupPrimary({ exec, args })\` + \`cluster.fork()\`) each send their share of the run's records of ~540 bytes (the bench's record dict) to this process; a run is timed from the parent's "go" (after the producers have started and, for logq, made their handshake) until the parent has received all of them. Each path's producers are started once; its first run, of ${fmt(WARMUP_TOTAL)} records, is an untimed warm-up; each run sizes the next to last ≥ ${fmt(RUN_MS / 1000, 1)} s at its rate with a 50% margin, never fewer records than before (the shortest run is listed); then ${ROUNDS} runs per path, the three paths interleaved. Every producer yields to the event loop every ${fmt(YIELD_EVERY)} records. **Raw, a dict per message**: a forked or cluster child calls \`process.send(dict, undefined, undefined, onWritten)\` per record, Node's channel JSON-encoding it once; one shared callback counts completed writes (no promise per send), and the child waits only when \`send()\` returns false (until that message is written) or when more than ${fmt(WINDOW)} messages are unwritten; a thread calls \`parentPort.postMessage(dict)\` (structured clone; the port has no backpressure signal, so nothing waits). The parent's \`'message'\` listener gets each dict already decoded and reads its \`level\`. **Raw, ${BATCH} dicts per message**: the same, sending arrays of ${BATCH} dicts (logq's batch size), a window of ${Math.ceil(WINDOW / BATCH)} unwritten messages (${fmt(WINDOW)} records, logq's credit window); the parent reads every dict's \`level\`. **logq**: the producers log with a \`Logger\` (record creation, wire dict) through \`MultiProcessingHandler\` (\`new MultiProcessingHandler(workerData.queue)\` in a thread; up to ${BATCH} record dicts per message, credit window ${fmt(WINDOW)} records, waiting on the channel's backpressure too), \`subscriber.queue.attach(child | worker)\` in the parent, which decodes every record into a \`LogRecord\` with \`MultiProcessingSubscriber.recv()\`. "CPU µs/record" is user+system time over the run per record: the parent's plus every child's for \`fork\` and \`cluster\`; for \`worker_threads\` the parent's \`process.cpuUsage()\` alone, which already includes its threads (a thread's own \`process.cpuUsage()\` is the whole process's, so it is not added). Caller cost: timed chunks of 1,000 calls to ≥ ${fmt(RUN_MS / 1000, 1)} s per run; between chunks, untimed, logq flushes its handler (its buffer never overflows) and raw yields so the channel writes; ${ROUNDS} runs alternating after a warm-up run. Machine at the start: ${before}; at the end: ${machine().replace(/^.*load average/, 'load average')}.`,
  );
}

const [role, kind, mode, n] = process.argv.slice(2);
if (role === 'one') {
  // One path alone, for profiling: `one <fork|thread|cluster> <raw|batch|logq> <producers>`.
  const path = endToEnd(kind as Kind, mode as Mode, Number(n), ROUNDS + 1);
  await path.warmup();
  for (let round = 0; round < ROUNDS; round++) {
    const r = await path.run();
    console.log(kind, mode, n, fmt(r.rate), fmt(r.cpuPerRecord, 1), `${fmt(r.seconds, 1)} s`);
  }
  await path.close();
} else await main();
