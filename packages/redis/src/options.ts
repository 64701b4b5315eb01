import type { QueueHandlerOptions, Secret, SubscriberOptions } from '@logq/core/transport';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { RedisClientOptions, RedisClusterOptions, RedisSentinelOptions } from 'redis';
import { RedisOptionsError } from './errors.js';

/** Default URI of the Redis handlers and subscribers. */
export const DEFAULT_REDIS_URI = 'redis://127.0.0.1:6379';

/** Logbook's and kombu's default queue name. */
export const DEFAULT_QUEUE = 'logging';

/** How records are kept in Redis. */
export type RedisQueueMode = 'list' | 'stream';

/**
 * The envelope of each item: `'kombu'` is the message that kombu's Redis
 * transport (and so Python Logbook's `MessageQueueHandler('redis://...')` and
 * `MessageQueueSubscriber`) writes and reads; `'logq'` is the record's wire
 * JSON as it is. `'kombu'` needs `mode: 'list'`.
 */
export type RedisQueueFormat = 'logq' | 'kombu';

/** Options of one command, as node-redis takes them (the part logq sets). */
export interface NodeRedisCommandOptions {
  /** node-redis's RESP type mapping (logq asks for Buffers). */
  readonly typeMapping?: Readonly<Record<number, unknown>>;
}

/**
 * The part of a node-redis client (`createClient()` from `redis`) that logq
 * uses. Any node-redis client (v6) fits, whatever its modules or scripts.
 */
export interface NodeRedisClient {
  /** Whether `connect()` was called and the client is not closed. */
  readonly isOpen: boolean;
  /** Whether the connection is ready for commands. */
  readonly isReady: boolean;
  /** Connects. */
  connect(): Promise<unknown>;
  /** Sends one command. */
  sendCommand(args: ReadonlyArray<string | Buffer>, options?: NodeRedisCommandOptions): Promise<unknown>;
  /** A new client with the same options (logq makes one for blocking pops, and closes it). */
  duplicate(): NodeRedisClient;
  /** Listens for `error`, `ready`, `end`. */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Stops listening. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Closes after pending commands. */
  close(): Promise<void>;
  /** Closes at once. */
  destroy(): void;
}

/**
 * The part of a node-redis cluster client (`createCluster()` from `redis`)
 * that logq uses. Keys should carry a hash tag (`{logs}`) so that a queue
 * and its `.malformed` list live in one slot.
 */
export interface NodeRedisCluster {
  /** Whether `connect()` was called and the cluster client is not closed. */
  readonly isOpen: boolean;
  /** Whether the cluster client is ready. */
  readonly isReady: boolean;
  /** The master nodes (tells a cluster from a single client). */
  readonly masters: readonly unknown[];
  /** Connects. */
  connect(): Promise<unknown>;
  /** Sends one command to the node that holds `firstKey`. */
  sendCommand(
    firstKey: string | Buffer | undefined,
    isReadonly: boolean | undefined,
    args: (string | Buffer)[],
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>;
  /** A new cluster client with the same options. */
  duplicate(): NodeRedisCluster;
  /** Listens for `error`. */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Stops listening. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Closes after pending commands. */
  close(): Promise<void>;
  /** Closes at once. */
  destroy(): void;
}

/**
 * The part of a node-redis sentinel client (`createSentinel()` from `redis`)
 * that logq uses: commands go to the master the sentinels name, and follow it
 * through a failover.
 */
export interface NodeRedisSentinel {
  /** Whether `connect()` was called and the client is not closed. */
  readonly isOpen: boolean;
  /** Whether the client is ready. */
  readonly isReady: boolean;
  /** The master in use (tells a sentinel client from the others). */
  getMasterNode(): { readonly host: string; readonly port: number } | undefined;
  /** Connects. */
  connect(): Promise<unknown>;
  /** Sends one command (to the master when `isReadonly` is false). */
  sendCommand(
    isReadonly: boolean | undefined,
    args: (string | Buffer)[],
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>;
  /** A new sentinel client with the same options. */
  duplicate(): NodeRedisSentinel;
  /** Listens for `error`. */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Stops listening. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Closes after pending commands. */
  close(): Promise<void>;
  /** Closes at once. */
  destroy(): Promise<void> | void;
}

/** Connection options shared by every Redis handler and subscriber. */
export interface RedisConnectionOptions {
  /**
   * A node-redis client (or cluster) to use instead of one made from the URI.
   * logq never closes it (it closes only what it created, e.g. the duplicate
   * it makes for blocking pops); connect it yourself or let logq call
   * `connect()` on it.
   * @default undefined (a client is made from the URI and closed on close())
   */
  readonly client?: NodeRedisClient | NodeRedisCluster | NodeRedisSentinel;
  /**
   * Connect to a Redis Cluster: node-redis's `createCluster` options, at least
   * `rootNodes` (e.g. `[{ url: 'redis://10.0.0.1:7000' }, ...]`); passwords and
   * TLS for every node go in `defaults`. The URI argument is then left out.
   * Give the key a hash tag (`'{logging}'`) so that it and its `.malformed`
   * key live in one slot. logq's connect timeout and reconnection settings win
   * over `defaults.socket`'s.
   * @default undefined (a single server)
   */
  readonly cluster?: RedisClusterOptions;
  /**
   * Find the master through Redis Sentinel: node-redis's `createSentinel`
   * options (`name`, `sentinelRootNodes`, `nodeClientOptions`,
   * `sentinelClientOptions`, ...). A `redis+sentinel://host:port[,host:port...]/name`
   * URI says the same; options given here win over the URI's.
   * @default undefined (a single server, unless the URI is redis+sentinel://)
   */
  readonly sentinel?: Partial<RedisSentinelOptions>;
  /**
   * Options for the clients logq creates, passed to node-redis's
   * `createClient` (e.g. `database`, `username`, `name`). logq's own
   * settings for reconnection win over these.
   * @default {}
   */
  readonly clientOptions?: RedisClientOptions;
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
  /** The list or stream key. @default 'logging' (Logbook's queue name) */
  readonly key?: string;
  /** Logbook's and kombu's name for {@link RedisQueueHandlerOptions.key}; give one or the other. @default 'logging' */
  readonly queue?: string;
  /** A list (kombu: LPUSH; logq: RPUSH) or a stream (XADD). @default 'list' */
  readonly mode?: RedisQueueMode;
  /** Item envelope. @default 'kombu' in list mode (what Python Logbook reads), 'logq' in stream mode */
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
  /**
   * After each batch, `WAIT` until this many replicas have it (up to
   * `waitTimeoutMs`), so that a failover of a replicated master loses nothing
   * that `flush()` reported sent. A batch not confirmed in time is reported
   * through `onError` and sent again (stored twice at worst, never lost: a
   * master that hung through a failover drops what it stored when it wakes);
   * while too few replicas answer, records wait in the buffer. `0`: don't wait.
   * @default 0
   */
  readonly waitReplicas?: number;
  /** How long one `WAIT` may take, in ms. @default 5000 */
  readonly waitTimeoutMs?: number;
}

/** Options of {@link RedisSubscriber}. */
export interface RedisSubscriberOptions extends SubscriberOptions, RedisConnectionOptions {
  /** The list or stream key. @default 'logging' (Logbook's queue name) */
  readonly key?: string;
  /** Logbook's and kombu's name for {@link RedisSubscriberOptions.key}; give one or the other. @default 'logging' */
  readonly queue?: string;
  /** A list (popped in batches, BLPOP/BRPOP only to wait) or a stream read through a consumer group. @default 'list' */
  readonly mode?: RedisQueueMode;
  /** Item envelope. @default 'kombu' in list mode (what Python Logbook writes), 'logq' in stream mode */
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
  /**
   * Where malformed or foreign items go instead of being dropped: list mode
   * pushes them (as they were) on this list; stream mode adds them to this
   * stream (fields `record`, `source`, `id`) and then acknowledges them.
   * @default `${key}.malformed`
   */
  readonly malformedKey?: string;
  /**
   * List mode: most bytes taken from Redis in one round trip (items over
   * `maxRecordBytes` never leave Redis: they are moved to `malformedKey`
   * on the server). At least one item is always taken.
   * @default 8 MiB
   */
  readonly batchBytes?: number;
}

/** Options of {@link RedisHandler}: Logbook's `RedisHandler` arguments, camel-cased. */
export interface RedisHandlerOptions extends QueueHandlerOptions, Omit<RedisConnectionOptions, 'tls'> {
  /** Redis host. @default '127.0.0.1' */
  readonly host?: string;
  /** Redis port. @default 6379 */
  readonly port?: number;
  /** Redis password (Logbook's `password`); a core `Secret` keeps it out of printed options. @default undefined (no AUTH) */
  readonly password?: string | Secret;
  /** The list that receives the items. @default 'redis' */
  readonly key?: string;
  /** Fields added to every item (e.g. `{ type: 'app' }` for Logstash). @default {} */
  readonly extraFields?: Readonly<Record<string, unknown>>;
  /** Items are pushed as soon as this many are waiting (Logbook's `flush_threshold`). @default 128 */
  readonly batchSize?: number;
  /** Waiting items are pushed at the latest after this long, in ms (Logbook's `flush_time`, which is in seconds). @default 1000 */
  readonly lingerMs?: number;
  /**
   * Logbook's `flush_threshold`: give one or the other.
   * @deprecated Use {@link RedisHandlerOptions.batchSize}, the name every logq handler uses.
   */
  readonly flushThreshold?: number;
  /**
   * Logbook's `flush_time`, in ms: give one or the other.
   * @deprecated Use {@link RedisHandlerOptions.lingerMs}, the name every logq handler uses.
   */
  readonly flushTime?: number;
  /** Which end of the list new items go to, or `'publish'`: each item PUBLISHed on the channel `key`. @default 'rpush' */
  readonly pushMethod?: 'rpush' | 'lpush' | 'publish';
  /** Whether records go on to the handlers below this one (Logbook's default for this handler is True). @default true */
  readonly bubble?: boolean;
  /** TLS options; turn TLS on. @default undefined (plain TCP) */
  readonly tls?: TlsConnectionOptions;
}

/** Where and how a queue handler or subscriber keeps records. */
export interface ResolvedQueue {
  /** The list or stream key. */
  readonly key: string;
  /** List or stream. */
  readonly mode: RedisQueueMode;
  /** Item envelope. */
  readonly format: RedisQueueFormat;
}

/**
 * The key, mode and format from options: `key` or Logbook's `queue` (default
 * `'logging'`); list mode defaults to kombu's format (what Python Logbook
 * reads and writes), stream mode to logq's.
 * @throws {RedisOptionsError} for `key` and `queue` that differ, or kombu on a stream.
 */
export function resolveQueue(options: {
  readonly key?: string;
  readonly queue?: string;
  readonly mode?: RedisQueueMode;
  readonly format?: RedisQueueFormat;
}): ResolvedQueue {
  const key = oneOf('key', options.key, 'queue', options.queue) ?? DEFAULT_QUEUE;
  const mode = options.mode ?? 'list';
  if (mode !== 'list' && mode !== 'stream')
    throw new RedisOptionsError(`mode must be 'list' or 'stream', not ${JSON.stringify(mode)}`);
  const format = options.format ?? (mode === 'list' ? 'kombu' : 'logq');
  if (format !== 'logq' && format !== 'kombu')
    throw new RedisOptionsError(`format must be 'kombu' or 'logq', not ${JSON.stringify(format)}`);
  if (format === 'kombu' && mode !== 'list') throw new RedisOptionsError("format 'kombu' works with mode 'list' only");
  return { key, mode, format };
}

/**
 * The value of an option that has two names (logq's and Logbook's, or a
 * deprecated one): either, or both when they agree.
 * @throws {RedisOptionsError} when both are given and differ.
 */
export function oneOf<T>(name: string, value: T | undefined, alias: string, aliasValue: T | undefined): T | undefined {
  if (value !== undefined && aliasValue !== undefined && value !== aliasValue) {
    throw new RedisOptionsError(
      `${name} (${JSON.stringify(value)}) and ${alias} (${JSON.stringify(aliasValue)}) name the same thing; give one`,
    );
  }
  return value ?? aliasValue;
}
