import { Handler, type LogRecord } from '@logq/core';
import { numberedRecord } from '@logq/core/testing';
import { type RedisCluster, startRedisCluster } from '@logq/services';
import { createClient, createCluster } from 'redis';
import { RedisQueueHandler, RedisSubscriber } from '../src/index.js';
import { freshKey, until } from './helpers.js';

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

class Counter extends Handler {
  readonly seen = new Map<number, number>();
  emit(record: LogRecord): void {
    const seq = record.extra.seq as number;
    this.seen.set(seq, (this.seen.get(seq) ?? 0) + 1);
  }
}

/** The port of the master that holds `key` (the node a write for it goes to). */
async function masterPortOf(key: string): Promise<number> {
  const nodes = String(await client.sendCommand(key, false, ['CLUSTER', 'NODES']));
  const line = nodes.split('\n').find((l) => l.split(' ')[2]?.split(',').includes('myself'))!;
  return Number(/:(\d+)@/.exec(line)![1]);
}

async function clusterHealthy(): Promise<boolean> {
  for (const node of cluster.nodes) {
    const probe = createClient({ url: node.url, socket: { reconnectStrategy: false } });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      const info = String(await probe.sendCommand(['CLUSTER', 'INFO']));
      if (!info.includes('cluster_state:ok')) return false;
    } catch {
      return false;
    } finally {
      probe.destroy();
    }
  }
  return true;
}

describe('a failover of the master that holds the key', () => {
  it.each([
    ['stream', 0],
    ['list', 100],
  ] as const)('%s mode: 2,000 records across it, losing at most %i (handler WAITs for 1 replica)', async (mode, bound) => {
    const key = `{${freshKey(`failover-${mode}`)}}`;
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    const handler = new RedisQueueHandler('redis://unused', { client, key, mode, format: 'logq', waitReplicas: 1, waitTimeoutMs: 1_000, onError, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
    const subscriber = new RedisSubscriber('redis://unused', { client, key, mode, format: 'logq', batchSize: 100, blockMs: 200, minIdleMs: 3_000, claimIntervalMs: 500, onError });
    const counter = new Counter();
    const controller = subscriber.dispatchInBackground(counter);
    const victimPort = await masterPortOf(key);
    const victim = cluster.nodes.find((n) => n.port === victimPort)!;
    let recovered: Promise<void> = Promise.resolve();
    try {
      const n = 2_000;
      for (let i = 0; i < n; i++) {
        handler.handle(numberedRecord(i));
        if (i === 1_000) {
          await victim.stop();
          // Its replica takes over after cluster-node-timeout; the old master comes back later as a replica (WAIT 1 needs one).
          recovered = new Promise((r) => setTimeout(r, 5_000)).then(() => victim.start());
        }
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 10));
      }
      let timer: NodeJS.Timeout | undefined;
      const flushed = await Promise.race([handler.flush().then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), 90_000)))]);
      clearTimeout(timer);
      if (!flushed) process.stdout.write(`not flushed: ${handler.stats.sent} sent; errors: ${errors.slice(-3).map(String).join(' | ')}\n`);
      expect(flushed).toBe(true);
      await until(() => counter.seen.size === n, 'every record', 60_000).catch(() => undefined);
      const lost = n - counter.seen.size;
      let duplicates = 0;
      for (const c of counter.seen.values()) duplicates += c - 1;
      process.stdout.write(`cluster failover, ${mode} mode: lost ${lost}, duplicates ${duplicates}, errors reported ${errors.length}\n`);
      expect(lost).toBeLessThanOrEqual(bound);
    } finally {
      await controller.stop();
      await subscriber.close();
      await handler.close({ timeoutMs: 2_000 });
      await recovered;
      await victim.start();
      await until(clusterHealthy, 'the cluster healthy again', 60_000);
    }
  }, 240_000);
});
