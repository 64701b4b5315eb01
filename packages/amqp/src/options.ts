import type { QueueHandlerOptions, ReconnectOptions, SubscriberOptions } from '@logq/core/transport';
import type { AmqpConnection } from './amqplib-types.js';
import { AmqpConfigError } from './errors.js';

/** The URI used when none is given: Logbook's and kombu's default broker. */
export const DEFAULT_AMQP_URI = 'amqp://guest:guest@localhost//';

/** The queue (and exchange, and routing key) used when none is given, as in Logbook. */
export const DEFAULT_QUEUE = 'logging';

/**
 * The queue name from the options (Logbook's default `'logging'`).
 * @throws {AmqpConfigError} when it is not a non-empty string.
 */
export function checkQueueName(queue: unknown): string {
  const name = queue ?? DEFAULT_QUEUE;
  if (typeof name !== 'string' || name === '') throw new AmqpConfigError('queue must be a non-empty string');
  return name;
}

/** The default byte budget of a subscriber's prefetch window (`readAheadBytes`): 32 MiB. */
export const DEFAULT_READ_AHEAD_BYTES = 32 * 1024 * 1024;

/** Key material, as Node's `tls.connect` takes it. */
export type TlsMaterial = string | Buffer | readonly (string | Buffer)[];

/**
 * TLS settings for `amqps://` URIs, passed through to `tls.connect` (through
 * amqplib's socket options). Ignored keys are never read; an `amqp://` URI
 * with `tls` set is a configuration error.
 */
export interface AmqpTlsOptions {
  /** Trusted CA certificates (PEM); the system's CAs when omitted. @default Node's root CAs */
  readonly ca?: TlsMaterial;
  /** Client certificate chain (PEM), for brokers that verify peers. @default none */
  readonly cert?: TlsMaterial;
  /** Client private key (PEM). @default none */
  readonly key?: TlsMaterial;
  /** Passphrase of `key` or `pfx`. Never logged. @default none */
  readonly passphrase?: string;
  /** Client certificate and key as PKCS#12. @default none */
  readonly pfx?: TlsMaterial;
  /** Name checked against the broker's certificate (SNI). @default the URI's host name (none for an IP address) */
  readonly servername?: string;
  /** Whether a broker certificate that does not verify is refused. @default true */
  readonly rejectUnauthorized?: boolean;
}

/** Options shared by {@link MessageQueueHandler} and {@link MessageQueueSubscriber}. */
export interface MessageQueueConnectionOptions {
  /**
   * Name of the queue, of the direct exchange in front of it and of the
   * routing key between them (kombu's `SimpleQueue(name)`, as Logbook uses it).
   * @default 'logging'
   */
  readonly queue?: string;
  /**
   * A connection you opened with `amqplib.connect()`: the handler or
   * subscriber opens its own channel on it, and never closes the connection
   * (you do). When it dies, recovery is yours: the handler keeps buffering
   * and the subscriber keeps retrying until a channel opens again. When
   * given, the URI and `tls` are not used.
   * @default none: a connection of its own, from the URI
   */
  readonly connection?: AmqpConnection;
  /** TLS settings for `amqps://` URIs. @default none (Node's defaults) */
  readonly tls?: AmqpTlsOptions;
  /** How long opening a connection may take, in ms. @default 10000 */
  readonly connectTimeoutMs?: number;
  /**
   * Whether to declare the exchange, the queue and their binding on every
   * (re)connection, as kombu does. Turn off when the user may not configure
   * entities and they exist already.
   * @default true
   */
  readonly declare?: boolean;
  /**
   * Declares the queue with `x-dead-letter-exchange` set to this exchange, so
   * that rejected (malformed) messages go there. The queue's arguments cannot
   * change once it exists: every side that declares it (Python Logbook
   * included) must use the same arguments, or the broker refuses the
   * declaration with 406 PRECONDITION_FAILED. A RabbitMQ policy
   * (`rabbitmqctl set_policy`) sets a dead-letter exchange without that
   * constraint and is the better choice when Python peers share the queue.
   * @default none
   */
  readonly deadLetterExchange?: string;
  /**
   * Further queue arguments (`x-max-length`, `x-queue-type`, ...). The same
   * caveat as for `deadLetterExchange` applies.
   * @default none
   */
  readonly queueArguments?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Whether the queue is durable (its definition survives a broker restart,
   * as kombu declares it). `false` declares a transient queue, for the fast
   * mode with `persistent: false` without a queue declared beforehand. Every
   * side that declares the queue must declare it alike, or the broker refuses
   * with 406 PRECONDITION_FAILED (Python Logbook declares it durable).
   * @default true
   */
  readonly durable?: boolean;
  /**
   * The queue type: `'quorum'` declares a RabbitMQ quorum queue
   * (`x-queue-type: quorum`, replicated, always durable) with the same
   * at-least-once delivery; `'classic'` declares the queue without a type
   * argument, as kombu does. The caveat of `deadLetterExchange` applies.
   * @default 'classic'
   */
  readonly queueType?: 'classic' | 'quorum';
  /** Shown as the connection's name in RabbitMQ's management tools. @default 'logq <class name>' */
  readonly connectionName?: string;
}

/** Options of {@link MessageQueueHandler}. */
export interface MessageQueueHandlerOptions extends QueueHandlerOptions, MessageQueueConnectionOptions {
  /**
   * Whether messages are persistent (`delivery_mode` 2, as kombu publishes
   * them), so that they survive a broker restart in the durable queue.
   * @default true
   */
  readonly persistent?: boolean;
  /**
   * Most records published before waiting for the broker's confirms (one
   * round trip per batch).
   * @default 1000
   */
  readonly batchSize?: number;
}

/** Options of {@link MessageQueueSubscriber}. */
export interface MessageQueueSubscriberOptions extends SubscriberOptions, MessageQueueConnectionOptions {
  /**
   * Most messages the broker sends ahead of acknowledgements (`basic.qos`
   * prefetch count; see `readAheadBytes` for the window actually used);
   * these are redelivered when the subscriber dies.
   * @default 256
   */
  readonly prefetch?: number;
  /** Reconnection backoff after the connection is lost. @default 100 ms doubling to 5000 ms */
  readonly reconnect?: ReconnectOptions;
  /**
   * Bytes the broker may send ahead of acknowledgements. AMQP's prefetch is a
   * count, so the window is sized in messages from this budget: it starts at
   * `readAheadBytes / maxRecordBytes` (32 with the defaults), shrinks to
   * `readAheadBytes / s` after a message of `s` bytes (1 after one over
   * `maxRecordBytes`), and doubles back up to `prefetch` as messages fit. On a quorum queue
   * the window keeps its first size (changing it means re-consuming, and a
   * quorum queue redelivers what was in flight out of order).
   * @default 33554432 (32 MiB)
   */
  readonly readAheadBytes?: number;
  /**
   * Where malformed messages (not a record, foreign, over `maxRecordBytes`)
   * are moved, so that nothing on a shared queue is destroyed: a durable queue
   * (declared unless `declare: false`), fed through the default exchange, with
   * headers `x-logq-malformed-from` and `x-logq-malformed-reason`. `null`
   * rejects them without requeue instead, to the queue's dead-letter exchange
   * (`deadLetterExchange` or a policy) — or nowhere when it has none.
   * @default `${queue}.malformed`, or null when `deadLetterExchange` is set
   */
  readonly malformedQueue?: string | null;
}
