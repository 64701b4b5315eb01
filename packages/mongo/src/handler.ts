import { type LogRecord, QueueHandler, type WireRecord, encodeRecord } from '@logq/core';
import { type Collection, type Document, MongoBulkWriteError, ObjectId } from 'mongodb';
import { type ClientHandle, type MongoTarget, closeClient, connectClient, createClient, ensureCollection, resolveTarget } from './connection.js';
import { kombuDocument, recordDocument, recordTimeMs } from './documents.js';
import type { MongoHandlerOptions } from './options.js';

/** Duplicate key: the document is in the collection already (a retried batch that had been written). */
const DUPLICATE_KEY = 11000;

/**
 * Sends records to a MongoDB collection (Logbook's queue handlers, on the
 * official `mongodb` driver): one `insertMany` per batch, acknowledged by the
 * server before `flush()` resolves. The log call only builds the document;
 * it never waits and never throws. While the server is unreachable records
 * are buffered (up to `maxBuffer`) and sent in order once it is back; a batch
 * that was written before the connection broke is not written twice (its
 * documents keep their `_id`, and duplicate keys count as delivered).
 *
 * By default it writes kombu's MongoDB transport format with Logbook's names
 * (database from the URI, `messages` collection, queue `logging`), which
 * Python Logbook's `MessageQueueSubscriber('mongodb://...')` reads; with
 * `format: 'logq'` it stores queryable record documents instead.
 *
 * @example
 * const handler = new MongoHandler('mongodb://127.0.0.1:27017/logging');
 * handler.pushApplication();
 */
export class MongoHandler extends QueueHandler<Document> {
  /** Database, collection, mode and format in use. */
  readonly target: MongoTarget;
  private readonly options: MongoHandlerOptions;
  private readonly priority: number;
  private clientHandle: ClientHandle | null = null;
  /** The client while it connects, so that close() can end its server selection. */
  private connecting: ClientHandle | null = null;
  private collection: Collection<Document> | null = null;
  private lastBytes = 0;

  constructor(uri: string, options: MongoHandlerOptions = {}) {
    super({ batchSize: 512, ...options });
    this.options = options;
    this.target = resolveTarget(uri, options);
    this.priority = options.priority ?? 0;
  }

  /** The document stored for a record (its dict's fields and `timestamp`, or kombu's message). */
  exportDocument(record: LogRecord): Document {
    return this.serialize(record);
  }

  protected override serialize(record: LogRecord): Document {
    if (this.target.format === 'kombu') {
      // The record's wire JSON straight from core's encoder unless exportRecord is overridden.
      const json = this.exportRecord === QueueHandler.prototype.exportRecord ? encodeRecord(record) : JSON.stringify(this.exportRecord(record));
      this.lastBytes = json.length > 64 * 1024 ? Buffer.byteLength(json) : json.length;
      return kombuDocument(json, this.target.queue, this.priority);
    }
    // exportRecord not overridden: the dict is a fresh toDict() of our own.
    const owned = this.exportRecord === QueueHandler.prototype.exportRecord;
    const { doc, bytes } = recordDocument(this.exportRecord(record) as WireRecord, recordTimeMs(record), owned);
    this.lastBytes = bytes;
    return doc;
  }

  protected override payloadBytes(): number {
    return this.lastBytes;
  }

  protected async connect(): Promise<void> {
    if (!this.clientHandle) {
      const handle = createClient(this.target, this.options);
      this.connecting = handle;
      try {
        await connectClient(handle, this.target);
      } finally {
        this.connecting = null;
      }
      this.clientHandle = handle;
    }
    if (!this.collection) {
      const db = this.clientHandle.client.db(this.target.database);
      this.collection = await ensureCollection(db, this.target, (error) => this.handleError(error));
    }
  }

  protected async sendBatch(batch: readonly Document[]): Promise<void> {
    const collection = this.collection;
    if (!collection) throw new Error('not connected');
    // Ids are given here, once: a batch sent again after a failure keeps them,
    // so documents that were written already are recognised (duplicate key).
    for (const doc of batch) doc._id ??= new ObjectId();
    let from = 0;
    while (from < batch.length) {
      const docs = from === 0 ? (batch as Document[]) : batch.slice(from);
      try {
        await collection.insertMany(docs, { ordered: true });
        return;
      } catch (error) {
        // Ordered: documents before the failing one are written. A duplicate
        // key means that one was written by an earlier attempt: go on after it.
        if (!(error instanceof MongoBulkWriteError)) throw error;
        const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
        const first = writeErrors[0];
        if (!first || first.code !== DUPLICATE_KEY) throw error;
        from += first.index + 1;
      }
    }
  }

  protected async disconnect(): Promise<void> {
    // The driver reconnects by itself: keep the client across failures and
    // release it only when the handler closes.
    if (!this.closed) return;
    // close() gave up on a connect in flight: end it now rather than after its server selection timeout.
    const pending = this.connecting;
    this.connecting = null;
    await closeClient(pending, true);
    const handle = this.clientHandle;
    this.clientHandle = null;
    this.collection = null;
    await closeClient(handle);
  }
}
