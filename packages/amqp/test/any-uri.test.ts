/**
 * MessageQueueHandler / MessageQueueSubscriber with a URI of another scheme:
 * delegation through core's resolver, shown with a third-party scheme
 * registered here on core's in-memory transport. (redis:// and mongodb://
 * against real servers and real Logbook: any-uri-logbook.test.ts.)
 */
import { inspect } from 'node:util';
import { Level, LogRecord, Logger, TestHandler, TransportNotFoundError, shutdown } from '@logq/core';
import { registerTransport, type TransportOptions } from '@logq/core/transport';
import {
  MemoryBroker,
  MemoryQueueHandler,
  MemorySubscriber,
  describeTransportConformance,
  numberedRecord,
  waitFor,
} from '@logq/core/testing';
import { AmqpConfigError, MessageQueueHandler, MessageQueueSubscriber } from '../src/index.js';
import { errorSink } from './helpers.js';

const memory = new MemoryBroker();
const made: { kind: 'handler' | 'subscriber'; uri: string; options: TransportOptions }[] = [];

registerTransport(['memq'], {
  packageName: 'memq-for-tests',
  createHandler: (uri, options) => {
    made.push({ kind: 'handler', uri, options });
    return new MemoryQueueHandler(memory, options);
  },
  createSubscriber: (uri, options) => {
    made.push({ kind: 'subscriber', uri, options });
    return new MemorySubscriber(memory, options);
  },
});

let queueSeq = 0;
const freshMemQueue = (): string => `memq-${++queueSeq}`;

describeTransportConformance('a third-party scheme through MessageQueueHandler / MessageQueueSubscriber', {
  createPair: async () => {
    const queue = freshMemQueue();
    const handler = new MessageQueueHandler('memq://somewhere/', { queue });
    const subscriber = new MessageQueueSubscriber('memq://somewhere/', { queue });
    return { handler, subscriber, injectRaw: async (frame) => memory.publish(queue, [frame]) };
  },
});

describe('delegation to the transport of another scheme', () => {
  it('hands the URI and { queue } to the registered factory (queue defaults to Logbook\'s "logging")', async () => {
    made.length = 0;
    const handler = new MessageQueueHandler('memq://host:1/x', { queue: 'custom', maxBuffer: 7 });
    const subscriber = new MessageQueueSubscriber('memq://host:1/x');
    await handler.flush();
    await subscriber.connect();
    expect(made.map((m) => [m.kind, m.uri, m.options['queue'], m.options['maxBuffer']])).toEqual([
      ['handler', 'memq://host:1/x', 'custom', 7],
      ['subscriber', 'memq://host:1/x', 'logging', undefined],
    ]);
    expect(handler.delegate).toBeInstanceOf(MemoryQueueHandler);
    expect(subscriber.delegate).toBeInstanceOf(MemorySubscriber);
    expect(handler.queue).toBe('custom');
    expect(subscriber.queue).toBe('logging');
    await handler.close();
    await subscriber.close();
  });

  it('a log call never waits: records logged before the transport exists are buffered, then delivered in order', async () => {
    const queue = freshMemQueue();
    const handler = new MessageQueueHandler('memq://h/', { queue });
    const log = new Logger('early');
    handler.applicationBound(() => {
      for (let i = 0; i < 5; i++) log.info('early {0}', i);
    });
    // Resolution is asynchronous: nothing has reached the transport yet.
    expect(handler.delegate).toBeNull();
    expect(handler.stats.buffered).toBe(5);
    const subscriber = new MessageQueueSubscriber('memq://h/', { queue });
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push((await subscriber.recv(5000))!.message);
    expect(got).toEqual(['early 0', 'early 1', 'early 2', 'early 3', 'early 4']);
    expect(await subscriber.recv(0)).toBeNull();
    await handler.flush();
    expect(handler.stats).toMatchObject({ sent: 5, buffered: 0, dropped: 0, errors: 0 });
    expect(subscriber.stats).toMatchObject({ received: 5, malformed: 0 });
    expect(await handler.close()).toEqual({ flushed: true, sent: 5, dropped: 0 });
    await subscriber.close();
  });

  it('the buffer before resolution is bounded by maxBuffer; what it drops is counted (drop-newest and drop-oldest)', async () => {
    for (const overflow of ['drop-newest', 'drop-oldest'] as const) {
      const queue = freshMemQueue();
      const handler = new MessageQueueHandler('memq://h/', { queue, maxBuffer: 3, overflow });
      for (let i = 0; i < 5; i++) handler.handle(numberedRecord(i));
      expect(handler.stats.dropped).toBe(2);
      expect(handler.stats.buffered).toBe(3);
      await handler.flush();
      const subscriber = new MessageQueueSubscriber('memq://h/', { queue });
      const seqs: unknown[] = [];
      for (let i = 0; i < 3; i++) seqs.push((await subscriber.recv(5000))!.extra['seq']);
      expect(seqs).toEqual(overflow === 'drop-newest' ? [0, 1, 2] : [2, 3, 4]);
      expect(await handler.close()).toEqual({ flushed: true, sent: 3, dropped: 2 });
      await subscriber.close();
    }
  });

  it('dispatches and acknowledges through the transport (dispatchOnce, dispatchInBackground)', async () => {
    const queue = freshMemQueue();
    const handler = new MessageQueueHandler('memq://h/', { queue });
    const subscriber = new MessageQueueSubscriber('memq://h/', { queue });
    for (let i = 0; i < 10; i++) handler.handle(numberedRecord(i));
    const sink = new TestHandler();
    expect(await sink.applicationBound(() => subscriber.dispatchOnce(5000))).toBe(true);
    const controller = subscriber.dispatchInBackground(sink);
    await waitFor(() => sink.records.length === 10, 'ten records dispatched');
    await controller.stop();
    expect(sink.records.map((r) => r.extra['seq'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(subscriber.stats).toMatchObject({ received: 10, dispatched: 10 });
    await handler.close();
    await subscriber.close();
  });

  it('close() before the transport exists still delivers what was logged', async () => {
    const queue = freshMemQueue();
    const handler = new MessageQueueHandler('memq://h/', { queue });
    for (let i = 0; i < 4; i++) handler.handle(numberedRecord(i));
    expect(await handler.close({ timeoutMs: 5000 })).toEqual({ flushed: true, sent: 4, dropped: 0 });
    expect(memory.queue(queue).length).toBe(4);
    // Closed: further records are dropped, counted and reported.
    const sink = errorSink();
    handler.onError = sink.hook;
    handler.handle(numberedRecord(99));
    expect(handler.stats.dropped).toBe(1);
    expect(sink.text()).toMatch(/closed/);
  });

  it('core shutdown() closes it and its transport', async () => {
    const queue = freshMemQueue();
    const handler = new MessageQueueHandler('memq://h/', { queue });
    for (let i = 0; i < 3; i++) handler.handle(numberedRecord(i));
    await shutdown({ timeoutMs: 5000 });
    expect(memory.queue(queue).length).toBe(3);
    expect(await handler.close()).toEqual({ flushed: true, sent: 3, dropped: 0 });
  });
});

describe('a scheme no installed package handles', () => {
  it("the handler reports core's TransportNotFoundError on the log path, counts every record, and flush() rejects with it", async () => {
    const sink = errorSink();
    const handler = new MessageQueueHandler('nosuch://user:pw-S3cret@host/', { onError: sink.hook });
    handler.handle(numberedRecord(1));
    handler.handle(numberedRecord(2));
    await expect(handler.flush()).rejects.toThrow(TransportNotFoundError);
    await expect(handler.flush()).rejects.toThrow(/registerTransport/);
    expect(handler.stats.dropped).toBe(2);
    handler.handle(numberedRecord(3)); // after the failure: at once
    expect(handler.stats.dropped).toBe(3);
    expect(sink.errors).toHaveLength(3);
    expect(sink.errors.every((e) => e instanceof TransportNotFoundError)).toBe(true);
    expect(handler.stats.errors).toBe(3);
    expect(await handler.close()).toEqual({ flushed: false, sent: 0, dropped: 3 });
    expect(sink.text()).not.toContain('pw-S3cret');
  });

  it("the subscriber's recv rejects with it (recv(0) too)", async () => {
    const subscriber = new MessageQueueSubscriber('nosuch://h/');
    await expect(subscriber.recv(0)).rejects.toThrow(TransportNotFoundError);
    await expect(subscriber.recv()).rejects.toThrow(/no logq transport handles "nosuch:\/\/"/);
    await subscriber.close();
    expect(await subscriber.recv()).toBeNull();
  });
});

describe('options and secrets with another scheme', () => {
  it('refuses AMQP-only options and strings that are not URIs, at construction', () => {
    expect(() => new MessageQueueHandler('memq://h/', { deadLetterExchange: 'dlx' })).toThrow(AmqpConfigError);
    expect(() => new MessageQueueHandler('memq://h/', { tls: {} })).toThrow(
      /tls applies to amqp:\/\/ and amqps:\/\/ URIs only/,
    );
    expect(() => new MessageQueueSubscriber('memq://h/', { prefetch: 5 })).toThrow(AmqpConfigError);
    expect(() => new MessageQueueHandler('/var/run/rabbitmq.sock')).toThrow(AmqpConfigError);
    expect(() => new MessageQueueSubscriber('no uri at all')).toThrow(/needs a URI such as/);
    expect(() => new MessageQueueHandler('memq://h/', { queue: '' })).toThrow(AmqpConfigError);
  });

  it("never shows the URI's password", async () => {
    const secret = 'Pa55-w0rd-memq';
    const uri = `memq://user:${secret}@host:1/`;
    const handler = new MessageQueueHandler(uri, { queue: freshMemQueue() });
    const subscriber = new MessageQueueSubscriber(uri, { queue: 'other' });
    handler.handle(new LogRecord({ channel: 'c', level: Level.INFO, msg: 'm' }));
    await handler.flush();
    await subscriber.connect();
    for (const thing of [handler, subscriber, handler.stats, subscriber.stats]) {
      expect(inspect(thing, { depth: Infinity, showHidden: true })).not.toContain(secret);
      expect(JSON.stringify(thing)).not.toContain(secret);
      expect(String(thing)).not.toContain(secret);
    }
    expect(handler.url).toBe('memq://user:***@host:1/');
    await handler.close();
    await subscriber.close();
  });
});
