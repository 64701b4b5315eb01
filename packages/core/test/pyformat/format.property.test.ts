import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { FormatError, pyFormat, pyRepr, pyStr } from '../../src/pyformat/index.js';

/** Literal text: anything, with braces doubled (the escape), as the reference un-doubles them. */
const literal = fc.string({ unit: 'binary', maxLength: 12 }).map((s) => ({
  source: s.replace(/[{}]/g, (b) => b + b),
  text: s,
}));

const fieldValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: -1000, max: 1000 }),
);

const reference = (v: string | number): string => (typeof v === 'string' ? v : String(v));

function codePoints(s: string): number {
  return Array.from(s).length;
}

describe('pyFormat against a simple reference', () => {
  test('auto-numbered fields {} between literal text', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(literal, fieldValue), { maxLength: 8 }), literal, (parts, tail) => {
        const template = parts.map(([lit]) => lit.source + '{}').join('') + tail.source;
        const args = parts.map(([, v]) => v);
        const expected = parts.map(([lit, v]) => lit.text + reference(v)).join('') + tail.text;
        expect(pyFormat(template, args, {})).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  test('explicit {N} and named {name} fields, in any order and repeated', () => {
    fc.assert(
      fc.property(
        fc.array(fieldValue, { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(literal, fc.nat(), fc.boolean()), { maxLength: 8 }),
        (args, refs) => {
          const kwargs: Record<string, unknown> = {};
          args.forEach((v, i) => {
            kwargs[`k${i}`] = v;
          });
          let template = '';
          let expected = '';
          for (const [lit, n, named] of refs) {
            const i = n % args.length;
            template += lit.source + (named ? `{k${i}}` : `{${i}}`);
            expected += lit.text + reference(args[i] as string | number);
          }
          expect(pyFormat(template, args, kwargs)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('fill, alignment and width of strings count code points', () => {
    const fill = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }).filter((c) => !'{}'.includes(c));
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 10 }),
        fill,
        fc.constantFrom('<', '>', '^'),
        fc.nat({ max: 30 }),
        (s, f, align, width) => {
          const out = pyFormat(`{:${f}${align}${width}}`, [s], {});
          const n = codePoints(s);
          const padding = Math.max(0, width - n);
          const left = align === '>' ? padding : align === '^' ? Math.floor(padding / 2) : 0;
          expect(out).toBe(f.repeat(left) + s + f.repeat(padding - left));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('integers: {:d}, {:x}, {:,} and {:_} agree with JS digits', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n })),
        (n) => {
          const digits = n.toString();
          expect(pyFormat('{:d}', [n], {})).toBe(digits);
          expect(pyFormat('{:x}', [n], {})).toBe(n.toString(16));
          expect(pyFormat('{:,}', [n], {}).replace(/,/g, '')).toBe(digits);
          expect(pyFormat('{:_}', [n], {})).toMatch(/^-?\d{1,3}(_\d{3})*$/);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('floats: repr and .17g round-trip exactly, as Python guarantees', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Number(pyFormat('{:.17g}', [x], {}))).toBe(x === 0 ? 0 : x);
        if (!Number.isInteger(x)) {
          expect(Number(pyStr(x))).toBe(x);
          expect(pyStr(x)).toMatch(/^-?(\d+\.\d+|\d(\.\d+)?e[-+]\d{2,3})$/);
        }
        const e = Number(pyFormat('{:e}', [x], {}));
        expect(Math.abs(e - x)).toBeLessThanOrEqual(Math.abs(x) * 1e-6);
      }),
      { numRuns: 1000 },
    );
  });
});

/** Python string literal → string (the escapes pyRepr produces). */
function unrepr(literalText: string): string {
  const body = literalText.slice(1, -1);
  return body.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|.)/gu, (_, e: string) => {
    switch (e[0]) {
      case 'x':
      case 'u':
      case 'U':
        return String.fromCodePoint(parseInt(e.slice(1), 16));
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      default:
        return e;
    }
  });
}

describe('pyRepr of strings', () => {
  test('is a Python literal that reads back as the same string; !a is pure ASCII', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: fc.constantFrom("'", '"', '\\', 'a', '\n', '\u0085') }),
        (s, q) => {
          for (const v of [s, q, s + q]) {
            const r = pyRepr(v);
            expect(r[0] === "'" || r[0] === '"').toBe(true);
            expect(r.at(-1)).toBe(r[0]);
            expect(unrepr(r)).toBe(v);
            expect(pyFormat('{!a}', [v], {})).toMatch(/^[\x20-\x7e]*$/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('arbitrary templates', () => {
  const args: unknown[] = [1, 'a', [1, 'b'], { k: 'v', a: [2] }, 1.5, true, null, 10n, -0, NaN, new Map([['k', 1]])];
  const kwargs: Record<string, unknown> = { a: 1, b: 'x', c: [1, 2], d: { e: 'f' }, w: 5 };
  const alphabet = fc.constantFrom(
    ...'{}{}{}[]!:.0123456789rsazbcdeEfFgGnoxX%<>^=+- #,_{}abkw'.split(''),
    '\u0661',
    '😀',
    '\ud800',
    '{0',
    '{}',
    '{:',
    '}}',
    '{{',
    '!r',
    '[0]',
    '.a',
  );
  const templates = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: alphabet, maxLength: 40 }),
    fc
      .array(fc.string({ unit: alphabet, maxLength: 8 }), { maxLength: 6 })
      .map((xs) => xs.map((x) => `{${x}}`).join('')),
  );

  test('never throw anything but FormatError, and never hang', () => {
    fc.assert(
      fc.property(templates, (t) => {
        const start = Date.now();
        for (const [a, k] of [
          [args, kwargs],
          [[], {}],
        ] as const) {
          try {
            const out = pyFormat(t, a, k);
            expect(typeof out).toBe('string');
          } catch (e) {
            if (!(e instanceof FormatError)) throw e;
            expect(e.message).not.toBe('');
          }
        }
        expect(Date.now() - start).toBeLessThan(2000);
      }),
      { numRuns: 5000 },
    );
  });
});
