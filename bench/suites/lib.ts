// Helpers shared by the benchmark suites.
import { Handler, type LogRecord } from '@logq/core';
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The Logbook record dict every suite sends (~540 bytes as JSON): `extra`, the time and the process id may be
 * given (the scale suite grows `extra` and stamps each record); by default they are fixed.
 */
export function sampleDict(
  seq = 0,
  extra: Record<string, unknown> = { request_id: 'c0ffee-1234', user: 'alice' },
  time = '2026-11-25T16:23:26.073111Z',
  pid = 4242,
): Record<string, unknown> {
  return {
    channel: 'bench.service',
    level: 11,
    msg: 'request {0} handled in {1} ms',
    args: [seq, 12.5],
    kwargs: {},
    extra,
    message: `request ${seq} handled in 12.5 ms`,
    time,
    process: pid,
    process_name: 'node',
    thread: 0,
    thread_name: 'MainThread',
    greenlet: 0,
    func_name: null,
    filename: null,
    module: null,
    lineno: null,
    exception_name: null,
    exception_message: null,
    formatted_exception: null,
    frame_correction: 0,
    heavy_initialized: true,
    information_pulled: true,
  };
}

/** A ~540-byte Logbook record dict as JSON, the payload every suite sends. */
export function sampleJson(seq = 0): string {
  return JSON.stringify(sampleDict(seq));
}

/**
 * Runs `fn` `n` times and returns the mean cost per call in ns (after a warm-up of n/10 calls).
 * One short run: kept for suites not yet on {@link callCost}, which reports the median of ≥ 5 runs of ≥ 2 s.
 */
export function nsPerCall(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < n / 10; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / n;
}

/** Runs per measured path (at least 5; `BENCH_RUNS` may ask for more). */
export const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5) || 5);
/** Each timed run lasts at least this long, in ms (`BENCH_RUN_MS` may shorten it for a quick look, never for RESULTS.md). */
export const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 2000) || 2000;

/** The runs of one path: every figure, its median and its range. Never a best-of. */
export interface Stats {
  /** Every run's figure, in the order run. */
  readonly runs: readonly number[];
  /** The median run (the mean of the middle two for an even count). */
  readonly median: number;
  /** The lowest run. */
  readonly min: number;
  /** The highest run. */
  readonly max: number;
}

/** Median and range of a set of runs. */
export function stats(runs: readonly number[]): Stats {
  if (runs.length === 0) throw new Error('no runs to summarize');
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { runs: [...runs], median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** `median (min–max)`, e.g. `1,234 (1,180–1,420)`. */
export function fmtStats(s: Stats, digits = 0): string {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

/** Every run's figure, `a / b / c`, for the record of what was measured. */
export function fmtRuns(s: Stats, digits = 0): string {
  return s.runs.map((v) => fmt(v, digits)).join(' / ');
}

/** The ratio of two medians, e.g. `0.94×`. */
export function fmtRatio(a: Stats, b: Stats, digits = 2): string {
  return `${fmt(a.median / b.median, digits)}×`;
}

/** What one timed run of calls measured. */
export interface CallRun {
  /** Wall time per call, in ns (timed chunks only). */
  readonly ns: number;
  /** CPU time (user + system, the whole process) per call over the timed chunks, in ns. */
  readonly cpuNs: number;
  /** Calls timed. */
  readonly calls: number;
}

/** Options of {@link timeCalls}. */
export interface TimeCallsOptions {
  /** Timed wall time to reach, in ms. @default RUN_MS */
  readonly ms?: number;
  /** Calls per timed chunk. @default 1000 */
  readonly chunk?: number;
  /** Called, untimed, between chunks (e.g. to let a handler's pump run). */
  readonly between?: () => Promise<void> | void;
}

/**
 * Calls `fn(i)` in timed chunks until the chunks add up to `ms`; whatever runs
 * in `between` is not timed. The caller's cost of a call, as a user sees it.
 */
export async function timeCalls(fn: (i: number) => void, options: TimeCallsOptions = {}): Promise<CallRun> {
  const ms = options.ms ?? RUN_MS;
  const chunk = options.chunk ?? 1000;
  let timed = 0n;
  let cpu = 0;
  let calls = 0;
  let i = 0;
  while (timed < BigInt(Math.round(ms * 1e6))) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let k = 0; k < chunk; k++) fn(i++);
    timed += process.hrtime.bigint() - start;
    const used = process.cpuUsage(cpuStart);
    cpu += used.user + used.system;
    calls += chunk;
    if (options.between) await options.between();
  }
  return { ns: Number(timed) / calls, cpuNs: (cpu * 1000) / calls, calls };
}

/** What {@link timeLogCalls} needs of a handler. */
export interface PushableHandler {
  pushApplication(): unknown;
  popApplication(): void;
  flush(): Promise<unknown>;
}

/**
 * ns per `logOne(i)` call with `handler` pushed for the run; between timed chunks (untimed) the handler
 * flushes, so its buffer never overflows and no call takes the drop path.
 */
export async function timeLogCalls(handler: PushableHandler, logOne: (i: number) => void): Promise<number> {
  handler.pushApplication();
  try {
    return (await timeCalls(logOne, { between: () => handler.flush().then(() => undefined) })).ns;
  } finally {
    handler.popApplication();
    await handler.flush();
  }
}

/** One measured path of {@link interleave}: `run` performs one timed run and returns its figure. */
export interface Path<R> {
  readonly name: string;
  /** One timed run (sized by the path itself, ≥ RUN_MS). */
  readonly run: () => Promise<R>;
  /** Untimed warm-up before the first run. @default one run, discarded */
  readonly warmup?: () => Promise<void>;
}

/**
 * Runs every path `runs` times, round-robin (the order reversed every other
 * round), after an untimed warm-up of each: paths that are compared see the same
 * machine load. Returns every run's result, per path, in the order given.
 */
export async function interleave<R>(paths: readonly Path<R>[], runs = RUNS): Promise<R[][]> {
  for (const path of paths) {
    if (path.warmup) await path.warmup();
    else await path.run();
  }
  const results: R[][] = paths.map(() => []);
  for (let round = 0; round < runs; round++) {
    const order = paths.map((_, k) => k);
    if (round % 2) order.reverse();
    for (const k of order) results[k]!.push(await paths[k]!.run());
  }
  return results;
}

/** Yields to the event loop once (timers, I/O and microtasks run). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The machine: CPU model and count, memory, Node, and the load average now (the machine is shared). */
export function machine(): string {
  const cpu = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return `${cpu.length} × ${cpu[0]?.model ?? 'CPU'}${cpu[0]?.speed ? ` @ ${cpu[0].speed} MHz` : ''}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average ${load} (1 / 5 / 15 min)`;
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Formats a number with thousands separators. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Writes a suite's markdown section to bench/results/<name>.md and prints it.
 * The section starts with a `<!-- suite: name -->` marker, so that run.mjs can
 * keep the sections of suites it did not run this time.
 */
export function writeSection(name: string, markdown: string): void {
  const file = join(here, '..', 'results', `${name}.md`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `<!-- suite: ${name} -->\n${markdown.trim()}\n`);
  console.log(markdown);
}

/** User + system CPU time of this process since `start`, in µs. */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** What a consumer child reported at its end: when its "done …" line arrived, and the line. */
export interface ConsumerDone {
  readonly at: number;
  readonly line: string;
}

/**
 * Starts a consumer in a child process: the suite file itself (`suiteUrl`, its
 * `import.meta.url`) with `args`, under the same node flags. The child prints
 * `ready` once it listens and one `done …` line at its end.
 */
export function spawnConsumer(
  suiteUrl: string,
  args: readonly string[],
): { ready: Promise<void>; done: Promise<ConsumerDone> } {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(suiteUrl), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<ConsumerDone>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const at = performance.now();
      out += chunk.toString();
      if (out.includes('ready\n')) onReady();
      const m = /^done .*$/m.exec(out);
      if (m && out.includes('\n', m.index)) resolve({ at, line: m[0] });
    });
    child.once('exit', (code) =>
      code === 0 ? undefined : reject(new Error(`consumer ${args.join(' ')} exited with ${code}`)),
    );
  });
  return { ready, done };
}

/** A handler that counts what it is given (a subscriber dispatching into it) and calls `done` at the n-th record. */
export class CountUntil extends Handler {
  count = 0;
  constructor(
    private readonly n: number,
    private readonly done: () => void,
  ) {
    super();
  }
  override emit(): void {
    if (++this.count === this.n) this.done();
  }
}

/** The record that `log` makes: a probe handler catches what one log call creates. */
export function captureRecord(log: () => void): LogRecord {
  let captured: LogRecord | null = null;
  const probe = new (class extends Handler {
    emit(record: LogRecord): void {
      captured = record;
    }
  })();
  probe.applicationBound(log);
  if (captured === null) throw new Error('the log call made no record');
  return captured;
}

/** Options of {@link sizedRuns}. */
export interface SizedRunsOptions<R> {
  /** Records of the first warm-up run. */
  readonly warmupN: number;
  /** Run sizes are multiples of this. */
  readonly round: number;
  /** The timed runs last this × RUN_MS at the fastest warm-up rate. @default 1.5 */
  readonly margin?: number;
  /** A fixed size for the timed runs instead (a smoke run's knob). */
  readonly fixedN?: number | null;
  /** Where progress lines go, e.g. `(line) => console.error(`mongo ${line}`)`. */
  readonly log: (line: string) => void;
  /** What a run's progress line says after the path's name. */
  readonly describe: (result: R) => string;
}

/**
 * Two untimed warm-up runs of every path (the second sized from the first, JIT-warm), then RUNS timed runs of
 * each, interleaved round-robin, all of the same size: the fastest path's run at the second warm-up's rate lasts
 * `margin` × RUN_MS. Returns the size and every run, per path.
 */
export async function sizedRuns<P extends string, R extends { readonly rate: number }>(
  paths: readonly P[],
  options: SizedRunsOptions<R>,
  run: (path: P, n: number) => Promise<R>,
): Promise<{ n: number; runs: Record<P, R[]> }> {
  const { round } = options;
  const sized = (rate: number, margin: number) =>
    Math.max(round, Math.ceil((rate * (RUN_MS / 1000) * margin) / round) * round);
  let size = options.warmupN;
  let fastest = 0;
  for (let w = 0; w < 2; w++) {
    fastest = 0;
    for (const path of paths) {
      const r = await run(path, size);
      options.log(`warm-up ${path}: ${fmt(size)} records, ${fmt(r.rate)} records/s`);
      fastest = Math.max(fastest, r.rate);
    }
    size = sized(fastest, 1);
  }
  const n = options.fixedN ?? sized(fastest, options.margin ?? 1.5);
  const results = await interleave(
    paths.map((path) => ({
      name: path,
      warmup: async () => undefined,
      run: async () => {
        const r = await run(path, n);
        options.log(`${path}: ${options.describe(r)}`);
        return r;
      },
    })),
  );
  return { n, runs: Object.fromEntries(paths.map((p, k) => [p, results[k]!])) as Record<P, R[]> };
}
