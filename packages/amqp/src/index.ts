/**
 * `@logq/amqp`: Python Logbook's `MessageQueueHandler` and
 * `MessageQueueSubscriber` on RabbitMQ (AMQP 0-9-1) through amqplib, on
 * kombu's SimpleQueue topology so that Python and Node share queues.
 * Importing it registers the `amqp://` and `amqps://` schemes with
 * `@logq/core`'s `createHandler` / `createSubscriber`.
 * @packageDocumentation
 */
import { registerTransport } from '@logq/core/transport';
import { MessageQueueHandler } from './handler.js';
import type { MessageQueueHandlerOptions, MessageQueueSubscriberOptions } from './options.js';
import { MessageQueueSubscriber } from './subscriber.js';

export type {
  AmqpChannel,
  AmqpConfirmChannel,
  AmqpConnection,
  AmqpListener,
  AmqpMessage,
  AmqpMessageProperties,
  AmqpPublishOptions,
  AmqpQueueOptions,
} from './amqplib-types.js';
export { AmqpAckError, AmqpConfigError, AmqpConnectionError, AmqpPublishError, AmqpTopologyError } from './errors.js';
export { MessageQueueHandler, RabbitMQHandler, type MessageQueueHandlerStats } from './handler.js';
export {
  DEFAULT_AMQP_URI,
  DEFAULT_QUEUE,
  DEFAULT_READ_AHEAD_BYTES,
  type AmqpTlsOptions,
  type MessageQueueConnectionOptions,
  type MessageQueueHandlerOptions,
  type MessageQueueSubscriberOptions,
  type TlsMaterial,
} from './options.js';
export { MessageQueueSubscriber, RabbitMQSubscriber, type MessageQueueSubscriberStats } from './subscriber.js';
export { EXCHANGE_OPTIONS, QUEUE_OPTIONS, publishOptions } from './topology.js';

registerTransport(['amqp', 'amqps'], {
  packageName: '@logq/amqp',
  createHandler: (uri, options) => new MessageQueueHandler(uri, options as MessageQueueHandlerOptions),
  createSubscriber: (uri, options) => new MessageQueueSubscriber(uri, options as MessageQueueSubscriberOptions),
});
