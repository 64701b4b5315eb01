import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { Secret, redactUri, scrubError } from '../src/transport.js';

describe('Secret', () => {
  it('never shows its value when printed or serialised', () => {
    const s = new Secret('hunter2-pw');
    const holder = { password: s, nested: { deep: { deeper: { s } } } };
    for (const text of [
      String(s),
      `${s}`,
      JSON.stringify(holder),
      inspect(holder, { depth: Infinity, showHidden: true }),
    ]) {
      expect(text).not.toContain('hunter2-pw');
    }
    expect(s.reveal()).toBe('hunter2-pw');
  });
});

describe('scrubError', () => {
  it('removes secrets from the message, stack, cause chain and nested args', () => {
    const inner = Object.assign(new Error('WRONGPASS for AUTH default hunter2-pw'), {
      command: { name: 'AUTH', args: ['default', 'hunter2-pw'] },
    });
    const outer = new Error('connect redis://u:hunter2-pw@127.0.0.1:1 failed', { cause: inner });
    const agg = new AggregateError([outer], 'all failed: hunter2-pw');
    scrubError(agg, ['hunter2-pw']);
    const text = inspect(agg, { depth: Infinity, showHidden: true }) + JSON.stringify(inner) + String(outer.stack);
    expect(text).not.toContain('hunter2-pw');
    expect(inner.command.args).toEqual(['default', '***']);
    expect(outer.message).toBe('connect redis://u:***@127.0.0.1:1 failed');
  });

  it('leaves short strings and cycles alone', () => {
    const e: Error & { self?: unknown } = new Error('a b c');
    e.self = e;
    expect(scrubError(e, ['a', null, undefined]).message).toBe('a b c');
  });

  it('redactUri hides the password only', () => {
    expect(redactUri('amqp://guest:secret@localhost:5672/vh')).toBe('amqp://guest:***@localhost:5672/vh');
  });
});
