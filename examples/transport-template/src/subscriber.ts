import { type FileHandle, open } from 'node:fs/promises';
import { FrameSubscriber, LogqError, type RawFrame, abortableSleep } from '@logq/core/transport';
import type { FileSubscriberOptions } from './options.js';
import { filePath } from './path.js';

const NEWLINE = 0x0a;
/** Bytes read from the file in one go. */
const CHUNK_BYTES = 256 * 1024;
/** Lines read ahead into memory before a receive takes them. */
const READ_AHEAD_LINES = 2_048;

/** The file shrank under the subscriber (truncated or replaced): it starts again from the beginning. */
export class FileTruncatedError extends LogqError {}

interface Line {
  readonly data: Buffer;
  /** Byte offset just after the line's newline. */
  readonly end: number;
}

/**
 * Reads the records that a {@link FileHandler} appends to a JSON-lines file, following the file as it
 * grows (as `tail -f` does). Lines are read ahead into memory; a receive takes the next one, and a
 * receive that times out or is aborted leaves them queued, so no line read from the file is lost.
 * `position` is the byte offset after the last record received: save it, and pass it as the
 * `position` option to resume there.
 *
 * A line that is not a record is counted in `stats.malformed`, reported through `onError` and
 * skipped; a line longer than `maxRecordBytes` is skipped without being held in memory whole.
 */
export class FileSubscriber extends FrameSubscriber {
  /** The file read. */
  readonly path: string;
  /** How often a waiting receive looks for new lines, in ms. */
  readonly pollIntervalMs: number;
  private file: FileHandle | null = null;
  private readPosition: number;
  private delivered: number;
  private lines: Line[] = [];
  private head = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** The first bytes of a line too long to keep, while the rest of it is skipped. */
  private oversized: Buffer | null = null;
  private reading: Promise<void> | null = null;
  private readonly maxLineBytes: number;

  /**
   * @param target - `file:///var/log/app.jsonl`, a `URL`, or a path. The file need not exist yet.
   */
  constructor(target: string | URL, options: FileSubscriberOptions = {}) {
    super(options);
    this.path = filePath(target);
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 50);
    this.readPosition = Math.max(0, options.position ?? 0);
    this.delivered = this.readPosition;
    this.maxLineBytes = options.maxRecordBytes ?? 1024 * 1024;
  }

  /** Byte offset just after the last record received (and so acknowledged). */
  get position(): number {
    return this.delivered;
  }

  /** A line already read, or null: never waits. */
  protected override pollFrame(): RawFrame | null {
    if (this.head >= this.lines.length) return null;
    const line = this.lines[this.head++]!;
    if (this.head === this.lines.length) {
      this.lines = [];
      this.head = 0;
    }
    return {
      data: line.data,
      ack: () => {
        this.delivered = Math.max(this.delivered, line.end);
      },
    };
  }

  /**
   * The next line: one already read, else new lines from the file, else waits (looking every
   * `pollIntervalMs`) until `timeoutMs` has passed (0: one look; null: forever) or `signal` aborts.
   */
  protected async receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
    for (;;) {
      await this.readMore();
      // Returned even when `signal` aborted meanwhile: a line read is never dropped (it also stays queued otherwise).
      const frame = this.pollFrame();
      if (frame) return frame;
      if (signal.aborted) return null;
      const left = deadline === null ? this.pollIntervalMs : deadline - Date.now();
      if (left <= 0) return null;
      await abortableSleep(Math.min(this.pollIntervalMs, left), signal);
    }
  }

  /** Reads what the file gained since the last look; one read at a time. */
  private readMore(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    if (this.closed) return;
    if (!this.file) {
      try {
        this.file = await open(this.path, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // not written yet
        throw error;
      }
    }
    const { size } = await this.file.stat();
    if (size < this.readPosition) {
      this.reportError(
        new FileTruncatedError(
          `${this.path} shrank to ${size} bytes (below ${this.readPosition}); reading it from the start`,
        ),
      );
      this.readPosition = 0;
      this.delivered = 0;
      this.partial = [];
      this.partialBytes = 0;
      this.oversized = null;
    }
    while (this.readPosition < size && this.lines.length - this.head < READ_AHEAD_LINES && !this.closed) {
      const length = Math.min(CHUNK_BYTES, size - this.readPosition);
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead } = await this.file.read(chunk, 0, length, this.readPosition);
      if (bytesRead === 0) break;
      this.split(chunk.subarray(0, bytesRead), this.readPosition);
      this.readPosition += bytesRead;
    }
  }

  /** Queues every complete line of `chunk` (read at byte `at`) and keeps the unfinished rest. */
  private split(chunk: Buffer, at: number): void {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl);
      const end = at + nl + 1;
      if (this.oversized) {
        // The end of a line too long to keep: its head goes on, for the decoder to reject as too large.
        this.lines.push({ data: this.oversized, end });
        this.oversized = null;
      } else {
        const data = this.partialBytes === 0 ? piece : Buffer.concat([...this.partial, piece]);
        this.partial = [];
        this.partialBytes = 0;
        this.lines.push({ data, end });
      }
      start = nl + 1;
    }
    if (start >= chunk.length || this.oversized) return;
    // A line still being written (or longer than a chunk): keep it until its newline comes.
    this.partial.push(chunk.subarray(start));
    this.partialBytes += chunk.length - start;
    if (this.partialBytes > this.maxLineBytes) {
      this.oversized = Buffer.concat(this.partial).subarray(0, this.maxLineBytes + 1);
      this.partial = [];
      this.partialBytes = 0;
    }
  }

  /** Closes the file once a read in progress has ended. */
  protected override async closeTransport(): Promise<void> {
    await this.reading?.catch(() => undefined);
    const file = this.file;
    this.file = null;
    await file?.close();
  }
}
