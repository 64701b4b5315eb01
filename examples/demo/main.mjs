// logq demo: several workers (processes and a thread) log to one place over Node IPC, no broker.
// The parent's subscriber dispatches every record to a coloured console and a JSON-lines file,
// then prints how many records each worker logged at each level.
//   pnpm demo        (builds the packages, then runs this file)
import { fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Handler, Level, Logger, NestedSetup, StreamHandler, levelName } from '@logq/core';
import { MultiProcessingSubscriber } from '@logq/process';

const here = dirname(fileURLToPath(import.meta.url));
const workerScript = join(here, 'worker.mjs');
const useColour = Boolean(process.stdout.isTTY || (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0'));

/** Writes each record as one coloured line on stdout. */
class ColourConsoleHandler extends Handler {
  static colours = {
    [Level.CRITICAL]: '\x1b[1;37;41m',
    [Level.ERROR]: '\x1b[1;31m',
    [Level.WARNING]: '\x1b[33m',
    [Level.NOTICE]: '\x1b[1;36m',
    [Level.INFO]: '\x1b[32m',
    [Level.DEBUG]: '\x1b[34m',
    [Level.TRACE]: '\x1b[2m',
  };

  emit(record) {
    const paint = (code, text) => (useColour && code ? `${code}${text}\x1b[0m` : text);
    const time = new Date(record.timeMicros / 1000).toISOString().slice(11, 23);
    const level = paint(ColourConsoleHandler.colours[record.level], record.levelName.padEnd(8));
    const where = `${record.channel}[${record.process}${record.thread ? `/${record.thread}` : ''}]`;
    let line = `${paint('\x1b[2m', time)} ${level} ${where.padEnd(22)} ${record.message}`;
    if (record.exceptionName)
      line += `\n${' '.repeat(13)}${paint('\x1b[2m', `└ ${record.exceptionName}: ${record.exceptionMessage}`)}`;
    process.stdout.write(`${line}\n`);
  }
}

/** Counts records per channel and level, for the summary. */
class SummaryHandler extends Handler {
  counts = new Map();

  emit(record) {
    let row = this.counts.get(record.channel);
    if (!row) this.counts.set(record.channel, (row = new Map()));
    row.set(record.level, (row.get(record.level) ?? 0) + 1);
  }
}

const filePath = join(tmpdir(), `logq-demo-${process.pid}.jsonl`);
const file = createWriteStream(filePath);
const jsonLines = new StreamHandler(file, { formatter: (record) => JSON.stringify(record.toDict()), bubble: true });
const summary = new SummaryHandler({ bubble: true });
const console_ = new ColourConsoleHandler({ level: Level.INFO });
// Tried newest first: summary, then the file, then the console (summary and file pass records on).
const setup = new NestedSetup([console_, jsonLines, summary]);
const log = new Logger('demo.main', { handlers: [summary, jsonLines, console_] });

const subscriber = new MultiProcessingSubscriber();
const controller = subscriber.dispatchInBackground(setup);

const plan = [
  { name: 'orders', kind: 'process', jobs: 6, seed: 11 },
  { name: 'billing', kind: 'process', jobs: 5, seed: 23 },
  { name: 'mailer', kind: 'thread', jobs: 5, seed: 37 },
  { name: 'reports', kind: 'process', jobs: 6, seed: 41, crashAt: 4 },
];

log.notice('starting {} workers; the subscriber collects their records over IPC', plan.length);
const started = Date.now();
const finished = plan.map((spec) => {
  if (spec.kind === 'thread') {
    const worker = subscriber.queue.attach(new Worker(workerScript, { workerData: spec }));
    return new Promise((resolve) => {
      let failure = null;
      worker.on('error', (error) => (failure = error));
      worker.on('exit', (code) => resolve({ spec, code, failure: failure && `${failure.name}: ${failure.message}` }));
    });
  }
  const child = subscriber.queue.attach(
    fork(workerScript, [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] }),
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
  // 'disconnect' comes once every message in the pipe has been read; 'exit' can come before.
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const drained = new Promise((resolve) => (child.connected ? child.on('disconnect', resolve) : resolve()));
  return Promise.all([exited, drained]).then(([code]) => ({
    spec,
    code,
    failure: /^\w*Error: .*$/m.exec(stderr)?.[0] ?? null,
  }));
});

for (const { spec, code, failure } of await Promise.all(finished)) {
  if (code === 0) log.info('{} exited cleanly', spec.name);
  else log.error('{} crashed (exit code {}): {}', spec.name, code, failure ?? 'no message');
}

// Every worker has ended: what they handed over is in the queue. Dispatch the rest, then stop.
await controller.stop();
await setup.contextBound(async () => {
  while (await subscriber.dispatchOnce(0));
});
await subscriber.close();
await jsonLines.close();
await new Promise((resolve) => file.end(resolve));

const levels = [Level.TRACE, Level.DEBUG, Level.INFO, Level.NOTICE, Level.WARNING, Level.ERROR, Level.CRITICAL];
const header = ['channel'.padEnd(14), ...levels.map((l) => levelName(l).padStart(8)), '   total'].join(' ');
const lines = [];
let total = 0;
for (const [channel, row] of [...summary.counts].sort(([a], [b]) => a.localeCompare(b))) {
  const sum = [...row.values()].reduce((a, b) => a + b, 0);
  total += sum;
  lines.push(
    [channel.padEnd(14), ...levels.map((l) => String(row.get(l) ?? 0).padStart(8)), String(sum).padStart(8)].join(' '),
  );
}
process.stdout.write(
  `\nSummary: ${total} records from ${plan.length} workers and the parent in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
    `${header}\n${lines.join('\n')}\n` +
    `All ${total} records, every level, as JSON lines: ${filePath}\n`,
);
