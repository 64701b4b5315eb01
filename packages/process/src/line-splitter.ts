/**
 * Splits a byte stream into lines (`\n`-terminated) of at most `maxBytes`
 * each, holding at most `maxBytes` of a line that has not ended: the bytes of
 * a longer line are discarded as they come, and the line is reported once,
 * with its size, when its newline arrives. Memory stays bounded however long a
 * line without a newline grows.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private held = 0;
  /** Bytes of an oversized line discarded so far, or -1 when not skipping. */
  private skipped = -1;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOversized: (bytes: number) => void,
  ) {}

  /** Bytes held of the line in progress. */
  get pending(): number {
    return this.held;
  }

  /** Takes the next chunk of the stream. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) {
        this.hold(chunk, start, chunk.length);
        return;
      }
      this.hold(chunk, start, newline);
      this.endLine();
      start = newline + 1;
    }
  }

  /** The stream ended: a last line without its newline still counts. */
  end(): void {
    if (this.held > 0 || this.skipped >= 0) this.endLine();
  }

  private hold(chunk: Buffer, from: number, to: number): void {
    const length = to - from;
    if (length === 0) return;
    if (this.skipped >= 0) {
      this.skipped += length;
      return;
    }
    if (this.held + length > this.maxBytes) {
      this.skipped = this.held + length;
      this.parts = [];
      this.held = 0;
      return;
    }
    // Views into the chunks, not copies: a line spanning chunks fills all but its first and last,
    // so what the views pin stays within the line's size and two chunks.
    this.parts.push(chunk.subarray(from, to));
    this.held += length;
  }

  private endLine(): void {
    if (this.skipped >= 0) {
      const bytes = this.skipped;
      this.skipped = -1;
      this.onOversized(bytes);
      return;
    }
    const line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.held);
    this.parts = [];
    this.held = 0;
    this.onLine(line);
  }
}
