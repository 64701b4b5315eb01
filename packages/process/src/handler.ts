import { randomBytes } from 'node:crypto';
import type { LogRecord } from '@logq/core';
import { type JsonObject, LogqError, QueueHandler } from '@logq/core/transport';
import { type Endpoint, endpointOf, parentChannel } from './connection.js';
import { ChannelClosedError, NoParentChannelError, QueueNotAttachedError } from './errors.js';
import type { MultiProcessingHandlerOptions } from './options.js';
import { type Frame, type LogqMessage, isLogqMessage } from './protocol.js';
import { type QueueRef, queueIdOf } from './queue.js';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The child's side of logq's IPC transport (Logbook's
 * `MultiProcessingHandler(queue)`): posts records, as the JSON text of their
 * Logbook dict, over the channel to the parent process or thread, where a
 * {@link ProcessQueue} attached to that channel receives them and a
 * {@link MultiProcessingSubscriber} dispatches them.
 *
 * The same code works in a child started by `child_process.fork`, in a
 * `cluster` worker and in a `worker_threads` worker:
 *
 * ```ts
 * const handler = new MultiProcessingHandler(); // the queue attached to this child
 * handler.pushApplication();
 * // ... log ...
 * await handler.close(); // everything logged is in the parent's queue
 * ```
 *
 * Records are batched (one message per batch) and paced with credit: at most
 * `window` records are posted before the parent says its queue has room, so a
 * child that logs faster than the parent reads fills its own buffer
 * (`maxBuffer`, then `overflow`, counted in `stats.dropped`) instead of the
 * parent's memory. For a forked or cluster child, a record counts as sent once
 * its batch is written to the pipe (it survives the child's crash from then on).
 *
 * The handler listens on the channel only while it waits for the parent, so
 * it never keeps the child alive once everything is sent.
 */
export class MultiProcessingHandler extends QueueHandler<Frame> {
  /** The queue id named on every message, or null for the first queue attached to the channel. */
  readonly queueId: string | null;
  /** Records posted before the parent must grant more. */
  readonly window: number;
  /** How long to wait for the parent's answer to `hello`, in ms. */
  readonly connectTimeoutMs: number;
  private readonly endpoint: Endpoint;
  /** Whether frames go as dicts (process channels, which JSON-encode each message) or as JSON text (threads). */
  private readonly dictFrames: boolean;
  private readonly handlerId = randomBytes(6).toString('hex');
  private sent = 0;
  private acked = 0;
  /** `sent` of the credit request awaiting an answer, or -1. */
  private requested = -1;
  private waiters = new Set<Waiter>();
  private welcomed: (() => void) | null = null;
  /** A refusal that arrived while nothing waited: the next send fails with it. */
  private refusal: Error | null = null;
  private stopListening: (() => void) | null = null;
  private idleCheck: NodeJS.Immediate | null = null;
  /** Batches handed to Node's write queue whose write has not completed. */
  private readonly writes = new Set<Promise<void>>();

  /**
   * @param queue - the queue to post to: its id, or the queue object (also a
   *   copy of it received through `workerData` or JSON). Omitted or null: the
   *   first queue the parent attached to this channel.
   * @throws {NoParentChannelError} when there is no channel to a parent and no `channel` option.
   */
  constructor(queue?: QueueRef | null, options: MultiProcessingHandlerOptions = {}) {
    super(options);
    this.queueId = queue === undefined || queue === null ? null : queueIdOf(queue);
    this.window = Math.max(1, options.window ?? 4096);
    this.connectTimeoutMs = Math.max(1, options.connectTimeoutMs ?? 5000);
    const channel = options.channel ?? parentChannel();
    if (!channel) {
      throw new NoParentChannelError(
        'MultiProcessingHandler needs a channel to the parent: start this process with child_process.fork or cluster.fork, run it in a worker_threads Worker, or pass the channel option',
      );
    }
    this.endpoint = endpointOf(channel);
    this.dictFrames = this.endpoint.encodesJson;
  }

  /**
   * The frame for one record, made in the log call: the wire dict itself on a
   * process channel (Node encodes the whole message as JSON once, with no
   * string escaped twice), its JSON text on a thread's channel.
   */
  protected override serialize(record: LogRecord): Frame {
    return this.dictFrames ? (this.exportRecord(record) as JsonObject) : this.exportJson(record);
  }

  /**
   * Size of a frame in bytes, for `maxRecordBytes`. For a dict, a lower bound
   * from its long text fields (`msg`, `message`, `formatted_exception`), so
   * that the check costs no encoding in the log call.
   */
  protected override payloadBytes(frame: Frame): number {
    if (typeof frame === 'string') return super.payloadBytes(frame);
    let size = 0;
    for (const key of ['msg', 'message', 'formatted_exception']) {
      const value = frame[key];
      if (typeof value === 'string') size += value.length;
    }
    return size;
  }

  /** Says hello and waits for the parent to name the queue that takes this handler's records. */
  protected async connect(signal: AbortSignal): Promise<void> {
    this.checkOpen();
    this.refusal = null;
    let waiter: Waiter | null = null;
    const answered = new Promise<void>((resolve, reject) => {
      waiter = { resolve: () => {}, reject };
      this.waiters.add(waiter);
      this.welcomed = () => resolve();
    });
    answered.catch(() => {});
    this.listen();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new QueueNotAttachedError(
              `no answer from the parent within ${this.connectTimeoutMs} ms: attach a queue to this child there (subscriber.queue.attach(child))`,
            ),
          ),
        this.connectTimeoutMs,
      );
    });
    const aborted = abortPromise(signal);
    try {
      await this.endpoint.post({ logq: 'hello', queue: this.queueId, handler: this.handlerId });
      await Promise.race([answered, timeout, aborted.promise]);
    } finally {
      clearTimeout(timer);
      aborted.dispose();
      if (waiter) this.waiters.delete(waiter);
      this.welcomed = null;
      this.scheduleIdleCheck();
    }
  }

  /** Waits for credit when the window is used up, then posts the batch as one message. */
  protected async sendBatch(batch: readonly Frame[], signal: AbortSignal): Promise<void> {
    if (this.refusal) throw this.refusal;
    while (this.sent > this.acked && this.sent - this.acked + batch.length > this.window) {
      if (this.requested < this.sent) this.requestCredit();
      await this.nextAnswer(signal);
    }
    const { congested, written } = this.endpoint.send({
      logq: 'records',
      queue: this.queueId,
      handler: this.handlerId,
      frames: batch,
    });
    if (congested) {
      // The channel's backpressure: wait until the pipe has taken this batch.
      await written;
    } else {
      // Handed to Node's write queue: go on, and let flush() wait for the write.
      const count = batch.length;
      const tracked = written.then(
        () => {},
        (error: unknown) => {
          this.stats.sent -= count;
          this.stats.dropped += count;
          this.handleError(error);
        },
      );
      this.writes.add(tracked);
      void tracked.finally(() => this.writes.delete(tracked));
    }
    this.sent += batch.length;
    // Ask ahead, so that the grant is back before the window is used up.
    if (this.sent - this.acked >= this.window / 2 && this.requested < this.acked) this.requestCredit();
    this.scheduleIdleCheck();
  }

  /** Resolves once every record buffered so far has been handed to the channel (written to the pipe, for a process). */
  override async flush(): Promise<void> {
    await super.flush();
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  /** Stops listening on the channel (the channel itself belongs to the process). */
  protected async disconnect(): Promise<void> {
    this.unlisten();
    this.requested = -1;
  }

  private checkOpen(): void {
    if (this.endpoint.open) return;
    const error = new ChannelClosedError('the IPC channel to the parent is closed');
    // The channel never reopens: give up the buffer rather than retry forever.
    queueMicrotask(() => void this.close({ timeoutMs: 0 }));
    throw error;
  }

  private requestCredit(): void {
    this.requested = this.sent;
    this.listen();
    this.endpoint
      .post({ logq: 'credit', queue: this.queueId, handler: this.handlerId, sent: this.sent })
      .catch((error: unknown) => this.fail(error));
  }

  private nextAnswer(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(abortError());
      const onAbort = () => {
        this.waiters.delete(waiter);
        reject(abortError());
      };
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  private listen(): void {
    this.stopListening ??= this.endpoint.listen(
      (message) => this.onMessage(message),
      () => this.fail(new ChannelClosedError('the IPC channel to the parent closed')),
    );
  }

  private unlisten(): void {
    this.stopListening?.();
    this.stopListening = null;
  }

  private onMessage(message: unknown): void {
    if (!isLogqMessage(message) || message.handler !== this.handlerId) return;
    const m: LogqMessage = message;
    if (m.logq === 'welcome') {
      this.welcomed?.();
    } else if (m.logq === 'grant') {
      if (m.sent > this.acked) this.acked = Math.min(m.sent, this.sent);
      if (this.requested <= m.sent) this.requested = -1;
      this.wake();
      this.scheduleIdleCheck();
    } else if (m.logq === 'refuse') {
      this.requested = -1;
      this.fail(new QueueNotAttachedError(m.reason));
    }
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter.resolve();
  }

  private fail(error: unknown): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter.reject(error);
    // Nobody waited: the pump meets the error on its next send.
    if (waiters.length === 0) this.refusal = error instanceof Error ? error : new LogqError(String(error));
  }

  /**
   * Stops listening once no answer is awaited (no hello or waiter outstanding,
   * and no credit request that buffered records need), even with records
   * still buffered: the channel keeps
   * the process alive only while something listens on it, and a handler
   * between sends or backing off after a refusal must not hold an idle child
   * up. Writes in flight keep the process alive by themselves, and when main
   * has returned, core's exit flush keeps it alive while it delivers (within
   * its deadline, then counts what it gave up).
   */
  private scheduleIdleCheck(): void {
    if (this.idleCheck) return;
    this.idleCheck = setImmediate(() => {
      this.idleCheck = null;
      if (this.waiters.size > 0 || this.welcomed !== null) return;
      // A credit request still unanswered keeps it listening while records wait for that credit.
      if (this.requested >= 0 && this.pending > 0) return;
      this.unlisten();
      this.requested = -1;
    });
  }
}

function abortError(): Error {
  return new LogqError('aborted');
}

function abortPromise(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort: (() => void) | null = null;
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(abortError());
    onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return {
    promise,
    dispose: () => {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    },
  };
}
