import { LogqError, describeError, redactSecrets } from '@logq/core/transport';

/**
 * A Redis operation failed (connection refused, authentication, a command
 * error). The message names the server without its password; the original
 * error is the `cause`.
 */
export class RedisTransportError extends LogqError {
  constructor(what: string, cause?: unknown) {
    super(redactSecrets(cause === undefined ? what : `${what}: ${describeError(cause)}`), { cause: scrub(cause) });
  }
}

/** Options that cannot work together (e.g. the kombu format on a stream). */
export class RedisOptionsError extends LogqError {}

/** Keeps an error as the cause, with any URI password removed from its message and stack. */
function scrub(cause: unknown): unknown {
  if (cause instanceof Error) {
    const message = redactSecrets(cause.message);
    if (message !== cause.message) {
      try {
        cause.message = message;
        if (cause.stack) cause.stack = redactSecrets(cause.stack);
      } catch {
        return new Error(message);
      }
    }
  }
  return cause;
}
