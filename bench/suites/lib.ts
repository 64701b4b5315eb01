// Helpers shared by the benchmark suites.
import { Handler, type LogRecord } from '@logq/core';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** A ~540-byte Logbook record dict as JSON, the payload every suite sends. */
export function sampleJson(seq = 0): string {
  return JSON.stringify({
    channel: 'bench.service', level: 11, msg: 'request {0} handled in {1} ms', args: [seq, 12.5], kwargs: {},
    extra: { request_id: 'c0ffee-1234', user: 'alice' }, message: `request ${seq} handled in 12.5 ms`,
    time: '2026-11-25T16:23:26.073111Z', process: 4242, process_name: 'node', thread: 0, thread_name: 'MainThread',
    greenlet: 0, func_name: null, filename: null, module: null, lineno: null, exception_name: null,
    exception_message: null, formatted_exception: null, frame_correction: 0, heavy_initialized: true, information_pulled: true,
  });
}

/** Runs `fn` `n` times and returns the mean cost per call in ns (after a warm-up of n/10 calls). */
export function nsPerCall(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < n / 10; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / n;
}

/** Formats a number with thousands separators. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Writes a suite's markdown section to bench/results/<name>.md and prints it. */
export function writeSection(name: string, markdown: string): void {
  const file = join(here, '..', 'results', `${name}.md`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${markdown.trim()}\n`);
  console.log(markdown);
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
export function spawnConsumer(suiteUrl: string, args: readonly string[]): { ready: Promise<void>; done: Promise<ConsumerDone> } {
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
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`consumer ${args.join(' ')} exited with ${code}`))));
  });
  return { ready, done };
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
