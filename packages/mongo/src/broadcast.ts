import { Secret, abortableSleep } from '@logq/core/transport';
import { BSON, type ClientSession, type Document, Long, type MongoClient, MongoServerError, ObjectId } from 'mongodb';
import {
  type DocumentReader,
  type ReaderConnection,
  type ReceivedDocument,
  raceAbort,
  remainingMs,
  replyDocuments,
} from './reader.js';

/** Settings of a {@link BroadcastReader}. */
export interface BroadcastSettings {
  readonly collection: string;
  readonly startAt: 'now' | 'oldest';
  readonly pollIntervalMs: number;
  readonly maxAwaitTimeMs: number;
  readonly resumeWindowMs: number;
  /** Most BSON bytes asked for in one `getMore` (judged by the largest document of the previous reply). */
  readonly readAheadBytes: number;
}

/** Documents fetched per `getMore`. */
const GET_MORE_BATCH = 1000;
/** Longest wait after an empty poll that was slow (FerretDB scanning a large collection), in ms. */
const MAX_IDLE_WAIT_MS = 5_000;
/** Seen ids are swept of entries older than the resume window every this many additions. */
const SWEEP_EVERY = 4096;

const noop = (): void => {};

/**
 * The broadcast mode: a tailable, awaitData cursor on a capped collection,
 * driven with `find`/`getMore` commands in one explicit session.
 *
 * The position is the `_id` (ObjectId) time of the newest document seen.
 * After a reconnect (server restart, cursor lost) the cursor is opened again
 * on `_id >= that time - resumeWindowMs`, and documents seen already are
 * skipped by id: nothing is replayed, and nothing is skipped unless a
 * producer's clock lags by more than the window or the capped collection
 * overwrote the documents meanwhile.
 *
 * The first `find` asks for one document: FerretDB keeps a tailable cursor
 * open only when its first batch is full (MongoDB whenever it is not empty).
 *
 * On MongoDB the cursor is `awaitData` (the server waits up to
 * `maxAwaitTimeMs` for new documents). On FerretDB it is not: FerretDB 1.24
 * loses an awaitData cursor's position once it has waited (it replays part of
 * the collection, then skips the rest), while a plain tailable cursor keeps
 * its position across empty `getMore`s; the reader polls it instead (every
 * 10 ms, backing off to `pollIntervalMs` while nothing comes). FerretDB scans
 * the whole collection for every `getMore`, so an idle reader also waits at
 * least twice as long as its last empty `getMore` took (at most 5 s).
 */
export class BroadcastReader implements DocumentReader {
  private readonly buffer: { doc: Document; bytes: number }[] = [];
  /** Largest document of the last non-empty reply (0: none yet). */
  private largestDoc = 0;
  private cursorId: Long | null = null;
  /** The session and its client, in core's Secret: a session refers to its client, which holds the URI with its password. */
  private sessionHeld: Secret<{ readonly session: ClientSession; readonly client: MongoClient }> | null = null;
  private fetching: Promise<void> | null = null;
  /** Ids seen, with their `_id` time in seconds, for the resume window. */
  private readonly seen = new Map<string, number>();
  private additions = 0;
  private newestSeconds: number;
  /** Whether the server waits on `getMore` (MongoDB) or the reader polls (FerretDB); known after connecting. */
  private awaitData: boolean | null = null;
  /** How long the last empty `getMore` of a polled cursor took, in ms. */
  private emptyPollMs = 0;
  private closed = false;

  constructor(
    private readonly connect: () => Promise<ReaderConnection>,
    private readonly settings: BroadcastSettings,
    private readonly report: (error: unknown) => void,
  ) {
    // 'now': from the second this subscriber was created (ObjectId times have one-second resolution).
    this.newestSeconds =
      settings.startAt === 'oldest' ? 0 : Math.floor(Date.now() / 1000) + Math.ceil(settings.resumeWindowMs / 1000);
  }

  /** A summary for JSON.stringify (its timers are circular structures, its session is not for printing). */
  toJSON(): Record<string, unknown> {
    return { mode: 'broadcast', buffered: this.buffer.length };
  }

  async next(timeoutMs: number | null, signal: AbortSignal): Promise<ReceivedDocument | null> {
    const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
    let pause = 10;
    for (;;) {
      const item = this.buffer.shift();
      if (item) return { dict: item.doc, bytes: item.bytes, ack: noop, reject: noop };
      if (signal.aborted || this.closed) return null;
      const left = remainingMs(deadline);
      const hadCursor = this.cursorId !== null;
      this.fetching ??= this.fetch(left).finally(() => {
        this.fetching = null;
      });
      try {
        await raceAbort(this.fetching, signal);
      } catch (error) {
        this.report(error);
        this.dropCursor();
      }
      if (this.buffer.length > 0) continue;
      const after = remainingMs(deadline);
      if (after === 0 || signal.aborted) return null;
      // A live awaitData cursor waited on the server already; others are polled.
      if (!this.awaitData || !hadCursor || this.cursorId === null) {
        // An empty poll scans the whole capped collection on FerretDB: wait at
        // least twice as long as it took (up to 5 s), so an idle subscriber
        // keeps the server at most a third busy unless the collection is huge.
        const wait = Math.max(pause, Math.min(2 * this.emptyPollMs, MAX_IDLE_WAIT_MS));
        await abortableSleep(after === null ? wait : Math.min(wait, after), signal);
        pause = Math.min(this.settings.pollIntervalMs, pause * 2);
      }
    }
  }

  /** The filter that resumes after what was seen. */
  private resumeFilter(): Document {
    if (this.newestSeconds === 0) return {};
    const from = Math.max(0, this.newestSeconds - Math.ceil(this.settings.resumeWindowMs / 1000));
    return { _id: { $gte: ObjectId.createFromTime(from) } };
  }

  private async fetch(waitMs: number | null): Promise<void> {
    const { client, db } = await this.connect();
    // A session of a client that the subscriber replaced is dropped with it.
    const held = this.sessionHeld?.reveal();
    if (held && held.client !== client) {
      void held.session.endSession().catch(() => undefined);
      this.sessionHeld = null;
      this.cursorId = null;
    }
    if (!this.sessionHeld) this.sessionHeld = new Secret({ session: client.startSession(), client });
    const options = { session: this.sessionHeld.reveal().session, promoteLongs: false } as const;
    if (this.awaitData === null) {
      // A server that refuses buildInfo, or answers it not as FerretDB, is taken
      // for MongoDB; a network error is thrown (and the question asked again).
      const info = await db
        .admin()
        .command({ buildInfo: 1 }, options)
        .catch((error: unknown) => {
          if (error instanceof MongoServerError) return {};
          throw error;
        });
      this.awaitData = !('ferretdbVersion' in info);
    }
    const awaitData = this.awaitData;
    if (this.cursorId === null) {
      const reply = await db.command(
        { find: this.settings.collection, filter: this.resumeFilter(), tailable: true, awaitData, batchSize: 1 },
        options,
      );
      const cursor = reply.cursor as { id: Long; firstBatch: Document[] };
      this.cursorId = isLive(cursor.id) ? cursor.id : null;
      this.take(cursor.firstBatch);
      if (this.cursorId === null || this.buffer.length > 0) return;
    }
    const maxTimeMS = Math.max(1, Math.min(waitMs ?? this.settings.maxAwaitTimeMs, this.settings.maxAwaitTimeMs));
    const started = performance.now();
    const reply = await db.command(
      {
        getMore: this.cursorId,
        collection: this.settings.collection,
        batchSize: replyDocuments(GET_MORE_BATCH, this.settings.readAheadBytes, this.largestDoc, 16),
        ...(awaitData ? { maxTimeMS } : {}),
      },
      options,
    );
    const cursor = reply.cursor as { id: Long; nextBatch: Document[] };
    // A dead cursor is opened again on the resume window; seen ids are skipped.
    if (!isLive(cursor.id)) this.cursorId = null;
    this.emptyPollMs = !awaitData && cursor.nextBatch.length === 0 ? performance.now() - started : 0;
    this.take(cursor.nextBatch);
  }

  /** Buffers new documents, skipping those seen before a resume. */
  private take(docs: readonly Document[]): void {
    let largest = 0;
    for (const doc of docs) {
      const bytes = BSON.calculateObjectSize(doc);
      largest = Math.max(largest, bytes);
      const id = doc._id as unknown;
      if (id instanceof ObjectId) {
        const key = id.toHexString();
        if (this.seen.has(key)) continue;
        const seconds = id.getTimestamp().getTime() / 1000;
        this.seen.set(key, seconds);
        if (seconds > this.newestSeconds || this.newestSeconds === 0)
          this.newestSeconds = Math.max(seconds, this.newestSeconds);
        if (++this.additions % SWEEP_EVERY === 0) this.sweep();
      }
      this.buffer.push({ doc, bytes });
    }
    if (docs.length > 0) this.largestDoc = largest;
  }

  private sweep(): void {
    const cutoff = this.newestSeconds - Math.ceil(this.settings.resumeWindowMs / 1000) - 1;
    for (const [key, seconds] of this.seen) if (seconds < cutoff) this.seen.delete(key);
  }

  private dropCursor(): void {
    this.cursorId = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.fetching?.catch(() => undefined);
    const id = this.cursorId;
    this.cursorId = null;
    const session = this.sessionHeld?.reveal().session ?? null;
    this.sessionHeld = null;
    try {
      if (id !== null) {
        const { db } = await this.connect();
        await db.command({ killCursors: this.settings.collection, cursors: [id] }, { session: session ?? undefined });
      }
    } catch {
      // The cursor dies with the connection anyway.
    } finally {
      await session?.endSession().catch(() => undefined);
    }
  }
}

function isLive(id: unknown): id is Long {
  if (id instanceof Long) return !id.isZero();
  return typeof id === 'number' ? id !== 0 : typeof id === 'bigint' ? id !== 0n : false;
}
