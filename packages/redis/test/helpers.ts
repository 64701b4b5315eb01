import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A key no other test uses. */
export function freshKey(prefix = 'logq-test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A plain client for a test's own checks (closed by the caller). */
export function rawClient(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  client.on('error', () => undefined);
  return client;
}

/** Errors collected from an onError hook. */
export function collectErrors(): { errors: unknown[]; hook: (error: unknown) => void } {
  const errors: unknown[] = [];
  return { errors, hook: (error) => errors.push(error) };
}

/** Polls until `condition` resolves true, or throws after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
