import { Secret, redactUri } from '@logq/core/transport';
import {
  type RedisClientOptions,
  createCluster,
  createSentinel,
  type RedisClusterOptions,
  type RedisSentinelOptions,
} from 'redis';
import { RedisOptionsError } from './errors.js';
import type { NodeRedisCluster, NodeRedisSentinel, RedisConnectionOptions } from './options.js';

/** URI scheme of a master found through Redis Sentinel. */
export const SENTINEL_SCHEME = 'redis+sentinel';

/** A Redis Sentinel URI, parsed. */
export interface SentinelUri {
  /** The master's name as the sentinels know it. */
  readonly name: string;
  /** The sentinels to ask. */
  readonly sentinelRootNodes: readonly { readonly host: string; readonly port: number }[];
  /** Credentials for the master and replicas (from the URI's user info). */
  readonly username?: string;
  readonly password?: string;
  /** Database number (`/name/N`). */
  readonly database?: number;
}

/**
 * Parses `redis+sentinel://[user:password@]host:port[,host:port...]/masterName[/db]`
 * (port defaults to 26379; `rediss+sentinel://` is the same with TLS to the master). User and password are the master's (and replicas'), not
 * the sentinels'; give those in `sentinel.sentinelClientOptions`.
 * @throws {RedisOptionsError} for anything else (the message never shows the password).
 */
export function parseSentinelUri(uri: string): SentinelUri {
  const match = /^rediss?\+sentinel:\/\/(?:([^@/]*)@)?([^/?#]+)\/([^/?#]+)(?:\/(\d+))?\/?$/i.exec(uri);
  if (match === null) {
    throw new RedisOptionsError(
      `not a ${SENTINEL_SCHEME}://host:port[,host:port...]/masterName URI: ${redactUri(uri)}`,
    );
  }
  const [, auth, hosts, name, db] = match as unknown as [
    string,
    string | undefined,
    string,
    string,
    string | undefined,
  ];
  const sentinelRootNodes = hosts.split(',').map((hostPort) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort.trim());
    if (m === null)
      throw new RedisOptionsError(`bad sentinel address ${JSON.stringify(hostPort)} in ${redactUri(uri)}`);
    return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port: m[2] === undefined ? 26379 : Number(m[2]) };
  });
  let username: string | undefined;
  let password: string | undefined;
  if (auth !== undefined && auth !== '') {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon));
    if (user !== '') username = user;
    if (colon >= 0) password = decodeURIComponent(auth.slice(colon + 1));
  }
  return {
    name: decodeURIComponent(name),
    sentinelRootNodes,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(db !== undefined ? { database: Number(db) } : {}),
  };
}

/** Whether `uri` is a Redis Sentinel URI. */
export function isSentinelUri(uri: string): boolean {
  return /^rediss?\+sentinel:\/\//i.test(uri);
}

/** How an owned client is made: one server, a cluster or a master found through sentinels. */
export type Topology =
  | { readonly kind: 'single' }
  | { readonly kind: 'cluster'; readonly options: Secret<RedisClusterOptions> }
  | { readonly kind: 'sentinel'; readonly options: Secret<RedisSentinelOptions> };

/**
 * The topology that a URI and options describe: `cluster` option, `sentinel`
 * option or a `redis+sentinel://` URI; otherwise a single server.
 * @throws {RedisOptionsError} for a cluster and a sentinel at once.
 */
export function resolveTopology(uri: string | undefined, options: RedisConnectionOptions): Topology {
  const sentinelUri = uri !== undefined && isSentinelUri(uri);
  if (options.cluster !== undefined && (options.sentinel !== undefined || sentinelUri)) {
    throw new RedisOptionsError('give a cluster or a sentinel, not both');
  }
  if (options.cluster !== undefined) {
    if (!Array.isArray(options.cluster.rootNodes) || options.cluster.rootNodes.length === 0) {
      throw new RedisOptionsError(
        'cluster.rootNodes must list at least one node (e.g. [{ url: "redis://127.0.0.1:7000" }])',
      );
    }
    return { kind: 'cluster', options: new Secret(options.cluster as RedisClusterOptions) };
  }
  if (sentinelUri || options.sentinel !== undefined) {
    const fromUri = sentinelUri ? parseSentinelUri(uri) : undefined;
    const given = options.sentinel ?? {};
    const name = given.name ?? fromUri?.name;
    const roots = given.sentinelRootNodes ?? fromUri?.sentinelRootNodes;
    if (name === undefined || roots === undefined || roots.length === 0) {
      throw new RedisOptionsError(
        'a sentinel needs the master name and at least one sentinel (a redis+sentinel:// URI, or sentinel.name and sentinel.sentinelRootNodes)',
      );
    }
    const nodeClientOptions = {
      ...(fromUri?.username !== undefined ? { username: fromUri.username } : {}),
      ...(fromUri?.password !== undefined ? { password: fromUri.password } : {}),
      ...(fromUri?.database !== undefined ? { database: fromUri.database } : {}),
      ...given.nodeClientOptions,
    };
    return {
      kind: 'sentinel',
      options: new Secret({
        ...given,
        name,
        sentinelRootNodes: roots.map((n) => ({ ...n })),
        nodeClientOptions,
      } as RedisSentinelOptions),
    };
  }
  return { kind: 'single' };
}

/** How a cluster or sentinel target is shown (no secrets): `redis://h1:p1,h2:p2` or the redacted sentinel URI. */
export function describeTopology(topology: Topology, uri: string | undefined): string | undefined {
  if (topology.kind === 'cluster') {
    const nodes = topology.options.reveal().rootNodes.map((n) => {
      const url = (n as { url?: string }).url;
      if (url !== undefined) return redactUri(url).replace(/^rediss?:\/\//i, '');
      const socket = (n as { socket?: { host?: string; port?: number } }).socket;
      return `${socket?.host ?? '127.0.0.1'}:${socket?.port ?? 6379}`;
    });
    return `redis-cluster://${nodes.join(',')}`;
  }
  if (topology.kind === 'sentinel') {
    if (uri !== undefined && isSentinelUri(uri)) return redactUri(uri);
    const o = topology.options.reveal();
    return `${SENTINEL_SCHEME}://${o.sentinelRootNodes.map((n) => `${n.host}:${n.port}`).join(',')}/${o.name}`;
  }
  return undefined;
}

function passwordsOf(options: unknown): string[] {
  const o = options as { password?: unknown; url?: unknown } | undefined;
  const out: string[] = [];
  if (o === undefined || o === null) return out;
  if (typeof o.password === 'string' && o.password !== '') out.push(o.password);
  if (typeof o.url === 'string') {
    try {
      const parsed = new URL(o.url);
      if (parsed.password) out.push(decodeURIComponent(parsed.password), parsed.password);
    } catch {
      // not a URL
    }
  }
  return out;
}

/** Every password a cluster or sentinel configuration holds (to scrub from errors). */
export function topologySecrets(topology: Topology): string[] {
  if (topology.kind === 'cluster') {
    const o = topology.options.reveal();
    return [...o.rootNodes.flatMap(passwordsOf), ...passwordsOf(o.defaults)];
  }
  if (topology.kind === 'sentinel') {
    const o = topology.options.reveal();
    return [...passwordsOf(o.nodeClientOptions), ...passwordsOf(o.sentinelClientOptions)];
  }
  return [];
}

/** Socket settings logq adds to the clients it creates (timeouts, reconnection). */
export interface OwnedSocketSettings {
  readonly connectTimeout: number;
  readonly reconnectStrategy: false | ((retries: number) => number);
  /** The socket's write buffer (see `SOCKET_WRITE_BUFFER_BYTES`); the user's socket options may set another. */
  readonly writableHighWaterMark: number;
}

/**
 * A node-redis cluster client (not connected) from the user's cluster options,
 * with logq's connect timeout and reconnection for every node client.
 */
export function createOwnedCluster(
  options: RedisClusterOptions,
  socket: OwnedSocketSettings,
  autoReconnect: boolean,
): NodeRedisCluster {
  const defaults = options.defaults ?? {};
  const { writableHighWaterMark, ...own } = socket;
  return createCluster({
    ...options,
    defaults: {
      ...defaults,
      // writableHighWaterMark: a net.Socket option node-redis passes on without typing it.
      socket: { writableHighWaterMark, ...defaults.socket, ...own } as unknown as NonNullable<typeof defaults.socket>,
      disableOfflineQueue: !autoReconnect,
    },
  }) as unknown as NodeRedisCluster;
}

/**
 * A node-redis sentinel client (not connected) from the user's sentinel
 * options, with logq's connect timeout for the master's connections. The
 * sentinel client follows a failover by itself (it asks the sentinels again).
 */
export function createOwnedSentinel(
  options: RedisSentinelOptions,
  socket: OwnedSocketSettings & { readonly tls?: boolean },
  autoReconnect: boolean,
  clientOptions: RedisClientOptions = {},
): NodeRedisSentinel {
  const node = { ...(clientOptions as RedisSentinelOptions['nodeClientOptions']), ...options.nodeClientOptions };
  const { writableHighWaterMark, ...own } = socket;
  return createSentinel({
    ...options,
    nodeClientOptions: {
      ...node,
      socket: {
        writableHighWaterMark,
        ...clientOptions.socket,
        ...node.socket,
        ...own,
        // A net.Socket option node-redis passes on without typing it.
      } as unknown as NonNullable<NonNullable<typeof node>['socket']>,
      disableOfflineQueue: !autoReconnect,
    },
  }) as unknown as NodeRedisSentinel;
}
