import fc from 'fast-check';
import { LogRecord } from '../src/index.js';
import { decodeRecord, encodeRecord, parseIsoTime } from '../src/transport.js';

// encodeRecord writes the wire JSON directly; it must be byte for byte what
// JSON.stringify(record.toDict()) gives, for any record, including values that
// toDict has to make JSON-safe and strings that JSON must escape.
const anyValue = fc.oneof(
  fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withNullPrototype: true,
    withSparseArray: true,
  }),
  fc.string({ unit: 'binary' }), // lone surrogates, controls
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, undefined, null, 1e21, 5e-7, new Error('boom'), () => 1),
);
const key = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('0', '12', 'a"b', 'line\nbreak'));

describe('encodeRecord', () => {
  it('writes a record carrying a long string (msg, an argument, kwargs or extra) as JSON.stringify(record.toDict())', () => {
    const long = `${'x'.repeat(20_000)}"\\\n\u0001é€😀\ud800`;
    const records = [
      new LogRecord({ channel: 'c', level: 11, msg: long }),
      new LogRecord({ channel: 'c', level: 11, msg: 'got {0} and {1}', args: [long, 1.5] }),
      new LogRecord({ channel: 'c', level: 11, msg: 'got {a}', kwargs: { a: long } }),
      new LogRecord({ channel: 'c', level: 11, msg: 'request {0}', args: [1], extra: { pad: long, n: 2 } }),
      new LogRecord({ channel: 'c', level: 11, msg: 'short', extra: { pad: long.slice(0, 16_383) } }),
    ];
    for (const record of records) {
      const text = encodeRecord(record);
      expect(text).toBe(JSON.stringify(record.toDict()));
      expect(decodeRecord(text).toDict()).toEqual(JSON.parse(text));
    }
  });

  it('is exactly JSON.stringify(record.toDict()) for any record', () => {
    fc.assert(
      fc.property(
        fc.record({
          channel: fc.string({ unit: 'binary' }),
          level: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double()),
          msg: fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary', maxLength: 300 })),
          args: fc.array(anyValue, { maxLength: 4 }),
          kwargs: fc.dictionary(key, anyValue, { maxKeys: 4 }),
          extra: fc.dictionary(key, anyValue, { maxKeys: 4 }),
          timeMicros: fc.integer({ min: 0, max: 4_102_444_800_000_000 }),
          error: fc.option(fc.constantFrom(new TypeError('bad "input"\n'), 'a string', 42), { nil: undefined }),
        }),
        fc.option(fc.dictionary(key, fc.jsonValue(), { maxKeys: 3 }), { nil: null }),
        fc.record(
          {
            process: fc.option(fc.integer(), { nil: null }),
            processName: fc.option(fc.string({ unit: 'binary' }), { nil: null }),
            thread: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
            threadName: fc.option(fc.constantFrom('MainThread', 'Worker-1', 'a"b'), { nil: null }),
            funcName: fc.option(fc.string(), { nil: null }),
            lineno: fc.option(fc.integer(), { nil: null }),
            frameCorrection: fc.integer({ min: -2, max: 2 }),
            informationPulled: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
        (init, unknown, fields) => {
          const record = Object.assign(new LogRecord(init), fields);
          record.unknownFields = unknown as LogRecord['unknownFields'];
          const expected = JSON.stringify(record.toDict());
          const text = encodeRecord(record);
          expect(JSON.parse(text)).toEqual(JSON.parse(expected));
          // Byte for byte too, except that an array-index key among the unknown fields keeps its place
          // after the wire fields (as Python wrote it) where a JS object would move it to the front.
          if (!Object.keys(unknown ?? {}).some((k) => /^(0|[1-9]\d*)$/.test(k))) expect(text).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is the same for a fresh record, whose message is written from the template before anything formatted it', () => {
    // Templates of literal text and simple fields with primitive arguments take a direct path that never builds
    // the message; everything else (escapes, surrogates, missing arguments, objects) must fall back identically.
    const literal = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 4 }),
      fc.constantFrom('a"b', '\\', '{{', '}}', ' ms'),
    );
    const field = fc.constantFrom('{}', '{0}', '{1}', '{2}', '{name}', '{other}', '{0!r}', '{:>4}');
    const primitive = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.constantFrom('x'.repeat(300), 'q"q', '\ud800'),
      fc.constantFrom({ k: 1 }, [1, 2], new Error('e')),
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(literal, field), { maxLength: 6 }).map((parts) => parts.join('')),
        fc.array(primitive, { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('name', 'other'), primitive, { maxKeys: 2 }),
        (msg, args, kwargs) => {
          const make = () =>
            new LogRecord({ channel: 'c', level: 11, msg, args, kwargs, timeMicros: 1_764_000_000_123_456 });
          const fresh = make();
          const text = encodeRecord(fresh);
          expect(text).toBe(JSON.stringify(make().toDict()));
          // Encoding did not change what the record says afterwards.
          expect(JSON.stringify(fresh.toDict())).toBe(text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("uses a subclass's own message", () => {
    class Shouting extends LogRecord {
      override get message(): string {
        return 'LOUD';
      }
    }
    const record = new Shouting({ channel: 'c', level: 11, msg: 'hello {0}', args: [1], timeMicros: 0 });
    expect(JSON.parse(encodeRecord(record)).message).toBe('LOUD');
    expect(encodeRecord(record)).toBe(JSON.stringify(record.toDict()));
  });

  it('writes a decoded record back unchanged, unknown keys and all', () => {
    const text =
      '{"channel":"c","level":13,"msg":"m {0}","args":[1],"kwargs":{},"extra":{"k":"v"},"message":"m 1","time":"2026-11-25T16:23:26.073111Z",' +
      '"process":1,"process_name":"p","thread":2,"thread_name":"t","greenlet":2,"func_name":null,"filename":null,"module":null,"lineno":null,' +
      '"exception_name":null,"exception_message":null,"formatted_exception":null,"frame_correction":0,"heavy_initialized":true,' +
      '"information_pulled":true,"custom":{"nested":[1,"ü"]}}';
    expect(encodeRecord(decodeRecord(text))).toBe(text);
  });

  it('keeps the place of an unknown array-index key (Python writes it last)', () => {
    const text = encodeRecord(new LogRecord({ channel: 'c', level: 13, msg: 'm', timeMicros: 0 })).replace(
      /}$/,
      ',"7":true}',
    );
    expect(encodeRecord(decodeRecord(text))).toBe(text);
  });

  it('does not let a wire field set in unknownFields override the record', () => {
    const record = new LogRecord({ channel: 'real', level: 13, msg: 'm' });
    record.unknownFields = { channel: 'fake', other: 1 };
    const dict = JSON.parse(encodeRecord(record)) as Record<string, unknown>;
    expect(dict.channel).toBe('real');
    expect(dict.other).toBe(1);
    expect(record.toDict().channel).toBe('real');
  });
});

describe('decoding keeps unknown keys however the dict is shaped', () => {
  const base = JSON.parse(
    encodeRecord(new LogRecord({ channel: 'c', level: 13, msg: 'm', timeMicros: 1_000_000 })),
  ) as Record<string, unknown>;

  it('keeps an unknown key beside every wire field', () => {
    expect(decodeRecord(JSON.stringify({ ...base, tenant: 'a' })).unknownFields).toEqual({ tenant: 'a' });
  });

  it('keeps an unknown key that replaces a missing wire field (same number of keys)', () => {
    const { greenlet: _, ...rest } = base;
    const decoded = decodeRecord(JSON.stringify({ ...rest, tenant: 'a' }));
    expect(decoded.unknownFields).toEqual({ tenant: 'a' });
    expect(decoded.greenlet).toBeNull();
  });

  it('has no unknown fields for a plain Logbook dict', () => {
    expect(decodeRecord(JSON.stringify(base)).unknownFields).toBeNull();
  });

  it('fromDict copies args, kwargs and extra unless the dict is handed over', () => {
    const dict = { ...base, args: [1], kwargs: { a: 1 }, extra: { b: 2 } };
    const copied = LogRecord.fromDict(dict);
    copied.args.push(2);
    copied.kwargs.x = 1;
    copied.extra.y = 1;
    expect(dict).toEqual({ ...base, args: [1], kwargs: { a: 1 }, extra: { b: 2 } });
    const adopted = LogRecord.fromDict(dict, true);
    expect(adopted.args).toBe(dict.args);
    expect(adopted.extra).toBe(dict.extra);
  });

  it('clone() is independent of its original', () => {
    const record = new LogRecord({ channel: 'c', level: 13, msg: '{0}', args: [1], extra: { a: 1 } });
    const copy = record.clone();
    copy.args.push(2);
    copy.extra.b = 2;
    expect(record.args).toEqual([1]);
    expect(record.extra).toEqual({ a: 1 });
  });
});

describe('parseIsoTime', () => {
  it('reads six-digit fractions the same on its fast path as on its full parse', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000_000 }),
        fc.integer({ min: 0, max: 999_999 }),
        (base, micros) => {
          const second = Math.floor(base / 1e6) * 1e6;
          const prefix = new Date(second / 1000).toISOString().slice(0, 19);
          parseIsoTime(`${prefix}Z`); // primes the per-second cache
          expect(parseIsoTime(`${prefix}.${String(micros).padStart(6, '0')}Z`)).toBe(second + micros);
          expect(parseIsoTime(`${prefix}.${String(micros).padStart(6, '0').slice(0, 5)}xZ`)).toBeNull();
          expect(parseIsoTime(`${prefix}.5Z`)).toBe(second + 500_000);
        },
      ),
    );
  });
});
