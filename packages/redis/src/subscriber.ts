import { AsyncQueue, FrameSubscriber, type LogRecord, type RawFrame, abortableSleep, decodeRecord, redactUri } from '@logq/core';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { type RedisTarget, closeOwned, createClient, guardSockets, redactError } from './connection.js';
import { RedisOptionsError, RedisTransportError } from './errors.js';
import { DEFAULT_REDIS_URI, STREAM_FIELD } from './handler.js';
import { unwrapKombu } from './kombu.js';
import type { RedisQueueFormat, RedisQueueMode, RedisSubscriberOptions } from './options.js';
import { type StreamEntry, parseClaimReply, parseReadReply } from './stream-reply.js';

/** Most time a non-blocking receive (`recv(0)`) waits for Redis to answer, in ms. */
const NON_BLOCKING_CAP_MS = 1_000;

/**
 * Receives records that {@link RedisQueueHandler} (or Python Logbook, with
 * `format: 'kombu'`) put in Redis.
 *
 * **List mode** (default): takes up to `batchSize` records per round trip
 * with `LPOP key count` and waits with BLPOP (on a connection of its own)
 * only when the list is empty. When the last LPOP came back full (the list
 * holds more) and half of what it took has been received, the next LPOP
 * (for the other half) is already on its way, so the round trip overlaps
 * with decoding and dispatch; the subscriber never holds more than
 * `batchSize` records, counting an LPOP in flight. Records taken but not yet
 * returned by `recv()` stay in a local queue; `close()` puts them back at
 * the head of the list. A record is gone from Redis once taken: if the
 * subscriber's process dies, the records it had taken and not dispatched (at
 * most `batchSize`) are lost — at-most-once.
 *
 * **Stream mode**: reads through a consumer group (`XREADGROUP ... COUNT
 * BLOCK`), acknowledges each record (XACK, batched) after it was
 * dispatched, and claims entries left pending by a dead consumer
 * (XAUTOCLAIM after `minIdleMs`). Several subscribers with the same group
 * share the work; nothing is lost, a record may come twice — at-least-once.
 * Malformed entries are acknowledged (and copied to `deadLetterKey` when set)
 * and counted.
 */
export class RedisSubscriber extends FrameSubscriber {
  /** The URI, with any password replaced by `***`. */
  readonly uri: string;
  /** The list or stream key. */
  readonly key: string;
  /** List or stream. */
  readonly mode: RedisQueueMode;
  /** Item envelope. */
  readonly wireFormat: RedisQueueFormat;
  /** Stream mode: the consumer group. */
  readonly group: string;
  /** Stream mode: this subscriber's consumer name. */
  readonly consumer: string;
  private readonly target: RedisTarget;
  private readonly options: RedisSubscriberOptions;
  private readonly ownClient: boolean;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly minIdleMs: number;
  private readonly claimIntervalMs: number;
  private readonly maxBytes: number;
  private main: Redis | null;
  private blocking: Redis | null = null;
  private blockingId: number | null = null;
  /** List mode: the last LPOP came back full, so the list likely holds more: fetch ahead (see {@link prefetchBelow}). */
  private backlog = false;
  /** List mode: the LPOP in flight, if any. */
  private listPop: Promise<number> | null = null;
  /** List mode: a BLPOP is in flight (it may bring one record). */
  private blockingPop = false;
  /** List mode: with a backlog, the next LPOP goes out once fewer records than this are queued locally. */
  private readonly prefetchBelow: number;
  private readonly local = new AsyncQueue<RawFrame>();
  private demand = 0;
  private looping: Promise<void> | null = null;
  private failures = 0;
  private groupReady = false;
  private ownPendingRead = false;
  private ownPendingFrom = '0';
  private lastClaim = 0;
  private claimCursor = '0-0';
  private pendingAcks: string[] = [];
  /** Stream mode: ids queued locally or delivered and not yet acknowledged (never taken twice by this consumer). */
  private readonly inHand = new Set<string>();
  private ackTimer: NodeJS.Immediate | null = null;
  private acking: Promise<void> = Promise.resolve();
  private outage = false;

  constructor(uri: string = DEFAULT_REDIS_URI, options: RedisSubscriberOptions = {}) {
    super(options);
    this.uri = redactUri(uri);
    this.target = { uri };
    this.options = options;
    this.key = options.key ?? 'logging';
    this.mode = options.mode ?? 'list';
    this.wireFormat = options.format ?? 'logq';
    if (this.wireFormat === 'kombu' && this.mode !== 'list') throw new RedisOptionsError("format 'kombu' works with mode 'list' only");
    this.group = options.group ?? 'logq';
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.batchSize = Math.max(1, options.batchSize ?? 256);
    this.prefetchBelow = Math.ceil(this.batchSize / 2);
    this.blockMs = Math.max(10, options.blockMs ?? 1_000);
    this.minIdleMs = Math.max(0, options.minIdleMs ?? 30_000);
    this.claimIntervalMs = Math.max(10, options.claimIntervalMs ?? Math.min(this.minIdleMs, 5_000));
    this.maxBytes = options.maxRecordBytes ?? 1024 * 1024;
    this.ownClient = options.client === undefined;
    this.main = options.client ?? null;
  }

  /** Records taken from Redis and not yet returned by a receive. */
  get buffered(): number {
    return this.local.length;
  }

  protected override decode(data: string | Uint8Array): LogRecord {
    if (this.wireFormat === 'kombu') return decodeRecord(unwrapKombu(data, this.maxBytes), this.decodeOptions);
    return super.decode(data);
  }

  protected override pollFrame(): RawFrame | null {
    const ready = this.local.poll();
    // List mode: fetch the next batch while this one is being decoded and dispatched.
    if (ready !== null && this.backlog && this.looping === null && this.local.length < this.prefetchBelow) this.ensureLoop();
    return ready;
  }

  protected receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    const ready = this.pollFrame();
    if (ready !== null) return Promise.resolve(ready);
    if (this.closed) return Promise.resolve(null);
    return this.waitFrame(timeoutMs, signal);
  }

  /** receiveFrame when nothing is queued locally. */
  private async waitFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    if (timeoutMs === 0) {
      // One non-blocking look at Redis; whatever it takes lands in the local queue.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.fetch(false).catch((error: unknown) => this.reportError(error)),
        new Promise((resolve) => {
          timer = setTimeout(resolve, NON_BLOCKING_CAP_MS);
        }),
      ]);
      clearTimeout(timer);
      return this.local.poll();
    }
    this.demand++;
    try {
      this.ensureLoop();
      return await this.local.take(timeoutMs, signal);
    } finally {
      this.demand--;
    }
  }

  private ensureLoop(): void {
    if (this.looping !== null || this.closed) return;
    this.looping = this.loop().finally(() => {
      this.looping = null;
      if (this.demand > 0 && this.local.length === 0 && !this.closed) this.ensureLoop();
    });
  }

  /**
   * Fetches from Redis while someone waits and nothing is queued locally, and
   * (list mode) while the list has a backlog and less than half a batch is queued.
   */
  private async loop(): Promise<void> {
    const stop = this.closeController.signal;
    while (!stop.aborted && ((this.demand > 0 && this.local.length === 0) || (this.backlog && this.local.length < this.prefetchBelow))) {
      try {
        const got = await this.fetch(false);
        if (got === 0 && this.demand > 0 && !stop.aborted) await this.fetch(true);
        this.failures = 0;
      } catch (error) {
        this.backlog = false;
        if (stop.aborted) break;
        if (error instanceof RedisTransportError && /NOGROUP/.test(error.message)) this.groupReady = false;
        this.reportError(error);
        this.failures++;
        await abortableSleep(Math.min(100 * 2 ** Math.min(this.failures, 5), 2_000), stop);
      }
    }
  }

  private client(): Redis {
    if (this.main === null) {
      this.main = createClient(this.target, this.options, true);
      this.watch(this.main);
    }
    return this.main;
  }

  private blockingClient(): Redis {
    if (this.blocking === null) {
      if (this.ownClient) {
        this.blocking = createClient(this.target, this.options, true);
      } else {
        this.blocking = this.main!.duplicate({ lazyConnect: true, maxRetriesPerRequest: null });
        guardSockets(this.blocking);
      }
      // A new connection has a new id.
      this.blocking.on('close', () => {
        this.blockingId = null;
      });
      this.watch(this.blocking);
    }
    return this.blocking;
  }

  /** Reports the first error of each outage (ioredis reconnects by itself). */
  private watch(client: Redis): void {
    if (!this.ownClient && client === this.main) return;
    let lost = false;
    client.on('error', (error: unknown) => {
      lost = true;
      if (this.outage || this.closed) return;
      this.outage = true;
      this.reportError(new RedisTransportError(`connection to ${this.uri} lost; reconnecting`, redactError(error, this.target)));
    });
    client.on('close', () => {
      lost = true;
    });
    client.on('ready', () => {
      // A read whose reply was lost left entries pending for this consumer: take them back now.
      if (lost) this.ownPendingRead = false;
      lost = false;
      this.outage = false;
    });
  }

  /** Takes what Redis has into the local queue; `block` waits up to `blockMs`. Resolves how many frames were queued. */
  private async fetch(block: boolean): Promise<number> {
    try {
      if (this.mode === 'stream') return await this.fetchStream(block);
      return await this.fetchList(block);
    } catch (error) {
      if (error instanceof RedisTransportError) throw error;
      throw new RedisTransportError(`reading ${this.key} from ${this.uri} failed`, redactError(error, this.target));
    }
  }

  private async fetchList(block: boolean): Promise<number> {
    if (!block) {
      // One LPOP at a time: a second look joins the one in flight.
      this.listPop ??= this.popList().finally(() => {
        this.listPop = null;
      });
      return this.listPop;
    }
    this.backlog = false;
    const blocking = this.blockingClient();
    // The blocking connection's id, for CLIENT UNBLOCK on close; asked once per connection.
    const id = this.blockingId === null ? (blocking.client('ID') as Promise<number>) : null;
    const pop = this.wireFormat === 'kombu' ? blocking.brpopBuffer(this.key, this.blockMs / 1000) : blocking.blpopBuffer(this.key, this.blockMs / 1000);
    this.blockingPop = true;
    try {
      if (id !== null) this.blockingId = await id;
      const reply = await pop;
      if (!reply) return 0;
      this.local.push({ data: reply[1] });
      return 1;
    } finally {
      this.blockingPop = false;
    }
  }

  /** LPOP (kombu: RPOP) of what is left of batchSize: queued locally plus in flight never exceeds it (the most a crash loses). */
  private async popList(): Promise<number> {
    const count = this.batchSize - this.local.length - (this.blockingPop ? 1 : 0);
    if (count <= 0) return 0;
    const client = this.client();
    const items = this.wireFormat === 'kombu' ? await client.rpopBuffer(this.key, count) : await client.lpopBuffer(this.key, count);
    if (!items) {
      this.backlog = false;
      return 0;
    }
    const list = Array.isArray(items) ? items : [items];
    this.backlog = list.length >= count;
    for (const data of list) this.local.push({ data });
    return list.length;
  }

  private async ensureGroup(client: Redis): Promise<void> {
    if (this.groupReady) return;
    try {
      await client.xgroup('CREATE', this.key, this.group, this.options.groupStartId ?? '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && /BUSYGROUP/.test(error.message))) throw error;
    }
    this.groupReady = true;
  }

  private async fetchStream(block: boolean): Promise<number> {
    const client = this.client();
    await this.ensureGroup(client);
    if (!block) {
      let queued = 0;
      if (!this.ownPendingRead) {
        // Entries this consumer name took in an earlier life and never acknowledged.
        const reply = await client.xreadgroupBuffer('GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'STREAMS', this.key, this.ownPendingFrom);
        const entries = parseReadReply(reply, STREAM_FIELD);
        queued += this.queueEntries(entries);
        if (entries.length < this.batchSize) {
          this.ownPendingRead = true;
          this.ownPendingFrom = '0';
        } else {
          this.ownPendingFrom = entries[entries.length - 1]!.id;
        }
        if (queued > 0) return queued;
      }
      if (Date.now() - this.lastClaim >= this.claimIntervalMs) {
        queued += await this.claim(client);
        if (queued > 0) return queued;
      }
      const acks = this.flushAcks();
      const reply = await client.xreadgroupBuffer('GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'STREAMS', this.key, '>');
      await acks;
      return this.queueEntries(parseReadReply(reply, STREAM_FIELD));
    }
    await this.flushAcks();
    const blocking = this.blockingClient();
    const wait = Math.min(this.blockMs, this.claimIntervalMs);
    const id = blocking.client('ID') as Promise<number>;
    const read = blocking.xreadgroupBuffer('GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'BLOCK', wait, 'STREAMS', this.key, '>');
    this.blockingId = await id;
    return this.queueEntries(parseReadReply(await read, STREAM_FIELD));
  }

  /** Claims entries idle longer than minIdleMs in any consumer of the group. */
  private async claim(client: Redis): Promise<number> {
    this.lastClaim = Date.now();
    const reply = await client.callBuffer('XAUTOCLAIM', this.key, this.group, this.consumer, this.minIdleMs, this.claimCursor, 'COUNT', this.batchSize);
    const { cursor, entries } = parseClaimReply(reply, STREAM_FIELD);
    this.claimCursor = cursor;
    // More to look at: come back at once rather than after the interval.
    if (cursor !== '0-0') this.lastClaim = 0;
    return this.queueEntries(entries);
  }

  private queueEntries(entries: readonly StreamEntry[]): number {
    let queued = 0;
    for (const entry of entries) {
      if (entry.data === null) {
        // Deleted (trimmed) while pending: nothing to deliver.
        this.ack(entry.id);
        continue;
      }
      const id = entry.id;
      const data = entry.data;
      if (this.inHand.has(id)) continue;
      this.inHand.add(id);
      this.local.push({ data, ack: () => this.ack(id), reject: () => this.deadLetter(id, data) });
      queued++;
    }
    return queued;
  }

  /** Queues an XACK; acknowledgements go out in batches, at the latest right after this turn of the event loop. */
  private ack(id: string): void {
    this.inHand.delete(id);
    this.pendingAcks.push(id);
    if (this.pendingAcks.length >= this.batchSize) {
      void this.flushAcks();
      return;
    }
    this.ackTimer ??= setImmediate(() => {
      this.ackTimer = null;
      void this.flushAcks();
    });
  }

  private flushAcks(): Promise<void> {
    if (this.pendingAcks.length === 0) return this.acking;
    const ids = this.pendingAcks;
    this.pendingAcks = [];
    const client = this.main;
    if (client === null) return this.acking;
    this.acking = this.acking.then(async () => {
      try {
        await client.xack(this.key, this.group, ...ids);
      } catch (error) {
        if (this.closed) return;
        // Acknowledged later; until then the entries stay pending (and may be claimed: at-least-once).
        this.pendingAcks.push(...ids);
        this.reportError(new RedisTransportError(`XACK on ${this.key} failed`, redactError(error, this.target)));
      }
    });
    return this.acking;
  }

  private async deadLetter(id: string, data: Buffer): Promise<void> {
    const dlq = this.options.deadLetterKey;
    if (dlq !== undefined && this.main !== null) {
      try {
        await this.main.xadd(dlq, '*', STREAM_FIELD, data, 'source', this.key, 'id', id);
      } catch (error) {
        this.reportError(new RedisTransportError(`copying malformed entry ${id} to ${dlq} failed`, redactError(error, this.target)));
      }
    }
    this.ack(id);
  }

  protected override async closeTransport(): Promise<void> {
    // Wake a blocked pop cleanly (CLIENT UNBLOCK: it returns as if timed out, taking nothing).
    const main = this.main;
    if (this.blocking !== null && this.blockingId !== null && main !== null && main.status === 'ready') {
      try {
        await withTimeout(main.client('UNBLOCK', this.blockingId), 1_000);
      } catch {
        // fall through to disconnecting it
      }
    }
    // A loop waiting on a healthy connection ends at once now; one waiting for a reconnect ends when the clients are dropped below.
    if (this.looping !== null && main !== null && main.status === 'ready') await withTimeout(this.looping, 2_000).catch(() => undefined);
    this.blocking?.disconnect();
    if (this.ackTimer) clearImmediate(this.ackTimer);
    if (main !== null && main.status === 'ready') {
      // An LPOP of a recv(0) may still be in flight: what it takes goes back too.
      if (this.listPop !== null) await withTimeout(this.listPop, 2_000).catch(() => undefined);
      if (this.mode === 'stream') await withTimeout(this.flushAcks(), 2_000).catch(() => undefined);
      else await this.returnTaken(main);
    }
    this.blocking = null;
    if (this.ownClient) await closeOwned(main);
    this.main = this.ownClient ? null : main;
  }

  /** List mode: puts records taken but never returned back where the next reader takes first. */
  private async returnTaken(client: Redis): Promise<void> {
    const left = this.local.drain();
    if (left.length === 0) return;
    const values = left.map((frame) => frame.data).reverse();
    try {
      if (this.wireFormat === 'kombu') await client.rpush(this.key, ...(values as Buffer[]));
      else await client.lpush(this.key, ...(values as Buffer[]));
    } catch (error) {
      this.reportError(new RedisTransportError(`${left.length} record(s) taken from ${this.key} could not be put back and are lost`, redactError(error, this.target)));
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
