// Cost of one log call through the handler stack, beside pino (sync, async and pino.transport).
import { Handler, Logger, NullHandler, ThreadedWrapperHandler, type LogRecord } from '@logq/core';
import { QueueHandler, decodeRecord, encodeRecord, type OverflowPolicy } from '@logq/core/transport';
import { MemoryBroker, MemorySubscriber } from '@logq/core/testing';
import { once } from 'node:events';
import pino from 'pino';
import {
  RUNS,
  RUN_MS,
  sampleJson,
  fmt,
  fmtRuns,
  fmtStats,
  interleave,
  machine,
  stats,
  timeCalls,
  writeSection,
  yieldToLoop,
  type CallRun,
  type Path,
  type Stats,
} from './lib.js';

class CountingHandler extends Handler {
  count = 0;
  emit(record: LogRecord): void {
    void record;
    this.count++;
  }
}

/** A transport whose broker takes every batch at once: what the log call costs a transport handler. */
class InMemoryTransport extends QueueHandler<string> {
  sent = 0;
  protected async connect(): Promise<void> {}
  protected async sendBatch(batch: readonly string[]): Promise<void> {
    this.sent += batch.length;
  }
  protected async disconnect(): Promise<void> {}
}

/** The broker is down (connect never completes) and the buffer is full: every call applies the overflow policy. */
class DownHandler extends QueueHandler<string> {
  protected connect(): Promise<void> {
    return new Promise(() => {});
  }
  protected async sendBatch(): Promise<void> {}
  protected async disconnect(): Promise<void> {}
}

const log = new Logger('bench.service');
const logCall = (i: number): void => log.info('request {0} handled in {1} ms', i, 12.5);
const WARMUP_MS = 500;

interface Row {
  readonly name: string;
  readonly call: (i: number) => void;
  /** Pushes the row's handler for one run; returns what pops it. */
  readonly enter?: () => () => void;
  /** Let background work (a pump, a worker, a stream) run between timed chunks. */
  readonly yields?: boolean;
}

const sink = new CountingHandler();
const twh = new ThreadedWrapperHandler(new CountingHandler());
const transport = new InMemoryTransport({ maxBuffer: 100_000, batchSize: 1024 });
const encoding = new (class extends Handler {
  emit(record: LogRecord): void {
    sink.count += encodeRecord(record).length > 0 ? 1 : 0;
  }
})();
const down = (['drop-newest', 'drop-oldest'] as OverflowPolicy[]).map((overflow) => {
  const handler = new DownHandler({ maxBuffer: 10_000, overflow, onError: () => {} });
  handler.applicationBound(() => {
    for (let i = 0; i < 10_000; i++) log.info('fill {0}', i);
  });
  return { overflow, handler };
});
const push = (handler: Handler) => (): (() => void) => {
  handler.pushApplication();
  return () => handler.popApplication();
};

const pinoSync = pino({ base: { pid: process.pid } }, pino.destination({ dest: '/dev/null', sync: true }));
const asyncDest = pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 });
await once(asyncDest, 'ready');
const pinoAsync = pino({ base: { pid: process.pid } }, asyncDest);
const pinoTransportStream = pino.transport({ target: 'pino/file', options: { destination: '/dev/null' } });
await once(pinoTransportStream, 'ready');
const pinoTransport = pino({ base: { pid: process.pid } }, pinoTransportStream);
const pinoCall =
  (p: pino.Logger) =>
  (i: number): void =>
    p.info({ args: [i, 12.5] }, 'request %d handled in %d ms');

const GOAL = 'logq: Logger → transport handler (QueueHandler, in-memory send)';
const PINO_TRANSPORT = 'pino.transport (pino/file → /dev/null, worker thread)';
const rows: Row[] = [
  { name: 'logq: Logger → NullHandler (blackhole)', call: logCall, enter: push(new NullHandler()) },
  { name: 'logq: Logger → record → Handler.emit', call: logCall, enter: push(sink) },
  {
    name: 'logq: Logger → wire JSON encode (the encoding a transport does per call)',
    call: logCall,
    enter: push(encoding),
  },
  { name: GOAL, call: logCall, enter: push(transport), yields: true },
  { name: 'logq: Logger → ThreadedWrapperHandler (caller side)', call: logCall, enter: push(twh), yields: true },
  ...down.map(({ overflow, handler }) => ({
    name: `logq: Logger → QueueHandler, broker down, buffer full, ${overflow}`,
    call: logCall,
    enter: push(handler),
  })),
  { name: 'pino → /dev/null (sync destination)', call: pinoCall(pinoSync) },
  { name: 'pino → /dev/null (async destination, 4 KiB buffer, not yielding)', call: pinoCall(pinoAsync) },
  {
    name: 'pino → /dev/null (async destination, 4 KiB buffer, yielding every 1,000 calls)',
    call: pinoCall(pinoAsync),
    yields: true,
  },
  { name: PINO_TRANSPORT, call: pinoCall(pinoTransport), yields: true },
];

const measure = async (row: Row, ms: number): Promise<CallRun> => {
  const leave = row.enter?.() ?? (() => {});
  try {
    return await timeCalls(row.call, { ms, chunk: 1000, between: row.yields ? yieldToLoop : undefined });
  } finally {
    leave();
    // What a run left queued (a pump, a worker, a stream) drains before the next row is timed.
    for (let k = 0; k < 20; k++) await yieldToLoop();
  }
};
const loadBefore = machine();
const paths: Path<CallRun>[] = rows.map((row) => ({
  name: row.name,
  run: () => measure(row, RUN_MS),
  warmup: async () => void (await measure(row, WARMUP_MS)),
}));
const results = await interleave(paths);
const loadAfter = machine();

await twh.close();
await transport.close();
for (const { handler } of down) await handler.close({ timeoutMs: 0 });
asyncDest.flushSync();
pinoTransportStream.end();

// The subscriber side: what turning a received frame into a LogRecord costs, beside JSON.parse alone.
const FRAMES = Array.from({ length: 20_000 }, (_, i) => sampleJson(i));
// biome-ignore lint/correctness/noUnusedVariables: a sink, so that the engine cannot skip the decoding it measures
let decodedLevels = 0;
/** Per record over `ms` of CPU time: one pass over FRAMES per repetition. */
async function perRecord(pass: () => Promise<void> | void, ms: number): Promise<CallRun> {
  let cpu = 0;
  let wallNs = 0n;
  let records = 0;
  while (cpu < ms * 1000) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    await pass();
    wallNs += process.hrtime.bigint() - start;
    const used = process.cpuUsage(cpuStart);
    cpu += used.user + used.system;
    records += FRAMES.length;
  }
  return { ns: Number(wallNs) / records, cpuNs: (cpu * 1000) / records, calls: records };
}
class LevelSum extends Handler {
  n = 0;
  stop: (() => void) | null = null;
  emit(record: LogRecord): void {
    decodedLevels += record.level;
    if (++this.n === FRAMES.length) this.stop?.();
  }
}
const decodeRows: { name: string; pass: () => Promise<void> | void }[] = [
  {
    name: '`JSON.parse` of each frame (calibration: the floor)',
    pass: () => {
      for (const f of FRAMES) decodedLevels += (JSON.parse(f) as { level: number }).level;
    },
  },
  {
    name: '`decodeRecord` (parse, validate, `LogRecord.fromDict`)',
    pass: () => {
      for (const f of FRAMES) decodedLevels += decodeRecord(f).level;
    },
  },
  {
    name: '`subscriber.recv()` of records already received (MemorySubscriber)',
    pass: async () => {
      const broker = new MemoryBroker();
      broker.publish('logging', FRAMES);
      const sub = new MemorySubscriber(broker);
      for (let i = 0; i < FRAMES.length; i++) decodedLevels += (await sub.recv(0))!.level;
      await sub.close();
    },
  },
  {
    name: '`subscriber.dispatchForever()` to a handler, records already received (MemorySubscriber)',
    pass: async () => {
      const broker = new MemoryBroker();
      broker.publish('logging', FRAMES);
      const sub = new MemorySubscriber(broker);
      const handler = new LevelSum();
      const done = new AbortController();
      handler.stop = () => done.abort();
      handler.pushApplication();
      try {
        await sub.dispatchForever(done.signal);
      } finally {
        handler.popApplication();
        await sub.close();
      }
    },
  },
];
const decodeResults = await interleave(
  decodeRows.map((row) => ({
    name: row.name,
    run: () => perRecord(row.pass, RUN_MS),
    warmup: async () => void (await perRecord(row.pass, WARMUP_MS)),
  })),
);
const decodeCpu = decodeRows.map((_, k) => stats(decodeResults[k]!.map((r) => r.cpuNs)));
const decodeWall = decodeRows.map((_, k) => stats(decodeResults[k]!.map((r) => r.ns)));
const loadAfterDecode = machine();

const wall = new Map<string, Stats>(rows.map((row, k) => [row.name, stats(results[k]!.map((r) => r.ns))]));
const cpu = new Map<string, Stats>(rows.map((row, k) => [row.name, stats(results[k]!.map((r) => r.cpuNs))]));
const base = wall.get(PINO_TRANSPORT)!;
const goal = wall.get(GOAL)!;
const goalCpu = cpu.get(GOAL)!;
writeSection(
  'core',
  `## Core: cost of a log call

| path | ns per call: median (min–max) | CPU ns per call: median | vs pino.transport (medians) | every run (ns per call) |
|---|---:|---:|---:|---|
${rows
  .map((row) => {
    const s = wall.get(row.name)!;
    const name = row.name === GOAL ? `**${row.name}**` : row.name;
    return `| ${name} | ${fmtStats(s)} | ${fmt(cpu.get(row.name)!.median)} | ${fmt(s.median / base.median, 2)}× | ${fmtRuns(s)} |`;
  })
  .join('\n')}

Goal (issue 17): a log call into a transport handler at or below 1,000 ns and below \`pino.transport\`'s caller cost.
Here: ${fmt(goal.median)} ns wall (${fmt(goal.min)}–${fmt(goal.max)}), ${fmt(goalCpu.median)} ns CPU, against
${fmt(base.median)} ns for \`pino.transport\` (${fmt(goal.median / base.median, 2)}×). Machine at the start: ${loadBefore}; at the end:
${loadAfter.replace(/^.*load average/, 'load average')}. The machine is shared by other jobs: wall times are noisy
(see each row's range); CPU time per call is less disturbed by the load.

Method: every row is \`log.info('request {0} handled in {1} ms', i, 12.5)\` (pino: \`p.info({ args: [i, 12.5] },
'request %d handled in %d ms')\`), timed in chunks of 1,000 calls until the chunks add up to ≥ ${fmt(RUN_MS / 1000)} s per
run; ${RUNS} runs per row after an untimed warm-up run of ${fmt(WARMUP_MS)} ms, the rows interleaved round-robin
(order reversed every other round). "Yielding" rows yield to the event loop between chunks, untimed, so that
background work (the transport handler's pump, the threaded wrapper's queue, pino's stream) runs; their
figure is the caller's cost, as with \`pino.transport\`, whose worker thread formats and writes off the caller's
thread. "CPU" is the process's user + system time over the timed chunks (all threads: pino.transport's worker
and V8's GC threads included) divided by the calls. logq builds a full Logbook record per call (time in µs,
process and thread, args) and its transport handler encodes the 540-byte wire JSON in the call; pino
serializes its ~130-byte line. "Caller side" for the threaded wrapper: the queue push, not the wrapped emit.
"Broker down, buffer full": a QueueHandler (maxBuffer 10,000) whose connect never completes, so every call
encodes the record and applies the overflow policy; drop-oldest removes the oldest buffered record (a ring buffer,
O(1)).

### Subscriber side: a received frame into a \`LogRecord\`

| per record (540-byte frame) | CPU ns: median (min–max) | vs \`JSON.parse\` (CPU medians) | wall ns: median (min–max) | every run (CPU ns) |
|---|---:|---:|---:|---|
${decodeRows
  .map(
    (row, k) =>
      `| ${row.name} | ${fmtStats(decodeCpu[k]!)} | ${fmt(decodeCpu[k]!.median / decodeCpu[0]!.median, 2)}× | ${fmtStats(decodeWall[k]!)} | ${fmtRuns(decodeCpu[k]!)} |`,
  )
  .join('\n')}

Method: 20,000 different frames (the bench's ~540-byte record, its sequence number varying) per pass, passes repeated
until ≥ ${fmt(RUN_MS / 1000)} s of CPU time per run; ${RUNS} runs per row after a warm-up of ${fmt(WARMUP_MS)} ms, rows interleaved
as above. The subscriber rows publish the frames into a \`MemoryBroker\` first (untimed cost inside the pass: one
array push per frame) and take every record: \`recv(0)\` one by one, or \`dispatchForever\` into a handler pushed for the
run (the stack lookup and the handler call included). CPU (user + system of the process, GC included) is the figure
to compare: load average at the end of these rows: ${loadAfterDecode.replace(/^.*load average /, '').replace(/ \(1.*$/, '')}.`,
);
// The transport handler delivered every record it was given (its pump ran between chunks).
if (transport.stats.dropped > 0) throw new Error(`the in-memory transport dropped ${transport.stats.dropped} records`);
