/**
 * The part of amqplib's promise API that logq uses, typed by its shape so
 * that any amqplib version from 0.10 fits (and no amqplib type leaks into
 * logq's public types). Types only: nothing here runs.
 */

/** A listener as amqplib's event emitters take it. */
export type AmqpListener = (...args: unknown[]) => void;

/** The message properties logq reads (a subset of amqplib's `MessageProperties`). */
export interface AmqpMessageProperties {
  readonly contentType?: unknown;
  readonly contentEncoding?: unknown;
  readonly headers?: Readonly<Record<string, unknown>> | undefined;
}

/** A delivered message (a subset of amqplib's `ConsumeMessage`). */
export interface AmqpMessage {
  readonly content: Buffer;
  readonly fields: { readonly deliveryTag: number; readonly redelivered: boolean };
  readonly properties: AmqpMessageProperties;
}

/** Publish properties logq sets (a subset of amqplib's `Options.Publish`). */
export interface AmqpPublishOptions {
  readonly deliveryMode?: number;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly priority?: number;
}

/** Queue declaration options logq uses (a subset of amqplib's `Options.AssertQueue`). */
export interface AmqpQueueOptions {
  readonly durable?: boolean;
  readonly autoDelete?: boolean;
  readonly exclusive?: boolean;
  readonly arguments?: Readonly<Record<string, unknown>>;
}

/** The part of an amqplib channel that logq uses. */
export interface AmqpChannel {
  assertExchange(
    exchange: string,
    type: string,
    options?: { readonly durable?: boolean; readonly autoDelete?: boolean; readonly internal?: boolean },
  ): Promise<unknown>;
  assertQueue(queue: string, options?: AmqpQueueOptions): Promise<unknown>;
  bindQueue(queue: string, source: string, pattern: string): Promise<unknown>;
  prefetch(count: number, global?: boolean): Promise<unknown>;
  consume(
    queue: string,
    onMessage: (message: AmqpMessage | null) => void,
    options?: { readonly noAck?: boolean },
  ): Promise<{ consumerTag: string }>;
  cancel(consumerTag: string): Promise<unknown>;
  ack(message: AmqpMessage, allUpTo?: boolean): void;
  nack(message: AmqpMessage, allUpTo?: boolean, requeue?: boolean): void;
  publish(exchange: string, routingKey: string, content: Buffer, options?: AmqpPublishOptions): boolean;
  close(): Promise<void>;
  on(event: string, listener: AmqpListener): unknown;
  once(event: string, listener: AmqpListener): unknown;
  removeListener(event: string, listener: AmqpListener): unknown;
}

/** The part of an amqplib confirm channel that logq uses. */
export interface AmqpConfirmChannel extends AmqpChannel {
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options?: AmqpPublishOptions,
    callback?: (error: unknown) => void,
  ): boolean;
}

/**
 * A connection from amqplib's promise API (`await amqplib.connect(url)`,
 * amqplib's `ChannelModel`), typed by the shape logq needs so that any
 * amqplib version from 0.10 fits.
 */
export interface AmqpConnection {
  createChannel(): Promise<AmqpChannel>;
  createConfirmChannel(): Promise<AmqpConfirmChannel>;
  close(): Promise<void>;
  on(event: string, listener: AmqpListener): unknown;
  removeListener(event: string, listener: AmqpListener): unknown;
}
