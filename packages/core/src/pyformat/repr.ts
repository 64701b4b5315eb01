/**
 * Python's `str()`, `repr()` and `ascii()` of JavaScript values, as used by
 * the `str.format` port (see `index.ts`).
 *
 * JavaScript values map onto Python ones like this: `null`/`undefined` →
 * `None`, booleans → `bool`, integer-valued numbers below 1e16 → `int`, other
 * numbers → `float`, bigint → `int`, string → `str`, arrays → `list`,
 * `Uint8Array`/`Buffer` → `bytes`, `Map` and plain objects → `dict`, `Set` →
 * `set`, `Error` → an exception.
 *
 * @module
 */

import { doubleToString } from './float.js';

/** Containers nested deeper than this print as `...` (Python would raise RecursionError). */
const MAX_DEPTH = 200;

interface ReprContext {
  /** Containers being printed (ancestors of the current value), for cycles. */
  readonly active: Set<object>;
  depth: number;
}

/**
 * Python's `str()` of a JS value.
 *
 * - `null`/`undefined` → `None`; `true`/`false` → `True`/`False`.
 * - Numbers: JavaScript has no int/float distinction, so an integer-valued
 *   number below 1e16 in magnitude prints as a Python int (`1`, not `1.0`, and
 *   `-0` as `0`); every other number prints as Python's `repr(float)` does
 *   (`0.1`, `1e-05`, `1e+16`, `nan`, `inf`, `-inf`). Bigints print their digits.
 * - Strings are returned unchanged.
 * - Arrays print as Python lists, plain objects and `Map`s as dicts, `Set`s as
 *   sets, `Uint8Array`/`Buffer` as bytes, their items with {@link pyRepr}
 *   (`[1, 'a', None]`, `{'k': True}`); cycles print as `[...]`/`{...}`.
 * - `Error` → its message; `Date` → `toISOString()` (`Invalid Date` when
 *   invalid); functions → `<function name>`; class instances → their own
 *   `toString()` when they define one, else as {@link pyRepr}.
 *
 * Errors thrown by user code (a `toString`, a getter) propagate unchanged.
 */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberStr(value);
  return render(value, { active: new Set(), depth: 0 }, true);
}

/**
 * Python's `repr()` of a JS value: strings are quoted as Python quotes them
 * (`'x'`, or `"x'y"` when the string holds a single quote and no double quote;
 * `\\`, `\n`, `\r`, `\t` escaped, other non-printable characters as `\xhh`,
 * `\uhhhh` or `\Uhhhhhhhh`), `Error`s print as `Name('message')`, `Date`s as
 * `Date('…ISO…')`, class instances as `Name(key=value, …)`. Everything else
 * prints as {@link pyStr} does.
 *
 * Which characters are printable follows the JS engine's Unicode tables
 * (Node 20 ships a newer Unicode than Python 3.11's 14.0), so a character
 * assigned after Unicode 14 prints as itself where Python 3.11 escapes it.
 */
export function pyRepr(value: unknown): string {
  return render(value, { active: new Set(), depth: 0 }, false);
}

/** Python's `ascii()`: {@link pyRepr} with every non-ASCII character backslash-escaped. */
export function pyAscii(value: unknown): string {
  return asciiEscape(pyRepr(value));
}

/**
 * The Python type name used in error messages for a JS value (`'int'`,
 * `'float'`, `'str'`, `'NoneType'`, `'list'`, `'dict'`, …; class instances
 * give their constructor's name).
 */
export function pyTypeName(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'NoneType';
    case 'boolean':
      return 'bool';
    case 'number':
      return isPyInt(value) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'str';
    case 'symbol':
      return 'symbol';
    case 'function':
      return isClass(value) ? 'type' : 'function';
    default:
      break;
  }
  if (value === null || typeof value !== 'object') return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Map || isPlainObject(value)) return 'dict';
  if (value instanceof Set) return 'set';
  if (value instanceof Error) return value.name;
  return constructorName(value) ?? 'object';
}

/** Whether a JS number is treated as a Python int when printed: integer-valued and below 1e16. */
export function isPyInt(x: number): boolean {
  return Number.isInteger(x) && Math.abs(x) < 1e16;
}

/** Python's str() of a JS number (see {@link pyStr}). */
export function numberStr(x: number): string {
  if (isPyInt(x)) return x === 0 ? '0' : String(x);
  const a = Math.abs(x);
  // Where both print positional digits, JS and Python pick the same shortest digits.
  if (a >= 1e-4 && a < 1e16) return String(x);
  return doubleToString(x, 'r', 0, { addDot0: true });
}

/** Whether `value` is an object whose prototype is `Object.prototype` or `null`. */
export function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

function constructorName(value: object): string | undefined {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || typeof proto !== 'object') return undefined;
  const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '') return ctor.name;
  return undefined;
}

// biome-ignore lint/complexity/noBannedTypes: what `typeof x === 'function'` narrows to
function isClass(fn: Function): boolean {
  try {
    return Function.prototype.toString.call(fn).startsWith('class');
  } catch {
    return false;
  }
}

function render(value: unknown, ctx: ReprContext, asStr: boolean): string {
  switch (typeof value) {
    case 'string':
      return asStr ? value : reprString(value);
    case 'number':
      return numberStr(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'True' : 'False';
    case 'undefined':
      return 'None';
    case 'symbol':
      return value.toString();
    case 'function':
      return isClass(value)
        ? `<class '${value.name}'>`
        : `<function ${value.name === '' ? '<anonymous>' : value.name}>`;
    default:
      break;
  }
  if (value === null) return 'None';
  const obj = value as object;
  if (obj instanceof String || obj instanceof Number || obj instanceof Boolean || obj instanceof BigInt) {
    return render(obj.valueOf(), ctx, asStr);
  }
  if (obj instanceof Error) {
    return asStr ? obj.message : `${obj.name}(${obj.message === '' ? '' : reprString(obj.message)})`;
  }
  if (obj instanceof Date) {
    const iso = Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    return asStr ? iso : `Date(${reprString(iso)})`;
  }
  if (obj instanceof RegExp) return obj.toString();
  if (obj instanceof Uint8Array) return reprBytes(obj);
  if (
    asStr &&
    !isPlainObject(obj) &&
    !Array.isArray(obj) &&
    !ArrayBuffer.isView(obj) &&
    !(obj instanceof Map) &&
    !(obj instanceof Set)
  ) {
    const ownToString: unknown = (obj as { toString?: unknown }).toString;
    if (typeof ownToString === 'function' && ownToString !== Object.prototype.toString) {
      return String(ownToString.call(obj));
    }
  }
  return renderContainer(obj, ctx);
}

function renderContainer(obj: object, ctx: ReprContext): string {
  const isList = Array.isArray(obj) || ArrayBuffer.isView(obj);
  const isDict = obj instanceof Map || isPlainObject(obj);
  if (ctx.active.has(obj) || ctx.depth >= MAX_DEPTH) {
    return isList ? '[...]' : isDict || obj instanceof Set ? '{...}' : '...';
  }
  ctx.active.add(obj);
  ctx.depth += 1;
  try {
    const r = (v: unknown): string => render(v, ctx, false);
    if (Array.isArray(obj)) {
      const parts: string[] = [];
      for (let i = 0; i < obj.length; i++) parts.push(r(obj[i]));
      return `[${parts.join(', ')}]`;
    }
    if (ArrayBuffer.isView(obj)) {
      // Typed arrays other than Uint8Array: Name([1, 2, 3]).
      const items = obj instanceof DataView ? [] : Array.from(obj as unknown as ArrayLike<unknown>, r);
      return `${constructorName(obj) ?? 'TypedArray'}([${items.join(', ')}])`;
    }
    if (obj instanceof Map) {
      const parts: string[] = [];
      for (const [k, v] of obj) parts.push(`${r(k)}: ${r(v)}`);
      return `{${parts.join(', ')}}`;
    }
    if (obj instanceof Set) {
      if (obj.size === 0) return 'set()';
      const parts: string[] = [];
      for (const v of obj) parts.push(r(v));
      return `{${parts.join(', ')}}`;
    }
    const record = obj as Record<string, unknown>;
    if (isDict) {
      return `{${Object.keys(record)
        .map((k) => `${reprString(k)}: ${r(record[k])}`)
        .join(', ')}}`;
    }
    const name = constructorName(obj) ?? 'object';
    return `${name}(${Object.keys(record)
      .map((k) => `${k}=${r(record[k])}`)
      .join(', ')})`;
  } finally {
    ctx.depth -= 1;
    ctx.active.delete(obj);
  }
}

const NON_PRINTABLE = /^[\p{C}\p{Z}]$/u;

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0');
}

/** Python's `repr()` of a str. */
export function reprString(s: string): string {
  const hasSingle = s.includes("'");
  const quote = hasSingle && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp < 0x7f) out += ch;
    else if (!NON_PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x100) out += '\\x' + hex(cp, 2);
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out + quote;
}

function reprBytes(bytes: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const b of bytes) {
    if (b === 0x27) hasSingle = true;
    else if (b === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = 'b' + String.fromCharCode(quote);
  for (const b of bytes) {
    if (b === quote || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += '\\x' + hex(b, 2);
    else out += String.fromCharCode(b);
  }
  return out + String.fromCharCode(quote);
}

function asciiEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) out += ch;
    else if (cp < 0x100) out += '\\x' + hex(cp, 2);
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out;
}
