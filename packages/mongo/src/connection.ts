// The client's lifecycle: made from the URI or taken from the user, connected, the collection and its indexes ensured, closed.
import { Secret, describeError } from '@logq/core/transport';
import { type Collection, type Db, type Document, MongoClient, MongoServerError } from 'mongodb';
import { TIMESTAMP_FIELD } from './documents.js';
import { MongoTransportError } from './errors.js';
import type { MongoCommonOptions } from './options.js';
import { type Credentials, type MongoTarget, scrubbed } from './target.js';

/**
 * A client made from the URI (owned) or given by the user (not owned). The
 * client holds the URI with its password: it is kept in a `Secret`, so that a
 * handle never shows it when printed or serialised.
 */
export class ClientHandle {
  private readonly held: Secret<MongoClient>;

  constructor(
    client: MongoClient,
    /** Whether logq made the client (and so closes it). */
    readonly owned: boolean,
  ) {
    this.held = new Secret(client);
  }

  /** The client. */
  get client(): MongoClient {
    return this.held.reveal();
  }
}

/**
 * Makes the client from the URI (owned) or takes the user's (not owned),
 * without connecting it: the caller can close it while it connects.
 */
export function createClient(creds: Credentials, options: MongoCommonOptions): ClientHandle {
  if (options.client) return new ClientHandle(options.client, false);
  return new ClientHandle(
    new MongoClient(creds.uri.reveal(), {
      serverSelectionTimeoutMS: 5000,
      socketTimeoutMS: 60_000,
      ...options.clientOptions,
    }),
    true,
  );
}

/** Connects a client; errors never hold the password; an owned client that fails is closed. */
export async function connectClient(
  handle: ClientHandle,
  target: MongoTarget,
  creds: Credentials,
): Promise<ClientHandle> {
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
export async function ensureCollection(
  db: Db,
  target: MongoTarget,
  report: (error: unknown) => void,
): Promise<Collection<Document>> {
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
      const existing = await collection
        .listIndexes()
        .toArray()
        .then(
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
      report(
        new MongoTransportError(
          `could not create the indexes of ${target.database}.${target.collection}: ${describeError(error)}`,
          { cause: error },
        ),
      );
      return;
    }
  }
}

/** Closes an owned client; a user's client is left open. */
export async function closeClient(handle: ClientHandle | null, force = false): Promise<void> {
  if (handle?.owned) await handle.client.close(force);
}
