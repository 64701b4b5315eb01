import { ClosedError } from '@logq/core/transport';
import { PeerTimeoutError } from './errors.js';
import type { WaitForPeersOptions } from './options.js';

/**
 * Polls `count()` until it reaches `wanted`, calling `step()` between checks
 * (which waits for the next change or a short while).
 * @throws {PeerTimeoutError} after `timeoutMs`; {@link ClosedError} when `closed()` becomes true.
 */
export async function waitForCount(
  what: string,
  wanted: number,
  count: () => number,
  step: (signal: AbortSignal) => Promise<void>,
  closed: () => boolean,
  options: WaitForPeersOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
    : AbortSignal.timeout(timeoutMs);
  while (count() < wanted) {
    if (closed()) throw new ClosedError(`closed while waiting for ${what}`);
    if (options.signal?.aborted)
      throw new PeerTimeoutError(`gave up waiting for ${what}: aborted`, { cause: options.signal.reason });
    if (Date.now() >= deadline)
      throw new PeerTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what} (have ${count()} of ${wanted})`);
    await step(signal);
  }
}
