// Cost of one log call through the handler stack, beside pino writing to /dev/null.
import { Handler, Logger, NullHandler, QueueHandler, ThreadedWrapperHandler, encodeRecord, type LogRecord, type OverflowPolicy } from '@logq/core';
import { once } from 'node:events';
import pino from 'pino';
import { fmt, nsPerCall, writeSection } from './lib.js';

const N = 300_000;

class CountingHandler extends Handler {
  count = 0;
  emit(record: LogRecord): void {
    void record;
    this.count++;
  }
}

const log = new Logger('bench.service');
const rows: [string, number][] = [];

{
  using _ = new NullHandler().pushApplication();
  rows.push(['logq: Logger → NullHandler (blackhole)', nsPerCall(N, (i) => log.info('request {0} handled in {1} ms', i, 12.5))]);
}
{
  using _ = new CountingHandler().pushApplication();
  rows.push(['logq: Logger → record → Handler.emit', nsPerCall(N, (i) => log.info('request {0} handled in {1} ms', i, 12.5))]);
}
{
  const sink = new CountingHandler();
  const twh = new ThreadedWrapperHandler(sink);
  using _ = twh.pushApplication();
  rows.push(['logq: Logger → ThreadedWrapperHandler (caller side)', nsPerCall(N, (i) => log.info('request {0} handled in {1} ms', i, 12.5))]);
  await twh.close();
}
{
  const sink = new CountingHandler();
  const encoding = new (class extends Handler {
    emit(record: LogRecord): void {
      sink.count += encodeRecord(record).length > 0 ? 1 : 0;
    }
  })();
  using _ = encoding.pushApplication();
  rows.push(['logq: Logger → wire JSON encode (what transports do per call)', nsPerCall(N, (i) => log.info('request {0} handled in {1} ms', i, 12.5))]);
}
// The broker is down (connect never completes) and the buffer is full: every call applies the overflow policy.
class DownHandler extends QueueHandler<string> {
  protected connect(): Promise<void> {
    return new Promise(() => {});
  }
  protected async sendBatch(): Promise<void> {}
  protected async disconnect(): Promise<void> {}
}
for (const overflow of ['drop-newest', 'drop-oldest'] as OverflowPolicy[]) {
  const down = new DownHandler({ maxBuffer: 10_000, overflow, onError: () => {} });
  using _ = down.pushApplication();
  for (let i = 0; i < 10_000; i++) log.info('fill {0}', i);
  rows.push([`logq: Logger → QueueHandler, broker down, buffer full, ${overflow}`, nsPerCall(N, (i) => log.info('request {0} handled in {1} ms', i, 12.5))]);
  await down.close({ timeoutMs: 0 });
}
const dest = pino.destination({ dest: '/dev/null', sync: true });
const p = pino({ base: { pid: process.pid } }, dest);
rows.push(['pino → /dev/null (sync destination)', nsPerCall(N, (i) => p.info({ args: [i, 12.5] }, 'request %d handled in %d ms'))]);
const asyncDest = pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 });
await once(asyncDest, 'ready');
const pa = pino({ base: { pid: process.pid } }, asyncDest);
rows.push(['pino → /dev/null (async destination, 4 KiB buffer)', nsPerCall(N, (i) => pa.info({ args: [i, 12.5] }, 'request %d handled in %d ms'))]);
asyncDest.flushSync();

const pinoSync = rows.find((r) => r[0].startsWith('pino → /dev/null (sync'))![1];
writeSection(
  'core',
  `## Core: cost of a log call

| path | ns per call | vs pino (sync) |
|---|---:|---:|
${rows.map(([name, ns]) => `| ${name} | ${fmt(ns)} | ${fmt(ns / pinoSync, 2)}× |`).join('\n')}

Method: ${fmt(N)} calls of \`log.info('request {0} handled in {1} ms', i, 12.5)\` after a warm-up, one process, mean
wall time per call. logq builds a full Logbook record (time in µs, process and thread, args) per call; pino
serializes its line in the call. "Caller side" for the threaded wrapper: the queue push, not the wrapped emit.
"Broker down, buffer full": a QueueHandler (maxBuffer 10,000) whose connect never completes, so every call
encodes the record and applies the overflow policy; drop-oldest removes the oldest buffered record (a ring buffer,
O(1)).`,
);
