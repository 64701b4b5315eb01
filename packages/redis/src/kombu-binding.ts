import { type KombuBodyEncoding, unwrapKombuEnvelope, wrapKombuEnvelope } from '@logq/core/transport';

/**
 * What is Redis-specific in kombu's Redis transport (what Python Logbook's
 * `MessageQueueHandler('redis://...')` uses through `SimpleQueue`): a producer
 * LPUSHes one envelope per record (core's `wrapKombuEnvelope`) on the list
 * named after the queue; a consumer takes from the other end (RPOP/BRPOP).
 * The binding of the queue's direct exchange lives in the set
 * `_kombu.binding.<exchange>` as `routing_key SEP pattern SEP queue`.
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
 * Wraps a record's JSON text in kombu's message envelope.
 * @deprecated Use `wrapKombuEnvelope` from `@logq/core/transport` (the one envelope every transport uses).
 */
export function kombuEnvelope(
  json: string,
  exchange: string,
  routingKey: string,
  bodyEncoding: KombuBodyEncoding,
): string {
  return wrapKombuEnvelope(json, { exchange, routingKey, bodyEncoding });
}

/**
 * Takes the record's JSON bytes out of a kombu message.
 * @deprecated Use `unwrapKombuEnvelope` from `@logq/core/transport`.
 * @throws {RecordDecodeError} when the frame is not a kombu JSON message.
 */
export function unwrapKombu(frame: string | Uint8Array, maxBytes: number): Uint8Array | string {
  return unwrapKombuEnvelope(frame, maxBytes);
}
