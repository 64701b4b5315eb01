import { describeError, kombuAmqpProperties } from '@logq/core/transport';
import type { AmqpChannel, AmqpPublishOptions } from './amqplib-types.js';
import { AmqpTopologyError } from './errors.js';

/** What the declarations need. */
export interface TopologySettings {
  /** Queue, exchange and routing key name. */
  readonly queue: string;
  /** Queue arguments (`x-dead-letter-exchange`, ...); empty for kombu's defaults. */
  readonly queueArguments: Readonly<Record<string, unknown>>;
  /** Whether the queue is durable (kombu's default: true). */
  readonly durable: boolean;
}

/**
 * Kombu's `Exchange(name, type='direct')` defaults: durable, not
 * auto-deleted, not internal, no arguments. Declaring with anything else
 * would make the broker refuse one side with 406 PRECONDITION_FAILED.
 */
export const EXCHANGE_OPTIONS = { durable: true, autoDelete: false, internal: false } as const;

/** Kombu's `Queue(name, exchange, name)` defaults: durable, not exclusive, not auto-deleted. */
export const QUEUE_OPTIONS = { durable: true, autoDelete: false, exclusive: false } as const;

/**
 * The message properties that kombu's `Producer.publish` sets for a JSON body
 * (as Logbook's `MessageQueueHandler` sends it): `application/json`, `utf-8`,
 * empty headers, priority 0, and `delivery_mode` 2 (persistent) by default.
 */
export function publishOptions(persistent: boolean): AmqpPublishOptions {
  return kombuAmqpProperties(persistent);
}

/**
 * Declares kombu's SimpleQueue topology: a direct exchange and a durable
 * queue, both named `queue`, bound with routing key `queue`. Idempotent, and
 * equivalent to what kombu declares, so either side may come first.
 * @throws {AmqpTopologyError} when the broker refuses (the channel is then closed).
 */
export async function declareTopology(channel: AmqpChannel, settings: TopologySettings): Promise<void> {
  const { queue } = settings;
  try {
    await channel.assertExchange(queue, 'direct', EXCHANGE_OPTIONS);
    await channel.assertQueue(queue, {
      ...QUEUE_OPTIONS,
      durable: settings.durable,
      arguments: settings.queueArguments,
    });
    await channel.bindQueue(queue, queue, queue);
  } catch (error) {
    const hint = /PRECONDITION/i.test(describeError(error))
      ? ' (the queue or exchange exists with other settings; every side must declare it with the same arguments, see deadLetterExchange)'
      : '';
    throw new AmqpTopologyError(`cannot declare queue ${JSON.stringify(queue)}: ${describeError(error)}${hint}`, {
      cause: error,
    });
  }
}
