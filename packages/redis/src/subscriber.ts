import { AsyncQueue, FrameSubscriber, type LogRecord, type RawFrame, abortableSleep, decodeRecord } from '@logq/core';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { RedisLink, type RedisTarget, ownedLink, resolveTarget, transportError } from './connection.js';
import { RedisTransportError } from './errors.js';
import { DEFAULT_REDIS_URI, STREAM_FIELD } from './handler.js';
import { unwrapKombu } from './kombu.js';
import type { RedisConnectionOptions, RedisQueueFormat, RedisQueueMode, RedisSubscriberOptions } from './options.js';
import { resolveQueue } from './queue-options.js';
import { type StreamEntry, asBuffers, parseClaimReply, parseReadReply } from './stream-reply.js';

/** Most time a non-blocking receive (`recv(0)`) waits for Redis to answer, in ms. */
const NON_BLOCKING_CAP_MS = 1_000;

/** List mode: most items of the first pop after the list was empty (their sizes are not known yet). */
const FIRST_POP = 1;

/**
 * Receives records that {@link RedisQueueHandler} or Python Logbook's
 * `MessageQueueHandler('redis://...')` put in Redis. With the defaults it
 * reads kombu's Redis format from the list `logging`, as Logbook's
 * `MessageQueueSubscriber('redis://...')` does.
 *
 * **List mode** (default): takes records in batches (`LPOP key count`; kombu:
 * `RPOP`, the end kombu consumers take from) and waits with BLPOP/BRPOP (on
 * a connection of its own) only when the list is empty. A batch is bounded in
 * count (`batchSize`) and in bytes (`batchBytes`, judged from the items just
 * read; the first pop after the list was empty takes one item). When the
 * last pop came back full and half of it has been received, the next one is
 * already on its way. Records taken but not yet returned stay in a local
 * queue; `close()` puts them back at the head of the list. A record is gone
 * from Redis once taken: if the subscriber's process dies, the records it had
 * taken and not dispatched (at most `batchSize`) are lost — at-most-once.
 *
 * **Stream mode**: reads through a consumer group (`XREADGROUP ... COUNT
 * BLOCK`), acknowledges each record (XACK, batched) after it was
 * dispatched, and claims entries left pending by a dead consumer
 * (XAUTOCLAIM after `minIdleMs`). Several subscribers with the same group
 * share the work; nothing is lost, a record may come twice — at-least-once.
 *
 * Malformed or foreign items are never dropped: they are moved to
 * `malformedKey` (default `<key>.malformed`), counted (`stats.malformed`)
 * and reported to `onError`.
 *
 * A subscriber keeps the process alive while it is receiving (a pending
 * `recv`, a dispatch loop); an idle or closed one does not.
 */
export class RedisSubscriber extends FrameSubscriber {
  /** The URI, with any password replaced by `***` (a cluster: `redis-cluster://host:port,...`). */
  readonly uri: string;
  /** The list or stream key (Logbook's queue name). */
  readonly key: string;
  /** List or stream. */
  readonly mode: RedisQueueMode;
  /** Item envelope. */
  readonly wireFormat: RedisQueueFormat;
  /** Stream mode: the consumer group. */
  readonly group: string;
  /** Stream mode: this subscriber's consumer name. */
  readonly consumer: string;
  /** Where malformed or foreign items are moved. */
  readonly malformedKey: string;
  readonly #target: RedisTarget;
  readonly #connection: RedisConnectionOptions;
  readonly #groupStartId: string;
  private readonly batchSize: number;
  private readonly batchBytes: number;
  private readonly blockMs: number;
  private readonly minIdleMs: number;
  private readonly claimIntervalMs: number;
  private readonly maxBytes: number;
  #main: RedisLink | null;
  #blocking: RedisLink | null = null;
  private blockingId: number | null = null;
  /** Most items of the next pop or stream read, from the sizes of the items just read (bytes-bounded read-ahead). */
  private popWindow = FIRST_POP;
  /** List mode: the last pop came back full, so the list likely holds more: fetch ahead (see {@link prefetchBelow}). */
  private backlog = false;
  /** List mode: the pop in flight, if any. */
  private listPop: Promise<number> | null = null;
  /** List mode: a blocking pop is in flight (it may bring one record). */
  private blockingPop = false;
  /** List mode: with a backlog, the next pop goes out once fewer records than this are queued locally. */
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
  /** Resolves once the last command written has queued what it brought (see {@link inTurn}). */
  private queueTurn: Promise<void> = Promise.resolve();

  constructor(uri?: string, options: RedisSubscriberOptions = {}) {
    super(options);
    const { target, shown } = resolveTarget(uri, options, DEFAULT_REDIS_URI);
    this.uri = shown;
    this.#target = target;
    this.#connection = { clientOptions: options.clientOptions, tls: options.tls, connectTimeoutMs: options.connectTimeoutMs };
    const queue = resolveQueue(options);
    this.key = queue.key;
    this.mode = queue.mode;
    this.wireFormat = queue.format;
    this.malformedKey = options.malformedKey ?? `${this.key}.malformed`;
    this.group = options.group ?? 'logq';
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.#groupStartId = options.groupStartId ?? '0';
    this.batchSize = Math.max(1, options.batchSize ?? 256);
    this.batchBytes = Math.max(1, options.batchBytes ?? 8 * 1024 * 1024);
    this.prefetchBelow = Math.ceil(this.batchSize / 2);
    this.blockMs = Math.max(10, options.blockMs ?? 1_000);
    this.minIdleMs = Math.max(0, options.minIdleMs ?? 30_000);
    this.claimIntervalMs = Math.max(10, options.claimIntervalMs ?? Math.min(this.minIdleMs, 5_000));
    this.maxBytes = options.maxRecordBytes ?? 1024 * 1024;
    this.#main = options.client !== undefined ? new RedisLink(options.client, false) : null;
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
    // Someone is receiving: the connections keep the process alive until this returns.
    if (this.demand++ === 0) this.holdLinks();
    try {
      this.ensureLoop();
      return await this.local.take(timeoutMs, signal);
    } finally {
      if (--this.demand === 0) this.releaseLinks();
    }
  }

  private holdLinks(): void {
    this.link().hold();
    if (this.#blocking !== null) this.#blocking.hold();
  }

  private releaseLinks(): void {
    this.#main?.release();
    this.#blocking?.release();
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

  /** The main connection (connecting it on first use; node-redis queues commands until it is ready). */
  private link(): RedisLink {
    if (this.#main === null) {
      this.#main = ownedLink(this.#target, this.#connection, true);
      this.watch(this.#main);
    }
    this.open(this.#main);
    return this.#main;
  }

  private blockingLink(): RedisLink {
    if (this.#blocking === null) {
      const blocking = this.#main !== null && !this.#main.owned ? this.#main.duplicate() : ownedLink(this.#target, this.#connection, true);
      this.#blocking = blocking;
      // A new connection has a new id.
      blocking.on('end', () => {
        if (this.#blocking === blocking) this.blockingId = null;
      });
      blocking.on('reconnecting', () => {
        if (this.#blocking === blocking) this.blockingId = null;
      });
      this.watch(blocking);
      if (this.demand > 0) blocking.hold();
    }
    this.open(this.#blocking);
    return this.#blocking;
  }

  /** Calls connect() once on a link that is not open; failures reach the commands queued on it (and the watch). */
  private open(link: RedisLink): void {
    if (!link.open && !this.closed) link.connect().catch(() => undefined);
  }

  /** Reports the first error of each outage (node-redis reconnects by itself). */
  private watch(link: RedisLink): void {
    if (!link.owned) return;
    let lost = false;
    link.on('error', (error: Error) => {
      lost = true;
      if (this.outage || this.closed) return;
      this.outage = true;
      this.reportError(transportError(`connection to ${this.uri} lost; reconnecting`, error, this.#target));
    });
    link.on('reconnecting', () => {
      lost = true;
    });
    link.on('ready', () => {
      // A read whose reply was lost left entries pending for this consumer: take them back now.
      if (lost) this.ownPendingRead = false;
      lost = false;
      this.outage = false;
    });
  }

  /** Takes what Redis has into the local queue; `block` waits up to `blockMs`. Resolves how many frames were queued. */
  private async fetch(block: boolean): Promise<number> {
    const main = this.link();
    main.hold();
    try {
      if (this.mode === 'stream') return await this.fetchStream(main, block);
      return await this.fetchList(main, block);
    } catch (error) {
      if (error instanceof RedisTransportError) throw error;
      throw transportError(`reading ${this.key} from ${this.uri} failed`, error, this.#target);
    } finally {
      main.release();
    }
  }

  private async fetchList(main: RedisLink, block: boolean): Promise<number> {
    if (!block) {
      // One pop at a time: a second look joins the one in flight.
      this.listPop ??= this.popList(main).finally(() => {
        this.listPop = null;
      });
      return this.listPop;
    }
    this.backlog = false;
    // The list was empty: the sizes of what comes next are not known.
    this.popWindow = Math.min(this.popWindow, FIRST_POP);
    const blocking = this.blockingLink();
    // A cluster client sends nothing before it knows the topology.
    await blocking.connect();
    // The blocking connection's id, for CLIENT UNBLOCK on close; asked once per connection (written with the pop).
    const id = this.blockingId === null ? settledLater(blocking.send(this.key, ['CLIENT', 'ID'])) : null;
    const pop = blocking.sendForBuffers(this.key, [this.wireFormat === 'kombu' ? 'BRPOP' : 'BLPOP', this.key, String(this.blockMs / 1000)]);
    const queued = settledLater(
      this.inTurn(pop, (reply) => {
        if (!Array.isArray(reply) || reply.length < 2) return 0;
        this.queueListItems([reply[1] as Buffer]);
        return 1;
      }),
    );
    this.blockingPop = true;
    try {
      if (id !== null) this.blockingId = Number(await id);
      return await queued;
    } finally {
      this.blockingPop = false;
    }
  }

  /**
   * LPOP (kombu: RPOP) of what is left of batchSize (queued locally plus in
   * flight never exceeds it: the most a crash loses), and no more than the
   * byte budget allows, judged from the largest item just read.
   */
  private async popList(main: RedisLink): Promise<number> {
    const room = this.batchSize - this.local.length - (this.blockingPop ? 1 : 0);
    const count = Math.min(room, this.popWindow);
    if (count <= 0) return 0;
    return this.inTurn(main.sendForBuffers(this.key, [this.wireFormat === 'kombu' ? 'RPOP' : 'LPOP', this.key, String(count)]), (reply) => {
      const items = asBuffers(reply);
      if (items.length === 0) {
        this.backlog = false;
        this.popWindow = Math.min(this.popWindow, FIRST_POP);
        return 0;
      }
      this.backlog = items.length >= count;
      this.queueListItems(items);
      return items.length;
    });
  }

  /**
   * Queues what a command brings in the order the commands were written, not
   * the order their replies come back: a blocking pop or read written first
   * (on its own connection) gets the first records, and a look that a
   * `recv(0)` wrote later must not overtake it.
   */
  private async inTurn<T>(issued: Promise<T>, queue: (reply: T) => number): Promise<number> {
    const previous = this.queueTurn;
    let done!: () => void;
    this.queueTurn = new Promise<void>((resolve) => (done = resolve));
    try {
      const reply = await issued;
      await previous;
      return queue(reply);
    } finally {
      done();
    }
  }

  /** Queues popped items, and sizes the next pop so that it brings about batchBytes at most. */
  private queueListItems(items: readonly Buffer[]): void {
    let largest = 1;
    for (const data of items) {
      if (data.length > largest) largest = data.length;
      this.local.push({ data, reject: () => this.moveAside(data) });
    }
    this.popWindow = Math.max(1, Math.min(this.batchSize, Math.floor(this.batchBytes / largest)));
  }

  /** List mode: a malformed or foreign item goes to the malformed list as it was, never dropped. */
  private async moveAside(data: Buffer): Promise<void> {
    const main = this.#main;
    if (main === null) return;
    main.hold();
    try {
      await main.send(this.malformedKey, ['RPUSH', this.malformedKey, data]);
    } catch (error) {
      this.reportError(transportError(`an item of ${this.key} that is not a record could not be moved to ${this.malformedKey} and is lost`, error, this.#target));
    } finally {
      main.release();
    }
  }

  private async ensureGroup(main: RedisLink): Promise<void> {
    if (this.groupReady) return;
    try {
      await main.send(this.key, ['XGROUP', 'CREATE', this.key, this.group, this.#groupStartId, 'MKSTREAM']);
    } catch (error) {
      if (!(error instanceof Error && /BUSYGROUP/.test(error.message))) throw error;
    }
    this.groupReady = true;
  }

  /** Stream mode: entries per read, bounded like list pops (batchSize, and batchBytes judged from the entries just read). */
  private readCount(): number {
    return Math.max(1, Math.min(this.batchSize, this.popWindow));
  }

  private async readGroup(link: RedisLink, from: string, count: number, blockMs?: number): Promise<StreamEntry[]> {
    const block = blockMs === undefined ? [] : ['BLOCK', String(blockMs)];
    const reply = await link.sendForBuffers(this.key, ['XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', String(count), ...block, 'STREAMS', this.key, from]);
    const entries = parseReadReply(reply, STREAM_FIELD);
    this.sizeWindow(entries);
    return entries;
  }

  /** Sizes the next read from the largest entry just read (an empty read: the next takes one). */
  private sizeWindow(entries: readonly StreamEntry[]): void {
    let largest = 0;
    for (const entry of entries) if (entry.data !== null && entry.data.length > largest) largest = entry.data.length;
    this.popWindow = entries.length === 0 ? FIRST_POP : Math.max(1, Math.min(this.batchSize, Math.floor(this.batchBytes / Math.max(1, largest))));
  }

  private async fetchStream(main: RedisLink, block: boolean): Promise<number> {
    await this.ensureGroup(main);
    if (!block) {
      let queued = 0;
      if (!this.ownPendingRead) {
        // Entries this consumer name took in an earlier life and never acknowledged.
        const count = this.readCount();
        queued += await this.inTurn(this.readGroup(main, this.ownPendingFrom, count), (entries) => {
          if (entries.length < count) {
            this.ownPendingRead = true;
            this.ownPendingFrom = '0';
          } else {
            this.ownPendingFrom = entries[entries.length - 1]!.id;
          }
          return this.queueEntries(entries);
        });
        if (queued > 0) return queued;
      }
      if (Date.now() - this.lastClaim >= this.claimIntervalMs) {
        queued += await this.claim(main);
        if (queued > 0) return queued;
      }
      const acks = this.flushAcks();
      const got = await this.inTurn(this.readGroup(main, '>', this.readCount()), (entries) => this.queueEntries(entries));
      await acks;
      return got;
    }
    await this.flushAcks();
    const blocking = this.blockingLink();
    await blocking.connect();
    const wait = Math.min(this.blockMs, this.claimIntervalMs);
    const id = settledLater(blocking.send(this.key, ['CLIENT', 'ID']));
    const queued = settledLater(this.inTurn(this.readGroup(blocking, '>', this.readCount(), wait), (entries) => this.queueEntries(entries)));
    this.blockingId = Number(await id);
    return queued;
  }

  /** Claims entries idle longer than minIdleMs in any consumer of the group. */
  private async claim(main: RedisLink): Promise<number> {
    this.lastClaim = Date.now();
    const claimed = main.sendForBuffers(this.key, ['XAUTOCLAIM', this.key, this.group, this.consumer, String(this.minIdleMs), this.claimCursor, 'COUNT', String(this.readCount())]);
    return this.inTurn(claimed, (reply) => {
      const { cursor, entries } = parseClaimReply(reply, STREAM_FIELD);
      if (entries.length > 0) this.sizeWindow(entries);
      this.claimCursor = cursor;
      // More to look at: come back at once rather than after the interval.
      if (cursor !== '0-0') this.lastClaim = 0;
      return this.queueEntries(entries);
    });
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
    const main = this.#main;
    if (main === null) return this.acking;
    this.acking = this.acking.then(async () => {
      try {
        await main.send(this.key, ['XACK', this.key, this.group, ...ids]);
      } catch (error) {
        if (this.closed) return;
        // Acknowledged later; until then the entries stay pending (and may be claimed: at-least-once).
        this.pendingAcks.push(...ids);
        this.reportError(transportError(`XACK on ${this.key} failed`, error, this.#target));
      }
    });
    return this.acking;
  }

  /** Stream mode: a malformed entry is copied to the malformed stream, then acknowledged. */
  private async deadLetter(id: string, data: Buffer): Promise<void> {
    const main = this.#main;
    if (main !== null) {
      try {
        await main.send(this.malformedKey, ['XADD', this.malformedKey, '*', STREAM_FIELD, data, 'source', this.key, 'id', id]);
      } catch (error) {
        // Left pending (not acknowledged): it is claimed and tried again later rather than lost.
        this.inHand.delete(id);
        this.reportError(transportError(`copying malformed entry ${id} to ${this.malformedKey} failed; it stays pending`, error, this.#target));
        return;
      }
    }
    this.ack(id);
  }

  protected override async closeTransport(): Promise<void> {
    // Wake a blocked pop cleanly (CLIENT UNBLOCK: it returns as if timed out, taking nothing).
    const main = this.#main;
    const blocking = this.#blocking;
    if (blocking !== null && this.blockingId !== null && main !== null && main.ready) {
      try {
        await withTimeout(main.send(this.key, ['CLIENT', 'UNBLOCK', String(this.blockingId)]), 1_000);
      } catch {
        // fall through to dropping it
      }
    }
    // A loop waiting on a healthy connection ends at once now; one waiting for a reconnect ends when the clients are dropped below.
    if (this.looping !== null && main !== null && main.ready) await withTimeout(this.looping, 2_000).catch(() => undefined);
    blocking?.destroy();
    if (this.ackTimer) clearImmediate(this.ackTimer);
    if (main !== null && main.ready) {
      // A pop of a recv(0) may still be in flight: what it takes goes back too.
      if (this.listPop !== null) await withTimeout(this.listPop, 2_000).catch(() => undefined);
      if (this.mode === 'stream') await withTimeout(this.flushAcks(), 2_000).catch(() => undefined);
      else await this.returnTaken(main);
    }
    this.#blocking = null;
    if (main !== null && main.owned) {
      await main.close();
      this.#main = null;
    }
  }

  /** List mode: puts records taken but never returned back where the next reader takes first. */
  private async returnTaken(main: RedisLink): Promise<void> {
    const left = this.local.drain();
    if (left.length === 0) return;
    const values = left.map((frame) => frame.data as Buffer).reverse();
    try {
      await main.send(this.key, [this.wireFormat === 'kombu' ? 'RPUSH' : 'LPUSH', this.key, ...values]);
    } catch (error) {
      this.reportError(transportError(`${left.length} record(s) taken from ${this.key} could not be put back and are lost`, error, this.#target));
    }
  }

  /** A summary without secrets. */
  toJSON(): Record<string, unknown> {
    return { type: this.constructor.name, uri: this.uri, key: this.key, mode: this.mode, format: this.wireFormat, stats: this.stats };
  }

  /** `RedisSubscriber(redis://:***@host:port, key)`. */
  override toString(): string {
    return `${this.constructor.name}(${this.uri}, ${this.key})`;
  }
}

/**
 * Marks a promise as handled now, for one that is awaited after another (a
 * command written with the one awaited first): if the first fails, this one's
 * rejection is not an unhandled rejection. Awaiting it still throws.
 */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
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
