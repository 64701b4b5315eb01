import { Level, LogRecord } from '@logq/core';
import { numberedRecord, waitFor } from '@logq/core/testing';
import type { UsedService } from '@logq/services';
import { AmqpTopologyError, MessageQueueHandler, MessageQueueSubscriber } from '../src/index.js';
import { RawClient, broker, closer, errorSink, freshQueue } from './helpers.js';

let service: UsedService;
let raw: RawClient;

beforeAll(async () => {
  service = await broker();
  raw = await RawClient.open(service.url);
}, 180_000);

const track = closer();
afterEach(() => track.closeAll());

afterAll(async () => {
  await raw?.close();
  await service?.stop();
});

async function send(handler: MessageQueueHandler, records: LogRecord[]): Promise<void> {
  for (const record of records) handler.handle(record);
  await handler.flush();
}

describe('MessageQueueSubscriber', () => {
  it('timed-out recv() calls lose and reorder nothing while records stream in', async () => {
    const queue = freshQueue();
    const handler = track.add(new MessageQueueHandler(service.url, { queue, batchSize: 7 }));
    const subscriber = track.add(new MessageQueueSubscriber(service.url, { queue, prefetch: 16 }));
    const n = 2_000;
    const seen: number[] = [];
    let nulls = 0;
    const receiving = (async () => {
      const deadline = Date.now() + 120_000;
      while (seen.length < n && Date.now() < deadline) {
        const record = await subscriber.recv(seen.length % 3); // 0, 1 and 2 ms: many time out
        if (record === null) nulls++;
        else seen.push(record.extra.seq as number);
      }
    })();
    for (let i = 0; i < n; i++) {
      handler.handle(numberedRecord(i));
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
    }
    await handler.flush();
    await receiving;
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(nulls).toBeGreaterThan(0);
    expect(subscriber.stats.redelivered).toBe(0);
    await handler.close();
    await subscriber.close();
    await raw.remove(queue);
  }, 150_000);

  it('holds at most `prefetch` unacknowledged messages', async () => {
    const queue = freshQueue();
    const handler = track.add(new MessageQueueHandler(service.url, { queue }));
    const subscriber = track.add(new MessageQueueSubscriber(service.url, { queue, prefetch: 10 }));
    await subscriber.connect();
    await send(
      handler,
      Array.from({ length: 100 }, (_, i) => numberedRecord(i)),
    );
    let depth = -1;
    const poll = async () => {
      for (let i = 0; i < 100 && depth !== 90; i++) {
        depth = await raw.depth(queue);
        if (depth !== 90) await new Promise((r) => setTimeout(r, 50));
      }
    };
    await poll();
    expect(depth).toBe(90);
    for (let i = 0; i < 100; i++) expect((await subscriber.recv(15_000))?.extra.seq).toBe(i);
    await handler.close();
    await subscriber.close();
    await raw.remove(queue);
  }, 60_000);

  it('a record received but not acknowledged comes back to the next subscriber, flagged redelivered', async () => {
    const queue = freshQueue();
    const handler = track.add(new MessageQueueHandler(service.url, { queue }));
    await send(handler, [numberedRecord(1), numberedRecord(2)]);
    const first = track.add(new MessageQueueSubscriber(service.url, { queue }));
    const delivery = await first.receive(15_000);
    expect(delivery?.record.extra.seq).toBe(1);
    await first.close(); // without delivery.ack()
    const second = track.add(new MessageQueueSubscriber(service.url, { queue }));
    expect((await second.recv(15_000))?.extra.seq).toBe(1);
    expect((await second.recv(15_000))?.extra.seq).toBe(2);
    expect(second.stats.redelivered).toBeGreaterThanOrEqual(1);
    expect(await second.recv(200)).toBeNull();
    await handler.close();
    await second.close();
    await raw.remove(queue);
  }, 60_000);

  it('counts and rejects messages that are not kombu JSON (content type, encoding, compression)', async () => {
    const queue = freshQueue();
    const sink = errorSink();
    const subscriber = track.add(new MessageQueueSubscriber(service.url, { queue, onError: sink.hook }));
    await subscriber.connect();
    const good = JSON.stringify(new LogRecord({ channel: 'c', level: Level.INFO, msg: 'good' }).toDict());
    await raw.publish(queue, good, { contentType: 'text/plain' });
    await raw.publish(queue, good, { contentType: 'application/x-python-serialize' });
    await raw.publish(queue, good, { contentType: 'application/json', contentEncoding: 'binary' });
    await raw.publish(queue, good, { contentType: 'application/json', headers: { compression: 'application/x-gzip' } });
    await raw.publish(queue, good, {}); // no content type at all: taken as JSON
    await raw.publish(queue, good, { contentType: 'application/json; charset=utf-8', contentEncoding: 'UTF-8' });
    expect((await subscriber.recv(15_000))?.msg).toBe('good');
    expect((await subscriber.recv(15_000))?.msg).toBe('good');
    expect(subscriber.stats.malformed).toBe(4);
    expect(sink.text()).toMatch(/content_type "text\/plain"/);
    expect(sink.text()).toMatch(/compressed/);
    expect(await raw.depth(queue)).toBe(0);
    await subscriber.close();
    await raw.remove(queue);
  }, 60_000);

  it('rejects malformed messages to the dead-letter exchange when one is configured', async () => {
    const queue = freshQueue();
    const dlx = `${queue}-dlx`;
    const dlq = `${queue}-dead`;
    await raw.channel.assertExchange(dlx, 'fanout', { durable: false, autoDelete: false });
    await raw.channel.assertQueue(dlq, { durable: false });
    await raw.channel.bindQueue(dlq, dlx, '');
    const subscriber = track.add(
      new MessageQueueSubscriber(service.url, { queue, deadLetterExchange: dlx, onError: () => {} }),
    );
    const handler = track.add(new MessageQueueHandler(service.url, { queue, deadLetterExchange: dlx }));
    await subscriber.connect();
    await raw.publish(queue, 'not json {');
    await send(handler, [new LogRecord({ channel: 'c', level: Level.INFO, msg: 'after garbage' })]);
    expect((await subscriber.recv(15_000))?.msg).toBe('after garbage');
    expect(subscriber.stats.malformed).toBe(1);
    let dead: Awaited<ReturnType<typeof raw.channel.get>> = false;
    for (let i = 0; i < 100 && dead === false; i++) {
      dead = await raw.channel.get(dlq, { noAck: true });
      if (dead === false) await new Promise((r) => setTimeout(r, 50));
    }
    expect(dead).not.toBe(false);
    if (dead !== false) {
      expect(dead.content.toString()).toBe('not json {');
      expect(dead.properties.headers?.['x-death']?.[0]?.reason).toBe('rejected');
    }
    await handler.close();
    await subscriber.close();
    await raw.remove(queue);
    await raw.channel.deleteQueue(dlq);
    await raw.channel.deleteExchange(dlx);
  }, 60_000);

  it('reports 406 when the queue exists with other arguments, naming the cause', async () => {
    const queue = freshQueue();
    const plain = track.add(new MessageQueueHandler(service.url, { queue }));
    await send(plain, [numberedRecord(1)]);
    await plain.close();
    const sink = errorSink();
    const subscriber = track.add(
      new MessageQueueSubscriber(service.url, {
        queue,
        deadLetterExchange: 'elsewhere',
        onError: sink.hook,
        reconnect: { initialDelayMs: 1000 },
      }),
    );
    await expect(subscriber.connect()).rejects.toBeInstanceOf(AmqpTopologyError);
    expect(sink.text()).toMatch(/PRECONDITION.FAILED/);
    expect(sink.text()).toMatch(/same arguments/);
    await subscriber.close();
    await raw.remove(queue);
  }, 60_000);

  it('recovers when the queue is deleted under it (consumer cancelled): declares it again and goes on', async () => {
    const queue = freshQueue();
    const handler = track.add(new MessageQueueHandler(service.url, { queue }));
    const subscriber = track.add(
      new MessageQueueSubscriber(service.url, {
        queue,
        onError: () => {},
        reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      }),
    );
    await send(handler, [numberedRecord(1)]);
    expect((await subscriber.recv(15_000))?.extra.seq).toBe(1);
    await raw.channel.deleteQueue(queue);
    await waitFor(() => subscriber.stats.connections >= 2, 'the subscriber to consume again', 30_000);
    await send(handler, [numberedRecord(2)]);
    expect((await subscriber.recv(15_000))?.extra.seq).toBe(2);
    await handler.close();
    await subscriber.close();
    await raw.remove(queue);
  }, 60_000);

  it('recv(0) on an empty queue resolves null after one event-loop turn, and a polling loop still gets records', async () => {
    const queue = freshQueue();
    const subscriber = track.add(new MessageQueueSubscriber(service.url, { queue }));
    await subscriber.connect();
    // Count the turns of the event loop (check phases) that pass while recv(0) waits.
    let turns = 0;
    let counting = true;
    const tick = (): void => {
      if (!counting) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    expect(await subscriber.recv(0)).toBeNull();
    counting = false;
    expect(turns).toBe(1);
    // The one turn lets socket reads land: a loop of recv(0) sees a message published meanwhile.
    await raw.publish(
      queue,
      JSON.stringify(new LogRecord({ channel: 'poll', level: Level.INFO, msg: 'polled' }).toDict()),
    );
    let record: LogRecord | null = null;
    const deadline = Date.now() + 15_000;
    while (record === null && Date.now() < deadline) record = await subscriber.recv(0);
    expect(record?.message).toBe('polled');
    await subscriber.close();
    await raw.remove(queue);
  });

  it('close() ends a pending recv() and a dispatch loop at once', async () => {
    const subscriber = track.add(new MessageQueueSubscriber(service.url, { queue: freshQueue() }));
    const pending = subscriber.recv();
    const loop = subscriber.dispatchForever();
    await subscriber.connect();
    const t = Date.now();
    await subscriber.close();
    expect(await pending).toBeNull();
    await loop;
    expect(Date.now() - t).toBeLessThan(5_000);
    await expect(subscriber.connect()).rejects.toThrow(/closed/);
    await raw.remove(subscriber.queue);
  });
});
