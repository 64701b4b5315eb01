import { Secret, redactUri, scrubError } from '@logq/core';
import { RESP_TYPES, createClient, type RedisClientOptions } from 'redis';
import { RedisOptionsError, RedisTransportError } from './errors.js';
import type { NodeRedisClient, NodeRedisCluster, NodeRedisSentinel, RedisConnectionOptions } from './options.js';
import { type Topology, createOwnedCluster, createOwnedSentinel, describeTopology, resolveTopology, topologySecrets } from './topology.js';

/** Any client logq can use. */
type AnyClient = NodeRedisClient | NodeRedisCluster | NodeRedisSentinel;

/** One argument of a Redis command. */
export type RedisArg = string | Buffer;

/** Replies with bulk strings as Buffers (bytes as they were) and RESP3 maps as flat arrays. */
const BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.MAP]: Array } } as const;

/**
 * Where a Redis handler or subscriber connects: a URI or host/port. The URI
 * and password are {@link Secret}s, so that printing a handler never shows them.
 */
export interface RedisTarget {
  /** The URI (may hold a password). */
  readonly uri?: Secret;
  /** Host and port when there is no URI (RedisHandler). */
  readonly host?: string;
  readonly port?: number;
  readonly password?: Secret;
  /** A cluster or a master found through sentinels (default: one server). */
  readonly topology?: Topology;
}

/**
 * The target of a queue handler or subscriber and how it is shown (no
 * secrets): a single server (`uri`, default `defaultUri`), a cluster (the
 * `cluster` option; no URI) or a master found through sentinels (the
 * `sentinel` option or a `redis+sentinel://` URI).
 * @throws {RedisOptionsError} for a URI given with the cluster option, or a malformed sentinel URI.
 */
export function resolveTarget(uri: string | undefined, options: RedisConnectionOptions, defaultUri: string): { readonly target: RedisTarget; readonly shown: string } {
  const topology = resolveTopology(uri, options);
  if (topology.kind === 'cluster') {
    if (uri !== undefined) throw new RedisOptionsError('with the cluster option, leave the URI out: the nodes are in cluster.rootNodes');
    const target: RedisTarget = { topology };
    return { target, shown: describeTarget(target) };
  }
  if (topology.kind === 'sentinel') {
    const target: RedisTarget = { topology, ...(uri !== undefined ? { uri: new Secret(uri) } : {}) };
    return { target, shown: describeTarget(target) };
  }
  const given = uri ?? defaultUri;
  return { target: { uri: new Secret(given) }, shown: redactUri(given) };
}

/** Describes a target without secrets, for errors. */
export function describeTarget(target: RedisTarget): string {
  const topology = target.topology === undefined ? undefined : describeTopology(target.topology, target.uri?.reveal());
  if (topology !== undefined) return topology;
  if (target.uri !== undefined) return redactUri(target.uri.reveal());
  return `redis://${target.host ?? '127.0.0.1'}:${target.port ?? 6379}`;
}

/** The secrets of a target: its password, the URI's password and the URI itself. */
export function targetSecrets(target: RedisTarget): string[] {
  const out: string[] = target.topology === undefined ? [] : topologySecrets(target.topology);
  const password = target.password?.reveal();
  if (password) out.push(password);
  const uri = target.uri?.reveal();
  if (uri !== undefined) {
    // user:password@ of any form, redis+sentinel:// with several hosts too.
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@/]*)@/i.exec(uri);
    if (m?.[1]) {
      out.push(m[1]);
      try {
        out.push(decodeURIComponent(m[1]));
      } catch {
        // not %-encoded
      }
    }
    try {
      const parsed = new URL(uri);
      if (parsed.password) out.push(decodeURIComponent(parsed.password), parsed.password);
    } catch {
      // not a URL: redactSecrets still handles user:password@ forms
    }
  }
  return out;
}

/** A transport error about `target` whose cause carries none of its secrets. */
export function transportError(what: string, cause: unknown, target: RedisTarget): RedisTransportError {
  return new RedisTransportError(what, scrubError(cause, targetSecrets(target)));
}

type LinkKind = 'client' | 'cluster' | 'sentinel';

function kindOf(client: AnyClient): LinkKind {
  if (Array.isArray((client as Partial<NodeRedisCluster>).masters)) return 'cluster';
  if (typeof (client as Partial<NodeRedisSentinel>).getMasterNode === 'function') return 'sentinel';
  return 'client';
}

/**
 * One node-redis client or cluster as logq uses it: raw commands (replies
 * with Buffers when asked), connect, ref/unref of the sockets of a client
 * logq owns, close.
 */
export class RedisLink {
  readonly #client: AnyClient;
  readonly #kind: LinkKind;
  /** logq created it, so logq closes it and may unref its socket. */
  readonly owned: boolean;
  #holds = 0;
  #connecting: Promise<unknown> | null = null;

  constructor(client: AnyClient, owned: boolean) {
    this.#client = client;
    this.#kind = kindOf(client);
    this.owned = owned;
    // An idle connection that logq owns never keeps the process alive.
    if (owned) this.#unref();
  }

  /** Whether the connection is ready for commands. */
  get ready(): boolean {
    return this.#client.isReady;
  }

  /** Whether connect() was called and the client not closed. */
  get open(): boolean {
    return this.#client.isOpen;
  }

  /** Listens to the client's events. */
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'ready' | 'end' | 'reconnecting', listener: () => void): void;
  on(event: string, listener: (...args: never[]) => void): void {
    this.#client.on(event, listener as (...args: unknown[]) => void);
  }

  /** Stops listening. */
  off(event: string, listener: (...args: never[]) => void): void {
    this.#client.off(event, listener as (...args: unknown[]) => void);
  }

  /** Connects (once; later calls join the first), or resolves at once when it is open. */
  connect(): Promise<unknown> {
    if (this.#client.isOpen) return this.#connecting ?? Promise.resolve();
    // node-redis applies ref/unref to a socket only once it is connected: keep the socket
    // being opened ref'd (a connect is work in flight), then apply the state wanted now.
    if (this.owned) this.#ref();
    const connecting = this.#client.connect().finally(() => {
      if (this.#connecting === connecting) this.#connecting = null;
      if (this.owned && this.#holds === 0) this.#unref();
    });
    this.#connecting = connecting;
    return connecting;
  }

  /** Sends a command; `key` routes it on a cluster. Replies with strings. */
  send(key: RedisArg | undefined, args: RedisArg[]): Promise<unknown> {
    return this.#sendCommand(key, args, undefined);
  }

  /** Sends a command whose bulk-string replies come as Buffers. */
  sendForBuffers(key: RedisArg | undefined, args: RedisArg[]): Promise<unknown> {
    return this.#sendCommand(key, args, BUFFERS);
  }

  #sendCommand(key: RedisArg | undefined, args: RedisArg[], options: typeof BUFFERS | undefined): Promise<unknown> {
    if (this.#kind === 'client') return (this.#client as NodeRedisClient).sendCommand(args, options);
    // A cluster or sentinel client refuses commands until it knows its nodes (a single client
    // queues them): send once the connect in flight is done.
    const send = (): Promise<unknown> => {
      try {
        if (this.#kind === 'cluster') return (this.#client as NodeRedisCluster).sendCommand(key, false, args, options);
        return (this.#client as NodeRedisSentinel).sendCommand(false, args, options);
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const connecting = this.#connecting;
    if (connecting === null || this.#client.isReady) return send();
    return connecting.then(send);
  }

  /** A new link on a duplicate of this client (owned by logq: it closes it). */
  duplicate(): RedisLink {
    return new RedisLink(this.#client.duplicate(), true);
  }

  /** Keeps the process alive while something is in flight (owned clients only; counted). */
  hold(): void {
    if (this.#holds++ === 0 && this.owned) this.#ref();
  }

  /** Ends a {@link hold}. */
  release(): void {
    if (this.#holds > 0 && --this.#holds === 0 && this.owned) this.#unref();
  }

  #ref(): void {
    (this.#client as { ref?: () => void }).ref?.();
  }

  #unref(): void {
    (this.#client as { unref?: () => void }).unref?.();
  }

  /** Drops the connection at once; queued commands reject. Never throws. */
  destroy(): void {
    try {
      if (this.#client.isOpen) void Promise.resolve(this.#client.destroy()).catch(() => undefined);
    } catch {
      // already gone
    }
  }

  /** Closes: waits for pending replies up to `graceMs`, then drops the socket. Never throws. */
  async close(graceMs = 1_000): Promise<void> {
    if (!this.#client.isOpen) return;
    if (!this.#client.isReady) {
      this.destroy();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.#client.close(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    } catch {
      // already gone
    } finally {
      clearTimeout(timer);
      this.destroy();
    }
  }
}

/**
 * Makes a node-redis client (not connected yet) for `target`. `autoReconnect`
 * false is for handlers: the core QueueHandler owns reconnection and
 * buffering, so commands must fail fast while disconnected.
 */
export function createOwnedClient(target: RedisTarget, options: RedisConnectionOptions, autoReconnect: boolean): AnyClient {
  const topology = target.topology;
  if (topology !== undefined && topology.kind !== 'single') {
    const socket = { connectTimeout: options.connectTimeoutMs ?? 10_000, reconnectStrategy: reconnection(autoReconnect) };
    if (topology.kind === 'cluster') return createOwnedCluster(topology.options.reveal(), socket, autoReconnect);
    const sentinelUri = target.uri?.reveal();
    const tls = options.tls !== undefined || (sentinelUri !== undefined && /^rediss\+sentinel:/i.test(sentinelUri));
    return createOwnedSentinel(topology.options.reveal(), tls ? { ...socket, ...options.tls, tls: true } : socket, autoReconnect, options.clientOptions);
  }
  const uri = target.uri?.reveal();
  const useTls = options.tls !== undefined || (uri !== undefined && /^rediss:/i.test(uri));
  const given = options.clientOptions ?? {};
  const socket = {
    ...given.socket,
    ...(uri === undefined ? { host: target.host ?? '127.0.0.1', port: target.port ?? 6379 } : {}),
    ...(useTls ? { ...options.tls, tls: true as const } : {}),
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    reconnectStrategy: reconnection(autoReconnect),
  };
  const merged: RedisClientOptions = {
    ...given,
    ...(uri !== undefined ? { url: uri } : {}),
    ...(target.password !== undefined ? { password: target.password.reveal() } : {}),
    socket: socket as RedisClientOptions['socket'],
    disableOfflineQueue: !autoReconnect,
  };
  return createClient(merged) as unknown as NodeRedisClient;
}

/** Backoff of an owned client that reconnects by itself; false for handlers (the core reconnects). */
function reconnection(autoReconnect: boolean): false | ((retries: number) => number) {
  return autoReconnect ? (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), 2_000) : false;
}

/** A link on a new client for `target` that swallows socket errors (callers report failures themselves). */
export function ownedLink(target: RedisTarget, options: RedisConnectionOptions, autoReconnect: boolean): RedisLink {
  const link = new RedisLink(createOwnedClient(target, options, autoReconnect), true);
  link.on('error', ignore);
  return link;
}

function ignore(): void {}

/** Connects `link`; rejects with a scrubbed {@link RedisTransportError} on failure, or when `signal` aborts. */
export async function connectLink(link: RedisLink, target: RedisTarget, signal: AbortSignal): Promise<void> {
  if (link.ready) return;
  let firstError: unknown;
  const onError = (error: unknown) => {
    firstError ??= error;
  };
  const onAbort = () => link.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  link.on('error', onError);
  link.hold();
  try {
    await link.connect();
    if (!link.ready) await waitReady(link, signal);
  } catch (error) {
    throw transportError(`cannot connect to ${describeTarget(target)}`, firstError ?? error, target);
  } finally {
    link.release();
    link.off('error', onError);
    signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves once `link` is ready (a user's client that is reconnecting), rejects when it ends or `signal` aborts. */
function waitReady(link: RedisLink, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      link.off('ready', onReady);
      link.off('end', onEnd);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish(new Error('aborted'));
    const onReady = () => finish();
    const onEnd = () => finish(new Error('the Redis client was closed'));
    link.on('ready', onReady);
    link.on('end', onEnd);
    signal.addEventListener('abort', onAbort, { once: true });
    if (link.ready) finish();
  });
}
