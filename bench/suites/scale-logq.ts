// logq's side of every scale-suite transport: a producer logs through a handler (one untimed record first,
// flushed, so the connection is up before the clock starts), a consumer takes records with `recv()`.
import type { Handler } from '@logq/core';
import { logCall, yieldEvery, yieldNow } from './scale-records.js';
import type { Consumer, Producer, Spec } from './scale-types.js';

/** What the scale suite uses of a logq transport handler. */
type FlushingHandler = Handler & { close(options?: { timeoutMs?: number }): Promise<unknown> };

/** A producer logging through `handler`: log calls, yielding every ~512 KiB, then `flush()`. */
export async function logqProducer(handler: FlushingHandler, spec: Spec): Promise<Producer> {
  const call = logCall('x'.repeat(spec.pad));
  const chunk = yieldEvery(spec.bytes);
  handler.pushApplication();
  call(-1);
  await handler.flush();
  return {
    async send(n) {
      for (let i = 0; i < n; i += chunk) {
        for (let k = i; k < Math.min(n, i + chunk); k++) call(k);
        await yieldNow();
      }
      await handler.flush();
    },
    async close() {
      handler.popApplication();
      await handler.close({ timeoutMs: 120_000 });
    },
  };
}

/** What the scale suite uses of a logq subscriber. */
interface Receiving {
  recv(timeoutMs: number): Promise<unknown>;
  close(): Promise<unknown>;
}

/**
 * A consumer taking one decoded `LogRecord` per `recv()`; `early` records were taken already (by a `recv(0)`
 * that opened the subscriber: a producer's first record may be there by then) and count in the first take.
 */
export function logqConsumer(subscriber: Receiving, early = 0): Consumer {
  let pending = early;
  return {
    take: async (timeoutMs) => {
      const got = (await subscriber.recv(timeoutMs)) ? 1 : 0;
      const k = got + pending;
      pending = 0;
      return k;
    },
    close: async () => void (await subscriber.close()),
  };
}

/** maxBuffer for a producer's handler: every record of the run fits (none dropped). */
export const bufferFor = (spec: Spec): number => spec.perProducer * 2 + 16;
