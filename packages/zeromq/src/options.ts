import type { QueueHandlerOptions, SubscriberOptions } from '@logq/core/transport';
import type * as Zmq from 'zeromq';

/**
 * CURVE security for a socket (keys are Z85 text, 40 characters; make a pair
 * with {@link curveKeyPair}). Without `serverKey` the socket is the CURVE
 * **server** (it holds the server's secret key); with `serverKey` it is a
 * CURVE **client** of the server whose public key that is. Which side binds
 * does not matter: usually the binding side (the PUB handler, or the PULL
 * subscriber in `multi` mode) is the server.
 */
export interface CurveOptions {
  /** This socket's public key. */
  readonly publicKey: string;
  /** This socket's secret key. */
  readonly secretKey: string;
  /** The server's public key: makes this socket a CURVE client. @default undefined (this socket is the server) */
  readonly serverKey?: string;
  /**
   * Server only: the client public keys allowed to connect (checked through a
   * ZAP handler in the socket's context). Without it, any client that knows
   * the server's public key is accepted (encryption without client authentication).
   * @default undefined (any client with the server key)
   */
  readonly authorizedKeys?: readonly string[];
}

/** Options shared by the handler and the subscriber. */
export interface ZeroMQSocketOptions {
  /**
   * Logbook's `multi`: `false` — the handler's PUB socket binds `uri` and
   * subscribers' SUB sockets connect to it; `true` — handlers' PUSH sockets
   * connect to `uri`, where one subscriber's PULL socket is bound.
   * @default false
   */
  readonly multi?: boolean;
  /** The ZeroMQ context for the socket. @default zeromq's global context */
  readonly context?: Zmq.Context;
  /** CURVE encryption and authentication. @default undefined (no security, as Logbook) */
  readonly curve?: CurveOptions;
  /**
   * How long unsent messages may keep the socket alive after it is closed
   * (ZMQ_LINGER), in ms. Bounded so that a process whose peer is gone still exits.
   * @default 1000 for the handler, 0 for the subscriber
   */
  readonly socketLingerMs?: number;
}

/** Options of {@link ZeroMQHandler}. */
export interface ZeroMQHandlerOptions extends QueueHandlerOptions, ZeroMQSocketOptions {
  /**
   * Messages that libzmq queues per peer (ZMQ_SNDHWM) before the socket is
   * full; beyond it records wait in the handler's own buffer (`maxBuffer`,
   * with `overflow` and counted drops), never in the log call.
   * @default 10000 (with `multipart`: 10000 / batchSize messages, about 10000 records)
   */
  readonly sendHighWaterMark?: number;
  /**
   * PUB mode: when a subscriber's queue is full, wait (records stay in the
   * handler's buffer, and drops are counted there) instead of letting libzmq
   * drop them silently (ZMQ_XPUB_NODROP). `false` restores libzmq's silent
   * drops: a slow subscriber then loses records that no counter shows, but
   * never slows the others.
   * @default true
   */
  readonly noDrop?: boolean;
  /**
   * Sends each batch (up to `batchSize` records) as one multipart message,
   * one record per part, instead of one message per record: several times
   * cheaper per record for the sending process. Python Logbook's
   * `ZeroMQSubscriber` reads frame by frame and so reads every record, as does
   * `ZeroMQSubscriber`; a reader that takes whole messages and looks only at
   * the first part would miss records, so this is off by default (Logbook's
   * own handler sends single-part messages). High-water marks count messages,
   * so a subscriber's `receiveHighWaterMark` then holds up to that many batches.
   * @default false
   */
  readonly multipart?: boolean;
}

/** Options of {@link ZeroMQSubscriber}. */
export interface ZeroMQSubscriberOptions extends SubscriberOptions, ZeroMQSocketOptions {
  /** Messages that libzmq queues per peer on receipt (ZMQ_RCVHWM). @default 10000 */
  readonly receiveHighWaterMark?: number;
  /**
   * Frames read from the socket ahead of `recv`. When this many wait, reading
   * pauses until half of them have been taken (the socket's own queue then
   * fills and the publisher is held back); nothing is buffered without bound.
   * A multipart message is read whole, one frame per part.
   * @default 1000
   */
  readonly prefetch?: number;
  /**
   * Bytes read from the socket ahead of `recv`: reading also pauses when the
   * frames waiting hold this many bytes (until half of them were taken), so
   * large records cannot grow memory by `prefetch` times their size. Frames
   * over `maxRecordBytes` are rejected (counted in `stats.malformed`) as they
   * are read and never wait in memory. The same name as `@logq/amqp`'s.
   * @default 16 MiB, or 4 × maxRecordBytes when that is more
   */
  readonly readAheadBytes?: number;
  /**
   * The former name of {@link ZeroMQSubscriberOptions.readAheadBytes}, still
   * read when that is not given.
   * @deprecated Use `readAheadBytes` (the same name in every transport).
   */
  readonly prefetchBytes?: number;
}

/** Options of `waitForPeers`. */
export interface WaitForPeersOptions {
  /** How long to wait, in ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Gives up early (rejects with `PeerTimeoutError`). @default undefined */
  readonly signal?: AbortSignal;
}
