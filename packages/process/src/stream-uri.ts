import { redactUri } from '@logq/core/transport';
import { StreamUriError } from './errors.js';

/** A `stream+tcp://` or `stream+unix://` URI's socket address (what `net.connect` and `server.listen` take). */
export type StreamAddress = { readonly host: string; readonly port: number } | { readonly path: string };

/** The URI schemes of the stream channel (registered with `@logq/core`'s resolver). */
export const STREAM_SCHEMES = ['stream+tcp', 'stream+unix'] as const;

/**
 * Parses `stream+tcp://host:port` (a port of 0 lets a subscriber pick a free
 * one) or `stream+unix:///path/to/socket`.
 * @throws {StreamUriError}
 */
export function parseStreamUri(uri: string): StreamAddress {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (cause) {
    throw new StreamUriError(`not a URI: ${JSON.stringify(redactUri(uri))}`, { cause });
  }
  if (url.protocol === 'stream+unix:') {
    const path = decodeURIComponent(url.pathname);
    if (url.hostname !== '' || path === '' || path === '/')
      throw new StreamUriError(`expected stream+unix:///path/to/socket, got ${JSON.stringify(redactUri(uri))}`);
    return { path };
  }
  if (url.protocol === 'stream+tcp:') {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port);
    if (host === '' || url.port === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new StreamUriError(`expected stream+tcp://host:port, got ${JSON.stringify(redactUri(uri))}`);
    }
    return { host, port };
  }
  throw new StreamUriError(`expected a stream+tcp:// or stream+unix:// URI, got ${JSON.stringify(redactUri(uri))}`);
}

/** The URI of an address (IPv6 hosts in brackets). */
export function formatStreamUri(address: StreamAddress): string {
  if ('path' in address) return `stream+unix://${address.path}`;
  return `stream+tcp://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}
