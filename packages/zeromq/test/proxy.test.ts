// Issue 17, ZeroMQ fan-in at scale: many handlers → a zmq.Proxy → subscribers, as Logbook users
// deploy it (the README's "Fan-in through a proxy").
import { Logger, type LogRecord, kw } from '@logq/core';
import * as zmq from 'zeromq';
import { ZeroMQHandler, ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';

jest.setTimeout(120_000);

const PRODUCERS = 3;
const PER_PRODUCER = 1_000;

/** Logs `count` records from `producer` through `handler`. */
function produce(handler: ZeroMQHandler, producer: number, count: number, channel = 'fan-in'): void {
  const log = new Logger(channel);
  handler.applicationBound(() => {
    for (let seq = 0; seq < count; seq++)
      log.info('producer {0} record {1}', producer, seq, kw({}, { extra: { producer, seq } }));
  });
}

/** Checks that every producer's records all arrived, each producer's in order. */
function expectAllInOrder(records: readonly LogRecord[]): void {
  const next = new Array<number>(PRODUCERS).fill(0);
  for (const record of records) {
    const producer = record.extra.producer as number;
    expect(record.extra.seq).toBe(next[producer]);
    next[producer]!++;
  }
  expect(next).toEqual(new Array<number>(PRODUCERS).fill(PER_PRODUCER));
}

/** Ends a proxy that a failed test left running (closing its sockets). */
function stopProxy(proxy: zmq.Proxy): void {
  try {
    if (!proxy.frontEnd.closed) proxy.terminate();
  } catch {
    // never ran: close its sockets directly
    proxy.frontEnd.close();
    proxy.backEnd.close();
  }
}

async function receive(subscriber: ZeroMQSubscriber, count: number, channel = 'fan-in'): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  while (records.length < count) {
    const record = await subscriber.recv(20_000);
    if (!record) throw new Error(`only ${records.length} of ${count} records arrived`);
    if (record.channel === channel) records.push(record);
  }
  return records;
}

test('PUSH fan-in: many ZeroMQHandler({ multi: true }) → PULL | Proxy | PUSH → one ZeroMQSubscriber({ multi: true })', async () => {
  const front = await endpoint(); // where the handlers connect
  const back = await endpoint(); // where the subscriber binds
  const subscriber = new ZeroMQSubscriber(back, { multi: true });
  const proxy = new zmq.Proxy(new zmq.Pull(), new zmq.Push());
  const handlers = Array.from({ length: PRODUCERS }, () => new ZeroMQHandler(front, { multi: true }));
  try {
    await subscriber.open();
    await proxy.frontEnd.bind(front);
    proxy.backEnd.connect(back);
    const running = proxy.run();
    handlers.forEach((handler, producer) => {
      produce(handler, producer, PER_PRODUCER);
    });
    expectAllInOrder(await receive(subscriber, PRODUCERS * PER_PRODUCER));
    for (const handler of handlers) expect(handler.stats.dropped).toBe(0);
    proxy.terminate();
    await running;
  } finally {
    for (const handler of handlers) await handler.close({ timeoutMs: 1000 });
    await subscriber.close();
    stopProxy(proxy);
  }
});

test('PUB fan-in and fan-out: many ZeroMQHandler (PUB) → XSUB | Proxy | XPUB → every ZeroMQSubscriber gets every record', async () => {
  const handlerUris = await Promise.all(Array.from({ length: PRODUCERS }, () => endpoint()));
  const back = await endpoint(); // where the subscribers connect
  const handlers = handlerUris.map((uri) => new ZeroMQHandler(uri));
  // The proxy's XPUB queues for slow subscribers: give it room for a burst (libzmq's default is 1000).
  const proxy = new zmq.Proxy(new zmq.XSubscriber(), new zmq.XPublisher({ sendHighWaterMark: 100_000 }));
  const subscribers = [new ZeroMQSubscriber(back), new ZeroMQSubscriber(back)];
  try {
    for (const handler of handlers) await handler.open(); // each PUB binds its own endpoint
    for (const uri of handlerUris) proxy.frontEnd.connect(uri);
    await proxy.backEnd.bind(back);
    const running = proxy.run();
    // The subscribers' subscriptions travel through the proxy to every handler.
    for (const handler of handlers) await handler.waitForPeers(1, { timeoutMs: 20_000 });
    // The handlers see the proxy, not the subscribers behind it: probe until each subscriber has
    // heard from each handler (from then on, nothing a handler sends misses it).
    for (const subscriber of subscribers) {
      const heard = new Set<number>();
      while (heard.size < PRODUCERS) {
        handlers.forEach((handler, producer) => {
          produce(handler, producer, 1, 'probe');
        });
        const record = await subscriber.recv(200);
        if (record?.channel === 'probe') heard.add(record.extra.producer as number);
      }
    }
    handlers.forEach((handler, producer) => {
      produce(handler, producer, PER_PRODUCER);
    });
    for (const subscriber of subscribers) expectAllInOrder(await receive(subscriber, PRODUCERS * PER_PRODUCER));
    for (const handler of handlers) expect(handler.stats.dropped).toBe(0);
    proxy.terminate();
    await running;
  } finally {
    for (const handler of handlers) await handler.close({ timeoutMs: 1000 });
    for (const subscriber of subscribers) await subscriber.close();
    stopProxy(proxy);
  }
});
