import { Secret, describeError, redactUri, scrubError } from '@logq/core/transport';
import { type Collection, type Db, type Document, MongoClient, MongoServerError } from 'mongodb';
import { TIMESTAMP_FIELD } from './documents.js';
import { MongoConfigError, MongoTransportError } from './errors.js';
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
    throw new MongoConfigError("format: 'kombu' works in queue mode only (Logbook's MessageQueueHandler uses a kombu SimpleQueue)");
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

/** A client made from the URI (owned) or given by the user (not owned). */
export interface ClientHandle {
  readonly client: MongoClient;
  readonly owned: boolean;
}

/**
 * Makes the client from the URI (owned) or takes the user's (not owned),
 * without connecting it: the caller can close it while it connects.
 */
export function createClient(creds: Credentials, options: MongoCommonOptions): ClientHandle {
  if (options.client) return { client: options.client, owned: false };
  return {
    client: new MongoClient(creds.uri.reveal(), { serverSelectionTimeoutMS: 5000, socketTimeoutMS: 60_000, ...options.clientOptions }),
    owned: true,
  };
}

/** Connects a client; errors never hold the password; an owned client that fails is closed. */
export async function connectClient(handle: ClientHandle, target: MongoTarget, creds: Credentials): Promise<ClientHandle> {
  try {
    await handle.client.connect();
  } catch (cause) {
    if (handle.owned) await handle.client.close(true).catch(() => undefined);
    scrubbed(cause, creds);
    throw new MongoTransportError(`cannot connect to ${target.uri}: ${describeError(cause)}`, { cause });
  }
  return handle;
}

/** Whether an error is "the collection exists already". */
function isNamespaceExists(error: unknown): boolean {
  return error instanceof MongoServerError && (error.code === 48 || error.codeName === 'NamespaceExists');
}

/**
 * Creates the collection (capped in broadcast mode) and the indexes that
 * ordinary queries need (level, channel, timestamp). Each index costs every
 * insert; the work queue needs none (its claims live in `<collection>.claims`).
 * Index creation that the server does not support is reported, not fatal.
 */
export async function ensureCollection(db: Db, target: MongoTarget, report: (error: unknown) => void): Promise<Collection<Document>> {
  const collection = db.collection(target.collection);
  if (!target.ensureIndexes) return collection;
  if (target.mode === 'broadcast') {
    try {
      await db.createCollection(target.collection, { capped: true, size: target.cappedSize });
    } catch (error) {
      if (!isNamespaceExists(error)) throw error;
    }
  }
  const indexes: { key: Document; name: string }[] = [];
  if (target.format === 'kombu') {
    // kombu's own index (kombu/transport/mongodb.py _ensure_indexes).
    indexes.push({ key: { queue: 1, priority: 1, _id: 1 }, name: 'queue_1_priority_1__id_1' });
  } else {
    indexes.push({ key: { level: 1 }, name: 'level_1' });
    indexes.push({ key: { channel: 1 }, name: 'channel_1' });
    indexes.push({ key: { [TIMESTAMP_FIELD]: 1 }, name: `${TIMESTAMP_FIELD}_1` });
  }
  await createIndexes(collection, indexes, target, report);
  if (target.format === 'kombu') {
    // kombu's consumers look up bindings in `messages.routing`; write it as kombu's SimpleQueue does.
    const lookup = { exchange: target.queue, queue: target.queue, routing_key: target.queue, pattern: null };
    await db.collection(`${target.collection}.routing`).updateOne(lookup, { $set: lookup }, { upsert: true });
  }
  return collection;
}

/**
 * Creates the indexes that are missing. FerretDB 1.24 drops the connection
 * when two clients create indexes on one collection at the same time, so a
 * failure is retried (after a short random pause) before it is reported.
 */
async function createIndexes(
  collection: Collection<Document>,
  indexes: readonly { key: Document; name: string }[],
  target: MongoTarget,
  report: (error: unknown) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const existing = await collection.listIndexes().toArray().then(
        (list) => new Set(list.map((index) => String(index.name))),
        (error: unknown) => {
          // NamespaceNotFound: the collection does not exist yet.
          if (error instanceof MongoServerError && error.code === 26) return new Set<string>();
          throw error;
        },
      );
      const missing = indexes.filter((index) => !existing.has(index.name));
      if (missing.length > 0) await collection.createIndexes([...missing]);
      return;
    } catch (error) {
      if (attempt < 4 && !(error instanceof MongoServerError)) {
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
        continue;
      }
      report(new MongoTransportError(`could not create the indexes of ${target.database}.${target.collection}: ${describeError(error)}`, { cause: error }));
      return;
    }
  }
}

/** Closes an owned client; a user's client is left open. */
export async function closeClient(handle: ClientHandle | null, force = false): Promise<void> {
  if (handle?.owned) await handle.client.close(force);
}
