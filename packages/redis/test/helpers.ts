import { randomBytes } from 'node:crypto';
import { type UsedService, useRedis } from '@logq/services';
import { type RedisClientType, createClient } from 'redis';

/** A plain node-redis client, as tests use it. */
export type RawClient = RedisClientType;

/** A key no other test uses. */
export function freshKey(prefix = 'logq-test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A connected plain client for a test's own checks (closed by the caller with destroy()). */
export async function rawClient(url: string): Promise<RawClient> {
  const client = createClient({ url }) as RawClient;
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Errors collected from an onError hook. */
export function collectErrors(): { errors: unknown[]; hook: (error: unknown) => void } {
  const errors: unknown[] = [];
  return { errors, hook: (error) => errors.push(error) };
}

/** Polls until `condition` resolves true, or throws after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The Redis of a test file and a plain client on it. */
export interface FileRedis {
  /** The server's URL. */
  readonly url: string;
  /** A plain client for the test's own checks. */
  readonly raw: RawClient;
  /** The service (stop/restart when this file started it). */
  readonly service: UsedService;
}

/**
 * Starts a Redis (or takes LOGQ_REDIS_URL) before the file's tests and a
 * plain client on it, and releases both after them.
 */
export function redisForThisFile(): FileRedis {
  let service: UsedService | undefined;
  let raw: RawClient | undefined;
  beforeAll(async () => {
    service = await useRedis();
    raw = await rawClient(service.url);
  }, 120_000);
  afterAll(async () => {
    raw?.destroy();
    await service?.stop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('Redis is not started yet (use it inside a test or hook)');
    return value;
  };
  return {
    get url() {
      return ready(service).url;
    },
    get raw() {
      return ready(raw);
    },
    get service() {
      return ready(service);
    },
  };
}
