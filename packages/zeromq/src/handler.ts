import { type InspectOptionsStylized, inspect } from 'node:util';
import type { LogRecord } from '@logq/core';
import { ClosedError, QueueHandler, abortableSleep, scrubError } from '@logq/core/transport';
import type * as Zmq from 'zeromq';
import { type ZeroMQModule, bindRetrying, closeWhenSent, inspectOwner, loadZeroMQ } from './connection.js';
import { applyCurve, validateCurve } from './curve.js';
import { ZeroMQSocketError, isAgain } from './errors.js';
import type { WaitForPeersOptions, ZeroMQHandlerOptions } from './options.js';
import { waitForCount } from './peers.js';
import { SocketSecrets, withoutCurve } from './secrets.js';

/** The handler's socket: an XPUB (a PUB that also reports subscriptions) or a PUSH in `multi` mode. */
export type ZeroMQHandlerSocket = Zmq.XPublisher | Zmq.Push;

/** How long one read of subscription messages waits, in ms (no read is left pending longer). */
const SUBSCRIPTION_POLL_MS = 100;

/** How often sending also takes in pending subscription changes, in ms. */
const DRAIN_INTERVAL_MS = 5_000;

/**
 * Logbook's `ZeroMQHandler`: sends each record as one frame of UTF-8 JSON
 * (`record.toDict()`, Logbook's `to_dict(json_safe=True)`).
 *
 * - `multi: false` (default): a PUB socket **binds** `uri`; every connected
 *   `ZeroMQSubscriber` (or Python `ZeroMQSubscriber`) gets every record.
 *   Records sent before a subscriber's subscription arrived are not for it
 *   (ZeroMQ's slow joiner): `await handler.waitForPeers(n)` first.
 * - `multi: true`: a PUSH socket **connects** to `uri`, where one subscriber
 *   binds a PULL socket; many handlers can share it. Records wait in libzmq
 *   for a subscriber that has not connected yet (up to `sendHighWaterMark`).
 *
 * The log call only encodes and buffers; sockets are opened lazily (or with
 * {@link ZeroMQHandler.open}). A full socket never drops records silently
 * (`noDrop`): they wait in the handler's buffer, whose overflow is counted in
 * `stats.dropped`.
 */
export class ZeroMQHandler extends QueueHandler<string> {
  /** The endpoint bound (PUB) or connected to (PUSH), a password in it shown as `***`; null: none (bind or connect `socket` yourself). */
  get uri(): string | null {
    return this.secrets.uri;
  }
  /** Logbook's `multi`: PUSH/PULL instead of PUB/SUB. */
  readonly multi: boolean;
  /** Whether batches go out as multipart messages (see the option). */
  readonly multipart: boolean;
  private readonly zmqOptions: Omit<ZeroMQHandlerOptions, 'curve'>;
  /** The raw URI and the CURVE keys, hidden from inspect, JSON and String(). */
  private readonly secrets: SocketSecrets;
  private zmqSocket: ZeroMQHandlerSocket | null = null;
  private zmq: ZeroMQModule | null = null;
  private opening: Promise<ZeroMQHandlerSocket> | null = null;
  private releaseCurve: () => void = () => {};
  private subscriptionCount = 0;
  private reading: Promise<void> | null = null;
  private closedForGood = false;
  private lastDrain = Date.now();
  /** When the current run of sends began (performance.now()), or -1 once the event loop has turned. */
  private runStart = -1;

  constructor(uri: string | null = null, options: ZeroMQHandlerOptions = {}) {
    super(options);
    this.multi = options.multi ?? false;
    this.multipart = options.multipart ?? false;
    this.zmqOptions = withoutCurve(options);
    this.secrets = new SocketSecrets(uri, options.curve);
    if (options.curve) validateCurve(options.curve);
  }

  /** Printed without calling into its zeromq socket (see `inspectOwner`): printing changes nothing. */
  [inspect.custom](depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    return inspectOwner(this, depth, options, show);
  }

  /** The ZeroMQ socket, once opened (null before {@link open} or the first send, and after close). */
  get socket(): ZeroMQHandlerSocket | null {
    return this.zmqSocket;
  }

  /** The ZeroMQ context of the socket (null until the socket is opened, unless one was given). */
  get context(): Zmq.Context | null {
    return this.zmqOptions.context ?? this.zmqSocket?.context ?? null;
  }

  /** Subscriptions registered on the PUB socket, as last read (see {@link countSubscribers}). */
  get subscribers(): number {
    return this.subscriptionCount;
  }

  /**
   * Creates the socket and binds (PUB) or connects (PUSH) it now, instead of
   * at the first record. Idempotent.
   * @throws {ZeroMQNotInstalledError} when `zeromq` is missing.
   */
  open(): Promise<ZeroMQHandlerSocket> {
    if (this.closedForGood) return Promise.reject(new ClosedError('ZeroMQHandler is closed'));
    if (!this.opening) {
      this.opening = this.createSocket();
      this.opening.catch(() => {
        this.opening = null;
      });
    }
    return this.opening;
  }

  private async createSocket(): Promise<ZeroMQHandlerSocket> {
    const zmq: ZeroMQModule = await loadZeroMQ();
    this.zmq = zmq;
    const o = this.zmqOptions;
    const common = {
      linger: this.socketLingerMs,
      // send() settles at once (sent, or EAGAIN when full) instead of zeromq.js's default, which
      // resolves only 512 sends per event-loop turn and so lets a busy logger outrun the pump.
      sendTimeout: 0,
      // The HWM counts messages: with multipart batches, keep ~10000 records per peer too.
      sendHighWaterMark:
        o.sendHighWaterMark ?? (this.multipart ? Math.max(1, Math.ceil(10_000 / this.batchSize)) : 10_000),
      ...(o.context ? { context: o.context } : {}),
    };
    let socket: ZeroMQHandlerSocket;
    if (this.multi) {
      socket = new zmq.Push(common);
    } else {
      const pub = new zmq.XPublisher(common);
      pub.noDrop = o.noDrop ?? true;
      pub.verbosity = 'allSubsUnsubs';
      socket = pub;
    }
    try {
      const curve = this.secrets.revealCurve();
      if (curve) this.releaseCurve = await applyCurve(zmq, socket, curve);
      const uri = this.secrets.revealUri();
      if (uri !== null) {
        if (this.multi) socket.connect(uri);
        else await bindRetrying(socket, uri);
      }
    } catch (error) {
      socket.close();
      this.releaseCurve();
      throw scrubError(
        new ZeroMQSocketError(
          `ZeroMQHandler could not ${this.multi ? 'connect to' : 'bind'} ${this.uri ?? ''}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
        this.secrets.scrubList(),
      );
    }
    if (this.closedForGood) {
      socket.close();
      this.releaseCurve();
      throw new ClosedError('ZeroMQHandler is closed');
    }
    this.zmqSocket = socket;
    return socket;
  }

  /**
   * Waits until `count` peers are there (ZeroMQ's slow-joiner problem).
   * PUB mode: until `count` subscribers' subscriptions have reached the PUB
   * socket, so that every record sent from then on reaches them. `multi`
   * mode: resolves once the socket is open; PUSH keeps records for a
   * subscriber that has not connected yet, so nothing is lost to a late joiner
   * (the binding `ZeroMQSubscriber.waitForPeers` counts connected handlers).
   * @throws {PeerTimeoutError} after `timeoutMs` (default 10 s).
   */
  async waitForPeers(count = 1, options: WaitForPeersOptions = {}): Promise<void> {
    const socket = await this.open();
    if (this.multi) return;
    const pub = socket as Zmq.XPublisher;
    await this.readSubscriptions(pub, 0); // take in what has already arrived (including departures)
    await waitForCount(
      `${count} subscriber(s) on ${this.uri ?? 'the PUB socket'}`,
      count,
      () => this.subscriptionCount,
      () => this.readSubscriptions(pub),
      () => this.closedForGood || pub.closed,
      options,
    );
  }

  /**
   * PUB mode: reads the subscription changes that have reached the socket
   * and resolves with the number of subscriptions now (0 in `multi` mode,
   * where PUSH cannot tell). A subscriber that has just gone away is counted
   * until its disconnection has reached the socket.
   */
  async countSubscribers(): Promise<number> {
    const socket = await this.open();
    if (this.multi) return 0;
    await this.readSubscriptions(socket as Zmq.XPublisher, 0);
    return this.subscriptionCount;
  }

  /**
   * Reads subscription messages until none arrives for `waitMs` (one read at a
   * time, shared; no receive is left pending longer than that).
   */
  private async readSubscriptions(pub: Zmq.XPublisher, waitMs = SUBSCRIPTION_POLL_MS): Promise<void> {
    while (this.reading) await this.reading;
    this.reading = (async () => {
      try {
        pub.receiveTimeout = waitMs;
        for (;;) {
          const [message] = await pub.receive();
          if (message?.[0] === 1) this.subscriptionCount++;
          else if (message?.[0] === 0) this.subscriptionCount = Math.max(0, this.subscriptionCount - 1);
        }
      } catch {
        // EAGAIN after receiveTimeout (nothing more for now), or the socket closed.
      } finally {
        this.reading = null;
      }
    })();
    await this.reading;
  }

  /** Reports an error with the URI's password and the CURVE secret key scrubbed from it (and its causes). */
  override handleError(error: unknown, record?: LogRecord): void {
    super.handleError(scrubError(error, this.secrets?.scrubList()), record);
  }

  protected async connect(): Promise<void> {
    await this.open();
  }

  protected async sendBatch(batch: readonly string[], signal: AbortSignal): Promise<void | number> {
    const socket = this.zmqSocket;
    if (!socket) throw new ClosedError('ZeroMQHandler socket is not open');
    if (!this.multi && Date.now() - this.lastDrain > DRAIN_INTERVAL_MS) {
      // libzmq keeps every subscription change for the application to read: take them in now
      // and then, so that a long-lived publisher with coming and going subscribers holds none.
      this.lastDrain = Date.now();
      void this.readSubscriptions(socket as Zmq.XPublisher, 0);
    }
    if (this.multipart && batch.length > 1) {
      // One message, one record per part: atomic, so all of it or none is accepted.
      await this.yieldWhenLong();
      await this.sendOne(socket, batch, signal);
      return;
    }
    await this.yieldWhenLong();
    for (let i = 0; i < batch.length; i++) {
      const frame = batch[i]!;
      try {
        // sendTimeout 0: the promise is settled already (one microtask, no event-loop turn).
        await socket.send(frame);
        continue;
      } catch (error) {
        if (!isAgain(error) || signal.aborted || socket.closed) {
          if (i === 0 || signal.aborted) throw error;
          this.handleError(error);
          return i;
        }
      }
      try {
        await this.sendOne(socket, frame, signal, 1);
      } catch (error) {
        // Closing (the deadline passed): close() counts the whole batch as dropped, so
        // none of it may be counted as sent (the first i frames may still leave within linger).
        if (i === 0 || signal.aborted) throw error;
        // The first i frames are with libzmq: report and let the pump retry the rest.
        this.handleError(error);
        return i;
      }
    }
  }

  /**
   * Sends one message that the socket may refuse for now (EAGAIN: full),
   * waiting until it takes it. `refused`: attempts already refused. PUSH:
   * zeromq.js waits for the socket to become writable (no polling). PUB with
   * noDrop: libzmq has no "writable again" event for it, so the same message
   * is tried again, at once and then after short pauses; the records
   * meanwhile wait in the handler's buffer, whose overflow is counted.
   */
  private async sendOne(
    socket: ZeroMQHandlerSocket,
    message: string | readonly string[],
    signal: AbortSignal,
    refused = 0,
  ): Promise<void> {
    for (let attempt = refused; ; attempt++) {
      if (attempt > 0) {
        if (this.multi) {
          await sendWhenWritable(socket, message, signal);
          return;
        }
        if (attempt > 1) {
          await backoff(attempt - 2, signal);
          // close() gave up meanwhile and counts this batch as dropped: send none of it.
          if (signal.aborted) throw new ClosedError('ZeroMQHandler closed while the socket was full');
        }
        takeInCommands(socket);
      }
      try {
        await socket.send(message as string | string[]);
        return;
      } catch (error) {
        if (!isAgain(error) || signal.aborted || socket.closed) throw error;
      }
    }
  }

  /**
   * Yields to the event loop once this run of sends (within one event-loop
   * turn) has lasted {@link STARVATION_LIMIT_MS}: a long backlog must not hold up the application.
   */
  private yieldWhenLong(): Promise<void> | undefined {
    const now = performance.now();
    if (this.runStart < 0) {
      this.runStart = now;
      setImmediate(() => {
        this.runStart = -1;
      });
      return undefined;
    }
    if (now - this.runStart < STARVATION_LIMIT_MS) return undefined;
    return new Promise((resolve) => setImmediate(resolve));
  }

  protected async disconnect(): Promise<void> {
    const socket = this.zmqSocket;
    this.zmqSocket = null;
    this.opening = null;
    if (this.closed) this.closedForGood = true;
    // Resolves once libzmq has written what it holds (or the linger ran out): a process that ends
    // by a signal right after close() (a SIGTERM shutdown) loses nothing that was handed over.
    if (socket && this.zmq) await closeWhenSent(this.zmq, socket, this.socketLingerMs);
    this.releaseCurve();
    this.releaseCurve = () => {};
  }

  private get socketLingerMs(): number {
    return this.zmqOptions.socketLingerMs ?? 1000;
  }
}

/** Longest run of sends, in ms, before the handler lets the event loop turn. */
const STARVATION_LIMIT_MS = 10;

/** Immediate retries before the handler starts sleeping between them. */
const IMMEDIATE_RETRIES = 64;

/**
 * Yields to the event loop for the first retries (a subscriber that is merely
 * busy drains its queue within microseconds, and a sleep would leave the pipe
 * idle), then sleeps up to 20 ms (a stalled subscriber must not cost a busy loop).
 */
function backoff(attempt: number, signal: AbortSignal): Promise<void> {
  if (attempt < IMMEDIATE_RETRIES) return new Promise((resolve) => setImmediate(resolve));
  // Unref'd: a stalled subscriber does not keep the process alive by itself (core's exit flush gives it a deadline).
  return abortableSleep(Math.min(20, 2 ** (attempt - IMMEDIATE_RETRIES)), signal, true);
}

/**
 * Makes libzmq take in what its I/O thread reported (such as "the peer has read
 * more, the pipe has room again"): reading ZMQ_EVENTS processes pending
 * commands at once, whereas a send with ZMQ_DONTWAIT does so at most about
 * once per millisecond, and so may refuse a message for a pipe that has room.
 */
function takeInCommands(socket: ZeroMQHandlerSocket): void {
  if (!socket.closed) void socket.writable;
}

/** How long one send waits for a full PUSH socket to become writable, in ms. */
const WRITABLE_WAIT_MS = 50;

/**
 * Sends with zeromq.js waiting for the socket to become writable, then
 * restores the immediate mode. A waiting send keeps the process alive, so it
 * waits at most {@link WRITABLE_WAIT_MS} at a time, with an unref'd pause
 * between waits: a process whose peer has stalled still reaches `beforeExit`,
 * where core's exit flush gives it a deadline (core's exit contract).
 * Rejects when the socket is closed or `signal` aborts.
 */
async function sendWhenWritable(
  socket: ZeroMQHandlerSocket,
  message: string | readonly string[],
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    socket.sendTimeout = WRITABLE_WAIT_MS;
    try {
      await socket.send(message as string | string[]);
      return;
    } catch (error) {
      if (!isAgain(error) || signal.aborted || socket.closed) throw error;
    } finally {
      if (!socket.closed) socket.sendTimeout = 0;
    }
    await abortableSleep(1, signal, true);
    if (signal.aborted) throw new ClosedError('ZeroMQHandler closed while the socket was full');
  }
}
