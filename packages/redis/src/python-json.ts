import type { JsonValue } from '@logq/core/transport';

/**
 * JSON text as Python's `json.dumps(value)` writes it with its defaults
 * (`", "` and `": "` separators, `ensure_ascii=True`), so that logq's
 * RedisHandler items are byte-for-byte what Logbook's are. Numbers that are
 * integers are written as integers (JavaScript cannot tell `1.0` from `1`);
 * others as Python's `repr(float)` does (`1e-05`, `1.5e+300`).
 */
export function pythonJsonDumps(value: JsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return pythonString(value);
    case 'number':
      return pythonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) parts.push(`${pythonString(k)}: ${pythonJsonDumps(v)}`);
  return `{${parts.join(', ')}}`;
}

const NON_ASCII = /[\u007f-\uffff]/g;
const HAS_NON_ASCII = /[\u007f-\uffff]/;

/** A string as Python's `json.dumps` writes it. */
export function pythonString(s: string): string {
  const json = JSON.stringify(s);
  return HAS_NON_ASCII.test(json)
    ? json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}

function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const abs = Math.abs(n);
  let text = abs !== 0 && (abs < 1e-4 || abs >= 1e16) ? n.toExponential() : String(n);
  // Python writes at least two exponent digits and always a sign.
  text = text.replace(
    /e([+-]?)(\d+)$/,
    (_, sign: string, digits: string) => `e${sign || '+'}${digits.padStart(2, '0')}`,
  );
  return text;
}
