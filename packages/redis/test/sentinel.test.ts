import { createHandler, createSubscriber } from '@logq/core';
import { numberedRecord } from '@logq/core/testing';
import { type RedisSentinelSetup, startRedisSentinel } from '@logq/services';
import { randomBytes } from 'node:crypto';
import {
  RedisOptionsError,
  RedisQueueHandler,
  RedisSubscriber,
  type RedisQueueMode,
  parseSentinelUri,
} from '../src/index.js';
import { type QueuePair, SeqCollector, runThroughFailover } from './failover-run.js';
import { until } from './helpers.js';

jest.setTimeout(180_000);

describe('parseSentinelUri', () => {
  it('reads sentinels, master name, credentials and database', () => {
    expect(parseSentinelUri('redis+sentinel://u:p%40ss@10.0.0.1:26380,[::1],sentinel.local:5000/mymaster/2')).toEqual({
      name: 'mymaster',
      sentinelRootNodes: [
        { host: '10.0.0.1', port: 26380 },
        { host: '::1', port: 26379 },
        { host: 'sentinel.local', port: 5000 },
      ],
      username: 'u',
      password: 'p@ss',
      database: 2,
    });
    expect(parseSentinelUri('redis+sentinel://:secret@h:1/m')).toEqual({
      name: 'm',
      sentinelRootNodes: [{ host: 'h', port: 1 }],
      password: 'secret',
    });
  });

  it('rejects a URI without a master name, never showing the password', () => {
    let error: unknown;
    try {
      parseSentinelUri('redis+sentinel://:hunter2@h:1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RedisOptionsError);
    expect(String(error)).not.toContain('hunter2');
    expect(
      () => new RedisQueueHandler('redis+sentinel://h:1/m', { cluster: { rootNodes: [{ url: 'redis://h:2' }] } }),
    ).toThrow(/not both/);
  });
});

describe('RedisQueueHandler and RedisSubscriber through Redis Sentinel', () => {
  let setup: RedisSentinelSetup;
  beforeAll(async () => {
    setup = await startRedisSentinel({ masterName: 'logq-master' });
  }, 120_000);
  afterAll(async () => {
    await setup?.stop();
  });

  it.each<[RedisQueueMode]>([['list'], ['stream']])(
    'delivers every record in order in %s mode, from a redis+sentinel:// URI',
    async (mode) => {
      const key = `lq-${randomBytes(4).toString('hex')}`;
      const handler = new RedisQueueHandler(setup.url, { key, mode });
      const subscriber = new RedisSubscriber(setup.url, { key, mode });
      expect(handler.uri).toBe(setup.url);
      expect(String(handler)).toBe(`RedisQueueHandler(${setup.url}, ${key})`);
      const collector = new SeqCollector();
      const controller = subscriber.dispatchInBackground(collector);
      try {
        const n = 300;
        for (let i = 0; i < n; i++) handler.handle(numberedRecord(i));
        await handler.flush();
        expect(handler.stats.sent).toBe(n);
        await until(() => collector.seqs.length >= n, `${n} records`, 60_000);
        expect(collector.seqs).toEqual(Array.from({ length: n }, (_, i) => i));
      } finally {
        await controller.stop();
        await subscriber.close();
        await handler.close();
      }
    },
  );

  it("core's createHandler/createSubscriber take redis+sentinel:// URIs (sentinel options as an object work too)", async () => {
    const queue = `lq-${randomBytes(4).toString('hex')}`;
    const handler = await createHandler(setup.url, { queue });
    const subscriber = new RedisSubscriber(undefined, {
      queue,
      sentinel: { name: setup.masterName, sentinelRootNodes: [...setup.sentinelRootNodes] },
    });
    try {
      expect(handler).toBeInstanceOf(RedisQueueHandler);
      expect(await createSubscriber(setup.url, { queue }).then(async (s) => (await s.close(), s))).toBeInstanceOf(
        RedisSubscriber,
      );
      handler.handle(numberedRecord(7));
      await (handler as RedisQueueHandler).flush();
      const record = await subscriber.recv(20_000);
      expect(record?.extra.seq).toBe(7);
    } finally {
      await subscriber.close();
      await handler.close();
    }
  });

  it('through a failover (master killed, the sentinels promote the replica): stream mode loses nothing, list mode counts its losses', async () => {
    const master = await setup.currentMaster();
    const pair = (mode: RedisQueueMode, lossless: boolean): QueuePair => {
      const errors: unknown[] = [];
      const onError = (e: unknown) => errors.push(e);
      const key = `lq-${randomBytes(4).toString('hex')}-${mode}`;
      return {
        name: mode,
        lossless,
        errors,
        handler: new RedisQueueHandler(setup.url, {
          key,
          mode,
          onError,
          reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
          maxBuffer: 100_000,
        }),
        subscriber: new RedisSubscriber(setup.url, {
          key,
          mode,
          onError,
          batchSize: 64,
          minIdleMs: 2_000,
          claimIntervalMs: 500,
        }),
      };
    };
    const pairs = [pair('stream', true), pair('list', false)];
    let promoted: string | undefined;
    try {
      const counts = await runThroughFailover(pairs, async () => {
        const { from, to } = await setup.failover({ mode: 'kill' });
        expect(from).toBe(master);
        promoted = to.url;
      });
      console.log(`sentinel failover ${master.url} -> ${promoted}: ${JSON.stringify(counts)}`);
      const [stream, list] = counts as [(typeof counts)[0], (typeof counts)[0]];
      expect(stream.lost).toBe(0);
      expect(stream.unique).toBe(stream.produced);
      for (const c of counts) expect(c.sent + c.dropped).toBe(c.produced + 1);
      expect(list.lost).toBeLessThan(list.produced / 2);
      expect((await setup.currentMaster()).url).toBe(promoted);
    } finally {
      for (const p of pairs) {
        await p.subscriber.close();
        await p.handler.close();
      }
    }
  });
});
