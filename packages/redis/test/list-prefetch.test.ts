import { encodeRecord } from '@logq/core';
import { numberedRecord } from '@logq/core/testing';
import type { Redis } from 'ioredis';
import { RedisSubscriber } from '../src/index.js';
import { freshKey, redisForThisFile, until } from './helpers.js';

const redis = redisForThisFile();

/** A list holding records 0..n-1, head first. */
async function fillList(n: number): Promise<string> {
  const key = freshKey('prefetch');
  const pipeline = redis.raw.pipeline();
  for (let i = 0; i < n; i += 128) {
    pipeline.rpush(key, ...Array.from({ length: Math.min(128, n - i) }, (_, k) => encodeRecord(numberedRecord(i + k))));
  }
  await pipeline.exec();
  return key;
}

describe('RedisSubscriber list mode, fetching ahead', () => {
  it('never holds more than batchSize records taken from Redis (queued or in flight), and keeps the order', async () => {
    const n = 1_000;
    const batchSize = 100;
    const key = await fillList(n);
    const subscriber = new RedisSubscriber(redis.url, { key, batchSize });
    try {
      for (let received = 0; received < 600; ) {
        const record = await subscriber.recv(10_000);
        expect(record?.extra.seq).toBe(received);
        received++;
        // Taken from Redis (LLEN has dropped) and not yet returned by recv: what a crash would lose.
        const held = n - (await redis.raw.llen(key)) - received;
        expect(held).toBeLessThanOrEqual(batchSize);
      }
    } finally {
      await subscriber.close();
      await redis.raw.del(key);
    }
  }, 60_000);

  it('takes the next LPOP once half of a full batch was received, without waiting for a receive', async () => {
    const n = 1_000;
    const batchSize = 100;
    const key = await fillList(n);
    const subscriber = new RedisSubscriber(redis.url, { key, batchSize });
    try {
      for (let i = 0; i <= batchSize / 2; i++) expect((await subscriber.recv(10_000))?.extra.seq).toBe(i);
      // 51 received, 49 queued: the other 51 of batchSize are fetched ahead.
      await until(async () => (await redis.raw.llen(key)) === n - batchSize - (batchSize / 2 + 1), 'the LPOP ahead', 10_000);
      await until(() => subscriber.buffered === batchSize, 'its records queued', 10_000);
      // close() puts every record it holds back at the head of the list, in order.
      await subscriber.close();
      const left = (await redis.raw.lrange(key, 0, -1)).map((s) => JSON.parse(s).extra.seq as number);
      expect(left).toEqual(Array.from({ length: n - (batchSize / 2 + 1) }, (_, i) => i + batchSize / 2 + 1));
    } finally {
      await subscriber.close();
      await redis.raw.del(key);
    }
  }, 60_000);

  it('does not fetch ahead after a short LPOP (the list was drained)', async () => {
    const key = await fillList(30);
    const subscriber = new RedisSubscriber(redis.url, { key, batchSize: 100 });
    try {
      for (let i = 0; i < 29; i++) expect((await subscriber.recv(10_000))?.extra.seq).toBe(i);
      await redis.raw.rpush(key, encodeRecord(numberedRecord(30)));
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Nobody is waiting and the last LPOP was short: the new record stays in Redis.
      expect(await redis.raw.llen(key)).toBe(1);
      expect((await subscriber.recv(10_000))?.extra.seq).toBe(29);
      expect((await subscriber.recv(10_000))?.extra.seq).toBe(30);
    } finally {
      await subscriber.close();
      await redis.raw.del(key);
    }
  }, 60_000);
});
