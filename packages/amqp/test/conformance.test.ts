import { describeTransportConformance } from '@logq/core/testing';
import type { UsedService } from '@logq/services';
import { MessageQueueHandler, MessageQueueSubscriber } from '../src/index.js';
import { RawClient, broker, freshQueue } from './helpers.js';

let service: UsedService;
let raw: RawClient;

beforeAll(async () => {
  service = await broker();
  raw = await RawClient.open(service.url);
}, 180_000);

afterAll(async () => {
  await raw?.close();
  await service?.stop();
});

describeTransportConformance('amqp (RabbitMQ)', {
  createPair: async () => {
    const queue = freshQueue('logq-conformance');
    const handler = new MessageQueueHandler(service.url, { queue });
    const subscriber = new MessageQueueSubscriber(service.url, { queue });
    await subscriber.connect();
    return {
      handler,
      subscriber,
      injectRaw: (frame) => raw.publish(queue, frame),
      dispose: () => raw.remove(queue),
    };
  },
});
