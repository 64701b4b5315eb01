import { randomBytes } from 'node:crypto';
import { AsyncQueue, DEFAULT_MAX_RECORD_BYTES } from '@logq/core/transport';
import {
  type ChannelReceiver,
  type ChannelRouter,
  type Endpoint,
  type IpcTarget,
  attachedRouter,
  endpointOf,
  routerOf,
} from './connection.js';
import { frameSizeUpTo } from './frame-size.js';
import type { ProcessQueueOptions } from './options.js';
import type { CreditMessage, RecordsMessage } from './protocol.js';

/**
 * What the queue holds in place of a frame it refused on arrival (too large,
 * or not a frame at all): a few bytes with the reason, so that the queue never
 * holds an oversized frame, and the subscriber counts it as malformed when it
 * takes it.
 */
export class RejectedFrame {
  constructor(
    /** Why the frame was refused. */
    readonly reason: string,
  ) {}
}

/** A frame as the queue holds it: JSON text or bytes, a dict that the channel already parsed, or a {@link RejectedFrame}. */
export type QueuedFrame = string | Uint8Array | Readonly<Record<string, unknown>> | RejectedFrame;

/** A queue named in a handler: its id, or any object with the id (the queue itself, or a copy of it). */
export type QueueRef = string | { readonly id: string };

/** Counters of a {@link ProcessQueue}. */
export interface ProcessQueueStats {
  /** Records received from children. */
  received: number;
  /** Credit requests answered later because the queue was at capacity. */
  deferredGrants: number;
  /** Hello or credit requests refused (unknown queue id). */
  refused: number;
  /** Frames refused on arrival for being larger than `maxRecordBytes` (kept as a marker that the subscriber counts as malformed). */
  oversized: number;
}

/**
 * The inner state of a queue, kept out of the object so that copying it
 * (workerData, JSON) gives `{ id }`; it is also what the channels attached to
 * the queue hand their records and credit requests to.
 */
class QueueCore implements ChannelReceiver {
  readonly frames = new AsyncQueue<QueuedFrame>();
  readonly routers = new Set<ChannelRouter>();
  /** Credit requests waiting for room, per endpoint and handler id: the latest `sent`. */
  readonly parked = new Map<Endpoint, Map<string, number>>();
  readonly stats: ProcessQueueStats = { received: 0, deferredGrants: 0, refused: 0, oversized: 0 };
  closed = false;

  constructor(
    readonly id: string,
    readonly capacity: number,
    readonly maxRecordBytes: number,
  ) {}

  receiveRecords(message: RecordsMessage): void {
    const frames: readonly unknown[] = Array.isArray(message.frames) ? message.frames : [message.frames];
    for (const frame of frames) this.frames.push(this.admit(frame));
    this.stats.received += frames.length;
  }

  /** Grants credit at once while the queue has room, else parks the request until a taker makes room. */
  requestCredit(endpoint: Endpoint, message: CreditMessage): void {
    const sent = typeof message.sent === 'number' ? message.sent : 0;
    if (this.frames.length < this.capacity) {
      endpoint.postQuiet({ logq: 'grant', handler: message.handler, sent });
      return;
    }
    this.stats.deferredGrants++;
    let handlers = this.parked.get(endpoint);
    if (!handlers) {
      handlers = new Map();
      this.parked.set(endpoint, handlers);
    }
    handlers.set(message.handler, Math.max(sent, handlers.get(message.handler) ?? 0));
  }

  countRefused(): void {
    this.stats.refused++;
  }

  channelClosed(router: ChannelRouter): void {
    this.routers.delete(router);
    this.parked.delete(router.endpoint);
  }

  /** Takes a frame that is already here, or null. */
  poll(): QueuedFrame | null {
    const ready = this.frames.poll();
    if (ready !== null) this.afterTake();
    return ready;
  }

  /** Once a taker has made room (half the capacity), grants the credit requests that waited for it. */
  afterTake(): void {
    if (this.parked.size > 0 && this.frames.length <= this.capacity / 2) this.grantParked();
  }

  /**
   * A frame as the queue keeps it: as it came, or a {@link RejectedFrame} when it
   * is not text, bytes or an object, or is larger than `maxRecordBytes` (checked
   * here, on arrival, so that the queue never holds an oversized frame however
   * slowly the subscriber reads).
   */
  private admit(frame: unknown): QueuedFrame {
    if (typeof frame !== 'string' && (typeof frame !== 'object' || frame === null))
      return new RejectedFrame(`not a frame: ${frame === null ? 'null' : typeof frame}`);
    const size = frameSizeUpTo(frame, this.maxRecordBytes);
    if (size <= this.maxRecordBytes) return frame as QueuedFrame;
    this.stats.oversized++;
    return new RejectedFrame(
      `frame of ${typeof frame === 'object' && !(frame instanceof Uint8Array) ? 'over ' : ''}${size} bytes exceeds maxRecordBytes (${this.maxRecordBytes})`,
    );
  }

  private grantParked(): void {
    for (const [endpoint, handlers] of this.parked) {
      for (const [handler, sent] of handlers) endpoint.postQuiet({ logq: 'grant', handler, sent });
    }
    this.parked.clear();
  }
}

const states = new WeakMap<ProcessQueue, QueueCore>();

function stateOf(queue: ProcessQueue): QueueCore {
  const state = states.get(queue);
  if (!state) throw new TypeError('not a ProcessQueue created in this process');
  return state;
}

/** The id named by a {@link QueueRef}. */
export function queueIdOf(ref: QueueRef): string {
  return typeof ref === 'string' ? ref : ref.id;
}

/**
 * The parent's end of logq's IPC transport (Logbook's `multiprocessing.Queue`):
 * it receives the records that children post over the channels attached to it,
 * holds them until a {@link MultiProcessingSubscriber} takes them, and paces
 * each child with credit so that it never holds much more than `capacity`
 * records.
 *
 * The only public data is {@link ProcessQueue.id}, so that the queue can be
 * handed to a child as it is: through `workerData` (structured clone) or
 * `JSON.stringify` it becomes `{ id }`, which `new MultiProcessingHandler(queue)`
 * accepts.
 *
 * @example
 * const subscriber = new MultiProcessingSubscriber();
 * const child = subscriber.queue.attach(fork('./worker.js'));
 * // worker.js: new MultiProcessingHandler().pushApplication();
 */
export class ProcessQueue {
  /** The queue's id (see {@link ProcessQueueOptions.id}). */
  readonly id: string;

  constructor(options: ProcessQueueOptions = {}) {
    this.id = options.id ?? `logq-${randomBytes(8).toString('hex')}`;
    states.set(
      this,
      new QueueCore(
        this.id,
        Math.max(1, options.capacity ?? 10_000),
        options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
      ),
    );
  }

  /** Records waiting to be taken. */
  get length(): number {
    return stateOf(this).frames.length;
  }

  /** Records held before credit stops. */
  get capacity(): number {
    return stateOf(this).capacity;
  }

  /** Counters; see {@link ProcessQueueStats}. */
  get stats(): Readonly<ProcessQueueStats> {
    return stateOf(this).stats;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return stateOf(this).closed;
  }

  /**
   * Receives the records that handlers post over `target`'s channel: a child
   * process from `fork`, a `cluster` worker, a `worker_threads` Worker, or a
   * `MessagePort`. Handlers that name no queue reach the first queue attached
   * to their channel; handlers that name this queue's id reach it on any
   * channel it is attached to. Attach right after starting the child (before
   * awaiting anything). The target is detached by itself when the child exits.
   * @returns `target`, so that `queue.attach(fork(...))` reads as one step.
   */
  attach<T extends IpcTarget>(target: T): T {
    const state = stateOf(this);
    if (state.closed) throw new TypeError(`queue ${this.id} is closed`);
    const router = routerOf(endpointOf(target));
    router.add(state);
    state.routers.add(router);
    return target;
  }

  /** Stops receiving from `target` (records already received stay in the queue). */
  detach(target: IpcTarget): void {
    const router = attachedRouter(endpointOf(target));
    if (!router) return;
    const state = stateOf(this);
    router.remove(state);
    state.channelClosed(router);
  }

  /**
   * Takes the next frame, waiting up to `timeoutMs` (0: not at all, null:
   * forever); null on timeout, abort or close. This is what
   * {@link MultiProcessingSubscriber} reads.
   */
  take(timeoutMs: number | null, signal?: AbortSignal): Promise<QueuedFrame | null> {
    const state = stateOf(this);
    const ready = state.poll();
    if (ready !== null) return Promise.resolve(ready);
    return state.frames.take(timeoutMs, signal).then((frame) => {
      if (frame !== null) state.afterTake();
      return frame;
    });
  }

  /**
   * Closes the queue: every channel is detached, children asking for credit
   * are refused (their handlers keep buffering, then drop and count), waiting
   * takers get null. Records already queued can still be taken. Idempotent.
   */
  close(): void {
    const state = stateOf(this);
    if (state.closed) return;
    state.closed = true;
    for (const [endpoint, handlers] of state.parked) {
      for (const handler of handlers.keys())
        endpoint.postQuiet({ logq: 'refuse', handler, reason: `queue ${this.id} was closed` });
    }
    state.parked.clear();
    for (const router of state.routers) router.remove(state);
    state.routers.clear();
    state.frames.close();
  }

  /** Returns `{ id }`: what `JSON.stringify(queue)` writes, for passing the queue to a child. */
  toJSON(): { id: string } {
    return { id: this.id };
  }
}

/**
 * Takes a frame that is already in the queue, or null: no waiting, no
 * promise (what {@link MultiProcessingSubscriber} reads first). Internal to
 * the package.
 */
export function pollQueue(queue: ProcessQueue): QueuedFrame | null {
  return stateOf(queue).poll();
}
