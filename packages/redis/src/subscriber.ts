import type { LogRecord } from '@logq/core';
import {
  AsyncQueue,
  FrameSubscriber,
  type RawFrame,
  abortableSleep,
  decodeRecord,
  unwrapKombuEnvelope,
} from '@logq/core/transport';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { SubscriberLinks, withTimeout } from './connection.js';
import { RedisTransportError } from './errors.js';
import { ListReader } from './list-reader.js';
import {
  DEFAULT_REDIS_URI,
  type RedisQueueFormat,
  type RedisQueueMode,
  type RedisSubscriberOptions,
  resolveQueue,
} from './options.js';
import type { FrameReader, ReaderHost } from './reader.js';
import { StreamReader } from './stream-reader.js';
import { type RedisTarget, resolveTarget, transportError } from './target.js';

/** Most time a non-blocking receive (`recv(0)`) waits for Redis to answer, in ms. */
const NON_BLOCKING_CAP_MS = 1_000;

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
 *
 * The modes are readers behind this class ({@link ListReader},
 * {@link StreamReader}); the class owns the connections, the receive loop and
 * the local queue.
 */
export class RedisSubscriber extends FrameSubscriber {
  /** The URI, with any password replaced by `***` (a cluster: `redis-cluster://host:port,...`). */
  readonly uri: string;
  /** The list or stream key (Logbook's queue name). */
  readonly key: string;
  /** List or stream. */
  readonly mode: RedisQueueMode;
  /** Item envelope (the `format` option). */
  readonly wireFormat: RedisQueueFormat;
  /** Stream mode: the consumer group. */
  readonly group: string;
  /** Stream mode: this subscriber's consumer name. */
  readonly consumer: string;
  /** Where malformed or foreign items are moved. */
  readonly malformedKey: string;
  /** Records larger than this (in bytes, kombu: the record inside the envelope) are malformed. */
  readonly maxRecordBytes: number;
  private readonly target: RedisTarget;
  private readonly links: SubscriberLinks;
  private readonly reader: FrameReader;
  private readonly local = new AsyncQueue<RawFrame>();
  /** Receives waiting (a pending `recv`, a dispatch loop). */
  private demand = 0;
  private looping: Promise<void> | null = null;
  private failures = 0;
  /** Resolves once the last command written has queued what it brought (see {@link ReaderHost.inTurn}). */
  private queueTurn: Promise<void> = Promise.resolve();

  constructor(uri?: string, options: RedisSubscriberOptions = {}) {
    super(options);
    const { target, shown } = resolveTarget(uri, options, DEFAULT_REDIS_URI);
    this.uri = shown;
    this.target = target;
    const queue = resolveQueue(options);
    this.key = queue.key;
    this.mode = queue.mode;
    this.wireFormat = queue.format;
    this.malformedKey = options.malformedKey ?? `${this.key}.malformed`;
    this.group = options.group ?? 'logq';
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024;
    this.links = new SubscriberLinks(target, options.client, {
      lost: (error) => this.reportError(error),
      recovered: () => this.reader.recovered(),
      closed: () => this.closed,
    });
    const limits = {
      batchSize: Math.max(1, options.batchSize ?? 256),
      batchBytes: Math.max(1, options.batchBytes ?? 8 * 1024 * 1024),
      blockMs: Math.max(10, options.blockMs ?? 1_000),
    };
    const host = this.readerHost();
    if (this.mode === 'stream') {
      const minIdleMs = Math.max(0, options.minIdleMs ?? 30_000);
      this.reader = new StreamReader(host, {
        ...limits,
        group: this.group,
        consumer: this.consumer,
        groupStartId: options.groupStartId ?? '0',
        minIdleMs,
        claimIntervalMs: Math.max(10, options.claimIntervalMs ?? Math.min(minIdleMs, 5_000)),
      });
    } else {
      this.reader = new ListReader(host, limits, this.wireFormat);
    }
  }

  /** Records taken from Redis and not yet returned by a receive. */
  get buffered(): number {
    return this.local.length;
  }

  /** What the readers use of this subscriber. */
  private readerHost(): ReaderHost {
    const self = this;
    return {
      key: this.key,
      malformedKey: this.malformedKey,
      local: this.local,
      links: this.links,
      get closed() {
        return self.closed;
      },
      inTurn: (issued, queue) => this.inTurn(issued, queue),
      reportError: (error) => this.reportError(error),
      transportError: (what, cause) => transportError(what, cause, this.target),
    };
  }

  protected override decode(data: string | Uint8Array): LogRecord {
    if (this.wireFormat === 'kombu')
      return decodeRecord(unwrapKombuEnvelope(data, this.maxRecordBytes), this.decodeOptions);
    return super.decode(data);
  }

  protected override pollFrame(): RawFrame | null {
    const ready = this.local.poll();
    // List mode: fetch the next batch while this one is being decoded and dispatched.
    if (ready !== null && this.looping === null && this.reader.wantsMore()) this.ensureLoop();
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
    if (this.demand++ === 0) this.links.hold();
    try {
      this.ensureLoop();
      return await this.local.take(timeoutMs, signal);
    } finally {
      if (--this.demand === 0) this.links.release();
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
   * while the reader wants more (list mode: a backlog and less than half a batch queued).
   */
  private async loop(): Promise<void> {
    const stop = this.closeController.signal;
    while (!stop.aborted && ((this.demand > 0 && this.local.length === 0) || this.reader.wantsMore())) {
      try {
        const got = await this.fetch(false);
        if (got === 0 && this.demand > 0 && !stop.aborted) await this.fetch(true);
        this.failures = 0;
      } catch (error) {
        this.reader.failed(error);
        if (stop.aborted) break;
        this.reportError(error);
        this.failures++;
        await abortableSleep(Math.min(100 * 2 ** Math.min(this.failures, 5), 2_000), stop);
      }
    }
  }

  /** Takes what Redis has into the local queue; `block` waits up to `blockMs`. Resolves how many frames were queued. */
  private async fetch(block: boolean): Promise<number> {
    const main = this.links.primary();
    main.hold();
    try {
      return await this.reader.fetch(main, block);
    } catch (error) {
      if (error instanceof RedisTransportError) throw error;
      throw transportError(`reading ${this.key} from ${this.uri} failed`, error, this.target);
    } finally {
      main.release();
    }
  }

  /** See {@link ReaderHost.inTurn}. */
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

  protected override async closeTransport(): Promise<void> {
    const links = this.links;
    await links.unblock(this.key);
    const main = links.current();
    // A loop waiting on a healthy connection ends at once now; one waiting for a reconnect ends when the clients are dropped below.
    if (this.looping !== null && main !== null && main.ready)
      await withTimeout(this.looping, 2_000).catch(() => undefined);
    links.dropBlocking();
    // List mode: records taken and not returned go back; stream mode: acknowledgements go out.
    await this.reader.close(main !== null && main.ready ? main : null);
    await links.close();
  }

  /** A summary without secrets. */
  toJSON(): Record<string, unknown> {
    return {
      type: this.constructor.name,
      uri: this.uri,
      key: this.key,
      mode: this.mode,
      format: this.wireFormat,
      stats: this.stats,
    };
  }

  /** `RedisSubscriber(redis://:***@host:port, key)`. */
  override toString(): string {
    return `${this.constructor.name}(${this.uri}, ${this.key})`;
  }
}
