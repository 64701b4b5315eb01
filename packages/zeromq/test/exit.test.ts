// Issue 12 points 1 and 5: a process that logs through a ZeroMQHandler and returns from main
// delivers what it logged and exits by itself, with or without installShutdownHooks(); with
// the hooks, SIGTERM delivers everything logged before it. A subscriber keeps its process alive
// while it receives, and a closed one does not.
import { join } from 'node:path';
import { runNodeSnippet } from '@logq/services';
import * as zmq from 'zeromq';
import { ZeroMQHandler, ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';

jest.setTimeout(120_000);

const cwd = join(__dirname, '..');
const MODES = [
  ['PUB/SUB', false],
  ['PUSH/PULL (multi)', true],
] as const;

/** Receives records until `n` distinct sequence numbers (`args[0]`) have arrived or nothing came for `quietMs`. */
async function collect(subscriber: ZeroMQSubscriber, n: number, quietMs = 20_000): Promise<Set<number>> {
  const seen = new Set<number>();
  while (seen.size < n) {
    const record = await subscriber.recv(quietMs);
    if (!record) break;
    seen.add(record.args[0] as number);
  }
  return seen;
}

/** The child's side: a handler pushed for the application, and a logger. */
function child(
  uri: string,
  multi: boolean,
  options: { hooks: boolean; body: string; handlerOptions?: string },
): string {
  return `
    import { Logger, installShutdownHooks } from '@logq/core';
    import { ZeroMQHandler } from '@logq/zeromq';
    ${options.hooks ? 'installShutdownHooks();' : ''}
    const handler = new ZeroMQHandler(${JSON.stringify(uri)}, { multi: ${multi}, ${options.handlerOptions ?? ''} });
    handler.pushApplication();
    // PUB/SUB: records sent before a subscription arrives are not for that subscriber.
    ${multi ? '' : 'await handler.waitForPeers(1, { timeoutMs: 60_000 });'}
    const log = new Logger('exit-test');
    ${options.body}
  `;
}

describe.each(MODES)('a child logging through ZeroMQHandler over %s', (_name, multi) => {
  it.each([
    ['without hooks', false],
    ['with installShutdownHooks()', true],
  ])('%s: returns from main, exits within 10 s, and all 1,000 records arrive', async (_how, hooks) => {
    const uri = await endpoint();
    const subscriber = new ZeroMQSubscriber(uri, { multi });
    try {
      await subscriber.open();
      const arriving = collect(subscriber, 1_000);
      const result = await runNodeSnippet(
        child(uri, multi, {
          hooks,
          body: `
            for (let i = 0; i < 1000; i++) log.info('record {0}', i);
            console.log('MAIN_DONE ' + Date.now());
          `,
        }),
        { cwd, timeoutMs: 90_000 }, // rejects if the child is still alive then
      );
      const exitedAt = Date.now();
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const mainDone = Number(/MAIN_DONE (\d+)/.exec(result.stdout)?.[1]);
      expect(exitedAt - mainDone).toBeLessThan(10_000);
      const seen = await arriving;
      expect(seen.size).toBe(1_000);
    } finally {
      await subscriber.close();
    }
  });

  it('with installShutdownHooks(): SIGTERM after 10,000 records delivers all of them', async () => {
    const uri = await endpoint();
    const subscriber = new ZeroMQSubscriber(uri, { multi });
    try {
      await subscriber.open();
      const arriving = collect(subscriber, 10_000);
      const result = await runNodeSnippet(
        child(uri, multi, {
          hooks: true,
          body: `
            setInterval(() => {}, 1000); // a server: alive until signalled
            for (let i = 0; i < 10000; i++) log.info('record {0}', i);
            console.log('LOGGED');
          `,
        }),
        { cwd, timeoutMs: 90_000, signal: { name: 'SIGTERM', whenStdoutIncludes: 'LOGGED' } },
      );
      expect(result.stderr).toBe('');
      expect(result.signal).toBe('SIGTERM'); // the hooks re-raise it once the handler is closed
      const seen = await arriving;
      expect(seen.size).toBe(10_000);
    } finally {
      await subscriber.close();
    }
  });
});

describe.each(MODES)('a child whose peer over %s has stalled', (_name, multi) => {
  it('exits by itself after the exit flush deadline, counting what it could not send', async () => {
    // A raw peer that never reads, with the smallest queues: the child's socket fills and stays full.
    const uri = await endpoint();
    const stalled = multi
      ? new zmq.Pull({ receiveHighWaterMark: 1, receiveBufferSize: 4096, linger: 0 })
      : new zmq.XPublisher({ linger: 0 });
    let sub: zmq.Subscriber | null = null;
    try {
      if (multi) {
        await stalled.bind(uri);
      } else {
        // PUB/SUB: the child binds; a raw SUB that never reads connects to it.
        sub = new zmq.Subscriber({ receiveHighWaterMark: 1, receiveBufferSize: 4096, linger: 0 });
        sub.subscribe();
        sub.connect(uri);
      }
      const result = await runNodeSnippet(
        child(uri, multi, {
          hooks: false,
          handlerOptions: `sendHighWaterMark: 1, onError: (e) => console.log('ERROR ' + e.message)`,
          body: `
            const big = 'x'.repeat(64 * 1024);
            for (let i = 0; i < 1000; i++) log.info('record {0} {1}', i, big); // 64 MB: more than any socket buffer
            console.log('MAIN_DONE ' + Date.now());
          `,
        }),
        { cwd, timeoutMs: 90_000 },
      );
      const exitedAt = Date.now();
      expect(result.code).toBe(0);
      // core's exit flush waits 5 s, then closes the handler (its socket lingers 1 s, plus 1 s for libzmq
      // to report it released): about 7 s; the rest is room for a loaded machine.
      expect(exitedAt - Number(/MAIN_DONE (\d+)/.exec(result.stdout)?.[1])).toBeLessThan(15_000);
      // What was not sent is counted and reported, not lost silently.
      expect(result.stdout).toMatch(/ERROR .*closed with \d+ record\(s\) undelivered/);
    } finally {
      stalled.close();
      sub?.close();
    }
  });
});

describe.each(MODES)('a ZeroMQSubscriber in a child over %s', (_name, multi) => {
  it('keeps the process alive while it receives, and lets it exit once closed', async () => {
    const uri = await endpoint();
    const handler = new ZeroMQHandler(uri, { multi });
    try {
      const code = `
        import { ZeroMQSubscriber } from '@logq/zeromq';
        const subscriber = new ZeroMQSubscriber(${JSON.stringify(uri)}, { multi: ${multi} });
        await subscriber.open();
        console.log('READY');
        // Nothing else keeps this process alive: only the subscriber waiting for records.
        for await (const record of subscriber) {
          console.log('GOT ' + record.message);
          if (record.message === 'last') break;
        }
        await subscriber.close();
        console.log('CLOSED ' + Date.now());
      `;
      const running = runNodeSnippet(code, { cwd, timeoutMs: 90_000 });
      if (multi) await handler.open();
      else await handler.waitForPeers(1, { timeoutMs: 60_000 });
      // multi: wait until the child's PULL is bound and has our PUSH (records would wait for it anyway).
      await new Promise((r) => setTimeout(r, 1_500)); // the child idles meanwhile: the subscriber must keep it up
      const { LogRecord, Level } = await import('@logq/core');
      handler.handle(new LogRecord({ channel: 'c', level: Level.INFO, msg: 'first' }));
      handler.handle(new LogRecord({ channel: 'c', level: Level.INFO, msg: 'last' }));
      const result = await running;
      const exitedAt = Date.now();
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0); // 13 would mean the loop emptied under a pending top-level await
      expect(result.stdout).toContain('READY');
      expect(result.stdout).toContain('GOT first\nGOT last\n');
      expect(exitedAt - Number(/CLOSED (\d+)/.exec(result.stdout)?.[1])).toBeLessThan(10_000);
    } finally {
      await handler.close({ timeoutMs: 1000 });
    }
  });
});
