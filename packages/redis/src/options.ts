import type { QueueHandlerOptions, SubscriberOptions } from '@logq/core';
import type { Redis, RedisOptions } from 'ioredis';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';

/** How records are kept in Redis. */
export type RedisQueueMode = 'list' | 'stream';

/**
 * The envelope of each item: `'logq'` is the record's wire JSON as it is;
 * `'kombu'` is the message that kombu's Redis transport (and so Python
 * Logbook's `MessageQueueHandler('redis://...')`) writes and reads. Only for
 * `mode: 'list'`.
 */
export type RedisQueueFormat = 'logq' | 'kombu';

/** Connection options shared by every Redis handler and subscriber. */
export interface RedisConnectionOptions {
  /**
   * An ioredis client to use instead of one made from the URI. logq never
   * closes it (it closes only what it created, e.g. the duplicate it makes
   * for blocking pops).
   * @default undefined (a client is made from the URI and closed on close())
   */
  readonly client?: Redis;
  /**
   * Options for the clients logq creates, passed to `new Redis(uri, options)`
   * (e.g. `db`, `username`, `connectionName`). logq's own settings for
   * reconnection win over these.
   * @default {}
   */
  readonly redisOptions?: RedisOptions;
  /**
   * TLS options (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized`, ...)
   * for `rediss://` URIs; giving them with a `redis://` URI turns TLS on too.
   * @default {} for rediss://, none for redis://
   */
  readonly tls?: TlsConnectionOptions;
  /** How long one connection attempt may take, in ms. @default 10000 */
  readonly connectTimeoutMs?: number;
}

/** Options of {@link RedisQueueHandler}. */
export interface RedisQueueHandlerOptions extends QueueHandlerOptions, RedisConnectionOptions {
  /** The list or stream key. @default 'logging' */
  readonly key?: string;
  /** A list (RPUSH) or a stream (XADD). @default 'list' */
  readonly mode?: RedisQueueMode;
  /** Item envelope; `'kombu'` needs `mode: 'list'`. @default 'logq' */
  readonly format?: RedisQueueFormat;
  /** Most values in one RPUSH; a batch is sent as a pipeline of such pushes. @default 128 */
  readonly pushChunk?: number;
  /**
   * Stream mode: trim the stream to about this many entries on each XADD
   * (`MAXLEN ~ n`); records trimmed before a subscriber read them are lost.
   * @default undefined (no trimming)
   */
  readonly maxLen?: number;
  /** kombu format: how the message body is encoded (kombu's default is base64). @default 'base64' */
  readonly kombuBodyEncoding?: 'base64' | 'utf-8';
  /** kombu format: the exchange named in `delivery_info` and bound to the queue. @default the key */
  readonly kombuExchange?: string;
  /** Most records handed to Redis in one pipeline. @default 1024 */
  readonly batchSize?: number;
}

/** Options of {@link RedisSubscriber}. */
export interface RedisSubscriberOptions extends SubscriberOptions, RedisConnectionOptions {
  /** The list or stream key. @default 'logging' */
  readonly key?: string;
  /** A list (LPOP/BLPOP) or a stream read through a consumer group. @default 'list' */
  readonly mode?: RedisQueueMode;
  /** Item envelope; `'kombu'` needs `mode: 'list'`. @default 'logq' */
  readonly format?: RedisQueueFormat;
  /**
   * Most records taken from Redis in one round trip (`LPOP key count`, `XREADGROUP COUNT`). List mode:
   * also the most records the subscriber holds (queued locally or in an LPOP in flight), so the most a crash loses.
   * @default 256
   */
  readonly batchSize?: number;
  /** Longest single blocking call (BLPOP / XREADGROUP BLOCK), in ms; waits longer are made of several. @default 1000 */
  readonly blockMs?: number;
  /** Stream mode: the consumer group. @default 'logq' */
  readonly group?: string;
  /** Stream mode: this subscriber's consumer name, unique per live subscriber. @default `${hostname}-${pid}-${random}` */
  readonly consumer?: string;
  /** Stream mode: where a newly created group starts (`'0'`: every entry in the stream; `'$'`: only new ones). @default '0' */
  readonly groupStartId?: string;
  /** Stream mode: entries pending this long in another consumer are claimed (XAUTOCLAIM), in ms. @default 30000 */
  readonly minIdleMs?: number;
  /** Stream mode: how often to look for idle pending entries to claim, in ms. @default min(minIdleMs, 5000) */
  readonly claimIntervalMs?: number;
  /** Stream mode: malformed entries are copied to this stream before being acknowledged. @default undefined (only acknowledged) */
  readonly deadLetterKey?: string;
}

/** Options of {@link RedisHandler}: Logbook's `RedisHandler` arguments, camel-cased. */
export interface RedisHandlerOptions
  extends Omit<QueueHandlerOptions, 'batchSize' | 'lingerMs'>,
    Omit<RedisConnectionOptions, 'tls'> {
  /** Redis host. @default '127.0.0.1' */
  readonly host?: string;
  /** Redis port. @default 6379 */
  readonly port?: number;
  /** Redis password (Logbook's `password`). @default undefined (no AUTH) */
  readonly password?: string;
  /** The list that receives the items. @default 'redis' */
  readonly key?: string;
  /** Fields added to every item (e.g. `{ type: 'app' }` for Logstash). @default {} */
  readonly extraFields?: Readonly<Record<string, unknown>>;
  /** Items pushed as soon as this many are waiting (Logbook's `flush_threshold`). @default 128 */
  readonly flushThreshold?: number;
  /** Waiting items are pushed at the latest after this long, in ms (Logbook's `flush_time`, which is in seconds). @default 1000 */
  readonly flushTime?: number;
  /** Which end of the list new items go to. @default 'rpush' */
  readonly pushMethod?: 'rpush' | 'lpush';
  /** Whether records go on to the handlers below this one (Logbook's default for this handler is True). @default true */
  readonly bubble?: boolean;
  /** TLS options; turn TLS on. @default undefined (plain TCP) */
  readonly tls?: TlsConnectionOptions;
}
