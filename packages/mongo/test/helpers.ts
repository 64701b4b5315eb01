import { type UsedService, useFerretDB } from '@logq/services';
import { Binary, MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { kombuDocument } from '../src/documents.js';

/** A unique collection name for one test. */
export function freshName(prefix = 'logq'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** The server for a test file, and a driver client on it for assertions. */
export interface TestServer {
  readonly service: UsedService;
  readonly client: MongoClient;
  readonly url: string;
  /** The URL with a database path. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const service = await useFerretDB();
  const client = new MongoClient(service.url, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  return {
    service,
    client,
    get url() {
      return service.url;
    },
    urlFor(database: string) {
      return `${service.url.replace(/\/+$/, '')}/${database}`;
    },
    async stop() {
      await client.close(true).catch(() => undefined);
      await service.stop();
    },
  };
}

/** Starts the server before the file's tests and stops it after them; usable inside tests and hooks. */
export function serverForThisFile(): TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  const current = (): TestServer => {
    if (!server) throw new Error('the server is not started yet (use it inside a test or hook)');
    return server;
  };
  return {
    get service() {
      return current().service;
    },
    get client() {
      return current().client;
    },
    get url() {
      return current().url;
    },
    urlFor: (database) => current().urlFor(database),
    stop: () => current().stop(),
  };
}

/**
 * Inserts a raw frame document where the subscriber reads: `{ _logq: { frame } }`,
 * the form in which the handler stores records whose dict MongoDB cannot hold
 * as fields. Text frames are strings, byte frames BSON binary.
 */
export async function insertFrame(
  client: MongoClient,
  database: string,
  collection: string,
  frame: string | Uint8Array,
): Promise<void> {
  const value = typeof frame === 'string' ? frame : new Binary(Buffer.from(frame));
  await client
    .db(database)
    .collection(collection)
    .insertOne({ _logq: { frame: value } });
}

/**
 * Inserts a raw frame as the body of a kombu message on `queue` in the
 * `messages` collection, where the default (kombu) subscriber reads: the
 * envelope Logbook's MessageQueueHandler writes, with the frame's bytes as body.
 */
export async function insertKombuFrame(
  client: MongoClient,
  database: string,
  frame: string | Uint8Array,
  queue = 'logging',
): Promise<void> {
  await client
    .db(database)
    .collection('messages')
    .insertOne(kombuDocument(frame, queue, 0));
}
