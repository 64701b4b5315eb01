import { LogqError } from '@logq/core/transport';

/** Options that cannot work together (e.g. `tls` with an `amqp://` URI, an empty queue name). */
export class AmqpConfigError extends LogqError {}

/** The broker could not be reached, refused the login, or the connection broke. The message never holds a password. */
export class AmqpConnectionError extends LogqError {}

/**
 * The broker refused to declare the exchange, the queue or the binding, most
 * often 406 PRECONDITION_FAILED because the queue exists with other
 * arguments (see `deadLetterExchange`).
 */
export class AmqpTopologyError extends LogqError {}

/** The broker did not confirm a batch: it nacked messages, or the channel closed first. The batch is sent again. */
export class AmqpPublishError extends LogqError {}

/** An acknowledgement could not reach the broker (its channel is gone): the broker redelivers the message. */
export class AmqpAckError extends LogqError {}
