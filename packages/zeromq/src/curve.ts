import type * as Zmq from 'zeromq';
import { type ZeroMQModule, bindRetrying, closeWhenSent, loadZeroMQ } from './connection.js';
import { CurveConfigError } from './errors.js';
import type { CurveOptions } from './options.js';

/** A CURVE key pair, Z85 text. */
export interface CurveKeyPair {
  /** The public key (give it to peers). */
  readonly publicKey: string;
  /** The secret key (keep it). */
  readonly secretKey: string;
}

/** Makes a new CURVE key pair (loads `zeromq`). */
export async function curveKeyPair(): Promise<CurveKeyPair> {
  const zmq = await loadZeroMQ();
  const { publicKey, secretKey } = zmq.curveKeyPair();
  return { publicKey, secretKey };
}

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85-encodes bytes whose length is a multiple of 4 (a 32-byte key gives 40 characters). */
export function z85Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    let value = ((bytes[i]! << 24) >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(Z85[value % 85]!);
      value = Math.floor(value / 85);
    }
    out += chunk.join('');
  }
  return out;
}

function checkKey(key: string, what: string): void {
  if (key.length !== 40 || [...key].some((c) => !Z85.includes(c))) {
    throw new CurveConfigError(`CURVE ${what} must be 40 characters of Z85 text (got ${key.length} characters)`);
  }
}

/** Checks CURVE options without loading zeromq. @throws {CurveConfigError} */
export function validateCurve(curve: CurveOptions): void {
  checkKey(curve.publicKey, 'publicKey');
  checkKey(curve.secretKey, 'secretKey');
  if (curve.serverKey !== undefined) checkKey(curve.serverKey, 'serverKey');
  if (curve.authorizedKeys !== undefined) {
    if (curve.serverKey !== undefined)
      throw new CurveConfigError('authorizedKeys is for the CURVE server (no serverKey)');
    for (const key of curve.authorizedKeys) checkKey(key, 'authorized key');
  }
}

/**
 * Sets the CURVE options of a socket before it binds or connects. For a
 * server with `authorizedKeys`, registers them with the context's ZAP
 * handler and returns the function that unregisters them (call it after the
 * socket is closed).
 */
export async function applyCurve(zmq: ZeroMQModule, socket: Zmq.Socket, curve: CurveOptions): Promise<() => void> {
  validateCurve(curve);
  if (curve.serverKey !== undefined) {
    socket.curveServer = false;
    socket.curvePublicKey = curve.publicKey;
    socket.curveSecretKey = curve.secretKey;
    socket.curveServerKey = curve.serverKey;
    return () => {};
  }
  socket.curveServer = true;
  socket.curveSecretKey = curve.secretKey;
  socket.curvePublicKey = curve.publicKey;
  if (curve.authorizedKeys === undefined) return () => {};
  const domain = `logq-${++domainCounter}`;
  socket.zapDomain = domain;
  return registerDomain(zmq, socket.context, domain, new Set(curve.authorizedKeys));
}

let domainCounter = 0;

/** One ZAP handler (a REP socket on inproc://zeromq.zap.01) per context, shared by its CURVE servers. */
interface ZapHandler {
  readonly socket: Zmq.Reply;
  readonly domains: Map<string, ReadonlySet<string>>;
  readonly ready: Promise<void>;
}

const zapHandlers = new Map<Zmq.Context, ZapHandler>();

/** ZAP handlers closing, by context: the next one binds the same endpoint once the old one has released it. */
const zapReleases = new Map<Zmq.Context, Promise<void>>();

async function registerDomain(
  zmq: ZeroMQModule,
  context: Zmq.Context,
  domain: string,
  keys: ReadonlySet<string>,
): Promise<() => void> {
  let zap = zapHandlers.get(context);
  if (!zap) await zapReleases.get(context);
  zap = zapHandlers.get(context); // another server may have started one meanwhile
  if (!zap) {
    const socket = new zmq.Reply({ context, linger: 0 });
    zap = { socket, domains: new Map(), ready: bindZap(socket) };
    zapHandlers.set(context, zap);
    const started = zap;
    void zap.ready.then(
      () => serveZap(started),
      () => undefined,
    );
  }
  try {
    await zap.ready;
  } catch (cause) {
    if (zapHandlers.get(context) === zap) zapHandlers.delete(context);
    zap.socket.close();
    throw new CurveConfigError(
      'authorizedKeys: could not start the ZAP handler (is another ZAP handler bound in this context?)',
      { cause },
    );
  }
  zap.domains.set(domain, keys);
  const current = zap;
  return () => {
    current.domains.delete(domain);
    if (current.domains.size === 0 && zapHandlers.get(context) === current) {
      zapHandlers.delete(context);
      const releasing = closeWhenSent(zmq, current.socket, 0).finally(() => {
        if (zapReleases.get(context) === releasing) zapReleases.delete(context);
      });
      zapReleases.set(context, releasing);
    }
  };
}

/**
 * Binds the ZAP endpoint. A ZAP handler of ours closed a moment ago releases the
 * endpoint asynchronously inside libzmq, so "address in use" is retried briefly
 * ({@link bindRetrying}); a ZAP handler bound by someone else still fails after that.
 */
function bindZap(socket: Zmq.Reply): Promise<void> {
  return bindRetrying(socket, 'inproc://zeromq.zap.01');
}

const textOf = (frame: Uint8Array | undefined): string => (frame ? Buffer.from(frame).toString('utf8') : '');

async function serveZap(zap: ZapHandler): Promise<void> {
  while (!zap.socket.closed) {
    let request: Buffer[];
    try {
      request = await zap.socket.receive();
    } catch {
      if (zap.socket.closed) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    const [version, requestId, domainFrame, , , mechanism, credentials] = request;
    const keys = zap.domains.get(textOf(domainFrame));
    // Domains logq did not register (another CURVE server in this context) keep libzmq's default: allow.
    let allowed = true;
    let clientKey = '';
    if (keys) {
      clientKey = textOf(mechanism) === 'CURVE' && credentials?.length === 32 ? z85Encode(credentials) : '';
      allowed = clientKey !== '' && keys.has(clientKey);
    }
    try {
      await zap.socket.send([
        version ?? '1.0',
        requestId ?? '',
        allowed ? '200' : '400',
        allowed ? 'OK' : 'client key not authorized',
        allowed ? clientKey : '',
        '',
      ]);
    } catch {
      if (zap.socket.closed) return;
    }
  }
}
