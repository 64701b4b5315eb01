import type { AsyncQueue, RawFrame } from '@logq/core/transport';
import type { RedisLink, SubscriberLinks } from './connection.js';
import type { RedisTransportError } from './errors.js';

/** Most items of the first pop or read after the list or stream was empty (their sizes are not known yet). */
export const FIRST_POP = 1;

/** What a reader gets from the subscriber it works for. */
export interface ReaderHost {
  /** The list or stream key. */
  readonly key: string;
  /** Where malformed or foreign items go. */
  readonly malformedKey: string;
  /** Frames taken from Redis and not yet returned by a receive. */
  readonly local: AsyncQueue<RawFrame>;
  /** The subscriber's connections. */
  readonly links: SubscriberLinks;
  /** Whether the subscriber is closed. */
  readonly closed: boolean;
  /**
   * Queues what a command brings in the order the commands were written, not
   * the order their replies come back: a blocking pop or read written first
   * (on its own connection) gets the first records, and a look that a
   * `recv(0)` wrote later must not overtake it. Resolves how many frames `queue` queued.
   */
  inTurn<T>(issued: Promise<T>, queue: (reply: T) => number): Promise<number>;
  /** Reports an error through the subscriber's `onError`. */
  reportError(error: unknown): void;
  /** A transport error whose cause carries no secret of the target. */
  transportError(what: string, cause: unknown): RedisTransportError;
}

/** Sizes of the round trips, shared by both modes. */
export interface ReaderLimits {
  /** Most records taken in one round trip (list mode: also the most held). */
  readonly batchSize: number;
  /** Most bytes taken in one round trip, judged from the items just read. */
  readonly batchBytes: number;
  /** Longest single blocking call, in ms. */
  readonly blockMs: number;
}

/**
 * One mode of {@link RedisSubscriber}: how records are taken from Redis into
 * the subscriber's local queue, acknowledged or set aside, and given back on
 * close. The subscriber owns the connections, the receive loop and the queue.
 */
export interface FrameReader {
  /**
   * Takes what Redis has into the local queue (on `main`); `block` waits up
   * to `blockMs` on the blocking connection. Resolves how many frames were queued.
   */
  fetch(main: RedisLink, block: boolean): Promise<number>;
  /** Whether to fetch before the local queue is empty (list mode: the list has a backlog). */
  wantsMore(): boolean;
  /** A fetch failed with `error` (the subscriber reports it and backs off). */
  failed(error: unknown): void;
  /** A connection came back after an outage. */
  recovered(): void;
  /**
   * Called on close once the receive loop is over: gives back or acknowledges
   * what is held. `main` is the main connection if it is ready, else null.
   */
  close(main: RedisLink | null): Promise<void>;
}

/** Most items for the next round trip, so that it brings about `batchBytes` (`largest`: the largest item just read). */
export function windowFor(limits: ReaderLimits, largest: number): number {
  return Math.max(1, Math.min(limits.batchSize, Math.floor(limits.batchBytes / Math.max(1, largest))));
}

/**
 * Marks a promise as handled now, for one that is awaited after another (a
 * command written with the one awaited first): if the first fails, this one's
 * rejection is not an unhandled rejection. Awaiting it still throws.
 */
export function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
