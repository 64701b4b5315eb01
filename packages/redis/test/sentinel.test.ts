import { Handler, type LogRecord } from '@logq/core';
import { numberedRecord } from '@logq/core/testing';
import { type RedisSentinelSetup, startRedisSentinel } from '@logq/services';
import { RedisQueueHandler, RedisSubscriber } from '../src/index.js';
import { freshKey, until } from './helpers.js';

let setup: RedisSentinelSetup;
beforeAll(async () => {
  setup = await startRedisSentinel();
}, 180_000);
afterAll(async () => {
  await setup?.dispose();
});

class Seqs extends Handler {
  readonly seen = new Set<number>();
  emit(record: LogRecord): void {
    this.seen.add(record.extra.seq as number);
  }
}

describe('redis+sentinel:// (1 master, 1 replica, 3 sentinels)', () => {
  it.each(['list', 'stream'] as const)('%s mode: records flow before and after a failover', async (mode) => {
    const key = freshKey(`sentinel-${mode}`);
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    const handler = new RedisQueueHandler(setup.uri, { key, mode, onError, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
    const subscriber = new RedisSubscriber(setup.uri, { key, mode, onError, blockMs: 200 });
    const seqs = new Seqs();
    const controller = subscriber.dispatchInBackground(seqs);
    try {
      for (let i = 0; i < 200; i++) handler.handle(numberedRecord(i));
      await handler.flush();
      await until(() => seqs.seen.size === 200, 'the first 200 records', 30_000);
      await setup.failover();
      for (let i = 200; i < 400; i++) handler.handle(numberedRecord(i));
      await handler.flush();
      // Everything logged after the failover arrives through the new master.
      await until(() => Array.from({ length: 200 }, (_, i) => i + 200).every((s) => seqs.seen.has(s)), 'the 200 records logged after the failover', 60_000);
      expect(String(handler)).not.toContain('undefined');
    } finally {
      await controller.stop();
      await subscriber.close();
      await handler.close({ timeoutMs: 2_000 });
    }
  }, 180_000);
});
