import { connect as netConnect, type Socket } from 'node:net';
import { LogqError, QueueHandler, redactUri } from '@logq/core/transport';
import { ChannelClosedError } from './errors.js';
import type { StreamChannelHandlerOptions } from './stream-options.js';
import { type StreamAddress, formatStreamUri, parseStreamUri } from './stream-uri.js';

/** Where a {@link StreamChannelHandler} writes: a URI it connects to itself, or a stream you own. */
export type StreamChannelTarget = string | NodeJS.WritableStream;

/**
 * Logbook's `ExecnetChannelHandler`, Node-style: writes each record as one
 * line of JSON (exactly Logbook's `LogRecord.to_dict(json_safe=True)`, as
 * every logq transport sends it) to any writable stream, or to a
 * {@link StreamChannelSubscriber} listening on a `stream+tcp://host:port` or
 * `stream+unix:///path` URI.
 *
 * ```ts
 * const handler = new StreamChannelHandler('stream+tcp://127.0.0.1:5140');
 * handler.pushApplication();
 * ```
 *
 * Given a URI, it connects lazily (on the first record), buffers while
 * disconnected (`maxBuffer`, then `overflow`, counted), reconnects with
 * backoff and sends the buffer in order. Given a stream (a socket, a child's
 * stdin, `process.stdout`), it writes there and never closes it (the stream is
 * yours); once that stream has ended, the handler closes itself, counting what
 * it could not write.
 *
 * Each batch is one write, and the next waits until the stream has taken it,
 * so the stream's backpressure holds records in the handler's buffer, not in
 * the stream's. `flush()` resolves once every record is written (for a
 * socket: handed to the kernel). Its own socket never keeps the process alive
 * while idle: it is referenced only while a batch is being written.
 */
export class StreamChannelHandler extends QueueHandler<string> {
  /** The URI connected to, or null for a given stream. */
  readonly uri: string | null;
  private readonly address: StreamAddress | null;
  private readonly given: NodeJS.WritableStream | null;
  private readonly connectTimeoutMs: number;
  private socket: Socket | null = null;
  /** Why the current socket (or the given stream) broke, when it did. */
  private broken: Error | null = null;
  private watchingGiven = false;

  /**
   * @param target - a `stream+tcp://` or `stream+unix://` URI, or a writable stream.
   * @throws {StreamUriError} for a URI that is not one of those.
   */
  constructor(target: StreamChannelTarget, options: StreamChannelHandlerOptions = {}) {
    super(options);
    this.connectTimeoutMs = Math.max(1, options.connectTimeoutMs ?? 5000);
    if (typeof target === 'string') {
      this.address = parseStreamUri(target);
      this.uri = formatStreamUri(this.address);
      this.given = null;
    } else {
      this.address = null;
      this.uri = null;
      this.given = target;
    }
  }

  /** Whether the handler has a live connection to its URI now (always false for a given stream). */
  get isConnected(): boolean {
    const socket = this.socket;
    return socket !== null && this.broken === null && !socket.destroyed && socket.writable;
  }

  /** Connects to the URI (a given stream needs no connecting, only to be still open). */
  protected async connect(signal: AbortSignal): Promise<void> {
    if (this.given) {
      this.checkGiven();
      return;
    }
    await this.openSocket(signal);
  }

  /** Writes the batch as lines in one write, and waits until the stream has taken it. */
  protected async sendBatch(batch: readonly string[], signal: AbortSignal): Promise<void> {
    const text = batch.length === 1 ? `${batch[0]}\n` : `${batch.join('\n')}\n`;
    if (this.given) {
      this.checkGiven();
      await writeAll(this.given, text);
      return;
    }
    // The subscriber went away while this handler was idle: reconnect before writing, quietly.
    if (!this.socket || this.broken || this.socket.destroyed || !this.socket.writable) {
      this.dropSocket();
      await this.openSocket(signal);
    }
    const socket = this.socket!;
    socket.ref();
    try {
      await writeAll(socket, text);
    } finally {
      socket.unref();
    }
  }

  /** Ends its own socket (a given stream stays open: it is yours). */
  protected async disconnect(): Promise<void> {
    this.dropSocket();
  }

  private checkGiven(): void {
    const stream = this.given as NodeJS.WritableStream &
      NodeJS.EventEmitter & { destroyed?: boolean; writableEnded?: boolean };
    if (!this.watchingGiven) {
      // An error between writes (EPIPE once the reader is gone) must not crash the process: it ends the handler's use of the stream.
      this.watchingGiven = true;
      stream.on('error', (error: Error) => {
        this.broken ??= error;
        this.handleError(error);
      });
    }
    if (this.broken || stream.destroyed === true || stream.writableEnded === true || stream.writable === false) {
      // The stream never reopens: give up the buffer (counted) rather than retry forever.
      queueMicrotask(() => void this.close({ timeoutMs: 0 }));
      throw new ChannelClosedError('the stream has ended');
    }
  }

  private async openSocket(signal: AbortSignal): Promise<void> {
    const address = this.address!;
    const where = redactUri(this.uri!);
    const connectTimeoutMs = this.connectTimeoutMs;
    const socket = netConnect('path' in address ? { path: address.path } : { host: address.host, port: address.port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new ChannelClosedError(`no connection to ${where} within ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      );
      const onAbort = () => fail(new LogqError('aborted'));
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.off('connect', onConnect);
        socket.off('error', fail);
      };
      function onConnect() {
        cleanup();
        resolve();
      }
      function fail(error: Error) {
        cleanup();
        socket.destroy();
        reject(
          error instanceof ChannelClosedError || error.message === 'aborted'
            ? error
            : new ChannelClosedError(`cannot connect to ${where}: ${error.message}`, { cause: error }),
        );
      }
      if (signal.aborted) return fail(new LogqError('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', onConnect);
      socket.once('error', fail);
    });
    // The subscriber never writes back: read (and drop) so that its closing is seen.
    socket.on('data', () => {});
    socket.on('error', (error) => (this.broken ??= error));
    socket.on('close', () => (this.broken ??= new ChannelClosedError('the subscriber closed the connection')));
    socket.setNoDelay(true);
    socket.unref();
    this.broken = null;
    this.socket = socket;
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.end();
    socket.unref();
    // Whatever the peer does, the socket goes once its end is written.
    socket.once('finish', () => socket.destroy());
  }
}

/** Writes `text` and resolves once the stream has taken it; rejects when the stream fails or closes first. */
function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const emitter = stream as NodeJS.WritableStream & NodeJS.EventEmitter;
    let settled = false;
    const finish = (error?: Error | null) => {
      if (settled) return;
      settled = true;
      emitter.off('close', onClose);
      emitter.off('error', onError);
      if (error)
        reject(
          error instanceof ChannelClosedError
            ? error
            : new ChannelClosedError(`write failed: ${error.message}`, { cause: error }),
        );
      else resolve();
    };
    const onClose = () => finish(new ChannelClosedError('the stream closed before the records were written'));
    const onError = (error: Error) => finish(error);
    emitter.once('close', onClose);
    emitter.once('error', onError);
    try {
      stream.write(text, (error?: Error | null) => finish(error));
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
