// Where a handler or subscriber works (database, collection, mode, format), resolved from its URI and options, and the secrets of that URI.
import { Secret, redactUri, scrubError } from '@logq/core/transport';
import { MongoConfigError } from './errors.js';
import type { MongoCommonOptions, MongoFormat, MongoMode } from './options.js';

/** Default size of the capped collection of broadcast mode. */
export const DEFAULT_CAPPED_SIZE = 64 * 1024 * 1024;

/** Resolved names and modes shared by the handler and the subscriber. */
export interface MongoTarget {
  /** The URI with its password replaced by `***` (the raw URI is never kept where it can be printed). */
  readonly uri: string;
  readonly database: string;
  readonly collection: string;
  readonly mode: MongoMode;
  readonly format: MongoFormat;
  readonly queue: string;
  readonly cappedSize: number;
  readonly ensureIndexes: boolean;
}

/**
 * The database named in a MongoDB URI's path, or null, read as pymongo's
 * `parse_uri` (and so kombu) reads it: `+` and `%XX` unquoted, and a
 * `db.collection` path names the database `db`.
 */
export function uriDatabase(uri: string): string | null {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/i.exec(uri);
  if (!m || !m[1]) return null;
  let name: string;
  try {
    name = decodeURIComponent(m[1].replace(/\+/g, ' '));
  } catch {
    throw new MongoConfigError('the database in the URI path is not valid percent-encoding');
  }
  const dot = name.indexOf('.');
  if (dot >= 0) name = name.slice(0, dot);
  return name === '' ? null : name;
}

/** Resolves the options against their defaults. */
export function resolveTarget(uri: string, options: MongoCommonOptions): MongoTarget {
  // kombu's layout (Logbook's MessageQueueHandler) unless asked otherwise; it has no broadcast.
  const format = options.format ?? (options.mode === 'broadcast' ? 'logq' : 'kombu');
  const mode = options.mode ?? 'queue';
  if (format === 'kombu' && mode === 'broadcast') {
    throw new MongoConfigError(
      "format: 'kombu' works in queue mode only (Logbook's MessageQueueHandler uses a kombu SimpleQueue)",
    );
  }
  if (format !== 'logq' && format !== 'kombu') throw new MongoConfigError(`unknown format ${JSON.stringify(format)}`);
  if (mode !== 'queue' && mode !== 'broadcast') throw new MongoConfigError(`unknown mode ${JSON.stringify(mode)}`);
  const database = options.database ?? uriDatabase(uri) ?? (format === 'kombu' ? 'kombu_default' : 'logq');
  const collection = options.collection ?? (format === 'kombu' ? 'messages' : 'logging');
  if (collection === '') throw new MongoConfigError('collection must not be empty');
  return {
    uri: redactUri(uri),
    database,
    collection,
    mode,
    format,
    queue: options.queue ?? 'logging',
    cappedSize: options.cappedSize ?? DEFAULT_CAPPED_SIZE,
    ensureIndexes: options.ensureIndexes ?? true,
  };
}

/** What a handler or subscriber keeps of its URI: the raw text (hidden) and the secrets to scrub from errors. */
export interface Credentials {
  /** The URI as given, for the client's constructor only. */
  readonly uri: Secret<string>;
  /** Passwords to remove from errors (the URI's, raw and decoded, and `clientOptions.auth.password`). */
  readonly secrets: Secret<readonly string[]>;
}

/** Keeps the URI and the passwords it holds as {@link Secret}s. */
export function credentials(uri: string, options: MongoCommonOptions): Credentials {
  const secrets: string[] = [];
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:([^@/]*)@/i.exec(uri);
  if (m?.[1]) {
    secrets.push(m[1]);
    try {
      secrets.push(decodeURIComponent(m[1]));
    } catch {
      // not percent-encoded: the raw text is the password
    }
  }
  const password = options.clientOptions?.auth?.password;
  if (typeof password === 'string') secrets.push(password);
  return { uri: new Secret(uri), secrets: new Secret(secrets) };
}

/** `error` with every password of `creds` removed, in place (message, stack, cause chain). */
export function scrubbed<T>(error: T, creds: Credentials): T {
  return scrubError(error, creds.secrets.reveal());
}
