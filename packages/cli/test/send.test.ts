import type { LogRecord } from '@logq/core';
import { encodeRecord } from '@logq/core/transport';
import { RedisSubscriber } from '@logq/redis';
import { freePort, useRedis, type UsedService } from '@logq/services';
import { runLogq, STACK_LINE } from './helpers.js';

describe('logq send', () => {
  let redis: UsedService;
  beforeAll(async () => {
    redis = await useRedis();
  });
  afterAll(() => redis.stop());

  async function receive(key: string, count: number): Promise<LogRecord[]> {
    const subscriber = new RedisSubscriber(redis.url, { key });
    const got: LogRecord[] = [];
    try {
      while (got.length < count) {
        const record = await subscriber.recv(10_000);
        if (!record) throw new Error(`only ${got.length} of ${count} records arrived`);
        got.push(record);
      }
      expect(await subscriber.recv(0)).toBeNull(); // nothing more than sent
    } finally {
      await subscriber.close();
    }
    return got;
  }

  it('logs one record (level, channel, --kw filling the message) and exits 0 once Redis has it', async () => {
    const key = `send-one-${process.pid}`;
    const result = await runLogq([
      'send',
      redis.url,
      'user {user} logged in {n} times',
      '--queue',
      key,
      '--level',
      'warning',
      '--channel',
      'app.auth',
      '--kw',
      'user=bob',
      '--kw',
      'n=3',
    ]);
    expect(result.stderr).toContain(`logq send: 1 of 1 delivered to ${redis.url} (0 records, 1 messages)`);
    expect(result.code).toBe(0);
    const [record] = await receive(key, 1);
    expect(record).toMatchObject({
      channel: 'app.auth',
      level: 13,
      message: 'user bob logged in 3 times',
      kwargs: { user: 'bob', n: 3 },
    });
  });

  it('--stdin: Logbook dicts kept as records, other lines (JSON or not) as messages, blank lines skipped; counts', async () => {
    const key = `send-stdin-${process.pid}`;
    const dict = {
      channel: 'python.app',
      level: 14,
      msg: 'failed {0}',
      args: ['job'],
      kwargs: {},
      extra: { request_id: 'r-1' },
      message: 'failed job',
      time: '2026-11-25T16:23:26.73111Z',
      process: 4242,
      process_name: 'MainProcess',
      thread: 1,
      thread_name: 'MainThread',
      greenlet: null,
      func_name: 'run',
      filename: 'app.py',
      module: 'app',
      lineno: 7,
      exception_name: 'builtins.ValueError',
      exception_message: 'bad',
      formatted_exception: 'Traceback...\nValueError: bad',
      frame_correction: 0,
      heavy_initialized: true,
      information_pulled: true,
      custom_field: ['kept'],
    };
    const input = [
      'plain line one',
      JSON.stringify(dict),
      '',
      '{"not": "a record"}',
      'braces {stay} as typed',
      '',
    ].join('\n');
    const result = await runLogq(
      ['send', redis.url, '--stdin', '--queue', key, '--channel', 'piped', '--level', 'notice'],
      { input },
    );
    expect(result.stderr).toContain('4 of 4 delivered');
    expect(result.stderr).toContain('(1 records, 3 messages, 1 blank lines skipped)');
    expect(result.code).toBe(0);
    const got = await receive(key, 4);
    expect(got.map((r) => [r.channel, r.level, r.message])).toEqual([
      ['piped', 12, 'plain line one'],
      ['python.app', 14, 'failed job'],
      ['piped', 12, '{"not": "a record"}'],
      ['piped', 12, 'braces {stay} as typed'],
    ]);
    expect(JSON.parse(encodeRecord(got[1]!))).toEqual(dict); // the dict as it came, unknown keys and time string too
  });

  it('--stdin with many lines: every one delivered (handed over in windows, never more than the handler holds)', async () => {
    const key = `send-many-${process.pid}`;
    const count = 25_000;
    const input = Array.from({ length: count }, (_, i) => `line ${i}`).join('\n');
    const result = await runLogq(['send', redis.url, '--stdin', '--queue', key], { input });
    expect(result.stderr).toContain(`${count} of ${count} delivered`);
    expect(result.code).toBe(0);
    const got = await receive(key, count);
    expect(got.map((r) => r.message)).toEqual(Array.from({ length: count }, (_, i) => `line ${i}`));
  });

  it('an unreachable broker: retried until --timeout, then exit 1 saying what was not delivered, no stack trace', async () => {
    const port = await freePort();
    const result = await runLogq(['send', `redis://:pa55@127.0.0.1:${port}`, 'lost', '--timeout', '2']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('0 of 1 delivered');
    expect(result.stderr).toContain('1 NOT delivered');
    expect(result.stderr).toMatch(/ECONNREFUSED/);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).not.toContain('pa55');
  });
});
