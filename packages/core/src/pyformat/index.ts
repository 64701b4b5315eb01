/**
 * Python's `str.format`, as Logbook uses it to build a record's message
 * (`record.message = msg.format(*args, **kwargs)`): a port of CPython 3.11's
 * Objects/stringlib/unicode_format.h, producing the same text and raising
 * (as {@link FormatError}) the same errors with the same messages.
 *
 * @module
 */

import { FormatError } from './error.js';
import { formatIntSpec, formatNumber } from './number.js';
import { pyAscii, pyRepr, pyStr, isPlainObject, pyTypeName } from './repr.js';
import { MAX_GENERATED, PY_SSIZE_T_MAX, decimalValue, formatStr, parseSpec, type FormatBudget } from './spec.js';

export { FormatError } from './error.js';
export { pyRepr, pyStr } from './repr.js';

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const DOT = 0x2e;
const COLON = 0x3a;
const BANG = 0x21;

/** Python's nesting limit: a spec may hold fields, whose specs may not. */
const MAX_RECURSION = 2;

interface AutoNumber {
  /** 'init' until the first numeric field, then 'auto' (`{}`) or 'manual' (`{0}`). */
  state: 'init' | 'auto' | 'manual';
  next: number;
}

interface Context {
  readonly tpl: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly auto: AutoNumber;
  readonly budget: FormatBudget;
}

/** A replacement field `{name!conv:spec}` located in the template. */
interface Field {
  nameStart: number;
  nameEnd: number;
  /** The conversion character (one code point), or '' for none. */
  conversion: string;
  specStart: number;
  specEnd: number;
  /** Whether the spec holds nested fields (`{:{width}}`). */
  expand: boolean;
  /** Template position after the field's closing brace. */
  next: number;
}

/**
 * Formats `template` as Python's `template.format(*args, **kwargs)` does.
 *
 * Supported, with Python 3.11's output and error messages: `{}` (auto
 * numbering), `{0}`, `{name}` (mixing `{}` and `{0}` is an error), `.attr`
 * and `[key]`/`[1]` chains, `{{`/`}}`, conversions `!s` `!r` `!a`, the whole
 * format-spec mini-language (fill, align `<>^=`, sign `+- `, `z`, `#`, `0`,
 * width, `,`/`_` grouping, `.precision`, types `s d n b o x X c e E f F g G %`)
 * and fields nested in a spec (`{:{width}}`, `{:>{0}}`; deeper nesting is
 * "Max string recursion exceeded").
 *
 * JavaScript values are taken as Python ones (see {@link pyStr}):
 * - A non-integer number (and NaN, ±Infinity) is a float. An integer-valued
 *   number is an int (`{:d}`, `{:x}`, `{:,}`, `{:c}`, and float types such as
 *   `{:.2f}`, which Python's int accepts too), except that it is formatted as a
 *   float when the spec is only valid for floats (no type or `n` with a
 *   precision, as in `{:.3}`, or the `z` flag) and, with no type or `n`, from
 *   1e16 on (`{:>8}` of 1e16 is `   1e+16`, as `{}` gives `1e+16`). So
 *   `{:d}` of `1.5` throws as in Python, while `{:.3}` of `2` gives `2.0`
 *   where Python's int would throw. `-0` is the int `0`. A number's `{}` and
 *   `{!s}` print as {@link pyStr} does.
 * - bigint is an int; boolean is a bool (`{}` → `True`, `{:d}` → `1`).
 * - Strings are str. Other values (null, arrays, objects, …) accept only an
 *   empty spec, as Python's `object.__format__` does.
 * - `.attr` reads a JS property (own or inherited, on primitives too:
 *   `{0.length}`); a missing one is AttributeError. `[key]` reads a `Map`
 *   entry, an own property of a plain object, or any property of a class
 *   instance; `[1]` indexes arrays, typed arrays and strings (by code point).
 * - Missing keyword: KeyError; `{3}` with fewer arguments: IndexError.
 *
 * Differences from Python, for safety: at most 16 Mi characters of padding,
 * zero fill and float digits are generated per call (`{:999999999}` throws a
 * `MemoryError` FormatError instead of exhausting memory); Python's 4300-digit
 * limit on int-to-str conversion is not applied; the `n` type uses the C
 * locale (no grouping), as Python does unless `locale.setlocale` was called.
 * Parsing is linear in the template and never recurses more than two levels,
 * whatever the input.
 *
 * @param template - The `str.format` template (Logbook's `msg`).
 * @param args - Positional arguments.
 * @param kwargs - Keyword arguments (own properties only).
 * @returns The formatted message.
 * @throws {@link FormatError} on a malformed template, a missing argument or a
 *   spec that does not fit its value; errors thrown by user code (getters,
 *   `toString`) propagate unchanged.
 */
export function pyFormat(
  template: string,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): string {
  if (template.indexOf('{') < 0 && template.indexOf('}') < 0) return template;
  const ctx: Context = {
    tpl: template,
    args,
    kwargs,
    auto: { state: 'init', next: 0 },
    budget: { remaining: MAX_GENERATED },
  };
  try {
    return buildString(ctx, 0, template.length, MAX_RECURSION);
  } catch (e) {
    // A result beyond the engine's maximum string length.
    if (e instanceof RangeError && /string length/i.test(e.message)) {
      throw new FormatError('formatted output too large', 'MemoryError');
    }
    throw e;
  }
}

/** `build_string` + `MarkupIterator_next`: literal text and fields of tpl[start, end). */
function buildString(ctx: Context, start: number, end: number, depth: number): string {
  if (depth <= 0) throw new FormatError('Max string recursion exceeded');
  const { tpl } = ctx;
  let out = '';
  let pos = start;
  while (pos < end) {
    const litStart = pos;
    let c = 0;
    let markup = false;
    while (pos < end) {
      c = tpl.charCodeAt(pos++);
      if (c === LBRACE || c === RBRACE) {
        markup = true;
        break;
      }
    }
    const atEnd = pos >= end;
    let litLen = pos - litStart;
    if (markup && c === RBRACE && (atEnd || tpl.charCodeAt(pos) !== RBRACE)) {
      throw new FormatError("Single '}' encountered in format string");
    }
    if (markup && atEnd && c === LBRACE) throw new FormatError("Single '{' encountered in format string");
    if (markup) {
      if (tpl.charCodeAt(pos) === c) {
        // '{{' or '}}': the first brace is literal text, the second is skipped.
        pos++;
        markup = false;
      } else {
        litLen--;
      }
    }
    out += tpl.slice(litStart, litStart + litLen);
    if (!markup) continue;
    const field = parseField(tpl, pos, end);
    pos = field.next;
    out += renderField(ctx, field, depth);
  }
  return out;
}

/** The code point at `pos` (a surrogate pair inside [pos, end) counts as one). */
function codePointAt(s: string, pos: number, end: number): string {
  const c = s.charCodeAt(pos);
  if (c >= 0xd800 && c <= 0xdbff && pos + 1 < end) {
    const d = s.charCodeAt(pos + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return s.slice(pos, pos + 2);
  }
  return s.slice(pos, pos + 1);
}

/** `parse_field`: the field starting at `pos` (just after its '{'). */
function parseField(tpl: string, start: number, end: number): Field {
  let pos = start;
  let c = 0;
  while (pos < end) {
    c = tpl.charCodeAt(pos++);
    if (c === LBRACE) throw new FormatError("unexpected '{' in field name");
    if (c === LBRACKET) {
      while (pos < end && tpl.charCodeAt(pos) !== RBRACKET) pos++;
      continue;
    }
    if (c === RBRACE || c === COLON || c === BANG) break;
  }
  const nameEnd = pos - 1;
  if (c === BANG || c === COLON) {
    let conversion = '';
    if (c === BANG) {
      if (pos >= end) throw new FormatError('end of string while looking for conversion specifier');
      conversion = codePointAt(tpl, pos, end);
      pos += conversion.length;
      if (pos < end) {
        const c2 = tpl.charCodeAt(pos++);
        if (c2 === RBRACE) {
          return { nameStart: start, nameEnd, conversion, specStart: pos, specEnd: pos, expand: false, next: pos };
        }
        if (c2 !== COLON) throw new FormatError("expected ':' after conversion specifier");
      }
    }
    const specStart = pos;
    let count = 1;
    let expand = false;
    while (pos < end) {
      const ch = tpl.charCodeAt(pos++);
      if (ch === LBRACE) {
        expand = true;
        count++;
      } else if (ch === RBRACE && --count === 0) {
        return { nameStart: start, nameEnd, conversion, specStart, specEnd: pos - 1, expand, next: pos };
      }
    }
    throw new FormatError("unmatched '{' in format spec");
  }
  if (c !== RBRACE) throw new FormatError("expected '}' before end of string");
  return { nameStart: start, nameEnd, conversion: '', specStart: pos, specEnd: pos, expand: false, next: pos };
}

/** `output_markup`: look the value up, convert it, expand the spec, format. */
function renderField(ctx: Context, field: Field, depth: number): string {
  let value = getFieldObject(ctx, field.nameStart, field.nameEnd);
  if (field.conversion !== '') value = convert(value, field.conversion);
  const spec = field.expand
    ? buildString(ctx, field.specStart, field.specEnd, depth - 1)
    : ctx.tpl.slice(field.specStart, field.specEnd);
  return formatValue(value, spec, ctx.budget);
}

/** `render_field`: Python's `format(value, spec)` of the JS value taken as a Python one. */
function formatValue(value: unknown, spec: string, budget: FormatBudget): string {
  switch (typeof value) {
    case 'string':
      return spec === '' ? value : formatStr(value, parseSpec(spec, 'str', 's', '<'), budget);
    case 'boolean':
      return spec === '' ? pyStr(value) : formatIntSpec(value ? 1n : 0n, spec, 'bool', budget);
    case 'bigint':
      return spec === '' ? value.toString() : formatIntSpec(value, spec, 'int', budget);
    case 'number':
      return spec === '' ? pyStr(value) : formatNumber(value, spec, budget);
    default:
      if (spec === '') return pyStr(value);
      throw new FormatError(`unsupported format string passed to ${pyTypeName(value)}.__format__`, 'TypeError');
  }
}

function convert(value: unknown, conversion: string): string {
  switch (conversion) {
    case 'r':
      return pyRepr(value);
    case 's':
      return pyStr(value);
    case 'a':
      return pyAscii(value);
    default: {
      const cp = conversion.codePointAt(0) ?? 0;
      const shown = cp > 32 && cp < 127 ? conversion : `\\x${cp.toString(16)}`;
      throw new FormatError(`Unknown conversion specifier ${shown}`);
    }
  }
}

/**
 * CPython's `get_integer` of unicode_format.h: the value of an all-digit
 * string (any script's decimal digits), or null when empty or not all digits.
 */
function getInteger(s: string): bigint | null {
  if (s === '') return null;
  let acc = 0n;
  for (const ch of s) {
    const d = decimalValue(ch.codePointAt(0) ?? -1);
    if (d < 0) return null;
    acc = acc * 10n + BigInt(d);
    if (acc > PY_SSIZE_T_MAX) throw new FormatError('Too many decimal digits in format string');
  }
  return acc;
}

/** `field_name_split` + `get_field_object`: the first name, then the `.attr`/`[key]` chain. */
function getFieldObject(ctx: Context, start: number, end: number): unknown {
  const { tpl, auto } = ctx;
  let i = start;
  while (i < end) {
    const c = tpl.charCodeAt(i);
    if (c === LBRACKET || c === DOT) break;
    i++;
  }
  const first = tpl.slice(start, i);
  let index = getInteger(first);
  const empty = first === '';
  if (empty || index !== null) {
    if (auto.state === 'init') auto.state = empty ? 'auto' : 'manual';
    if (auto.state === 'manual' && empty) {
      throw new FormatError('cannot switch from manual field specification to automatic field numbering');
    }
    if (auto.state !== 'manual' && !empty) {
      throw new FormatError('cannot switch from automatic field numbering to manual field specification');
    }
    if (empty) index = BigInt(auto.next++);
  }

  let obj: unknown;
  if (index === null) {
    if (!Object.hasOwn(ctx.kwargs, first)) throw new FormatError(pyRepr(first), 'KeyError');
    obj = ctx.kwargs[first];
  } else {
    if (index >= BigInt(ctx.args.length)) {
      throw new FormatError(`Replacement index ${index} out of range for positional args tuple`, 'IndexError');
    }
    obj = ctx.args[Number(index)];
  }

  while (i < end) {
    const c = tpl.charCodeAt(i++);
    if (c === DOT) {
      const nameStart = i;
      while (i < end) {
        const d = tpl.charCodeAt(i);
        if (d === LBRACKET || d === DOT) break;
        i++;
      }
      if (i === nameStart) throw new FormatError('Empty attribute in format string');
      obj = getAttr(obj, tpl.slice(nameStart, i));
    } else if (c === LBRACKET) {
      const nameStart = i;
      let closed = false;
      while (i < end) {
        if (tpl.charCodeAt(i++) === RBRACKET) {
          closed = true;
          break;
        }
      }
      if (!closed) throw new FormatError("Missing ']' in format string");
      const name = tpl.slice(nameStart, i - 1);
      const idx = getInteger(name);
      if (name === '') throw new FormatError('Empty attribute in format string');
      obj = idx === null ? getItemKey(obj, name) : getItemIndex(obj, idx);
    } else {
      throw new FormatError("Only '.' or '[' may follow ']' in format field specifier");
    }
  }
  return obj;
}

/** `obj.name`: any JS property, own or inherited (primitives are boxed). */
function getAttr(obj: unknown, name: string): unknown {
  if (obj !== null && obj !== undefined) {
    const boxed = Object(obj) as Record<string, unknown>;
    if (name in boxed) return boxed[name];
  }
  throw new FormatError(`'${pyTypeName(obj)}' object has no attribute '${name}'`, 'AttributeError');
}

function notSubscriptable(obj: unknown): FormatError {
  return new FormatError(`'${pyTypeName(obj)}' object is not subscriptable`, 'TypeError');
}

/** Whether `obj` is indexed as a Python sequence (list, bytes, str). */
function isSequence(obj: unknown): obj is string | ArrayLike<unknown> {
  return typeof obj === 'string' || Array.isArray(obj) || (ArrayBuffer.isView(obj) && !(obj instanceof DataView));
}

/** `obj[name]` with a non-integer key. */
function getItemKey(obj: unknown, key: string): unknown {
  if (typeof obj === 'string') throw new FormatError("string indices must be integers, not 'str'", 'TypeError');
  if (isSequence(obj)) {
    const kind = Array.isArray(obj) ? 'list' : obj instanceof Uint8Array ? 'byte' : pyTypeName(obj);
    throw new FormatError(`${kind} indices must be integers or slices, not str`, 'TypeError');
  }
  return lookupMapping(obj, key, key);
}

/** `obj[index]` with an all-digit key. */
function getItemIndex(obj: unknown, index: bigint): unknown {
  if (isSequence(obj)) {
    if (typeof obj === 'string') {
      if (index < BigInt(obj.length)) {
        let n = 0n;
        for (const ch of obj) {
          if (n++ === index) return ch;
        }
      }
      throw new FormatError('string index out of range', 'IndexError');
    }
    if (index < BigInt(obj.length)) return obj[Number(index)];
    throw new FormatError(Array.isArray(obj) ? 'list index out of range' : 'index out of range', 'IndexError');
  }
  return lookupMapping(obj, index, String(index));
}

/** `obj[key]` on a Map (by the key's own type), plain object (own property) or other object. */
function lookupMapping(obj: unknown, key: string | bigint, name: string): unknown {
  if (typeof obj !== 'object' || obj === null || obj instanceof Set) throw notSubscriptable(obj);
  if (obj instanceof Map) {
    const mapKey = typeof key === 'bigint' ? Number(key) : key;
    if (obj.has(mapKey)) return obj.get(mapKey);
  } else {
    const found = isPlainObject(obj) ? Object.hasOwn(obj, name) : name in obj;
    if (found) return (obj as Record<string, unknown>)[name];
  }
  throw new FormatError(typeof key === 'bigint' ? String(key) : pyRepr(key), 'KeyError');
}
