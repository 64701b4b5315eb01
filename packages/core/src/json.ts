/** A value that JSON can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

const MAX_DEPTH = 64;

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Converts any value into a JSON-safe form, as Logbook's `to_safe_json` does
 * (which falls back to `str(obj)`): never throws.
 *
 * - `undefined`, `NaN` and infinities become `null`; a `bigint` becomes a number
 *   when it is a safe integer, else its decimal string.
 * - `Date` becomes ISO-8601 UTC text; `Error` becomes `"Name: message"`.
 * - `Buffer`/typed arrays become base64 text; `Map` an object with string keys;
 *   `Set` an array.
 * - functions become `"[Function name]"`, symbols their description, cycles
 *   `"[Circular]"`, and anything nested deeper than 64 levels `"[Too deep]"`.
 */
export function toJsonSafe(value: unknown): JsonValue {
  // Primitives need no cycle tracking: skip allocating the set for them (the common case).
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || value === undefined) return null;
  return convert(value, new Set(), 0);
}

function convert(value: unknown, seen: Set<object>, depth: number): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'undefined':
      return null;
    case 'symbol':
      return value.description ?? value.toString();
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Too deep]';
  try {
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (obj instanceof Error) return `${obj.name}: ${obj.message}`;
    if (ArrayBuffer.isView(obj)) return bytesToBase64(new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength));
    if (obj instanceof ArrayBuffer) return bytesToBase64(new Uint8Array(obj));
    seen.add(obj);
    try {
      if (Array.isArray(obj)) return obj.map((v) => convert(v, seen, depth + 1));
      if (obj instanceof Set) return [...obj].map((v) => convert(v, seen, depth + 1));
      const out: JsonObject = {};
      if (obj instanceof Map) {
        for (const [k, v] of obj)
          out[typeof k === 'string' ? k : String(convert(k, seen, depth + 1))] = convert(v, seen, depth + 1);
        return out;
      }
      const toJSON = (obj as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return convert(toJSON.call(obj), seen, depth + 1);
      for (const key of Object.keys(obj)) {
        const converted = convert((obj as Record<string, unknown>)[key], seen, depth + 1);
        // An own `__proto__` key (as JSON.parse makes) stays a key: assigning it would set the prototype instead.
        if (key === '__proto__')
          Object.defineProperty(out, key, { value: converted, enumerable: true, writable: true, configurable: true });
        else out[key] = converted;
      }
      return out;
    } finally {
      seen.delete(obj);
    }
  } catch (error) {
    // A getter or proxy that throws: keep what can be said about it.
    return `[Unserializable: ${error instanceof Error ? error.message : String(error)}]`;
  }
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
