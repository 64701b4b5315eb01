import { type RedisLink, withTimeout } from './connection.js';
import { RedisTransportError } from './errors.js';
import { FIRST_POP, type FrameReader, type ReaderHost, type ReaderLimits, settledLater, windowFor } from './reader.js';
import { STREAM_FIELD, type StreamEntry, parseClaimReply, parseReadReply } from './stream-reply.js';

/** Settings of a {@link StreamReader} beside the shared limits. */
export interface StreamReaderSettings extends ReaderLimits {
  /** The consumer group. */
  readonly group: string;
  /** This subscriber's consumer name. */
  readonly consumer: string;
  /** Where a newly created group starts. */
  readonly groupStartId: string;
  /** Entries pending this long in another consumer are claimed, in ms. */
  readonly minIdleMs: number;
  /** How often to look for idle pending entries, in ms. */
  readonly claimIntervalMs: number;
}

/**
 * Stream mode of {@link RedisSubscriber}: reads through a consumer group
 * (`XREADGROUP ... COUNT BLOCK`), acknowledges each record (XACK, batched)
 * after it was dispatched, and claims entries left pending by a dead consumer
 * (XAUTOCLAIM after `minIdleMs`). Several subscribers with the same group
 * share the work; nothing is lost, a record may come twice — at-least-once.
 */
export class StreamReader implements FrameReader {
  /** Most entries of the next read, from the sizes of the entries just read (bytes-bounded read-ahead). */
  private readWindow = FIRST_POP;
  private groupReady = false;
  private ownPendingRead = false;
  private ownPendingFrom = '0';
  private lastClaim = 0;
  private claimCursor = '0-0';
  private pendingAcks: string[] = [];
  /** Ids queued locally or delivered and not yet acknowledged (never taken twice by this consumer). */
  private readonly inHand = new Set<string>();
  private ackTimer: NodeJS.Immediate | null = null;
  private acking: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: ReaderHost,
    private readonly settings: StreamReaderSettings,
  ) {}

  wantsMore(): boolean {
    return false;
  }

  failed(error: unknown): void {
    if (error instanceof RedisTransportError && /NOGROUP/.test(error.message)) this.groupReady = false;
  }

  recovered(): void {
    // A read whose reply was lost left entries pending for this consumer: take them back now.
    this.ownPendingRead = false;
  }

  async fetch(main: RedisLink, block: boolean): Promise<number> {
    const host = this.host;
    await this.ensureGroup(main);
    if (!block) {
      let queued = 0;
      if (!this.ownPendingRead) {
        // Entries this consumer name took in an earlier life and never acknowledged.
        const count = this.readCount();
        queued += await host.inTurn(this.readGroup(main, this.ownPendingFrom, count), (entries) => {
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
      if (Date.now() - this.lastClaim >= this.settings.claimIntervalMs) {
        queued += await this.claim(main);
        if (queued > 0) return queued;
      }
      const acks = this.flushAcks();
      const got = await host.inTurn(this.readGroup(main, '>', this.readCount()), (entries) =>
        this.queueEntries(entries),
      );
      await acks;
      return got;
    }
    await this.flushAcks();
    const links = host.links;
    const blocking = links.blocking();
    await blocking.connect();
    const wait = Math.min(this.settings.blockMs, this.settings.claimIntervalMs);
    const id = settledLater(blocking.send(host.key, ['CLIENT', 'ID']));
    const queued = settledLater(
      host.inTurn(this.readGroup(blocking, '>', this.readCount(), wait), (entries) => this.queueEntries(entries)),
    );
    links.blockingId = Number(await id);
    return queued;
  }

  private async ensureGroup(main: RedisLink): Promise<void> {
    if (this.groupReady) return;
    const key = this.host.key;
    try {
      await main.send(key, ['XGROUP', 'CREATE', key, this.settings.group, this.settings.groupStartId, 'MKSTREAM']);
    } catch (error) {
      if (!(error instanceof Error && /BUSYGROUP/.test(error.message))) throw error;
    }
    this.groupReady = true;
  }

  /** Entries per read, bounded like list pops (batchSize, and batchBytes judged from the entries just read). */
  private readCount(): number {
    return Math.max(1, Math.min(this.settings.batchSize, this.readWindow));
  }

  private async readGroup(link: RedisLink, from: string, count: number, blockMs?: number): Promise<StreamEntry[]> {
    const { key } = this.host;
    const { group, consumer } = this.settings;
    const block = blockMs === undefined ? [] : ['BLOCK', String(blockMs)];
    const reply = await link.sendForBuffers(key, [
      'XREADGROUP',
      'GROUP',
      group,
      consumer,
      'COUNT',
      String(count),
      ...block,
      'STREAMS',
      key,
      from,
    ]);
    const entries = parseReadReply(reply, STREAM_FIELD);
    this.sizeWindow(entries);
    return entries;
  }

  /** Sizes the next read from the largest entry just read (an empty read: the next takes one). */
  private sizeWindow(entries: readonly StreamEntry[]): void {
    let largest = 0;
    for (const entry of entries) if (entry.data !== null && entry.data.length > largest) largest = entry.data.length;
    this.readWindow = entries.length === 0 ? FIRST_POP : windowFor(this.settings, largest);
  }

  /** Claims entries idle longer than minIdleMs in any consumer of the group. */
  private async claim(main: RedisLink): Promise<number> {
    const { key } = this.host;
    const { group, consumer, minIdleMs } = this.settings;
    this.lastClaim = Date.now();
    const claimed = main.sendForBuffers(key, [
      'XAUTOCLAIM',
      key,
      group,
      consumer,
      String(minIdleMs),
      this.claimCursor,
      'COUNT',
      String(this.readCount()),
    ]);
    return this.host.inTurn(claimed, (reply) => {
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
    const local = this.host.local;
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
      local.push({ data, ack: () => this.ack(id), reject: () => this.deadLetter(id, data) });
      queued++;
    }
    return queued;
  }

  /** Queues an XACK; acknowledgements go out in batches, at the latest right after this turn of the event loop. */
  private ack(id: string): void {
    this.inHand.delete(id);
    this.pendingAcks.push(id);
    if (this.pendingAcks.length >= this.settings.batchSize) {
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
    const host = this.host;
    const main = host.links.current();
    if (main === null) return this.acking;
    this.acking = this.acking.then(async () => {
      try {
        await main.send(host.key, ['XACK', host.key, this.settings.group, ...ids]);
      } catch (error) {
        if (host.closed) return;
        // Acknowledged later; until then the entries stay pending (and may be claimed: at-least-once).
        this.pendingAcks.push(...ids);
        host.reportError(host.transportError(`XACK on ${host.key} failed`, error));
      }
    });
    return this.acking;
  }

  /** A malformed entry is copied to the malformed stream, then acknowledged. */
  private async deadLetter(id: string, data: Buffer): Promise<void> {
    const host = this.host;
    const main = host.links.current();
    if (main !== null) {
      try {
        await main.send(host.malformedKey, [
          'XADD',
          host.malformedKey,
          '*',
          STREAM_FIELD,
          data,
          'source',
          host.key,
          'id',
          id,
        ]);
      } catch (error) {
        // Left pending (not acknowledged): it is claimed and tried again later rather than lost.
        this.inHand.delete(id);
        host.reportError(
          host.transportError(`copying malformed entry ${id} to ${host.malformedKey} failed; it stays pending`, error),
        );
        return;
      }
    }
    this.ack(id);
  }

  async close(main: RedisLink | null): Promise<void> {
    if (this.ackTimer) clearImmediate(this.ackTimer);
    if (main !== null) await withTimeout(this.flushAcks(), 2_000).catch(() => undefined);
  }
}
