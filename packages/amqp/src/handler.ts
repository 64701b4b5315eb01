import type { Handler, LogRecord } from '@logq/core';
import {
  type CloseOptions,
  type CloseResult,
  type HandlerStats,
  QueueHandler,
  WRAPPED_HANDLERS,
  describeError,
  redactUri,
  untrackHandler,
} from '@logq/core/transport';
import type { AmqpConfirmChannel, AmqpConnection, AmqpPublishOptions } from './amqplib-types.js';
import { AmqpLink, type LinkSettings, isAmqpUri, linkSettings } from './connection.js';
import { HandlerDelegation, delegatedOptions } from './delegation.js';
import { AmqpConnectionError, AmqpPublishError } from './errors.js';
import { DEFAULT_AMQP_URI, type MessageQueueHandlerOptions, checkQueueName } from './options.js';
import { publishOptions } from './topology.js';

/** Counters of a {@link MessageQueueHandler}. */
export interface MessageQueueHandlerStats extends HandlerStats {
  /**
   * Records of batches that failed after being published, and so are
   * published again: the most duplicates subscribers may see from this
   * handler (at-least-once).
   */
  republished: number;
  /** Connections (or channels, on a connection you gave) opened so far. */
  connections: number;
}

const createConfirmChannel = (connection: AmqpConnection): Promise<AmqpConfirmChannel> =>
  connection.createConfirmChannel();

/**
 * Publishes log records through a message queue, as Python Logbook's
 * `MessageQueueHandler` does through kombu: it takes any URI whose transport
 * is installed. `amqp://` and `amqps://` are this package's own (below);
 * another scheme (`redis://`, `mongodb://`, or one a third-party package
 * registered with core's `registerTransport`) is handed to the transport that
 * core's `createHandler(uri, { queue })` finds, resolved lazily: until it
 * exists, records wait in a buffer of `maxBuffer` (overflow counted as
 * dropped), and when no installed package handles the scheme, every record is
 * dropped, counted and reported through `onError` with core's
 * `TransportNotFoundError`, which names the package to install; `flush()`
 * rejects with it. `flush`, `close` and `stats` are the transport's.
 *
 * On RabbitMQ (or any AMQP 0-9-1 broker) each record is a
 * persistent JSON message (`application/json`, `utf-8`) sent to the direct
 * exchange named `queue` with routing key `queue`, and a durable queue of
 * that name is bound to it, so Logbook's `MessageQueueSubscriber` and
 * {@link MessageQueueSubscriber} read it.
 *
 * A log call only encodes and buffers the record. A background pump
 * connects lazily, publishes batches on a confirm channel and waits for the
 * broker's confirms: `flush()` resolves once the broker has every record.
 * While the broker is unreachable it buffers up to `maxBuffer` records and
 * reconnects with backoff; a batch that was not confirmed is published again
 * (at-least-once, counted in `stats.republished`).
 *
 * @example
 * const handler = new MessageQueueHandler('amqp://guest:guest@localhost//', { queue: 'logging' });
 * // or: new MessageQueueHandler('redis://localhost:8889/0') with @logq/redis installed
 * handler.pushApplication();
 * new Logger('app').warn('disk {0} is {1:.0%} full', '/var', 0.93);
 * await handler.close();
 */
export class MessageQueueHandler extends QueueHandler<string> {
  /** Counters; see {@link MessageQueueHandlerStats}. For another scheme, the transport's (plus records dropped before it existed). */
  override readonly stats: MessageQueueHandlerStats;
  /** The queue name (on AMQP also the exchange and routing key name). */
  readonly queue: string;
  /** The URI, its password shown as `***`. */
  readonly uri: string;
  /** Whether messages are persistent (`delivery_mode` 2; AMQP only). */
  readonly persistent: boolean;
  private readonly settings: LinkSettings | null;
  private readonly publishOptions: AmqpPublishOptions;
  private readonly delegation: HandlerDelegation<MessageQueueHandlerStats> | null;
  private delegatedClose: Promise<CloseResult> | null = null;
  private link: AmqpLink<AmqpConfirmChannel> | null = null;

  /**
   * @param uri - `amqp://user:password@host:port/vhost` or `amqps://...`
   *   (kombu's form `amqp://guest:guest@localhost//` means the vhost `/`), or
   *   any URI whose transport is installed (`redis://localhost:6379/0`,
   *   `mongodb://localhost:27017/logging`, a registered third-party scheme).
   * @param options - see {@link MessageQueueHandlerOptions}.
   * @throws {AmqpConfigError} for options that cannot work (never later, from a log call).
   */
  constructor(uri: string = DEFAULT_AMQP_URI, options: MessageQueueHandlerOptions = {}) {
    super({ ...options, batchSize: options.batchSize ?? 1000 });
    const stats: MessageQueueHandlerStats = {
      sent: 0,
      buffered: 0,
      dropped: 0,
      errors: 0,
      republished: 0,
      connections: 0,
    };
    this.persistent = options.persistent ?? true;
    this.publishOptions = publishOptions(this.persistent);
    if (options.connection !== undefined || isAmqpUri(uri)) {
      this.settings = linkSettings(uri, options, 'MessageQueueHandler', 'handler');
      this.delegation = null;
      this.stats = stats;
      this.queue = this.settings.queue;
      this.uri = this.settings.safeUri;
      return;
    }
    this.queue = checkQueueName(options.queue);
    this.uri = redactUri(uri);
    this.settings = null;
    this.delegation = new HandlerDelegation(
      {
        uri,
        options: delegatedOptions(
          uri,
          options,
          this.queue,
          (error, record) => this.handleError(error, record),
          'MessageQueueHandler',
        ),
        maxBuffer: this.maxBuffer,
        overflow: this.overflow,
        report: (error, record) => this.handleError(error, record),
      },
      stats,
    );
    this.stats = this.delegation.stats;
  }

  /**
   * The URI, its password shown as `***`.
   * @deprecated Use {@link MessageQueueHandler.uri} (the same name in every transport).
   */
  get url(): string {
    return this.uri;
  }

  /** For a URI of another scheme, the transport's handler once resolved (null before, and for AMQP). */
  get delegate(): Handler | null {
    return this.delegation?.inner ?? null;
  }

  /**
   * The transport's handler, for core's `shutdown()` and exit flush: they
   * close this handler before it, and count its records once.
   */
  [WRAPPED_HANDLERS](): readonly Handler[] {
    const inner = this.delegate;
    return inner === null ? [] : [inner];
  }

  /** Whether a connection to the broker is open now. */
  get isConnected(): boolean {
    if (this.delegation !== null)
      return (this.delegation.inner as { readonly isConnected?: unknown } | null)?.isConnected === true;
    return this.link?.alive ?? false;
  }

  /** Buffers the record (AMQP), or hands it to the transport of another scheme. Never throws, never waits. */
  override emit(record: LogRecord): void {
    if (this.delegation === null || this.closed) {
      super.emit(record); // a closed handler counts and reports the drop
      return;
    }
    this.delegation.handle(record);
  }

  /** Resolves once the broker has every record logged so far (for another scheme: the transport's `flush`, after it was resolved). */
  override flush(): Promise<void> {
    return this.delegation === null ? super.flush() : this.delegation.flush();
  }

  /** Flushes within `timeoutMs`, then closes the connection; see core's `QueueHandler.close`. */
  override close(options: CloseOptions = {}): Promise<CloseResult> {
    const delegation = this.delegation;
    if (delegation === null) return super.close(options);
    this.closed = true;
    this.delegatedClose ??= delegation.close(options.timeoutMs ?? 5000).finally(() => untrackHandler(this));
    return this.delegatedClose;
  }

  protected async connect(signal: AbortSignal): Promise<void> {
    if (this.settings === null) throw new AmqpConnectionError(`${this.uri} is not an AMQP URI`);
    this.link = await AmqpLink.open(this.settings, createConfirmChannel, signal);
    this.stats.connections++;
  }

  protected async sendBatch(batch: readonly string[], signal: AbortSignal): Promise<void> {
    let link = this.link;
    if (link === null || !link.alive) {
      // The link died while idle: reconnect at once instead of failing a batch that was never tried.
      await this.disconnect();
      await this.connect(signal);
      link = this.link;
      if (link === null) throw new AmqpConnectionError(`not connected to ${this.uri}`);
    }
    await publishConfirmed(link, this.queue, batch, this.publishOptions, signal, (published) => {
      this.stats.republished += published;
    });
  }

  protected async disconnect(): Promise<void> {
    const link = this.link;
    this.link = null;
    await link?.close();
  }
}

/** Logbook's alias of {@link MessageQueueHandler}. */
export const RabbitMQHandler = MessageQueueHandler;

/**
 * Publishes every payload of a batch and resolves once the broker confirmed
 * them all. Honours back-pressure (`publish()` returning false waits for
 * `drain`). Rejects with {@link AmqpPublishError} on a nack, when the link
 * ends first, or when `signal` aborts; `onFailedAfterPublish` then gets how
 * many of the batch had been published (possible duplicates once resent).
 */
function publishConfirmed(
  link: AmqpLink<AmqpConfirmChannel>,
  queue: string,
  batch: readonly string[],
  options: AmqpPublishOptions,
  signal: AbortSignal,
  onFailedAfterPublish: (published: number) => void,
): Promise<void> {
  const channel = link.channel;
  return new Promise<void>((resolve, reject) => {
    let published = 0;
    let confirmed = 0;
    let nacked = 0;
    let settled = false;
    let wakeDrain: (() => void) | null = null;
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      stopWatchingEnd();
      signal.removeEventListener('abort', onAbort);
      wakeDrain?.();
      if (error === null) {
        resolve();
        return;
      }
      if (published > 0) onFailedAfterPublish(published);
      reject(error);
    };
    const onAbort = (): void => finish(new AmqpPublishError('publishing was aborted (handler closing)'));
    const stopWatchingEnd = link.onEnd((end) => {
      finish(
        new AmqpPublishError(
          `${published - confirmed - nacked} of ${batch.length} record(s) not confirmed: ${end.error ? describeError(end.error) : 'channel closed'}`,
          { cause: end.error ?? undefined },
        ),
      );
    });
    signal.addEventListener('abort', onAbort, { once: true });
    // One callback for the whole batch: amqplib calls it once per message (null on ack, an error on nack or close).
    const onConfirm = (error: unknown): void => {
      if (error === null || error === undefined) confirmed++;
      else nacked++;
      if (confirmed + nacked < batch.length) return;
      finish(
        nacked === 0 ? null : new AmqpPublishError(`the broker did not accept ${nacked} of ${batch.length} record(s)`),
      );
    };
    const waitForDrain = (): Promise<void> =>
      new Promise<void>((wake) => {
        const onDrain = (): void => {
          wakeDrain = null;
          wake();
        };
        wakeDrain = () => {
          channel.removeListener('drain', onDrain);
          wakeDrain = null;
          wake();
        };
        channel.once('drain', onDrain);
      });
    void (async () => {
      try {
        for (const payload of batch) {
          if (settled) return;
          const writable = channel.publish(queue, queue, Buffer.from(payload, 'utf8'), options, onConfirm);
          published++;
          if (!writable && published < batch.length) await waitForDrain();
        }
      } catch (error) {
        finish(new AmqpPublishError(`cannot publish: ${describeError(error)}`, { cause: error }));
      }
    })();
  });
}
