import { abortableSleep } from '@logq/core';
import { type Document, type Filter, ObjectId, type UpdateFilter } from 'mongodb';
import { BOOKKEEPING_FIELD } from './documents.js';
import { type DocumentReader, type ReaderConnection, type ReceivedDocument, raceAbort, remainingMs } from './reader.js';
import type { AckMode, MongoFormat } from './options.js';

const STATE = `${BOOKKEEPING_FIELD}.state`;
const BY = `${BOOKKEEPING_FIELD}.by`;
const AT = `${BOOKKEEPING_FIELD}.at`;

/** Settings of a {@link WorkQueueReader}. */
export interface WorkQueueSettings {
  readonly format: MongoFormat;
  readonly queue: string;
  readonly ackMode: AckMode;
  readonly prefetch: number;
  readonly claimTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly consumerName: string;
}

/** Documents claimed in one round trip, under one token. */
interface ClaimBatch {
  readonly token: string;
  /** The claimed ids, in delivery order. */
  readonly ids: unknown[];
  /** Smallest and largest id when every id is an ObjectId (range filters scan less); else null. */
  readonly range: { readonly min: ObjectId; readonly max: ObjectId } | null;
  /** Ids not yet acknowledged or rejected. */
  readonly open: Set<string>;
  /** Ids acknowledged, waiting for the batched delete/mark. */
  readonly acked: unknown[];
  /** Whether it was finished (deleted/marked/released) on the server. */
  settled: boolean;
}

/**
 * The work-queue mode: claim-and-acknowledge on ordinary documents.
 *
 * A claim takes up to `prefetch` ready documents in one go: it reads their
 * ids, sets `_logq: {state: 'claimed', by: token, at: now}` on those still
 * ready with one `updateMany` (each document's update is atomic, so two
 * subscribers never own the same one), and reads back the documents carrying
 * its token. Acknowledged documents are deleted (or marked `done`) in one
 * command per claim batch. A live subscriber renews its claims every third of
 * `claimTimeoutMs`; claims older than that (their subscriber died) are
 * released, so the records are dispatched again (at-least-once).
 */
export class WorkQueueReader implements DocumentReader {
  private readonly buffer: { doc: Document; batch: ClaimBatch }[] = [];
  private readonly batches = new Set<ClaimBatch>();
  private claiming: Promise<void> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private lastReclaim = 0;
  private sequence = 0;
  private closed = false;

  constructor(
    private readonly connect: () => Promise<ReaderConnection>,
    private readonly settings: WorkQueueSettings,
    private readonly report: (error: unknown) => void,
  ) {}

  /** The filter of documents that no subscriber holds. */
  private readyFilter(): Filter<Document> {
    const ready: Filter<Document> = { [STATE]: { $exists: false } };
    return this.settings.format === 'kombu' ? { queue: this.settings.queue, ...ready } : ready;
  }

  async next(timeoutMs: number | null, signal: AbortSignal): Promise<ReceivedDocument | null> {
    const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
    let pause = 5;
    for (;;) {
      const item = this.buffer.shift();
      if (item) return this.received(item.doc, item.batch);
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

  private received(doc: Document, batch: ClaimBatch): ReceivedDocument {
    const key = String(doc._id);
    let done = false;
    return {
      doc,
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
        batch.open.delete(key);
        const { collection } = await this.connect();
        // Set aside as a dead letter: kept for inspection, never claimed again.
        await collection.updateOne({ _id: doc._id, [BY]: batch.token }, { $set: { [STATE]: 'rejected', [AT]: new Date() } });
        if (batch.open.size === 0) this.scheduleFlush();
      },
    };
  }

  private async claim(): Promise<void> {
    const { collection } = await this.connect();
    await this.flushAcks();
    const now = Date.now();
    if (now - this.lastReclaim > this.settings.claimTimeoutMs / 2) {
      this.lastReclaim = now;
      await this.reclaimExpired();
    }
    const found = await collection.find(this.readyFilter(), { projection: { _id: 1 }, limit: this.settings.prefetch }).toArray();
    if (found.length === 0) return;
    const token = `${this.settings.consumerName}:${++this.sequence}`;
    const ids = found.map((d) => d._id as unknown);
    const range = objectIdRange(ids);
    const scope = idScope(range, ids);
    await collection.updateMany({ ...scope, ...this.readyFilter() }, { $set: { [STATE]: 'claimed', [BY]: token, [AT]: new Date() } });
    const docs = await collection.find({ ...scope, [BY]: token, [STATE]: 'claimed' }).toArray();
    if (docs.length === 0) return;
    docs.sort(this.settings.format === 'kombu' ? byPriorityThenId : byId);
    const claimedIds = docs.map((d) => d._id as unknown);
    const batch: ClaimBatch = {
      token,
      ids: claimedIds,
      range: objectIdRange(claimedIds),
      open: new Set(claimedIds.map(String)),
      acked: [],
      settled: false,
    };
    this.batches.add(batch);
    for (const doc of docs) this.buffer.push({ doc, batch });
    this.startHeartbeat();
    if (this.closed) await this.releaseHeld();
  }

  /** Releases claims whose subscriber stopped renewing them. */
  private async reclaimExpired(): Promise<void> {
    const { collection } = await this.connect();
    const cutoff = new Date(Date.now() - this.settings.claimTimeoutMs);
    await collection.updateMany({ [STATE]: 'claimed', [AT]: { $lt: cutoff } }, releaseUpdate());
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flushAcks().catch((error: unknown) => this.report(error));
    }, 20);
    this.flushTimer.unref();
  }

  /** Deletes (or marks) the documents of every fully acknowledged batch. One command per batch. */
  private flushAcks(): Promise<void> {
    this.flushing = this.flushing.catch(() => undefined).then(() => this.settleBatches(false));
    return this.flushing;
  }

  private async settleBatches(partial: boolean): Promise<void> {
    for (const batch of [...this.batches]) {
      if (batch.settled) continue;
      if (batch.open.size > 0 && !partial) continue;
      if (batch.acked.length > 0) {
        const { collection } = await this.connect();
        const whole = batch.open.size === 0 && batch.acked.length === batch.ids.length && batch.range;
        const scope = idScope(whole ? batch.range : null, batch.acked);
        const filter = { ...scope, [BY]: batch.token, [STATE]: 'claimed' };
        if (this.settings.ackMode === 'mark') {
          await collection.updateMany(filter, { $set: { [STATE]: 'done', [AT]: new Date() } });
        } else {
          await collection.deleteMany(filter);
        }
      }
      if (batch.open.size === 0) {
        batch.settled = true;
        this.batches.delete(batch);
      }
    }
    if (this.batches.size === 0) this.stopHeartbeat();
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      this.renewClaims().catch((error: unknown) => this.report(error));
    }, Math.max(50, Math.floor(this.settings.claimTimeoutMs / 3)));
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** Keeps the claims of held batches alive. */
  private async renewClaims(): Promise<void> {
    if (this.batches.size === 0) return;
    const { collection } = await this.connect();
    for (const batch of this.batches) {
      if (batch.settled) continue;
      const scope = idScope(batch.range, batch.ids);
      await collection.updateMany({ ...scope, [BY]: batch.token, [STATE]: 'claimed' }, { $set: { [AT]: new Date() } });
    }
  }

  /** Acknowledged records are settled; the rest (claimed, not acknowledged) go back to the queue. */
  private async releaseHeld(): Promise<void> {
    this.buffer.length = 0;
    await this.flushing.catch(() => undefined);
    await this.settleBatches(true);
    const { collection } = await this.connect();
    for (const batch of [...this.batches]) {
      const open = batch.ids.filter((id) => batch.open.has(String(id)));
      if (open.length > 0) await collection.updateMany({ ...idScope(null, open), [BY]: batch.token, [STATE]: 'claimed' }, releaseUpdate());
      batch.settled = true;
      this.batches.delete(batch);
    }
    this.stopHeartbeat();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.stopHeartbeat();
    await this.claiming?.catch(() => undefined);
    if (this.batches.size > 0) await this.releaseHeld();
  }
}

/** The filter of a set of ids: an `_id` range when given (one range scan), else `$in`. */
function idScope(range: { readonly min: ObjectId; readonly max: ObjectId } | null, ids: readonly unknown[]): Filter<Document> {
  return (range ? { _id: { $gte: range.min, $lte: range.max } } : { _id: { $in: ids } }) as Filter<Document>;
}

/** Puts claimed documents back in the queue. */
function releaseUpdate(): UpdateFilter<Document> {
  return { $unset: { [STATE]: '', [BY]: '', [AT]: '' } };
}

/** The smallest and largest of a list of ObjectIds, or null when some id is not an ObjectId. */
function objectIdRange(ids: readonly unknown[]): { min: ObjectId; max: ObjectId } | null {
  let min: ObjectId | null = null;
  let max: ObjectId | null = null;
  for (const id of ids) {
    if (!(id instanceof ObjectId)) return null;
    if (!min || compareIds(id, min) < 0) min = id;
    if (!max || compareIds(id, max) > 0) max = id;
  }
  return min && max ? { min, max } : null;
}

function compareIds(a: unknown, b: unknown): number {
  if (a instanceof ObjectId && b instanceof ObjectId) return Buffer.compare(a.id, b.id);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function byId(a: Document, b: Document): number {
  return compareIds(a._id, b._id);
}

function byPriorityThenId(a: Document, b: Document): number {
  const pa = typeof a.priority === 'number' ? a.priority : 0;
  const pb = typeof b.priority === 'number' ? b.priority : 0;
  return pa - pb || compareIds(a._id, b._id);
}

/** A consumer name unique enough for claim tokens: host, pid and random bits. */
export function defaultConsumerName(): string {
  return `${process.env.HOSTNAME ?? 'host'}:${process.pid}:${new ObjectId().toHexString().slice(-8)}`;
}
