import { Level, LogRecord, Logger, NestedSetup, NullHandler, Processor, TestHandler } from '../src/index.js';
import { dispatchRecord } from '../src/dispatch.js';
import { handlerStack } from '../src/handler.js';

const warning = (msg: string, channel = 'test') => new LogRecord({ channel, level: Level.WARNING, msg });

afterEach(() => {
  // Nothing may stay pushed between tests.
  expect(handlerStack.items()).toHaveLength(0);
});

describe('handler stack', () => {
  it('the newest handler takes the record; bubble: false stops it', () => {
    const outer = new TestHandler();
    const inner = new TestHandler();
    using _a = outer.pushApplication();
    using _b = inner.pushApplication();
    dispatchRecord(warning('one'));
    expect(inner.hasWarning('one')).toBe(true);
    expect(outer.records).toHaveLength(0);
  });

  it('bubble: true passes the record on', () => {
    const outer = new TestHandler();
    const inner = new TestHandler({ bubble: true });
    using _a = outer.pushApplication();
    using _b = inner.pushApplication();
    dispatchRecord(warning('both'));
    expect(inner.hasWarning('both')).toBe(true);
    expect(outer.hasWarning('both')).toBe(true);
  });

  it('a handler below its level lets the record through to the next', () => {
    const outer = new TestHandler();
    const errorsOnly = new TestHandler({ level: 'ERROR' });
    using _a = outer.pushApplication();
    using _b = errorsOnly.pushApplication();
    dispatchRecord(warning('w'));
    expect(errorsOnly.records).toHaveLength(0);
    expect(outer.hasWarning('w')).toBe(true);
  });

  it('a blackhole stops records at its level and above, and not below', () => {
    const outer = new TestHandler();
    const hole = new NullHandler({ level: 'WARNING' });
    using _a = outer.pushApplication();
    using _b = hole.pushApplication();
    dispatchRecord(warning('swallowed'));
    dispatchRecord(new LogRecord({ channel: 'c', level: Level.INFO, msg: 'passes' }));
    expect(outer.hasWarning('swallowed')).toBe(false);
    expect(outer.hasInfo('passes')).toBe(true);
  });

  it('filters decide per record', () => {
    const outer = new TestHandler();
    const onlyDb = new TestHandler({ filter: (r) => r.channel === 'db' });
    using _a = outer.pushApplication();
    using _b = onlyDb.pushApplication();
    dispatchRecord(warning('q', 'db'));
    dispatchRecord(warning('h', 'http'));
    expect(onlyDb.formattedRecords).toEqual(['[WARNING] db: q']);
    expect(outer.formattedRecords).toEqual(['[WARNING] http: h']);
  });

  it('pops in any order, and disposing twice is harmless', () => {
    const a = new TestHandler();
    const b = new TestHandler();
    const pa = a.pushApplication();
    const pb = b.pushApplication();
    pa[Symbol.dispose]();
    dispatchRecord(warning('to b'));
    expect(b.records).toHaveLength(1);
    pb[Symbol.dispose]();
    pb[Symbol.dispose]();
    expect(handlerStack.items()).toHaveLength(0);
  });

  it('applicationBound pops after an async function settles, even when it throws', async () => {
    const h = new TestHandler();
    await expect(
      h.applicationBound(async () => {
        await new Promise((r) => setTimeout(r, 5));
        dispatchRecord(warning('inside'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(h.hasWarning('inside')).toBe(true);
    expect(handlerStack.items()).toHaveLength(0);
  });

  it('context stacks are isolated between concurrent async tasks', async () => {
    const a = new TestHandler();
    const b = new TestHandler();
    const task = (h: TestHandler, name: string) =>
      h.contextBound(async () => {
        for (let i = 0; i < 5; i++) {
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          dispatchRecord(warning(`${name} ${i}`));
        }
      });
    await Promise.all([task(a, 'a'), task(b, 'b')]);
    expect(a.records.map((r) => r.msg)).toEqual(['a 0', 'a 1', 'a 2', 'a 3', 'a 4']);
    expect(b.records.map((r) => r.msg)).toEqual(['b 0', 'b 1', 'b 2', 'b 3', 'b 4']);
  });

  it('application and context pushes merge, newest first', async () => {
    const app = new TestHandler();
    const ctx = new TestHandler();
    const appLater = new TestHandler();
    using _a = app.pushApplication();
    await ctx.contextBound(async () => {
      dispatchRecord(warning('ctx newest'));
      using _c = appLater.pushApplication();
      dispatchRecord(warning('app newest'));
    });
    expect(ctx.hasWarning('ctx newest')).toBe(true);
    expect(appLater.hasWarning('app newest')).toBe(true);
    expect(app.records).toHaveLength(0);
  });

  it('pushContext applies to the rest of the current async context', async () => {
    const h = new TestHandler();
    await (async () => {
      await null;
      const pushed = h.pushContext();
      await new Promise((r) => setTimeout(r, 1));
      dispatchRecord(warning('in context'));
      pushed[Symbol.dispose]();
      dispatchRecord(warning('after pop'));
    })();
    expect(h.formattedRecords).toEqual(['[WARNING] test: in context']);
  });
});

describe('processors and NestedSetup', () => {
  it('processors run once per record, before the first handler that takes it', () => {
    const calls: string[] = [];
    const p = new Processor((r) => {
      calls.push(r.msg);
      r.extra.ip = '127.0.0.1';
    });
    const h1 = new TestHandler({ bubble: true });
    const h2 = new TestHandler();
    using _s = new NestedSetup([h2, h1, p]).pushApplication();
    dispatchRecord(warning('m'));
    expect(calls).toEqual(['m']);
    expect(h1.records[0]!.extra.ip).toBe('127.0.0.1');
    expect(h2.records[0]!.extra.ip).toBe('127.0.0.1');
  });

  it('processors do not run for records no handler takes', () => {
    const calls: string[] = [];
    using _p = new Processor((r) => calls.push(r.msg)).pushApplication();
    using _h = new TestHandler({ level: 'ERROR' }).pushApplication();
    dispatchRecord(warning('ignored'));
    expect(calls).toEqual([]);
  });

  it('NestedSetup pops in reverse and contextBound scopes every object', async () => {
    const h = new TestHandler();
    const p = new Processor((r) => (r.extra.tag = 'nested'));
    await new NestedSetup([new NullHandler(), h, p]).contextBound(async () => {
      await null;
      dispatchRecord(warning('x'));
    });
    expect(h.records[0]!.extra.tag).toBe('nested');
  });
});

describe('TestHandler helpers', () => {
  it('answers has* per level, message, pattern and channel', () => {
    const h = new TestHandler();
    const log = new Logger('svc', { handlers: [h] });
    log.trace('t');
    log.debug('d');
    log.info('i');
    log.notice('n');
    log.warn('w {}', 1);
    log.error('e');
    log.critical('c');
    expect([h.hasTraces, h.hasDebugs, h.hasInfos, h.hasNotices, h.hasWarnings, h.hasErrors, h.hasCriticals]).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(h.hasWarning('w 1')).toBe(true);
    expect(h.hasWarning(/^w \d$/)).toBe(true);
    expect(h.hasWarning({ message: 'w 1', channel: 'other' })).toBe(false);
    expect(h.hasError('w 1')).toBe(false);
    expect(h.formattedRecords[4]).toBe('[WARNING] svc: w 1');
  });
});
