/**
 * Python-compatible conversion of a double to text: a port of CPython's
 * `PyOS_double_to_string` / `format_float_short` (Python/pystrtod.c), with
 * David Gay's correctly rounded digit generation replaced by exact BigInt
 * arithmetic (round-half-even on the exact binary value, as `_Py_dg_dtoa`
 * does) and by V8's shortest round-trip digits for `repr`.
 *
 * @module
 */

/** Decimal digits of a non-negative finite double: value = 0.`digits` × 10^`decpt`. */
interface Digits {
  /** Significant digits without trailing zeros ('' when rounded to zero in fixed mode). */
  digits: string;
  /** Position of the decimal point relative to the start of `digits`. */
  decpt: number;
}

/** The presentation codes `doubleToString` understands (`r` is Python's repr). */
export type FloatCode = 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'r';

/** Options of {@link doubleToString}, Python's `Py_DTSF_*` flags. */
export interface FloatFlags {
  /** `#`: keep the decimal point, and trailing zeros for `g`. */
  alt?: boolean;
  /** Add `.0` when the result would look like an integer (`r`, and `g` with no type). */
  addDot0?: boolean;
  /** `z`: print negative zero (after rounding) without its sign. */
  noNegZero?: boolean;
}

const pow5Cache = new Map<number, bigint>();

function pow5(k: number): bigint {
  let p = pow5Cache.get(k);
  if (p === undefined) {
    p = 5n ** BigInt(k);
    pow5Cache.set(k, p);
  }
  return p;
}

const bits = new DataView(new ArrayBuffer(8));

/** A positive finite double as `mant` × 2^`exp` (mant an integer below 2^53). */
function decompose(x: number): { mant: bigint; hi: number; lo: number; exp: number } {
  bits.setFloat64(0, x);
  const hiWord = bits.getUint32(0);
  const lo = bits.getUint32(4);
  const biased = (hiWord >>> 20) & 0x7ff;
  let hi = hiWord & 0xfffff;
  let exp: number;
  if (biased === 0) {
    exp = -1074;
  } else {
    hi |= 0x100000;
    exp = biased - 1075;
  }
  return { mant: (BigInt(hi) << 32n) | BigInt(lo), hi, lo, exp };
}

/** The exponent of the lowest set bit: x == odd × 2^result. */
function lowBitExponent(x: number): number {
  const { hi, lo, exp } = decompose(x);
  const ctz = (w: number): number => 31 - Math.clz32(w & -w);
  return exp + (lo !== 0 ? ctz(lo) : 32 + ctz(hi));
}

function stripZeros(digits: string, decpt: number): Digits {
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end--;
  return { digits: digits.slice(start, end), decpt: decpt - start };
}

/** Exact decimal expansion of a positive finite double. */
function exactDigits(x: number): Digits {
  if (Number.isInteger(x) && x <= Number.MAX_SAFE_INTEGER) {
    const s = String(x);
    return stripZeros(s, s.length);
  }
  const { mant, exp } = decompose(x);
  if (exp >= 0) {
    const s = (mant << BigInt(exp)).toString();
    return stripZeros(s, s.length);
  }
  // mant * 2^exp == mant * 5^-exp / 10^-exp
  const s = (mant * pow5(-exp)).toString();
  return stripZeros(s, s.length + exp);
}

/** Digits of a JS toExponential() string ("d.ddde+N"). */
function fromExponential(s: string): Digits {
  const e = s.indexOf('e');
  const mantissa = s.charCodeAt(1) === 0x2e ? s[0] + s.slice(2, e) : s.slice(0, e);
  return stripZeros(mantissa, Number(s.slice(e + 1)) + 1);
}

/** Digits of a JS toFixed() string, with Gay's convention for a result of zero. */
function fromFixed(s: string, ndigits: number): Digits {
  const dot = s.indexOf('.');
  const d = dot < 0 ? stripZeros(s, s.length) : stripZeros(s.slice(0, dot) + s.slice(dot + 1), dot);
  return d.digits === '' ? { digits: '', decpt: -ndigits } : d;
}

/**
 * Keeps the first `n` digits (n may be <= 0), rounding half to even on the
 * exact value. Returns '' digits when everything rounds away.
 */
function roundDigits(d: Digits, n: number): Digits {
  const { digits } = d;
  let { decpt } = d;
  if (n >= digits.length) return d;
  let roundUp = false;
  if (n >= 0) {
    const first = digits.charCodeAt(n) - 48;
    if (first > 5) roundUp = true;
    else if (first === 5) {
      // digits has no trailing zeros, so anything after the 5 is non-zero.
      roundUp = digits.length > n + 1 || (n > 0 && (digits.charCodeAt(n - 1) - 48) % 2 === 1);
    }
  }
  let kept = n > 0 ? digits.slice(0, n) : '';
  if (roundUp) {
    let i = kept.length - 1;
    while (i >= 0 && kept.charCodeAt(i) === 57) i--;
    if (i < 0) {
      kept = '1';
      decpt += 1;
    } else {
      kept = kept.slice(0, i) + String.fromCharCode(kept.charCodeAt(i) + 1);
    }
  } else {
    let end = kept.length;
    while (end > 0 && kept.charCodeAt(end - 1) === 48) end--;
    kept = kept.slice(0, end);
  }
  return { digits: kept, decpt };
}

/**
 * `_Py_dg_dtoa` for a non-negative finite `x`: mode 0 shortest, mode 2
 * `ndigits` significant digits, mode 3 `ndigits` digits after the point.
 *
 * JS's toFixed/toExponential round correctly too, except that an exact tie
 * goes up where Gay's code goes to even; they are used unless the exact value
 * can be a tie at the cut (the exact expansion of odd × 2^-k ends with a 5 at
 * the k-th decimal), in which case the exact BigInt expansion is rounded here.
 */
function dtoa(x: number, mode: 0 | 2 | 3, ndigits: number): Digits {
  if (x === 0) return { digits: '0', decpt: 1 };
  if (mode === 0) return fromExponential(x.toExponential());
  const low = lowBitExponent(x);
  if (mode === 3) {
    if (ndigits <= 100 && x < 1e21 && (low >= 0 || -low !== ndigits + 1)) return fromFixed(x.toFixed(ndigits), ndigits);
    const exact = exactDigits(x);
    const r = roundDigits(exact, exact.decpt + ndigits);
    // Gay's convention for a value that rounds to zero in fixed mode.
    return r.digits === '' ? { digits: '', decpt: -ndigits } : r;
  }
  const p = Math.max(1, ndigits);
  if (p <= 101 && low < 0) {
    const s = x.toExponential(p - 1);
    // The first digit is at 10^decExp, the last (a 5) at 10^low: a tie when it is digit p + 1.
    // (If rounding carried into a new power of ten, every kept digit was 9 and
    // half-to-even rounds up as well.)
    const decExp = Number(s.slice(s.indexOf('e') + 1));
    if (decExp - low !== p) return fromExponential(s);
  }
  return roundDigits(exactDigits(x), p);
}

/**
 * Formats `val` as CPython's `PyOS_double_to_string(val, code, precision,
 * flags)` does: `e`/`f`/`g` with `precision`, `r` for repr (precision
 * ignored); upper-case codes give `E`, `INF`, `NAN`. No sign is added to
 * non-negative values. The caller bounds `precision`.
 */
export function doubleToString(val: number, code: FloatCode, precision: number, flags: FloatFlags = {}): string {
  const upper = code === 'E' || code === 'F' || code === 'G';
  const lower = code.toLowerCase() as 'e' | 'f' | 'g' | 'r';
  const alt = flags.alt === true;
  const addDot0 = flags.addDot0 === true;
  let mode: 0 | 2 | 3;
  let prec = precision;
  switch (lower) {
    case 'e':
      mode = 2;
      prec += 1;
      break;
    case 'f':
      mode = 3;
      break;
    case 'g':
      mode = 2;
      if (prec === 0) prec = 1;
      break;
    default:
      mode = 0;
      prec = 0;
  }

  if (Number.isNaN(val)) return upper ? 'NAN' : 'nan';
  let negative = val < 0 || Object.is(val, -0);
  if (!Number.isFinite(val)) return (negative ? '-' : '') + (upper ? 'INF' : 'inf');

  const d = dtoa(Math.abs(val), mode, prec);
  const digits = d.digits;
  let decpt = d.decpt;
  if (flags.noNegZero === true && negative && (digits === '' || digits === '0')) negative = false;

  const nd = digits.length;
  let useExp = false;
  let vEnd = nd;
  switch (lower) {
    case 'e':
      useExp = true;
      vEnd = prec;
      break;
    case 'f':
      vEnd = decpt + prec;
      break;
    case 'g':
      if (decpt <= -4 || decpt > (addDot0 ? prec - 1 : prec)) useExp = true;
      if (alt) vEnd = prec;
      break;
    default:
      if (decpt <= -4 || decpt > 16) useExp = true;
  }
  let exp = 0;
  if (useExp) {
    exp = decpt - 1;
    decpt = 1;
  }
  const vStart = decpt <= 0 ? decpt - 1 : 0;
  if (!useExp && addDot0) vEnd = Math.max(vEnd, decpt + 1);
  else vEnd = Math.max(vEnd, decpt);

  let out = negative ? '-' : '';
  if (decpt <= 0) out += '0'.repeat(decpt - vStart) + '.' + '0'.repeat(-decpt);
  else out += '0'.repeat(-vStart);
  if (decpt > 0 && decpt <= nd) out += digits.slice(0, decpt) + '.' + digits.slice(decpt);
  else out += digits;
  if (nd < decpt) out += '0'.repeat(decpt - nd) + '.' + '0'.repeat(vEnd - decpt);
  else out += '0'.repeat(vEnd - nd);
  if (out.endsWith('.') && !alt) out = out.slice(0, -1);
  if (useExp) {
    const a = Math.abs(exp);
    out += (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + (a < 10 ? '0' : '') + String(a);
  }
  return out;
}
