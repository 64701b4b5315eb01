import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as amqp from 'amqplib';
import { createClient } from 'redis';
import { MongoClient } from 'mongodb';
import {
  canConnect,
  freePort,
  pythonPath,
  runPython,
  ServiceNotInstalledError,
  spawnPython,
  startFerretDB,
  startRabbitMQ,
  startRedis,
  useFerretDB,
  useRabbitMQ,
  useRedis,
  waitForPort,
  type BrokerServer,
  type RabbitMQServer,
} from '../src/index.js';

// Generous: a loaded 2-core CI machine, several brokers in one file.
jest.setTimeout(180_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

async function expectStopped(server: BrokerServer, port: number): Promise<void> {
  expect(server.running).toBe(false);
  expect(server.pid).toBeNull();
  expect(await canConnect(port)).toBe(false);
}

async function redisRoundTrip(url: string, key: string, value: string): Promise<string | null> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.set(key, value);
    return await client.get(key);
  } finally {
    client.destroy();
  }
}

describe('helpers', () => {
  test('freePort hands out distinct bindable loopback ports; waitForPort waits for a listener', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p).toBeGreaterThan(0);
    const port = ports[0] as number;
    await expect(waitForPort(port, 300)).rejects.toThrow(/timed out/);
    const { createServer } = await import('node:net');
    const server = createServer();
    setTimeout(() => server.listen(port, '127.0.0.1'), 300);
    await waitForPort(port, 10_000);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('redis', () => {
  let redis: BrokerServer;
  afterAll(async () => {
    await redis?.dispose();
  });

  test('starts, round-trips SET/GET, stops and starts again on the same port', async () => {
    const t0 = Date.now();
    redis = await startRedis();
    console.log(`redis started in ${Date.now() - t0} ms on ${redis.url}`);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.running).toBe(true);
    expect(redis.dir.startsWith(tmpdir())).toBe(true);
    expect(await redisRoundTrip(redis.url, 'k', 'v1')).toBe('v1');

    const port = redis.port;
    const firstPid = redis.pid;
    await redis.stop();
    await expectStopped(redis, port);
    expect(alive(firstPid as number)).toBe(false);

    await redis.start();
    expect(redis.port).toBe(port);
    expect(redis.pid).not.toBe(firstPid);
    expect(await redisRoundTrip(redis.url, 'k', 'v2')).toBe('v2');

    await redis.restart();
    expect(redis.port).toBe(port);
    expect(await redisRoundTrip(redis.url, 'k2', 'v3')).toBe('v3');
  });

  test('dispose stops it for good and removes its folder', async () => {
    const server = await startRedis();
    const { pid, dir, port } = server;
    expect(existsSync(dir)).toBe(true);
    await server[Symbol.asyncDispose]();
    await server.dispose(); // idempotent
    expect(alive(pid as number)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(await canConnect(port)).toBe(false);
    await expect(server.start()).rejects.toThrow(/after dispose/);
  });

  test('useRedis starts an owned server, or uses LOGQ_REDIS_URL without owning it', async () => {
    const saved = process.env['LOGQ_REDIS_URL'];
    try {
      delete process.env['LOGQ_REDIS_URL'];
      const own = await useRedis();
      expect(own.owned).toBe(true);
      expect(own.server).not.toBeNull();
      expect(await redisRoundTrip(own.url, 'a', 'b')).toBe('b');

      process.env['LOGQ_REDIS_URL'] = own.url;
      const ext = await useRedis();
      expect(ext).toMatchObject({ url: own.url, port: own.port, owned: false, server: null });
      await ext.stop(); // no-op: the server it names keeps running
      expect(await redisRoundTrip(ext.url, 'a', 'c')).toBe('c');

      await own.stop();
      expect(await canConnect(own.port)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env['LOGQ_REDIS_URL'];
      else process.env['LOGQ_REDIS_URL'] = saved;
    }
  });
});

describe('rabbitmq', () => {
  let rabbit: RabbitMQServer;
  afterAll(async () => {
    await rabbit?.dispose();
  });

  test('starts its own node, round-trips a message, keeps durable data across stop/start on the same port', async () => {
    const t0 = Date.now();
    rabbit = await startRabbitMQ();
    console.log(`rabbitmq started in ${Date.now() - t0} ms on ${rabbit.url} (node ${rabbit.nodeName})`);
    expect(rabbit.url).toBe(`amqp://guest:guest@127.0.0.1:${rabbit.port}`);

    let conn = await amqp.connect(rabbit.url);
    let ch = await conn.createChannel();
    await ch.assertQueue('logging', { durable: true });
    ch.sendToQueue('logging', Buffer.from('{"msg":"hello"}'), { persistent: true, contentType: 'application/json' });
    let got = await pollGet(ch, 'logging');
    expect(got).toBe('{"msg":"hello"}');
    // leave one persistent message in the durable queue across the restart
    ch.sendToQueue('logging', Buffer.from('survivor'), { persistent: true });
    await waitQueueDepth(ch, 'logging', 1);
    expect(await rabbit.ctl(['list_queues', 'name', 'messages'])).toMatch(/logging\s+1/);
    await conn.close();

    const port = rabbit.port;
    const t1 = Date.now();
    await rabbit.stop();
    console.log(`rabbitmq stopped in ${Date.now() - t1} ms`);
    await expectStopped(rabbit, port);

    const t2 = Date.now();
    await rabbit.start();
    console.log(`rabbitmq restarted in ${Date.now() - t2} ms`);
    expect(rabbit.port).toBe(port);
    conn = await amqp.connect(rabbit.url);
    ch = await conn.createChannel();
    await ch.assertQueue('logging', { durable: true });
    got = await pollGet(ch, 'logging');
    expect(got).toBe('survivor');
    await conn.close();
  });

  test('two nodes run side by side (own epmd, distribution and CLI ports)', async () => {
    expect(rabbit?.running).toBe(true);
    const second = await startRabbitMQ();
    try {
      expect(second.port).not.toBe(rabbit.port);
      expect(second.nodeName).not.toBe(rabbit.nodeName);
      for (const url of [rabbit.url, second.url]) {
        const conn = await amqp.connect(url);
        const ch = await conn.createChannel();
        const q = await ch.assertQueue('', { exclusive: true });
        ch.sendToQueue(q.queue, Buffer.from(url));
        expect(await pollGet(ch, q.queue)).toBe(url);
        await conn.close();
      }
    } finally {
      await second.dispose();
    }
    expect(existsSync(second.dir)).toBe(false);
  });

  test('useRabbitMQ honours LOGQ_AMQP_URL', async () => {
    const saved = process.env['LOGQ_AMQP_URL'];
    try {
      process.env['LOGQ_AMQP_URL'] = rabbit.url;
      const ext = await useRabbitMQ();
      expect(ext).toMatchObject({ url: rabbit.url, port: rabbit.port, owned: false, server: null });
      await ext[Symbol.asyncDispose]();
      expect(rabbit.running).toBe(true);
    } finally {
      if (saved === undefined) delete process.env['LOGQ_AMQP_URL'];
      else process.env['LOGQ_AMQP_URL'] = saved;
    }
  });
});

async function pollGet(ch: amqp.Channel, queue: string): Promise<string | null> {
  for (let i = 0; i < 100; i++) {
    const msg = await ch.get(queue, { noAck: true });
    if (msg !== false) return msg.content.toString();
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

async function waitQueueDepth(ch: amqp.Channel, queue: string, depth: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await ch.checkQueue(queue)).messageCount >= depth) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`queue ${queue} never reached ${depth} messages`);
}

describe('ferretdb', () => {
  let ferret: BrokerServer;
  afterAll(async () => {
    await ferret?.dispose();
  });

  test('starts, inserts and finds, keeps its data across stop/start on the same port', async () => {
    const t0 = Date.now();
    ferret = await startFerretDB();
    console.log(`ferretdb started in ${Date.now() - t0} ms on ${ferret.url}`);
    expect(ferret.url).toBe(`mongodb://127.0.0.1:${ferret.port}/`);

    let client = new MongoClient(ferret.url, { serverSelectionTimeoutMS: 20_000 });
    try {
      await client.connect();
      const coll = client.db('logq').collection('logging');
      await coll.insertOne({ channel: 'app', level: 11, msg: 'hello' });
      const found = await coll.findOne({ channel: 'app' });
      expect(found).toMatchObject({ level: 11, msg: 'hello' });
    } finally {
      await client.close();
    }

    const port = ferret.port;
    await ferret.stop();
    await expectStopped(ferret, port);
    await ferret.start();
    expect(ferret.port).toBe(port);

    client = new MongoClient(ferret.url, { serverSelectionTimeoutMS: 20_000 });
    try {
      await client.connect();
      const coll = client.db('logq').collection('logging');
      expect(await coll.countDocuments({ channel: 'app' })).toBe(1);
      await coll.insertOne({ channel: 'app', level: 13, msg: 'again' });
      expect(await coll.countDocuments({})).toBe(2);
    } finally {
      await client.close();
    }
  });

  test('two instances run at once; useFerretDB owns one when LOGQ_MONGO_URL is unset', async () => {
    expect(ferret?.running).toBe(true);
    const saved = process.env['LOGQ_MONGO_URL'];
    delete process.env['LOGQ_MONGO_URL'];
    try {
      const used = await useFerretDB();
      expect(used.owned).toBe(true);
      expect(used.port).not.toBe(ferret.port);
      const client = new MongoClient(used.url, { serverSelectionTimeoutMS: 20_000 });
      try {
        await client.connect();
        await client.db('x').collection('y').insertOne({ a: 1 });
        expect(await client.db('x').collection('y').countDocuments({})).toBe(1);
      } finally {
        await client.close();
      }
      await used.stop();
      expect(existsSync((used.server as BrokerServer).dir)).toBe(false);
    } finally {
      if (saved !== undefined) process.env['LOGQ_MONGO_URL'] = saved;
    }
  });
});

describe('missing installs are errors, never skips', () => {
  let emptyCache: string;
  let savedCache: string | undefined;
  beforeAll(() => {
    emptyCache = mkdtempSync(join(tmpdir(), 'logq-empty-cache-'));
    savedCache = process.env['LOGQ_CACHE'];
    process.env['LOGQ_CACHE'] = emptyCache;
  });
  afterAll(() => {
    if (savedCache === undefined) delete process.env['LOGQ_CACHE'];
    else process.env['LOGQ_CACHE'] = savedCache;
    rmSync(emptyCache, { recursive: true, force: true });
  });

  test('useFerretDB without the FerretDB build throws, naming the install command', async () => {
    const saved = process.env['LOGQ_MONGO_URL'];
    delete process.env['LOGQ_MONGO_URL'];
    try {
      const err = await useFerretDB().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ServiceNotInstalledError);
      expect((err as Error).message).toMatch(/pnpm services:install/);
      expect((err as Error).message).toMatch(/LOGQ_MONGO_URL/);
    } finally {
      if (saved !== undefined) process.env['LOGQ_MONGO_URL'] = saved;
    }
  });

  test('pythonPath and runPython without the virtualenv throw, naming the install command', async () => {
    expect(() => pythonPath()).toThrow(/pnpm services:install/);
    await expect(runPython('print(1)')).rejects.toThrow(/pnpm services:install/);
  });
});

describe('python', () => {
  test('the virtualenv has logbook, pyzmq, kombu, redis and pymongo', async () => {
    const python = pythonPath();
    expect(existsSync(python)).toBe(true);
    const res = await runPython(
      'import logbook, zmq, kombu, redis, pymongo, json, sys; print(json.dumps({"argv": sys.argv[1:], "logbook": logbook.Logger("x").name}))',
      { args: ['a', 'b'] },
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ argv: ['a', 'b'], logbook: 'x' });
  });

  test('runPython passes env and input, reports the exit code', async () => {
    const res = await runPython('import os, sys; print(os.environ["LOGQ_T"] + sys.stdin.read().upper()); sys.exit(3)', {
      env: { LOGQ_T: 'env:' },
      input: 'stdin',
    });
    expect(res).toEqual({ stdout: 'env:STDIN\n', stderr: '', code: 3 });
  });

  test('runPython kills the interpreter on timeout', async () => {
    const marker = join(tmpdir(), `logq-py-timeout-${process.pid}-${Date.now()}`);
    const t0 = Date.now();
    await expect(
      runPython('import time, os; open(os.environ["M"], "w").write(str(os.getpid())); time.sleep(60)', {
        env: { M: marker },
        timeoutMs: 5000,
      }),
    ).rejects.toThrow(/timed out after 5000 ms/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const { readFileSync } = await import('node:fs');
    const pid = Number(readFileSync(marker, 'utf8'));
    expect(await eventually(() => !alive(pid), 5000)).toBe(true);
    rmSync(marker, { force: true });
  });

  test('spawnPython runs a long-lived peer that prints JSON lines (a Logbook handler)', async () => {
    const child = spawnPython(
      [
        'import sys, json, logbook',
        'for line in sys.stdin:',
        '    rec = logbook.LogRecord("peer", logbook.INFO, line.strip())',
        '    print(json.dumps({"channel": rec.channel, "level": rec.level, "msg": rec.msg}))',
      ].join('\n'),
    );
    const lines = createInterface({ input: child.stdout! });
    const received: unknown[] = [];
    const got3 = new Promise<void>((resolve) => {
      lines.on('line', (l) => {
        received.push(JSON.parse(l));
        if (received.length === 3) resolve();
      });
    });
    child.stdin!.write('one\ntwo\n');
    child.stdin!.write('three\n');
    await got3;
    expect(received).toEqual([
      { channel: 'peer', level: 11, msg: 'one' },
      { channel: 'peer', level: 11, msg: 'two' },
      { channel: 'peer', level: 11, msg: 'three' },
    ]);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
  });
});

describe('a process that dies leaves nothing behind', () => {
  // Run the module in a plain Node child (compiled with swc, as jest does),
  // start servers there, end the child abruptly, and check the cleanup.
  let compiled: string;
  beforeAll(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const swc = require('@swc/core') as typeof import('@swc/core');
    compiled = mkdtempSync(join(tmpdir(), 'logq-services-compiled-'));
    const srcDir = join(__dirname, '..', 'src');
    mkdirSync(compiled, { recursive: true });
    for (const file of readdirSync(srcDir)) {
      if (!file.endsWith('.ts')) continue;
      const out = swc.transformFileSync(join(srcDir, file), {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      writeFileSync(join(compiled, file.replace(/\.ts$/, '.js')), out.code);
    }
  });
  afterAll(() => rmSync(compiled, { recursive: true, force: true }));

  async function runChild(ending: string): Promise<{ pids: number[]; dirs: string[] }> {
    const script = `
      const s = require(${JSON.stringify(join(compiled, 'index.js'))});
      (async () => {
        const redis = await s.startRedis();
        const ferret = await s.startFerretDB();
        const py = s.spawnPython('import time; time.sleep(600)');
        console.log(JSON.stringify({ pids: [redis.pid, ferret.pid, py.pid], dirs: [redis.dir, ferret.dir] }));
        setTimeout(() => { ${ending} }, 200);
      })().catch((e) => { console.error(e); process.exit(99); });
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    return JSON.parse(out.trim().split('\n')[0] as string) as { pids: number[]; dirs: string[] };
  }

  test.each([
    ['process.exit', 'process.exit(0)'],
    ['SIGKILL', "process.kill(process.pid, 'SIGKILL')"],
  ])('ending with %s', async (_name, ending) => {
    const { pids, dirs } = await runChild(ending);
    expect(pids).toHaveLength(3);
    expect(await eventually(() => pids.every((p) => !alive(p)), 10_000)).toBe(true);
    expect(await eventually(() => dirs.every((d) => !existsSync(d)), 10_000)).toBe(true);
  });
});
