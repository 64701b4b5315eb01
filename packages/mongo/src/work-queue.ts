import { abortableSleep } from '@logq/core/transport';
import {
  BSON,
  type Collection,
  type Document,
  type Filter,
  MongoBulkWriteError,
  MongoServerError,
  ObjectId,
} from 'mongodb';
import {
  type DocumentReader,
  type ReaderConnection,
  type ReceivedDocument,
  raceAbort,
  remainingMs,
  replyDocuments,
} from './reader.js';
import type { MongoFormat } from './options.js';

/** Settings of a {@link WorkQueueReader}. */
export interface WorkQueueSettings {
  readonly format: MongoFormat;
  readonly queue: string;
  readonly collection: string;
  readonly prefetch: number;
  /** Most BSON bytes claimed in one round (at least one document). */
  readonly readAheadBytes: number;
  readonly claimTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly consumerName: string;
}

/** Documents claimed in one round trip. */
interface ClaimBatch {
  /** The claimed ids, in delivery order. */
  readonly ids: unknown[];
  /** Ids not yet acknowledged or rejected. */
  readonly open: Set<string>;
  /** Ids acknowledged, waiting for the batched delete. */
  readonly acked: unknown[];
}

/** Prefix of the `_id` of a consumer's heartbeat document in the claims collection. */
const CONSUMER_PREFIX = 'logq.consumer:';
/** Claims of acknowledged records are kept this long (a tombstone against a late claim of a record already gone). */
const TOMBSTONE_MS = 2_000;
/** Duplicate key. */
const DUPLICATE_KEY = 11000;

/**
 * The work-queue mode: claim-and-acknowledge with a claims collection.
 *
 * Records stay untouched in the collection until they are acknowledged. To
 * claim records, a subscriber reads the head of the collection and inserts
 * one claim document per record into `<collection>.claims` with the record's
 * `_id` as its own `_id`: the unique `_id` makes each claim atomic, so a
 * record claimed by two subscribers at once goes to exactly one of them (the
 * other gets a duplicate-key error for it). Acknowledged records are deleted
 * (one command per claim batch), then their claims. Every subscriber keeps a
 * heartbeat document in the claims collection; the claims of a subscriber
 * whose heartbeat is older than `claimTimeoutMs` (it died mid-dispatch) are
 * removed, and its records are dispatched again (at-least-once).
 *
 * Only inserts, reads of the head and one delete per batch touch the record
 * collection: FerretDB 1.x (SQLite) runs every update as a scan of the whole
 * collection per matched document, which makes update-based claims unusable
 * on it.
 */
export class WorkQueueReader implements DocumentReader {
  private readonly buffer: { doc: Document; bytes: number; batch: ClaimBatch }[] = [];
  /** Largest document of the last read of the head (0: none read yet). */
  private largestDoc = 0;
  private readonly batches = new Set<ClaimBatch>();
  private readonly tombstones: { ids: unknown[]; at: number }[] = [];
  private claiming: Promise<void> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private lastReclaim = 0;
  private orphans = false;
  private lastBeat = 0;
  /** Acknowledged ids whose delete is in flight. */
  private inDelete = 0;
  /** When the running read of the head started (null: none running). */
  private readStartedAt: number | null = null;
  private closed = false;

  constructor(
    private readonly connect: () => Promise<ReaderConnection>,
    private readonly settings: WorkQueueSettings,
    private readonly report: (error: unknown) => void,
  ) {}

  private async claims(): Promise<Collection<Document>> {
    const { db } = await this.connect();
    return db.collection(`${this.settings.collection}.claims`);
  }

  /** Documents that are records to claim (kombu: the messages of this queue). */
  private recordFilter(): Filter<Document> {
    return this.settings.format === 'kombu' ? { queue: this.settings.queue } : {};
  }

  /** A summary for JSON.stringify (its timers are circular structures, its session is not for printing). */
  toJSON(): Record<string, unknown> {
    return { mode: 'queue', buffered: this.buffer.length };
  }

  async next(timeoutMs: number | null, signal: AbortSignal): Promise<ReceivedDocument | null> {
    const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
    let pause = 5;
    for (;;) {
      const item = this.buffer.shift();
      if (item) return this.received(item.doc, item.bytes, item.batch);
      if (signal.aborted || this.closed) return null;
      this.claiming ??= this.claim().finally(() => {
        this.claiming = null;
      });
      try {
        await raceAbort(this.claiming, signal);
      } catch (error) {
        this.report(error);
      }
      if (this.buffer.length > 0) continue;
      const left = remainingMs(deadline);
      if (left === 0 || signal.aborted) return null;
      await abortableSleep(left === null ? pause : Math.min(pause, left), signal);
      pause = Math.min(this.settings.pollIntervalMs, pause * 2);
    }
  }

  private received(doc: Document, bytes: number, batch: ClaimBatch): ReceivedDocument {
    const key = String(doc._id);
    let done = false;
    return {
      dict: doc,
      bytes,
      ack: () => {
        if (done) return;
        done = true;
        batch.open.delete(key);
        batch.acked.push(doc._id);
        if (batch.open.size === 0) this.scheduleFlush();
      },
      reject: async () => {
        if (done) return;
        done = true;
        // Moved aside as it is (same _id, same size, so it fits) into
        // `<collection>.malformed`, never dropped: on a shared queue it may be
        // another program's message. A retried move finds it there already.
        // It stays open in its batch until moved, so the batch is not settled meanwhile.
        const { db } = await this.connect();
        try {
          await db.collection(malformedCollection(this.settings.collection)).insertOne({ ...doc });
        } catch (error) {
          if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) {
            // Not moved: give it back to the queue (drop our claim) rather than delete it.
            batch.open.delete(key);
            batch.ids.splice(batch.ids.indexOf(doc._id), 1);
            const claims = await this.claims();
            await claims
              .deleteOne({ _id: doc._id as unknown, by: this.settings.consumerName } as Filter<Document>)
              .catch(() => undefined);
            if (batch.open.size === 0) this.scheduleFlush();
            throw error;
          }
        }
        batch.open.delete(key);
        batch.acked.push(doc._id);
        if (batch.open.size === 0) this.scheduleFlush();
      },
    };
  }

  private async claim(): Promise<void> {
    try {
      await this.claimOnce();
    } catch (error) {
      // The claims may have reached the server without their reply: release
      // any claim of ours that no batch knows before claiming again.
      this.orphans = true;
      throw error;
    }
  }

  private async claimOnce(): Promise<void> {
    const claims = await this.claims();
    if (this.orphans) {
      const known = [...this.batches].flatMap((b) => b.ids).concat(this.tombstones.flatMap((t) => t.ids));
      await claims.deleteMany({ by: this.settings.consumerName, _id: { $nin: known } } as unknown as Filter<Document>);
      this.orphans = false;
    }
    // What was acknowledged is deleted before the head is read (running both
    // at once was measured slower on FerretDB: they contend for its SQLite).
    await this.flushAcks();
    await this.claimHead(claims);
  }

  private async claimHead(claims: Collection<Document>): Promise<void> {
    const { collection } = await this.connect();
    await this.beat(claims);
    const now = Date.now();
    if (now - this.lastReclaim > this.settings.claimTimeoutMs / 2) {
      this.lastReclaim = now;
      await this.reclaimExpired(claims);
    }
    // The head of the queue; records that others hold are skipped by their claims.
    // Our own acknowledged records not yet deleted are at the head too.
    const held = await claims.countDocuments({ by: { $exists: true, $ne: this.settings.consumerName } });
    const limit = this.settings.prefetch + held + this.undeleted();
    this.readStartedAt = Date.now();
    try {
      const candidates = await this.readHead(collection, limit);
      if (candidates.length === 0) return;
      await this.claimCandidates(claims, candidates);
    } finally {
      this.readStartedAt = null;
    }
  }

  /**
   * The head of the queue in one reply, bounded in bytes: the reply is sized
   * from the largest document of the previous one, and documents are taken
   * (decoded from BSON) up to `readAheadBytes`, at least one.
   */
  private async readHead(collection: Collection<Document>, limit: number): Promise<Candidate[]> {
    const budget = this.settings.readAheadBytes;
    const batchSize = replyDocuments(limit, budget, this.largestDoc);
    const cursor = collection.find(this.recordFilter(), { limit: batchSize, batchSize, raw: true });
    let raws: Uint8Array[];
    try {
      raws = (await cursor.hasNext()) ? (cursor.readBufferedDocuments() as unknown as Uint8Array[]) : [];
    } finally {
      await cursor.close().catch(() => undefined);
    }
    let largest = 0;
    for (const raw of raws) largest = Math.max(largest, raw.byteLength);
    if (raws.length > 0) this.largestDoc = largest;
    const out: Candidate[] = [];
    let total = 0;
    for (const raw of raws) {
      if (out.length > 0 && total + raw.byteLength > budget) break;
      total += raw.byteLength;
      out.push({ doc: BSON.deserialize(raw), bytes: raw.byteLength });
    }
    return out;
  }

  private async claimCandidates(claims: Collection<Document>, candidates: Candidate[]): Promise<void> {
    const at = new Date();
    const claimDocs = candidates.map(({ doc }) => ({ _id: doc._id as unknown, by: this.settings.consumerName, at }));
    const lost = new Set<number>();
    try {
      await claims.insertMany(claimDocs as Document[], { ordered: false });
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      for (const writeError of writeErrors) {
        if (writeError.code !== DUPLICATE_KEY) throw error;
        lost.add(writeError.index);
      }
    }
    const won = candidates.filter((_, index) => !lost.has(index)).slice(0, Math.max(this.settings.prefetch, 1));
    const surplus = candidates.filter((_, index) => !lost.has(index)).slice(won.length);
    if (surplus.length > 0)
      await claims.deleteMany({
        _id: { $in: surplus.map((c) => c.doc._id as unknown) },
        by: this.settings.consumerName,
      } as Filter<Document>);
    if (won.length === 0) return;
    if (this.settings.format === 'kombu') won.sort(byPriority);
    const ids = won.map((c) => c.doc._id as unknown);
    const batch: ClaimBatch = { ids, open: new Set(ids.map(String)), acked: [] };
    this.batches.add(batch);
    for (const { doc, bytes } of won) this.buffer.push({ doc, bytes, batch });
    this.startHeartbeat();
    if (this.closed) await this.releaseHeld();
  }

  /** Records of ours acknowledged and not deleted yet (still in the collection). */
  private undeleted(): number {
    let count = this.inDelete;
    for (const batch of this.batches) count += batch.acked.length;
    return count;
  }

  /** Writes this consumer's heartbeat (at most every tenth of the claim timeout). */
  private async beat(claims: Collection<Document>, force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastBeat < this.settings.claimTimeoutMs / 10) return;
    this.lastBeat = now;
    await claims.updateOne(
      idIs(`${CONSUMER_PREFIX}${this.settings.consumerName}`),
      { $set: { consumer: this.settings.consumerName, at: new Date(now) } },
      { upsert: true },
    );
  }

  /** Removes the claims of consumers whose heartbeat stopped, so their records are dispatched again. */
  private async reclaimExpired(claims: Collection<Document>): Promise<void> {
    const cutoff = Date.now() - this.settings.claimTimeoutMs;
    const live = new Set<string>();
    const deadBeats: unknown[] = [];
    for (const beat of await claims.find({ consumer: { $exists: true } }).toArray()) {
      const at = beat.at instanceof Date ? beat.at.getTime() : 0;
      if (at >= cutoff) live.add(String(beat.consumer));
      else deadBeats.push(beat._id);
    }
    live.add(this.settings.consumerName);
    const stale: unknown[] = [];
    for (const claim of await claims
      .find({ by: { $exists: true } }, { projection: { _id: 1, by: 1, at: 1 } })
      .toArray()) {
      const at = claim.at instanceof Date ? claim.at.getTime() : 0;
      if (!live.has(String(claim.by)) && at < cutoff) stale.push(claim._id);
    }
    if (stale.length > 0) await claims.deleteMany({ _id: { $in: stale } } as Filter<Document>);
    if (deadBeats.length > 0) await claims.deleteMany({ _id: { $in: deadBeats } } as Filter<Document>);
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flushAcks().catch((error: unknown) => this.report(error));
    }, 20);
    this.flushTimer.unref();
  }

  /** Deletes the records of every fully acknowledged batch (one command per batch), then old claims. */
  private flushAcks(): Promise<void> {
    this.flushing = this.flushing.catch(() => undefined).then(() => this.settleBatches(false));
    return this.flushing;
  }

  private async settleBatches(partial: boolean, dropTombstones = true): Promise<void> {
    for (const batch of [...this.batches]) {
      if (batch.open.size > 0 && !partial) continue;
      if (batch.acked.length > 0) {
        const { collection } = await this.connect();
        const ids = batch.acked.splice(0);
        this.inDelete += ids.length;
        try {
          // By id ($in), never by range: with several producers, a range can hold
          // records that this subscriber never read.
          await collection.deleteMany({ ...idsIn(ids), ...this.recordFilter() });
        } catch (error) {
          batch.acked.unshift(...ids);
          throw error;
        } finally {
          this.inDelete -= ids.length;
        }
        this.tombstones.push({ ids, at: Date.now() });
      }
      if (batch.open.size === 0) this.batches.delete(batch);
    }
    if (dropTombstones) await this.dropTombstones(partial);
    if (this.batches.size === 0 && this.tombstones.length === 0) this.stopHeartbeat();
  }

  /** Deletes the claims of deleted records once they cannot matter any more. */
  private async dropTombstones(all: boolean): Promise<void> {
    const now = Date.now();
    // A read of the head that started before a record was deleted may still
    // claim it: its tombstone stays until that read is over.
    const started = this.readStartedAt;
    const due = this.tombstones.filter(
      (t) => all || (now - t.at >= TOMBSTONE_MS && (started === null || t.at <= started)),
    );
    if (due.length === 0) return;
    const ids = due.flatMap((t) => t.ids);
    const claims = await this.claims();
    await claims.deleteMany({ _id: { $in: ids }, by: this.settings.consumerName } as Filter<Document>);
    for (const t of due) this.tombstones.splice(this.tombstones.indexOf(t), 1);
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(
      () => {
        void (async () => {
          await this.beat(await this.claims(), true);
          await this.flushAcks();
        })().catch((error: unknown) => this.report(error));
      },
      Math.max(50, Math.floor(this.settings.claimTimeoutMs / 3)),
    );
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /**
   * Acknowledged records are deleted; the claims of the rest (not
   * acknowledged) are dropped, so they go back to the queue. The claims of
   * records just deleted are dropped last, once no read of the head by another
   * live subscriber can still hold them (see {@link outliveReads}).
   */
  private async releaseHeld(): Promise<void> {
    this.buffer.length = 0;
    await this.flushing.catch(() => undefined);
    await this.settleBatches(true, false);
    const claims = await this.claims();
    const gone = this.tombstones.flatMap((t) => t.ids);
    await claims.deleteMany({ by: this.settings.consumerName, _id: { $nin: gone } } as unknown as Filter<Document>);
    await this.outliveReads(claims);
    await claims.deleteMany({ by: this.settings.consumerName });
    await claims.deleteMany(idIs(`${CONSUMER_PREFIX}${this.settings.consumerName}`));
    this.batches.clear();
    this.tombstones.length = 0;
    this.stopHeartbeat();
  }

  /**
   * Waits until the newest tombstone is {@link TOMBSTONE_MS} old when another
   * subscriber is live: a read of the head it started before our delete may
   * still return those records, and without our claims it would take them
   * again. Any such read began after that subscriber's last heartbeat, so
   * with no other live heartbeat there is nothing to wait for.
   */
  private async outliveReads(claims: Collection<Document>): Promise<void> {
    const newest = this.tombstones.reduce((at, t) => Math.max(at, t.at), 0);
    const wait = newest + TOMBSTONE_MS - Date.now();
    if (wait <= 0) return;
    const cutoff = new Date(Date.now() - this.settings.claimTimeoutMs);
    const others = await claims.countDocuments({
      consumer: { $exists: true, $ne: this.settings.consumerName },
      at: { $gte: cutoff },
    });
    if (others > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.stopHeartbeat();
    await this.claiming?.catch(() => undefined);
    if (this.lastBeat > 0) await this.releaseHeld();
  }
}

/** The filter of a set of ids. */
function idsIn(ids: readonly unknown[]): Filter<Document> {
  return { _id: { $in: ids } } as unknown as Filter<Document>;
}

/** The filter of one id of any type. */
function idIs(id: unknown): Filter<Document> {
  return { _id: id } as unknown as Filter<Document>;
}

/** A document read from the head, with its BSON size. */
interface Candidate {
  readonly doc: Document;
  readonly bytes: number;
}

/** kombu's order: lower stored priority first (stable, so insertion order within a priority). */
function byPriority({ doc: a }: Candidate, { doc: b }: Candidate): number {
  const pa = typeof a.priority === 'number' ? a.priority : 0;
  const pb = typeof b.priority === 'number' ? b.priority : 0;
  return pa - pb;
}

/** Where the work queue moves documents that are not records: `<collection>.malformed`. */
export function malformedCollection(collection: string): string {
  return `${collection}.malformed`;
}

/** A consumer name unique enough for claim tokens: host, pid and random bits. */
export function defaultConsumerName(): string {
  return `${process.env.HOSTNAME ?? 'host'}:${process.pid}:${new ObjectId().toHexString().slice(-8)}`;
}
