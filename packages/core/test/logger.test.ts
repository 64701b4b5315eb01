import { Level, Logger, TestHandler, kw, type Handler, LogRecord } from '../src/index.js';

describe('Logger', () => {
  it('formats positional and keyword arguments as str.format', () => {
    const h = new TestHandler();
    const log = new Logger('app', { handlers: [h] });
    log.info('{} + {} = {total}', 1, 2, kw({ total: 3 }, { extra: { request: 'r1' } }));
    const r = h.records[0]!;
    expect(r.message).toBe('1 + 2 = 3');
    expect(r.args).toEqual([1, 2]);
    expect(r.kwargs).toEqual({ total: 3 });
    expect(r.extra).toEqual({ request: 'r1' });
    expect(r.channel).toBe('app');
  });

  it("a record owns the logger's argument array, while a record built by hand copies the caller's", () => {
    const h = new TestHandler();
    const log = new Logger('app', { handlers: [h] });
    const value = { n: 1 };
    log.info('{}', value);
    const own = h.records[0]!;
    expect(own.args).toEqual([{ n: 1 }]);
    // The next record made by hand (right after a logger call) still copies its init's array.
    const args: unknown[] = ['a'];
    const byHand = new LogRecord({ channel: 'c', level: Level.INFO, msg: '{}', args });
    args.push('b');
    expect(byHand.args).toEqual(['a']);
    expect(byHand.args).not.toBe(args);
    log.info('{}', 2);
    expect(h.records[1]!.args).toEqual([2]);
    expect(own.args).toEqual([{ n: 1 }]);
  });

  it('exception() fills the exception fields from the error', () => {
    const h = new TestHandler();
    const log = new Logger('app', { handlers: [h] });
    try {
      JSON.parse('{');
    } catch (error) {
      log.exception('parsing failed for {}', error, 'input.json');
    }
    const r = h.records[0]!;
    expect(r.level).toBe(Level.ERROR);
    expect(r.message).toBe('parsing failed for input.json');
    expect(r.exceptionName).toBe('SyntaxError');
    expect(r.formattedException).toContain('SyntaxError');
    expect(r.toDict().formatted_exception).toContain('at ');
  });

  it('respects its level and disabled flag', () => {
    const h = new TestHandler();
    const log = new Logger('app', { handlers: [h], level: 'WARNING' });
    log.info('no');
    log.warn('yes');
    log.disabled = true;
    log.error('no');
    expect(h.records.map((r) => r.msg)).toEqual(['yes']);
    expect(log.isEnabledFor(Level.ERROR)).toBe(false);
  });

  it('log() takes a level by name or number', () => {
    const h = new TestHandler();
    const log = new Logger('app', { handlers: [h] });
    log.log('notice', 'by name');
    log.log(Level.CRITICAL, 'by number');
    expect(h.hasNotice('by name')).toBe(true);
    expect(h.hasCritical('by number')).toBe(true);
  });

  it('never throws: a failing handler, filter, processor or bad level is reported, not raised', () => {
    const errors: unknown[] = [];
    class Exploding extends TestHandler {
      override emit(): void {
        throw new Error('disk full');
      }
    }
    const bad = new Exploding({ onError: (e) => errors.push(e), bubble: true });
    const badFilter = new TestHandler({
      filter: () => {
        throw new Error('filter');
      },
      onError: (e) => errors.push(e),
      bubble: true,
    });
    const log = new Logger('app', {
      handlers: [bad, badFilter],
      processor: () => {
        throw new Error('proc');
      },
      onError: (e) => errors.push(e),
    });
    expect(() => log.warn('x')).not.toThrow();
    expect(() => log.log('NOPE', 'x')).not.toThrow();
    expect(errors.map((e) => (e as Error).message)).toEqual(expect.arrayContaining(['disk full', 'filter']));
    expect(errors.some((e) => e instanceof RangeError)).toBe(true);
    expect(bad.stats.errors).toBeGreaterThan(0);
  });

  it('async emit rejections go to onError and never to the caller', async () => {
    const errors: unknown[] = [];
    class Slow extends TestHandler {
      override async emit(): Promise<void> {
        throw new Error('remote down');
      }
    }
    const h: Handler = new Slow({ onError: (e) => errors.push(e) });
    new Logger('app', { handlers: [h] }).warn('x');
    await new Promise((r) => setImmediate(r));
    expect(errors).toHaveLength(1);
    expect(h.stats.errors).toBe(1);
  });

  it('captures the call site when asked', () => {
    const h = new TestHandler();
    new Logger('app', { handlers: [h], callsite: true }).info('here');
    const r: LogRecord = h.records[0]!;
    expect(r.filename).toMatch(/logger\.test\.ts$/);
    expect(r.lineno).toBeGreaterThan(0);
    expect(r.module).toBe('logger.test');
  });
});
