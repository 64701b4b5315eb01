import type * as Zmq from 'zeromq';
import type { ZeroMQModule } from './load.js';

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
  await (limit === null ? released : Promise.race([released, new Promise<void>((resolve) => (timer = setTimeout(resolve, limit)))]));
  clearTimeout(timer);
  observer.close();
}
