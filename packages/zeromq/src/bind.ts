import type * as Zmq from 'zeromq';

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
