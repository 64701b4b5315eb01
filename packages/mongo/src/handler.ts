import type { LogRecord } from '@logq/core';
import { QueueHandler, Secret, type WireRecord, encodeRecord } from '@logq/core/transport';
import { type Collection, type Document, MongoBulkWriteError, ObjectId } from 'mongodb';
import { type ClientHandle, closeClient, connectClient, createClient, ensureCollection } from './connection.js';
import { type Credentials, type MongoTarget, credentials, resolveTarget, scrubbed } from './target.js';
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
  /** Database, collection, mode and format in use (the URI without its password). */
  readonly target: MongoTarget;
  // What holds or reaches the URI's password (the options, the client, the collection that refers
  // to it) is kept in core's Secret or a ClientHandle, which never print it.
  private readonly creds: Credentials;
  private readonly options: Secret<MongoHandlerOptions>;
  private clientHandle: ClientHandle | null = null;
  /** The client while it connects, so that close() can end its server selection. */
  private connecting: ClientHandle | null = null;
  private collection: Secret<Collection<Document>> | null = null;
  /** The idle-close timer's id (a number: a Timeout object is circular, JSON.stringify(handler) would throw). */
  private idleTimer: number | null = null;
  private readonly priority: number;
  /** The collection and its indexes were made (on the first connect): a reconnect skips that. */
  private ensured = false;
  private lastBytes = 0;
  /** A batch is being sent. */
  private sending = false;
  private readonly idleCloseMs: number;

  constructor(uri: string, options: MongoHandlerOptions = {}) {
    super({ batchSize: 512, ...options });
    this.options = new Secret(options);
    this.creds = credentials(uri, options);
    this.target = resolveTarget(uri, options);
    this.priority = options.priority ?? 0;
    this.idleCloseMs = Math.max(0, options.idleCloseMs ?? 1000);
  }

  /** Reports an error without any password of the URI or the client options. */
  override handleError(error: unknown, record?: LogRecord): void {
    super.handleError(scrubbed(error, this.creds), record);
  }

  /** The document stored for a record (its dict's fields and `timestamp`, or kombu's message). */
  exportDocument(record: LogRecord): Document {
    return this.serialize(record);
  }

  protected override serialize(record: LogRecord): Document {
    if (this.target.format === 'kombu') {
      // The record's wire JSON straight from core's encoder unless exportRecord is overridden.
      const json =
        this.exportRecord === QueueHandler.prototype.exportRecord
          ? encodeRecord(record)
          : JSON.stringify(this.exportRecord(record));
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
      const handle = createClient(this.creds, this.options.reveal());
      this.connecting = handle;
      try {
        await connectClient(handle, this.target, this.creds);
      } finally {
        this.connecting = null;
      }
      this.clientHandle = handle;
    }
    if (!this.collection) {
      const db = this.clientHandle.client.db(this.target.database);
      if (this.ensured) {
        this.collection = new Secret(db.collection(this.target.collection));
      } else {
        this.collection = new Secret(await ensureCollection(db, this.target, (error) => this.handleError(error)));
        this.ensured = true;
      }
    }
  }

  protected async sendBatch(batch: readonly Document[]): Promise<void> {
    this.sending = true;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    try {
      // The client was released while idle: open it again.
      if (!this.collection) await this.connect();
      await this.insertBatch(batch);
    } finally {
      this.sending = false;
      this.scheduleIdleClose();
    }
  }

  /**
   * The driver keeps sockets and monitor timers that hold the event loop open
   * (it has no unref): a client of ours with nothing to send for
   * `idleCloseMs` is closed, so a process whose main has returned exits once
   * its records are delivered. The next record opens it again.
   */
  private scheduleIdleClose(): void {
    if (this.closed || !this.clientHandle?.owned || this.idleTimer !== null) return;
    const timer = setTimeout(() => {
      this.idleTimer = null;
      if (this.sending || this.pending > 0 || this.closed) return;
      const handle = this.clientHandle;
      this.clientHandle = null;
      this.collection = null;
      void closeClient(handle).catch(() => undefined);
    }, this.idleCloseMs);
    timer.unref();
    this.idleTimer = timer[Symbol.toPrimitive]();
  }

  private async insertBatch(batch: readonly Document[]): Promise<void> {
    const collection = this.collection?.reveal();
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
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
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
