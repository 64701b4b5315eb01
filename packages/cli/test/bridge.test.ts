import { Handler, kw, Logger, type LogRecord } from '@logq/core';
import { StreamChannelSubscriber } from '@logq/process';
import { RedisQueueHandler, RedisSubscriber } from '@logq/redis';
import { freePort, useRedis, type BrokerServer, type UsedService } from '@logq/services';
import { ZeroMQHandler } from '@logq/zeromq';
import { createClient } from 'redis';
import { startLogq, STACK_LINE } from './helpers.js';

/** Makes a Redis that saves on shutdown, so a restart (SIGTERM, then start) keeps its streams. */
async function persistOnShutdown(server: BrokerServer): Promise<void> {
  const client = createClient({ url: server.url });
  client.on('error', () => undefined);
  await client.connect();
  await client.configSet('save', '3600 1');
  client.destroy();
}

/** Collects `extra.seq` of every record a subscriber dispatches. */
class SeqCollector extends Handler {
  readonly seen = new Map<number, number>();
  private waiters: (() => void)[] = [];

  emit(record: LogRecord): void {
    const seq = record.extra.seq as number;
    this.seen.set(seq, (this.seen.get(seq) ?? 0) + 1);
    for (const wake of this.waiters.splice(0)) wake();
  }

  async waitFor(count: number): Promise<void> {
    while (this.seen.size < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

describe('logq bridge', () => {
  let redis: UsedService;
  beforeAll(async () => {
    redis = await useRedis();
  });
  afterAll(() => redis.stop());

  it('zeromq (--multi) -> Redis stream: every matching record arrives once, filtered ones counted; status lines; SIGINT exits 0', async () => {
    const zmq = `tcp://127.0.0.1:${await freePort()}`;
    const key = `bridge-zmq-${process.pid}`;
    const logq = startLogq([
      'bridge',
      zmq,
      redis.url,
      '--multi',
      '--level',
      'info',
      '--to-queue',
      key,
      '--to-option',
      'mode=stream',
      '--status-every',
      '0.3',
    ]);
    await logq.waitForStderr((text) => text.includes('->'));
    const handler = new ZeroMQHandler(zmq, { multi: true });
    const logger = new Logger('zmq.app', { handlers: [handler] });
    const count = 3000;
    for (let seq = 0; seq < count; seq++) {
      logger.info('record {}', seq, kw({}, { extra: { seq } }));
      if (seq % 10 === 0) logger.debug('filtered {}', seq);
    }
    await handler.close();

    const collector = new SeqCollector();
    const subscriber = new RedisSubscriber(redis.url, { key, mode: 'stream' });
    const controller = subscriber.dispatchInBackground(collector);
    try {
      await collector.waitFor(count);
      await logq.waitForStderr((text) => text.includes(`${count} delivered, ${count / 10} filtered`));
    } finally {
      await controller.stop();
      await subscriber.close();
    }
    expect([...collector.seen.values()].every((n) => n === 1)).toBe(true);
    logq.child.kill('SIGINT');
    expect(await logq.exited).toBe(0);
    expect(logq.stderr()).toMatch(/records\/s, \d+ delivered/);
    expect(logq.stderr()).toContain(
      `bridge: stopped; ${count + count / 10} received, ${count} delivered, ${count / 10} filtered, 0 dropped`,
    );
    expect(logq.stderr()).not.toMatch(STACK_LINE);
  });

  it('Redis stream -> stream+tcp:// across a Redis restart: nothing lost (at least once)', async () => {
    const server = redis.server!;
    await persistOnShutdown(server);
    const key = `bridge-restart-${process.pid}`;
    const target = `stream+tcp://127.0.0.1:${await freePort()}`;
    const collector = new SeqCollector();
    const destination = new StreamChannelSubscriber(target);
    const controller = destination.dispatchInBackground(collector);

    const write = async (from: number, to: number): Promise<void> => {
      const handler = new RedisQueueHandler(server.url, { key, mode: 'stream' });
      const logger = new Logger('restart', { handlers: [handler] });
      for (let seq = from; seq < to; seq++) {
        logger.warning('record {}', seq, kw({}, { extra: { seq } }));
        if (seq % 5000 === 4999) await handler.flush(); // the handler holds 10,000 at most
      }
      await handler.close();
      expect(handler.stats.sent).toBe(to - from);
    };
    const before = 40_000; // enough that Redis stops while the bridge is still moving them, even on a fast machine
    const total = before + 3000;
    await write(0, before);
    const logq = startLogq([
      'bridge',
      server.url,
      target,
      '--queue',
      key,
      '-o',
      'mode=stream',
      '-o',
      'group=bridge',
      '-o',
      'consumer=bridge-1',
      '-o',
      'minIdleMs=2000',
      '--status-every',
      '0.5',
    ]);
    try {
      await collector.waitFor(300);
      await server.stop();
      const movedBeforeRestart = collector.seen.size;
      expect(movedBeforeRestart).toBeLessThan(before); // the restart happens mid-stream
      await server.start();
      await persistOnShutdown(server);
      await write(before, total);
      await collector.waitFor(total);
      expect([...collector.seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
      logq.child.kill('SIGINT');
      expect(await logq.exited).toBe(0);
      expect(logq.stderr()).not.toMatch(STACK_LINE);
    } finally {
      if (logq.child.exitCode === null) logq.child.kill('SIGKILL');
      await controller.stop();
      await destination.close();
    }
  });
});
