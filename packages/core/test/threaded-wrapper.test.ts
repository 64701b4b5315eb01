import { Handler, Level, LogRecord, Logger, TestHandler, ThreadedWrapperHandler } from '../src/index.js';

const rec = (msg: string, level: number = Level.WARNING) => new LogRecord({ channel: 'twh', level, msg });

/** A handler whose emits wait until released, to hold the drain loop. */
class GateHandler extends TestHandler {
  constructor() {
    super({ onError: () => {} }); // queue-full reports are asserted in drop-report.test.ts
  }
  private release: (() => void) | null = null;
  private gate: Promise<void> = new Promise((r) => (this.release = r));
  open(): void {
    this.release?.();
  }
  override async emit(record: LogRecord): Promise<void> {
    await this.gate;
    super.emit(record);
  }
}

describe('ThreadedWrapperHandler', () => {
  it('emits in the background and never delays the caller', async () => {
    const inner = new GateHandler();
    const twh = new ThreadedWrapperHandler(inner);
    const log = new Logger('x', { handlers: [twh] });
    log.warn('queued');
    expect(inner.records).toHaveLength(0);
    inner.open();
    await twh.flush();
    expect(inner.hasWarning('queued')).toBe(true);
    await twh.close();
  });

  it('with maxsize, queued and dropped counts add up (Logbook behaviour)', async () => {
    const inner = new GateHandler();
    const twh = new ThreadedWrapperHandler(inner, 3);
    for (let i = 0; i < 10; i++) twh.handle(rec(`r${i}`));
    // One is taken by the drain loop at once (held at the gate), three wait in the queue.
    await new Promise((r) => setImmediate(r));
    for (let i = 10; i < 12; i++) twh.handle(rec(`r${i}`));
    inner.open();
    await twh.flush();
    expect(inner.records.length + twh.stats.dropped).toBe(12);
    expect(inner.records.length).toBeGreaterThanOrEqual(3);
    expect(inner.records.length).toBeLessThanOrEqual(5);
    expect(inner.records[0]!.msg).toBe('r0');
    await twh.close();
  });

  it('close() on a full queue drains, closes the wrapped handler, and never throws', async () => {
    const inner = new GateHandler();
    const twh = new ThreadedWrapperHandler(inner, 2);
    for (let i = 0; i < 6; i++) twh.handle(rec(`r${i}`));
    const closing = twh.close();
    inner.open();
    const result = await closing;
    expect(result.dropped + inner.records.length).toBe(6);
    expect(twh.controller.running).toBe(false);
    expect(() => twh.handle(rec('late'))).not.toThrow();
    await expect(twh.close()).resolves.toBeDefined();
  });

  it('keeps emitBatch batches whole', async () => {
    const batches: number[] = [];
    class BatchHandler extends TestHandler {
      override emitBatch(records: readonly LogRecord[]): void {
        batches.push(records.length);
        for (const r of records) this.emit(r);
      }
    }
    const inner = new BatchHandler();
    const twh = new ThreadedWrapperHandler(inner);
    twh.emitBatch([rec('a'), rec('b'), rec('c')], 'group');
    twh.emitBatch([rec('d')], 'group');
    await twh.flush();
    expect(batches).toEqual([3, 1]);
    await twh.close();
  });

  it('an error from the wrapped handler goes to its hook and the loop goes on', async () => {
    const errors: unknown[] = [];
    let n = 0;
    class Flaky extends TestHandler {
      override emit(record: LogRecord): void {
        if (n++ === 0) throw new Error('smtp down');
        super.emit(record);
      }
    }
    const inner = new Flaky({ onError: (e) => errors.push(e) });
    const twh = new ThreadedWrapperHandler(inner);
    twh.handle(rec('first'));
    twh.handle(rec('second'));
    await twh.flush();
    expect(errors).toHaveLength(1);
    expect(inner.hasWarning('second')).toBe(true);
    await twh.close();
  });

  it('keeps exception fields across the queue', async () => {
    const inner = new TestHandler();
    const twh = new ThreadedWrapperHandler(inner);
    new Logger('x', { handlers: [twh] }).exception('failed', new TypeError('nope'));
    await twh.flush();
    expect(inner.records[0]!.exceptionName).toBe('TypeError');
    expect(inner.records[0]!.formattedException).toContain('TypeError: nope');
    await twh.close();
  });

  it('level, levelName, filter, bubble and formatter read and write the wrapped handler', async () => {
    const inner = new TestHandler();
    const twh = new ThreadedWrapperHandler(inner);
    twh.levelName = 'WARNING';
    expect(inner.levelName).toBe('WARNING');
    expect(twh.level).toBe(Level.WARNING);
    inner.level = Level.ERROR;
    expect(twh.levelName).toBe('ERROR');
    twh.bubble = true;
    expect(inner.bubble).toBe(true);
    const filter = () => true;
    twh.filter = filter;
    expect(inner.filter).toBe(filter);
    const formatter = (r: LogRecord) => r.msg;
    twh.formatter = formatter;
    expect(inner.formatter).toBe(formatter);
    expect(twh.shouldHandle(rec('w', Level.WARNING))).toBe(false);
    await twh.close();
  });

  it("forwards the wrapped handler's own properties and methods, typed (Logbook's WrapperHandler)", async () => {
    const twh = new ThreadedWrapperHandler(new TestHandler());
    twh.handle(rec('seen'));
    await twh.flush();
    // Typed as TestHandler's members: no cast needed.
    const records: LogRecord[] = twh.records;
    expect(records.map((r) => r.msg)).toEqual(['seen']);
    expect(twh.hasWarning('seen')).toBe(true);
    expect(twh.formattedRecords).toEqual(['[WARNING] twh: seen']);
    twh.clear();
    expect(twh.handler.records).toHaveLength(0);
    expect('records' in twh).toBe(true);
    // The wrapper's own members stay its own.
    expect(twh.queue).toBeDefined();
    expect(twh.stats).not.toBe(twh.handler.stats);
    await twh.close();
  });

  it('writes a property of the wrapped handler through the wrapper; its own stay its own', async () => {
    class Mail extends TestHandler {
      subject = 'logs';
    }
    const twh = new ThreadedWrapperHandler(new Mail());
    twh.subject = 'alerts';
    expect(twh.handler.subject).toBe('alerts');
    expect(Object.hasOwn(twh, 'subject')).toBe(false);
    const errors: unknown[] = [];
    twh.handler.onError = (e) => errors.push(e);
    expect(twh.onError).not.toBe(twh.handler.onError); // the wrapper's hook forwards to the wrapped one
    twh.onError(new Error('x'));
    expect(errors).toHaveLength(1);
    await twh.close();
  });

  it('is a Handler', () => {
    const twh = new ThreadedWrapperHandler(new TestHandler());
    expect(twh).toBeInstanceOf(Handler);
    return twh.close();
  });
});
