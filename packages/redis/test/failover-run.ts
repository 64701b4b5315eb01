import { Handler, type LogRecord } from '@logq/core';
import { numberedRecord } from '@logq/core/testing';
import type { RedisQueueHandler, RedisSubscriber } from '../src/index.js';
import { until } from './helpers.js';

/** Collects the `extra.seq` of every record it handles. */
export class SeqCollector extends Handler {
  readonly seqs: number[] = [];
  emit(record: LogRecord): void {
    this.seqs.push(record.extra.seq as number);
  }
}

/** One queue (a handler and a subscriber on one key) taken through a failover. */
export interface QueuePair {
  readonly name: string;
  readonly handler: RedisQueueHandler;
  readonly subscriber: RedisSubscriber;
  /** Every record must arrive (stream mode with waitReplicas), or losses are only counted (list mode). */
  readonly lossless: boolean;
  readonly errors: unknown[];
}

/** What one queue saw through the failover. */
export interface FailoverCount {
  readonly name: string;
  readonly produced: number;
  readonly received: number;
  readonly unique: number;
  readonly duplicates: number;
  readonly lost: number;
  /** What the handler counted as acknowledged by Redis, and as dropped (with the marker). */
  readonly sent: number;
  readonly dropped: number;
  readonly reported: number;
}

/**
 * Logs numbered records into every pair (one every few ms) while its
 * subscriber dispatches, runs `failover()` once traffic flows, keeps logging
 * until each subscriber has received 100 records logged after the failover,
 * then ends with a marker record and waits for it (list mode) or for every
 * record (lossless pairs). Returns the counts of each pair; every received
 * seq is checked to be one that was produced.
 */
export async function runThroughFailover(
  pairs: readonly QueuePair[],
  failover: () => Promise<unknown>,
): Promise<FailoverCount[]> {
  const collectors = pairs.map(() => new SeqCollector());
  const controllers = pairs.map((p, i) => p.subscriber.dispatchInBackground(collectors[i]!));
  let seq = 0;
  let producing = true;
  const producer = (async () => {
    while (producing) {
      for (const p of pairs) p.handler.handle(numberedRecord(seq));
      seq++;
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  try {
    await until(
      () => collectors.every((c) => c.seqs.length >= 100),
      'traffic through every queue before the failover',
      60_000,
    );
    await failover();
    const after = seq;
    try {
      await until(
        () => collectors.every((c) => c.seqs.filter((s) => s >= after).length >= 100),
        'delivery resuming after the failover',
        60_000,
      );
    } catch (error) {
      const state = pairs.map((p, i) => ({
        name: p.name,
        stats: p.handler.stats,
        received: collectors[i]!.seqs.length,
        afterFailover: collectors[i]!.seqs.filter((s) => s >= after).length,
        errors: p.errors.slice(-5).map((e) => String(e)),
      }));
      throw new Error(
        `${(error as Error).message}; produced ${seq}, failover at ${after}: ${JSON.stringify(state, null, 1)}`,
      );
    }
    producing = false;
    await producer;
    const produced = seq;
    // The marker: the last record of each queue.
    for (const p of pairs) p.handler.handle(numberedRecord(produced));
    // Bounded: a handler that can never flush (e.g. WAIT with no replica left) fails the test instead of hanging it.
    let timer: NodeJS.Timeout | undefined;
    const flushed = await Promise.race([
      Promise.all(pairs.map((p) => p.handler.flush())).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 90_000))),
    ]);
    clearTimeout(timer);
    if (!flushed)
      throw new Error(
        `not flushed within 90 s: ${JSON.stringify(pairs.map((p) => ({ name: p.name, stats: p.handler.stats, errors: p.errors.slice(-3).map(String) })))}`,
      );
    await Promise.all(
      pairs.map((p, i) => {
        const c = collectors[i]!;
        if (p.lossless) return until(() => new Set(c.seqs).size >= produced + 1, `every record of ${p.name}`, 60_000);
        return until(() => c.seqs.includes(produced), `the marker of ${p.name}`, 60_000);
      }),
    );
    return pairs.map((p, i) => {
      const seqs = collectors[i]!.seqs.filter((s) => s !== produced);
      for (const s of seqs)
        if (!(Number.isInteger(s) && s >= 0 && s < produced))
          throw new Error(`${p.name}: received a seq never produced: ${s}`);
      const unique = new Set(seqs).size;
      return {
        name: p.name,
        produced,
        received: seqs.length,
        unique,
        duplicates: seqs.length - unique,
        lost: produced - unique,
        sent: p.handler.stats.sent,
        dropped: p.handler.stats.dropped,
        reported: p.errors.length,
      };
    });
  } finally {
    producing = false;
    await producer;
    await Promise.all(controllers.map((c) => c.stop()));
  }
}
