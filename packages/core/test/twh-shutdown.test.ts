/** shutdown() and close() with a ThreadedWrapperHandler in front of a transport handler (issue 12, points 2–4). */
import { ThreadedWrapperHandler, shutdown } from '../src/index.js';
import { openHandlers } from '../src/transport.js';
import { numberedRecord } from '../src/testing/index.js';
import { SinkHandler } from './sink-handler.js';

const N = 10_000;

afterEach(async () => {
  await shutdown({ timeoutMs: 100 });
});

describe('shutdown() with a ThreadedWrapperHandler in front of a transport', () => {
  it('closes the wrapper first, so all 10,000 records are delivered, and the totals add up', async () => {
    const sink = new SinkHandler({ batchSize: 100 });
    const twh = new ThreadedWrapperHandler(sink);
    for (let i = 0; i < N; i++) twh.handle(numberedRecord(i));
    const result = await shutdown({ timeoutMs: 10_000 });
    expect(result).toEqual({ closed: 2, delivered: N, dropped: 0 });
    expect(sink.received).toHaveLength(N);
    expect(JSON.parse(sink.received[N - 1]!).extra.seq).toBe(N - 1);
    expect(openHandlers()).toEqual([]);
  });

  it('delivered + dropped = logged when the transport buffer overflows and the queue is bounded', async () => {
    const sink = new SinkHandler({ batchSize: 100, maxBuffer: 2_000 });
    const twh = new ThreadedWrapperHandler(sink, 3_000);
    for (let i = 0; i < N; i++) twh.handle(numberedRecord(i));
    const result = await shutdown({ timeoutMs: 10_000 });
    expect(result.delivered).toBe(sink.received.length);
    expect(result.delivered + result.dropped).toBe(N);
    expect(result.dropped).toBeGreaterThan(0); // the bounded queue and buffer did drop
    expect(result.dropped).toBe(twh.stats.dropped);
  });

  it('delivered + dropped = logged when the broker is down and the deadline passes', async () => {
    const sink = new SinkHandler({ batchSize: 100, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    sink.down = true;
    const twh = new ThreadedWrapperHandler(sink);
    for (let i = 0; i < N; i++) twh.handle(numberedRecord(i));
    const result = await shutdown({ timeoutMs: 300 });
    expect(result).toEqual({ closed: 2, delivered: 0, dropped: N });
  });
});

describe('ThreadedWrapperHandler close() and stats around a transport', () => {
  it('concurrent close() calls return the same promise and the same result, after the drain', async () => {
    const sink = new SinkHandler({ batchSize: 100 });
    const twh = new ThreadedWrapperHandler(sink);
    for (let i = 0; i < N; i++) twh.handle(numberedRecord(i));
    const first = twh.close({ timeoutMs: 10_000 });
    const second = twh.close({ timeoutMs: 10_000 });
    expect(second).toBe(first);
    const [a, b] = await Promise.all([first, second]);
    expect(b).toBe(a);
    expect(a).toEqual({ flushed: true, sent: N, dropped: 0 });
    expect(sink.received).toHaveLength(N);
  });

  it('the inner transport counts each record once', async () => {
    const sink = new SinkHandler({ batchSize: 100 });
    const twh = new ThreadedWrapperHandler(sink);
    for (let i = 0; i < N; i++) twh.handle(numberedRecord(i));
    await twh.flush();
    expect(sink.stats.sent).toBe(N);
    expect(twh.stats.sent).toBe(N);
    expect(sink.received).toHaveLength(N);
    await twh.close();
    expect(sink.stats.sent).toBe(N);
  });

  it("the wrapper's close reports as sent only what the broker took", async () => {
    const sink = new SinkHandler({ batchSize: 100, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    sink.down = true;
    const twh = new ThreadedWrapperHandler(sink);
    for (let i = 0; i < N; i++) twh.handle(numberedRecord(i));
    const result = await twh.close({ timeoutMs: 300 });
    expect(result).toEqual({ flushed: false, sent: 0, dropped: N });
    expect(twh.stats).toMatchObject({ sent: 0, buffered: 0, dropped: N });
  });

  it('a record logged after close() is counted and reported', async () => {
    const errors: unknown[] = [];
    const sink = new SinkHandler({ onError: (e) => errors.push(e) });
    const twh = new ThreadedWrapperHandler(sink);
    await twh.close();
    twh.handle(numberedRecord(1));
    expect(twh.stats.dropped).toBe(1);
    expect(errors.map(String)).toEqual(['ClosedError: ThreadedWrapperHandler is closed; 1 record(s) dropped']);
  });
});
