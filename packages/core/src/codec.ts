import { RecordDecodeError } from './errors.js';
import { isJsonObject } from './json.js';
import { LogRecord, type WireRecord } from './record.js';
import { recordJson } from './record-json.js';

/** Frames larger than this many bytes are rejected before parsing, by default. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/** Options of {@link decodeRecord}. */
export interface DecodeOptions {
  /** Frames larger than this (in UTF-8 bytes) are rejected before parsing. @default 1 MiB */
  readonly maxRecordBytes?: number;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Encodes a record as the JSON text of its wire dict: exactly
 * `JSON.stringify(record.toDict())`, written without building the dict.
 */
export function encodeRecord(record: LogRecord): string {
  return recordJson(record);
}

/** Encodes a wire dict (e.g. a record already exported) as JSON text. */
export function encodeDict(dict: WireRecord): string {
  return JSON.stringify(dict);
}

/** The size of a frame in UTF-8 bytes. */
export function frameBytes(frame: string | Uint8Array): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame, 'utf8') : frame.byteLength;
}

/**
 * Validates a parsed value as a wire dict: a JSON object with `channel`,
 * `level` (a number) and `msg` or `message` (strings).
 * @throws {RecordDecodeError}
 */
export function validateWireDict(value: unknown): Record<string, unknown> {
  if (!isJsonObject(value))
    throw new RecordDecodeError(
      `record is not a JSON object (got ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value})`,
    );
  if (typeof value.channel !== 'string') throw new RecordDecodeError('record has no string "channel"');
  if (typeof value.level !== 'number' || !Number.isFinite(value.level))
    throw new RecordDecodeError('record has no numeric "level"');
  if (typeof value.msg !== 'string' && typeof value.message !== 'string')
    throw new RecordDecodeError('record has neither "msg" nor "message"');
  return value;
}

/**
 * Decodes one frame (UTF-8 JSON text or bytes) into a {@link LogRecord}.
 * @throws {RecordDecodeError} when the frame is too large, not UTF-8, not JSON, or not a record.
 */
export function decodeRecord(frame: string | Uint8Array, options: DecodeOptions = {}): LogRecord {
  const limit = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: skip the count when clearly small.
  const size = typeof frame === 'string' && frame.length * 3 <= limit ? 0 : frameBytes(frame);
  if (size > limit) throw new RecordDecodeError(`frame of ${size} bytes exceeds maxRecordBytes (${limit})`);
  let text: string;
  if (typeof frame === 'string') {
    text = frame;
  } else {
    try {
      text = textDecoder.decode(frame);
    } catch (cause) {
      throw new RecordDecodeError('frame is not valid UTF-8', { cause });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new RecordDecodeError(`frame is not JSON: ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`, { cause });
  }
  return LogRecord.fromDict(validateWireDict(parsed), true);
}
