/**
 * Issue 17: `durable: false` declares a transient queue (the fast mode needs
 * no queue declared beforehand), and `queueType: 'quorum'` a RabbitMQ quorum
 * queue, on which the at-least-once tests pass as on a classic one: the
 * conformance kit, an unacknowledged record redelivered, malformed messages
 * set aside (on the local single-node broker).
 */
import { describeTransportConformance, numberedRecord } from '@logq/core/testing';
import type { UsedService } from '@logq/services';
import { AmqpConfigError, MessageQueueHandler, MessageQueueSubscriber } from '../src/index.js';
import { RawClient, broker, closer, errorSink, freshQueue } from './helpers.js';

let service: UsedService;
let raw: RawClient;
const track = closer();

beforeAll(async () => {
  service = await broker();
  raw = await RawClient.open(service.url);
}, 180_000);

afterEach(() => track.closeAll());

afterAll(async () => {
  await raw?.close();
  await service?.stop();
});

/** Declares `queue` with `options` on a channel of its own; resolves to the broker's refusal, or null. */
async function declareRefusal(
  queue: string,
  options: { durable: boolean; arguments?: Record<string, unknown> },
): Promise<string | null> {
  const channel = await raw.connection.createChannel();
  channel.on('error', () => {});
  try {
    await channel.assertQueue(queue, { autoDelete: false, exclusive: false, ...options });
    await channel.close();
    return null;
  } catch (error) {
    return String(error);
  }
}

describe('durable: false', () => {
  it('declares a transient queue, and records go through it', async () => {
    const queue = freshQueue('logq-transient');
    const handler = track.add(new MessageQueueHandler(service.url, { queue, durable: false, persistent: false }));
    const subscriber = track.add(new MessageQueueSubscriber(service.url, { queue, durable: false }));
    await subscriber.connect();
    for (let i = 0; i < 100; i++) handler.handle(numberedRecord(i));
    await handler.flush();
    for (let i = 0; i < 100; i++) expect((await subscriber.recv(15_000))?.extra['seq']).toBe(i);
    // The broker has it as transient: a durable declaration of the same queue is refused.
    expect(await declareRefusal(queue, { durable: true })).toMatch(/PRECONDITION_FAILED.*durable/);
    expect(await declareRefusal(queue, { durable: false })).toBeNull();
    await handler.close();
    await subscriber.close();
    await raw.remove(queue);
  });

  it('is refused with a quorum queue, and with a URI of another scheme', () => {
    expect(() => new MessageQueueHandler(service.url, { durable: false, queueType: 'quorum' })).toThrow(
      AmqpConfigError,
    );
    expect(() => new MessageQueueSubscriber('memq://h/', { durable: false })).toThrow(/durable applies to amqp/);
  });
});

describe("queueType: 'quorum'", () => {
  it('declares a quorum queue (x-queue-type: quorum)', async () => {
    const queue = freshQueue('logq-quorum');
    const handler = track.add(new MessageQueueHandler(service.url, { queue, queueType: 'quorum' }));
    handler.handle(numberedRecord(1));
    await handler.flush();
    expect(await raw.depth(queue)).toBe(1);
    expect(await declareRefusal(queue, { durable: true })).toMatch(/PRECONDITION_FAILED.*x-queue-type/);
    expect(await declareRefusal(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } })).toBeNull();
    await handler.close();
    await raw.remove(queue);
  });

  it('a record received but not acknowledged comes back to the next subscriber, flagged redelivered', async () => {
    const queue = freshQueue('logq-quorum');
    const handler = track.add(new MessageQueueHandler(service.url, { queue, queueType: 'quorum' }));
    handler.handle(numberedRecord(1));
    handler.handle(numberedRecord(2));
    await handler.flush();
    const first = track.add(new MessageQueueSubscriber(service.url, { queue, queueType: 'quorum' }));
    const delivery = await first.receive(15_000);
    expect(delivery?.record.extra['seq']).toBe(1);
    await first.close(); // without delivery.ack()
    const second = track.add(new MessageQueueSubscriber(service.url, { queue, queueType: 'quorum' }));
    expect((await second.recv(15_000))?.extra['seq']).toBe(1);
    expect((await second.recv(15_000))?.extra['seq']).toBe(2);
    expect(second.stats.redelivered).toBeGreaterThanOrEqual(1);
    expect(await second.recv(200)).toBeNull();
    await raw.remove(queue);
  });

  it('malformed messages are counted and set aside, the next record delivered', async () => {
    const queue = freshQueue('logq-quorum');
    const sink = errorSink();
    const subscriber = track.add(
      new MessageQueueSubscriber(service.url, { queue, queueType: 'quorum', onError: sink.hook }),
    );
    await subscriber.connect();
    await raw.publish(queue, 'not json');
    await raw.publish(queue, JSON.stringify({ channel: 'q', level: 11, msg: 'ok', message: 'ok' }));
    expect((await subscriber.recv(15_000))?.message).toBe('ok');
    expect(subscriber.stats).toMatchObject({ malformed: 1, setAside: 1 });
    expect(await raw.depth(`${queue}.malformed`)).toBe(1);
    await subscriber.close();
    await raw.remove(queue);
    await raw.remove(`${queue}.malformed`);
  });
});

describeTransportConformance('amqp on a quorum queue', {
  createPair: async () => {
    const queue = freshQueue('logq-quorum-conformance');
    const handler = new MessageQueueHandler(service.url, { queue, queueType: 'quorum' });
    const subscriber = new MessageQueueSubscriber(service.url, { queue, queueType: 'quorum' });
    await subscriber.connect();
    return {
      handler,
      subscriber,
      injectRaw: (frame) => raw.publish(queue, frame),
      dispose: async () => {
        await raw.remove(queue);
        await raw.remove(`${queue}.malformed`);
      },
    };
  },
});
