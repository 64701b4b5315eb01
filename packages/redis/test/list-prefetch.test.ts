import { encodeRecord } from '@logq/core/transport';
import { numberedRecord } from '@logq/core/testing';
import { RedisSubscriber } from '../src/index.js';
import { freshKey, redisForThisFile, until } from './helpers.js';

const redis = redisForThisFile();

/** A list holding records 0..n-1, head first. */
async function fillList(n: number): Promise<string> {
  const key = freshKey('prefetch');
  const pushes: Promise<number>[] = [];
  for (let i = 0; i < n; i += 128) {
    pushes.push(
      redis.raw.rPush(
        key,
        Array.from({ length: Math.min(128, n - i) }, (_, k) => encodeRecord(numberedRecord(i + k))),
      ),
    );
  }
  await Promise.all(pushes);
  return key;
}

describe('RedisSubscriber list mode, fetching ahead', () => {
  it('never holds more than batchSize records taken from Redis (queued or in flight), and keeps the order', async () => {
    const n = 1_000;
    const batchSize = 100;
    const key = await fillList(n);
    const subscriber = new RedisSubscriber(redis.url, { key, batchSize, format: 'logq' });
    try {
      for (let received = 0; received < 600; ) {
        const record = await subscriber.recv(10_000);
        expect(record?.extra.seq).toBe(received);
        received++;
        // Taken from Redis (LLEN has dropped) and not yet returned by recv: what a crash would lose.
        const held = n - (await redis.raw.lLen(key)) - received;
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
    const subscriber = new RedisSubscriber(redis.url, { key, batchSize, format: 'logq' });
    try {
      // Receive until fewer than half a batch is queued locally: that receive sends the next LPOP.
      let received = 0;
      do {
        expect((await subscriber.recv(10_000))?.extra.seq).toBe(received);
        received++;
      } while (subscriber.buffered >= batchSize / 2);
      // Refilled to batchSize without another receive.
      await until(async () => (await redis.raw.lLen(key)) === n - batchSize - received, 'the LPOP ahead', 10_000);
      await until(() => subscriber.buffered === batchSize, 'its records queued', 10_000);
      // close() puts every record it holds back at the head of the list, in order.
      await subscriber.close();
      const left = (await redis.raw.lRange(key, 0, -1)).map((s: string) => JSON.parse(s).extra.seq as number);
      expect(left).toEqual(Array.from({ length: n - received }, (_, i) => i + received));
    } finally {
      await subscriber.close();
      await redis.raw.del(key);
    }
  }, 60_000);

  it('does not fetch ahead after a short LPOP (the list was drained)', async () => {
    const key = await fillList(30);
    const subscriber = new RedisSubscriber(redis.url, { key, batchSize: 100, format: 'logq' });
    try {
      for (let i = 0; i < 29; i++) expect((await subscriber.recv(10_000))?.extra.seq).toBe(i);
      await redis.raw.rPush(key, encodeRecord(numberedRecord(30)));
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Nobody is waiting and the last LPOP was short: the new record stays in Redis.
      expect(await redis.raw.lLen(key)).toBe(1);
      expect((await subscriber.recv(10_000))?.extra.seq).toBe(29);
      expect((await subscriber.recv(10_000))?.extra.seq).toBe(30);
    } finally {
      await subscriber.close();
      await redis.raw.del(key);
    }
  }, 60_000);
});
