/** Issue 12 point 9 (a handler's first drops are reported, then at most once a minute) and point 8 (the ring buffer). */
import { RecordsDroppedError, ThreadedWrapperHandler } from '../src/index.js';
import { DropReporter } from '../src/drop-report.js';
import { RingBuffer } from '../src/ring-buffer.js';
import { numberedRecord } from '../src/testing/index.js';
import { SinkHandler } from './sink-handler.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('drop reporting', () => {
  it('a QueueHandler reports its first drops once, with the count of the burst, and the rest at close', async () => {
    const errors: unknown[] = [];
    const sink = new SinkHandler({
      maxBuffer: 10,
      onError: (e) => errors.push(e),
      reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    sink.down = true;
    for (let i = 0; i < 100; i++) sink.handle(numberedRecord(i));
    await turn();
    await turn();
    const drops = () => errors.filter((e): e is RecordsDroppedError => e instanceof RecordsDroppedError);
    expect(drops().map((e) => e.count)).toEqual([90]);
    expect(drops()[0]!.message).toBe(
      "SinkHandler: buffer full (maxBuffer 10, overflow 'drop-newest'); 90 record(s) dropped",
    );
    for (let i = 0; i < 5; i++) sink.handle(numberedRecord(i));
    await turn();
    await turn();
    expect(drops()).toHaveLength(1); // not again within the minute
    const result = await sink.close({ timeoutMs: 0 });
    expect(drops().map((e) => e.count)).toEqual([90, 5]); // the rest is said at close
    expect(result.dropped).toBe(105);
  });

  it('a ThreadedWrapperHandler reports queue-full drops through the wrapped handler', async () => {
    const errors: unknown[] = [];
    const sink = new SinkHandler({ onError: (e) => errors.push(e) });
    const twh = new ThreadedWrapperHandler(sink, 5);
    for (let i = 0; i < 20; i++) twh.handle(numberedRecord(i));
    await turn();
    // The waiting drain loop takes the first record at once, five wait in the queue: 14 dropped.
    expect(twh.stats.dropped).toBe(14);
    expect(errors.filter((e) => e instanceof RecordsDroppedError).map((e) => (e as RecordsDroppedError).count)).toEqual(
      [14],
    );
    expect(twh.stats.errors).toBe(1);
    await twh.close();
  });

  it('DropReporter: at most once a minute after the first report, each time with the count since the last', () => {
    jest.useFakeTimers();
    try {
      const reports: number[] = [];
      const reporter = new DropReporter(
        (e) => reports.push(e.count),
        (n) => `${n}`,
      );
      reporter.dropped(3);
      jest.advanceTimersByTime(1);
      expect(reports).toEqual([3]);
      reporter.dropped();
      jest.advanceTimersByTime(30_000);
      reporter.dropped(2);
      expect(reports).toEqual([3]);
      jest.advanceTimersByTime(30_000);
      expect(reports).toEqual([3, 3]);
      jest.advanceTimersByTime(120_000);
      expect(reports).toEqual([3, 3]); // nothing new, nothing said
      reporter.dropped();
      jest.advanceTimersByTime(1);
      expect(reports).toEqual([3, 3, 1]);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('RingBuffer', () => {
  it('is a FIFO across growth, shift, takeFront and unshiftAll', () => {
    const ring = new RingBuffer<number>(2);
    const model: number[] = [];
    let next = 0;
    for (let step = 0; step < 5_000; step++) {
      const op = (step * 7919) % 5;
      if (op <= 1) {
        ring.push(next);
        model.push(next++);
      } else if (op === 2) {
        expect(ring.shift()).toBe(model.shift());
      } else if (op === 3) {
        const n = step % 4;
        const taken = ring.takeFront(n);
        expect(taken).toEqual(model.splice(0, n));
        if (step % 3 === 0) {
          ring.unshiftAll(taken);
          model.unshift(...taken);
        }
      } else {
        expect(ring.length).toBe(model.length);
      }
    }
    expect(ring.takeFront(ring.length)).toEqual(model);
  });
});
