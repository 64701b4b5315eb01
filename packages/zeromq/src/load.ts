import { LogqError } from '@logq/core';
import type * as Zmq from 'zeromq';

/** The `zeromq` module (v6), as loaded at run time. */
export type ZeroMQModule = typeof Zmq;

/**
 * The `zeromq` package (a peer dependency of `@logq/zeromq`) is not installed,
 * or its native binding could not be loaded. The message says what to install.
 */
export class ZeroMQNotInstalledError extends LogqError {}

/** What to run when `zeromq` is missing. */
export const INSTALL_HINT = 'install zeromq: npm install zeromq';

let loading: Promise<ZeroMQModule> | null = null;

function isModuleNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

/** Turns a failure to load `zeromq` into a {@link ZeroMQNotInstalledError} that names the package. */
export function missingZeroMQError(cause: unknown): ZeroMQNotInstalledError {
  if (isModuleNotFound(cause)) {
    return new ZeroMQNotInstalledError(`@logq/zeromq needs the "zeromq" package (v6), which is not installed: ${INSTALL_HINT}`, { cause });
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ZeroMQNotInstalledError(`the "zeromq" package could not be loaded (${reason}); reinstall it: ${INSTALL_HINT}`, { cause });
}

/**
 * Loads `zeromq` once, lazily (so that importing `@logq/zeromq` never fails).
 * @throws {ZeroMQNotInstalledError} when it is missing or broken.
 */
export function loadZeroMQ(): Promise<ZeroMQModule> {
  loading ??= import('zeromq').then(
    (mod) => (mod as unknown as { default?: ZeroMQModule }).default ?? (mod as unknown as ZeroMQModule),
    (cause: unknown) => {
      loading = null;
      throw missingZeroMQError(cause);
    },
  );
  return loading;
}
