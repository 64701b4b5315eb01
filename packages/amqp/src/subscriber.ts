import type { LogRecord } from '@logq/core';
import {
  AsyncQueue,
  DEFAULT_MAX_RECORD_BYTES,
  type Delivery,
  FrameSubscriber,
  type RawFrame,
  RecordDecodeError,
  type SubscriberStats,
  type SubscriberBase,
  abortableSleep,
  describeError,
  kombuContentProblem,
  redactUri,
} from '@logq/core/transport';
import { AckBatcher } from './ack-batcher.js';
import type { AmqpChannel, AmqpConnection, AmqpMessage } from './amqplib-types.js';
import { AmqpLink, type LinkSettings, isAmqpUri, linkSettings } from './connection.js';
import { SubscriberDelegation, delegatedOptions } from './delegation.js';
import { AmqpAckError, AmqpConnectionError, AmqpTopologyError } from './errors.js';
import {
  DEFAULT_AMQP_URI,
  DEFAULT_READ_AHEAD_BYTES,
  type MessageQueueSubscriberOptions,
  checkQueueName,
} from './options.js';
import { ReadAheadWindow } from './read-ahead.js';
import { QUEUE_OPTIONS } from './topology.js';

/** Counters of a {@link MessageQueueSubscriber}. */
export interface MessageQueueSubscriberStats extends SubscriberStats {
  /** Messages the broker flagged as redelivered: each may be a duplicate of one received before (at-least-once). */
  redelivered: number;
  /** Connections (or channels, on a connection you gave) opened so far. */
  connections: number;
  /** Acknowledgements or rejections that could not reach the broker (channel gone); it redelivers those messages. */
  lostAcks: number;
  /** Prefetched messages dropped unread when their connection broke; the broker redelivers them. */
  discarded: number;
  /** Malformed messages moved to `malformedQueue` (the rest of `malformed` was rejected to the queue's dead-letter exchange). */
  setAside: number;
  /** Times the prefetch window changed to keep `readAheadBytes` (a large message shrinks it). */
  windowChanges: number;
}

const createChannel = (connection: AmqpConnection): Promise<AmqpChannel> => connection.createChannel();

/** What the frames of one channel share. */
interface ChannelContext {
  readonly link: AmqpLink;
  readonly acks: AckBatcher;
  readonly stats: MessageQueueSubscriberStats;
  /** The queue consumed. */
  readonly queue: string;
  /** Where malformed messages go, or null: rejected without requeue (to the queue's dead-letter exchange). */
  readonly malformedQueue: string | null;
  /** Why a message is malformed, by its content. */
  readonly reasons: WeakMap<
    Uint8Array,
    string
  > /** Messages set aside whose ack waits for the channel's writes to drain. */;
  readonly waitingForDrain: AmqpMessage[];
}

const NO_CONTENT = Buffer.alloc(0);

/**
 * Moves a malformed message to the malformed queue (published on the same
 * channel before its ack, so the broker routes it first) with headers saying
 * where it came from and why, or rejects it without requeue.
 */
function setAside(context: ChannelContext, message: AmqpMessage): void {
  const target = context.malformedQueue;
  if (target === null) {
    context.acks.reject(message);
    return;
  }
  const { contentType, contentEncoding, headers } = message.properties;
  const reason = (context.reasons.get(message.content) ?? 'malformed').slice(0, 500);
  const ours = { 'x-logq-malformed-from': context.queue, 'x-logq-malformed-reason': reason };
  const base = {
    deliveryMode: 2,
    ...(typeof contentType === 'string' ? { contentType } : {}),
    ...(typeof contentEncoding === 'string' ? { contentEncoding } : {}),
  };
  const channel = context.link.channel;
  let writable: boolean;
  try {
    writable = channel.publish('', target, message.content, { ...base, headers: { ...headers, ...ours } });
  } catch {
    // Headers amqplib cannot encode again: ours alone.
    writable = channel.publish('', target, message.content, { ...base, headers: ours });
  }
  context.stats.setAside++;
  // Acks need the delivery tag only: not holding the body lets a large one be collected now.
  const settled: AmqpMessage = { content: NO_CONTENT, fields: message.fields, properties: {} };
  if (writable) {
    context.acks.ack(settled);
    return;
  }
  // Writes are backing up (large messages): the ack waits for them, so the
  // prefetch window keeps the broker from sending more meanwhile.
  const waiting = context.waitingForDrain;
  if (waiting.length === 0) {
    channel.once('drain', () => {
      const drained = waiting.splice(0);
      if (context.link.alive) for (const each of drained) context.acks.ack(each);
    });
  }
  waiting.push(settled);
}

/** One delivered message, acknowledged or set aside on the channel it came from. */
class AmqpFrame implements RawFrame {
  constructor(
    readonly data: Buffer,
    private readonly message: AmqpMessage,
    private readonly context: ChannelContext,
  ) {}

  /** Acknowledges (coalesced with others, sent at the latest on the next event-loop turn). */
  ack(): void {
    this.settle('ack', () => this.context.acks.ack(this.message));
  }

  /** Moves it to the malformed queue, or rejects it without requeue (see `malformedQueue`). */
  reject(): void {
    this.settle('set aside', () => setAside(this.context, this.message));
  }

  private settle(what: string, send: () => void): void {
    if (this.context.link.alive) {
      try {
        send();
        return;
      } catch {
        // The channel closed under us: same as below.
      }
    }
    this.context.stats.lostAcks++;
    throw new AmqpAckError(
      `cannot ${what} message ${this.message.fields.deliveryTag}: its channel is closed; the broker will redeliver it`,
    );
  }
}

/**
 * Receives log records from a message queue, as Python Logbook's
 * `MessageQueueSubscriber` does through kombu: it takes any URI whose
 * transport is installed. `amqp://` and `amqps://` are this package's own
 * (below); another scheme (`redis://`, `mongodb://`, or one a third-party
 * package registered with core's `registerTransport`) is read through the
 * subscriber that core's `createSubscriber(uri, { queue })` makes, resolved
 * lazily: a receive waits for it, and rejects with core's
 * `TransportNotFoundError` (naming the package to install) when no installed
 * package handles the scheme. Acknowledgements, `close` and `stats` are the
 * transport's.
 *
 * On RabbitMQ it reads the queue that Python Logbook's
 * `MessageQueueHandler` and {@link MessageQueueHandler} publish to.
 *
 * It consumes with a prefetch window and acknowledges each message after it
 * was dispatched (`dispatchOnce`, `dispatchForever`, background loops) or
 * returned (`recv`): at-least-once. A malformed message is counted,
 * reported and rejected without requeue (to the dead-letter exchange, when
 * the queue has one). When the connection breaks it reconnects with backoff;
 * messages that were not acknowledged come again (counted in
 * `stats.redelivered`). `recv(timeout)` takes milliseconds and returns null
 * on timeout (Logbook's raises).
 *
 * @example
 * const subscriber = new MessageQueueSubscriber('amqp://guest:guest@localhost//', { queue: 'logging' });
 * const controller = subscriber.dispatchInBackground(new StreamHandler(process.stdout));
 * // ...
 * await controller.stop();
 * await subscriber.close();
 */
export class MessageQueueSubscriber extends FrameSubscriber {
  /** Counters; see {@link MessageQueueSubscriberStats}. For another scheme, the transport's. */
  override readonly stats: MessageQueueSubscriberStats;
  /** The queue name (on AMQP also the exchange and routing key name). */
  readonly queue: string;
  /** The URI, its password shown as `***`. */
  readonly uri: string;
  /** Prefetch window (AMQP). */
  readonly prefetch: number;
  private readonly settings: LinkSettings | null;
  private readonly delegation: SubscriberDelegation<MessageQueueSubscriberStats> | null;
  private readonly frames = new AsyncQueue<AmqpFrame>();
  private readonly reasons = new WeakMap<Uint8Array, string>();
  private readonly malformedQueue: string | null;
  private readonly readAheadBytes: number;
  private readonly maxRecordBytes: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private link: AmqpLink | null = null;
  private acks: AckBatcher | null = null;
  private loop: Promise<void> | null = null;
  private waiters: { resolve(): void; reject(error: unknown): void }[] = [];

  /**
   * @param uri - `amqp://user:password@host:port/vhost` or `amqps://...`.
   * @param options - see {@link MessageQueueSubscriberOptions}.
   * @throws {AmqpConfigError} for options that cannot work.
   */
  constructor(uri: string = DEFAULT_AMQP_URI, options: MessageQueueSubscriberOptions = {}) {
    super(options);
    const stats: MessageQueueSubscriberStats = {
      received: 0,
      dispatched: 0,
      malformed: 0,
      errors: 0,
      redelivered: 0,
      connections: 0,
      lostAcks: 0,
      discarded: 0,
      setAside: 0,
      windowChanges: 0,
    };
    this.readAheadBytes = Math.max(1, options.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES);
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.prefetch = Math.max(1, Math.floor(options.prefetch ?? 256));
    this.initialDelayMs = Math.max(1, options.reconnect?.initialDelayMs ?? 100);
    this.maxDelayMs = Math.max(this.initialDelayMs, options.reconnect?.maxDelayMs ?? 5000);
    if (options.connection !== undefined || isAmqpUri(uri)) {
      this.settings = linkSettings(uri, options, 'MessageQueueSubscriber', 'subscriber');
      this.delegation = null;
      this.stats = stats;
      this.queue = this.settings.queue;
      this.uri = this.settings.safeUri;
      const malformedQueue =
        options.malformedQueue === undefined
          ? options.deadLetterExchange === undefined
            ? `${this.queue}.malformed`
            : null
          : options.malformedQueue;
      this.malformedQueue = malformedQueue === null ? null : checkQueueName(malformedQueue);
      return;
    }
    this.queue = checkQueueName(options.queue);
    this.uri = redactUri(uri);
    this.settings = null;
    this.malformedQueue = null;
    const onError = (error: unknown, record?: LogRecord): void => this.reportError(error, record);
    this.delegation = new SubscriberDelegation(
      { uri, options: delegatedOptions(uri, options, this.queue, onError, 'MessageQueueSubscriber') },
      stats,
    );
    this.stats = this.delegation.stats;
  }

  /**
   * The URI, its password shown as `***`.
   * @deprecated Use {@link MessageQueueSubscriber.uri} (the same name in every transport).
   */
  get url(): string {
    return this.uri;
  }

  /** For a URI of another scheme, the transport's subscriber once resolved (null before, and for AMQP). */
  get delegate(): SubscriberBase | null {
    return this.delegation?.inner ?? null;
  }

  /** Whether it is consuming now. */
  get isConnected(): boolean {
    if (this.delegation !== null)
      return (this.delegation.inner as { readonly isConnected?: unknown } | null)?.isConnected === true;
    return this.link?.alive ?? false;
  }

  /**
   * Connects and starts consuming now rather than at the first receive.
   * Resolves once consuming; rejects with the error of a failed attempt (the
   * subscriber keeps trying in the background) or when it is closed. For
   * another scheme: resolves the transport (rejecting when none is installed)
   * and calls its `connect()` when it has one.
   */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new AmqpConnectionError('the subscriber is closed'));
    if (this.delegation !== null) {
      return this.delegation.ready().then(async (inner) => {
        const connectable = inner as { connect?: () => Promise<unknown> };
        if (typeof connectable.connect === 'function') await connectable.connect();
      });
    }
    if (this.isConnected) return Promise.resolve();
    const ready = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.start();
    return ready;
  }

  protected override nextDelivery(timeoutMs: number | null, signal: AbortSignal): Promise<Delivery | null> {
    return this.delegation === null
      ? super.nextDelivery(timeoutMs, signal)
      : this.delegation.receive(timeoutMs, signal);
  }

  protected override pollFrame(): RawFrame | null {
    return this.frames.poll();
  }

  protected receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    this.start();
    // With timeoutMs 0 the queue waits one event-loop turn when empty, so that pending socket
    // reads land first and a loop polling with recv(0) sees new messages instead of starving
    // the connection.
    return this.frames.take(timeoutMs, signal);
  }

  protected override decode(data: string | Uint8Array): LogRecord {
    const reason = typeof data === 'string' ? undefined : this.reasons.get(data);
    if (reason !== undefined) throw new RecordDecodeError(reason);
    try {
      return super.decode(data);
    } catch (error) {
      if (typeof data !== 'string') this.reasons.set(data, describeError(error));
      throw error;
    }
  }

  protected override async closeTransport(): Promise<void> {
    if (this.delegation !== null) {
      await this.delegation.close();
      return;
    }
    this.frames.close();
    // Acks of records already dispatched go out before the channel closes.
    this.acks?.flush();
    const link = this.link;
    this.link = null;
    await link?.close();
    await this.loop;
    this.settleWaiters(new AmqpConnectionError('the subscriber was closed'));
  }

  private start(): void {
    const settings = this.settings;
    if (this.loop !== null || this.closed || settings === null) return;
    this.loop = this.maintain(settings);
  }

  private settleWaiters(error: unknown | null): void {
    for (const waiter of this.waiters.splice(0)) {
      if (error === null) waiter.resolve();
      else waiter.reject(error);
    }
  }

  /** Keeps one consuming link open until the subscriber closes. */
  private async maintain(settings: LinkSettings): Promise<void> {
    const stop = this.closeController.signal;
    let delay = this.initialDelayMs;
    const pause = async (): Promise<void> => {
      await abortableSleep(delay * (0.8 + Math.random() * 0.4), stop);
      delay = Math.min(this.maxDelayMs, delay * 2);
    };
    while (!stop.aborted) {
      let link: AmqpLink | null = null;
      try {
        link = await AmqpLink.open(settings, createChannel, stop);
        await this.consume(link, settings);
      } catch (error) {
        await link?.close();
        if (stop.aborted) break;
        this.reportError(error);
        this.settleWaiters(error);
        await pause();
        continue;
      }
      if (stop.aborted) {
        await link.close();
        break;
      }
      this.link = link;
      this.stats.connections++;
      this.settleWaiters(null);
      const end = await link.ended;
      if (this.link === link) this.link = null;
      this.acks?.flush(); // counts acks that can no longer go out
      // Prefetched messages nobody took yet: the broker requeues them with the channel.
      this.stats.discarded += this.frames.drain().length;
      await link.close();
      if (stop.aborted) break;
      if (end.error !== null) this.reportError(end.error);
      delay = this.initialDelayMs;
      await pause();
    }
  }

  private async consume(link: AmqpLink, settings: LinkSettings): Promise<void> {
    const channel = link.channel;
    const acks = new AckBatcher(
      channel,
      Math.max(1, Math.floor(this.prefetch / 4)),
      () => link.alive,
      (count) => {
        this.stats.lostAcks += count;
        this.reportError(
          new AmqpAckError(
            `${count} acknowledgement(s) lost with the channel; the broker will redeliver those messages`,
          ),
        );
      },
    );
    this.acks = acks;
    const context: ChannelContext = {
      link,
      acks,
      stats: this.stats,
      queue: this.queue,
      malformedQueue: this.malformedQueue,
      reasons: this.reasons,
      waitingForDrain: [],
    };
    if (this.malformedQueue !== null && settings.declare) {
      try {
        await channel.assertQueue(this.malformedQueue, QUEUE_OPTIONS);
      } catch (error) {
        throw new AmqpTopologyError(
          `cannot declare the malformed queue ${JSON.stringify(this.malformedQueue)}: ${describeError(error)}`,
          { cause: error },
        );
      }
    }
    const window = new ReadAheadWindow(this.prefetch, this.readAheadBytes, this.maxRecordBytes);
    // A quorum queue returns what is in flight to a cancelled consumer, to be redelivered out of
    // order: its window stays at the first size (readAheadBytes / maxRecordBytes) instead.
    const adaptive = settings.queueArguments['x-queue-type'] !== 'quorum';
    let consumerTag = '';
    let resizing: Promise<void> = Promise.resolve();
    // RabbitMQ applies a consumer's prefetch when it starts consuming: a new window means a new consumer.
    const resize = (): void => {
      resizing = resizing.then(async () => {
        const target = window.current;
        if (!link.alive || this.closed) return;
        try {
          await channel.cancel(consumerTag);
          await channel.prefetch(target);
          consumerTag = (await channel.consume(this.queue, onMessage, { noAck: false })).consumerTag;
          this.stats.windowChanges++;
        } catch (error) {
          if (!link.alive || this.closed) return;
          this.reportError(
            new AmqpConnectionError(`cannot change the prefetch window to ${target}: ${describeError(error)}`, {
              cause: error,
            }),
          );
          void link.close(); // reconnect with a fresh channel
        }
      });
    };
    const onMessage = (message: AmqpMessage | null): void => {
      // Nothing may throw here: amqplib would turn it into a connection error.
      try {
        if (message === null) {
          // The broker cancelled the consumer (queue deleted): reconnect, which declares it again.
          this.reportError(
            new AmqpConnectionError(`the broker cancelled consuming from ${JSON.stringify(this.queue)}`),
          );
          void link.close();
          return;
        }
        if (!link.alive) return; // the broker redelivers it on a new channel
        if (message.fields.redelivered) this.stats.redelivered++;
        acks.delivered(message);
        const size = message.content.length;
        if (adaptive && window.observe(size) !== null) resize();
        const frame = new AmqpFrame(message.content, message, context);
        if (size > this.maxRecordBytes) {
          // Set aside at once: never queued, so a run of huge messages holds no memory.
          this.stats.received++;
          this.stats.malformed++;
          const reason = `message of ${size} bytes exceeds maxRecordBytes (${this.maxRecordBytes})`;
          this.reasons.set(message.content, reason);
          this.reportError(new RecordDecodeError(reason));
          frame.reject();
          return;
        }
        const reason = kombuContentProblem(message.properties);
        if (reason !== null) this.reasons.set(message.content, reason);
        this.frames.push(frame);
      } catch (error) {
        this.reportError(error);
      }
    };
    await channel.prefetch(window.current);
    consumerTag = (await channel.consume(this.queue, onMessage, { noAck: false })).consumerTag;
  }
}

/** Logbook's alias of {@link MessageQueueSubscriber}. */
export const RabbitMQSubscriber = MessageQueueSubscriber;
