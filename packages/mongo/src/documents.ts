import type { LogRecord } from '@logq/core';
import { RecordDecodeError, type WireRecord, unwrapKombuEnvelope, wrapKombuEnvelope } from '@logq/core/transport';
import { Binary, type Document, Long } from 'mongodb';

/**
 * logq's reserved field: a record whose dict cannot be stored as fields
 * keeps its JSON frame in `_logq.frame`. (Work-queue claims are kept in
 * `<collection>.claims`, not in the records.)
 */
export const BOOKKEEPING_FIELD = '_logq';

/** The BSON Date that logq adds (the record's time) for range queries. */
export const TIMESTAMP_FIELD = 'timestamp';

/** Largest UTF-16 length of a record's strings for which the size check is skipped. */
const SMALL_RECORD_CHARS = 32 * 1024;

/**
 * Whether every key in `value` (recursively) can be a MongoDB field name on
 * every server: no `.`, no leading `$`, no NUL. MongoDB 5+ accepts some of
 * these; FerretDB and older servers refuse them.
 */
export function hasStorableKeys(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (depth > 90) return false; // BSON nesting limit is 100
  if (Array.isArray(value)) {
    for (const item of value) if (!hasStorableKeys(item, depth + 1)) return false;
    return true;
  }
  for (const key of Object.keys(value)) {
    if (key.includes('.') || key.startsWith('$') || key.includes('\u0000')) return false;
    if (!hasStorableKeys((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/**
 * A rough upper bound of the UTF-8 size of a dict's JSON text from its string
 * lengths: used to skip exact measurement for ordinary records.
 */
function roughChars(dict: WireRecord): number {
  return (
    dict.msg.length +
    dict.message.length +
    (dict.formatted_exception?.length ?? 0) +
    (dict.exception_message?.length ?? 0) +
    dict.channel.length
  );
}

/** A record dict turned into a document, with its JSON size when measured. */
export interface RecordDocument {
  readonly doc: Document;
  /** UTF-8 bytes of the record's JSON (0: known to be small). */
  readonly bytes: number;
}

/**
 * The document for a record dict (`format: 'logq'`): the dict's fields, plus
 * `timestamp` (a Date) unless the dict has a `timestamp` key of its own. A
 * dict with keys MongoDB cannot store (or a nested `_id`/`_logq` clash) is
 * kept whole as its JSON text in `_logq.frame`, beside `channel`, `level`
 * and `timestamp` so it can still be queried by those. With `owned`, the
 * dict is the caller's to give away (a fresh `toDict()`) and becomes the
 * document itself.
 */
export function recordDocument(dict: WireRecord, timeMs: number, owned = false): RecordDocument {
  const otherKeys = Object.keys(dict).length > 23;
  const big = roughChars(dict) > SMALL_RECORD_CHARS;
  const storable =
    hasStorableKeys(dict.args) &&
    hasStorableKeys(dict.kwargs) &&
    hasStorableKeys(dict.extra) &&
    (!otherKeys || (!('_id' in dict) && !(BOOKKEEPING_FIELD in dict) && hasStorableKeys(dict)));
  const bytes = big || otherKeys || !storable ? Buffer.byteLength(JSON.stringify(dict)) : 0;
  if (!storable) {
    return {
      doc: {
        channel: dict.channel,
        level: dict.level,
        [TIMESTAMP_FIELD]: new Date(timeMs),
        [BOOKKEEPING_FIELD]: { frame: JSON.stringify(dict) },
      },
      bytes,
    };
  }
  if (TIMESTAMP_FIELD in dict) return { doc: owned ? dict : { ...dict }, bytes };
  // A dict of our own (fresh from toDict) takes the field directly: a spread
  // copy given one more key falls out of V8's fast properties (~3 µs a record).
  const doc: Document = owned ? dict : { ...dict };
  doc[TIMESTAMP_FIELD] = new Date(timeMs);
  return { doc, bytes };
}

/** A document read from the collection: a record dict to validate, or a raw frame to decode. */
export type ReadDocument = { readonly dict: Record<string, unknown> } | { readonly frame: string | Uint8Array };

/** Converts BSON values that JSON cannot hold (Long, Date, ObjectId, Binary...) nested in a document. */
function plain(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as unknown;
      const converted = plain(item, depth + 1);
      if (converted !== item) (out ??= value.slice())[i] = converted;
    }
    return out ?? value;
  }
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Binary) return Buffer.from(value.buffer).toString('base64');
  const bsontype = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsontype === 'string') return String(value);
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const converted = plain(item, depth + 1);
    if (converted !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = converted;
  }
  return out ?? value;
}

/**
 * The record dict a `format: 'logq'` document carries: the document without
 * `_id`, `_logq` and the `timestamp` Date that logq added, so that the decoded
 * record reproduces the original dict; or the raw frame in `_logq.frame`.
 */
export function readRecordDocument(doc: Document): ReadDocument {
  const bookkeeping = doc[BOOKKEEPING_FIELD] as unknown;
  if (isBookkeeping(bookkeeping) && bookkeeping.frame !== undefined) {
    const frame = bookkeeping.frame as unknown;
    if (typeof frame === 'string') return { frame };
    if (frame instanceof Binary) return { frame: frame.value() };
    if (frame instanceof Uint8Array) return { frame };
    throw new RecordDecodeError(`document ${String(doc._id)} has a _logq.frame that is neither text nor binary`);
  }
  const dict: Record<string, unknown> = {};
  for (const key of Object.keys(doc)) {
    if (key === '_id' || key === BOOKKEEPING_FIELD) continue;
    const value = doc[key] as unknown;
    if (key === TIMESTAMP_FIELD && value instanceof Date) continue;
    dict[key] = plain(value, 0);
  }
  return { dict };
}

function isBookkeeping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** kombu stores `priority` reversed (9 - priority), so that an ascending sort takes the highest first. */
export function kombuStoredPriority(priority: number): number {
  return 9 - Math.max(0, Math.min(9, Math.trunc(priority)));
}

/**
 * The document kombu's MongoDB transport writes for `SimpleQueue(queue).put(dict)`:
 * `{ payload: <JSON of kombu's envelope (core's), body base64>, queue, priority }`.
 */
export function kombuDocument(recordJson: string | Uint8Array, queue: string, priority: number): Document {
  const payload = wrapKombuEnvelope(recordJson, { exchange: queue, routingKey: queue, priority });
  return { payload, queue, priority: kombuStoredPriority(priority) };
}

/**
 * The record's JSON text inside a kombu document: its `payload` (text or
 * binary) unwrapped by core's kombu envelope.
 * @throws {RecordDecodeError} when the document is not a JSON kombu message.
 */
export function unwrapKombuDocument(doc: Document, maxRecordBytes: number): string {
  let payload = doc.payload as unknown;
  if (payload instanceof Binary) payload = payload.value();
  if (typeof payload !== 'string' && !(payload instanceof Uint8Array))
    throw new RecordDecodeError('not a kombu document (no "payload")');
  const body = unwrapKombuEnvelope(payload, maxRecordBytes);
  if (typeof body === 'string') return body;
  try {
    return utf8.decode(body);
  } catch (cause) {
    throw new RecordDecodeError('kombu body is not valid UTF-8', { cause });
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The record's time in ms, for the `timestamp` field. */
export function recordTimeMs(record: LogRecord): number {
  return Math.floor(record.timeMicros / 1000);
}
