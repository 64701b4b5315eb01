import type { RawFrame } from '@logq/core/transport';
import { type RedisLink, withTimeout } from './connection.js';
import type { RedisQueueFormat } from './options.js';
import { FIRST_POP, type FrameReader, type ReaderHost, type ReaderLimits, settledLater, windowFor } from './reader.js';
import { asBuffers } from './stream-reply.js';

/**
 * List mode of {@link RedisSubscriber}: takes records in batches (`LPOP key
 * count`; kombu: `RPOP`, the end kombu consumers take from) and waits with
 * BLPOP/BRPOP (on the blocking connection) only when the list is empty. A
 * batch is bounded in count (`batchSize`) and in bytes (`batchBytes`, judged
 * from the items just read; the first pop after the list was empty takes one
 * item). When the last pop came back full and half of it has been received,
 * the next one is already on its way. Records taken but not yet returned stay
 * in the local queue; `close()` puts them back at the head of the list. A
 * record is gone from Redis once taken — at-most-once.
 */
export class ListReader implements FrameReader {
  /** Most items of the next pop, from the sizes of the items just read (bytes-bounded read-ahead). */
  private popWindow = FIRST_POP;
  /** The last pop came back full, so the list likely holds more: fetch ahead (see {@link prefetchBelow}). */
  private backlog = false;
  /** The pop in flight, if any. */
  private listPop: Promise<number> | null = null;
  /** A blocking pop is in flight (it may bring one record). */
  private blockingPop = false;
  /** With a backlog, the next pop goes out once fewer records than this are queued locally. */
  private readonly prefetchBelow: number;
  private readonly pop: 'LPOP' | 'RPOP';
  private readonly blockingPopCommand: 'BLPOP' | 'BRPOP';
  private readonly pushBack: 'LPUSH' | 'RPUSH';

  constructor(
    private readonly host: ReaderHost,
    private readonly limits: ReaderLimits,
    format: RedisQueueFormat,
  ) {
    this.prefetchBelow = Math.ceil(limits.batchSize / 2);
    const kombu = format === 'kombu';
    this.pop = kombu ? 'RPOP' : 'LPOP';
    this.blockingPopCommand = kombu ? 'BRPOP' : 'BLPOP';
    this.pushBack = kombu ? 'RPUSH' : 'LPUSH';
  }

  wantsMore(): boolean {
    return this.backlog && this.host.local.length < this.prefetchBelow;
  }

  failed(): void {
    this.backlog = false;
  }

  recovered(): void {}

  fetch(main: RedisLink, block: boolean): Promise<number> {
    if (!block) {
      // One pop at a time: a second look joins the one in flight.
      this.listPop ??= this.popList(main).finally(() => {
        this.listPop = null;
      });
      return this.listPop;
    }
    return this.waitPop();
  }

  private async waitPop(): Promise<number> {
    const host = this.host;
    this.backlog = false;
    // The list was empty: the sizes of what comes next are not known.
    this.popWindow = Math.min(this.popWindow, FIRST_POP);
    const links = host.links;
    const blocking = links.blocking();
    // A cluster client sends nothing before it knows the topology.
    await blocking.connect();
    // The blocking connection's id, for CLIENT UNBLOCK on close; asked once per connection (written with the pop).
    const id = links.blockingId === null ? settledLater(blocking.send(host.key, ['CLIENT', 'ID'])) : null;
    const pop = blocking.sendForBuffers(host.key, [
      this.blockingPopCommand,
      host.key,
      String(this.limits.blockMs / 1000),
    ]);
    const queued = settledLater(
      host.inTurn(pop, (reply) => {
        if (!Array.isArray(reply) || reply.length < 2) return 0;
        this.queueItems([reply[1] as Buffer]);
        return 1;
      }),
    );
    this.blockingPop = true;
    try {
      if (id !== null) links.blockingId = Number(await id);
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
    const host = this.host;
    const room = this.limits.batchSize - host.local.length - (this.blockingPop ? 1 : 0);
    const count = Math.min(room, this.popWindow);
    if (count <= 0) return 0;
    return host.inTurn(main.sendForBuffers(host.key, [this.pop, host.key, String(count)]), (reply) => {
      const items = asBuffers(reply);
      if (items.length === 0) {
        this.backlog = false;
        this.popWindow = Math.min(this.popWindow, FIRST_POP);
        return 0;
      }
      this.backlog = items.length >= count;
      this.queueItems(items);
      return items.length;
    });
  }

  /** Queues popped items, and sizes the next pop so that it brings about batchBytes at most. */
  private queueItems(items: readonly Buffer[]): void {
    let largest = 1;
    const local = this.host.local;
    for (const data of items) {
      if (data.length > largest) largest = data.length;
      local.push(new ListItem(this.host, data));
    }
    this.popWindow = windowFor(this.limits, largest);
  }

  async close(main: RedisLink | null): Promise<void> {
    if (main === null) return;
    // A pop of a recv(0) may still be in flight: what it takes goes back too.
    if (this.listPop !== null) await withTimeout(this.listPop, 2_000).catch(() => undefined);
    await this.returnTaken(main);
  }

  /** Puts records taken but never returned back where the next reader takes first. */
  private async returnTaken(main: RedisLink): Promise<void> {
    const host = this.host;
    const left = host.local.drain();
    if (left.length === 0) return;
    const values = left.map((frame) => frame.data as Buffer).reverse();
    try {
      await main.send(host.key, [this.pushBack, host.key, ...values]);
    } catch (error) {
      host.reportError(
        host.transportError(
          `${left.length} record(s) taken from ${host.key} could not be put back and are lost`,
          error,
        ),
      );
    }
  }
}

/**
 * One popped item. Its rejection is a method, not a closure made per item:
 * a malformed or foreign item goes to the malformed list as it was (its
 * bytes), never dropped.
 */
class ListItem implements RawFrame {
  constructor(
    private readonly host: ReaderHost,
    readonly data: Buffer,
  ) {}

  async reject(): Promise<void> {
    const host = this.host;
    const main = host.links.current();
    if (main === null) return;
    main.hold();
    try {
      await main.send(host.malformedKey, ['RPUSH', host.malformedKey, this.data]);
    } catch (error) {
      host.reportError(
        host.transportError(
          `an item of ${host.key} that is not a record could not be moved to ${host.malformedKey} and is lost`,
          error,
        ),
      );
    } finally {
      main.release();
    }
  }
}
