import fc from 'fast-check';
import { FormatError, pyFormat } from '../src/pyformat/index.js';
import { formatMessage } from '../src/message-template.js';

const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  fc.bigInt(),
);
const piece = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom('{}', '{0}', '{1}', '{2}', '{name}', '{other}', '{{', '}}', '{', '}', '{0!r}', '{:>4}', '{0.real}'),
);

function outcome(fn: () => string): string {
  try {
    return `ok:${fn()}`;
  } catch (error) {
    return error instanceof FormatError ? `error:${error.message}` : `other:${String(error)}`;
  }
}

describe('formatMessage (cached fast path)', () => {
  it('gives exactly what pyFormat gives, result or error', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }).map((p) => p.join('')),
        fc.array(value, { maxLength: 3 }),
        fc.record({ name: value }, { requiredKeys: [] }),
        (template, args, kwargs) => {
          expect(outcome(() => formatMessage(template, args, kwargs))).toBe(
            outcome(() => pyFormat(template, args, kwargs)),
          );
          // Twice: the second call uses the cached compilation.
          expect(outcome(() => formatMessage(template, args, kwargs))).toBe(
            outcome(() => pyFormat(template, args, kwargs)),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('handles the common cases', () => {
    expect(formatMessage('request {0} took {1} ms', [7, 12.5], {})).toBe('request 7 took 12.5 ms');
    expect(formatMessage('{} and {}', [true, null], {})).toBe('True and None');
    expect(formatMessage('{user} {{literal}}', [], { user: 'ann' })).toBe('ann {literal}');
  });
});
