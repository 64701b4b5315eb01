import { Handler, type LogRecord, TestHandler } from '@logq/core';
import { numberedRecord } from '@logq/core/testing';
import { RedisQueueHandler, RedisSubscriber } from '../src/index.js';
import { spawnTs } from './support/child.js';
import { freshKey, redisForThisFile, until } from './helpers.js';

const redis = redisForThisFile();

/** Collects the `extra.seq` of every record it handles. */
class SeqCollector extends Handler {
  readonly seqs: number[] = [];
  emit(record: LogRecord): void {
    this.seqs.push(record.extra.seq as number);
  }
}

async function pendingCount(key: string, group = 'logq'): Promise<number> {
  return (await redis.raw.xPending(key, group)).pending;
}

describe('RedisSubscriber stream mode', () => {
  it('shares the work between several subscribers of one group, each record once, all acknowledged', async () => {
    const key = freshKey('share');
    const handler = new RedisQueueHandler(redis.url, { key, mode: 'stream' });
    const subscribers = [0, 1, 2].map(() => new RedisSubscriber(redis.url, { key, mode: 'stream', batchSize: 50 }));
    const collectors = subscribers.map(() => new SeqCollector());
    const controllers = subscribers.map((s, i) => s.dispatchInBackground(collectors[i]));
    try {
      const n = 3000;
      for (let i = 0; i < n; i++) {
        handler.handle(numberedRecord(i));
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      await handler.flush();
      const total = () => collectors.reduce((sum, c) => sum + c.seqs.length, 0);
      await until(() => total() >= n, `${n} records dispatched`, 60_000);
      const all = collectors.flatMap((c) => c.seqs);
      expect(new Set(all).size).toBe(n);
      expect(all).toHaveLength(n);
      for (const c of collectors) expect(c.seqs.length).toBeGreaterThan(0);
      await until(async () => (await pendingCount(key)) === 0, 'every record acknowledged');
    } finally {
      await Promise.all(controllers.map((c) => c.stop()));
      await Promise.all(subscribers.map((s) => s.close()));
      await handler.close();
      await redis.raw.del(key);
    }
  }, 120_000);

  it('claims and dispatches the records of a subscriber killed mid-batch', async () => {
    const key = freshKey('killed');
    const n = 300;
    const handler = new RedisQueueHandler(redis.url, { key, mode: 'stream' });
    for (let i = 0; i < n; i++) handler.handle(numberedRecord(i));
    await handler.close();
    expect(await redis.raw.xLen(key)).toBe(n);

    // The victim reads a batch of 100, dispatches 30 of them, and is SIGKILLed.
    const victim = spawnTs('victim.ts', [redis.url, key, 'victim', '30']);
    let out = '';
    let err = '';
    victim.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    victim.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      victim.once('exit', (c, s) => resolve([c, s])),
    );
    expect(err).toBe('');
    expect(signal).toBe('SIGKILL');
    void code;
    const victimSeqs = out
      .split('\n')
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
    expect(victimSeqs).toHaveLength(30);
    const consumers = await redis.raw.xInfoConsumers(key, 'logq');
    const victimInfo = consumers.find((c) => c.name === 'victim');
    expect(Number(victimInfo?.pending)).toBeGreaterThanOrEqual(70);

    const survivor = new RedisSubscriber(redis.url, {
      key,
      mode: 'stream',
      consumer: 'survivor',
      minIdleMs: 500,
      claimIntervalMs: 200,
    });
    const target = new TestHandler();
    const controller = survivor.dispatchInBackground(target);
    try {
      const seen = () => new Set([...victimSeqs, ...target.records.map((r) => r.extra.seq as number)]);
      await until(() => seen().size === n, 'every record dispatched by the victim or the survivor', 60_000);
      // The survivor got the victim's undispatched records.
      const victimUndone = new Set(
        target.records.map((r) => r.extra.seq as number).filter((s) => s < 100 && !victimSeqs.includes(s)),
      );
      expect(victimUndone.size).toBeGreaterThanOrEqual(70);
      await until(async () => (await pendingCount(key)) === 0, 'every record acknowledged');
    } finally {
      await controller.stop();
      await survivor.close();
      await redis.raw.del(key);
    }
  }, 120_000);

  it('moves malformed entries to <key>.malformed, counts them, then acknowledges them', async () => {
    const key = freshKey('dlq');
    const dlq = `${key}.malformed`;
    const errors: unknown[] = [];
    const subscriber = new RedisSubscriber(redis.url, { key, mode: 'stream', onError: (e) => errors.push(e) });
    expect(subscriber.malformedKey).toBe(dlq);
    try {
      await redis.raw.xAdd(key, '*', { record: 'not json' });
      await redis.raw.xAdd(key, '*', { other: 'no record field' });
      await redis.raw.xAdd(key, '*', { record: JSON.stringify(numberedRecord(7).toDict()) });
      const record = await subscriber.recv(10_000);
      expect(record?.extra.seq).toBe(7);
      expect(subscriber.stats.malformed).toBe(2);
      expect(errors).toHaveLength(2);
      await until(async () => (await redis.raw.xLen(dlq)) === 2, 'two dead letters');
      const dead = await redis.raw.xRange(dlq, '-', '+');
      expect(dead![0]!.message).toEqual({ record: 'not json', source: key, id: expect.any(String) });
      expect(dead![1]!.message).toEqual({ record: '', source: key, id: expect.any(String) });
      await until(async () => (await pendingCount(key)) === 0, 'malformed entries acknowledged');
    } finally {
      await subscriber.close();
      await redis.raw.del([key, dlq]);
    }
  }, 60_000);

  it('trims the stream with maxLen', async () => {
    const key = freshKey('trim');
    const handler = new RedisQueueHandler(redis.url, { key, mode: 'stream', maxLen: 100 });
    for (let i = 0; i < 2000; i++) handler.handle(numberedRecord(i));
    await handler.close();
    expect(await redis.raw.xLen(key)).toBeLessThan(500);
    await redis.raw.del(key);
  });

  it('a consumer restarted under the same name gets its own pending entries back first', async () => {
    const key = freshKey('again');
    const handler = new RedisQueueHandler(redis.url, { key, mode: 'stream' });
    for (let i = 0; i < 5; i++) handler.handle(numberedRecord(i));
    await handler.close();
    const first = new RedisSubscriber(redis.url, { key, mode: 'stream', consumer: 'same' });
    const delivery = await first.receive(10_000);
    expect(delivery?.record.extra.seq).toBe(0);
    // Closed without acknowledging: the entries it read stay pending for 'same'.
    await first.close();
    const again = new RedisSubscriber(redis.url, { key, mode: 'stream', consumer: 'same' });
    try {
      const seqs: number[] = [];
      for (let i = 0; i < 5; i++) seqs.push((await again.recv(10_000))!.extra.seq as number);
      expect(seqs).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await again.close();
      await redis.raw.del(key);
    }
  }, 60_000);
});
