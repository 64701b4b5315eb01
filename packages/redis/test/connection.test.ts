import { LogRecord, Level, createHandler, createSubscriber } from '@logq/core';
import { numberedRecord } from '@logq/core/testing';
import { type BrokerServer, freePort, makeTempDir, removeTempDir, startRedis } from '@logq/services';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { createClient, type createCluster } from 'redis';
import type { NodeRedisClient, NodeRedisCluster } from '../src/index.js';

// Compile-time: any node-redis client and cluster fit the `client` option's types.
export const clientFits = (c: ReturnType<typeof createClient>): NodeRedisClient => c;
export const clusterFits = (c: ReturnType<typeof createCluster>): NodeRedisCluster => c;
import { RedisHandler, RedisOptionsError, RedisQueueHandler, RedisSubscriber } from '../src/index.js';
import { type RawClient, freshKey, rawClient, until } from './helpers.js';

const PASSWORD = 'sup3r-s3cret-pw';
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

const authUrl = (pw: string) => `redis://:${encodeURIComponent(pw)}@127.0.0.1:${port}`;

/** Every text an error carries: message, stack, causes. */
function allText(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (e instanceof Error) {
      parts.push(String(e), e.message, e.stack ?? '');
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join('\n');
}

describe('passwords', () => {
  it('works with the password in the URI', async () => {
    const key = freshKey('auth');
    const handler = new RedisQueueHandler(authUrl(PASSWORD), { key });
    const subscriber = new RedisSubscriber(authUrl(PASSWORD), { key });
    expect(handler.uri).toBe(`redis://:***@127.0.0.1:${port}`);
    expect(subscriber.uri).toBe(`redis://:***@127.0.0.1:${port}`);
    handler.handle(numberedRecord(1));
    expect((await subscriber.recv(10_000))?.extra.seq).toBe(1);
    await handler.close();
    await subscriber.close();
  });

  it('works with an ACL user and password in the URI', async () => {
    const user = 'logq-acl-user';
    const password = 'acl-pa55word-x';
    await admin.sendCommand(['ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all']);
    try {
      const uri = `redis://${user}:${password}@127.0.0.1:${port}`;
      for (const mode of ['list', 'stream'] as const) {
        const key = freshKey(`acl-${mode}`);
        const handler = new RedisQueueHandler(uri, { key, mode });
        const subscriber = new RedisSubscriber(uri, { key, mode });
        expect(handler.uri).toBe(`redis://${user}:***@127.0.0.1:${port}`);
        handler.handle(numberedRecord(4));
        expect((await subscriber.recv(10_000))?.extra.seq).toBe(4);
        expect(await handler.close()).toEqual({ flushed: true, sent: 1, dropped: 0 });
        await subscriber.close();
      }
    } finally {
      await admin.sendCommand(['ACL', 'DELUSER', user]);
    }
  });

  it('RedisHandler authenticates with its password option', async () => {
    const key = freshKey('slim-auth');
    const handler = new RedisHandler({ port, password: PASSWORD, key });
    handler.handle(new LogRecord({ channel: 'x', level: Level.WARNING, msg: 'authenticated' }));
    expect(await handler.close()).toEqual({ flushed: true, sent: 1, dropped: 0 });
    expect(JSON.parse((await admin.lPop(key))!).message).toBe('authenticated');
  });

  it('never shows a wrong password in errors (handler, subscriber, RedisHandler)', async () => {
    const wrong = 'wr0ng-passw0rd-xyz';
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    const handler = new RedisQueueHandler(authUrl(wrong), {
      key: 'k',
      onError,
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    handler.handle(numberedRecord(1));
    const subscriber = new RedisSubscriber(authUrl(wrong), { key: 'k', onError });
    const slim = new RedisHandler({
      port,
      password: wrong,
      onError,
      flushTime: 10,
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    slim.handle(new LogRecord({ channel: 'x', level: Level.ERROR, msg: 'y' }));
    expect(await subscriber.recv(1_000)).toBeNull();
    await until(() => errors.length >= 3, 'errors from all three');
    await handler.close({ timeoutMs: 100 });
    await slim.close({ timeoutMs: 100 });
    await subscriber.close();
    const text = errors.map(allText).join('\n');
    expect(text).toMatch(/WRONGPASS|NOAUTH|invalid password|AUTH/i);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(encodeURIComponent(wrong));
  });
});

describe('clients', () => {
  it('uses a given client and never closes it; closes the duplicate it made for blocking pops', async () => {
    const client = createClient({ url: authUrl(PASSWORD) });
    client.on('error', () => undefined);
    await client.connect();
    const key = freshKey('given');
    const handler = new RedisQueueHandler('redis://ignored', { client, key });
    const subscriber = new RedisSubscriber('redis://ignored', { client, key });
    const waiting = subscriber.recv(); // blocks on the duplicate
    await new Promise((r) => setTimeout(r, 200));
    const clientsBefore = (await admin.clientList()).length;
    handler.handle(numberedRecord(5));
    expect((await waiting)?.extra.seq).toBe(5);
    await handler.close();
    await subscriber.close();
    expect(client.isReady).toBe(true);
    expect(await client.ping()).toBe('PONG');
    await until(async () => (await admin.clientList()).length === clientsBefore - 1, 'the duplicate closed', 5_000);
    client.destroy();
  });

  it('writes a batch in one socket write (4 MiB write buffer); a socket option of the user wins', async () => {
    // Socket writes to this server while `run` runs (node-redis corks a tick's commands: one write each uncork).
    const countWrites = async (run: () => Promise<void>): Promise<number> => {
      let writes = 0;
      const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
      const originals = { _write: proto._write, _writev: proto._writev };
      for (const name of ['_write', '_writev'] as const) {
        proto[name] = function (this: Socket, ...args: unknown[]) {
          if (this.remotePort === port) writes++;
          return originals[name].apply(this, args);
        };
      }
      try {
        await run();
      } finally {
        Object.assign(proto, originals);
      }
      return writes;
    };
    const padding = 'x'.repeat(400);
    const batch = async (options: ConstructorParameters<typeof RedisQueueHandler>[1]) => {
      const key = freshKey('writes');
      const handler = new RedisQueueHandler(authUrl(PASSWORD), { key, format: 'logq', batchSize: 1024, ...options });
      handler.handle(numberedRecord(0));
      await handler.flush(); // connected
      const writes = await countWrites(async () => {
        for (let i = 1; i <= 1024; i++)
          handler.handle(new LogRecord({ channel: 'logq.writes', level: Level.INFO, msg: padding, extra: { seq: i } }));
        await handler.flush();
      });
      await handler.close();
      expect(await admin.lLen(key)).toBe(1025);
      await admin.del(key);
      return writes;
    };
    // 1,024 records of ~600 bytes: eight RPUSHes of 128 (~75 KB each), past Node's default 16 KiB buffer each.
    expect(await batch({})).toBeLessThanOrEqual(2);
    expect(
      await batch({ clientOptions: { socket: { writableHighWaterMark: 16 * 1024 } as never } }),
    ).toBeGreaterThanOrEqual(8);
  });

  it('close() wakes a blocked recv() at once and loses nothing', async () => {
    const key = freshKey('unblock');
    const subscriber = new RedisSubscriber(authUrl(PASSWORD), { key, blockMs: 30_000 });
    const forever = subscriber.recv();
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    await subscriber.close();
    expect(await forever).toBeNull();
    expect(Date.now() - t).toBeLessThan(2_000);
    await admin.rPush(key, 'x');
    await new Promise((r) => setTimeout(r, 200));
    expect(await admin.lLen(key)).toBe(1);
    await admin.del(key);
  });

  it('puts records taken but not returned back at the head of the list on close()', async () => {
    const key = freshKey('giveback');
    const handler = new RedisQueueHandler(authUrl(PASSWORD), { key, format: 'logq' });
    for (let i = 0; i < 10; i++) handler.handle(numberedRecord(i));
    await handler.close();
    const subscriber = new RedisSubscriber(authUrl(PASSWORD), { key, batchSize: 100, format: 'logq' });
    expect((await subscriber.recv(5_000))?.extra.seq).toBe(0);
    // The first pop takes 1 (sizes unknown yet); the rest is fetched ahead.
    await until(async () => (await admin.lLen(key)) === 0 && subscriber.buffered === 9, 'all ten taken');
    await subscriber.close();
    const left = (await admin.lRange(key, 0, -1)).map((s: string) => JSON.parse(s).extra.seq);
    expect(left).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await admin.del(key);
  });

  it('is made by createHandler/createSubscriber for redis:// URIs', async () => {
    const key = freshKey('resolver');
    const handler = await createHandler(authUrl(PASSWORD), { key });
    const subscriber = await createSubscriber(authUrl(PASSWORD), { key });
    expect(handler).toBeInstanceOf(RedisQueueHandler);
    expect(subscriber).toBeInstanceOf(RedisSubscriber);
    handler.handle(numberedRecord(3));
    expect((await subscriber.recv(5_000))?.extra.seq).toBe(3);
    await handler.close();
    await subscriber.close();
  });

  it('refuses the kombu format on a stream', () => {
    expect(() => new RedisQueueHandler('redis://x', { mode: 'stream', format: 'kombu' })).toThrow(RedisOptionsError);
    expect(() => new RedisSubscriber('redis://x', { mode: 'stream', format: 'kombu' })).toThrow(RedisOptionsError);
  });
});

describe('rediss:// with TLS options', () => {
  it('connects over TLS with the given CA and round-trips records in both modes', async () => {
    const dir = makeTempDir('redis-tls');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
        ],
        { stdio: 'ignore' },
      );
      const tlsPort = await freePort();
      await admin.configSet('tls-cert-file', join(dir, 'cert.pem'));
      await admin.configSet('tls-key-file', join(dir, 'key.pem'));
      await admin.configSet('tls-ca-cert-file', join(dir, 'cert.pem'));
      await admin.configSet('tls-auth-clients', 'no');
      await admin.configSet('tls-port', String(tlsPort));
      const uri = `rediss://:${PASSWORD}@127.0.0.1:${tlsPort}`;
      const tls = { ca: readFileSync(join(dir, 'cert.pem')) };
      for (const mode of ['list', 'stream'] as const) {
        const key = freshKey(`tls-${mode}`);
        const handler = new RedisQueueHandler(uri, { key, mode, tls });
        const subscriber = new RedisSubscriber(uri, { key, mode, tls });
        handler.handle(numberedRecord(11));
        expect((await subscriber.recv(10_000))?.extra.seq).toBe(11);
        expect(await handler.close()).toEqual({ flushed: true, sent: 1, dropped: 0 });
        await subscriber.close();
      }
      // Without the CA the self-signed certificate is refused, and the error has no password.
      const errors: unknown[] = [];
      const untrusted = new RedisQueueHandler(uri, {
        key: 'k',
        onError: (e) => errors.push(e),
        reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
      });
      untrusted.handle(numberedRecord(1));
      await until(() => errors.length > 0, 'a TLS error');
      await untrusted.close({ timeoutMs: 100 });
      expect(errors.map(allText).join('\n')).toMatch(/self.signed|certificate/i);
      expect(errors.map(allText).join('\n')).not.toContain(PASSWORD);
    } finally {
      await admin.configSet('tls-port', '0').catch(() => undefined);
      removeTempDir(dir);
    }
  }, 60_000);
});
