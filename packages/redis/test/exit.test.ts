import { runNodeSnippet } from '@logq/services';
import { join } from 'node:path';
import { freshKey, redisForThisFile } from './helpers.js';

const redis = redisForThisFile();
const cwd = join(__dirname, '..');

type Kind = 'list' | 'stream' | 'RedisHandler';

/** The handler a child makes, as code. */
function makeHandler(kind: Kind, url: string, key: string): string {
  if (kind === 'RedisHandler') {
    const u = new URL(url);
    return `new RedisHandler({ host: ${JSON.stringify(u.hostname)}, port: ${Number(u.port)}, key: ${JSON.stringify(key)} })`;
  }
  return `new RedisQueueHandler(${JSON.stringify(url)}, { key: ${JSON.stringify(key)}, mode: ${JSON.stringify(kind)} })`;
}

async function stored(kind: Kind, key: string): Promise<number> {
  return kind === 'stream' ? redis.raw.xLen(key) : redis.raw.lLen(key);
}

const KINDS: readonly Kind[] = ['list', 'stream', 'RedisHandler'];

/** Every handler, with and without hooks (without: RedisHandler's last partial batch goes out through core's beforeExit flush). */
const EXIT_CASES = KINDS.flatMap((kind) => [[kind, true] as const, [kind, false] as const]);

describe('a process that logs and returns from main', () => {
  it.each(EXIT_CASES)(
    '%s (shutdown hooks: %s) exits within 10 s and delivers all 1,000 records',
    async (kind, hooks) => {
      const key = freshKey(`exit-${kind}`);
      const code = `
import { Logger, installShutdownHooks } from '@logq/core';
import { RedisHandler, RedisQueueHandler } from '@logq/redis';
${hooks ? 'installShutdownHooks();' : ''}
const handler = ${makeHandler(kind, redis.url, key)};
handler.pushApplication();
const log = new Logger('exit');
for (let i = 0; i < 1000; i++) log.info('record {0}', i);
`;
      const result = await runNodeSnippet(code, { cwd, timeoutMs: 10_000 });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(await stored(kind, key)).toBe(1000);
      await redis.raw.del(key);
    },
    60_000,
  );

  it.each(KINDS)(
    '%s with shutdown hooks: SIGTERM after 10,000 records delivers all of them',
    async (kind) => {
      const key = freshKey(`sigterm-${kind}`);
      const code = `
import { Logger, installShutdownHooks } from '@logq/core';
import { RedisHandler, RedisQueueHandler } from '@logq/redis';
installShutdownHooks();
const handler = ${makeHandler(kind, redis.url, key)};
handler.pushApplication();
const log = new Logger('sigterm');
for (let i = 0; i < 10000; i++) log.info('record {0}', i);
setInterval(() => undefined, 1000); // a service that runs until it is told to stop
process.stdout.write('logged\\n');
`;
      const result = await runNodeSnippet(code, {
        cwd,
        timeoutMs: 30_000,
        signal: { name: 'SIGTERM', whenStdoutIncludes: 'logged' },
      });
      expect(result.stderr).toBe('');
      expect(await stored(kind, key)).toBe(10_000);
      await redis.raw.del(key);
    },
    60_000,
  );
});

describe('subscribers and the process lifetime', () => {
  it.each(['list', 'stream'] as const)(
    '%s: a receiving subscriber keeps the process alive; a closed one does not',
    async (mode) => {
      const key = freshKey(`sub-exit-${mode}`);
      // The record arrives 1.5 s after the child started waiting: only the subscriber keeps it alive meanwhile.
      const code = `
import { RedisSubscriber } from '@logq/redis';
const subscriber = new RedisSubscriber(${JSON.stringify(redis.url)}, { key: ${JSON.stringify(key)}, mode: ${JSON.stringify(mode)} });
process.stdout.write('waiting\\n');
const record = await subscriber.recv();
process.stdout.write('got ' + record.extra.seq + '\\n');
await subscriber.close();
`;
      const child = runNodeSnippet(code, { cwd, timeoutMs: 15_000 });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const { RedisQueueHandler } = await import('../src/index.js');
      const { numberedRecord } = await import('@logq/core/testing');
      const handler = new RedisQueueHandler(redis.url, { key, mode });
      handler.handle(numberedRecord(7));
      await handler.close();
      const result = await child;
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('got 7');
      expect(result.code).toBe(0);
      await redis.raw.del(key);
    },
    60_000,
  );

  it('an idle subscriber that was never closed does not keep the process alive', async () => {
    const code = `
import { RedisSubscriber } from '@logq/redis';
const subscriber = new RedisSubscriber(${JSON.stringify(redis.url)}, { key: 'never-used' });
await subscriber.recv(0);
process.stdout.write('idle\\n');
`;
    const result = await runNodeSnippet(code, { cwd, timeoutMs: 10_000 });
    expect(result.stdout).toContain('idle');
    expect(result.code).toBe(0);
  }, 30_000);
});
