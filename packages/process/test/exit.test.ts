/**
 * Exit and SIGTERM: a child that logs and returns from main exits by itself with
 * everything delivered, and the parent, whose subscriber receives in the
 * background, stays alive until then and exits by itself once the subscriber is
 * closed. The parent runs as its own node process (runNodeSnippet), so that
 * "exits by itself" is observed, not assumed.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runNodeSnippet } from '@logq/services';
import { MultiProcessingSubscriber, StreamChannelSubscriber } from '../src/index.js';
import { fixtures, tsExecArgv } from './helpers.js';

jest.setTimeout(120_000);

interface ParentConfig {
  readonly kind: 'fork' | 'worker';
  readonly count: number;
  readonly hooks: boolean;
  /** Send SIGTERM to the child once it printed LOGGED (it stays alive until then). */
  readonly sigterm?: boolean;
}

interface ParentSummary {
  received: number;
  malformed: number;
  code: number | null;
  signal: string | null;
  childMs: number;
  firstSeq: number;
  inOrder: boolean;
}

/** The parent: a subscriber dispatching in the background, one child attached; main returns at once. */
const PARENT = String.raw`
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { Handler } from '@logq/core';
import { MultiProcessingSubscriber } from '@logq/process';

const config = JSON.parse(process.env.LOGQ_PARENT_CONFIG);
const seqs = [];
class Collect extends Handler {
  emit(record) { seqs.push(record.args[0]); }
}
const subscriber = new MultiProcessingSubscriber();
const controller = subscriber.dispatchInBackground(new Collect());
const childConfig = { count: config.count, hooks: config.hooks, stayAlive: config.sigterm === true };
const started = Date.now();
let child;
let channelEnd;
if (config.kind === 'worker') {
  child = new Worker(new URL(config.boot), {
    execArgv: ['--conditions=@logq/source'],
    workerData: { entry: config.entry, config: childConfig },
  });
  channelEnd = 'exit';
} else {
  child = fork(new URL(config.entry), [], {
    execArgv: ['--conditions=@logq/source', '--import', 'tsx'],
    env: { ...process.env, LOGQ_EXIT_CONFIG: JSON.stringify(childConfig) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  channelEnd = 'disconnect';
  if (config.sigterm) {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('LOGGED')) { out = ''; child.kill('SIGTERM'); }
    });
  } else {
    child.stdout.resume();
  }
}
subscriber.queue.attach(child);
const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal: signal ?? null, childMs: Date.now() - started })));
// Once the channel has ended, every record the child handed over is in the queue or dispatched.
const ended = new Promise((resolve) => child.once(channelEnd, resolve));
Promise.all([exited, ended]).then(async ([exit]) => {
  await controller.stop();
  for (let record = await subscriber.recv(0); record; record = await subscriber.recv(0)) seqs.push(record.args[0]);
  await subscriber.close();
  const inOrder = seqs.every((s, i) => s === i);
  console.log(JSON.stringify({ received: seqs.length, malformed: subscriber.stats.malformed, ...exit, firstSeq: seqs[0], inOrder }));
});
`;

async function runParent(config: ParentConfig): Promise<ParentSummary> {
  const env = {
    LOGQ_PARENT_CONFIG: JSON.stringify({
      ...config,
      entry: pathToFileURL(join(fixtures, 'exit-child.mjs')).href,
      boot: pathToFileURL(join(fixtures, 'boot-worker.mjs')).href,
    }),
  };
  // The parent must end by itself: nothing of logq keeps it alive once the subscriber is closed.
  const result = await runNodeSnippet(PARENT, { cwd: join(__dirname, '..'), timeoutMs: 60_000, env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const line = result.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as ParentSummary;
}

describe.each<ParentConfig['kind']>(['fork', 'worker'])(
  'a %s child that logs 1,000 records and returns from main',
  (kind) => {
    it.each([false, true])(
      'with installShutdownHooks(): %s — exits within 10 s, all 1,000 arrive in order',
      async (hooks) => {
        const summary = await runParent({ kind, count: 1_000, hooks });
        expect(summary).toMatchObject({ received: 1_000, malformed: 0, code: 0, signal: null, inOrder: true });
        expect(summary.childMs).toBeLessThan(10_000);
      },
    );
  },
);

test('a forked child with hooks that logged 10,000 records gets SIGTERM and delivers all of them', async () => {
  const summary = await runParent({ kind: 'fork', count: 10_000, hooks: true, sigterm: true });
  // The hooks flush, then raise SIGTERM again: the child ends as the signal would have ended it.
  expect(summary).toMatchObject({ received: 10_000, malformed: 0, signal: 'SIGTERM', inOrder: true });
  expect(summary.childMs).toBeLessThan(10_000);
});

describe('a child with a StreamChannelHandler (stream+tcp://) that returns from main', () => {
  const childCode = (uri: string, count: number, hooks: boolean, stayAlive: boolean) => `
    import { Logger, installShutdownHooks } from '@logq/core';
    import { StreamChannelHandler } from '@logq/process';
    ${hooks ? 'installShutdownHooks();' : ''}
    new StreamChannelHandler(${JSON.stringify(uri)}, { onError: (e) => console.error(String(e)) }).pushApplication();
    const log = new Logger('exit');
    for (let i = 0; i < ${count}; i++) log.info('record {0}', i);
    ${stayAlive ? "setInterval(() => {}, 1000); console.log('LOGGED');" : ''}
  `;

  async function receiveAll(subscriber: StreamChannelSubscriber, count: number): Promise<number[]> {
    const seqs: number[] = [];
    while (seqs.length < count) {
      const record = await subscriber.recv(15_000);
      if (!record) break;
      seqs.push(record.args[0] as number);
    }
    return seqs;
  }

  it.each([false, true])(
    'with installShutdownHooks(): %s — exits within 10 s, all 1,000 arrive in order',
    async (hooks) => {
      const subscriber = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0');
      try {
        const uri = (await subscriber.ready())!;
        const received = receiveAll(subscriber, 1_000);
        const result = await runNodeSnippet(childCode(uri, 1_000, hooks, false), {
          cwd: join(__dirname, '..'),
          timeoutMs: 30_000,
        });
        expect(result).toMatchObject({ code: 0, stderr: '' });
        expect(result.ms).toBeLessThan(10_000);
        expect(await received).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
      } finally {
        await subscriber.close();
      }
    },
  );

  it('with hooks, logged 10,000 records, gets SIGTERM: all of them arrive', async () => {
    const subscriber = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0');
    try {
      const uri = (await subscriber.ready())!;
      const received = receiveAll(subscriber, 10_000);
      const result = await runNodeSnippet(childCode(uri, 10_000, true, true), {
        cwd: join(__dirname, '..'),
        timeoutMs: 30_000,
        signal: { name: 'SIGTERM', whenStdoutIncludes: 'LOGGED' },
      });
      expect(result).toMatchObject({ signal: 'SIGTERM', stderr: '' });
      expect(result.ms).toBeLessThan(10_000);
      expect(await received).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    } finally {
      await subscriber.close();
    }
  });
});

test('a forked child whose records the parent refuses (no such queue) does not hang: it exits after the exit flush, every record counted as dropped', async () => {
  const subscriber = new MultiProcessingSubscriber();
  try {
    const child = fork(join(fixtures, 'exit-child.mjs'), [], {
      execArgv: tsExecArgv,
      env: {
        ...process.env,
        LOGQ_EXIT_CONFIG: JSON.stringify({ count: 100, queue: 'not-attached', quiet: true, printStats: true }),
      },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    subscriber.queue.attach(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    // Refused at once, then the backoff does not hold the child up; core's exit flush tries for 5 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    const { stats } = JSON.parse(out.trim().split('\n').pop()!) as { stats: { sent: number; dropped: number } };
    expect(stats).toMatchObject({ sent: 0, dropped: 100 });
    expect(subscriber.queue.stats.refused).toBeGreaterThan(0);
  } finally {
    await subscriber.close();
  }
});

test('a process with a stream subscriber and handler, both closed, exits by itself (the listening subscriber kept it up until then)', async () => {
  const code = `
    import { Level, LogRecord } from '@logq/core';
    import { StreamChannelHandler, StreamChannelSubscriber } from '@logq/process';
    const subscriber = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0');
    const handler = new StreamChannelHandler(await subscriber.ready());
    for (let i = 0; i < 100; i++) handler.handle(new LogRecord({ channel: 'exit', level: Level.INFO, msg: 'r' + i }));
    let received = 0;
    // recv without a timeout: only the listening subscriber keeps the process alive meanwhile.
    while (received < 100 && (await subscriber.recv())) received++;
    const closed = await handler.close();
    await subscriber.close();
    console.log(JSON.stringify({ received, ...closed }));
  `;
  const result = await runNodeSnippet(code, { cwd: join(__dirname, '..'), timeoutMs: 30_000 });
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toMatchObject({
    received: 100,
    flushed: true,
    sent: 100,
    dropped: 0,
  });
});
