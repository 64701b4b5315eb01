import { randomBytes } from 'node:crypto';
import { AsyncQueue, DEFAULT_MAX_RECORD_BYTES } from '@logq/core';
import { type Endpoint, type IpcTarget, endpointOf } from './endpoint.js';
import { frameSizeUpTo } from './frame-size.js';
import type { ProcessQueueOptions } from './options.js';
import { type CreditMessage, type HelloMessage, type RecordsMessage, isLogqMessage } from './protocol.js';

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

/** The inner state of a queue, kept out of the object so that copying it (workerData, JSON) gives `{ id }`. */
interface QueueState {
  readonly frames: AsyncQueue<QueuedFrame>;
  readonly capacity: number;
  readonly maxRecordBytes: number;
  readonly routers: Set<Router>;
  /** Credit requests waiting for room, per endpoint and handler id: the latest `sent`. */
  readonly parked: Map<Endpoint, Map<string, number>>;
  readonly stats: ProcessQueueStats;
  closed: boolean;
}

const states = new WeakMap<ProcessQueue, QueueState>();
const routers = new WeakMap<Endpoint, Router>();

function stateOf(queue: ProcessQueue): QueueState {
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
    states.set(this, {
      frames: new AsyncQueue<QueuedFrame>(),
      capacity: Math.max(1, options.capacity ?? 10_000),
      maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
      routers: new Set(),
      parked: new Map(),
      stats: { received: 0, deferredGrants: 0, refused: 0, oversized: 0 },
      closed: false,
    });
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
    const endpoint = endpointOf(target);
    let router = routers.get(endpoint);
    if (!router) {
      router = new Router(endpoint);
      routers.set(endpoint, router);
    }
    router.add(this);
    state.routers.add(router);
    return target;
  }

  /** Stops receiving from `target` (records already received stay in the queue). */
  detach(target: IpcTarget): void {
    const router = routers.get(endpointOf(target));
    if (!router) return;
    router.remove(this);
    stateOf(this).routers.delete(router);
    stateOf(this).parked.delete(router.endpoint);
  }

  /**
   * Takes the next frame, waiting up to `timeoutMs` (0: not at all, null:
   * forever); null on timeout, abort or close. This is what
   * {@link MultiProcessingSubscriber} reads.
   */
  take(timeoutMs: number | null, signal?: AbortSignal): Promise<QueuedFrame | null> {
    const state = stateOf(this);
    const ready = pollQueue(this);
    if (ready !== null) return Promise.resolve(ready);
    return state.frames.take(timeoutMs, signal).then((frame) => {
      if (frame !== null) afterTake(state);
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
      for (const handler of handlers.keys()) endpoint.postQuiet({ logq: 'refuse', handler, reason: `queue ${this.id} was closed` });
    }
    state.parked.clear();
    for (const router of state.routers) router.remove(this);
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
  const state = stateOf(queue);
  const ready = state.frames.poll();
  if (ready !== null) afterTake(state);
  return ready;
}

function deliverRecords(queue: ProcessQueue, message: RecordsMessage): void {
  const state = stateOf(queue);
  const frames: readonly unknown[] = Array.isArray(message.frames) ? message.frames : [message.frames];
  for (const frame of frames) state.frames.push(admit(state, frame));
  state.stats.received += frames.length;
}

/**
 * A frame as the queue keeps it: as it came, or a {@link RejectedFrame} when it
 * is not text, bytes or an object, or is larger than `maxRecordBytes` (checked
 * here, on arrival, so that the queue never holds an oversized frame however
 * slowly the subscriber reads).
 */
function admit(state: QueueState, frame: unknown): QueuedFrame {
  if (typeof frame !== 'string' && (typeof frame !== 'object' || frame === null)) return new RejectedFrame(`not a frame: ${frame === null ? 'null' : typeof frame}`);
  const size = frameSizeUpTo(frame, state.maxRecordBytes);
  if (size <= state.maxRecordBytes) return frame as QueuedFrame;
  state.stats.oversized++;
  return new RejectedFrame(`frame of ${typeof frame === 'object' && !(frame instanceof Uint8Array) ? 'over ' : ''}${size} bytes exceeds maxRecordBytes (${state.maxRecordBytes})`);
}

/** Grants credit at once while the queue has room, else parks the request until a taker makes room. */
function requestCredit(queue: ProcessQueue, endpoint: Endpoint, message: CreditMessage): void {
  const state = stateOf(queue);
  const sent = typeof message.sent === 'number' ? message.sent : 0;
  if (state.frames.length < state.capacity) {
    endpoint.postQuiet({ logq: 'grant', handler: message.handler, sent });
    return;
  }
  state.stats.deferredGrants++;
  let handlers = state.parked.get(endpoint);
  if (!handlers) {
    handlers = new Map();
    state.parked.set(endpoint, handlers);
  }
  handlers.set(message.handler, Math.max(sent, handlers.get(message.handler) ?? 0));
}

/** Once a taker has made room (half the capacity), grants the credit requests that waited for it. */
function afterTake(state: QueueState): void {
  if (state.parked.size > 0 && state.frames.length <= state.capacity / 2) grantParked(state);
}

function grantParked(state: QueueState): void {
  for (const [endpoint, handlers] of state.parked) {
    for (const [handler, sent] of handlers) endpoint.postQuiet({ logq: 'grant', handler, sent });
  }
  state.parked.clear();
}

/** Listens on one channel and routes logq's messages to the queues attached to it. */
class Router {
  private readonly queues: ProcessQueue[] = [];
  private stop: (() => void) | null = null;

  constructor(readonly endpoint: Endpoint) {}

  add(queue: ProcessQueue): void {
    if (this.queues.includes(queue)) return;
    this.queues.push(queue);
    this.stop ??= this.endpoint.listen(
      (message) => this.onMessage(message),
      () => this.onClose(),
    );
  }

  remove(queue: ProcessQueue): void {
    const i = this.queues.indexOf(queue);
    if (i >= 0) this.queues.splice(i, 1);
    if (this.queues.length === 0) this.dispose();
  }

  private dispose(): void {
    this.stop?.();
    this.stop = null;
    routers.delete(this.endpoint);
  }

  private onClose(): void {
    for (const queue of this.queues) {
      const state = stateOf(queue);
      state.routers.delete(this);
      state.parked.delete(this.endpoint);
    }
    this.queues.length = 0;
    this.dispose();
  }

  private resolve(id: string | null | undefined): ProcessQueue | undefined {
    if (id === null || id === undefined) return this.queues[0];
    return this.queues.find((q) => q.id === id);
  }

  private onMessage(message: unknown): void {
    if (!isLogqMessage(message)) return;
    switch (message.logq) {
      case 'records': {
        const queue = this.resolve(message.queue);
        if (queue) deliverRecords(queue, message);
        else this.refuse(message);
        return;
      }
      case 'credit': {
        const queue = this.resolve(message.queue);
        if (queue) requestCredit(queue, this.endpoint, message);
        else this.refuse(message);
        return;
      }
      case 'hello': {
        const queue = this.resolve(message.queue);
        if (queue) this.endpoint.postQuiet({ logq: 'welcome', handler: message.handler, queue: queue.id });
        else this.refuse(message);
        return;
      }
      default:
        // Answers travel the other way: nothing to do here (an echoing peer sends them back).
        return;
    }
  }

  private refuse(message: HelloMessage | RecordsMessage | CreditMessage): void {
    const first = this.queues[0];
    if (first) stateOf(first).stats.refused++;
    const reason =
      message.queue === null || message.queue === undefined
        ? 'no queue is attached to this channel in the parent: call queue.attach(child) there'
        : `queue ${message.queue} is not attached to this channel in the parent: call queue.attach(child) there`;
    this.endpoint.postQuiet({ logq: 'refuse', handler: message.handler, reason });
  }
}
