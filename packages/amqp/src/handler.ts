import { type HandlerStats, QueueHandler, describeError } from '@logq/core';
import { type AmqpConfirmChannel, type AmqpConnection, AmqpLink, type AmqpPublishOptions, type LinkSettings, linkSettings } from './client.js';
import { AmqpConnectionError, AmqpPublishError } from './errors.js';
import { DEFAULT_AMQP_URI, type MessageQueueHandlerOptions } from './options.js';
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

const createConfirmChannel = (connection: AmqpConnection): Promise<AmqpConfirmChannel> => connection.createConfirmChannel();

/**
 * Publishes log records to RabbitMQ (or any AMQP 0-9-1 broker) the way
 * Python Logbook's `MessageQueueHandler` does through kombu: each record is a
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
 * using _ = handler.pushApplication();
 * new Logger('app').warn('disk {0} is {1:.0%} full', '/var', 0.93);
 * await handler.close();
 */
export class MessageQueueHandler extends QueueHandler<string> {
  /** Counters; see {@link MessageQueueHandlerStats}. */
  override readonly stats: MessageQueueHandlerStats = { sent: 0, buffered: 0, dropped: 0, errors: 0, republished: 0, connections: 0 };
  /** The queue, exchange and routing key name. */
  readonly queue: string;
  /** The broker URI without its password. */
  readonly url: string;
  /** Whether messages are persistent (`delivery_mode` 2). */
  readonly persistent: boolean;
  readonly #settings: LinkSettings;
  readonly #publishOptions: AmqpPublishOptions;
  #link: AmqpLink<AmqpConfirmChannel> | null = null;

  /**
   * @param uri - `amqp://user:password@host:port/vhost` or `amqps://...`
   *   (kombu's form `amqp://guest:guest@localhost//` means the vhost `/`).
   * @param options - see {@link MessageQueueHandlerOptions}.
   * @throws {AmqpConfigError} for options that cannot work (never later, from a log call).
   */
  constructor(uri: string = DEFAULT_AMQP_URI, options: MessageQueueHandlerOptions = {}) {
    super({ ...options, batchSize: options.batchSize ?? 1000 });
    this.#settings = linkSettings(uri, options, 'MessageQueueHandler');
    this.queue = this.#settings.queue;
    this.url = this.#settings.safeUri;
    this.persistent = options.persistent ?? true;
    this.#publishOptions = publishOptions(this.persistent);
  }

  /** Whether a connection to the broker is open now. */
  get isConnected(): boolean {
    return this.#link?.alive ?? false;
  }

  protected async connect(signal: AbortSignal): Promise<void> {
    this.#link = await AmqpLink.open(this.#settings, createConfirmChannel, signal);
    this.stats.connections++;
  }

  protected async sendBatch(batch: readonly string[], signal: AbortSignal): Promise<void> {
    let link = this.#link;
    if (link === null || !link.alive) {
      // The link died while idle: reconnect at once instead of failing a batch that was never tried.
      await this.disconnect();
      await this.connect(signal);
      link = this.#link;
      if (link === null) throw new AmqpConnectionError(`not connected to ${this.url}`);
    }
    await publishConfirmed(link, this.queue, batch, this.#publishOptions, signal, (published) => {
      this.stats.republished += published;
    });
  }

  protected async disconnect(): Promise<void> {
    const link = this.#link;
    this.#link = null;
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
      finish(new AmqpPublishError(`${published - confirmed - nacked} of ${batch.length} record(s) not confirmed: ${end.error ? describeError(end.error) : 'channel closed'}`, { cause: end.error ?? undefined }));
    });
    signal.addEventListener('abort', onAbort, { once: true });
    // One callback for the whole batch: amqplib calls it once per message (null on ack, an error on nack or close).
    const onConfirm = (error: unknown): void => {
      if (error === null || error === undefined) confirmed++;
      else nacked++;
      if (confirmed + nacked < batch.length) return;
      finish(nacked === 0 ? null : new AmqpPublishError(`the broker did not accept ${nacked} of ${batch.length} record(s)`));
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
