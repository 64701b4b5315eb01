/**
 * The format-spec mini-language of Python's `format()`: a port of CPython
 * 3.11's Python/formatter_unicode.c (`parse_internal_render_format_spec`,
 * `format_string_internal`) with the same error messages. Numbers are in
 * `number.ts`.
 *
 * Widths, precisions and padding count code points, as Python does.
 *
 * @module
 */

import { FormatError } from './error.js';

/** Largest Py_ssize_t: widths, precisions and indexes above it are "Too many decimal digits". */
export const PY_SSIZE_T_MAX = 2n ** 63n - 1n;

/**
 * How many characters of padding, zero fill and float digits one `pyFormat`
 * call may generate (logq's guard against `{:999999999}`; Python would try and
 * raise MemoryError or exhaust memory). Text coming from the arguments is not
 * counted.
 */
export const MAX_GENERATED = 1 << 24;

/** Generated-character allowance shared by the fields of one `pyFormat` call. */
export interface FormatBudget {
  /** Characters still allowed. */
  remaining: number;
}

/** Charges `n` generated characters to `budget`; throws a MemoryError FormatError past the limit. */
export function spend(budget: FormatBudget, n: number): void {
  if (n <= 0) return;
  if (n > budget.remaining) {
    throw new FormatError(
      `formatted output too large: more than ${MAX_GENERATED} generated characters (logq limit)`,
      'MemoryError',
    );
  }
  budget.remaining -= n;
}

/** A parsed format spec (CPython's InternalFormatSpec). */
export interface ParsedSpec {
  /** The fill character (one code point), `' '` by default. */
  fill: string;
  /** `<`, `>`, `^` or `=`. */
  align: string;
  /** `+`, `-`, `' '`, or '' when not given. */
  sign: string;
  /** The `z` flag. */
  noNegZero: boolean;
  /** The `#` flag. */
  alternate: boolean;
  /** -1 when not given. */
  width: number;
  /** '' (none), ',' or '_'; `groupFour` says '_' groups by four (b, o, x, X). */
  grouping: '' | ',' | '_';
  groupFour: boolean;
  /** -1 when not given. */
  precision: number;
  /** The presentation type, one code point, or '' for none. */
  type: string;
}

const ZERO = 0x30;
const ND = /^\p{Nd}$/u;

/** Python's `Py_UNICODE_TODECIMAL`: the value of a decimal digit code point (any script), or -1. */
export function decimalValue(cp: number): number {
  if (cp >= ZERO && cp <= 0x39) return cp - ZERO;
  if (cp < 0x80 || !ND.test(String.fromCodePoint(cp))) return -1;
  // Unicode encodes every decimal digit set as a contiguous run starting at zero.
  let start = cp;
  while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** Number of code points in `s` (lone surrogates count as one, as in Python). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return cp > 32 && cp < 128 ? ch : `\\x${cp.toString(16)}`;
}

function isAlign(ch: string | undefined): boolean {
  return ch === '<' || ch === '>' || ch === '=' || ch === '^';
}

/**
 * Parses a format spec as `parse_internal_render_format_spec` does.
 * `typeName` appears in error messages; `defaultType` and `defaultAlign` are
 * the value type's defaults (`'s'`/`'<'` for str, `'d'`/`'>'` for int,
 * `''`/`'>'` for float).
 */
export function parseSpec(spec: string, typeName: string, defaultType: string, defaultAlign: string): ParsedSpec {
  // Index by code point; a spec without surrogates can be indexed as is.
  const cps: ArrayLike<string> = /[\ud800-\udfff]/.test(spec) ? Array.from(spec) : spec;
  const end = cps.length;
  let pos = 0;
  const out: ParsedSpec = {
    fill: ' ',
    align: defaultAlign,
    sign: '',
    noNegZero: false,
    alternate: false,
    width: -1,
    grouping: '',
    groupFour: false,
    precision: -1,
    type: defaultType,
  };
  let fillSpecified = false;
  let alignSpecified = false;
  if (end - pos >= 2 && isAlign(cps[pos + 1])) {
    out.align = cps[pos + 1] ?? '';
    out.fill = cps[pos] ?? ' ';
    fillSpecified = true;
    alignSpecified = true;
    pos += 2;
  } else if (end - pos >= 1 && isAlign(cps[pos])) {
    out.align = cps[pos] ?? '';
    alignSpecified = true;
    pos += 1;
  }
  const c0 = cps[pos];
  if (c0 === '+' || c0 === '-' || c0 === ' ') {
    out.sign = c0;
    pos++;
  }
  if (cps[pos] === 'z') {
    out.noNegZero = true;
    pos++;
  }
  if (cps[pos] === '#') {
    out.alternate = true;
    pos++;
  }
  if (!fillSpecified && cps[pos] === '0') {
    out.fill = '0';
    if (!alignSpecified && defaultAlign === '>') out.align = '=';
    pos++;
  }
  const width = readInteger(cps, pos);
  pos = width.pos;
  if (width.count > 0) out.width = width.value;
  if (cps[pos] === ',') {
    out.grouping = ',';
    pos++;
  }
  if (cps[pos] === '_') {
    if (out.grouping !== '') throw new FormatError("Cannot specify both ',' and '_'.");
    out.grouping = '_';
    pos++;
  }
  if (cps[pos] === ',' && out.grouping === '_') throw new FormatError("Cannot specify both ',' and '_'.");
  if (cps[pos] === '.') {
    pos++;
    const precision = readInteger(cps, pos);
    pos = precision.pos;
    if (precision.count === 0) throw new FormatError('Format specifier missing precision');
    out.precision = precision.value;
  }
  if (end - pos > 1) {
    throw new FormatError(`Invalid format specifier '${spec}' for object of type '${typeName}'`);
  }
  if (end - pos === 1) out.type = cps[pos] ?? '';
  if (out.grouping !== '') {
    switch (out.type) {
      case 'd':
      case 'e':
      case 'f':
      case 'g':
      case 'E':
      case 'G':
      case '%':
      case 'F':
      case '':
        break;
      case 'b':
      case 'o':
      case 'x':
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: as formatter_unicode.c, without '_' grouping these fall to the error
      case 'X':
        if (out.grouping === '_') {
          out.groupFour = true;
          break;
        }
      // falls through
      default:
        throw new FormatError(`Cannot specify '${out.grouping}' with '${describeChar(out.type)}'.`);
    }
  }
  return out;
}

/** `get_integer` of formatter_unicode.c: digits from `pos`; a value above Py_ssize_t overflows. */
function readInteger(cps: ArrayLike<string>, start: number): { value: number; count: number; pos: number } {
  let pos = start;
  let acc = 0;
  let big: bigint | null = null;
  while (pos < cps.length) {
    const d = decimalValue((cps[pos] ?? '').codePointAt(0) ?? -1);
    if (d < 0) break;
    if (big === null && acc < 1e14) {
      acc = acc * 10 + d;
    } else {
      big = (big ?? BigInt(acc)) * 10n + BigInt(d);
      if (big > PY_SSIZE_T_MAX) throw new FormatError('Too many decimal digits in format string');
      acc = Number(big);
    }
    pos++;
  }
  return { value: acc, count: pos - start, pos };
}

/** Python's `unknown_presentation_type` error. */
export function unknownType(type: string, typeName: string): FormatError {
  return new FormatError(`Unknown format code '${describeChar(type)}' for object of type '${typeName}'`);
}

/** `n` copies of the fill character (none when n <= 0). */
export function pad(fill: string, n: number): string {
  return n > 0 ? fill.repeat(n) : '';
}

/** `format_string_internal`: a spec applied to a str (after `parseSpec(spec, 'str', 's', '<')`). */
export function formatStr(value: string, spec: ParsedSpec, budget: FormatBudget): string {
  if (spec.type !== 's') throw unknownType(spec.type, 'str');
  if (spec.sign !== '') {
    throw new FormatError(
      spec.sign === ' '
        ? 'Space not allowed in string format specifier'
        : 'Sign not allowed in string format specifier',
    );
  }
  if (spec.noNegZero) {
    throw new FormatError('Negative zero coercion (z) not allowed in string format specifier');
  }
  if (spec.alternate) throw new FormatError('Alternate form (#) not allowed in string format specifier');
  if (spec.align === '=') throw new FormatError("'=' alignment not allowed in string format specifier");
  let len = codePointLength(value);
  if ((spec.width === -1 || spec.width <= len) && (spec.precision === -1 || spec.precision >= len)) return value;
  let text = value;
  if (spec.precision >= 0 && len >= spec.precision) {
    text = '';
    let n = 0;
    for (const ch of value) {
      if (n++ >= spec.precision) break;
      text += ch;
    }
    len = spec.precision;
  }
  const total = Math.max(len, spec.width);
  const lpad = spec.align === '>' ? total - len : spec.align === '^' ? Math.floor((total - len) / 2) : 0;
  const rpad = total - len - lpad;
  spend(budget, lpad + rpad);
  return pad(spec.fill, lpad) + text + pad(spec.fill, rpad);
}
