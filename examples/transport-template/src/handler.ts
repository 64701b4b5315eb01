import { type FileHandle, open } from 'node:fs/promises';
import { QueueHandler } from '@logq/core/transport';
import type { FileHandlerOptions } from './options.js';
import { filePath } from './path.js';

const NEWLINE = '\n';

/**
 * Appends each record as one line of JSON (Logbook's record dict, as every logq transport sends it)
 * to a file. A record's JSON never holds a raw newline, so a line is a record.
 *
 * `sendBatch` resolves only once the batch is written (and synced, with `fsync: true`): that is
 * what lets `flush()` and `close()` promise the records are in the file.
 */
export class FileHandler extends QueueHandler<string> {
  /** The file written to. */
  readonly path: string;
  /** Whether each batch is synced to disk. */
  readonly fsync: boolean;
  private file: FileHandle | null = null;

  /**
   * @param target - `file:///var/log/app.jsonl`, a `URL`, or a path.
   */
  constructor(target: string | URL, options: FileHandlerOptions = {}) {
    super(options);
    this.path = filePath(target);
    this.fsync = options.fsync ?? false;
  }

  /** Opens the file for appending (creating it). Called by the base class before the first batch and after a failure. */
  protected async connect(): Promise<void> {
    this.file = await open(this.path, 'a');
  }

  /** Writes the batch with one append; resolves once it is written, so that a flush waits for it. */
  protected async sendBatch(batch: readonly string[]): Promise<void> {
    const file = this.file;
    if (!file) throw new Error(`${this.path} is not open`);
    const data = Buffer.from(batch.join(NEWLINE) + NEWLINE, 'utf8');
    let offset = 0;
    // A write may take less than all of it: go on until everything is written.
    while (offset < data.length) {
      const { bytesWritten } = await file.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
    if (this.fsync) await file.sync();
  }

  /** Closes the file. An open file does not keep the process alive, so there is nothing to unref here. */
  protected async disconnect(): Promise<void> {
    const file = this.file;
    this.file = null;
    await file?.close();
  }
}
