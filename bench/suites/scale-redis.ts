// Redis list and Streams for the scale suite, raw node-redis beside RedisQueueHandler / RedisSubscriber,
// with the redis suite's shapes: pipelines of 1,024 records (RPUSH of 128 values, or one XADD each), one in
// flight; consumers LPOP 1,000 (BLPOP when empty) or XREADGROUP COUNT 1,000 + XACK in one consumer group.
import { RedisQueueHandler, RedisSubscriber } from '@logq/redis';
import { type RedisClientType, createClient } from 'redis';
import { bufferFor, logqConsumer, logqProducer } from './scale-logq.js';
import { rawJson } from './scale-records.js';
import type { Consumer, Producer, Spec, Transport } from './scale-types.js';

export const PIPELINE = 1024;
export const PUSH_CHUNK = 128;
export const POP = 1000;

async function client(url: string): Promise<RedisClientType> {
  const c = createClient({ url }) as RedisClientType;
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

const parsed = (text: string): number => ((JSON.parse(text) as { msg: string }).msg ? 1 : 0);

async function rawProducer(spec: Spec, mode: 'list' | 'stream'): Promise<Producer> {
  const c = await client(spec.url);
  const pad = 'x'.repeat(spec.pad);
  const add = (values: string[]): Promise<unknown> =>
    mode === 'list' ? c.rPush(spec.key, values) : c.xAdd(spec.key, '*', { record: values[0]! });
  await add([rawJson(-1, pad)]);
  return {
    async send(n) {
      for (let i = 0; i < n; i += PIPELINE) {
        // Commands issued in one tick go out as one pipeline; it is awaited before the next.
        const replies: Promise<unknown>[] = [];
        const end = Math.min(n, i + PIPELINE);
        const step = mode === 'list' ? PUSH_CHUNK : 1;
        for (let j = i; j < end; j += step) {
          const values: string[] = [];
          for (let k = j; k < Math.min(end, j + step); k++) values.push(rawJson(k, pad));
          replies.push(add(values));
        }
        await Promise.all(replies);
      }
    },
    close: async () => c.destroy(),
  };
}

async function rawConsumer(spec: Spec, mode: 'list' | 'stream'): Promise<Consumer> {
  const c = await client(spec.url);
  if (mode === 'stream') {
    await c.xGroupCreate(spec.key, 'raw', '0', { MKSTREAM: true }).catch(() => undefined);
    return {
      async take(timeoutMs) {
        const reply = (await c.xReadGroup(
          'raw',
          `c${spec.index}`,
          { key: spec.key, id: '>' },
          { COUNT: POP, BLOCK: timeoutMs },
        )) as { messages: { id: string; message: Record<string, string> }[] }[] | null;
        const entries = reply?.[0]?.messages ?? [];
        let count = 0;
        for (const { message } of entries) count += parsed(message.record!);
        if (entries.length > 0)
          void c.xAck(
            spec.key,
            'raw',
            entries.map((e) => e.id),
          );
        return count;
      },
      close: async () => {
        await c.ping();
        c.destroy();
      },
    };
  }
  const blocker = c.duplicate();
  blocker.on('error', () => undefined);
  await blocker.connect();
  return {
    async take(timeoutMs) {
      const items = await c.lPopCount(spec.key, POP);
      if (items && items.length > 0) return items.reduce((sum, item) => sum + parsed(item), 0);
      const one = await blocker.blPop(spec.key, timeoutMs / 1000);
      return one ? parsed(one.element) : 0;
    },
    close: async () => {
      c.destroy();
      blocker.destroy();
    },
  };
}

function redisTransport(mode: 'list' | 'stream'): Transport {
  return {
    async producer(spec) {
      if (spec.impl === 'raw') return rawProducer(spec, mode);
      const handler = new RedisQueueHandler(spec.url, {
        key: spec.key,
        mode,
        format: 'logq',
        maxBuffer: bufferFor(spec),
        batchSize: PIPELINE,
        pushChunk: PUSH_CHUNK,
      });
      return logqProducer(handler, spec);
    },
    async consumer(spec) {
      if (spec.impl === 'raw') return rawConsumer(spec, mode);
      const subscriber = new RedisSubscriber(spec.url, { key: spec.key, mode, format: 'logq', batchSize: POP });
      return logqConsumer(subscriber, (await subscriber.recv(0)) ? 1 : 0);
    },
    async cleanup(url, key) {
      const c = await client(url);
      await c.del(key);
      c.destroy();
    },
  };
}

export const redisListTransport = redisTransport('list');
export const redisStreamTransport = redisTransport('stream');
