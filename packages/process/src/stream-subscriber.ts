import { lstatSync, unlinkSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, connect as netConnect, createServer } from 'node:net';
import type { Readable } from 'node:stream';
import type { LogRecord } from '@logq/core';
import {
  AsyncQueue,
  DEFAULT_MAX_RECORD_BYTES,
  FrameSubscriber,
  LogqError,
  type RawFrame,
  RecordDecodeError,
  redactUri,
} from '@logq/core/transport';
import { LineSplitter } from './line-splitter.js';
import type { StreamChannelSubscriberOptions } from './stream-options.js';
import { type StreamAddress, formatStreamUri, parseStreamUri } from './stream-uri.js';

/** Where a {@link StreamChannelSubscriber} reads: a URI it listens on, or a readable stream. */
export type StreamChannelSource = string | Readable;

/** Counters of a {@link StreamChannelSubscriber}, besides the subscriber's own. */
export interface StreamChannelStats {
  /** Connections accepted (listening subscribers). */
  connections: number;
  /** Lines longer than `maxRecordBytes`, discarded as they came (also counted in `malformed`). */
  oversized: number;
}

/** Stands for a line that was too long: its bytes were never kept. */
class OversizedLine extends Uint8Array {
  constructor(readonly bytes: number) {
    super(0);
  }
}

/**
 * Logbook's `ExecnetChannelSubscriber`, Node-style: reads records written
 * one JSON line each (Logbook's `to_dict(json_safe=True)`) by
 * {@link StreamChannelHandler}s, or by any program that writes such lines (a
 * Python `logbook.Handler`, see the README), from a readable stream, or from
 * every connection to the `stream+tcp://host:port` or `stream+unix:///path`
 * URI it listens on.
 *
 * ```ts
 * const subscriber = new StreamChannelSubscriber('stream+tcp://127.0.0.1:5140');
 * const controller = subscriber.dispatchInBackground(new StderrHandler());
 * ```
 *
 * Each line is decoded and validated as on every transport: a line that is not
 * a record is counted in `stats.malformed`, reported and skipped. A line longer
 * than `maxRecordBytes` is discarded as it arrives (at most that much of a line
 * is ever held, newline or not) and counted. When `prefetch` records wait
 * to be taken, the subscriber stops reading until it has taken half of them,
 * and the senders' writes wait (TCP's own backpressure).
 *
 * A listening subscriber keeps the process alive, as a server does, until it
 * is closed; `close()` stops listening and ends every connection.
 */
export class StreamChannelSubscriber extends FrameSubscriber {
  private listenUri: string | null;
  /** Counters of the connections and lines; see {@link StreamChannelStats}. */
  readonly streamStats: StreamChannelStats = { connections: 0, oversized: 0 };
  private readonly frames = new AsyncQueue<RawFrame>();
  private readonly prefetch: number;
  private readonly maxLineBytes: number;
  /** Each stream read from, with the function that stops reading it. */
  private readonly sources = new Map<Readable, () => void>();
  private paused = false;
  private server: Server | null = null;
  private readonly listening: Promise<string> | null = null;
  private listenError: Error | null = null;

  /**
   * @param source - a `stream+tcp://` or `stream+unix://` URI to listen on (port 0: a free one), or a readable stream.
   * @throws {StreamUriError} for a URI that is not one of those.
   */
  constructor(source: StreamChannelSource, options: StreamChannelSubscriberOptions = {}) {
    super(options);
    this.prefetch = Math.max(1, options.prefetch ?? options.highWaterMark ?? 10_000);
    this.maxLineBytes = this.decodeOptions.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (typeof source === 'string') {
      const address = parseStreamUri(source);
      this.listenUri = formatStreamUri(address);
      this.listening = this.listen(address);
      this.listening.catch((error: unknown) => {
        this.listenError = error instanceof Error ? error : new Error(String(error));
        this.reportError(error);
      });
    } else {
      this.listenUri = null;
      this.read(source);
    }
  }

  /** The URI listened on (with the port picked when it was 0, once listening), or null for a given stream. */
  get uri(): string | null {
    return this.listenUri;
  }

  /** Records received and not yet taken (at most about `prefetch` plus what one read brought). */
  get waiting(): number {
    return this.frames.length;
  }

  /**
   * Resolves with the URI once the subscriber listens (the port filled in when
   * 0 was asked for), so that handlers can be pointed at it.
   * @throws the listen error (address in use, no permission); for a given stream, its URI is null.
   */
  async ready(): Promise<string | null> {
    return this.listening ? this.listening : null;
  }

  /** Reads lines from one stream until it ends (a connection, or the stream given to the constructor). */
  private read(stream: Readable): void {
    if (this.paused) stream.pause();
    const splitter = new LineSplitter(
      this.maxLineBytes,
      (line) => this.push({ data: line }),
      (bytes) => {
        this.streamStats.oversized++;
        this.push({ data: new OversizedLine(bytes) });
      },
    );
    const onData = (chunk: Buffer | string) => splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const onEnd = () => splitter.end();
    const onError = (error: Error) => this.reportError(error);
    const onClose = () => this.sources.delete(stream);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    this.sources.set(stream, () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      // Errors after this are the stream owner's, but must not crash the process meanwhile.
      stream.off('error', onError);
      stream.on('error', () => {});
    });
  }

  private push(frame: RawFrame): void {
    this.frames.push(frame);
    if (!this.paused && this.frames.length >= this.prefetch) {
      this.paused = true;
      for (const source of this.sources.keys()) source.pause();
    }
  }

  private afterTake(): void {
    if (this.paused && this.frames.length <= this.prefetch / 2) {
      this.paused = false;
      for (const source of this.sources.keys()) source.resume();
    }
  }

  protected override pollFrame(): RawFrame | null {
    const frame = this.frames.poll();
    if (frame) this.afterTake();
    return frame;
  }

  protected async receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    if (this.listenError) throw this.listenError;
    const frame = await this.frames.take(timeoutMs, signal);
    if (frame) this.afterTake();
    return frame;
  }

  protected override decode(data: string | Uint8Array): LogRecord {
    if (data instanceof OversizedLine)
      throw new RecordDecodeError(
        `line of ${data.bytes} bytes exceeds maxRecordBytes (${this.maxLineBytes}); discarded`,
      );
    return super.decode(data);
  }

  private async listen(address: StreamAddress): Promise<string> {
    const server = createServer((socket: Socket) => {
      this.streamStats.connections++;
      if (this.closed) {
        socket.destroy();
        return;
      }
      this.read(socket);
    });
    this.server = server;
    try {
      try {
        await listenOn(server, address);
      } catch (error) {
        if (
          !(
            'path' in address &&
            (error as NodeJS.ErrnoException).code === 'EADDRINUSE' &&
            (await isStaleSocket(address.path))
          )
        )
          throw error;
        // A socket file left by a process that died: nobody answers on it.
        unlinkSync(address.path);
        await listenOn(server, address);
      }
    } catch (error) {
      this.server = null;
      throw new LogqError(`cannot listen on ${redactUri(this.listenUri!)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // Errors of the listening server from now on (listen errors were the promise's).
    server.on('error', (error) => this.reportError(error));
    if (!('path' in address)) {
      const bound = server.address() as AddressInfo;
      this.listenUri = formatStreamUri({ host: address.host, port: bound.port });
    }
    return this.listenUri!;
  }

  /** Stops listening and ends every connection and the given stream's reading; records already received can still be taken. */
  protected override async closeTransport(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const [source, stopReading] of this.sources) {
      stopReading();
      // Connections are the subscriber's own; a stream given to it stays open, no longer read.
      if (server) source.destroy();
      else source.pause();
    }
    this.sources.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function listenOn(server: Server, address: StreamAddress): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('path' in address) server.listen(address.path, done);
    else server.listen(address.port, address.host, done);
  });
}

/** Whether a unix socket path is a socket file that nobody listens on. */
function isStaleSocket(path: string): Promise<boolean> {
  try {
    if (!lstatSync(path).isSocket()) return Promise.resolve(false);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const probe = netConnect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
