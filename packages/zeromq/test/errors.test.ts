// One EAGAIN test for "the socket cannot take a message now" (handler) and "the socket has
// nothing to read now" (subscriber): zeromq.js reports both, and a timed-out wait, as EAGAIN.
import * as zmq from 'zeromq';
import { isAgain } from '../src/errors.js';
import { ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';

describe('isAgain', () => {
  it('is true for a full socket and for an empty one, false for other errors', async () => {
    const push = new zmq.Push({ linger: 0, sendTimeout: 0, sendHighWaterMark: 1 });
    const pull = new zmq.Pull({ linger: 0, receiveTimeout: 0 });
    try {
      // No peer: a PUSH cannot send at all, so a send that must not wait is refused.
      const full = await push.send('x').then(
        () => null,
        (error: unknown) => error,
      );
      expect(isAgain(full)).toBe(true);
      const empty = await pull.receive().then(
        () => null,
        (error: unknown) => error,
      );
      expect(isAgain(empty)).toBe(true);
      const uri = await endpoint();
      await pull.bind(uri);
      const taken = new zmq.Pull({ linger: 0 });
      const inUse = await taken.bind(uri).then(
        () => null,
        (error: unknown) => error,
      );
      taken.close();
      expect((inUse as { code?: unknown }).code).toBe('EADDRINUSE');
      expect(isAgain(inUse)).toBe(false);
      expect(isAgain(new Error('EAGAIN in the text only'))).toBe(false);
      expect(isAgain(null)).toBe(false);
    } finally {
      push.close();
      pull.close();
    }
  });
});

describe('option names shared with the other transports', () => {
  it('readAheadBytes; the former prefetchBytes still works when it is not given', async () => {
    const current = new ZeroMQSubscriber(null, { readAheadBytes: 4096, prefetch: 8 });
    const former = new ZeroMQSubscriber(null, { prefetchBytes: 2048 });
    const both = new ZeroMQSubscriber(null, { readAheadBytes: 4096, prefetchBytes: 2048 });
    const defaults = new ZeroMQSubscriber(null, { maxRecordBytes: 8 * 1024 * 1024 });
    try {
      expect([current.readAheadBytes, current.prefetch]).toEqual([4096, 8]);
      expect(former.readAheadBytes).toBe(2048);
      expect(both.readAheadBytes).toBe(4096);
      expect(defaults.readAheadBytes).toBe(32 * 1024 * 1024);
    } finally {
      await Promise.all([current, former, both, defaults].map((s) => s.close()));
    }
  });
});
