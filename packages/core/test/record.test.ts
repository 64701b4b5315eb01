import { LogRecord, Level } from '../src/index.js';
import { decodeRecord, encodeRecord, formatIsoTime, parseIsoTime } from '../src/transport.js';
import { sampleRecord } from '../src/testing/index.js';

describe('LogRecord wire dict', () => {
  it('writes exactly the keys of Logbook to_dict(json_safe=True)', () => {
    const dict = sampleRecord().toDict();
    expect(Object.keys(dict).sort()).toEqual(
      [
        'args',
        'channel',
        'exception_message',
        'exception_name',
        'extra',
        'filename',
        'formatted_exception',
        'frame_correction',
        'func_name',
        'greenlet',
        'heavy_initialized',
        'information_pulled',
        'kwargs',
        'level',
        'lineno',
        'message',
        'module',
        'msg',
        'process',
        'process_name',
        'thread',
        'thread_name',
        'time',
      ].sort(),
    );
    expect(dict.time).toBe('2025-11-25T16:23:26.073111Z');
    expect(dict.level).toBe(Level.WARNING);
    expect(dict.message).toBe('Hello wörld and ñame: 3.14 — äöü 日本語 🎉');
    expect(dict.exception_name).toBe('TypeError');
    expect(dict.exception_message).toBe('bad thing ü — ☃');
    expect(dict.formatted_exception).toMatch(/^TypeError: bad thing ü — ☃\n\s+at /);
  });

  it('round-trips through fromDict/toDict unchanged', () => {
    const dict = sampleRecord().toDict();
    expect(LogRecord.fromDict(JSON.parse(JSON.stringify(dict))).toDict()).toEqual(dict);
  });

  it('keeps unknown keys and the time text as received (Logbook writes microseconds unpadded)', () => {
    const wire = {
      channel: 'py',
      level: 11,
      msg: 'x',
      args: [],
      kwargs: {},
      extra: {},
      message: 'x',
      time: '2026-11-25T10:00:01.73111Z',
      late: false,
      custom_field: { a: [1] },
    };
    const record = decodeRecord(JSON.stringify(wire));
    const again = JSON.parse(encodeRecord(record));
    expect(again.time).toBe('2026-11-25T10:00:01.73111Z');
    expect(again.late).toBe(false);
    expect(again.custom_field).toEqual({ a: [1] });
    // Python's parse_iso8601 reads '.73111' as 0.73111 s.
    expect(record.timeMicros % 1_000_000).toBe(731_110);
  });

  it('prefers the pre-formatted message of a decoded record', () => {
    const record = decodeRecord('{"channel":"c","level":13,"msg":"{0}","args":[1],"message":"formatted elsewhere"}');
    expect(record.message).toBe('formatted elsewhere');
  });

  it('accepts a record that has only message, and fills Logbook defaults', () => {
    const record = decodeRecord('{"channel":"c","level":13,"message":"only message"}');
    expect(record.msg).toBe('only message');
    expect(record.args).toEqual([]);
    expect(record.exceptionName).toBeNull();
  });

  it('does not format when there are no arguments (as Logbook)', () => {
    const record = new LogRecord({ channel: 'c', level: 11, msg: 'braces {} stay' });
    expect(record.message).toBe('braces {} stay');
  });

  it('never throws when the template does not fit the arguments', () => {
    const record = new LogRecord({ channel: 'c', level: 11, msg: 'needs {0} and {1}', args: ['one'] });
    expect(record.message).toMatch(/^Could not format message with provided arguments/);
    expect(() => encodeRecord(record)).not.toThrow();
  });

  it('fills exception fields from any thrown value, with the cause chain', () => {
    const inner = new RangeError('inner');
    const outer = new Error('outer', { cause: inner });
    const record = new LogRecord({ channel: 'c', level: 14, msg: 'm', error: outer });
    expect(record.exceptionName).toBe('Error');
    expect(record.formattedException).toMatch(/RangeError: inner[\s\S]*direct cause[\s\S]*Error: outer/);
    const thrownString = new LogRecord({ channel: 'c', level: 14, msg: 'm', error: 'just a string' });
    expect(thrownString.exceptionName).toBe('string');
    expect(thrownString.exceptionMessage).toBe('just a string');
  });

  it('converts values JSON cannot hold into safe forms', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const record = new LogRecord({
      channel: 'c',
      level: 11,
      msg: 'values',
      args: [
        10n,
        2n ** 80n,
        new Error('boom'),
        Buffer.from('hi'),
        new Map([['k', 1]]),
        new Set([1, 2]),
        new Date(0),
        () => 1,
        Symbol('s'),
        undefined,
        NaN,
      ],
      extra: { cyclic },
    });
    const dict = JSON.parse(encodeRecord(record));
    expect(dict.args).toEqual([
      10,
      '1208925819614629174706176',
      'Error: boom',
      'aGk=',
      { k: 1 },
      [1, 2],
      '1970-01-01T00:00:00.000Z',
      '[Function anonymous]',
      's',
      null,
      null,
    ]);
    expect(dict.extra.cyclic).toEqual({ name: 'loop', self: '[Circular]' });
  });
});

describe('time', () => {
  it('formats six fraction digits and parses 0-6 digits as Logbook does', () => {
    expect(formatIsoTime(1_764_087_806_000_001)).toBe('2025-11-25T16:23:26.000001Z');
    expect(parseIsoTime('2025-11-25T16:23:26Z')).toBe(1_764_087_806_000_000);
    expect(parseIsoTime('2025-11-25T16:23:26.5Z')).toBe(1_764_087_806_500_000);
    expect(parseIsoTime('2025-11-25T16:23:26.000001Z')).toBe(1_764_087_806_000_001);
    expect(parseIsoTime('2025-11-25T18:23:26+02:00')).toBe(1_764_087_806_000_000);
    expect(parseIsoTime('2025-11-25T16:23:26')).toBe(1_764_087_806_000_000);
    expect(parseIsoTime('yesterday')).toBeNull();
  });

  it('parses records of the same second (the cached date part) exactly', () => {
    const base = 1_764_087_806_000_000;
    expect(parseIsoTime('2025-11-25T16:23:26.123456Z')).toBe(base + 123_456);
    expect(parseIsoTime('2025-11-25T16:23:26.5Z')).toBe(base + 500_000);
    expect(parseIsoTime('2025-11-25T16:23:26Z')).toBe(base);
    expect(parseIsoTime('2025-11-25T16:23:26.000001Z')).toBe(base + 1);
    expect(parseIsoTime('2025-11-25T16:23:26.x1Z')).toBeNull();
    expect(parseIsoTime('2025-11-25T16:23:26.25+01:00')).toBe(base - 3_600_000_000 + 250_000);
    expect(parseIsoTime('2025-11-25T16:23:27.25Z')).toBe(base + 1_250_000);
  });
});
