import { redactSecrets } from './redact.js';

/**
 * Base class of every error that logq raises. Sets `name` to the subclass name
 * and keeps the underlying `cause`.
 */
export class LogqError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A frame could not be decoded into a log record (not JSON, not an object, missing keys, too large). */
export class RecordDecodeError extends LogqError {}

/** A transport was asked for a URI whose scheme no installed package handles. */
export class TransportNotFoundError extends LogqError {}

/** An operation was attempted on a handler or subscriber that has been closed. */
export class ClosedError extends LogqError {}

/** A short, secret-free description of any thrown value, for error hooks and stderr lines. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return redactSecrets(`${error.name}: ${error.message}`);
  return redactSecrets(String(error));
}
