import { inspect } from 'node:util';
import { RESP_TYPES, createClient, type RedisClientOptions } from 'redis';
import type { NodeRedisClient, NodeRedisCluster, NodeRedisSentinel } from './options.js';
import { type RedisTarget, describeTarget, transportError } from './target.js';
import { createOwnedCluster, createOwnedSentinel } from './topology.js';

/** Any client logq can use. */
export type AnyClient = NodeRedisClient | NodeRedisCluster | NodeRedisSentinel;

/** One argument of a Redis command. */
export type RedisArg = string | Buffer;

/**
 * The write buffer of the sockets of clients logq creates. node-redis stops
 * writing a tick's commands once the socket's buffer passes its high-water
 * mark (Node's default: 16 KiB) and writes the rest after `drain` on a later
 * turn of the event loop; one RPUSH of 128 records is ~70 KB, so a batch of
 * 1,024 records went out over eight turns, each behind whatever the
 * application did meanwhile (logging the next records). With 4 MiB a batch
 * goes out in one write; the buffer is bounded by the handler's batch.
 */
export const SOCKET_WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/** Replies with bulk strings as Buffers (bytes as they were) and RESP3 maps as flat arrays. */
const BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.MAP]: Array } } as const;

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
  private readonly client: AnyClient;
  private readonly kind: LinkKind;
  /** logq created it, so logq closes it and may unref its socket. */
  readonly owned: boolean;
  private holds = 0;
  private connecting: Promise<unknown> | null = null;

  constructor(client: AnyClient, owned: boolean) {
    this.client = client;
    this.kind = kindOf(client);
    this.owned = owned;
    // An idle connection that logq owns never keeps the process alive.
    if (owned) this.unref();
  }

  /** Whether the connection is ready for commands. */
  get ready(): boolean {
    return this.client.isReady;
  }

  /** Whether connect() was called and the client not closed. */
  get open(): boolean {
    return this.client.isOpen;
  }

  /** Listens to the client's events. */
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'ready' | 'end' | 'reconnecting', listener: () => void): void;
  on(event: string, listener: (...args: never[]) => void): void {
    this.client.on(event, listener as (...args: unknown[]) => void);
  }

  /** Stops listening. */
  off(event: string, listener: (...args: never[]) => void): void {
    this.client.off(event, listener as (...args: unknown[]) => void);
  }

  /** Connects (once; later calls join the first), or resolves at once when it is open. */
  connect(): Promise<unknown> {
    if (this.client.isOpen) return this.connecting ?? Promise.resolve();
    // node-redis applies ref/unref to a socket only once it is connected: keep the socket
    // being opened ref'd (a connect is work in flight), then apply the state wanted now.
    if (this.owned) this.ref();
    const connecting = this.client.connect().finally(() => {
      if (this.connecting === connecting) this.connecting = null;
      if (this.owned && this.holds === 0) this.unref();
    });
    this.connecting = connecting;
    return connecting;
  }

  /** Sends a command; `key` routes it on a cluster. Replies with strings. */
  send(key: RedisArg | undefined, args: RedisArg[]): Promise<unknown> {
    return this.sendCommand(key, args, undefined);
  }

  /** Sends a command whose bulk-string replies come as Buffers. */
  sendForBuffers(key: RedisArg | undefined, args: RedisArg[]): Promise<unknown> {
    return this.sendCommand(key, args, BUFFERS);
  }

  private sendCommand(
    key: RedisArg | undefined,
    args: RedisArg[],
    options: typeof BUFFERS | undefined,
  ): Promise<unknown> {
    if (this.kind === 'client') return (this.client as NodeRedisClient).sendCommand(args, options);
    // A cluster or sentinel client refuses commands until it knows its nodes (a single client
    // queues them): send once the connect in flight is done.
    const send = (): Promise<unknown> => {
      try {
        if (this.kind === 'cluster') return (this.client as NodeRedisCluster).sendCommand(key, false, args, options);
        return (this.client as NodeRedisSentinel).sendCommand(false, args, options);
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const connecting = this.connecting;
    if (connecting === null || this.client.isReady) return send();
    return connecting.then(send);
  }

  /** A new link on a duplicate of this client (owned by logq: it closes it). */
  duplicate(): RedisLink {
    return new RedisLink(this.client.duplicate(), true);
  }

  /** Keeps the process alive while something is in flight (owned clients only; counted). */
  hold(): void {
    if (this.holds++ === 0 && this.owned) this.ref();
  }

  /** Ends a {@link hold}. */
  release(): void {
    if (this.holds > 0 && --this.holds === 0 && this.owned) this.unref();
  }

  private ref(): void {
    (this.client as { ref?: () => void }).ref?.();
  }

  private unref(): void {
    (this.client as { unref?: () => void }).unref?.();
  }

  /** `RedisLink(client, owned)`: never the client itself (its options hold the password). */
  [inspect.custom](): string {
    return `RedisLink(${this.kind}${this.owned ? ', owned' : ''})`;
  }

  /** `{ kind, owned }`: never the client itself. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, owned: this.owned };
  }

  /** Drops the connection at once; queued commands reject. Never throws. */
  destroy(): void {
    try {
      if (this.client.isOpen) void Promise.resolve(this.client.destroy()).catch(() => undefined);
    } catch {
      // already gone
    }
  }

  /** Closes: waits for pending replies up to `graceMs`, then drops the socket. Never throws. */
  async close(graceMs = 1_000): Promise<void> {
    if (!this.client.isOpen) return;
    if (!this.client.isReady) {
      this.destroy();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.client.close(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
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
export function createOwnedClient(target: RedisTarget, autoReconnect: boolean): AnyClient {
  const options = target.settings.reveal();
  const topology = target.topology;
  if (topology !== undefined && topology.kind !== 'single') {
    const socket = {
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      reconnectStrategy: reconnection(autoReconnect),
      writableHighWaterMark: SOCKET_WRITE_BUFFER_BYTES,
    };
    if (topology.kind === 'cluster') return createOwnedCluster(topology.options.reveal(), socket, autoReconnect);
    const sentinelUri = target.uri?.reveal();
    const tls = options.tls !== undefined || (sentinelUri !== undefined && /^rediss\+sentinel:/i.test(sentinelUri));
    return createOwnedSentinel(
      topology.options.reveal(),
      tls ? { ...socket, ...options.tls, tls: true } : socket,
      autoReconnect,
      options.clientOptions,
    );
  }
  const uri = target.uri?.reveal();
  const useTls = options.tls !== undefined || (uri !== undefined && /^rediss:/i.test(uri));
  const given = options.clientOptions ?? {};
  const socket = {
    writableHighWaterMark: SOCKET_WRITE_BUFFER_BYTES,
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
export function ownedLink(target: RedisTarget, autoReconnect: boolean): RedisLink {
  const link = new RedisLink(createOwnedClient(target, autoReconnect), true);
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

/** What a subscriber hears from its connections. */
export interface LinkEvents {
  /** The first error of an outage (the client reconnects by itself). */
  lost(error: Error): void;
  /** A connection is ready again after it was lost. */
  recovered(): void;
  /** Whether the subscriber is closed (no connecting then, no reports). */
  closed(): boolean;
}

/**
 * A subscriber's two connections: the main one (pops, reads, acknowledgements,
 * set-asides), made on first use or given by the user, and one of its own for
 * blocking waits (BLPOP, XREADGROUP BLOCK), always logq's. Both keep the
 * process alive only while held (someone is receiving).
 */
export class SubscriberLinks {
  private main: RedisLink | null;
  private blockingLink: RedisLink | null = null;
  /** The blocking connection's id (CLIENT ID), for CLIENT UNBLOCK on close; null until asked on this connection. */
  blockingId: number | null = null;
  private held = false;
  private outage = false;

  constructor(
    private readonly target: RedisTarget,
    given: AnyClient | undefined,
    private readonly events: LinkEvents,
  ) {
    this.main = given !== undefined ? new RedisLink(given, false) : null;
  }

  /** The main connection if there is one (never connects). */
  current(): RedisLink | null {
    return this.main;
  }

  /** The main connection, connecting it on first use (node-redis queues commands until it is ready). */
  primary(): RedisLink {
    if (this.main === null) {
      this.main = ownedLink(this.target, true);
      this.watch(this.main);
    }
    this.open(this.main);
    return this.main;
  }

  /** The connection for blocking calls, made and connected on first use. */
  blocking(): RedisLink {
    if (this.blockingLink === null) {
      const blocking = this.main !== null && !this.main.owned ? this.main.duplicate() : ownedLink(this.target, true);
      this.blockingLink = blocking;
      // A new connection has a new id.
      blocking.on('end', () => {
        if (this.blockingLink === blocking) this.blockingId = null;
      });
      blocking.on('reconnecting', () => {
        if (this.blockingLink === blocking) this.blockingId = null;
      });
      this.watch(blocking);
      if (this.held) blocking.hold();
    }
    this.open(this.blockingLink);
    return this.blockingLink;
  }

  /** Someone is receiving: the connections keep the process alive until {@link release}. */
  hold(): void {
    this.held = true;
    this.primary().hold();
    this.blockingLink?.hold();
  }

  /** Ends a {@link hold}. */
  release(): void {
    this.held = false;
    this.main?.release();
    this.blockingLink?.release();
  }

  /** Calls connect() once on a link that is not open; failures reach the commands queued on it (and the watch). */
  private open(link: RedisLink): void {
    if (!link.open && !this.events.closed()) link.connect().catch(() => undefined);
  }

  /** Reports the first error of each outage (node-redis reconnects by itself). */
  private watch(link: RedisLink): void {
    if (!link.owned) return;
    let lost = false;
    link.on('error', (error: Error) => {
      lost = true;
      if (this.outage || this.events.closed()) return;
      this.outage = true;
      this.events.lost(
        transportError(`connection to ${describeTarget(this.target)} lost; reconnecting`, error, this.target),
      );
    });
    link.on('reconnecting', () => {
      lost = true;
    });
    link.on('ready', () => {
      if (lost) this.events.recovered();
      lost = false;
      this.outage = false;
    });
  }

  /** Wakes a blocked call cleanly (CLIENT UNBLOCK: it returns as if timed out, taking nothing). Never throws. */
  async unblock(key: string): Promise<void> {
    const main = this.main;
    if (this.blockingLink === null || this.blockingId === null || main === null || !main.ready) return;
    try {
      await withTimeout(main.send(key, ['CLIENT', 'UNBLOCK', String(this.blockingId)]), 1_000);
    } catch {
      // the caller drops the blocking connection
    }
  }

  /** Drops the blocking connection at once. */
  dropBlocking(): void {
    this.blockingLink?.destroy();
  }

  /** Forgets the blocking connection and closes the main one if logq made it. */
  async close(): Promise<void> {
    this.blockingLink = null;
    const main = this.main;
    if (main !== null && main.owned) {
      await main.close();
      this.main = null;
    }
  }
}

/** Rejects when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
