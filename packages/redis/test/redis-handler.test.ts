import { Level, LogRecord, Logger, NullHandler, kw } from '@logq/core';
import { type UsedService, runPython, useRedis } from '@logq/services';
import { hostname } from 'node:os';
import { RedisHandler, pythonIsoformat, pythonJsonDumps } from '../src/index.js';
import { type RawClient, freshKey, rawClient, until } from './helpers.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

let redis: UsedService;
let raw: RawClient;
let host: string;
let port: number;
let password: string | undefined;
beforeAll(async () => {
  redis = await useRedis();
  // RedisHandler, like Logbook's, takes host/port/password and uses database 0.
  const url = new URL(redis.url);
  host = url.hostname;
  port = Number(url.port || 6379);
  password = url.password ? decodeURIComponent(url.password) : undefined;
  url.pathname = '/0';
  raw = await rawClient(url.toString());
}, 120_000);
afterAll(async () => {
  raw?.destroy();
  await redis?.stop();
});

/** Logs through `handler` with a NullHandler below it, as Logbook's tests do. */
function logWith(handler: RedisHandler, fn: (log: Logger) => void): void {
  const log = new Logger('redis-test');
  new NullHandler().applicationBound(() => handler.applicationBound(() => fn(log)));
}

async function popJson(key: string): Promise<Record<string, unknown>> {
  const reply = await raw.blPop(key, 15);
  expect(reply).not.toBeNull();
  expect(reply!.key).toBe(key);
  return JSON.parse(reply!.element) as Record<string, unknown>;
}

describe('RedisHandler (Logbook test_redis_handler)', () => {
  it('has Logbook defaults', async () => {
    const handler = new RedisHandler({ port, password });
    expect(handler.key).toBe('redis');
    expect(handler.flushThreshold).toBe(128);
    expect(handler.flushTime).toBe(1000);
    expect(handler.pushMethod).toBe('rpush');
    expect(handler.bubble).toBe(true);
    expect(handler.extraFields).toEqual({});
    await handler.close();
  });

  it("takes every handler's names batchSize and lingerMs; Logbook's flushThreshold and flushTime stay as aliases", async () => {
    const handler = new RedisHandler({ port, password, batchSize: 10, lingerMs: 250 });
    const legacy = new RedisHandler({ port, password, flushThreshold: 10, flushTime: 250 });
    const both = new RedisHandler({ port, password, batchSize: 10, flushThreshold: 10 });
    for (const h of [handler, legacy]) {
      expect([h.batchSize, h.lingerMs, h.flushThreshold, h.flushTime]).toEqual([10, 250, 10, 250]);
    }
    expect(both.batchSize).toBe(10);
    expect(() => new RedisHandler({ port, batchSize: 10, flushThreshold: 20 })).toThrow(
      /batchSize \(10\) and flushThreshold \(20\)/,
    );
    expect(() => new RedisHandler({ port, lingerMs: 10, flushTime: 20 })).toThrow(
      /lingerMs \(10\) and flushTime \(20\)/,
    );
    await Promise.all([handler.close(), legacy.close(), both.close()]);
  });

  it('pushes the letters with key, extra fields and kwargs', async () => {
    await raw.del('redis');
    const handler = new RedisHandler({ host, port, password, level: Level.INFO, bubble: true });
    try {
      // Default key.
      logWith(handler, (log) => log.info(LETTERS));
      let item = await popJson('redis');
      expect(Object.keys(item)).toEqual(['message', 'host', 'level', 'time']);
      expect(item.message).toBe(LETTERS);
      expect(item.host).toBe(hostname());
      expect(item.level).toBe('INFO');
      expect(item.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$/);

      // Changing the key of the handler.
      const another = freshKey('test_another_key');
      handler.key = another;
      logWith(handler, (log) => log.info(LETTERS));
      item = await popJson(another);
      expect(item.message).toBe(LETTERS);
    } finally {
      await handler.close();
    }

    const key = freshKey('test_another_key');
    const withExtra = new RedisHandler({
      host,
      port,
      password,
      key,
      level: Level.INFO,
      extraFields: { type: 'test' },
      bubble: true,
    });
    try {
      logWith(withExtra, (log) => log.info(LETTERS));
      let item = await popJson(key);
      expect(Object.keys(item)).toEqual(['message', 'host', 'level', 'time', 'type']);
      expect(item.type).toBe('test');
      expect(item.message).toBe(LETTERS);

      // Fields given with the log call (kwargs) are added too.
      logWith(withExtra, (log) => log.info(LETTERS, kw({ more_info: 'This works' })));
      item = await popJson(key);
      expect(Object.keys(item)).toEqual(['message', 'host', 'level', 'time', 'type', 'more_info']);
      expect(item.more_info).toBe('This works');
      expect(item.type).toBe('test');
    } finally {
      await withExtra.close();
    }
  }, 60_000);

  it('stores lpush items newest first (test_redis_handler_lpush)', async () => {
    const key = freshKey('lpushed');
    const handler = new RedisHandler({
      host,
      port,
      password,
      key,
      pushMethod: 'lpush',
      level: Level.INFO,
      bubble: true,
    });
    logWith(handler, (log) => {
      log.info('old item');
      log.info('new item');
    });
    await until(async () => (await raw.lLen(key)) === 2, 'two items (timer flush)');
    const logs = await raw.lRange(key, 0, -1);
    expect(logs[0]).toContain('new item');
    expect(JSON.parse(logs[0]!).message).toBe('new item');
    expect(JSON.parse(logs[1]!).message).toBe('old item');
    await handler.close();
    await raw.del(key);
  });

  it('stores rpush items oldest first (test_redis_handler_rpush)', async () => {
    const key = freshKey('rpushed');
    const handler = new RedisHandler({
      host,
      port,
      password,
      key,
      pushMethod: 'rpush',
      level: Level.INFO,
      bubble: true,
    });
    logWith(handler, (log) => {
      log.info('old item');
      log.info('new item');
    });
    await until(async () => (await raw.lLen(key)) === 2, 'two items (timer flush)');
    const logs = await raw.lRange(key, 0, -1);
    expect(logs[0]).toContain('old item');
    expect(JSON.parse(logs[0]!).message).toBe('old item');
    await handler.close();
    await raw.del(key);
  });
  it('publishes each item on the channel named by key with pushMethod publish', async () => {
    const key = freshKey('published');
    const listener = raw.duplicate();
    listener.on('error', () => undefined);
    await listener.connect();
    const got: string[] = [];
    await listener.subscribe(key, (message) => got.push(message));
    try {
      const handler = new RedisHandler({ host, port, password, key, pushMethod: 'publish', level: Level.INFO });
      logWith(handler, (log) => {
        log.info('first {}', 1);
        log.info('second');
      });
      expect(await handler.close()).toEqual({ flushed: true, sent: 2, dropped: 0 });
      await until(() => got.length === 2, 'two published items', 10_000);
      expect(got.map((m) => (JSON.parse(m) as { message: string }).message)).toEqual(['first {}', 'second']);
      expect(await raw.exists(key)).toBe(0);
    } finally {
      listener.destroy();
    }
  });
});

describe('RedisHandler flushing', () => {
  it('sends one multi-value push per flush: at the threshold, on the timer and on close', async () => {
    const key = freshKey('flushes');
    const monitor = raw.duplicate();
    monitor.on('error', () => undefined);
    await monitor.connect();
    const pushes: number[] = [];
    await monitor.monitor((reply) => {
      // "<time> [0 127.0.0.1:port] "rpush" "key" "item" ..."
      const args = String(reply).match(/"(?:[^"\\]|\\.)*"/g) ?? [];
      if (args[0]?.toLowerCase() === '"rpush"' && args[1] === `"${key}"`) pushes.push(args.length - 2);
    });
    const handler = new RedisHandler({ host, port, password, key, flushThreshold: 10, flushTime: 60_000 });
    try {
      const log = new Logger('flush');
      handler.applicationBound(() => {
        for (let i = 0; i < 25; i++) log.warn('record {}', i);
      });
      // 20 reach the threshold twice; 5 wait for the (long) timer.
      await until(async () => (await raw.lLen(key)) === 20, 'two threshold flushes');
      await new Promise((r) => setTimeout(r, 300));
      expect(await raw.lLen(key)).toBe(20);
      const result = await handler.close();
      expect(result).toEqual({ flushed: true, sent: 25, dropped: 0 });
      expect(await raw.lLen(key)).toBe(25);
      await until(() => pushes.length === 3, 'three RPUSH commands seen by MONITOR', 5_000);
      expect(pushes).toEqual([10, 10, 5]);
      const messages = (await raw.lRange(key, 0, -1)).map((s: string) => JSON.parse(s).message);
      expect(messages).toEqual(Array.from({ length: 25 }, () => 'record {}'));
    } finally {
      monitor.destroy();
      await raw.del(key);
    }
  });

  it('pushes each record at once after disableBuffering()', async () => {
    const key = freshKey('unbuffered');
    const handler = new RedisHandler({ host, port, password, key, flushTime: 60_000 });
    handler.disableBuffering();
    handler.handle(new LogRecord({ channel: 'x', level: Level.ERROR, msg: 'now' }));
    await until(async () => (await raw.lLen(key)) === 1, 'the record pushed without waiting for the timer', 10_000);
    await handler.close();
    await raw.del(key);
  });

  it('flushes on the timer (flushTime in ms)', async () => {
    const key = freshKey('timer');
    const handler = new RedisHandler({ host, port, password, key, flushTime: 200 });
    const started = Date.now();
    handler.handle(new LogRecord({ channel: 'x', level: Level.ERROR, msg: 'tick' }));
    await until(async () => (await raw.lLen(key)) === 1, 'the timer flush', 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await handler.close();
    await raw.del(key);
  });

  it('buffers while Redis is unreachable and never throws', async () => {
    const errors: unknown[] = [];
    const handler = new RedisHandler({
      host: '127.0.0.1',
      port: 1,
      flushTime: 10,
      onError: (e) => errors.push(e),
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    });
    expect(() => handler.handle(new LogRecord({ channel: 'x', level: Level.ERROR, msg: 'nowhere' }))).not.toThrow();
    await until(() => errors.length > 0, 'a connection error');
    expect(handler.stats.buffered).toBe(1);
    const result = await handler.close({ timeoutMs: 200 });
    expect(result.flushed).toBe(false);
    expect(result.dropped).toBe(1);
  });
});

describe('RedisHandler item format', () => {
  it('formats time as Python isoformat() of a naive UTC datetime', () => {
    expect(pythonIsoformat(1_764_087_806_073_111)).toBe('2025-11-25T16:23:26.073111');
    expect(pythonIsoformat(1_764_087_806_000_001)).toBe('2025-11-25T16:23:26.000001');
    expect(pythonIsoformat(1_764_087_806_000_000)).toBe('2025-11-25T16:23:26');
  });

  it('writes JSON as Python json.dumps does', () => {
    expect(pythonJsonDumps({ a: 'äö€ 🎉', b: [1, 2.5, null, true], c: { d: 1e-7, e: 1.5e300 } })).toBe(
      '{"a": "\\u00e4\\u00f6\\u20ac \\ud83c\\udf89", "b": [1, 2.5, null, true], "c": {"d": 1e-07, "e": 1.5e+300}}',
    );
    expect(pythonJsonDumps('tab\there "q" \u007f')).toBe('"tab\\there \\"q\\" \\u007f"');
    expect(pythonJsonDumps(0.0001)).toBe('0.0001');
    expect(pythonJsonDumps(0.00001)).toBe('1e-05');
  });

  it('writes the same bytes as Python Logbook RedisHandler for the same record', async () => {
    const pyKey = freshKey('py-slim');
    const jsKey = freshKey('js-slim');
    const code = `
import sys, logbook
from logbook.queues import RedisHandler
h = RedisHandler(host=sys.argv[1], port=int(sys.argv[2]), key=sys.argv[3], password=(sys.argv[4] or False), extra_fields={'type': 'app', 'ünï': 'cødé'}, flush_threshold=1)
with logbook.NullHandler().applicationbound():
    with h:
        logbook.Logger('py').warning('Hello {0} äöü 🎉', 'x', user='bob', ratio=0.25, tags=['a', 'b'], nested={'k': None, 'ok': True})
        logbook.Logger('py').error('collide', type='kw-type', message='kw-message', extra_one=1)
h.close()
`;
    const result = await runPython(code, { args: [host, String(port), pyKey, password ?? ''] });
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code).toBe(0);
    const handler = new RedisHandler({ host, port, password, key: jsKey, extraFields: { type: 'app', ünï: 'cødé' } });
    handler.handle(
      new LogRecord({
        channel: 'js',
        level: Level.WARNING,
        msg: 'Hello {0} äöü 🎉',
        args: ['x'],
        kwargs: { user: 'bob', ratio: 0.25, tags: ['a', 'b'], nested: { k: null, ok: true } },
      }),
    );
    // kwargs that repeat a base or extra field take its place, as Python's dict.update does.
    handler.handle(
      new LogRecord({
        channel: 'js',
        level: Level.ERROR,
        msg: 'collide',
        kwargs: { type: 'kw-type', message: 'kw-message', extra_one: 1 },
      }),
    );
    await handler.close();
    const py = await raw.lRange(pyKey, 0, -1);
    const js = await raw.lRange(jsKey, 0, -1);
    expect(py).toHaveLength(2);
    expect(js).toHaveLength(2);
    const timeRe = /"time": "[^"]+"/;
    for (let i = 0; i < 2; i++) {
      expect(py[i]).toMatch(/"time": "\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?"/);
      expect(js[i]).toMatch(/"time": "\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?"/);
      expect(js[i]!.replace(timeRe, '"time": T')).toBe(py[i]!.replace(timeRe, '"time": T'));
    }
    expect(JSON.parse(js[1]!).message).toBe('kw-message');
    await raw.del([pyKey, jsKey]);
  }, 90_000);
});
