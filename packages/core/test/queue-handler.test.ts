import { Level, LogRecord, Logger, shutdown } from '../src/index.js';
import { openHandlers } from '../src/transport.js';
import { MemoryBroker, MemoryQueueHandler, MemorySubscriber, numberedRecord } from '../src/testing/index.js';

const quiet = { onError: () => {} };

async function drain(sub: MemorySubscriber): Promise<number[]> {
  const seqs: number[] = [];
  for (let r = await sub.recv(0); r; r = await sub.recv(0)) seqs.push(r.extra.seq as number);
  return seqs;
}

describe('QueueHandler', () => {
  it('buffers while the broker is down, reconnects and replays in order', async () => {
    const broker = new MemoryBroker();
    broker.failing = true;
    const errors: unknown[] = [];
    const handler = new MemoryQueueHandler(broker, {
      onError: (e) => errors.push(e),
      reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    });
    for (let i = 0; i < 50; i++) handler.handle(numberedRecord(i));
    await new Promise((r) => setTimeout(r, 80));
    expect(handler.stats.buffered).toBe(50);
    expect(handler.stats.sent).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    broker.failing = false;
    await handler.flush();
    expect(handler.stats.sent).toBe(50);
    expect(await drain(new MemorySubscriber(broker))).toEqual([...Array(50).keys()]);
    await handler.close();
  });

  it('drop-newest keeps the oldest maxBuffer records and counts the rest', async () => {
    const broker = new MemoryBroker();
    broker.failing = true;
    const handler = new MemoryQueueHandler(broker, {
      ...quiet,
      maxBuffer: 10,
      reconnect: { initialDelayMs: 5, maxDelayMs: 5 },
    });
    for (let i = 0; i < 25; i++) handler.handle(numberedRecord(i));
    expect(handler.stats.dropped).toBe(15);
    broker.failing = false;
    await handler.flush();
    expect(await drain(new MemorySubscriber(broker))).toEqual([...Array(10).keys()]);
    await handler.close();
  });

  it('drop-oldest keeps the newest maxBuffer records and counts the rest', async () => {
    const broker = new MemoryBroker();
    broker.failing = true;
    const handler = new MemoryQueueHandler(broker, {
      ...quiet,
      maxBuffer: 10,
      overflow: 'drop-oldest',
      reconnect: { initialDelayMs: 5, maxDelayMs: 5 },
    });
    for (let i = 0; i < 25; i++) handler.handle(numberedRecord(i));
    expect(handler.stats.dropped).toBe(15);
    broker.failing = false;
    await handler.flush();
    expect(await drain(new MemorySubscriber(broker))).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    await handler.close();
  });

  it('close({timeoutMs}) gives up on an unreachable broker, says what happened, and lets go', async () => {
    const broker = new MemoryBroker();
    broker.failing = true;
    const handler = new MemoryQueueHandler(broker, { ...quiet, reconnect: { initialDelayMs: 5, maxDelayMs: 10 } });
    for (let i = 0; i < 7; i++) handler.handle(numberedRecord(i));
    const t = Date.now();
    const result = await handler.close({ timeoutMs: 200 });
    expect(Date.now() - t).toBeLessThan(2_000);
    expect(result).toEqual({ flushed: false, sent: 0, dropped: 7 });
    expect(await handler.close()).toBe(result);
    expect(openHandlers()).not.toContain(handler);
  });

  it('a batch still in flight when close() gives up is counted once, as dropped', async () => {
    const broker = new MemoryBroker();
    class Slow extends MemoryQueueHandler {
      protected override async sendBatch(batch: readonly string[]): Promise<void> {
        await new Promise((r) => setTimeout(r, 300));
        await super.sendBatch(batch);
      }
    }
    const handler = new Slow(broker, { ...quiet, batchSize: 10 });
    for (let i = 0; i < 25; i++) handler.handle(numberedRecord(i));
    const result = await handler.close({ timeoutMs: 100 });
    await new Promise((r) => setTimeout(r, 400)); // the slow send settles after the deadline
    expect(result.flushed).toBe(false);
    expect(handler.stats.sent + handler.stats.dropped).toBe(25);
    expect(handler.pending).toBe(0);
  });

  it('drops and reports records larger than maxRecordBytes', async () => {
    const broker = new MemoryBroker();
    const errors: unknown[] = [];
    const handler = new MemoryQueueHandler(broker, { maxRecordBytes: 2_000, onError: (e) => errors.push(e) });
    handler.handle(new LogRecord({ channel: 'big', level: Level.INFO, msg: 'x'.repeat(5_000) }));
    handler.handle(numberedRecord(1));
    await handler.flush();
    expect(handler.stats.dropped).toBe(1);
    expect(String(errors[0])).toMatch(/exceeds maxRecordBytes/);
    expect(await drain(new MemorySubscriber(broker))).toEqual([1]);
    await handler.close();
  });

  it('lingerMs batches records until the batch fills or the time passes', async () => {
    const broker = new MemoryBroker();
    const batches: number[] = [];
    class Counting extends MemoryQueueHandler {
      protected override async sendBatch(batch: readonly string[]): Promise<void> {
        batches.push(batch.length);
        await super.sendBatch(batch);
      }
    }
    const handler = new Counting(broker, { batchSize: 4, lingerMs: 50 });
    for (let i = 0; i < 10; i++) handler.handle(numberedRecord(i));
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([4, 4]);
    await new Promise((r) => setTimeout(r, 100));
    expect(batches).toEqual([4, 4, 2]);
    await handler.close();
  });

  it('a log call never throws, not even after close', async () => {
    const handler = new MemoryQueueHandler(new MemoryBroker(), quiet);
    await handler.close();
    const log = new Logger('x', { handlers: [handler] });
    expect(() => log.error('late')).not.toThrow();
    expect(handler.stats.dropped).toBe(1);
  });

  it('shutdown() flushes and closes every open transport handler', async () => {
    const broker = new MemoryBroker();
    const a = new MemoryQueueHandler(broker, { queue: 'a' });
    const b = new MemoryQueueHandler(broker, { queue: 'b' });
    a.handle(numberedRecord(1));
    b.handle(numberedRecord(2));
    const result = await shutdown({ timeoutMs: 1000 });
    expect(result.closed).toBeGreaterThanOrEqual(2);
    expect(result.dropped).toBe(0);
    expect(openHandlers()).toHaveLength(0);
    expect(await drain(new MemorySubscriber(broker, { queue: 'a' }))).toEqual([1]);
    expect(await drain(new MemorySubscriber(broker, { queue: 'b' }))).toEqual([2]);
  });
});
