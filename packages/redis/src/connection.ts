import { redactUri } from '@logq/core';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisTransportError } from './errors.js';
import type { RedisConnectionOptions } from './options.js';

/** Where a Redis handler or subscriber connects: a URI or host/port, plus options. */
export interface RedisTarget {
  /** The URI (may hold a password; never shown). */
  readonly uri?: string;
  /** Host and port when there is no URI (RedisHandler). */
  readonly host?: string;
  readonly port?: number;
  readonly password?: string;
}

/** Describes a target without secrets, for errors. */
export function describeTarget(target: RedisTarget): string {
  if (target.uri !== undefined) return redactUri(target.uri);
  return `redis://${target.host ?? '127.0.0.1'}:${target.port ?? 6379}`;
}

/** Replaces every occurrence of the given secrets in `text` with `***`. */
export function redactLiteral(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

/** The password in a URI, if any (to redact it wherever it might show up). */
export function uriPassword(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  try {
    const parsed = new URL(uri);
    return parsed.password ? decodeURIComponent(parsed.password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes an ioredis client (not connected yet) for `target`. `autoReconnect`
 * false is for handlers: the core QueueHandler owns reconnection and
 * buffering, so commands must fail fast while disconnected.
 */
export function createClient(target: RedisTarget, options: RedisConnectionOptions, autoReconnect: boolean): Redis {
  const useTls = options.tls !== undefined || (target.uri !== undefined && /^rediss:/i.test(target.uri));
  const own: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    enableReadyCheck: true,
    ...(autoReconnect
      ? {
          retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 10), 2_000),
          maxRetriesPerRequest: null,
          enableOfflineQueue: true,
        }
      : {
          retryStrategy: () => null,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          autoResendUnfulfilledCommands: false,
        }),
  };
  const merged: RedisOptions = { ...options.redisOptions, ...own };
  if (useTls) merged.tls = { ...options.tls };
  if (target.password !== undefined) merged.password = target.password;
  const client = target.uri !== undefined ? new Redis(target.uri, merged) : new Redis({ host: target.host ?? '127.0.0.1', port: target.port ?? 6379, ...merged });
  guardSockets(client);
  return client;
}

/**
 * ioredis listens for a socket's first 'error' only (`stream.once`); a TLS
 * socket can emit a second one (the server's alert after a failed handshake),
 * which would then be an uncaught exception. Once a socket failed, this keeps
 * a listener on it.
 */
export function guardSockets(client: Redis): void {
  client.on('error', () => {
    const stream = (client as unknown as { stream?: NodeJS.EventEmitter }).stream;
    if (stream !== undefined && stream.listenerCount('error') === 0) stream.on('error', ignore);
  });
}

function ignore(): void {}

/** Connects a client logq owns; rejects (without the password) on failure or abort. */
export async function connectOwned(client: Redis, target: RedisTarget, signal: AbortSignal): Promise<void> {
  if (client.status === 'ready') return;
  const onAbort = () => client.disconnect();
  // ioredis rejects connect() with "Connection is closed."; the reason (refused, TLS, auth) comes as an 'error' event.
  let reason: unknown;
  const onError = (error: unknown) => {
    reason ??= error;
  };
  signal.addEventListener('abort', onAbort, { once: true });
  client.on('error', onError);
  try {
    if (client.status === 'wait' || client.status === 'end') await client.connect();
    else await waitReady(client, signal);
  } catch (error) {
    const cause = reason !== undefined && error instanceof Error && /Connection is closed/.test(error.message) ? reason : error;
    throw new RedisTransportError(`cannot connect to ${describeTarget(target)}`, redactError(cause, target));
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.off('error', onError);
  }
}

/** Resolves once a (user's) client is ready, connecting it if it was created with lazyConnect. */
export async function waitReady(client: Redis, signal: AbortSignal): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') {
    await client.connect();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const done = (error?: unknown) => {
      client.off('ready', onReady);
      client.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = () => done();
    const onEnd = () => done(new Error('the Redis client was closed'));
    const onAbort = () => done(new Error('aborted'));
    client.once('ready', onReady);
    client.once('end', onEnd);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An error with the target's password removed from its message. */
export function redactError(error: unknown, target: RedisTarget): unknown {
  const secrets = [target.password, uriPassword(target.uri)];
  if (error instanceof Error) {
    const message = redactLiteral(error.message, secrets);
    if (message === error.message) return error;
    const copy = new Error(message);
    copy.name = error.name;
    return copy;
  }
  return typeof error === 'string' ? redactLiteral(error, secrets) : error;
}

/** Closes a client logq created: QUIT when it can, else drop the socket. Never throws. */
export async function closeOwned(client: Redis | null, graceMs = 1_000): Promise<void> {
  if (client === null || client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
  } catch {
    // already gone
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
