import type { QueueHandlerOptions, SubscriberOptions } from '@logq/core/transport';
import type { MongoClient, MongoClientOptions } from 'mongodb';

/**
 * How records travel through the collection.
 *
 * - `'queue'`: a work queue. Each record is dispatched by exactly one
 *   subscriber, which claims it atomically and deletes (or marks) it once
 *   dispatched; a subscriber that dies mid-dispatch loses nothing (its claim
 *   expires after `claimTimeoutMs`).
 * - `'broadcast'`: a capped collection read through a tailable cursor. Every
 *   subscriber sees every record written after it was created.
 */
export type MongoMode = 'queue' | 'broadcast';

/**
 * The document layout.
 *
 * - `'kombu'` (the default in queue mode): kombu's MongoDB transport
 *   (`messages` collection, `payload` holding kombu's JSON envelope, `queue`,
 *   `priority`), as Python Logbook's `MessageQueueHandler('mongodb://...')`
 *   writes and `MessageQueueSubscriber('mongodb://...')` reads it, so both
 *   sides' defaults read each other. Queue mode only.
 * - `'logq'` (the default in broadcast mode): one queryable document per
 *   record whose fields are the record dict (Logbook's
 *   `to_dict(json_safe=True)`), plus `timestamp` (a BSON Date).
 */
export type MongoFormat = 'logq' | 'kombu';

/** Options shared by {@link MongoHandlerOptions} and {@link MongoSubscriberOptions}. */
export interface MongoCommonOptions {
  /**
   * The collection. @default `'messages'` (kombu's, the queue being `queue`);
   * `'logging'` with `format: 'logq'`
   */
  readonly collection?: string;
  /**
   * The database. @default the URI's database as kombu reads it
   * (`mongodb://host/logging` → `logging`), else `'kombu_default'` (kombu's);
   * `'logq'` with `format: 'logq'`
   */
  readonly database?: string;
  /** Work queue or broadcast; see {@link MongoMode}. @default 'queue' */
  readonly mode?: MongoMode;
  /** Document layout; see {@link MongoFormat}. @default 'kombu' ('logq' with `mode: 'broadcast'`) */
  readonly format?: MongoFormat;
  /** The kombu queue name (`format: 'kombu'` only), Logbook's `queue=` argument. @default 'logging' */
  readonly queue?: string;
  /**
   * Size in bytes of the capped collection created in broadcast mode when it
   * does not exist yet. @default 64 MiB
   */
  readonly cappedSize?: number;
  /** Whether to create the collection and its indexes on connect. @default true */
  readonly ensureIndexes?: boolean;
  /**
   * A connected or unconnected client to use instead of one made from the URI.
   * It is not closed by logq (only clients that logq created are closed).
   */
  readonly client?: MongoClient;
  /** Options for the client made from the URI. @default `{ serverSelectionTimeoutMS: 5000, socketTimeoutMS: 60000 }` */
  readonly clientOptions?: MongoClientOptions;
}

/** Options of {@link MongoHandler}. */
export interface MongoHandlerOptions extends QueueHandlerOptions, MongoCommonOptions {
  /** Kombu message priority 0-9 (`format: 'kombu'`; stored reversed, as kombu does). @default 0 */
  readonly priority?: number;
  /**
   * A client that logq made from the URI is closed after this many ms with
   * nothing to send (and opened again by the next record), so that it never
   * keeps a process alive whose main has returned: the driver's sockets and
   * timers cannot be unref'd. A `client` of yours is never closed. @default 1000
   */
  readonly idleCloseMs?: number;
}

/** Options of {@link MongoSubscriber}. */
export interface MongoSubscriberOptions extends SubscriberOptions, MongoCommonOptions {
  /** Queue mode: most records claimed in one round trip. @default 1000 */
  readonly prefetch?: number;
  /**
   * Most bytes (BSON) of documents read ahead: one round (claim batch or
   * tailing reply) takes documents up to this size, and asks the server for as
   * many as fit judging by the largest document of the previous round, so a
   * flood of 10 MiB documents is read a few at a time (the name amqp and
   * zeromq use for the same limit). @default 16 MiB
   */
  readonly readAheadBytes?: number;
  /** @deprecated The former name of {@link MongoSubscriberOptions.readAheadBytes}; used when that is not given. */
  readonly maxReadAheadBytes?: number;
  /**
   * Queue mode: the claims of a subscriber whose heartbeat is older than this
   * (it died or hangs) are removed and its records dispatched again. A live
   * subscriber beats every third of this. @default 30000
   */
  readonly claimTimeoutMs?: number;
  /** Longest pause between two polls of an empty queue (or a dead broadcast cursor), in ms. @default 200 */
  readonly pollIntervalMs?: number;
  /**
   * Broadcast mode: longest server-side wait of one tailing round trip, in ms
   * (MongoDB; on FerretDB the cursor is polled, see `pollIntervalMs`). @default 1000
   */
  readonly maxAwaitTimeMs?: number;
  /**
   * Broadcast mode: how far back (in ms of `_id` time) a reconnected cursor
   * looks for records from producers whose clocks lag; records seen already
   * are skipped. @default 10000
   */
  readonly resumeWindowMs?: number;
  /** Broadcast mode: where a new subscriber starts. @default 'now' */
  readonly startAt?: 'now' | 'oldest';
  /** Name of this consumer in claims (queue mode). @default `host:pid:random` */
  readonly consumerName?: string;
}

/** Default of {@link MongoSubscriberOptions.readAheadBytes}. */
export const DEFAULT_READ_AHEAD_BYTES = 16 * 1024 * 1024;

/** The read-ahead limit in bytes: `readAheadBytes`, else its deprecated alias `maxReadAheadBytes`, else 16 MiB (at least 1). */
export function resolveReadAheadBytes(options: MongoSubscriberOptions): number {
  return Math.max(1, options.readAheadBytes ?? options.maxReadAheadBytes ?? DEFAULT_READ_AHEAD_BYTES);
}
