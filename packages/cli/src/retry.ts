import { abortableSleep, describeError, redactUri } from '@logq/core/transport';
import { say } from './terminal.js';

/** Backoff between attempts to reach a broker: 0.5 s doubling up to 5 s. */
export class Backoff {
  private delayMs = 500;

  /** Reports `error` (one line, no stack trace) and waits before the next attempt; resolves early on abort. */
  async failed(what: string, uri: string, error: unknown, signal: AbortSignal): Promise<void> {
    say(`${what} ${redactUri(uri)}: ${describeError(error)}; retrying in ${(this.delayMs / 1000).toFixed(1)} s`);
    await abortableSleep(this.delayMs, signal).catch(() => undefined);
    this.delayMs = Math.min(5000, this.delayMs * 2);
  }

  /** An attempt succeeded. */
  reset(): void {
    this.delayMs = 500;
  }
}
