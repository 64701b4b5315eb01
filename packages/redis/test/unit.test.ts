import { RecordDecodeError } from '@logq/core';
import { kombuEnvelope, pythonJsonDumps, unwrapKombu } from '../src/index.js';
import { parseClaimReply, parseReadReply } from '../src/stream-reply.js';

describe('kombu envelope', () => {
  it('round-trips a record in both body encodings', () => {
    const json = '{"channel": "x", "level": 13, "msg": "ü"}';
    for (const encoding of ['base64', 'utf-8'] as const) {
      const message = JSON.parse(kombuEnvelope(json, 'ex', 'rk', encoding));
      expect(Object.keys(message)).toEqual(['body', 'content-encoding', 'content-type', 'headers', 'properties']);
      expect(message.properties).toMatchObject({
        delivery_mode: 2,
        delivery_info: { exchange: 'ex', routing_key: 'rk' },
        priority: 0,
        body_encoding: encoding,
      });
      expect(message.properties.delivery_tag).toMatch(/^[0-9a-f-]{36}$/);
      const body = unwrapKombu(JSON.stringify(message), 1 << 20);
      expect(Buffer.from(body).toString()).toBe(json);
    }
  });

  it('rejects what is not a kombu JSON message', () => {
    const bad = [
      'not json',
      '[]',
      '{"body": "e30="}',
      JSON.stringify({ body: 'x', 'content-type': 'application/x-python-serialize', properties: {} }),
      JSON.stringify({
        body: 'x',
        headers: { compression: 'application/x-gzip' },
        properties: { body_encoding: 'base64' },
      }),
      JSON.stringify({ body: 'x', properties: { body_encoding: 'rot13' } }),
    ];
    for (const frame of bad) expect(() => unwrapKombu(frame, 1 << 20)).toThrow(RecordDecodeError);
    expect(() => unwrapKombu(new Uint8Array([0xff, 0xfe]), 1 << 20)).toThrow(RecordDecodeError);
    expect(() => unwrapKombu('x'.repeat(3 << 20), 1 << 20)).toThrow(/exceeds maxRecordBytes/);
  });
});

describe('stream replies', () => {
  it('parses XREADGROUP replies, entries without the record field, and deleted entries', () => {
    const reply = [
      [
        Buffer.from('k'),
        [
          [Buffer.from('1-0'), [Buffer.from('record'), Buffer.from('{"a":1}')]],
          [Buffer.from('2-0'), [Buffer.from('other'), Buffer.from('x')]],
          [Buffer.from('3-0'), null],
        ],
      ],
    ];
    const entries = parseReadReply(reply, 'record');
    expect(entries.map((e) => e.id)).toEqual(['1-0', '2-0', '3-0']);
    expect(entries[0]!.data!.toString()).toBe('{"a":1}');
    expect(entries[1]!.data!.length).toBe(0);
    expect(entries[2]!.data).toBeNull();
    expect(parseReadReply(null, 'record')).toEqual([]);
  });

  it('parses XAUTOCLAIM replies', () => {
    const claimed = parseClaimReply(
      [Buffer.from('5-0'), [[Buffer.from('4-0'), [Buffer.from('record'), Buffer.from('r')]]], [Buffer.from('3-0')]],
      'record',
    );
    expect(claimed.cursor).toBe('5-0');
    expect(claimed.entries).toHaveLength(1);
    expect(claimed.deleted).toEqual(['3-0']);
  });
});

describe('pythonJsonDumps', () => {
  it('matches Python json.dumps for nested values', () => {
    expect(pythonJsonDumps({ a: [], b: {}, c: [{ d: 'é' }] })).toBe('{"a": [], "b": {}, "c": [{"d": "\\u00e9"}]}');
    expect(pythonJsonDumps(-0.5)).toBe('-0.5');
    expect(pythonJsonDumps(123456789012)).toBe('123456789012');
    expect(pythonJsonDumps('\u2028')).toBe('"\\u2028"');
  });
});
