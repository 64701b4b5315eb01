import { createServer, Socket } from 'node:net';

export const LOOPBACK = '127.0.0.1';

// Ports handed out recently by this process: a server started a moment later
// may not have bound its port yet, so never hand the same one out twice.
const recent: number[] = [];

function listenOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** A TCP port on 127.0.0.1 that is free right now (and not handed out recently by this process). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce();
    if (!recent.includes(port)) {
      recent.push(port);
      if (recent.length > 256) recent.shift();
      return port;
    }
  }
  throw new Error('freePort: could not find a free port on 127.0.0.1');
}

/** Several distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await freePort());
  return ports;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true when a TCP connection to host:port succeeds, false when refused or slower than timeoutMs. */
export function canConnect(port: number, host = LOOPBACK, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/**
 * Opens a connection, writes `request`, and resolves with what arrives until
 * `complete(received)` is true (or null on refusal, close or timeout).
 */
export function exchange(
  port: number,
  request: Buffer,
  complete: (received: Buffer) => boolean,
  timeoutMs = 2000,
  host = LOOPBACK,
): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = Buffer.alloc(0);
    let settled = false;
    const done = (value: Buffer | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once('error', () => done(null));
    socket.once('close', () => done(null));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (complete(received)) done(received);
    });
    socket.connect(port, host, () => socket.write(request));
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called between attempts: return a reason to stop waiting (e.g. the server exited). */
  abort?: () => string | null;
  what?: string;
}

/** Polls `check` until it resolves true; rejects on timeout or when `abort` gives a reason. */
export async function waitUntil(check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
  const what = opts.what ?? 'condition';
  for (;;) {
    const reason = opts.abort?.() ?? null;
    if (reason !== null) throw new Error(`gave up waiting for ${what}: ${reason}`);
    if (await check()) return;
    const reasonAfter = opts.abort?.() ?? null;
    if (reasonAfter !== null) throw new Error(`gave up waiting for ${what}: ${reasonAfter}`);
    if (Date.now() >= deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}`);
    await sleep(interval);
  }
}

/** Resolves once 127.0.0.1:port accepts TCP connections; rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 30_000, host = LOOPBACK): Promise<void> {
  await waitUntil(() => canConnect(port, host), { timeoutMs, what: `${host}:${port} to accept connections` });
}
