import { type InspectOptionsStylized, inspect } from 'node:util';
import type { LogRecord } from '@logq/core';
import {
  AsyncQueue,
  ClosedError,
  DEFAULT_MAX_RECORD_BYTES,
  FrameSubscriber,
  type RawFrame,
  RecordDecodeError,
  abortableSleep,
  scrubError,
} from '@logq/core/transport';
import type * as Zmq from 'zeromq';
import { bindRetrying, inspectOwner, loadZeroMQ } from './connection.js';
import { applyCurve, validateCurve } from './curve.js';
import { ZeroMQSocketError, isAgain } from './errors.js';
import type { WaitForPeersOptions, ZeroMQSubscriberOptions } from './options.js';
import { waitForCount } from './peers.js';
import { SocketSecrets, withoutCurve } from './secrets.js';

/** The subscriber's socket: SUB, or PULL in `multi` mode. */
export type ZeroMQSubscriberSocket = Zmq.Subscriber | Zmq.Pull;

/**
 * Logbook's `ZeroMQSubscriber`: receives records sent by `ZeroMQHandler`
 * (logq's or Python Logbook's) and dispatches them.
 *
 * - `multi: false` (default): a SUB socket **connects** to `uri` and
 *   subscribes to everything.
 * - `multi: true`: a PULL socket **binds** `uri`; any number of handlers
 *   (PUSH) connect to it.
 *
 * The socket is opened at construction (as Logbook does). A background read
 * loop moves frames into a queue of at most `prefetch` frames and pauses while
 * it is full (until half of it has been taken), so a slow consumer holds the
 * sender back instead of growing memory. `recv(timeout)` takes milliseconds and returns null on timeout
 * (Logbook's raises on `recv(0)`); a frame taken from the socket is never lost
 * by a timeout or a stopped dispatch loop.
 */
export class ZeroMQSubscriber extends FrameSubscriber {
  /** The endpoint connected to (SUB) or bound (PULL), a password in it shown as `***`; null: none. */
  get uri(): string | null {
    return this.secrets.uri;
  }
  /** Logbook's `multi`: PULL instead of SUB. */
  readonly multi: boolean;
  private readonly zmqOptions: Omit<ZeroMQSubscriberOptions, 'curve'>;
  /** The raw URI and the CURVE keys, hidden from inspect, JSON and String(). */
  private readonly secrets: SocketSecrets;
  /** Most frames read ahead of `recv`; the read loop pauses at this many (the `prefetch` option). */
  readonly prefetch: number;
  /** Most bytes read ahead of `recv`; the read loop pauses at this many (the `readAheadBytes` option). */
  readonly readAheadBytes: number;
  private readonly frames = new AsyncQueue<RawFrame>();
  /** Bytes of the frames in the prefetch queue. */
  private queuedBytes = 0;
  /** Frames larger than this are rejected as they are read, never queued. */
  private readonly maxRecordBytes: number;
  /** Wakes the paused read loop (set while it waits for room). */
  private wakeReader: (() => void) | null = null;
  private zmqSocket: ZeroMQSubscriberSocket | null = null;
  private readonly opening: Promise<ZeroMQSubscriberSocket>;
  private releaseCurve: () => void = () => {};
  private peerCount = 0;
  private failedHandshakes = 0;
  private peerWaiters: (() => void)[] = [];
  private readLoop: Promise<void> | null = null;
  /** Resolves the promise below. */
  private markReleased: () => void = () => {};
  /** Resolves once libzmq has destroyed the socket (its monitor stopped): its endpoint is free again. */
  private readonly released = new Promise<void>((resolve) => (this.markReleased = resolve));

  constructor(uri: string | null = null, options: ZeroMQSubscriberOptions = {}) {
    super(options);
    this.multi = options.multi ?? false;
    this.zmqOptions = withoutCurve(options);
    this.secrets = new SocketSecrets(uri, options.curve);
    if (options.curve) validateCurve(options.curve);
    this.prefetch = Math.max(1, options.prefetch ?? 1000);
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.readAheadBytes = Math.max(
      1,
      options.readAheadBytes ?? options.prefetchBytes ?? Math.max(16 * 1024 * 1024, 4 * this.maxRecordBytes),
    );
    this.opening = this.createSocket();
    this.opening.catch(() => undefined); // reported to whoever awaits open() or receives
  }

  /** Printed without calling into its zeromq socket (see `inspectOwner`): printing changes nothing. */
  [inspect.custom](depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    return inspectOwner(this, depth, options, show);
  }

  /** The ZeroMQ socket, once open (null before, and after close). */
  get socket(): ZeroMQSubscriberSocket | null {
    return this.zmqSocket;
  }

  /** The ZeroMQ context of the socket (null until it is open, unless one was given). */
  get context(): Zmq.Context | null {
    return this.zmqOptions.context ?? this.zmqSocket?.context ?? null;
  }

  /** Peers connected now: publishers (SUB) or handlers (PULL, `multi`). */
  get peers(): number {
    return this.peerCount;
  }

  /**
   * Resolves with the socket once it is bound or connected.
   * @throws {ZeroMQNotInstalledError} when `zeromq` is missing.
   */
  open(): Promise<ZeroMQSubscriberSocket> {
    return this.opening;
  }

  private async createSocket(): Promise<ZeroMQSubscriberSocket> {
    const zmq = await loadZeroMQ();
    if (this.closed) throw new ClosedError('ZeroMQSubscriber is closed');
    const o = this.zmqOptions;
    const common = {
      linger: o.socketLingerMs ?? 0,
      receiveHighWaterMark: o.receiveHighWaterMark ?? 10_000,
      ...(o.context ? { context: o.context } : {}),
    };
    const socket: ZeroMQSubscriberSocket = this.multi ? new zmq.Pull(common) : new zmq.Subscriber(common);
    try {
      const curve = this.secrets.revealCurve();
      if (curve) this.releaseCurve = await applyCurve(zmq, socket, curve);
      this.observe(new zmq.Observer(socket));
      if (socket instanceof zmq.Subscriber) socket.subscribe();
      const uri = this.secrets.revealUri();
      if (uri !== null) {
        if (this.multi) await bindRetrying(socket, uri, this.closeController.signal);
        else socket.connect(uri);
      }
    } catch (error) {
      socket.close();
      this.releaseCurve();
      throw scrubError(
        new ZeroMQSocketError(
          `ZeroMQSubscriber could not ${this.multi ? 'bind' : 'connect to'} ${this.uri ?? ''}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
        this.secrets.scrubList(),
      );
    }
    if (this.closed) {
      socket.close();
      this.releaseCurve();
      throw new ClosedError('ZeroMQSubscriber is closed');
    }
    this.zmqSocket = socket;
    this.readLoop = this.read(socket);
    return socket;
  }

  /**
   * Counts peers from the socket's monitor events. Reads the observer with
   * `receive()` rather than `socket.events.on()`: zeromq's emitter mode keeps
   * a `require` from the first module registry that used it (breaks under jest).
   */
  private observe(observer: Zmq.Observer): void {
    void (async () => {
      while (!observer.closed) {
        let event: Zmq.Event;
        try {
          event = await observer.receive();
        } catch {
          break; // the socket (and with it the observer) closed
        }
        switch (event.type) {
          case 'end':
            // The monitor stops when libzmq has destroyed the socket, its endpoint released.
            this.markReleased();
            break;
          case 'handshake':
            this.changePeers(1);
            break;
          case 'handshake:error:protocol':
          case 'handshake:error:auth':
          case 'handshake:error:other':
            // A connection whose handshake failed (CURVE key refused) ends with a disconnect too: not a peer.
            this.failedHandshakes++;
            break;
          case 'disconnect':
            if (this.failedHandshakes > 0) this.failedHandshakes--;
            else this.changePeers(-1);
            break;
          default:
            break;
        }
      }
      this.markReleased();
    })();
  }

  private changePeers(delta: number): void {
    this.peerCount = Math.max(0, this.peerCount + delta);
    for (const wake of this.peerWaiters.splice(0)) wake();
  }

  /**
   * Waits until `count` peers are connected: publishers in SUB mode (the
   * subscription is sent right after; only `ZeroMQHandler.waitForPeers` on
   * the PUB side knows it has arrived), handlers in `multi` mode.
   * @throws {PeerTimeoutError} after `timeoutMs` (default 10 s).
   */
  async waitForPeers(count = 1, options: WaitForPeersOptions = {}): Promise<void> {
    await this.open();
    await waitForCount(
      `${count} peer(s) of ${this.uri ?? 'the subscriber'}`,
      count,
      () => this.peerCount,
      (signal) =>
        new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener('abort', done);
            resolve();
          };
          this.peerWaiters.push(done);
          signal.addEventListener('abort', done, { once: true });
        }),
      () => this.closed,
      options,
    );
  }

  /**
   * Moves frames from the socket into the prefetch queue, pausing while it is
   * full. While messages are queued in libzmq it reads them with receiveTimeout
   * 0 (each receive settles at once, without the ZMQ_EVENTS check that
   * zeromq.js makes otherwise); once the socket is empty it waits for the next
   * message with zeromq.js's poller. It lets the event loop turn every
   * {@link READS_PER_TURN} messages, as zeromq.js does.
   */
  private async read(socket: ZeroMQSubscriberSocket): Promise<void> {
    let immediate = false;
    let inRow = 0;
    while (!this.closed && !socket.closed) {
      if (this.frames.length >= this.prefetch || this.queuedBytes >= this.readAheadBytes) {
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
        continue;
      }
      let parts: Buffer[];
      try {
        parts = await socket.receive();
      } catch (error) {
        if (this.closed || socket.closed) return;
        if (immediate && isAgain(error)) {
          // Nothing queued: wait for the next message instead of polling.
          socket.receiveTimeout = -1;
          immediate = false;
          continue;
        }
        this.reportError(error);
        await abortableSleep(100, this.closeController.signal);
        continue;
      }
      // Logbook reads one frame per recv(): each part of a multipart message is a frame.
      for (let i = 0; i < parts.length; i++) {
        const data = parts[i]!;
        if (data.length > this.maxRecordBytes) {
          // Rejected now, never queued: a flood of huge frames costs one frame's memory at a time.
          this.rejectOversized(data.length);
          continue;
        }
        this.queuedBytes += data.length;
        this.frames.push({ data });
      }
      if (!immediate) {
        if (socket.closed) return;
        socket.receiveTimeout = 0;
        immediate = true;
      }
      if (++inRow >= READS_PER_TURN) {
        inRow = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Reports an error with the URI's password and the CURVE secret key scrubbed from it (and its causes). */
  protected override reportError(error: unknown, record?: LogRecord): void {
    super.reportError(scrubError(error, this.secrets?.scrubList()), record);
  }

  protected override pollFrame(): RawFrame | null {
    const frame = this.frames.poll();
    if (frame) this.afterTake(frame);
    return frame;
  }

  protected async receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    await this.opening;
    const frame = await this.frames.take(timeoutMs, signal);
    if (frame) this.afterTake(frame);
    return frame;
  }

  /** A frame over `maxRecordBytes`: counted as received and malformed, and reported, as decoding would. */
  private rejectOversized(bytes: number): void {
    this.stats.received++;
    this.stats.malformed++;
    this.reportError(new RecordDecodeError(`frame of ${bytes} bytes exceeds maxRecordBytes (${this.maxRecordBytes})`));
  }

  /**
   * The read loop paused at `prefetch` frames or `readAheadBytes` bytes: let it go on once
   * half of each is taken.
   */
  private afterTake(frame: RawFrame): void {
    this.queuedBytes -= frame.data.length;
    if (this.wakeReader && this.frames.length <= this.prefetch >> 1 && this.queuedBytes <= this.readAheadBytes / 2)
      this.resumeReader();
  }

  private resumeReader(): void {
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }

  protected override async closeTransport(): Promise<void> {
    this.frames.close();
    this.resumeReader();
    for (const wake of this.peerWaiters.splice(0)) wake();
    const socket = this.zmqSocket ?? (await this.opening.catch(() => null));
    this.zmqSocket = null;
    if (socket && !socket.closed) {
      socket.close();
      // libzmq releases a bound endpoint asynchronously: resolve close() once it has, so that a
      // subscriber started next on the same endpoint binds at once (bounded by linger + 1 s).
      await releasedWithin(this.released, Math.max(0, this.zmqOptions.socketLingerMs ?? 0) + RELEASE_MARGIN_MS);
    }
    this.releaseCurve();
    await this.readLoop;
  }
}

/** Messages read in a row before the read loop lets the event loop turn (zeromq.js's own limit). */
const READS_PER_TURN = 512;

/** How much longer than its linger a closing socket may take to be released, in ms. */
const RELEASE_MARGIN_MS = 1_000;

/** `released`, or nothing after `limitMs`. */
async function releasedWithin(released: Promise<void>, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([released, new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
}
