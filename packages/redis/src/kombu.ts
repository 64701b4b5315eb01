import { RecordDecodeError, isJsonObject } from '@logq/core';
import { randomUUID } from 'node:crypto';

/**
 * kombu's Redis transport (what Python Logbook's
 * `MessageQueueHandler('redis://...')` uses through `SimpleQueue`): a producer
 * LPUSHes one JSON message per record on the list named after the queue; a
 * consumer takes from the other end (RPOP/BRPOP). The binding of the
 * queue's direct exchange lives in the set `_kombu.binding.<exchange>` as
 * `routing_key SEP pattern SEP queue`.
 */
export const KOMBU_SEP = '\x06\x16';

/** The binding table key of an exchange. */
export function kombuBindingKey(exchange: string): string {
  return `_kombu.binding.${exchange}`;
}

/** The set that keeps a binding table from being swept (kombu >= 5.6). */
export function kombuPermanentBindingKey(exchange: string): string {
  return `_kombu.binding_permanent.${exchange}`;
}

/** The member of the binding table for a SimpleQueue named `queue` (routing key = queue name). */
export function kombuBindingMember(queue: string): string {
  return [queue, '', queue].join(KOMBU_SEP);
}

/**
 * Wraps a record's JSON text in kombu's message envelope, as
 * `kombu.SimpleQueue.put(dict)` on the Redis transport writes it.
 */
export function kombuEnvelope(json: string, exchange: string, routingKey: string, bodyEncoding: 'base64' | 'utf-8'): string {
  const body = bodyEncoding === 'base64' ? Buffer.from(json, 'utf8').toString('base64') : json;
  return JSON.stringify({
    body,
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: {},
    properties: {
      delivery_mode: 2,
      delivery_info: { exchange, routing_key: routingKey },
      priority: 0,
      body_encoding: bodyEncoding,
      delivery_tag: randomUUID(),
    },
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Takes the record's JSON bytes out of a kombu message.
 * @throws {RecordDecodeError} when the frame is not a kombu JSON message.
 */
export function unwrapKombu(frame: string | Uint8Array, maxBytes: number): Uint8Array | string {
  const size = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
  // base64 makes the body 4/3 larger than the record it carries.
  if (size > Math.ceil(maxBytes * 1.34) + 4096) throw new RecordDecodeError(`kombu message of ${size} bytes exceeds maxRecordBytes (${maxBytes})`);
  let text: string;
  try {
    text = typeof frame === 'string' ? frame : utf8.decode(frame);
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
  const contentType = message['content-type'];
  if (contentType !== 'application/json' && contentType !== undefined && contentType !== null) {
    throw new RecordDecodeError(`kombu message has content-type ${JSON.stringify(contentType)}, not application/json`);
  }
  const headers = message.headers;
  if (isJsonObject(headers) && headers.compression !== undefined && headers.compression !== null) {
    throw new RecordDecodeError(`kombu message is compressed (${String(headers.compression)}); not supported`);
  }
  const encoding = message.properties.body_encoding;
  if (encoding === 'base64') return Buffer.from(message.body, 'base64');
  if (encoding === undefined || encoding === null || (typeof encoding === 'string' && encoding.toLowerCase() === 'utf-8')) return message.body;
  throw new RecordDecodeError(`kombu body_encoding ${JSON.stringify(encoding)} is not supported`);
}
