/**
 * The client lifecycle on AMQP: the settings resolved from the options, a
 * link (a connection of its own or the user's, one channel on it, the
 * topology declared) opened, watched until it ends, and closed. The handler
 * (through core's `QueueHandler` pump) and the subscriber reconnect by
 * opening a new link after one ended.
 */
import { inspect } from 'node:util';
import { Secret, describeError, redactUri, scrubError } from '@logq/core/transport';
import { connect } from 'amqplib';
import type { AmqpChannel, AmqpConnection, AmqpListener } from './amqplib-types.js';
import { AmqpConfigError, AmqpConnectionError } from './errors.js';
import { type AmqpTlsOptions, type MessageQueueConnectionOptions, checkQueueName } from './options.js';
import { type TopologySettings, declareTopology } from './topology.js';

/** Everything needed to open a link, resolved once from the options. */
export interface LinkSettings extends TopologySettings {
  /** The URI with its password, only for amqplib's `connect`. */
  readonly uri: Secret<string>;
  /** The URI without its password, for messages. */
  readonly safeUri: string;
  readonly connection: AmqpConnection | null;
  /** Socket options for amqplib's `connect` (a TLS key and passphrase among them). */
  readonly socketOptions: Secret<Readonly<Record<string, unknown>>>;
  /** The password and TLS passphrase, scrubbed from every error. */
  readonly secrets: Secret<readonly string[]>;
  readonly declare: boolean;
  /**
   * Whether an open connection of its own keeps the process alive: true for
   * a subscriber (it receives), false for a handler (core keeps the process
   * alive while a handler flushes, and an idle one must not hold it).
   */
  readonly keepProcessAlive: boolean;
}

/** The password of a URI, for scrubbing errors (null when it has none). */
export function uriPassword(uri: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s]*)@/i.exec(uri);
  if (!m || m[1] === '') return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

/** Whether `uri` is for this package's own transport. */
export function isAmqpUri(uri: string): boolean {
  return /^amqps?:\/\//i.test(uri);
}

/** Resolves the options shared by handler and subscriber; throws {@link AmqpConfigError} on bad ones. */
export function linkSettings(
  uri: string,
  options: MessageQueueConnectionOptions,
  owner: string,
  role: 'handler' | 'subscriber',
): LinkSettings {
  // A subscriber receives (it keeps the process alive) and its writes are small acks that must not wait on Nagle.
  const keepProcessAlive = role === 'subscriber';
  const queue = checkQueueName(options.queue);
  const connection = options.connection ?? null;
  const secure = /^amqps:/i.test(uri);
  if (options.tls && !secure && connection === null) {
    throw new AmqpConfigError(`tls options need an amqps:// URI, got ${redactUri(uri)}`);
  }
  const queueArguments: Record<string, unknown> = { ...options.queueArguments };
  if (options.deadLetterExchange !== undefined) queueArguments['x-dead-letter-exchange'] = options.deadLetterExchange;
  const durable = options.durable ?? true;
  const queueType = options.queueType ?? 'classic';
  if (queueType !== 'classic' && queueType !== 'quorum')
    throw new AmqpConfigError(`queueType must be 'classic' or 'quorum', got ${JSON.stringify(String(queueType))}`);
  if (queueType === 'quorum') {
    if (!durable)
      throw new AmqpConfigError(
        "a quorum queue is always durable: durable: false cannot be used with queueType: 'quorum'",
      );
    queueArguments['x-queue-type'] = 'quorum';
  }
  const password = uriPassword(uri);
  const secrets = [password, options.tls?.passphrase].filter((s): s is string => typeof s === 'string' && s !== '');
  return {
    uri: new Secret(uri),
    secrets: new Secret(secrets),
    safeUri: redactUri(uri),
    connection,
    queue,
    queueArguments,
    durable,
    declare: options.declare ?? true,
    keepProcessAlive,
    socketOptions: new Secret({
      timeout: Math.max(1, options.connectTimeoutMs ?? 10_000),
      noDelay: role === 'subscriber',
      clientProperties: { connection_name: options.connectionName ?? `logq ${owner}`, product: 'logq' },
      ...(secure ? tlsSocketOptions(options.tls ?? {}) : {}),
    }),
  };
}

function tlsSocketOptions(tls: AmqpTlsOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['ca', 'cert', 'key', 'passphrase', 'pfx', 'servername', 'rejectUnauthorized'] as const) {
    if (tls[key] !== undefined) out[key] = tls[key];
  }
  return out;
}

function noop(): void {}

/** Something with `unref()`: a socket or a timer. */
interface Unrefable {
  unref?: () => unknown;
}

/**
 * Lets the process exit while this connection is open: unrefs its socket and
 * its heartbeat timers. amqplib exposes neither, so they are reached by the
 * shape of its `ChannelModel` (`connection.stream`, `connection.heartbeater`,
 * the same from amqplib 0.10 to 2.x); a shape that does not match is left alone.
 */
export function unrefConnection(connection: AmqpConnection): void {
  const inner = (
    connection as {
      connection?: { stream?: Unrefable; heartbeater?: { sendTimer?: Unrefable; recvTimer?: Unrefable } | null };
    }
  ).connection;
  for (const handle of [inner?.stream, inner?.heartbeater?.sendTimer, inner?.heartbeater?.recvTimer]) {
    if (typeof handle?.unref === 'function') handle.unref();
  }
}

/** Races `promise` with `signal`; when the signal wins, `onLate` gets the value that arrives later. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal, onLate: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then(onLate, noop);
    return Promise.reject(new AmqpConnectionError('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.then(onLate, noop);
      reject(new AmqpConnectionError('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) onLate(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Opens a connection from the settings' URI; errors name the URI without its password. */
async function openConnection(settings: LinkSettings, signal: AbortSignal): Promise<AmqpConnection> {
  let opening: Promise<AmqpConnection>;
  try {
    opening = connect(settings.uri.reveal(), settings.socketOptions.reveal()) as Promise<AmqpConnection>;
  } catch (error) {
    scrubError(error, settings.secrets.reveal());
    throw new AmqpConnectionError(`cannot connect to ${settings.safeUri}: ${describeError(error)}`, { cause: error });
  }
  try {
    return await abortable(opening, signal, (late) => {
      late.on('error', noop);
      late.close().catch(noop);
    });
  } catch (error) {
    if (signal.aborted) throw new AmqpConnectionError(`connecting to ${settings.safeUri} was aborted`);
    // amqplib's errors name no password today; scrubbed all the same, cause chain included.
    scrubError(error, settings.secrets.reveal());
    throw new AmqpConnectionError(`cannot connect to ${settings.safeUri}: ${describeError(error)}`, { cause: error });
  }
}

/** Why a link ended. */
export interface LinkEnd {
  /** The error that ended it, or null when it was closed on purpose. */
  readonly error: Error | null;
}

/**
 * One connection (own or the user's) and one channel on it, with the
 * topology declared. Every `error` and `close` event of both is handled (an
 * unhandled `error` event would crash the process) and ends the link:
 * {@link AmqpLink.ended} resolves once, and never rejects.
 */
export class AmqpLink<C extends AmqpChannel = AmqpChannel> {
  /** Resolves when the connection or the channel closes, for whatever reason. */
  readonly ended: Promise<LinkEnd>;
  private endWith!: (end: LinkEnd) => void;
  private endListeners = new Set<(end: LinkEnd) => void>();
  private isAlive = true;
  private lastError: Error | null = null;
  private closing = false;
  private readonly onConnectionError: AmqpListener;
  private readonly onConnectionClose: AmqpListener;

  private constructor(
    readonly connection: AmqpConnection,
    private readonly ownConnection: boolean,
    readonly channel: C,
    private readonly settings: LinkSettings,
  ) {
    this.ended = new Promise<LinkEnd>((resolve) => {
      this.endWith = resolve;
    });
    this.onConnectionError = (error) => this.noteError(error);
    this.onConnectionClose = (error) => {
      if (error !== undefined && error !== null) this.noteError(error);
      this.end(
        this.closing ? null : (this.lastError ?? new AmqpConnectionError(`connection to ${settings.safeUri} closed`)),
      );
    };
    connection.on('error', this.onConnectionError);
    connection.on('close', this.onConnectionClose);
    channel.on('error', (error) => this.noteError(error));
    channel.on('close', () => {
      this.end(
        this.closing ? null : (this.lastError ?? new AmqpConnectionError(`channel to ${settings.safeUri} closed`)),
      );
    });
  }

  /**
   * Opens a connection (unless the settings carry the user's), a channel
   * (with publisher confirms when `confirm`), and declares the topology.
   */
  static async open<C extends AmqpChannel>(
    settings: LinkSettings,
    createChannel: (connection: AmqpConnection) => Promise<C>,
    signal: AbortSignal,
  ): Promise<AmqpLink<C>> {
    const own = settings.connection === null;
    const connection = settings.connection ?? (await openConnection(settings, signal));
    // Until the link listens, keep a stray 'error' from crashing the process.
    if (own) connection.on('error', noop);
    if (own && !settings.keepProcessAlive) unrefConnection(connection);
    let channel: C;
    try {
      channel = await createChannel(connection);
    } catch (error) {
      if (own) connection.close().catch(noop);
      throw new AmqpConnectionError(`cannot open a channel to ${settings.safeUri}: ${describeError(error)}`, {
        cause: error,
      });
    }
    const link = new AmqpLink(connection, own, channel, settings);
    try {
      if (signal.aborted) throw new AmqpConnectionError(`connecting to ${settings.safeUri} was aborted`);
      if (settings.declare) await declareTopology(channel, settings);
    } catch (error) {
      await link.close();
      throw error;
    }
    return link;
  }

  /** Whether neither the connection nor the channel has closed. */
  get alive(): boolean {
    return this.isAlive;
  }

  /**
   * Printed as its URI (without password) and state only: the amqplib
   * connection and channel behind it are not for printing (and are cyclic).
   */
  [inspect.custom](): string {
    return `AmqpLink { ${this.settings.safeUri}, ${this.isAlive ? 'alive' : 'ended'} }`;
  }

  /** What `JSON.stringify` shows of a link (see the `inspect` form). */
  toJSON(): { readonly uri: string; readonly alive: boolean } {
    return { uri: this.settings.safeUri, alive: this.isAlive };
  }

  private noteError(error: unknown): void {
    this.lastError ??= error instanceof Error ? error : new AmqpConnectionError(describeError(error));
  }

  /** Calls `listener` once when the link ends (at once if it has); returns the function that unsubscribes. */
  onEnd(listener: (end: LinkEnd) => void): () => void {
    if (!this.isAlive) {
      void this.ended.then(listener);
      return noop;
    }
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  private end(error: Error | null): void {
    if (!this.isAlive) return;
    this.isAlive = false;
    const end: LinkEnd = { error: error === null ? null : sanitize(error, this.settings) };
    this.endWith(end);
    const listeners = [...this.endListeners];
    this.endListeners.clear();
    for (const listener of listeners) listener(end);
  }

  /** Closes the channel and, when it is ours, the connection. Never throws. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const wasAlive = this.isAlive;
    this.end(null);
    // The channel first, own connection or not: its close follows its acks on the wire, while
    // amqplib may write a connection close (channel 0) ahead of acks still queued on the channel,
    // and the broker would then requeue messages that were acknowledged.
    if (wasAlive) {
      try {
        await this.channel.close();
      } catch {
        // Already closed.
      }
    }
    if (this.ownConnection) {
      try {
        await this.connection.close();
      } catch {
        // Already closed.
      }
    } else {
      this.connection.removeListener('error', this.onConnectionError);
      this.connection.removeListener('close', this.onConnectionClose);
    }
  }
}

/** Wraps an error whose text could hold a URI with a password into one that does not. */
function sanitize(error: Error, settings: LinkSettings): Error {
  scrubError(error, settings.secrets.reveal());
  if (error instanceof AmqpConnectionError) return error;
  return new AmqpConnectionError(`connection to ${settings.safeUri} lost: ${describeError(error)}`, { cause: error });
}
