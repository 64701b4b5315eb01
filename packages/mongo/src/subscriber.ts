import type { LogRecord } from '@logq/core';
import { ClosedError, DEFAULT_MAX_RECORD_BYTES, FrameSubscriber, Secret } from '@logq/core/transport';
import { type Document, MongoServerSelectionError } from 'mongodb';
import { BroadcastReader } from './broadcast.js';
import { type ClientHandle, closeClient, connectClient, createClient, ensureCollection } from './connection.js';
import { type Credentials, type MongoTarget, credentials, resolveTarget, scrubbed } from './target.js';
import { readRecordDocument, unwrapKombuDocument } from './documents.js';
import { type MongoSubscriberOptions, resolveReadAheadBytes } from './options.js';
import type { DocumentReader, ReaderConnection, ReceivedDocument } from './reader.js';
import { WorkQueueReader, defaultConsumerName } from './work-queue.js';

/** A client of ours whose server selection has failed this long is replaced. */
const RENEW_AFTER_MS = 15_000;

/**
 * Receives records from a MongoDB collection (Logbook's queue subscribers).
 *
 * - `mode: 'queue'` (default): each record is dispatched by exactly one
 *   subscriber; it is claimed atomically, and deleted (or marked `done`) once
 *   dispatched. A subscriber that dies mid-dispatch loses nothing: its claim
 *   expires after `claimTimeoutMs` and another subscriber takes the record.
 * - `mode: 'broadcast'`: a capped collection read through a tailable,
 *   awaitData cursor; every subscriber sees every record, and resumes after a
 *   reconnect without replaying or skipping.
 *
 * A document that is not a record (missing `channel`, `level`, `msg`; a bad
 * frame) is counted in `stats.malformed`, reported through `onError`, and set
 * aside (moved to `<collection>.malformed` in queue mode, never deleted) without ending any loop.
 *
 * By default it reads kombu's MongoDB transport format with Logbook's names
 * (database from the URI, `messages` collection, queue `logging`): what
 * Python Logbook's `MessageQueueHandler('mongodb://...')` writes.
 *
 * @example
 * const subscriber = new MongoSubscriber('mongodb://127.0.0.1:27017/logging');
 * const controller = subscriber.dispatchInBackground(new StreamHandler(process.stdout));
 */
export class MongoSubscriber extends FrameSubscriber {
  /** Database, collection, mode and format in use (the URI without its password). */
  readonly target: MongoTarget;
  // What holds or reaches the URI's password (the options, the client and the connection that
  // refers to it) is kept in core's Secret or a ClientHandle, which never print it.
  private readonly creds: Credentials;
  private readonly options: Secret<MongoSubscriberOptions>;
  private handle: ClientHandle | null = null;
  /** The client while it connects, so that close() can end its server selection. */
  private connecting: ClientHandle | null = null;
  private connection: Secret<Promise<ReaderConnection>> | null = null;
  private readonly maxRecordBytes: number;
  /** The mode's reader (it prints as a summary: its timers and session are not for JSON). */
  private readonly reader: DocumentReader;
  /** When server selection started failing (null: it works). */
  private selectionFailingSince: number | null = null;

  constructor(uri: string, options: MongoSubscriberOptions = {}) {
    super(options);
    this.options = new Secret(options);
    this.creds = credentials(uri, options);
    this.target = resolveTarget(uri, options);
    this.maxRecordBytes = this.decodeOptions.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    const connect = (): Promise<ReaderConnection> => this.connect();
    const report = (error: unknown): void => {
      this.noteSelectionFailure(error);
      this.reportError(error);
    };
    const pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 200);
    const readAheadBytes = resolveReadAheadBytes(options);
    this.reader =
      this.target.mode === 'broadcast'
        ? new BroadcastReader(
            connect,
            {
              collection: this.target.collection,
              startAt: options.startAt ?? 'now',
              pollIntervalMs,
              maxAwaitTimeMs: Math.max(1, options.maxAwaitTimeMs ?? 1000),
              resumeWindowMs: Math.max(0, options.resumeWindowMs ?? 10_000),
              readAheadBytes,
            },
            report,
          )
        : new WorkQueueReader(
            connect,
            {
              format: this.target.format,
              queue: this.target.queue,
              collection: this.target.collection,
              prefetch: Math.max(1, options.prefetch ?? 1000),
              readAheadBytes,
              claimTimeoutMs: Math.max(100, options.claimTimeoutMs ?? 30_000),
              pollIntervalMs,
              consumerName: options.consumerName ?? defaultConsumerName(),
            },
            report,
          );
  }

  /**
   * The driver's monitor can stay stuck after the server restarted (seen with
   * FerretDB: server selection failed for minutes with the first error while
   * the server was back). A client of ours whose server selection has failed
   * for longer than {@link RENEW_AFTER_MS} is closed; the next receive opens
   * a new one. Claims and the broadcast position live in this object and the
   * server, not in the client, so nothing is lost or replayed.
   */
  private noteSelectionFailure(error: unknown): void {
    if (
      !(error instanceof MongoServerSelectionError) &&
      !(error instanceof Error && error.cause instanceof MongoServerSelectionError)
    ) {
      return;
    }
    const now = Date.now();
    this.selectionFailingSince ??= now;
    const handle = this.handle;
    if (now - this.selectionFailingSince < RENEW_AFTER_MS || !handle?.owned || this.closed) return;
    this.selectionFailingSince = null;
    this.handle = null;
    this.connection = null;
    void closeClient(handle, true).catch(() => undefined);
  }

  /** Opens the client and the collection once; a failed attempt is retried on the next receive. */
  private connect(): Promise<ReaderConnection> {
    this.connection ??= new Secret(
      (async () => {
        if (!this.handle) {
          const opened = createClient(this.creds, this.options.reveal());
          this.connecting = opened;
          try {
            await connectClient(opened, this.target, this.creds);
          } finally {
            this.connecting = null;
          }
          if (this.closed) {
            // close() ran while the client was connecting: release it here, or it would keep the process alive.
            await closeClient(opened, true);
            throw new ClosedError('MongoSubscriber was closed while connecting');
          }
          this.handle = opened;
        }
        const db = this.handle.client.db(this.target.database);
        const collection = await ensureCollection(db, this.target, (error) => this.reportError(error));
        return { client: this.handle.client, db, collection };
      })().catch((error: unknown) => {
        this.connection = null;
        throw error;
      }),
    );
    return this.connection.reveal();
  }

  /** Reports an error without any password of the URI or the client options. */
  protected override reportError(error: unknown, record?: LogRecord): void {
    super.reportError(scrubbed(error, this.creds), record);
  }

  /**
   * Turns a stored document into a record. `bytes` (its BSON size, when
   * known) lets a record document over `maxRecordBytes` be measured as JSON,
   * as every frame is. @throws {RecordDecodeError} for a malformed one.
   */
  decodeDocument(doc: Document, bytes = 0): LogRecord {
    return this.decodeDict(doc, bytes);
  }

  /** A stored document (kombu's message or a record document) through core's validation. */
  protected override decodeDict(doc: Document, bytes?: number): LogRecord {
    if (this.target.format === 'kombu') return this.decode(unwrapKombuDocument(doc, this.maxRecordBytes));
    const read = readRecordDocument(doc);
    // The dict was built for this call from a document read for it: the record adopts its args, kwargs and extra.
    return 'frame' in read ? this.decode(read.frame) : super.decodeDict(read.dict, bytes);
  }

  protected async receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<ReceivedDocument | null> {
    const frame = await this.reader.next(timeoutMs, signal);
    if (frame) this.selectionFailingSince = null;
    return frame;
  }

  protected override async closeTransport(): Promise<void> {
    // A connect in flight is ended now (its receive resolves null), not after its server selection timeout.
    const pending = this.connecting;
    this.connecting = null;
    await closeClient(pending, true);
    try {
      await this.reader.close();
    } finally {
      const handle = this.handle;
      this.handle = null;
      this.connection = null;
      await closeClient(handle);
    }
  }
}
