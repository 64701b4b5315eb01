// Issue 12 point 6: the raw URI (when it carries a password) and the CURVE secret key never show in
// util.inspect (any depth, hidden properties too), JSON.stringify or String() of a handler, a
// subscriber, or an error they report.
import { inspect } from 'node:util';
import { Level, LogRecord } from '@logq/core';
import { type CurveKeyPair, ZeroMQHandler, ZeroMQSocketError, ZeroMQSubscriber, curveKeyPair } from '../src/index.js';
import { endpoint } from './helpers.js';

const PASSWORD = 's3cret-Pa55';
const record = (msg: string) => new LogRecord({ channel: 'logq.secrets', level: Level.ERROR, msg });

/** JSON.stringify that survives cycles (a cycle is no leak), so every reachable string is checked. */
function json(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return typeof v === 'bigint' ? String(v) : v;
  });
}

/**
 * A zeromq.js socket's getters read, every one but `events`: that one opens a new monitor on the
 * socket (replacing any other, which printing must not do) and loads a module with the `require`
 * of the first test file that loaded zeromq in this worker, torn down by now.
 */
function socketGetters(value: unknown): string {
  if (!(typeof value === 'object' && value !== null && 'events' in value && 'closed' in value))
    return inspect(value, { depth: Infinity, showHidden: true, getters: true });
  const read: Record<string, unknown> = {};
  for (
    let proto = Object.getPrototypeOf(value);
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (key === 'events' || key in read || descriptor.get === undefined) continue;
      try {
        read[key] = descriptor.get.call(value);
      } catch (error) {
        read[key] = String(error);
      }
    }
  }
  return inspect(read, { depth: Infinity, showHidden: true });
}

/** Every way a user or a logger might print `value`. */
function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: Infinity, showHidden: true }), socketGetters(value), String(value)];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    // a cycle: JSON.stringify shows nothing at all
  }
  out.push(json(value));
  if (value instanceof Error)
    out.push(value.message, value.stack ?? '', inspect(value.cause, { depth: Infinity, showHidden: true }));
  return out;
}

function expectHidden(value: unknown, secrets: readonly string[]): void {
  for (const text of renderings(value)) for (const secret of secrets) expect(text).not.toContain(secret);
}

let server: CurveKeyPair;
let client: CurveKeyPair;
beforeAll(async () => {
  [server, client] = await Promise.all([curveKeyPair(), curveKeyPair()]);
});

describe('secrets never show', () => {
  it('a URI with a password: handler, subscriber and their bind/connect errors', async () => {
    const uri = `tcp://admin:${PASSWORD}@127.0.0.1:1`;
    const handlerErrors: unknown[] = [];
    const subscriberErrors: unknown[] = [];
    const handler = new ZeroMQHandler(uri, { onError: (e) => handlerErrors.push(e), curve: server });
    const subscriber = new ZeroMQSubscriber(uri, {
      multi: true,
      onError: (e) => subscriberErrors.push(e),
      curve: client,
    });
    try {
      expect(handler.uri).toBe('tcp://admin:***@127.0.0.1:1');
      expect(subscriber.uri).toBe('tcp://admin:***@127.0.0.1:1');
      const openError = await handler.open().catch((e: unknown) => e);
      expect(openError).toBeInstanceOf(ZeroMQSocketError);
      const subError = await subscriber.open().catch((e: unknown) => e);
      expect(subError).toBeInstanceOf(ZeroMQSocketError);
      expect(String((subError as Error).message)).toContain('admin:***@');
      handler.handle(record('through the pump')); // its connect fails too: reported to onError
      await subscriber.recv(0).catch((e: unknown) => subscriberErrors.push(e));
      for (let i = 0; i < 100 && handlerErrors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(handlerErrors.length).toBeGreaterThan(0);
      const secrets = [PASSWORD, server.secretKey, client.secretKey];
      for (const value of [handler, subscriber, openError, subError, ...handlerErrors, ...subscriberErrors])
        expectHidden(value, secrets);
    } finally {
      await handler.close({ timeoutMs: 100 });
      await subscriber.close();
    }
  });

  it('CURVE secret keys of working sockets, before and after records flow', async () => {
    const uri = await endpoint();
    const handler = new ZeroMQHandler(uri, { curve: { ...server, authorizedKeys: [client.publicKey] } });
    const subscriber = new ZeroMQSubscriber(uri, { curve: { ...client, serverKey: server.publicKey } });
    const secrets = [server.secretKey, client.secretKey];
    try {
      expectHidden(handler, secrets);
      expectHidden(subscriber, secrets);
      await handler.waitForPeers(1, { timeoutMs: 20_000 });
      handler.handle(record('encrypted'));
      expect((await subscriber.recv(20_000))?.message).toBe('encrypted');
      expectHidden(handler, secrets);
      expectHidden(subscriber, secrets);
      expectHidden(handler.socket, secrets);
      expectHidden(subscriber.socket, secrets);
    } finally {
      await handler.close({ timeoutMs: 1000 });
      await subscriber.close();
    }
    expectHidden(handler, secrets);
    expectHidden(subscriber, secrets);
  });
});
