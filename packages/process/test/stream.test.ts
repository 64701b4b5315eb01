// The stream channel's own behaviour: many handlers, reconnection, backpressure, long lines, a child's stdio.
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { Level, LogRecord } from '@logq/core';
import { encodeRecord } from '@logq/core/transport';
import { numberedRecord, waitFor } from '@logq/core/testing';
import { StreamChannelHandler, StreamChannelSubscriber, StreamUriError, parseStreamUri } from '../src/index.js';
import { LineSplitter } from '../src/line-splitter.js';
import { tsExecArgv } from './helpers.js';

jest.setTimeout(120_000);

async function take(subscriber: StreamChannelSubscriber, count: number, timeoutMs = 15_000): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  while (records.length < count) {
    const record = await subscriber.recv(timeoutMs);
    if (!record) break;
    records.push(record);
  }
  return records;
}

test('URIs: stream+tcp://host:port and stream+unix:///path; anything else is a clear error', () => {
  expect(parseStreamUri('stream+tcp://127.0.0.1:5140')).toEqual({ host: '127.0.0.1', port: 5140 });
  expect(parseStreamUri('stream+tcp://[::1]:5140')).toEqual({ host: '::1', port: 5140 });
  expect(parseStreamUri('stream+unix:///tmp/log.sock')).toEqual({ path: '/tmp/log.sock' });
  expect(() => parseStreamUri('stream+tcp://127.0.0.1')).toThrow(StreamUriError);
  expect(() => parseStreamUri('stream+unix://host/x')).toThrow(StreamUriError);
  expect(() => new StreamChannelHandler('tcp://127.0.0.1:5140')).toThrow(/stream\+tcp:\/\/ or stream\+unix:\/\//);
});

test('one subscriber accepts many handlers; each handler keeps its order', async () => {
  const subscriber = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0');
  const uri = (await subscriber.ready())!;
  const handlers = [0, 1, 2, 3].map(() => new StreamChannelHandler(uri));
  try {
    handlers.forEach((handler, h) => {
      for (let i = 0; i < 2_000; i++)
        handler.handle(new LogRecord({ channel: `h${h}`, level: Level.INFO, msg: 'r', args: [i] }));
    });
    await Promise.all(handlers.map((h) => h.flush()));
    const records = await take(subscriber, 8_000);
    expect(records).toHaveLength(8_000);
    for (let h = 0; h < 4; h++) {
      expect(records.filter((r) => r.channel === `h${h}`).map((r) => r.args[0])).toEqual(
        Array.from({ length: 2_000 }, (_, i) => i),
      );
    }
    expect(subscriber.streamStats.connections).toBe(4);
  } finally {
    await Promise.all(handlers.map((h) => h.close()));
    await subscriber.close();
  }
});

test('a subscriber restarted on the same port: the handler buffers, reconnects with backoff and sends in order', async () => {
  const first = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0');
  const uri = (await first.ready())!;
  const errors: unknown[] = [];
  const handler = new StreamChannelHandler(uri, {
    onError: (e) => errors.push(e),
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
  });
  let second: StreamChannelSubscriber | null = null;
  try {
    for (let i = 0; i < 100; i++) handler.handle(numberedRecord(i, 'restart'));
    await handler.flush();
    expect((await take(first, 100)).map((r) => r.args[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await first.close();
    // The handler sees the connection end; records logged from now on wait in its buffer.
    await waitFor(() => !handler.isConnected, 'the handler to see the subscriber go');
    for (let i = 100; i < 300; i++) handler.handle(numberedRecord(i, 'restart'));
    await waitFor(() => errors.length >= 2, 'failed reconnects to be reported');
    expect(handler.stats.buffered).toBe(200);
    second = new StreamChannelSubscriber(uri);
    await second.ready();
    await handler.flush();
    expect((await take(second, 200)).map((r) => r.args[0])).toEqual(Array.from({ length: 200 }, (_, i) => i + 100));
    expect(handler.stats).toMatchObject({ sent: 300, dropped: 0 });
  } finally {
    await handler.close();
    await first.close();
    await second?.close();
  }
});

test('prefetch pauses a given stream once that many records wait; highWaterMark, its deprecated name, still does', async () => {
  const lines = `${[1, 2, 3].map((i) => encodeRecord(numberedRecord(i, 'prefetch'))).join('\n')}\n`;
  for (const [options, paused] of [
    [{ prefetch: 2 }, true],
    [{ highWaterMark: 2 }, true],
    [{ prefetch: 10 }, false],
    [{ prefetch: 10, highWaterMark: 2 }, false],
  ] as const) {
    const stream = new PassThrough();
    const subscriber = new StreamChannelSubscriber(stream, options);
    stream.write(lines);
    await waitFor(() => subscriber.waiting === 3, 'the three lines');
    expect([options, stream.isPaused()]).toEqual([options, paused]);
    await subscriber.close();
  }
});

test('a subscriber that does not read: it holds about prefetch records, the sockets fill, the handler drops and counts', async () => {
  const subscriber = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0', { prefetch: 200 });
  const uri = (await subscriber.ready())!;
  const handler = new StreamChannelHandler(uri, { maxBuffer: 1_000, onError: () => {} });
  const logged = 100_000;
  try {
    for (let i = 0; i < logged; i++) {
      handler.handle(numberedRecord(i, 'pressure'));
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => handler.stats.dropped > 0, 'the handler to drop');
    // What the subscriber holds is bounded: prefetch plus the lines of one read.
    expect(subscriber.waiting).toBeLessThan(200 + 1_000);
    // The subscriber reads again: everything the handler still holds arrives.
    const records: LogRecord[] = [];
    const reading = (async () => {
      for (let r = await subscriber.recv(5_000); r; r = await subscriber.recv(5_000)) records.push(r);
    })();
    const result = await handler.close({ timeoutMs: 60_000 });
    expect(result.flushed).toBe(true);
    await reading;
    // Nothing vanished silently: every record logged was delivered or counted as dropped.
    expect(result.sent + result.dropped).toBe(logged);
    expect(records.length).toBe(result.sent);
    expect(result.dropped).toBeGreaterThan(0);
    const seqs = records.map((r) => r.args[0] as number);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
  } finally {
    await handler.close();
    await subscriber.close();
  }
});

test('a line longer than maxRecordBytes, newline or not, is never held: discarded, counted, and the next line is read', async () => {
  const subscriber = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0', {
    maxRecordBytes: 64 * 1024,
    onError: () => {},
  });
  const uri = new URL((await subscriber.ready())!);
  const socket = connect({ host: uri.hostname, port: Number(uri.port) });
  try {
    await new Promise((resolve) => socket.once('connect', resolve));
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
    await new Promise<void>((resolve) =>
      socket.write('\n{"channel":"c","level":13,"msg":"after the long line"}\n', () => resolve()),
    );
    const record = await subscriber.recv(15_000);
    expect(record?.message).toBe('after the long line');
    expect(subscriber.stats.malformed).toBe(1);
    expect(subscriber.streamStats.oversized).toBe(1);
  } finally {
    socket.destroy();
    await subscriber.close();
  }
});

test('LineSplitter holds at most maxBytes of an unfinished line', () => {
  const lines: string[] = [];
  const oversized: number[] = [];
  const splitter = new LineSplitter(
    10,
    (l) => lines.push(l.toString()),
    (n) => oversized.push(n),
  );
  splitter.push(Buffer.from('abc\nde'));
  splitter.push(Buffer.from('f\n0123456789'));
  expect(splitter.pending).toBe(10);
  for (let i = 0; i < 100; i++) splitter.push(Buffer.from('more bytes without a newline'));
  expect(splitter.pending).toBe(0);
  splitter.push(Buffer.from('x\nok\n\nlast'));
  splitter.end();
  expect(lines).toEqual(['abc', 'def', 'ok', '', 'last']);
  expect(oversized).toEqual([10 + 100 * 28 + 1]);
});

test("a child's stdout as the stream: the child logs 1,000 records, returns from main and exits; all arrive", async () => {
  const code = `
    import { Logger } from '@logq/core';
    import { StreamChannelHandler } from '@logq/process';
    new StreamChannelHandler(process.stdout).pushApplication();
    const log = new Logger('stdio');
    for (let i = 0; i < 1000; i++) log.info('line {0}', i);
  `;
  const child = spawn(process.execPath, [...tsExecArgv, '--input-type=module', '-e', code], {
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const subscriber = new StreamChannelSubscriber(child.stdout);
  const started = Date.now();
  try {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const records = await take(subscriber, 1_000);
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(records.map((r) => r.args[0])).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    expect(subscriber.stats.malformed).toBe(0);
  } finally {
    child.kill();
    await subscriber.close();
  }
});

test('a given stream that fails (its reader went away): no crash, the handler closes itself and counts every record', async () => {
  let writes = 0;
  const stream = new Writable({
    write(_chunk, _encoding, callback) {
      writes++;
      callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  const errors: unknown[] = [];
  const handler = new StreamChannelHandler(stream, { onError: (e) => errors.push(e) });
  for (let i = 0; i < 500; i++) handler.handle(numberedRecord(i, 'epipe'));
  await waitFor(() => handler.stats.dropped === 500, 'the handler to close itself, dropping what it holds');
  const result = await handler.close();
  expect(writes).toBe(1);
  expect(result).toMatchObject({ sent: 0, dropped: 500, flushed: false });
  expect(errors.some((e) => /EPIPE/.test(String(e)))).toBe(true);
  // Logged after that: dropped and counted too, never thrown.
  handler.handle(numberedRecord(500, 'epipe'));
  expect(handler.stats.dropped).toBe(501);
});

test('listening: an address in use is a clear error from ready(); a stale unix socket file is replaced', async () => {
  const first = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0');
  const uri = (await first.ready())!;
  const second = new StreamChannelSubscriber(uri, { onError: () => {} });
  await expect(second.ready()).rejects.toThrow(/cannot listen on stream\+tcp:\/\/127\.0\.0\.1:\d+: .*EADDRINUSE/);
  await expect(second.recv(0)).rejects.toThrow(/EADDRINUSE/);
  await Promise.all([first.close(), second.close()]);

  const dir = mkdtempSync(join(tmpdir(), 'logq-stale-'));
  const path = join(dir, 'log.sock');
  try {
    // A socket file nobody listens on, as a process that died leaves it (SIGKILL: no clean-up).
    const died = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(died.signal).toBe('SIGKILL');
    expect(lstatSync(path).isSocket()).toBe(true);
    const subscriber = new StreamChannelSubscriber(`stream+unix://${path}`);
    expect(await subscriber.ready()).toBe(`stream+unix://${path}`);
    const handler = new StreamChannelHandler(`stream+unix://${path}`);
    handler.handle(numberedRecord(1, 'unix'));
    expect((await subscriber.recv(10_000))?.args[0]).toBe(1);
    await handler.close();
    await subscriber.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
