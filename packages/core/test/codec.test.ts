import fc from 'fast-check';
import { LogRecord, RecordDecodeError } from '../src/index.js';
import { decodeRecord, encodeRecord, type JsonValue } from '../src/transport.js';

describe('decodeRecord', () => {
  it.each([
    ['not JSON', 'nope'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['a string', '"x"'],
    ['no channel', '{"level": 1, "msg": "m"}'],
    ['no level', '{"channel": "c", "msg": "m"}'],
    ['a string level', '{"channel": "c", "level": "13", "msg": "m"}'],
    ['no msg nor message', '{"channel": "c", "level": 13}'],
  ])('rejects %s with RecordDecodeError', (_, frame) => {
    expect(() => decodeRecord(frame)).toThrow(RecordDecodeError);
  });

  it('rejects invalid UTF-8 bytes', () => {
    expect(() => decodeRecord(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/UTF-8/);
  });

  it('rejects frames over maxRecordBytes before parsing', () => {
    const frame = JSON.stringify({ channel: 'c', level: 1, msg: 'é'.repeat(600) });
    expect(() => decodeRecord(frame, { maxRecordBytes: 1000 })).toThrow(/exceeds maxRecordBytes/);
    expect(decodeRecord(frame, { maxRecordBytes: 2000 }).msg).toHaveLength(600);
    expect(() => decodeRecord(Buffer.from(frame), { maxRecordBytes: 1000 })).toThrow(RecordDecodeError);
  });

  it('decodes bytes as UTF-8', () => {
    expect(decodeRecord(Buffer.from('{"channel":"ü","level":1,"msg":"m"}')).channel).toBe('ü');
  });
});

const jsonValue: fc.Arbitrary<JsonValue> = fc.jsonValue() as fc.Arbitrary<JsonValue>;

describe('codec properties', () => {
  it('every JSON-safe record round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          channel: fc.string({ unit: 'grapheme' }),
          level: fc.integer({ min: 0, max: 20 }),
          msg: fc.string({ unit: 'grapheme' }),
          args: fc.array(jsonValue, { maxLength: 4 }),
          kwargs: fc.dictionary(fc.string(), jsonValue, { maxKeys: 4 }),
          extra: fc.dictionary(fc.string(), jsonValue, { maxKeys: 4 }),
          timeMicros: fc.integer({ min: 0, max: 4_102_444_800_000_000 }),
        }),
        (init) => {
          const record = new LogRecord(init);
          const dict = record.toDict();
          const decoded = decodeRecord(encodeRecord(record));
          expect(decoded.toDict()).toEqual(JSON.parse(JSON.stringify(dict)));
          expect(decoded.timeMicros).toBe(init.timeMicros);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never crash the decoder: a record or RecordDecodeError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.string(),
          fc.json().map((j) => j),
        ),
        (frame) => {
          try {
            decodeRecord(frame);
          } catch (error) {
            expect(error).toBeInstanceOf(RecordDecodeError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
