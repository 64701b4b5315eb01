/**
 * kombu's envelope against real Logbook output: the fixture holds what Python
 * Logbook's MessageQueueHandler (through kombu) wrote to Redis, MongoDB and
 * RabbitMQ, as each broker stored it, beside the dicts Logbook exported. It is
 * made by tooling/services/scripts/capture-kombu-fixtures.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogRecord, Level, RecordDecodeError } from '../src/index.js';
import { decodeRecord, encodeRecord } from '../src/transport.js';
import {
  kombuAmqpProperties,
  kombuContentProblem,
  maxKombuEnvelopeBytes,
  unwrapKombuEnvelope,
  wrapKombuEnvelope,
} from '../src/transport.js';

interface Capture {
  readonly transport: 'redis' | 'mongodb' | 'amqp';
  readonly queue: string;
  readonly versions: Record<string, string>;
  readonly exported: Record<string, unknown>[];
  readonly messages: {
    readonly stored?: string;
    readonly priority?: number;
    readonly body_base64?: string;
    readonly properties?: Record<string, unknown>;
  }[];
}

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/kombu-logbook.json'), 'utf8')) as {
  captures: Capture[];
};
const capture = (transport: Capture['transport']): Capture => fixture.captures.find((c) => c.transport === transport)!;
const virtual = [capture('redis'), capture('mongodb')];
const MiB = 1 << 20;

/** Every key of `value`, nested objects' keys included, in order (`a`, `a.b`, ...). */
function keyOrder(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => [`${prefix}${key}`, ...keyOrder(inner, `${prefix}${key}.`)]);
}

describe('the fixture', () => {
  it('holds four records per broker, from Logbook and kombu', () => {
    for (const c of fixture.captures) {
      expect(c.exported).toHaveLength(4);
      expect(c.messages).toHaveLength(4);
      expect(c.versions.logbook).toMatch(/^\d+\./);
      expect(c.versions.kombu).toMatch(/^\d+\./);
    }
  });
});

describe.each(virtual.map((c) => [c.transport, c] as const))(
  'unwrapKombuEnvelope on what Logbook wrote to %s',
  (_name, c) => {
    it('gives the record Logbook exported, field for field, from the text and from its bytes', () => {
      c.messages.forEach((message, i) => {
        for (const envelope of [message.stored!, Buffer.from(message.stored!, 'utf8')]) {
          const body = unwrapKombuEnvelope(envelope, MiB);
          expect(body).toBeInstanceOf(Uint8Array); // kombu's default body encoding is base64
          expect(decodeRecord(body).toDict()).toEqual(c.exported[i]);
        }
      });
    });

    it('takes the records Logbook sent as they read in Python (unicode, the long one, the exception)', () => {
      const [warning, info, long, failed] = c.messages.map((m) => decodeRecord(unwrapKombuEnvelope(m.stored!, MiB)));
      expect(warning!.message).toBe('Hello wörld and ñame: 日本語 🎉');
      expect(warning!.channel).toBe('kombu fixture ünïcode');
      expect(info!.level).toBe(Level.INFO);
      expect(long!.message).toBe(`a long one: ${'ü'.repeat(500)}`);
      expect(failed!.exceptionName).toBe('builtins.KeyError');
    });

    it('refuses a record above maxRecordBytes once it is unwrapped (the codec counts its bytes)', () => {
      const long = c.messages[2]!.stored!;
      const body = unwrapKombuEnvelope(long, 5000); // the envelope may carry a record of 5000 bytes...
      expect(body.length).toBeGreaterThan(5000);
      expect(() => decodeRecord(body, { maxRecordBytes: 5000 })).toThrow(
        /frame of \d+ bytes exceeds maxRecordBytes \(5000\)/,
      ); // ...this one is larger
      expect(() => unwrapKombuEnvelope(long, 1000)).toThrow(
        /kombu message of \d+ bytes exceeds maxRecordBytes \(1000\)/,
      );
    });
  },
);

describe('wrapKombuEnvelope', () => {
  it.each(virtual.map((c) => [c.transport, c] as const))(
    'writes the envelope kombu wrote on %s: the same keys in the same order, the same values',
    (_name, c) => {
      c.messages.forEach((message, i) => {
        const theirs = JSON.parse(message.stored!) as Record<string, unknown> & { properties: Record<string, unknown> };
        const json = JSON.stringify(c.exported[i]);
        const ours = JSON.parse(
          wrapKombuEnvelope(json, {
            exchange: c.queue,
            routingKey: c.queue,
            priority: theirs.properties.priority as number,
          }),
        ) as typeof theirs;
        expect(keyOrder(ours)).toEqual(keyOrder(theirs));
        expect(ours.properties.delivery_tag).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        const same = (m: typeof theirs) => ({
          ...m,
          body: undefined,
          properties: { ...m.properties, delivery_tag: undefined },
        });
        expect(same(ours)).toEqual(same(theirs));
        expect(Buffer.from(ours.body as string, 'base64').toString('utf8')).toBe(json);
      });
    },
  );

  it('round-trips a logq record with either body encoding, from text or bytes, multi-byte text included', () => {
    const record = new LogRecord({ channel: 'app ü', level: Level.ERROR, msg: '日本語 {} 🎉', args: ['ÿ'] });
    const json = encodeRecord(record);
    for (const input of [json, new TextEncoder().encode(json)]) {
      for (const bodyEncoding of ['base64', 'utf-8'] as const) {
        const envelope = wrapKombuEnvelope(input, { exchange: 'ex', routingKey: 'rk', bodyEncoding });
        const message = JSON.parse(envelope) as { body: string; properties: Record<string, unknown> };
        expect(message.properties).toMatchObject({
          delivery_mode: 2,
          delivery_info: { exchange: 'ex', routing_key: 'rk' },
          priority: 0,
          body_encoding: bodyEncoding,
        });
        if (bodyEncoding === 'utf-8') expect(message.body).toBe(json);
        expect(decodeRecord(unwrapKombuEnvelope(envelope, MiB)).toDict()).toEqual(record.toDict());
      }
    }
  });

  it('takes the priority, delivery mode and tag it is given', () => {
    const message = JSON.parse(
      wrapKombuEnvelope('{}', { exchange: 'q', routingKey: 'q', priority: 7, deliveryMode: 1, deliveryTag: 't-1' }),
    ) as { properties: Record<string, unknown> };
    expect(message.properties).toEqual({
      delivery_mode: 1,
      delivery_info: { exchange: 'q', routing_key: 'q' },
      priority: 7,
      body_encoding: 'base64',
      delivery_tag: 't-1',
    });
  });
});

describe('kombu on AMQP (the envelope is the message properties)', () => {
  const amqp = capture('amqp');

  it('kombuAmqpProperties are the properties kombu published Logbook records with', () => {
    const ours = kombuAmqpProperties();
    for (const message of amqp.messages) {
      expect({
        content_type: ours.contentType,
        content_encoding: ours.contentEncoding,
        headers: ours.headers,
        delivery_mode: ours.deliveryMode,
        priority: ours.priority,
      }).toEqual(message.properties);
    }
    expect(kombuAmqpProperties(false).deliveryMode).toBe(1);
    expect(Object.isFrozen(ours)).toBe(true);
  });

  it('kombuContentProblem accepts those properties, and the body is the record Logbook exported', () => {
    amqp.messages.forEach((message, i) => {
      const p = message.properties!;
      expect(
        kombuContentProblem({ contentType: p.content_type, contentEncoding: p.content_encoding, headers: p.headers }),
      ).toBeNull();
      expect(decodeRecord(Buffer.from(message.body_base64!, 'base64')).toDict()).toEqual(amqp.exported[i]);
    });
  });
});

describe('kombuContentProblem', () => {
  it('takes JSON in UTF-8, absent fields as kombu defaults, parameters and case ignored', () => {
    expect(kombuContentProblem({})).toBeNull();
    expect(kombuContentProblem({ contentType: null, contentEncoding: '', headers: null })).toBeNull();
    expect(
      kombuContentProblem({
        contentType: 'Application/JSON; charset=utf-8',
        contentEncoding: 'UTF8',
        headers: { compression: null },
      }),
    ).toBeNull();
  });

  it('names what it refuses: another content type, another encoding, compression', () => {
    expect(kombuContentProblem({ contentType: 'application/x-python-serialize' })).toMatch(
      /content_type "application\/x-python-serialize"/,
    );
    expect(kombuContentProblem({ contentEncoding: 'binary' })).toMatch(/content_encoding "binary"/);
    expect(kombuContentProblem({ headers: { compression: 'application/x-gzip' } })).toMatch(/compressed.*x-gzip/);
  });
});

describe('unwrapKombuEnvelope refuses what is not a record in kombu JSON, as RecordDecodeError', () => {
  const good = JSON.parse(capture('redis').messages[0]!.stored!) as Record<string, unknown> & {
    properties: Record<string, unknown>;
  };
  const variant = (change: (m: Record<string, unknown> & { properties: Record<string, unknown> }) => void): string => {
    const copy = structuredClone(good);
    change(copy);
    return JSON.stringify(copy);
  };

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['not UTF-8 bytes', Buffer.from([0x7b, 0xff, 0x7d]), /not valid UTF-8/],
    ['no body', variant((m) => delete m.body), /not a kombu message/],
    ['no properties', variant((m) => delete (m as Partial<typeof m>).properties), /not a kombu message/],
    ['a compressed body', variant((m) => (m.headers = { compression: 'application/x-gzip' })), /compressed/],
    ['another content type', variant((m) => (m['content-type'] = 'application/x-yaml')), /content_type/],
    ['another content encoding', variant((m) => (m['content-encoding'] = 'latin-1')), /content_encoding/],
    ['another body encoding', variant((m) => (m.properties.body_encoding = 'rot13')), /body_encoding "rot13"/],
  ])('%s', (_what, envelope, reason) => {
    expect(() => unwrapKombuEnvelope(envelope, MiB)).toThrow(RecordDecodeError);
    expect(() => unwrapKombuEnvelope(envelope, MiB)).toThrow(reason);
  });

  it('counts the size in UTF-8 bytes, not characters (text and bytes alike)', () => {
    const maxRecordBytes = 3000;
    const limit = maxKombuEnvelopeBytes(maxRecordBytes);
    const body = 'ü'.repeat(Math.floor(limit / 2) - 100); // fewer characters than the limit, more bytes
    const envelope = wrapKombuEnvelope(body, { exchange: 'q', routingKey: 'q', bodyEncoding: 'utf-8' });
    expect(envelope.length).toBeLessThan(limit);
    expect(Buffer.byteLength(envelope)).toBeGreaterThan(limit);
    for (const input of [envelope, Buffer.from(envelope)]) {
      expect(() => unwrapKombuEnvelope(input, maxRecordBytes)).toThrow(
        /kombu message of \d+ bytes exceeds maxRecordBytes \(3000\)/,
      );
    }
    const fits = wrapKombuEnvelope('ü'.repeat(Math.floor(limit / 2) - 200), {
      exchange: 'q',
      routingKey: 'q',
      bodyEncoding: 'utf-8',
    });
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(limit);
    expect(typeof unwrapKombuEnvelope(fits, maxRecordBytes)).toBe('string');
  });

  it('lets a base64 body of a record of maxRecordBytes through', () => {
    const maxRecordBytes = 4096;
    const json = JSON.stringify({ channel: 'c', level: 13, msg: 'x'.repeat(maxRecordBytes - 40) });
    const envelope = wrapKombuEnvelope(json, { exchange: 'logging', routingKey: 'logging' });
    expect(decodeRecord(unwrapKombuEnvelope(envelope, maxRecordBytes), { maxRecordBytes }).msg).toHaveLength(
      maxRecordBytes - 40,
    );
  });
});
