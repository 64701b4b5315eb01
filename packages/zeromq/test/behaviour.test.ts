import { join } from 'node:path';
import { Level, LogRecord, createHandler, createSubscriber } from '@logq/core';
import { freePort, makeTempDir, removeTempDir, runNodeSnippet } from '@logq/services';
import * as zmq from 'zeromq';
import { PeerTimeoutError, ZeroMQHandler, ZeroMQSocketError, ZeroMQSubscriber } from '../src/index.js';
import { endpoint, waitForRawSubscriptions } from './helpers.js';

const quiet = () => {};

async function waitForSubscribers(handler: ZeroMQHandler, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await handler.countSubscribers()) !== count) {
    if (Date.now() > deadline)
      throw new Error(`handler still counts ${handler.subscribers} subscriptions, expected ${count}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const record = (msg: string, extra: Record<string, unknown> = {}) =>
  new LogRecord({ channel: 'logq.zeromq', level: Level.WARNING, msg, extra });

/** Whether the handler sent nothing and its buffer stayed full over `checks` intervals of 300 ms. */
async function stalledFor(handler: ZeroMQHandler, checks: number): Promise<boolean> {
  for (let i = 0; i < checks; i++) {
    const sent = handler.stats.sent;
    await new Promise((r) => setTimeout(r, 300));
    if (handler.stats.sent !== sent || handler.stats.buffered !== 200) return false;
  }
  return true;
}

describe('high-water mark and overflow', () => {
  it('with a tiny HWM and a stalled subscriber, log calls never block and drops are counted', async () => {
    const uri = await endpoint();
    const handler = new ZeroMQHandler(uri, { sendHighWaterMark: 1, maxBuffer: 200, onError: quiet });
    const stalled = new zmq.Subscriber({ receiveHighWaterMark: 1, receiveBufferSize: 4096, linger: 0 });
    try {
      stalled.subscribe();
      stalled.connect(uri);
      await handler.waitForPeers(1, { timeoutMs: 20_000 });
      const payload = 'x'.repeat(4096);
      let total = 0;
      let slowest = 0;
      // Log until the socket, the kernel buffers and the handler's buffer are all full and nothing moves.
      for (;;) {
        for (let k = 0; k < 1000; k++) {
          const t = process.hrtime.bigint();
          handler.handle(record(payload, { seq: total++ }));
          slowest = Math.max(slowest, Number(process.hrtime.bigint() - t) / 1e6);
        }
        await new Promise((r) => setImmediate(r)); // let the pump run: it stalls on the full socket
        // Stalled means nothing moves over three checks in a row: under CPU load libzmq's I/O thread can pause
        // for a while and then drain the pipe into the kernel's send buffer, which is finite, so logging on
        // until no check sees progress reaches the real stall.
        if (handler.stats.dropped > 0 && (await stalledFor(handler, 3))) break;
        if (total > 300_000) throw new Error(`the socket never stalled (sent ${handler.stats.sent})`);
      }
      expect(slowest).toBeLessThan(1_000); // a log call never waits on the socket (generous: GC under load)
      const { sent, dropped, buffered } = handler.stats;
      expect(dropped).toBeGreaterThan(0);
      expect(buffered).toBe(200);
      expect(sent + dropped + buffered).toBe(total);
      // The socket is stalled: close gives up at its deadline, counts what is left, and releases the socket.
      const t = Date.now();
      const result = await handler.close({ timeoutMs: 300 });
      expect(Date.now() - t).toBeLessThan(5_000);
      expect(result.flushed).toBe(false);
      expect(result.sent + result.dropped).toBe(total);
      expect(handler.socket).toBeNull();
    } finally {
      await handler.close({ timeoutMs: 100 });
      stalled.close();
    }
  });

  it('a slow ZeroMQSubscriber holds the publisher back instead of losing records (prefetch + noDrop)', async () => {
    const uri = await endpoint();
    const handler = new ZeroMQHandler(uri, { sendHighWaterMark: 10 });
    const subscriber = new ZeroMQSubscriber(uri, { prefetch: 5, receiveHighWaterMark: 10 });
    try {
      await handler.waitForPeers(1, { timeoutMs: 20_000 });
      const n = 3_000;
      for (let i = 0; i < n; i++) handler.handle(record('{0}', { seq: i }));
      await new Promise((r) => setTimeout(r, 500)); // the subscriber is not reading: everything backs up
      let got = 0;
      while (got < n) {
        const r = await subscriber.recv(20_000);
        expect(r?.extra.seq).toBe(got);
        got++;
      }
      expect(handler.stats.dropped).toBe(0);
    } finally {
      await handler.close({ timeoutMs: 1000 });
      await subscriber.close();
    }
  });
  it("noDrop: false is libzmq's PUB behaviour: a stalled subscriber loses records that no counter shows", async () => {
    const uri = await endpoint();
    const handler = new ZeroMQHandler(uri, { sendHighWaterMark: 1, noDrop: false });
    const stalled = new zmq.Subscriber({ receiveHighWaterMark: 1, receiveBufferSize: 4096, linger: 0 });
    try {
      stalled.subscribe();
      stalled.connect(uri);
      await handler.waitForPeers(1, { timeoutMs: 20_000 });
      const total = 5_000;
      const payload = 'x'.repeat(4096);
      for (let i = 0; i < total; i++) handler.handle(record(payload, { seq: i }));
      await handler.flush(); // never waits: libzmq drops what does not fit
      expect(handler.stats.sent).toBe(total);
      expect(handler.stats.dropped).toBe(0);
      stalled.receiveTimeout = 1_000;
      let received = 0;
      try {
        for (;;) {
          await stalled.receive();
          received++;
        }
      } catch {
        // drained
      }
      expect(received).toBeLessThan(total);
    } finally {
      await handler.close({ timeoutMs: 100 });
      stalled.close();
    }
  });
});

describe('ipc:// endpoints', () => {
  it.each([
    ['PUB/SUB', false],
    ['PUSH/PULL (multi)', true],
  ] as const)('%s over ipc://', async (_name, multi) => {
    const dir = makeTempDir('zeromq-ipc');
    const uri = `ipc://${dir}/logq.sock`;
    const subscriber = new ZeroMQSubscriber(uri, { multi });
    const handler = new ZeroMQHandler(uri, { multi });
    try {
      if (multi) await subscriber.open();
      else await handler.waitForPeers(1, { timeoutMs: 20_000 });
      handler.handle(record('over ipc ✓'));
      expect((await subscriber.recv(20_000))?.message).toBe('over ipc ✓');
    } finally {
      await handler.close();
      await subscriber.close();
      removeTempDir(dir);
    }
  });
});

describe('slow joiner and peers', () => {
  it('handler.waitForPeers counts subscriptions as subscribers come and go', async () => {
    const uri = await endpoint();
    const handler = new ZeroMQHandler(uri);
    const a = new ZeroMQSubscriber(uri);
    const b = new ZeroMQSubscriber(uri);
    try {
      await handler.waitForPeers(2, { timeoutMs: 20_000 });
      expect(handler.subscribers).toBe(2);
      handler.handle(record('to both'));
      expect((await a.recv(20_000))?.message).toBe('to both');
      expect((await b.recv(20_000))?.message).toBe('to both');
      await b.close();
      await waitForSubscribers(handler, 1);
      await expect(handler.waitForPeers(2, { timeoutMs: 300 })).rejects.toBeInstanceOf(PeerTimeoutError);
      expect(a.peers).toBe(1);
    } finally {
      await handler.close();
      await a.close();
      await b.close();
    }
  });

  it('multi mode: records logged before the subscriber binds are delivered once it does', async () => {
    const uri = await endpoint();
    const handler = new ZeroMQHandler(uri, { multi: true });
    try {
      for (let i = 0; i < 10; i++) handler.handle(record('early {0}', { seq: i }));
      await handler.flush(); // handed to libzmq, which holds them for the peer
      const subscriber = new ZeroMQSubscriber(uri, { multi: true });
      try {
        for (let i = 0; i < 10; i++) expect((await subscriber.recv(20_000))?.extra.seq).toBe(i);
      } finally {
        await subscriber.close();
      }
    } finally {
      await handler.close();
    }
  });
});

const runNode = (code: string, timeoutMs: number) => runNodeSnippet(code, { cwd: join(__dirname, '..'), timeoutMs });

describe('linger: a process whose subscriber is gone still exits', () => {
  it.each([
    ['closed', 'await handler.close({ timeoutMs: 500 }).then((r) => console.log(JSON.stringify(r)));'],
    ['not closed', 'await handler.flush(); console.log("{}");'],
  ])(
    'PUSH to an absent subscriber, handler %s',
    async (_how, ending) => {
      const port = await freePort(); // nothing listens there
      const code = `
      import { ZeroMQHandler } from '@logq/zeromq';
      import { Level, LogRecord } from '@logq/core';
      const handler = new ZeroMQHandler('tcp://127.0.0.1:${port}', { multi: true, onError: () => {} });
      for (let i = 0; i < 100; i++) handler.handle(new LogRecord({ channel: 'exit', level: Level.INFO, msg: 'r' }));
      ${ending}
    `;
      const result = await runNode(code, 60_000);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('{');
    },
    90_000,
  );
});

describe('transport registry and errors', () => {
  it('createHandler / createSubscriber resolve tcp:// to this package', async () => {
    const uri = await endpoint();
    const subscriber = await createSubscriber(uri, { multi: true });
    const handler = await createHandler(uri, { multi: true });
    try {
      expect(subscriber).toBeInstanceOf(ZeroMQSubscriber);
      expect(handler).toBeInstanceOf(ZeroMQHandler);
      handler.handle(record('via the resolver'));
      expect((await subscriber.recv(20_000))?.message).toBe('via the resolver');
    } finally {
      await handler.close();
      await subscriber.close();
    }
  });

  it('a bind failure is reported without the password of the URI', async () => {
    const errors: unknown[] = [];
    const handler = new ZeroMQHandler('tcp://admin:s3cret@256.1.1.1:1', { onError: (e) => errors.push(e) });
    const error = await handler.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZeroMQSocketError);
    expect(String((error as Error).message)).not.toContain('s3cret');
    expect(String((error as Error).message)).toContain('admin:***@');
    await handler.close({ timeoutMs: 10 });
    const subscriber = new ZeroMQSubscriber('tcp://admin:s3cret@256.1.1.1:1', { multi: true });
    const subError = await subscriber.open().catch((e: unknown) => e);
    expect(subError).toBeInstanceOf(ZeroMQSocketError);
    expect(String((subError as Error).message)).not.toContain('s3cret');
    await subscriber.close();
  });

  it('exposes socket and context; exportRecord gives the Logbook dict', async () => {
    const uri = await endpoint();
    const handler = new ZeroMQHandler(uri);
    expect(handler.socket).toBeNull();
    const socket = await handler.open();
    expect(handler.socket).toBe(socket);
    expect(socket).toBeInstanceOf(zmq.XPublisher);
    expect(handler.context).toBe(socket.context);
    const dict = handler.exportRecord(record('hi'));
    expect(dict).toMatchObject({ channel: 'logq.zeromq', level: 13, msg: 'hi', message: 'hi' });
    const raw = new zmq.Subscriber({ linger: 0 });
    raw.subscribe();
    raw.connect(uri);
    await handler.waitForPeers(1, { timeoutMs: 20_000 });
    handler.handle(record('raw check'));
    const sent = record('raw check');
    handler.handle(sent);
    const [first] = await raw.receive();
    const [frame] = await raw.receive();
    expect(JSON.parse(first!.toString('utf8')).message).toBe('raw check');
    // One frame of UTF-8 JSON: exactly exportRecord(record).
    expect(JSON.parse(frame!.toString('utf8'))).toEqual(handler.exportRecord(sent));
    raw.close();
    await handler.close();
    expect(handler.socket).toBeNull();
  });
});

describe('raw frames', () => {
  it('multipart messages: each part is a frame, as Logbook recv() reads them', async () => {
    const uri = await endpoint();
    const subscriber = new ZeroMQSubscriber(uri, { multi: true });
    await subscriber.open();
    const push = new zmq.Push({ linger: 0 });
    push.connect(uri);
    try {
      await push.send([JSON.stringify(record('one').toDict()), JSON.stringify(record('two').toDict())]);
      expect((await subscriber.recv(20_000))?.message).toBe('one');
      expect((await subscriber.recv(20_000))?.message).toBe('two');
    } finally {
      push.close();
      await subscriber.close();
    }
  });

  it('a raw PUB can feed a ZeroMQSubscriber that also connects to it', async () => {
    const pub = new zmq.XPublisher({ linger: 0 });
    pub.verbosity = 'allSubs';
    await pub.bind(await endpoint());
    const subscriber = new ZeroMQSubscriber(pub.lastEndpoint);
    try {
      await waitForRawSubscriptions(pub, 1);
      await pub.send(JSON.stringify(record('from raw').toDict()));
      expect((await subscriber.recv(20_000))?.message).toBe('from raw');
    } finally {
      pub.close();
      await subscriber.close();
    }
  });
});

describe('faults: the subscriber restarted mid-stream', () => {
  it.each([
    ['PUB/SUB', false],
    ['PUSH/PULL (multi)', true],
  ] as const)(
    '%s: the handler keeps going and the new subscriber gets what is logged once it is there',
    async (_name, multi) => {
      const uri = await endpoint();
      const handler = new ZeroMQHandler(uri, { multi });
      let subscriber = new ZeroMQSubscriber(uri, { multi });
      try {
        if (multi) await subscriber.open();
        else await handler.waitForPeers(1, { timeoutMs: 20_000 });
        for (let i = 0; i < 100; i++) handler.handle(record('first {0}', { seq: i }));
        for (let i = 0; i < 100; i++) expect((await subscriber.recv(20_000))?.extra.seq).toBe(i);
        await subscriber.close();
        if (!multi) await waitForSubscribers(handler, 0); // else waitForPeers(1) below would count the old one
        for (let i = 0; i < 50; i++) handler.handle(record('while down', { seq: -1 }));
        await handler.flush(); // never blocks: PUB has no subscriber; PUSH keeps them for the next peer
        subscriber = new ZeroMQSubscriber(uri, { multi });
        if (multi) {
          await handler.waitForPeers(1);
          await subscriber.waitForPeers(1, { timeoutMs: 20_000 });
        } else {
          await handler.waitForPeers(1, { timeoutMs: 20_000 });
        }
        for (let i = 100; i < 200; i++) handler.handle(record('second {0}', { seq: i }));
        const seen: number[] = [];
        while (seen.length === 0 || seen[seen.length - 1]! < 199) {
          const r = await subscriber.recv(20_000);
          expect(r).not.toBeNull();
          seen.push(r!.extra.seq as number);
        }
        // Everything logged once the new subscriber was there arrives, in order.
        expect(seen.filter((s) => s >= 100)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
        expect(handler.stats.dropped).toBe(0);
      } finally {
        await handler.close({ timeoutMs: 1000 });
        await subscriber.close();
      }
    },
  );
});

describe('multipart batches', () => {
  it('a batch goes out as one message with one record per part; the default is one message per record', async () => {
    for (const multipart of [true, false]) {
      const pull = new zmq.Pull({ linger: 0 });
      await pull.bind(await endpoint());
      const handler = new ZeroMQHandler(pull.lastEndpoint, { multi: true, multipart });
      try {
        for (let i = 0; i < 5; i++) handler.handle(record('part {0}', { seq: i }));
        await handler.flush();
        const parts = await pull.receive();
        expect(parts).toHaveLength(multipart ? 5 : 1);
        expect(parts.map((p) => JSON.parse(p.toString('utf8')).extra.seq)).toEqual(multipart ? [0, 1, 2, 3, 4] : [0]);
      } finally {
        await handler.close();
        pull.close();
      }
    }
  });
});

describe('sending and reading in runs', () => {
  it('a long backlog goes out in runs that let the event loop turn, in order and complete', async () => {
    const pull = new zmq.Pull({ linger: 0, receiveHighWaterMark: 0 });
    await pull.bind(await endpoint());
    // Unbounded queues: libzmq never refuses, so only the handler's own limit can make it yield.
    const handler = new ZeroMQHandler(pull.lastEndpoint, { multi: true, sendHighWaterMark: 0, maxBuffer: 50_000 });
    try {
      await handler.open();
      const n = 30_000;
      for (let i = 0; i < n; i++) handler.handle(record('backlog {0}', { seq: i }));
      let turns = 0;
      let flushed = false;
      const flushing = handler.flush().then(() => (flushed = true));
      const countTurns = () => {
        if (flushed) return;
        turns++;
        setImmediate(countTurns);
      };
      setImmediate(countTurns);
      await flushing;
      // 30,000 sends take well over the 10 ms run limit on any machine: the loop turned meanwhile.
      expect(turns).toBeGreaterThan(0);
      expect(handler.stats.sent).toBe(n);
      pull.receiveTimeout = 20_000;
      for (let i = 0; i < n; i++) {
        const [frame] = await pull.receive();
        if (JSON.parse(frame!.toString('utf8')).extra.seq !== i) throw new Error(`record ${i} out of order`);
      }
    } finally {
      await handler.close({ timeoutMs: 1000 });
      pull.close();
    }
  });

  it('the subscriber reads bursts with gaps between them, and an empty socket is no error', async () => {
    const errors: unknown[] = [];
    const uri = await endpoint();
    const subscriber = new ZeroMQSubscriber(uri, { multi: true, prefetch: 7, onError: (e) => errors.push(e) });
    const handler = new ZeroMQHandler(uri, { multi: true });
    try {
      await subscriber.open();
      let seq = 0;
      for (let burst = 0; burst < 4; burst++) {
        expect(await subscriber.recv(0)).toBeNull();
        const size = [1, 50, 3, 200][burst]!;
        for (let i = 0; i < size; i++) handler.handle(record('burst {0}', { seq: seq + i }));
        for (let i = 0; i < size; i++) expect((await subscriber.recv(20_000))?.extra.seq).toBe(seq++);
        await new Promise((r) => setTimeout(r, 50)); // the socket is empty now
      }
      expect(errors).toEqual([]);
      expect(subscriber.stats.errors).toBe(0);
    } finally {
      await handler.close({ timeoutMs: 1000 });
      await subscriber.close();
    }
  });
});
