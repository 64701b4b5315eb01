/**
 * The socket lifecycle shared by the handler and the subscriber: loading the
 * `zeromq` module (lazily, so that importing `@logq/zeromq` never fails),
 * binding (retrying an endpoint that a socket closed a moment ago still
 * holds), and closing once libzmq has sent what it holds.
 */
import type { InspectOptionsStylized, inspect } from 'node:util';
import type * as Zmq from 'zeromq';
import { ZeroMQNotInstalledError } from './errors.js';

/** The `zeromq` module (v6), as loaded at run time. */
export type ZeroMQModule = typeof Zmq;

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
    return new ZeroMQNotInstalledError(
      `@logq/zeromq needs the "zeromq" package (v6), which is not installed: ${INSTALL_HINT}`,
      { cause },
    );
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ZeroMQNotInstalledError(
    `the "zeromq" package could not be loaded (${reason}); reinstall it: ${INSTALL_HINT}`,
    { cause },
  );
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

/** How long a bind keeps retrying "address in use", in ms. */
const BIND_RETRY_MS = 2_000;

/** Pause between bind attempts, in ms. */
const BIND_PAUSE_MS = 25;

function inUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EADDRINUSE';
}

/**
 * Binds `socket` to `endpoint`, retrying "address in use" for up to ~2 s.
 * A socket closed a moment ago (a restarted subscriber or handler, a ZAP
 * handler of ours) releases its endpoint asynchronously inside libzmq, so the
 * next bind to the same endpoint can fail for a short while; an endpoint held
 * by someone else still fails after that, with libzmq's error. Stops retrying
 * (with the last error) once `signal` aborts.
 */
export async function bindRetrying(socket: Zmq.Socket, endpoint: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + BIND_RETRY_MS;
  for (;;) {
    try {
      await socket.bind(endpoint);
      return;
    } catch (error) {
      if (!inUse(error) || Date.now() >= deadline || socket.closed || signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, BIND_PAUSE_MS));
    }
  }
}

/** Extra wait beyond the socket's linger for libzmq to report it has let go, in ms. */
const MARGIN_MS = 1_000;

/**
 * Closes `socket` and resolves once libzmq has released it: its queued
 * messages are written to the connections (handed to the kernel) or its
 * linger period (`lingerMs`) has run out. `socket.close()` alone returns at
 * once while libzmq goes on sending in the background, and a process that then
 * dies by a signal (as after a SIGTERM shutdown) would lose what was still
 * queued. The socket monitor reports "stopped" when the socket is destroyed,
 * which is after its pipes have drained; the wait is bounded by `lingerMs`
 * plus a margin (unbounded only for an infinite linger, -1). Nothing is left
 * pending afterwards.
 */
export async function closeWhenSent(zmq: ZeroMQModule, socket: Zmq.Socket, lingerMs: number): Promise<void> {
  if (socket.closed) return;
  let observer: Zmq.Observer;
  try {
    observer = new zmq.Observer(socket);
  } catch {
    socket.close(); // no monitor possible: close without waiting
    return;
  }
  socket.close();
  let timer: NodeJS.Timeout | undefined;
  const released = (async () => {
    while (!observer.closed) {
      try {
        if ((await observer.receive()).type === 'end') return;
      } catch {
        return; // the monitor has stopped
      }
    }
  })();
  const limit = lingerMs < 0 ? null : lingerMs + MARGIN_MS;
  await (limit === null
    ? released
    : Promise.race([released, new Promise<void>((resolve) => (timer = setTimeout(resolve, limit)))]));
  clearTimeout(timer);
  observer.close();
}

/** Whether `value` is a zeromq.js socket (by its shape: `in` calls no getter). */
function isSocket(value: unknown): value is Zmq.Socket {
  return (
    typeof value === 'object' &&
    value !== null &&
    'events' in value &&
    'closed' in value &&
    typeof (value as { close?: unknown }).close === 'function'
  );
}

/** How a value held by a handler or subscriber is printed: a socket as its type and state, a promise and the zeromq module by name. */
function printable(value: unknown): unknown {
  if (isSocket(value)) return `${value.constructor.name} (${value.closed ? 'closed' : 'open'})`;
  if (value instanceof Promise) return '[Promise]';
  if (typeof value === 'object' && value !== null && 'Observer' in value && 'Socket' in value) return '[zeromq module]';
  return value;
}

/**
 * What `util.inspect` shows of a handler or subscriber (`owner`): its own
 * properties, `uri` and `multi`, with a zeromq.js socket shown as its type and
 * state (`Pull (open)`) and a promise (which may hold one) as `[Promise]`.
 * Printing a zeromq.js socket with `getters: true` calls its `events` getter,
 * which opens a new monitor on the socket: libzmq keeps one per socket, so the
 * subscriber's peer counting would stop, and printing must change nothing.
 */
export function inspectOwner(
  owner: object & { readonly uri: string | null; readonly multi: boolean },
  depth: number,
  options: InspectOptionsStylized,
  show: typeof inspect,
): string {
  const view: Record<PropertyKey, unknown> = { uri: owner.uri, multi: owner.multi };
  for (const key of Reflect.ownKeys(owner)) {
    const descriptor = Object.getOwnPropertyDescriptor(owner, key)!;
    Object.defineProperty(
      view,
      key,
      'value' in descriptor ? { ...descriptor, value: printable(descriptor.value) } : descriptor,
    );
  }
  return `${owner.constructor.name} ${show(view, { ...options, depth: options.depth === null ? null : depth })}`;
}
