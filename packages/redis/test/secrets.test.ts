import { Level, LogRecord } from '@logq/core';
import { Secret } from '@logq/core/transport';
import { numberedRecord } from '@logq/core/testing';
import { type BrokerServer, startRedis } from '@logq/services';
import { inspect } from 'node:util';
import { RedisHandler, type RedisHandlerOptions, RedisQueueHandler, RedisSubscriber } from '../src/index.js';
import { type RawClient, freshKey, rawClient, until } from './helpers.js';

const PASSWORD = 'pw-Zq8-secret-77';
const WRONG = 'wrong-Kx3-guess-55';
let server: BrokerServer;
let admin: RawClient;
let port: number;
beforeAll(async () => {
  server = await startRedis();
  port = server.port;
  admin = await rawClient(server.url);
  await admin.configSet('requirepass', PASSWORD);
  await admin.auth({ password: PASSWORD });
}, 120_000);
afterAll(async () => {
  admin?.destroy();
  await server?.dispose();
});

const uri = (pw: string) => `redis://:${pw}@127.0.0.1:${port}`;

/** Everything a person could print of `value`: inspect at any depth (hidden properties too), JSON, String. */
function printed(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value) ?? '';
  } catch (error) {
    json = String(error);
  }
  return [
    inspect(value, { depth: Infinity }),
    inspect(value, { depth: Infinity, showHidden: true }),
    json,
    String(value),
  ].join('\n');
}

/** An error and every cause below it, each printed. */
function printedChain(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 10 && e !== undefined && e !== null; i++) {
    parts.push(printed(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join('\n');
}

function expectHidden(text: string, secret: string): void {
  expect(text).not.toContain(secret);
  expect(text).not.toContain(encodeURIComponent(secret));
}

describe('a password never shows', () => {
  it('in handlers, subscribers and their options, connected and working', async () => {
    const key = freshKey('secret');
    const handler = new RedisQueueHandler(uri(PASSWORD), { key });
    const subscriber = new RedisSubscriber(uri(PASSWORD), { key });
    const slimOptions: RedisHandlerOptions = {
      port,
      password: new Secret(PASSWORD),
      key: freshKey('slim-secret'),
      flushTime: 10,
    };
    const slim = new RedisHandler(slimOptions);
    try {
      handler.handle(numberedRecord(1));
      expect((await subscriber.recv(10_000))?.extra.seq).toBe(1);
      slim.handle(new LogRecord({ channel: 'x', level: Level.WARNING, msg: 'slim' }));
      await slim.flush();
      expect(await admin.lLen(slimOptions.key!)).toBe(1);
      for (const value of [handler, subscriber, slim, slimOptions]) expectHidden(printed(value), PASSWORD);
      expect(String(handler)).toBe(`RedisQueueHandler(redis://:***@127.0.0.1:${port}, ${key})`);
      expect(JSON.stringify(subscriber)).toContain('redis://:***@');
    } finally {
      await handler.close();
      await subscriber.close();
      await slim.close();
      await admin.del([key, slimOptions.key!]);
    }
  });

  it('in the errors of a real wrong-password failure, their causes, and the objects that hit it', async () => {
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    const reconnect = { initialDelayMs: 20, maxDelayMs: 50 };
    const handler = new RedisQueueHandler(uri(WRONG), { key: 'k', onError, reconnect });
    const stream = new RedisQueueHandler(uri(WRONG), { key: 'k', mode: 'stream', onError, reconnect });
    const subscriber = new RedisSubscriber(uri(WRONG), { key: 'k', onError });
    const slim = new RedisHandler({ port, password: WRONG, onError, flushTime: 10, reconnect });
    handler.handle(numberedRecord(1));
    stream.handle(numberedRecord(1));
    slim.handle(new LogRecord({ channel: 'x', level: Level.ERROR, msg: 'y' }));
    expect(await subscriber.recv(500)).toBeNull();
    await until(() => errors.length >= 4, 'errors from all four');
    try {
      const text = errors.map(printedChain).join('\n');
      expect(text).toMatch(/WRONGPASS|invalid username-password|NOAUTH/i);
      expectHidden(text, WRONG);
      for (const value of [handler, stream, subscriber]) expectHidden(printed(value), WRONG);
    } finally {
      await handler.close({ timeoutMs: 100 });
      await stream.close({ timeoutMs: 100 });
      await slim.close({ timeoutMs: 100 });
      await subscriber.close();
    }
  });
});
