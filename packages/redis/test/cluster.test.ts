import { numberedRecord } from '@logq/core/testing';
import { type RedisCluster, startRedisCluster } from '@logq/services';
import { createCluster } from 'redis';
import { RedisQueueHandler, RedisSubscriber } from '../src/index.js';
import { freshKey } from './helpers.js';

let cluster: RedisCluster;
let client: ReturnType<typeof createCluster>;
beforeAll(async () => {
  cluster = await startRedisCluster();
  client = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
  client.on('error', () => undefined);
  await client.connect();
}, 180_000);
afterAll(async () => {
  await client?.close().catch(() => undefined);
  await cluster?.dispose();
});

describe('a given node-redis cluster client (3 masters, 3 replicas)', () => {
  it.each([
    ['list', 'kombu'],
    ['list', 'logq'],
    ['stream', 'logq'],
  ] as const)('%s mode (%s format) with a hash-tagged key: 2,000 records, in order, each once; the client stays open', async (mode, format) => {
    const key = `{${freshKey(`cluster-${mode}`)}}`;
    const handler = new RedisQueueHandler('redis://unused', { client, key, mode, format });
    const subscriber = new RedisSubscriber('redis://unused', { client, key, mode, format, batchSize: 100 });
    try {
      const n = 2_000;
      for (let i = 0; i < n; i++) handler.handle(numberedRecord(i));
      await handler.flush();
      const seqs: number[] = [];
      while (seqs.length < n) {
        const record = await subscriber.recv(15_000);
        expect(record).not.toBeNull();
        seqs.push(record!.extra.seq as number);
      }
      expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i));
      // The blocking path too: a record logged while the subscriber waits.
      const waiting = subscriber.recv(15_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      handler.handle(numberedRecord(n));
      expect((await waiting)?.extra.seq).toBe(n);
      expect(await subscriber.recv(0)).toBeNull();
    } finally {
      await handler.close();
      await subscriber.close();
    }
    expect(client.isOpen).toBe(true);
    expect(await client.sendCommand(key, false, ['EXISTS', key])).toBeDefined();
    await client.sendCommand(key, false, ['DEL', key, `${key}.malformed`]);
  }, 120_000);

  it('moves an undecodable item to the malformed list in the same slot', async () => {
    const key = `{${freshKey('cluster-bad')}}`;
    const errors: unknown[] = [];
    const subscriber = new RedisSubscriber('redis://unused', { client, key, format: 'logq', onError: (e) => errors.push(e) });
    try {
      await client.sendCommand(key, false, ['RPUSH', key, 'not a record', JSON.stringify(numberedRecord(1).toDict())]);
      expect((await subscriber.recv(10_000))?.extra.seq).toBe(1);
      expect(subscriber.stats.malformed).toBe(1);
      expect(await client.sendCommand(key, false, ['LRANGE', `${key}.malformed`, '0', '-1'])).toEqual(['not a record']);
    } finally {
      await subscriber.close();
      await client.sendCommand(key, false, ['DEL', key, `${key}.malformed`]);
    }
  }, 60_000);
});
