// RabbitMQ for the scale suite: durable queue, persistent messages, publisher confirms on both sides (raw
// amqplib waits for them every 1,000 messages, as logq's batches of 1,000), consumers with prefetch 256.
import { MessageQueueHandler, MessageQueueSubscriber } from '@logq/amqp';
import { PROPERTIES, declare, rawConnection as connection } from './amqp-raw.js';
import { Inbox } from './scale-inbox.js';
import { bufferFor, logqConsumer, logqProducer } from './scale-logq.js';
import { rawJson } from './scale-records.js';
import type { Transport } from './scale-types.js';

const CONFIRM_EVERY = 1000;
const PREFETCH = 256;
export const amqpTransport: Transport = {
  async producer(spec) {
    if (spec.impl === 'logq') {
      return logqProducer(new MessageQueueHandler(spec.url, { queue: spec.key, maxBuffer: bufferFor(spec) }), spec);
    }
    const c = await connection(spec.url);
    const channel = await c.createConfirmChannel();
    await declare(channel, spec.key);
    const pad = 'x'.repeat(spec.pad);
    const publish = (k: number): boolean =>
      channel.publish(spec.key, spec.key, Buffer.from(rawJson(k, pad)), PROPERTIES);
    const drained = () => new Promise((resolve) => channel.once('drain', resolve));
    publish(-1);
    await channel.waitForConfirms();
    return {
      async send(n) {
        for (let i = 0; i < n; i += CONFIRM_EVERY) {
          for (let k = i; k < Math.min(n, i + CONFIRM_EVERY); k++) if (!publish(k)) await drained();
          await channel.waitForConfirms();
        }
      },
      close: async () => c.close(),
    };
  },
  async consumer(spec) {
    if (spec.impl === 'logq') {
      const subscriber = new MessageQueueSubscriber(spec.url, { queue: spec.key, prefetch: PREFETCH });
      await subscriber.connect();
      return logqConsumer(subscriber);
    }
    const c = await connection(spec.url);
    const channel = await c.createChannel();
    await declare(channel, spec.key);
    await channel.prefetch(PREFETCH);
    const inbox = new Inbox();
    await channel.consume(spec.key, (message) => {
      if (!message) return;
      if ((JSON.parse(message.content.toString('utf8')) as { level: number }).level > 0) inbox.add();
      channel.ack(message);
    });
    return { take: (timeoutMs) => inbox.take(timeoutMs), close: async () => c.close() };
  },
  async cleanup(url, key) {
    const c = await connection(url);
    const channel = await c.createChannel();
    await channel.deleteQueue(key);
    await channel.deleteExchange(key);
    await c.close();
  },
};
