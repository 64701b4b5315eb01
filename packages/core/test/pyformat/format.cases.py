#!/usr/bin/env python3
"""Generates format.cases.ts: expected outputs of str.format / str / repr / ascii
computed by real CPython (3.11), for the tests of packages/core/src/pyformat/.

    python3 packages/core/test/pyformat/format.cases.py > packages/core/test/pyformat/format.cases.ts

Python values are written as the JavaScript values that pyFormat maps onto
them: int -> number (bigint from 2**53 on), float -> number, str -> string,
None -> null, list -> array, dict -> plain object, bytes -> Uint8Array,
SimpleNamespace -> plain object (attribute access only).

JavaScript has one number type, so a JS number that is integer-valued is taken
as a Python int, except where the spec only makes sense for a float (no type or
'n' with a precision, or 'z') and, with no type or 'n', from 1e16 on; `analog` applies
that documented rule to compute the expected output with the Python type the JS
side uses. Such cases are marked `asFloat` / `asInt` in the output.
"""

import json
import math
import re
import sys
from types import SimpleNamespace

assert sys.version_info[:2] == (3, 11), sys.version


def js(v):
    """TypeScript source for the JS value mapped from a Python value."""
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v) if -(2**53) < v < 2**53 else f'{v}n'
    if isinstance(v, float):
        if math.isnan(v):
            return 'NaN'
        if math.isinf(v):
            return 'Infinity' if v > 0 else '-Infinity'
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bytes):
        return f'new Uint8Array([{", ".join(str(b) for b in v)}])'
    if isinstance(v, list):
        return '[' + ', '.join(js(x) for x in v) + ']'
    if isinstance(v, dict):
        return '{ ' + ', '.join(f'{json.dumps(k)}: {js(x)}' for k, x in v.items()) + ' }'
    if isinstance(v, SimpleNamespace):
        return js(vars(v))
    raise TypeError(type(v))


SPEC_RE = re.compile(r'^(?:.[<>=^]|[<>=^])?[-+ ]?(z)?#?0?\d*[,_]?(?:\.(\d+))?(.)?$', re.S)


def analog(v, spec):
    """The Python value whose formatting the JS side reproduces for a JS number."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    if isinstance(v, int) and not -(2**53) < v < 2**53:
        return v  # a bigint: always a Python int
    if isinstance(v, float) and not v.is_integer():
        return v  # NaN, inf and non-integers: float
    x = v + 0  # -0.0 -> 0.0
    m = SPEC_RE.match(spec)
    if m is None:
        return int(x)
    z, precision, typ = m.group(1), m.group(2), m.group(3) or ''
    if typ in ('', 'n') and (precision is not None or z):
        return float(x)
    if typ in ('', 'n') and abs(x) >= 1e16:
        return float(x)
    return int(x)


def run(template, args, kwargs):
    try:
        return {'r': template.format(*args, **kwargs)}
    except Exception as e:  # noqa: BLE001 - every error is an expected outcome
        return {'e': [type(e).__name__, str(e)]}


def case(template, args=(), kwargs=None, js_args=None, note=None):
    kwargs = kwargs or {}
    out = run(template, args, kwargs)
    a = js_args if js_args is not None else '[' + ', '.join(js(x) for x in args) + ']'
    k = js(kwargs) if kwargs else '{}'
    fields = [json.dumps(template), a, k]
    if 'r' in out:
        fn = 'ok'
        fields.append(json.dumps(out['r']))
    else:
        fn = 'err'
        fields.append(json.dumps(out['e']))
    if note:
        fields.append(json.dumps(note))
    return f'  {fn}(' + ', '.join(fields) + '),'


def spec_case(value, spec):
    py = analog(value, spec)
    note = None
    if type(py) is not type(value) and not isinstance(value, bool):
        note = 'asFloat' if isinstance(py, float) else 'asInt'
    return case('{:' + spec + '}', (py,), js_args='[' + js(value) + ']', note=note)


NS = SimpleNamespace(a=1, b='two', inner=SimpleNamespace(c=[10, 20]))

TEMPLATES = [
    ('', ()), ('plain text', ()), ('{}', (1,)), ('{} {}', ('a', 'b')), ('{0} {1} {0}', ('a', 'b')),
    ('{1}{0}', ('a', 'b')), ('x{}y{}z', (1, 2.5)), ('{}', ()), ('{} {}', (1,)), ('{2}', (1, 2)),
    ('{}', ('',)), ('{}{}{}', (None, True, False)), ('{}', ([1, 'a', None, 2.5, [True]],)),
    ('{}', ({'k': 'v', 'n': [1, {'x': None}]},)), ('{}', ({},)), ('{}', ([],)), ('{}', (b"a'b\x00\xff",)),
    ('{0!r} {0!s} {0!a}', ('héllo',)), ('{!r}', ("it's",)), ('{!r}', ('a"b',)), ('{!r}', ('both\'"',)),
    ('{!r}', ('\n\t\r\\\x00\x1f\x7f\x80\xa0\xad\u2028\u200b\ud800\U0001F600é',)),
    ('{!a}', ('\n\x80\xa0\u2028\U0001F600é\u20ac',)), ('{!r}', (None,)), ('{!r}', (1.5,)), ('{!r}', (-7,)),
    ('{!r}', ([1, 'a'],)), ('{!s}', ([1, 'a'],)), ('{!a}', (['é'],)), ('{!r}', ({'k': "it's"},)),
    ('{!r:>10}', ('a',)), ('{!s:*^9}', (True,)), ('{0!r:}', ('x',)), ('{!s:}', (None,)),
    ('{!r:{}}', ('a', 8)), ('{!x}', (1,)), ('{!}', (1,)), ('{!', (1,)), ('{!r', (1,)), ('{!r:', (1,)),
    ('{!rr}', (1,)), ('{!r }', (1,)), ('{!\U0001F600}', (1,)), ('{! }', (1,)), ('{!\x7f}', (1,)),
    ('{!R}', (1,)), ('{!:}', (1,)),
    ('{{}}', ()), ('{{0}}', (1,)), ('a}}b{{c', ()), ('{{{}}}', (1,)), ('}}{{', ()), ('{{', ()), ('}}', ()),
    ('{', ()), ('}', ()), ('a{', ()), ('a}', ()), ('a}b', ()), ('{0', (1,)), ('{0:', (1,)), ('{0:>', (1,)),
    ('}{', ()), ('{}}', (1,)), ('{{}', (1,)), ('{0{}', (1,)), ('{ {}', (1,)), ('{}{', (1,)),
    ('{0}{}', (1, 2)), ('{}{0}', (1, 2)), ('{a}{}{}', (1, 2), {'a': 'A'}), ('{}{a}{1}', (1, 2), {'a': 'A'}),
    ('{0}{a}{0}', (1,), {'a': 'A'}),
    ('{name}', (), {'name': 'x'}), ('{name} {0}', (1,), {'name': 'x'}), ('{} {name} {}', (1, 2), {'name': 'x'}),
    ('{x}', ()), ('{x}', (1,), {'y': 2}), ('{ }', (), {' ': 'space'}), ('{ }', ()), ('{0 }', (1,)),
    ('{-1}', (1,)), ('{-1}', (), {'-1': 'neg'}), ('{1.5}', (1,)), ('{é}', (), {'é': 'acute'}),
    ('{\u0661}', ('a', 'b')), ('{0[\u0661]}', (['a', 'b'],)), ('{\U0001D7D9}', ('a', 'b')),
    ('{99999999999999999999}', (1,)), ('{9223372036854775807}', (1,)), ('{9223372036854775808}', (1,)),
    ('{0[99999999999999999999]}', ([1],)), ('{0[9223372036854775807]}', ([1],)),
    ('{0[0]}', ([7, 8],)), ('{0[1]}', ('abc',)), ('{0[1]}', ('😀a',)), ('{0[k]}', ({'k': 'v'},)),
    ('{0[k][1]}', ({'k': [5, 6]},)), ('{0[5]}', ([1],)), ('{0[5]}', ('abc',)), ('{0[x]}', ([1],)),
    ('{0[x]}', ('abc',)), ('{0[0]}', (None,)), ('{0[0]}', (1,)), ('{0[x]}', (None,)), ('{0[x]}', (1.5,)),
    ('{0[-1]}', ([1],)), ('{0[ k ]}', ({' k ': 'spaced'},)), ('{0[missing]}', ({'k': 'v'},)),
    ('{0[3]}', ({'k': 'v'},)), ('{0[1]}', (b'abc',)), ('{0[9]}', (b'abc',)), ('{0[x]}', (b'abc',)),
    ('{0[a.b]}', ({'a.b': 'dotted'},)), ('{0[a:b]}', ({'a:b': 'colon'},)), ('{0[a!r]}', ({'a!r': 'bang'},)),
    ('{0[{]}', ({'{': 'brace'},)), ('{0[}]}', ({'}': 'rbrace'},)), ('{0[}]}', ([1],)), ('{0[]}', ([1],)),
    ('{0[}', ([1],)), ('{0[', ([1],)), ('{0]}', (1,)), ('{0[0]x}', ([1],)), ('{0[0]]}', ([1],)),
    ('{0[0]:>5}', ([1],)), ('{[0]}', (['auto'],)), ('{0[0][0]}', ([[1, 2]],)), ('{0[0][0]}', ([[]],)),
    ('{0.a}', (NS,)), ('{0.b}', (NS,)), ('{0.inner.c[1]}', (NS,)), ('{0.inner.c}', (NS,)), ('{.a}', (NS,)),
    ('{ns.inner.c[0]:>4}', (), {'ns': NS}), ('{0.x}', (1,)), ('{0.x}', (1.5,)), ('{0.foo}', ('abc',)),
    ('{0.x}', (None,)), ('{0.x}', ([1],)), ('{0.}', (NS,)), ('{0..a}', (NS,)),
    ('{0.a.}', (NS,)), ('{0.[a]}', (NS,)), ('{0.}', ()), ('{1.a}', (NS,)),
    ('{:{}}', ('x', 5)), ('{:>{w}}', ('x',), {'w': 6}), ('{0:{1}{2}}', (3.14159, '.', '2f')),
    ('{:{}{}{}}', ('x', '*', '^', 9)), ('{:{{}}}', ('x',)), ('{:{:{}}}', (1, 2, 3)), ('{:{}}', ('x',)),
    ('{:{0}}', ('x', 5)), ('{0:{}}', ('x', 5)), ('{:{}}{}', ('x', 3, 'y')), ('{:{a}}{}', ('x', 'y'), {'a': 3}),
    ('{:{}.{}f}', (3.14159, 10, 3)), ('{:{:}}', ('x', 4)), ('{:{!r}}', ('x', '>')), ('{:{}}', ('x', '{')),
    ('{:{}}', ('x', 'abc')), ('{:}}', ('x',)), ('{:{}', ('x', 1)), ('{:{{}', ('x',)), ('{:}', ('x',)),
    ('{0:}', ('x',)), ('{:x}{:{}}', (255, 'y', 3)), ('{a:{b}}', (), {'a': 'x', 'b': '^5'}),
    ('{:>{}}|{:<{}}', ('a', 3, 'b', 3)), ('{:{}{}}', (5, '+', 'd')),
    ('{:99999999999999999999}', (1,)), ('{:.99999999999999999999}', ('a',)), ('{:.}', (1,)),
    ('{:.f}', (1.5,)), ('{:abc}', (1,)), ('{:abc}', ('s',)), ('{:abc}', (1.5,)), ('{:>5}', (None,)),
    ('{:>5}', ([1],)), ('{:s}', ({'a': 1},)), ('{:}', (None,)), ('{:>5}', (b'ab',)),
    ('{:,😀}', (1,)), ('{:😀}', (1,)), ('{:😀<5}', ('a',)), ('{:x<😀}', ('a',)), ('{!r:😀>5}', ('a',)),
    ('{:\u0661\u0662}', ('a',)), ('{:.\u0662f}', (1.23456,)), ('{:_,}', (1,)), ('{:,_}', (1,)), ('{:,,}', (1,)),
    ('{:__}', (1,)), ('{:\x00<5}', ('a',)), ('{:{<5}', ('a',)), ('{:}<5}', ('a',)),
    ('{:.2147483648f}', (1.5,)), ('{:.2147483647s}', ('abc',)),
    ('{} items at {:.2f} = {total:,.2f}', (3, 9.99), {'total': 29.97}),
    ('{0:>8} | {1:<8} | {2:^8}', ('r', 'l', 'c')), ('{:08.3f}', (-3.14159,)), ('{:+.1%}', (0.256,)),
    ('{:#x} {:#o} {:#b}', (255, 8, 5)), ('{:,}', (1234567890,)), ('{:_}', (1234567890,)),
    ('{!r} took {:.3f}s', ('job', 1.23456)), ('{user} logged in from {ip}', (), {'user': 'bob', 'ip': '10.0.0.1'}),
]

FLOATS = [0.1, 1.5, 2.5, -2.5, 0.125, 0.375, 1234567.891, -1234567.891, 1e-7, 123.456, 9.999, 0.0005,
          5e-324, 1.7976931348623157e308, 1e16, 1e22, -1e16, 12345678901234567890.0, 2.0, -0.0, 0.0, 100.0,
          1e-300, 3.14159265358979, float('nan'), float('inf'), float('-inf'), 0.5, 1.25e-5, 99.995,
          0.05, 0.35, 1e15 + 0.5, 2.675, 1.0000000000000002, 9.5, 0.00001234]
FLOAT_SPECS = ['', '.0f', '.1f', '.2f', 'f', '.3e', 'e', 'E', 'g', 'G', '.3g', '#.3g', '.0e', '#.0f', '#.0e',
               '%', '.1%', '10.2f', '<10.2f', '^12.3e', '=+12.2f', '012.2f', ',.2f', '_.2f', ',', '_', '+',
               ' ', '-', 'z.1f', 'z', '.20f', '.30e', '.17g', '.0g', 'n', '.3n', '#', '#g', '.3', '010',
               '*^20', 'F', '.2F', '+.3e', ' .1f', '0=12,.3f', '015,.2f', '#.0%', '.50f', '020_.1f', 'd', 'x',
               's', 'c', 'b', '.2x', ',n', '.2z', 'zd', '=10', '>+10.1f', '-^10', '.1', '#.1', 'z.0f', '.5g',
               '#.5g', '.16g', '.25f', ',g', '012', '0<12', '0^12.1e', 'G<12']
INTS = [0, 1, -1, 7, 42, -42, 255, 1234567, -1234567, 2**53 - 1, -(2**53 - 1), 10**15, 10**20, -(10**30),
        65, 0x1F600, 0x10FFFF, 0x110000, True, False, 2**64, 2**63, 123456789012345678901234567890]
INT_SPECS = ['', 'd', 'b', 'o', 'x', 'X', '#b', '#o', '#x', '#X', 'c', ',', '_', '_b', '_o', '_x', '#_x', '#_X',
             '010', '010,', '09,', '08,', '+', ' ', '-', '+d', '=10', '^10', '<10', '>10', '*^10', '0=10',
             '#010x', '#012_b', 'n', 'e', 'f', '.2f', '%', 'g', '.3', 's', ',x', '010_', '013_b', 'z', '.2',
             '+c', '#c', '>5c', 'x<5', '+010', '-010', ' 010', '+#x', ',.2f', '.1e', '.2%', '^+11,', ',d', '_d',
             '10.3f', '0', '00', '010.2e', '.0', '.3n', 'zf', '.0e', 'E', 'G', '#.3g', ',n', '_n', '=+8,',
             '0>8', '0<8', '0^8', '#^10b', '_X', '#018_x', 'c<5', '2c', '%<10']
STRS = ['', 'abc', 'héllo', '😀x', 'a\tb', 'ab😀cd', 'x' * 12]
STR_SPECS = ['', '5', '<5', '>5', '^5', '^6', '*^7', '.2', '10.2', '😀>5', '05', '>05', 's', '+', ' ', '#', '=5',
             'z', ',', '_', 'd', '.0', '0', 'x<3', '\u0661\u0662', '.1', '<', '^', '10.0', '-<8', '.5s', '020s',
             'ss', 'x^9.3', '>20', '^>9', '0>4', ' >4', '.100', 'c', 'r', 'e']
OBJECTS = [None, [1, 2], {'k': 'v'}, b'ab']
OBJECT_SPECS = ['', '>5', 's', 'x']

REPR_VALUES = ['', 'abc', "it's", 'a"b', 'both\'"', '\\', '\n\t\r\x00\x1f\x7f', '\x80\x9f\xa0\xad\xff',
               '\u0100\u2028\u2029\u200b\u3000\ufeff\ufffd', '\ud800 \udfff', '\udc00\ud800', '😀\U000E0001\U0010FFFF',
               'é日本', None, True, False, 0, -7, 2**53 - 1, 10**20, -(10**25), 0.1, -1.5, 1e16, 1e22, 1e-5,
               1e-4, 0.0001234, 123456.789, 1.7976931348623157e308, 5e-324, 12345678901234567890.0,
               2.5e-320, 1e100, float('nan'), float('inf'), float('-inf'), [], [1, 'a', None, 2.5],
               [[1, [2, [3]]], {}], {}, {'a': 1, 'b': 'x', 'c': [None]}, {'é': "it's", 'q"': '\n'},
               b'', b'abc', b"a'b", b'a"b', b'a\'"b', b'\x00\n\t\r\x7f\x80\xff\\']


def main():
    w = sys.stdout.write
    w('// Generated by format.cases.py with Python %s. Do not edit: regenerate.\n' % sys.version.split()[0])
    w('/* eslint-disable */\n\n')
    w('/** One str.format case: template, positional and keyword arguments, and Python\'s result or error. */\n')
    w('export interface FormatCase {\n  t: string;\n  a: unknown[];\n  k: Record<string, unknown>;\n'
      '  /** The result, when Python returned one. */\n  r?: string;\n'
      '  /** [exception class, str(exception)], when Python raised. */\n  e?: [string, string];\n'
      '  /** asFloat/asInt: the JS number was formatted as that Python type (see format.cases.py). */\n'
      '  n?: string;\n}\n\n')
    w('const ok = (t: string, a: unknown[], k: Record<string, unknown>, r: string, n?: string): FormatCase =>\n'
      '  n === undefined ? { t, a, k, r } : { t, a, k, r, n };\n')
    w('const err = (t: string, a: unknown[], k: Record<string, unknown>, e: [string, string], n?: string): FormatCase =>\n'
      '  n === undefined ? { t, a, k, e } : { t, a, k, e, n };\n\n')
    w('/** One value with Python\'s str(), repr() and ascii() of it. */\n')
    w('export interface ReprCase {\n  v: unknown;\n  s: string;\n  r: string;\n  a: string;\n}\n\n')
    w('/** Templates: fields, lookups, conversions, escapes, nesting and errors. */\n')
    w('export const templateCases: FormatCase[] = [\n')
    for item in TEMPLATES:
        template, args = item[0], item[1]
        kwargs = item[2] if len(item) > 2 else {}
        w(case(template, args, kwargs) + '\n')
    w('];\n\n/** Format specs applied to floats, ints, strings and other objects. */\n')
    w('export const specCases: FormatCase[] = [\n')
    for values, specs in ((FLOATS, FLOAT_SPECS), (INTS, INT_SPECS), (STRS, STR_SPECS), (OBJECTS, OBJECT_SPECS)):
        for v in values:
            for spec in specs:
                w(spec_case(v, spec) + '\n')
    w('];\n\n/** str(), repr() and ascii() of values. */\n')
    w('export const reprCases: ReprCase[] = [\n')
    for v in REPR_VALUES:
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
            continue  # an integer-valued JS number prints as an int, by design
        w(f'  {{ v: {js(v)}, s: {json.dumps(str(v))}, r: {json.dumps(repr(v))}, a: {json.dumps(ascii(v))} }},\n')
    w('];\n')


main()
