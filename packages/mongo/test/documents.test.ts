import { Level, LogRecord, RecordDecodeError } from '@logq/core';
import { sampleRecord } from '@logq/core/testing';
import { Binary, Long, ObjectId } from 'mongodb';
import {
  hasStorableKeys,
  kombuDocument,
  kombuStoredPriority,
  readRecordDocument,
  recordDocument,
  unwrapKombuDocument,
} from '../src/documents.js';

describe('record documents (pure logic)', () => {
  it('puts the dict at the top level with a timestamp Date, and reads it back unchanged', () => {
    const record = sampleRecord();
    const { doc } = recordDocument(record.toDict(), 1_764_087_806_073);
    expect(doc.timestamp).toEqual(new Date(1_764_087_806_073));
    expect(doc.channel).toBe(record.channel);
    const read = readRecordDocument({ _id: new ObjectId(), ...doc });
    expect('dict' in read && read.dict).toEqual(record.toDict());
  });

  it('keeps a dict timestamp of its own', () => {
    const record = LogRecord.fromDict({ channel: 'c', level: 13, msg: 'm', timestamp: 'mine' });
    const { doc } = recordDocument(record.toDict(), 0);
    expect(doc.timestamp).toBe('mine');
    const read = readRecordDocument(doc);
    expect('dict' in read && read.dict.timestamp).toBe('mine');
  });

  it('stores unstorable keys as a frame', () => {
    expect(hasStorableKeys({ a: { b: [{ 'c.d': 1 }] } })).toBe(false);
    expect(hasStorableKeys({ $a: 1 })).toBe(false);
    expect(hasStorableKeys({ a: [1, { b: 'x.y' }] })).toBe(true);
    const record = new LogRecord({ channel: 'c', level: Level.INFO, msg: 'm', kwargs: { 'a.b': 1 } });
    const { doc, bytes } = recordDocument(record.toDict(), 0);
    expect(doc._logq.frame).toBe(JSON.stringify(record.toDict()));
    expect(bytes).toBe(Buffer.byteLength(JSON.stringify(record.toDict())));
    expect(readRecordDocument(doc)).toEqual({ frame: JSON.stringify(record.toDict()) });
  });

  it('turns BSON values that JSON cannot hold into JSON ones', () => {
    const read = readRecordDocument({
      channel: 'c',
      level: 13,
      msg: 'm',
      extra: { n: Long.fromNumber(5), when: new Date(0) },
    });
    expect('dict' in read && read.dict.extra).toEqual({ n: 5, when: '1970-01-01T00:00:00.000Z' });
    expect(readRecordDocument({ _logq: { frame: new Binary(Buffer.from([0xff])) } })).toEqual({
      frame: new Uint8Array([0xff]),
    });
    expect(() => readRecordDocument({ _logq: { frame: 3 } })).toThrow(RecordDecodeError);
  });

  it("writes kombu's document and reads it back", () => {
    const json = JSON.stringify(sampleRecord().toDict());
    const doc = kombuDocument(json, 'logging', 0);
    expect(doc.queue).toBe('logging');
    expect(doc.priority).toBe(9);
    expect(kombuStoredPriority(9)).toBe(0);
    const envelope = JSON.parse(doc.payload as string) as Record<string, unknown>;
    expect(envelope['content-type']).toBe('application/json');
    expect(unwrapKombuDocument(doc, 1 << 20)).toBe(json);
    expect(() => unwrapKombuDocument({ payload: 'nope' }, 1 << 20)).toThrow(RecordDecodeError);
    expect(() => unwrapKombuDocument({}, 1 << 20)).toThrow(RecordDecodeError);
  });
});
