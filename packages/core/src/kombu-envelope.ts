import { randomUUID } from 'node:crypto';
import { RecordDecodeError } from './errors.js';
import { isJsonObject } from './json.js';

/*
 * kombu's message envelope, as Python Logbook's `MessageQueueHandler` writes
 * it through kombu's `SimpleQueue.put(dict)` with the JSON serializer. On
 * AMQP the envelope is the message's properties (content type, encoding,
 * headers) and the body is the record's JSON bytes. On kombu's virtual
 * transports (Redis, MongoDB, ...) the whole message is one JSON object:
 *
 *   {"body": <the record's JSON, base64>, "content-encoding": "utf-8",
 *    "content-type": "application/json", "headers": {},
 *    "properties": {"delivery_mode": 2, "delivery_info": {"exchange": q, "routing_key": q},
 *                   "priority": 0, "body_encoding": "base64", "delivery_tag": <uuid4>}}
 *
 * Compressed messages (kombu's `compression=` header) are refused: Logbook
 * never compresses, and a subscriber counts them as malformed.
 */

/** The content type of kombu's JSON serializer (what Logbook's records are sent as). */
export const KOMBU_CONTENT_TYPE = 'application/json';

/** The content encoding of kombu's JSON serializer. */
export const KOMBU_CONTENT_ENCODING = 'utf-8';

/** How the record's JSON is carried in the `body` of a virtual-transport envelope. */
export type KombuBodyEncoding = 'base64' | 'utf-8';

/**
 * The parts of a kombu message that say how its body is encoded, as an AMQP
 * message carries them in its properties (`contentType`, `contentEncoding`,
 * `headers`) or a virtual-transport envelope in its fields (`content-type`,
 * `content-encoding`, `headers`). Values are as received: anything.
 */
export interface KombuContentProperties {
  /** kombu's `content_type`: `application/json` for Logbook's records (absent is taken as JSON). */
  readonly contentType?: unknown;
  /** kombu's `content_encoding`: `utf-8` (absent is taken as UTF-8). */
  readonly contentEncoding?: unknown;
  /** kombu's headers; a `compression` header marks a compressed body. */
  readonly headers?: unknown;
}

/**
 * Why a kombu message cannot carry a logq/Logbook record, or null when it can:
 * its content type is not JSON (parameters such as `; charset=utf-8` and case
 * are ignored; absent is taken as JSON), its content encoding is not UTF-8, or
 * its body is compressed. Used for AMQP message properties and for
 * virtual-transport envelopes alike.
 */
export function kombuContentProblem(properties: KombuContentProperties): string | null {
  const { contentType, contentEncoding, headers } = properties;
  // What kombu sends (every message of a busy queue): no string work.
  if (contentType !== KOMBU_CONTENT_TYPE && contentType !== undefined && contentType !== null && contentType !== '') {
    const type = String(contentType).split(';')[0]!.trim().toLowerCase();
    if (type !== KOMBU_CONTENT_TYPE)
      return `unsupported content_type ${JSON.stringify(String(contentType))} (expected application/json)`;
  }
  if (
    contentEncoding !== 'utf-8' &&
    contentEncoding !== undefined &&
    contentEncoding !== null &&
    contentEncoding !== ''
  ) {
    const encoding = String(contentEncoding).toLowerCase();
    if (encoding !== 'utf-8' && encoding !== 'utf8')
      return `unsupported content_encoding ${JSON.stringify(String(contentEncoding))} (expected utf-8)`;
  }
  if (typeof headers === 'object' && headers !== null) {
    const compression = (headers as Record<string, unknown>)['compression'];
    if (compression !== undefined && compression !== null)
      return `compressed messages are not supported (${String(compression)})`;
  }
  return null;
}

/** The AMQP message properties kombu's `Producer.publish` sets for a JSON body (see {@link kombuAmqpProperties}). */
export interface KombuAmqpProperties {
  /** `application/json`. */
  readonly contentType: string;
  /** `utf-8`. */
  readonly contentEncoding: string;
  /** Empty. */
  readonly headers: Readonly<Record<string, never>>;
  /** 2: persistent, 1: transient. */
  readonly deliveryMode: 1 | 2;
  /** 0. */
  readonly priority: number;
}

/**
 * The AMQP message properties of a record published as Logbook's
 * `MessageQueueHandler` publishes it through kombu: `application/json`,
 * `utf-8`, empty headers, priority 0, and `delivery_mode` 2 (persistent)
 * unless `persistent` is false. The body is the record's JSON bytes.
 */
export function kombuAmqpProperties(persistent = true): KombuAmqpProperties {
  return Object.freeze({
    contentType: KOMBU_CONTENT_TYPE,
    contentEncoding: KOMBU_CONTENT_ENCODING,
    headers: Object.freeze({}),
    deliveryMode: persistent ? 2 : 1,
    priority: 0,
  });
}

/** Options of {@link wrapKombuEnvelope}. */
export interface KombuEnvelopeOptions {
  /** The exchange in `delivery_info` (kombu's SimpleQueue: the queue name). */
  readonly exchange: string;
  /** The routing key in `delivery_info` (kombu's SimpleQueue: the queue name). */
  readonly routingKey: string;
  /** How the body is carried: base64 of its UTF-8 bytes (kombu's default) or the text itself. @default 'base64' */
  readonly bodyEncoding?: KombuBodyEncoding;
  /** The message priority (0-9). @default 0 */
  readonly priority?: number;
  /** 2: persistent (kombu's default), 1: transient. @default 2 */
  readonly deliveryMode?: 1 | 2;
  /** The delivery tag. @default a random UUID, as kombu makes one */
  readonly deliveryTag?: string;
}

/**
 * Wraps a record's JSON (text or UTF-8 bytes) in kombu's virtual-transport
 * envelope, with the keys in the order kombu writes them, and returns the
 * envelope's JSON text: what kombu's Redis transport LPUSHes and its MongoDB
 * transport stores in a document's `payload`.
 */
export function wrapKombuEnvelope(json: string | Uint8Array, options: KombuEnvelopeOptions): string {
  const bodyEncoding = options.bodyEncoding ?? 'base64';
  let body: string;
  if (bodyEncoding === 'base64')
    body = (
      typeof json === 'string' ? Buffer.from(json, 'utf8') : Buffer.from(json.buffer, json.byteOffset, json.byteLength)
    ).toString('base64');
  else body = typeof json === 'string' ? json : utf8.decode(json);
  return JSON.stringify({
    body,
    'content-encoding': KOMBU_CONTENT_ENCODING,
    'content-type': KOMBU_CONTENT_TYPE,
    headers: {},
    properties: {
      delivery_mode: options.deliveryMode ?? 2,
      delivery_info: { exchange: options.exchange, routing_key: options.routingKey },
      priority: options.priority ?? 0,
      body_encoding: bodyEncoding,
      delivery_tag: options.deliveryTag ?? randomUUID(),
    },
  });
}

/**
 * The largest envelope (in UTF-8 bytes) that can carry a record of
 * `maxRecordBytes`: a base64 body is 4/3 of the record, plus the envelope's
 * own fields.
 */
export function maxKombuEnvelopeBytes(maxRecordBytes: number): number {
  return Math.ceil(maxRecordBytes * 1.34) + 4096;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Takes the record's JSON out of a kombu virtual-transport envelope (JSON
 * text, or its UTF-8 bytes): the body's bytes for a base64 body (decode them
 * with `decodeRecord`, which checks that they are UTF-8), the body's text
 * otherwise. Sizes are counted in UTF-8 bytes, never in characters.
 * @throws {RecordDecodeError} when the envelope is larger than a record of
 *   `maxRecordBytes` can make it, is not UTF-8 or not JSON, is not a kombu
 *   message (no string `body`, no `properties` object), is not JSON content
 *   in UTF-8, is compressed, or has a body encoding other than base64/utf-8.
 */
export function unwrapKombuEnvelope(envelope: string | Uint8Array, maxRecordBytes: number): string | Uint8Array {
  const size = typeof envelope === 'string' ? Buffer.byteLength(envelope, 'utf8') : envelope.byteLength;
  if (size > maxKombuEnvelopeBytes(maxRecordBytes)) {
    throw new RecordDecodeError(`kombu message of ${size} bytes exceeds maxRecordBytes (${maxRecordBytes})`);
  }
  let text: string;
  try {
    text = typeof envelope === 'string' ? envelope : utf8.decode(envelope);
  } catch (cause) {
    throw new RecordDecodeError('kombu message is not valid UTF-8', { cause });
  }
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (cause) {
    throw new RecordDecodeError('kombu message is not JSON', { cause });
  }
  if (!isJsonObject(message) || !isJsonObject(message.properties) || typeof message.body !== 'string') {
    throw new RecordDecodeError('not a kombu message (no "body" or "properties")');
  }
  const problem = kombuContentProblem({
    contentType: message['content-type'],
    contentEncoding: message['content-encoding'],
    headers: message.headers,
  });
  if (problem !== null) throw new RecordDecodeError(`kombu message: ${problem}`);
  const encoding = message.properties.body_encoding;
  if (encoding === 'base64') return Buffer.from(message.body, 'base64');
  if (
    encoding === undefined ||
    encoding === null ||
    (typeof encoding === 'string' && encoding.toLowerCase() === 'utf-8')
  )
    return message.body;
  throw new RecordDecodeError(`kombu body_encoding ${JSON.stringify(encoding)} is not supported`);
}
