import type { LogRecord } from '@logq/core';
import { createStderrErrorHook, describeError, redactUri, type Delivery } from '@logq/core/transport';
import { Backoff } from './retry.js';
import { say } from './terminal.js';
import { openHandler, openSubscriber } from './transports.js';

/** What `logq bridge` does. */
export interface BridgeOptions {
  /** Source URI. */
  readonly from: string;
  /** Destination URI. */
  readonly to: string;
  /** Options for the source subscriber. */
  readonly source: Readonly<Record<string, unknown>>;
  /** Options for the destination handler. */
  readonly destination: Readonly<Record<string, unknown>>;
  /** Which records to forward (the others are acknowledged and counted as filtered). */
  readonly filter: (record: LogRecord) => boolean;
  /** Ends the bridge once the batch in hand is delivered. */
  readonly signal: AbortSignal;
  /** Called with the counters after every batch and while waiting on the destination. */
  readonly onProgress?: (stats: BridgeStats) => void;
}

/** Counters of a bridge. */
export interface BridgeStats {
  /** Records received from the source. */
  received: number;
  /** Records the destination confirmed (and acknowledged on the source). */
  delivered: number;
  /** Records the filters left out (acknowledged). */
  filtered: number;
  /** Records the destination handler gave up (too large, not encodable); acknowledged and counted. */
  dropped: number;
  /** Whether the bridge is waiting for an unreachable source or destination. */
  reconnecting: boolean;
}

/** Most records moved per batch (one destination flush, then the source acknowledgements). */
const BATCH = 500;

/**
 * Moves records until the signal aborts. Each batch: receive (wait for the
 * first record, take what else is ready), hand the matching ones to the
 * destination, wait for its `flush()` (the destination has them; it retries
 * through reconnects), and only then acknowledge the whole batch on the source.
 * A bridge killed mid-batch leaves the batch unacknowledged: a source with
 * acknowledgements delivers it again (at least once).
 */
export async function bridge(options: BridgeOptions): Promise<BridgeStats> {
  const { signal } = options;
  const subscriber = await openSubscriber(options.from, {
    onError: createStderrErrorHook(`bridge source ${redactUri(options.from)}`),
    ...options.source,
  });
  const stats: BridgeStats = { received: 0, delivered: 0, filtered: 0, dropped: 0, reconnecting: false };
  const destinationHook = createStderrErrorHook(`bridge destination ${redactUri(options.to)}`);
  let handler: Awaited<ReturnType<typeof openHandler>>;
  try {
    handler = await openHandler(options.to, {
      onError: (error: unknown) => {
        stats.reconnecting = true;
        destinationHook(error);
      },
      ...options.destination,
    });
  } catch (error) {
    await subscriber.close().catch(() => undefined);
    throw error;
  }
  const progress = (): void => options.onProgress?.(stats);
  const backoff = new Backoff();
  try {
    while (!signal.aborted) {
      const batch: Delivery[] = [];
      try {
        const first = await subscriber.receive(null, signal);
        if (first) batch.push(first);
        while (first && batch.length < BATCH) {
          const next = await subscriber.receive(0);
          if (!next) break;
          batch.push(next);
        }
      } catch (error) {
        if (batch.length === 0) {
          if (signal.aborted) break;
          stats.reconnecting = true;
          progress();
          await backoff.failed('bridge: cannot receive from', options.from, error, signal);
          continue;
        }
      }
      if (batch.length === 0) {
        if (subscriber.closed) break;
        continue;
      }
      backoff.reset();
      stats.received += batch.length;
      const droppedBefore = handler.stats.dropped;
      let forwarded = 0;
      for (const delivery of batch) {
        if (options.filter(delivery.record)) {
          handler.handle(delivery.record);
          forwarded++;
        } else {
          stats.filtered++;
        }
      }
      // The destination has them (flush resolves once it confirmed everything, through reconnects).
      await handler.flush();
      const dropped = handler.stats.dropped - droppedBefore;
      stats.dropped += dropped;
      stats.delivered += forwarded - dropped;
      stats.reconnecting = false;
      try {
        for (const delivery of batch) await delivery.ack();
      } catch (error) {
        // The destination has the batch; the source will deliver the unacknowledged rest again (a duplicate, not a loss).
        say(`bridge: could not acknowledge on ${redactUri(options.from)}: ${describeError(error)}`);
      }
      progress();
    }
  } finally {
    await Promise.all([subscriber.close().catch(() => undefined), handler.close().catch(() => undefined)]);
  }
  return stats;
}
