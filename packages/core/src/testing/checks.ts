import assert from 'node:assert/strict';
import { DEFAULT_MAX_RECORD_BYTES, encodeRecord } from '../codec.js';
import type { Handler } from '../handler.js';
import { TestHandler } from '../handlers/test.js';
import { Level } from '../levels.js';
import { LogRecord } from '../record.js';
import { type SubscriberBase, abortableSleep } from '../subscriber.js';
import { bigRecord, numberedRecord, sampleRecord } from './sample.js';

/** A connected handler/subscriber pair made by a transport for one conformance check. */
export interface ConformancePair {
  /** Sends records to where `subscriber` reads. */
  readonly handler: Handler;
  /** Reads what `handler` sends. */
  readonly subscriber: SubscriberBase;
  /** Puts a raw frame where the subscriber reads, bypassing the handler (for malformed-frame checks). */
  injectRaw(frame: string | Uint8Array): Promise<void>;
  /** Releases anything else the pair holds (called after the handler and subscriber are closed). */
  dispose?(): Promise<void>;
}

/** Settings of the checks. */
export interface CheckOptions {
  /** Records in the burst check. @default 10000 */
  readonly burstSize?: number;
  /** Whether the transport keeps one producer's order. @default true */
  readonly ordered?: boolean;
  /** How long to wait for an expected record, in ms. @default 15000 */
  readonly receiveTimeoutMs?: number;
  /** Whether `injectRaw` can carry bytes that are not UTF-8. @default true */
  readonly binaryFrames?: boolean;
  /** The subscriber's `maxRecordBytes`. @default 1 MiB */
  readonly maxRecordBytes?: number;
  /**
   * Whether a frame put with `injectRaw` after `flush()` resolved lands behind the flushed records
   * (both write into one FIFO at the broker: a list, a queue, a collection). The flush check then
   * requires every flushed record to arrive before such a frame, which catches a handler whose
   * `flush()` resolves before its data is written. Turn it off only where `injectRaw` writes through
   * a path whose order against the handler's is not defined (a second ZeroMQ peer, another
   * MessagePort): the flush check then only checks that every flushed record arrives. @default true
   */
  readonly injectOrdered?: boolean;
}

/** A conformance check: resolves when the transport behaves, rejects with what it did wrong. */
export type ConformanceCheck = (pair: ConformancePair, options: CheckOptions) => Promise<void>;

/** Polls `condition` every 20 ms until it holds, or throws `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new assert.AssertionError({ message: `timed out after ${timeoutMs} ms waiting for ${what}` });
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function send(pair: ConformancePair, records: readonly LogRecord[]): Promise<void> {
  for (const record of records) pair.handler.handle(record);
  await pair.handler.flush();
}

async function recvOrFail(subscriber: SubscriberBase, timeoutMs: number, what: string): Promise<LogRecord> {
  const record = await subscriber.recv(timeoutMs);
  assert.ok(record, `expected ${what} within ${timeoutMs} ms, got nothing`);
  return record;
}

const timeoutOf = (o: CheckOptions) => o.receiveTimeoutMs ?? 15_000;

/** Resolves to `value` after `ms`, without keeping the process alive. */
function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

/** Every field survives handler → broker → subscriber unchanged. */
export const roundTrip: ConformanceCheck = async (pair, options) => {
  const record = sampleRecord();
  await send(pair, [record]);
  const received = await recvOrFail(pair.subscriber, timeoutOf(options), 'the sample record');
  assert.deepStrictEqual(received.toDict(), record.toDict());
  assert.equal(received.message, 'Hello wörld and ñame: 3.14 — äöü 日本語 🎉');
  assert.equal(received.timeMicros, record.timeMicros);
  assert.equal(received.exceptionName, 'TypeError');
  assert.match(received.formattedException ?? '', /TypeError: bad thing ü — ☃/);
};

/** A record of almost 1 MiB arrives intact. */
export const largeRecord: ConformanceCheck = async (pair, options) => {
  const record = bigRecord(options.maxRecordBytes);
  const size = Buffer.byteLength(encodeRecord(record));
  assert.ok(size > (options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES) * 0.9, `big record is ${size} bytes`);
  await send(pair, [record]);
  const received = await recvOrFail(pair.subscriber, timeoutOf(options), 'the large record');
  assert.equal(received.msg.length, record.msg.length);
  assert.ok(received.msg === record.msg, 'large record content differs');
};

/** A burst of records all arrive, once each (in order, for ordered transports). */
export const burst: ConformanceCheck = async (pair, options) => {
  const n = options.burstSize ?? 10_000;
  const seen: number[] = [];
  const seenSet = new Set<number>();
  let duplicates = 0;
  let sendingDone = false;
  let lastProgress = Date.now();
  const quietLimit = timeoutOf(options);
  const receiving = (async () => {
    // Stop when everything arrived, or when nothing has arrived for receiveTimeoutMs after sending finished.
    while (seenSet.size < n && !(sendingDone && Date.now() - lastProgress > quietLimit)) {
      const record = await pair.subscriber.recv(500);
      if (!record) continue;
      lastProgress = Date.now();
      const seq = record.extra.seq as number;
      if (seenSet.has(seq)) duplicates++;
      seenSet.add(seq);
      seen.push(seq);
    }
  })();
  for (let i = 0; i < n; i++) pair.handler.handle(numberedRecord(i));
  await pair.handler.flush();
  sendingDone = true;
  lastProgress = Math.max(lastProgress, Date.now());
  await receiving;
  const missing = n - seenSet.size;
  assert.equal(missing, 0, `${missing} of ${n} records lost`);
  assert.equal(duplicates, 0, `${duplicates} duplicates`);
  if (options.ordered ?? true) {
    const outOfOrder = seen.findIndex((s, i) => s !== i);
    assert.equal(outOfOrder, -1, `records out of order from index ${outOfOrder}`);
  }
};

/** recv(0) returns at once, recv(ms) waits that long, recv() waits until a record comes. */
export const recvTimeouts: ConformanceCheck = async (pair, options) => {
  let t = Date.now();
  assert.equal(await pair.subscriber.recv(0), null, 'recv(0) on an empty queue must be null');
  assert.ok(Date.now() - t < 1_000, `recv(0) took ${Date.now() - t} ms`);
  t = Date.now();
  assert.equal(await pair.subscriber.recv(300), null, 'recv(300) on an empty queue must be null');
  const waited = Date.now() - t;
  assert.ok(waited >= 250 && waited < 5_000, `recv(300) returned after ${waited} ms`);
  const forever = pair.subscriber.recv();
  await new Promise((r) => setTimeout(r, 200));
  await send(pair, [numberedRecord(1, 'logq.timeouts')]);
  const got = await Promise.race([forever, delay(timeoutOf(options), 'late' as const)]);
  assert.ok(got instanceof LogRecord, 'recv() without timeout did not resolve with the record');
  assert.equal(got.channel, 'logq.timeouts');
  await send(pair, [numberedRecord(2, 'logq.timeouts')]);
  t = Date.now();
  const quick = await pair.subscriber.recv(timeoutOf(options));
  assert.equal(quick?.extra.seq, 2, 'recv(timeout) must resolve with a waiting record');
};

/** dispatchOnce dispatches one record to the active handlers, and returns false on timeout. */
export const dispatchOnce: ConformanceCheck = async (pair, options) => {
  const target = new TestHandler();
  await target.contextBound(async () => {
    await send(pair, [new LogRecord({ channel: 'testlogger', level: Level.WARNING, msg: 'dispatch once' })]);
    assert.equal(await pair.subscriber.dispatchOnce(timeoutOf(options)), true);
    assert.ok(target.hasWarning('dispatch once'), 'the record was not dispatched to the active handler');
    assert.equal(await pair.subscriber.dispatchOnce(200), false, 'dispatchOnce on an empty queue must be false');
  });
};

/** dispatchForever dispatches until the subscriber is closed, then resolves. */
export const dispatchForever: ConformanceCheck = async (pair, options) => {
  const target = new TestHandler();
  const loop = target.contextBound(() => pair.subscriber.dispatchForever());
  await send(
    pair,
    [1, 2, 3].map((i) => new LogRecord({ channel: 'forever', level: Level.ERROR, msg: `error ${i}` })),
  );
  await waitFor(() => target.records.length === 3, 'three dispatched records', timeoutOf(options));
  await pair.subscriber.close();
  const ended = await Promise.race([loop.then(() => true), delay(5_000, false)]);
  assert.ok(ended, 'dispatchForever did not end within 5 s of close()');
  assert.deepEqual(
    target.records.map((r) => r.message),
    ['error 1', 'error 2', 'error 3'],
  );
};

/** dispatchInBackground runs until stop(); records sent after stop wait for the next receive. */
export const dispatchInBackground: ConformanceCheck = async (pair, options) => {
  const target = new TestHandler();
  const controller = pair.subscriber.dispatchInBackground(target);
  assert.ok(controller.running);
  await send(
    pair,
    [1, 2, 3, 4, 5].map((i) => numberedRecord(i, 'background')),
  );
  await waitFor(() => target.records.length === 5, 'five records dispatched in the background', timeoutOf(options));
  await controller.stop();
  assert.equal(controller.running, false);
  await send(pair, [numberedRecord(6, 'background')]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(target.records.length, 5, 'a stopped controller still dispatched');
  const after = await pair.subscriber.recv(timeoutOf(options));
  assert.equal(after?.extra.seq, 6, 'the record sent after stop() was lost');
};

/** close() is idempotent; a closed subscriber returns null; a closed handler drops and counts. */
export const closeTwice: ConformanceCheck = async (pair) => {
  await pair.handler.close();
  await pair.handler.close();
  await pair.subscriber.close();
  await pair.subscriber.close();
  assert.equal(await pair.subscriber.recv(0), null);
  const t = Date.now();
  assert.equal(await pair.subscriber.recv(), null, 'recv() on a closed subscriber must be null');
  assert.ok(Date.now() - t < 1_000);
  const before = pair.handler.stats.dropped;
  const quiet = pair.handler.onError;
  pair.handler.onError = () => {};
  assert.doesNotThrow(() => pair.handler.handle(numberedRecord(1)));
  pair.handler.onError = quiet;
  assert.equal(pair.handler.stats.dropped, before + 1, 'a record logged after close() must be counted as dropped');
};

/** Garbage, non-records, invalid UTF-8 and oversized frames are skipped, counted and reported. */
export const malformedFrames: ConformanceCheck = async (pair, options) => {
  const errors: unknown[] = [];
  pair.subscriber.onError = (error) => errors.push(error);
  const limit = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const frames: (string | Uint8Array)[] = [
    'not json {',
    '[1, 2, 3]',
    '{"channel": "x", "msg": "no level"}',
    '{"level": 13, "msg": "no channel"}',
    `{"channel": "x", "level": 13, "msg": "${'a'.repeat(limit)}"}`,
  ];
  if (options.binaryFrames ?? true) frames.push(new Uint8Array([0xff, 0xfe, 0x7b]));
  for (const frame of frames) await pair.injectRaw(frame);
  await send(pair, [new LogRecord({ channel: 'after.garbage', level: Level.INFO, msg: 'still alive' })]);
  const deadline = Date.now() + timeoutOf(options);
  let good: LogRecord | null = null;
  while (Date.now() < deadline && (good === null || pair.subscriber.stats.malformed < frames.length)) {
    const record = await pair.subscriber.recv(good ? 200 : 1_000);
    if (record) good = record;
  }
  assert.ok(good, 'the valid record after malformed frames never arrived');
  assert.equal(good.message, 'still alive');
  assert.equal(pair.subscriber.stats.malformed, frames.length, 'every malformed frame must be counted');
  assert.ok(errors.length >= frames.length, 'every malformed frame must be reported through onError');
};

/**
 * flush() resolves only once every record was handed to the broker: `stats.sent` counts them all,
 * closing the handler at once (`timeoutMs: 0`) loses none of them, and (with `injectOrdered`) a frame
 * injected after flush() resolved arrives after every one of them. A handler whose `sendBatch` leaves
 * the write queued (in the client, or for a later tick) and returns fails here: its write lands after
 * the injected frame, or is cut off by the close.
 */
export const flushDelivers: ConformanceCheck = async (pair, options) => {
  const n = 200;
  const sentBefore = pair.handler.stats.sent;
  for (let i = 0; i < n; i++) pair.handler.handle(numberedRecord(i, 'flush'));
  await pair.handler.flush();
  assert.equal(pair.handler.stats.sent - sentBefore, n, 'flush() resolved before every record was sent');
  assert.equal(pair.handler.stats.buffered, 0);
  const ordered = options.injectOrdered ?? true;
  // Both start before anything the handler may have left for a later tick.
  const closing = pair.handler.close({ timeoutMs: 0 });
  if (ordered) await pair.injectRaw(encodeRecord(numberedRecord(-1, 'flush.barrier')));
  const closed = await closing;
  assert.equal(closed.flushed, true, 'close() right after flush() resolved did not report everything flushed');
  const seen = new Set<number>();
  while (seen.size < n) {
    const record = await pair.subscriber.recv(timeoutOf(options));
    assert.ok(record, `only ${seen.size} of ${n} flushed records arrived`);
    if (record.channel === 'flush.barrier') {
      assert.fail(
        `a frame injected after flush() resolved arrived before ${n - seen.size} of the ${n} flushed records: ` +
          'flush() resolved before the data was written (does sendBatch wait for the write?). ' +
          'If injectRaw writes through a path that is not ordered with the handler, set injectOrdered: false.',
      );
    }
    seen.add(record.extra.seq as number);
  }
  if (ordered) {
    const barrier = await pair.subscriber.recv(timeoutOf(options));
    assert.equal(barrier?.channel, 'flush.barrier', 'the frame injected after flush() never arrived');
  }
};

/** Resolves with `promise`, or throws once `ms` have passed without it settling. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const late = Symbol('late');
  const result = await Promise.race([promise, delay(ms, late)]);
  if (result === late) throw new assert.AssertionError({ message: `${what} did not return within ${ms} ms` });
  return result as T;
}

/** Records in the {@link noLossOnWaits} check: enough that losing one in 1,000 loses three. */
const NO_LOSS_RECORDS = 3_000;

/**
 * Every record arrives exactly once (in order, for ordered transports) while the subscriber keeps
 * giving up: `recv(0)`, short `recv` and `dispatchOnce` timeouts on an empty queue, and a background
 * loop started and stopped again and again, as records trickle in. A subscriber that loses a frame it
 * has already taken when a timeout or a stop comes (or that drops one record in 1,000) fails here.
 */
export const noLossOnWaits: ConformanceCheck = async (pair, options) => {
  const n = NO_LOSS_RECORDS;
  const received: number[] = [];
  const unique = new Set<number>();
  const target = new TestHandler();
  let sendingDone = false;
  const sending = (async () => {
    try {
      for (let i = 0; i < n; i += 150) {
        for (let j = i; j < Math.min(n, i + 150); j++) pair.handler.handle(numberedRecord(j, 'logq.noloss'));
        await pair.handler.flush();
        // Let the subscriber run dry, so that its waits time out between batches.
        await abortableSleep(15); // keeps the process alive (unlike delay), so node --test does not end meanwhile
      }
    } finally {
      sendingDone = true;
    }
  })();
  const take = (record: LogRecord | null) => {
    if (!record) return;
    received.push(record.extra.seq as number);
    unique.add(record.extra.seq as number);
  };
  const collect = () => {
    for (const record of target.records) take(record);
    target.clear();
  };
  const quietLimit = timeoutOf(options);
  // A wait that outlives its timeout by this much has hung.
  const hangMs = quietLimit + 5_000;
  let lastProgress = Date.now();
  let step = 0;
  while (unique.size < n) {
    const before = received.length;
    switch (step++ % 6) {
      case 0:
        take(await within(pair.subscriber.recv(0), hangMs, 'recv(0)'));
        break;
      case 1:
        take(await within(pair.subscriber.recv(1), hangMs, 'recv(1)'));
        break;
      case 2:
        take(await within(pair.subscriber.recv(20), hangMs, 'recv(20)'));
        break;
      case 3:
        await within(
          target.contextBound(() => pair.subscriber.dispatchOnce(5)),
          hangMs,
          'dispatchOnce(5)',
        );
        break;
      case 4:
      case 5: {
        const controller = pair.subscriber.dispatchInBackground(target);
        await abortableSleep(step % 2 === 0 ? 1 : 40);
        await within(controller.stop(), hangMs, "a background loop's stop()");
        break;
      }
    }
    collect();
    if (received.length > before) lastProgress = Date.now();
    else if (sendingDone && Date.now() - lastProgress > quietLimit) break;
  }
  await sending;
  const missing: number[] = [];
  for (let i = 0; i < n && missing.length < 10; i++) if (!unique.has(i)) missing.push(i);
  assert.equal(
    n - unique.size,
    0,
    `${n - unique.size} of ${n} records lost while the subscriber timed out and stopped (first: ${missing.join(', ')})`,
  );
  assert.equal(received.length - unique.size, 0, `${received.length - unique.size} duplicates`);
  if (options.ordered ?? true) {
    const outOfOrder = received.findIndex((s, i) => s !== i);
    const around = received.slice(Math.max(0, outOfOrder - 3), outOfOrder + 5).join(', ');
    assert.equal(outOfOrder, -1, `records out of order from index ${outOfOrder}: received … ${around} …`);
  }
};

/** Every check, by name, in the order the suite runs them. */
export const conformanceChecks: Readonly<Record<string, ConformanceCheck>> = {
  roundTrip,
  largeRecord,
  burst,
  recvTimeouts,
  dispatchOnce,
  dispatchForever,
  dispatchInBackground,
  closeTwice,
  malformedFrames,
  flushDelivers,
  noLossOnWaits,
};
