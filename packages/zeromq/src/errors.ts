import { LogqError } from '@logq/core/transport';

/** A ZeroMQ socket could not be bound or connected (bad endpoint, address in use). */
export class ZeroMQSocketError extends LogqError {}

/**
 * The `zeromq` package (a peer dependency of `@logq/zeromq`) is not installed,
 * or its native binding could not be loaded. The message says what to install.
 */
export class ZeroMQNotInstalledError extends LogqError {}

/** `waitForPeers` timed out before enough peers were connected. */
export class PeerTimeoutError extends LogqError {}

/** A CURVE option is wrong (a key that is not 40 characters of Z85, or `authorizedKeys` on a client). */
export class CurveConfigError extends LogqError {}

/**
 * Whether a zeromq.js error is EAGAIN: a send or receive that could not be
 * done at once (the socket is full, or has nothing to read), or that timed
 * out (`sendTimeout` / `receiveTimeout`). zeromq.js also rejects the
 * operations pending on a socket with EAGAIN when the socket closes: callers
 * check `socket.closed` first.
 */
export function isAgain(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EAGAIN';
}
