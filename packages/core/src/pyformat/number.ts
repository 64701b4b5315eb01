/**
 * Python's `format()` of numbers: a port of CPython 3.11's
 * Python/formatter_unicode.c (`format_long_internal`, `format_float_internal`,
 * `calc_number_widths`, `fill_number`) and of the thousands grouping of
 * `_PyUnicode_InsertThousandsGrouping`, with the same error messages.
 *
 * @module
 */

import { FormatError } from './error.js';
import { doubleToString } from './float.js';
import { pad, parseSpec, spend, unknownType, type FormatBudget, type ParsedSpec } from './spec.js';

const ZERO = 0x30;

/** A Python int (a bigint, or a bool as 0/1 with `typeName` 'bool') with a non-empty spec. */
export function formatIntSpec(value: bigint, specText: string, typeName: string, budget: FormatBudget): string {
  const spec = parseSpec(specText, typeName, 'd', '>');
  return formatIntParsed(value, spec, typeName, budget);
}

function formatIntParsed(value: bigint | number, spec: ParsedSpec, typeName: string, budget: FormatBudget): string {
  switch (spec.type) {
    case 'b':
    case 'c':
    case 'd':
    case 'o':
    case 'x':
    case 'X':
    case 'n':
      return formatInt(value, spec, budget);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case '%': {
      const x = Number(value);
      if (!Number.isFinite(x)) throw new FormatError('int too large to convert to float', 'OverflowError');
      return formatFloat(x, spec, budget);
    }
    default:
      throw unknownType(spec.type, typeName);
  }
}

/**
 * A JS number: non-integers are Python floats; integer-valued numbers are
 * Python ints, except that they take float formatting when the spec only
 * makes sense for a float (no type or `n` with a precision or `z`) and,
 * with no type or `n`, from 1e16 on (so that `{:>20}` agrees with `{}`, which
 * prints `1e+16`).
 */
export function formatNumber(x: number, specText: string, budget: FormatBudget): string {
  if (!Number.isInteger(x)) {
    const spec = parseSpec(specText, 'float', '', '>');
    switch (spec.type) {
      case '':
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
      case 'n':
      case '%':
        return formatFloat(x, spec, budget);
      default:
        throw unknownType(spec.type, 'float');
    }
  }
  const n = x === 0 ? 0 : x;
  const spec = parseSpec(specText, 'int', '', '>');
  const floatOnly = spec.precision >= 0 || spec.noNegZero;
  if (spec.type === '' || spec.type === 'n') {
    if (floatOnly || Math.abs(n) >= 1e16) return formatFloat(n, spec, budget);
    if (spec.type === '') spec.type = 'd';
  }
  return formatIntParsed(Number.isSafeInteger(n) ? n : BigInt(n), spec, 'int', budget);
}

interface NumberParts {
  /** '-' for a negative number, else ''. */
  sign: string;
  /** '0x' and the like, when `#` is given. */
  prefix: string;
  /** Integer digits, grouped and zero-padded. */
  digits: string;
  decimal: boolean;
  /** Everything after the decimal point (fraction, exponent, '%'), or the 'c' character. */
  remainder: string;
  remainderLen: number;
}

/** Integer presentation types; `value` is a bigint or a safe integer. */
function formatInt(value: bigint | number, spec: ParsedSpec, budget: FormatBudget): string {
  if (spec.precision !== -1) throw new FormatError('Precision not allowed in integer format specifier');
  if (spec.noNegZero) throw new FormatError('Negative zero coercion (z) not allowed in integer format specifier');
  if (spec.type === 'c') {
    if (spec.sign !== '') throw new FormatError("Sign not allowed with integer format specifier 'c'");
    if (spec.alternate) throw new FormatError("Alternate form (#) not allowed with integer format specifier 'c'");
    if (typeof value === 'bigint' && (value > 2n ** 63n - 1n || value < -(2n ** 63n))) {
      throw new FormatError('Python int too large to convert to C long', 'OverflowError');
    }
    if (value < 0 || value > 0x10ffff) throw new FormatError('%c arg not in range(0x110000)', 'OverflowError');
    const ch = String.fromCodePoint(Number(value));
    return layoutNumber(
      { sign: '', prefix: '', digits: '', decimal: false, remainder: ch, remainderLen: 1 },
      spec,
      budget,
    );
  }
  const base = spec.type === 'b' ? 2 : spec.type === 'o' ? 8 : spec.type === 'x' || spec.type === 'X' ? 16 : 10;
  const negative = value < 0;
  let digits = (negative ? -value : value).toString(base);
  let prefix = spec.alternate && base !== 10 ? (base === 2 ? '0b' : base === 8 ? '0o' : '0x') : '';
  if (spec.type === 'X') {
    digits = digits.toUpperCase();
    prefix = prefix.toUpperCase();
  }
  return layoutNumber(
    { sign: negative ? '-' : '', prefix, digits, decimal: false, remainder: '', remainderLen: 0 },
    spec,
    budget,
  );
}

function formatFloat(x: number, spec: ParsedSpec, budget: FormatBudget): string {
  if (spec.precision > 2147483647) throw new FormatError('precision too big');
  let type = spec.type;
  let precision = spec.precision;
  let defaultPrecision = 6;
  let addDot0 = false;
  if (type === '') {
    addDot0 = true;
    type = 'r';
    defaultPrecision = 0;
  }
  if (type === 'n') type = 'g';
  let val = x;
  let pct = false;
  if (type === '%') {
    type = 'f';
    val *= 100;
    pct = true;
  }
  if (precision < 0) precision = defaultPrecision;
  else if (type === 'r') type = 'g';
  spend(budget, precision);
  let text = doubleToString(val, type as 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'r', precision, {
    alt: spec.alternate,
    addDot0,
    noNegZero: spec.noNegZero,
  });
  if (pct) text += '%';
  let sign = '';
  if (text.startsWith('-')) {
    sign = '-';
    text = text.slice(1);
  }
  let i = 0;
  while (i < text.length && text.charCodeAt(i) >= ZERO && text.charCodeAt(i) <= 0x39) i++;
  const decimal = text.charCodeAt(i) === 0x2e;
  const remainder = text.slice(decimal ? i + 1 : i);
  return layoutNumber(
    { sign, prefix: '', digits: text.slice(0, i), decimal, remainder, remainderLen: remainder.length },
    spec.type === 'n' ? { ...spec, grouping: '' } : spec,
    budget,
  );
}

/** `calc_number_widths` + `fill_number`: sign, prefix, padding, grouping. */
function layoutNumber(parts: NumberParts, spec: ParsedSpec, budget: FormatBudget): string {
  let sign = parts.sign;
  if (spec.sign === '+') sign = sign === '-' ? '-' : '+';
  else if (spec.sign === ' ') sign = sign === '-' ? '-' : ' ';
  const nonDigit = sign.length + parts.prefix.length + (parts.decimal ? 1 : 0) + parts.remainderLen;
  spend(budget, spec.width - (nonDigit + parts.digits.length));
  const minWidth = spec.fill === '0' && spec.align === '=' ? spec.width - nonDigit : 0;
  const sep = spec.type === 'n' ? '' : spec.grouping;
  const groupSize = sep === '' ? 0 : spec.groupFour ? 4 : 3;
  const grouped = parts.digits === '' ? '' : groupDigits(parts.digits, minWidth, groupSize, sep);
  const padding = spec.width - (nonDigit + grouped.length);
  let lpad = 0;
  let spad = 0;
  let rpad = 0;
  if (padding > 0) {
    if (spec.align === '<') rpad = padding;
    else if (spec.align === '^') {
      lpad = Math.floor(padding / 2);
      rpad = padding - lpad;
    } else if (spec.align === '=') spad = padding;
    else lpad = padding;
  }
  return (
    pad(spec.fill, lpad) +
    sign +
    parts.prefix +
    pad(spec.fill, spad) +
    grouped +
    (parts.decimal ? '.' : '') +
    parts.remainder +
    pad(spec.fill, rpad)
  );
}

/**
 * `_PyUnicode_InsertThousandsGrouping`: inserts `sep` every `groupSize`
 * digits from the right (none when `groupSize` is 0) and zero-pads to
 * `minWidth`, separators included.
 */
function groupDigits(digits: string, minWidthIn: number, groupSize: number, sep: string): string {
  let minWidth = Math.max(0, minWidthIn);
  let remaining = digits.length;
  let pos = digits.length;
  const pieces: string[] = [];
  let useSep = false;
  let broken = false;
  if (groupSize > 0) {
    // Groups that still hold digits.
    while (remaining > 0) {
      const len = Math.min(groupSize, Math.max(remaining, minWidth, 1));
      const nChars = Math.min(remaining, len);
      pieces.push('0'.repeat(Math.max(0, len - remaining)) + digits.slice(pos - nChars, pos) + (useSep ? sep : ''));
      pos -= nChars;
      useSep = true;
      remaining -= nChars;
      minWidth -= len;
      if (remaining <= 0 && minWidth <= 0) {
        broken = true;
        break;
      }
      minWidth -= sep.length;
    }
    if (!broken) {
      // Only zero groups remain: full groups, then a last (maybe short) one.
      let full = 0;
      let last: number;
      for (;;) {
        const len = Math.min(groupSize, Math.max(minWidth, 1));
        minWidth -= len;
        if (minWidth <= 0) {
          last = len;
          break;
        }
        full++;
        minWidth -= sep.length;
      }
      const zeros = '0'.repeat(last) + sep + ('0'.repeat(groupSize) + sep).repeat(full);
      pieces.push(zeros);
    }
    pieces.reverse();
    return pieces.join('');
  }
  const len = Math.max(remaining, minWidth, 1);
  return '0'.repeat(Math.max(0, len - remaining)) + digits;
}
