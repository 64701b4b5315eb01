import { Secret, redactUri, scrubError } from '@logq/core/transport';
import { RedisOptionsError, RedisTransportError } from './errors.js';
import type { RedisConnectionOptions } from './options.js';
import { type Topology, describeTopology, resolveTopology, topologySecrets } from './topology.js';

/** What the clients logq creates are made with, beside the address (may hold passwords and TLS keys). */
export type ClientSettings = Pick<RedisConnectionOptions, 'clientOptions' | 'tls' | 'connectTimeoutMs'>;

/**
 * Where a Redis handler or subscriber connects: a URI or host/port. The URI,
 * the password and the client settings are {@link Secret}s, so that printing
 * a handler never shows them.
 */
export interface RedisTarget {
  /** The URI (may hold a password). */
  readonly uri?: Secret;
  /** Host and port when there is no URI (RedisHandler). */
  readonly host?: string;
  /** Port when there is no URI (RedisHandler). */
  readonly port?: number;
  /** Password when there is no URI (RedisHandler). */
  readonly password?: Secret;
  /** A cluster or a master found through sentinels (default: one server). */
  readonly topology?: Topology;
  /** Options of the clients logq creates. */
  readonly settings: Secret<ClientSettings>;
}

/** The client settings of `options`, kept secret. */
export function clientSettings(options: RedisConnectionOptions): Secret<ClientSettings> {
  return new Secret({
    clientOptions: options.clientOptions,
    tls: options.tls,
    connectTimeoutMs: options.connectTimeoutMs,
  });
}

/**
 * The target of a queue handler or subscriber and how it is shown (no
 * secrets): a single server (`uri`, default `defaultUri`), a cluster (the
 * `cluster` option; no URI) or a master found through sentinels (the
 * `sentinel` option or a `redis+sentinel://` URI).
 * @throws {RedisOptionsError} for a URI given with the cluster option, or a malformed sentinel URI.
 */
export function resolveTarget(
  uri: string | undefined,
  options: RedisConnectionOptions,
  defaultUri: string,
): { readonly target: RedisTarget; readonly shown: string } {
  const settings = clientSettings(options);
  const topology = resolveTopology(uri, options);
  if (topology.kind === 'cluster') {
    if (uri !== undefined)
      throw new RedisOptionsError('with the cluster option, leave the URI out: the nodes are in cluster.rootNodes');
    const target: RedisTarget = { topology, settings };
    return { target, shown: describeTarget(target) };
  }
  if (topology.kind === 'sentinel') {
    const target: RedisTarget = { topology, settings, ...(uri !== undefined ? { uri: new Secret(uri) } : {}) };
    return { target, shown: describeTarget(target) };
  }
  const given = uri ?? defaultUri;
  return { target: { uri: new Secret(given), settings }, shown: redactUri(given) };
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
