/**
 * Seeded garbage (garbageFrames from @logq/core/testing: random bytes, truncated JSON, wrong types,
 * deep nesting, `__proto__` keys, invalid UTF-8, empty and 10 MiB frames) sent raw over a real
 * process pipe and a real worker thread's port into the subscriber: no crash, every frame counted,
 * and the next valid record delivered.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeRecord } from '@logq/core/transport';
import { MultiProcessingSubscriber, type RecordsMessage } from '../src/index.js';
import { garbageVariants } from './garbage-variants.js';
import { fixtures } from './helpers.js';

jest.setTimeout(300_000);

const VALID = JSON.stringify({ channel: 'fuzz', level: 13, msg: 'the valid record after the garbage' });

/** How many of the frames the subscriber must refuse, by decoding each one's text (or bytes) here. */
function expectedMalformed(bytes: boolean): { sent: number; malformed: number } {
  let sent = 0;
  let malformed = 0;
  for (const { kind, text } of garbageVariants({ bytes })) {
    sent++;
    // A deeply nested extra in a well-formed record decodes (slowly: ~10 ms each). Not decoded here
    // again; the count of records decoded from the garbage checks them.
    if (kind === 'deep-nesting') continue;
    try {
      decodeRecord(text);
    } catch {
      malformed++;
    }
  }
  return { sent, malformed };
}

/** Receives until the valid record arrives; every record before it came from the garbage. */
async function receiveUntilValid(subscriber: MultiProcessingSubscriber): Promise<number> {
  let garbageDecoded = 0;
  for (;;) {
    const record = await subscriber.recv(60_000);
    if (record === null) throw new Error(`the valid record never arrived (stats ${JSON.stringify(subscriber.stats)})`);
    if (record.message === 'the valid record after the garbage') return garbageDecoded;
    garbageDecoded++;
  }
}

function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
}

test('over a process pipe (JSON): frames as text and as parsed values', async () => {
  const expected = expectedMalformed(false);
  const errors: unknown[] = [];
  const subscriber = new MultiProcessingSubscriber(null, { onError: (error) => errors.push(error) });
  // The frames go to a child that sends every message back: they cross a real pipe into the queue.
  const echo: ChildProcess = fork(join(fixtures, 'echo.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  subscriber.queue.attach(echo);
  const send = (frames: unknown[]) => {
    const message = {
      logq: 'records',
      queue: subscriber.queue.id,
      handler: 'fuzz',
      frames,
    } as unknown as RecordsMessage;
    return new Promise<void>((resolve, reject) => echo.send(message, (error) => (error ? reject(error) : resolve())));
  };
  try {
    let batch: unknown[] = [];
    for (const { frame } of garbageVariants({ bytes: false })) {
      batch.push(frame);
      if (batch.length >= 100) {
        await send(batch);
        batch = [];
      }
    }
    await send([...batch, VALID]);
    const garbageDecoded = await receiveUntilValid(subscriber);
    expect(subscriber.stats.received).toBe(expected.sent + 1);
    expect(subscriber.stats.malformed).toBe(expected.malformed);
    expect(garbageDecoded + subscriber.stats.malformed).toBe(expected.sent);
    expect(errors.length).toBe(expected.malformed);
    expect(subscriber.queue.stats.oversized).toBeGreaterThan(0);
    expectNoPollution();
  } finally {
    await subscriber.close();
    const exited = new Promise((resolve) => echo.once('exit', resolve));
    echo.kill();
    await exited;
  }
});

test("over a worker thread's port (structured clone): frames as bytes and as parsed values", async () => {
  const expected = expectedMalformed(true);
  const subscriber = new MultiProcessingSubscriber(null, { onError: () => {} });
  const worker = new Worker(join(fixtures, 'boot-worker.mjs'), {
    execArgv: ['--conditions=@logq/source'],
    workerData: {
      entry: pathToFileURL(join(fixtures, 'garbage-sender.ts')).href,
      config: { queue: subscriber.queue.id, valid: VALID },
    },
  });
  subscriber.queue.attach(worker);
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  try {
    const garbageDecoded = await receiveUntilValid(subscriber);
    expect(await exited).toBe(0);
    expect(subscriber.stats.received).toBe(expected.sent + 1);
    expect(subscriber.stats.malformed).toBe(expected.malformed);
    expect(garbageDecoded + subscriber.stats.malformed).toBe(expected.sent);
    expectNoPollution();
  } finally {
    await subscriber.close();
    await worker.terminate();
  }
});
