/** The field of a stream entry that holds the record's JSON. */
export const STREAM_FIELD = 'record';

/** One stream entry as logq reads it: its id and the record field's bytes (null when absent or deleted). */
export interface StreamEntry {
  readonly id: string;
  readonly data: Buffer | null;
}

type Field = Buffer | string;

function text(value: Field): string {
  return typeof value === 'string' ? value : value.toString('latin1');
}

/** Entries of one `[id, [field, value, ...] | null]` list. */
export function parseEntries(raw: unknown, field: string): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const out: StreamEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item) || item.length < 1) continue;
    const id = text(item[0] as Field);
    const fields = item[1] as Field[] | null | undefined;
    let data: Buffer | null = null;
    if (Array.isArray(fields)) {
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (text(fields[i] as Field) === field) {
          const value = fields[i + 1] as Field;
          data = typeof value === 'string' ? Buffer.from(value) : value;
          break;
        }
      }
      // An entry without the record field is still an entry: it is malformed.
      if (data === null) data = Buffer.alloc(0);
    }
    out.push({ id, data });
  }
  return out;
}

/**
 * Entries of an XREADGROUP reply: RESP2's `[[key, entries], ...]`, RESP3's
 * map as a flat `[key, entries, ...]` (node-redis with `MAP: Array`), or null.
 */
export function parseReadReply(reply: unknown, field: string): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const out: StreamEntry[] = [];
  if (Array.isArray(reply[0])) {
    for (const stream of reply) {
      if (Array.isArray(stream)) out.push(...parseEntries(stream[1], field));
    }
  } else {
    for (let i = 1; i < reply.length; i += 2) out.push(...parseEntries(reply[i], field));
  }
  return out;
}

/** The items of a `LPOP key count` reply (an array, or null when the list was empty). */
export function asBuffers(reply: unknown): Buffer[] {
  if (reply === null || reply === undefined) return [];
  if (Buffer.isBuffer(reply)) return [reply];
  if (!Array.isArray(reply)) return [];
  return reply.map((item: unknown) => (Buffer.isBuffer(item) ? item : Buffer.from(String(item))));
}

/** An XAUTOCLAIM reply: `[nextCursor, entries, deletedIds?]`. */
export function parseClaimReply(
  reply: unknown,
  field: string,
): { cursor: string; entries: StreamEntry[]; deleted: string[] } {
  if (!Array.isArray(reply)) return { cursor: '0-0', entries: [], deleted: [] };
  const cursor = reply[0] === undefined || reply[0] === null ? '0-0' : text(reply[0] as Field);
  const deleted = Array.isArray(reply[2]) ? (reply[2] as Field[]).map(text) : [];
  return { cursor, entries: parseEntries(reply[1], field), deleted };
}
