import { encodeRecord } from '@logq/core/transport';
import { garbageFrames, numberedRecord } from '@logq/core/testing';
import { runNodeSnippet } from '@logq/services';
import { join } from 'node:path';
import { RedisSubscriber } from '../src/index.js';
import { freshKey, redisForThisFile } from './helpers.js';

const redis = redisForThisFile();
const cwd = join(__dirname, '..');

describe('hostile input into a list subscriber', () => {
  it.each([
    ['list', 'kombu'],
    ['list', 'logq'],
    ['stream', 'logq'],
  ] as const)(
    '%s mode, %s format: 40 items of 10 MiB are each rejected, counted and moved aside, with RSS growth under 200 MB',
    async (mode, format) => {
      const key = freshKey(`huge-${mode}-${format}`);
      const huge = Buffer.alloc(10 * 1024 * 1024, 0x61);
      const valid = encodeRecord(numberedRecord(99));
      if (mode === 'stream') {
        for (let i = 0; i < 40; i++) await redis.raw.xAdd(key, '*', { record: huge });
        await redis.raw.xAdd(key, '*', { record: valid });
      } else {
        const { kombuEnvelope } = await import('../src/index.js');
        // kombu consumers take from the tail (LPUSH producers): the valid one goes in last either way.
        const push =
          format === 'kombu'
            ? (v: Buffer | string) => redis.raw.lPush(key, v)
            : (v: Buffer | string) => redis.raw.rPush(key, v);
        for (let i = 0; i < 40; i++) await push(huge);
        await push(format === 'kombu' ? kombuEnvelope(valid, key, key, 'base64') : valid);
      }
      // In a child, so that only the subscriber's memory is measured.
      const code = `
import { RedisSubscriber } from '@logq/redis';
const subscriber = new RedisSubscriber(${JSON.stringify(redis.url)}, { key: ${JSON.stringify(key)}, mode: ${JSON.stringify(mode)}, format: ${JSON.stringify(format)}, onError: () => undefined });
const base = process.memoryUsage.rss();
let peak = base;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 5);
const record = await subscriber.recv(60_000);
peak = Math.max(peak, process.memoryUsage.rss());
clearInterval(sampler);
await subscriber.close();
process.stdout.write(JSON.stringify({ seq: record?.extra.seq ?? null, malformed: subscriber.stats.malformed, received: subscriber.stats.received, growth: peak - base }) + '\\n');
`;
      const result = await runNodeSnippet(code, { cwd, timeoutMs: 90_000 });
      expect(result.stderr).toBe('');
      const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
        seq: number | null;
        malformed: number;
        received: number;
        growth: number;
      };
      process.stdout.write(`${mode}/${format}: RSS growth ${(out.growth / 1e6).toFixed(1)} MB for 40 x 10 MiB items\n`);
      expect(out.seq).toBe(99);
      expect(out.malformed).toBe(40);
      expect(out.received).toBe(41);
      expect(out.growth).toBeLessThan(200 * 1024 * 1024);
      // Nothing destroyed: the 40 are in <key>.malformed (a list, or a stream in stream mode).
      expect(
        mode === 'stream' ? await redis.raw.xLen(`${key}.malformed`) : await redis.raw.lLen(`${key}.malformed`),
      ).toBe(40);
      if (mode === 'stream') expect((await redis.raw.xPending(key, 'logq')).pending).toBe(0);
      else expect(await redis.raw.lLen(key)).toBe(0);
      await redis.raw.del([key, `${key}.malformed`]);
    },
    180_000,
  );

  it('seeded fuzz: 20,000 garbage frames (some of 10 MiB) are counted and moved aside, and the next valid record is delivered', async () => {
    const key = freshKey('fuzz');
    const frames = Array.from(garbageFrames({ seed: 20261206, count: 20_000, hugeEvery: 5_000 }));
    for (let i = 0; i < frames.length; i += 500) {
      await redis.raw.rPush(
        key,
        frames.slice(i, i + 500).map((f) => f.data),
      );
    }
    await redis.raw.rPush(key, encodeRecord(numberedRecord(12_345)));
    const errors: unknown[] = [];
    const subscriber = new RedisSubscriber(redis.url, { key, format: 'logq', onError: (e) => errors.push(e) });
    try {
      // Garbage that happens to be a valid record (e.g. extra keys) is delivered: count it, and go on to the sentinel.
      let delivered = 0;
      for (;;) {
        const record = await subscriber.recv(120_000);
        expect(record).not.toBeNull();
        if (record!.extra.seq === 12_345) break;
        delivered++;
      }
      expect(subscriber.stats.malformed + delivered).toBe(frames.length);
      expect(subscriber.stats.received).toBe(frames.length + 1);
      expect(errors).toHaveLength(subscriber.stats.malformed);
      expect(await redis.raw.lLen(`${key}.malformed`)).toBe(subscriber.stats.malformed);
      expect(frames.filter((f) => f.kind === 'huge').length).toBeGreaterThan(0);
    } finally {
      await subscriber.close();
      await redis.raw.del([key, `${key}.malformed`]);
    }
  }, 240_000);
});
