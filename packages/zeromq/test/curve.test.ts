import { Level, LogRecord } from '@logq/core';
import { CurveConfigError, type CurveKeyPair, ZeroMQHandler, ZeroMQSubscriber, curveKeyPair } from '../src/index.js';
import { z85Encode } from '../src/curve.js';
import { endpoint } from './helpers.js';
import type * as zmq from 'zeromq';

const record = (msg: string) => new LogRecord({ channel: 'logq.curve', level: Level.ERROR, msg });
const quiet = () => {};

let server: CurveKeyPair;
let client: CurveKeyPair;
let stranger: CurveKeyPair;

beforeAll(async () => {
  [server, client, stranger] = await Promise.all([curveKeyPair(), curveKeyPair(), curveKeyPair()]);
});

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
function track<T extends ZeroMQHandler | ZeroMQSubscriber>(x: T): T {
  closers.push(() => (x instanceof ZeroMQHandler ? x.close({ timeoutMs: 200 }) : x.close()));
  return x;
}

/** Sends records until `good` has one, then checks that none reached the others. */
async function expectOnly(
  handler: ZeroMQHandler,
  good: ZeroMQSubscriber | null,
  bad: ZeroMQSubscriber[],
): Promise<void> {
  for (let i = 0; i < 5; i++) handler.handle(record(`secret ${i}`));
  if (good) for (let i = 0; i < 5; i++) expect((await good.recv(20_000))?.message).toBe(`secret ${i}`);
  await new Promise((r) => setTimeout(r, 300));
  for (const b of bad) expect(await b.recv(1_000)).toBeNull();
}

describe('CURVE', () => {
  it('z85Encode matches zeromq key encoding', () => {
    const raw = Buffer.from('8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7', 'hex');
    expect(z85Encode(raw)).toBe('JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6');
  });

  it('rejects malformed keys', () => {
    expect(
      () => new ZeroMQHandler('tcp://127.0.0.1:1', { curve: { publicKey: 'short', secretKey: server.secretKey } }),
    ).toThrow(CurveConfigError);
    expect(
      () =>
        new ZeroMQSubscriber(null, {
          curve: { ...client, serverKey: server.publicKey, authorizedKeys: [client.publicKey] },
        }),
    ).toThrow(CurveConfigError);
  });

  it('PUB/SUB: only a subscriber with the server key receives; wrong key or no CURVE receive nothing', async () => {
    const uri = await endpoint();
    const handler = track(new ZeroMQHandler(uri, { curve: server }));
    const good = track(new ZeroMQSubscriber(uri, { curve: { ...client, serverKey: server.publicKey } }));
    const wrongKey = track(new ZeroMQSubscriber(uri, { curve: { ...client, serverKey: stranger.publicKey } }));
    const plain = track(new ZeroMQSubscriber(uri));
    await handler.waitForPeers(1, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(handler.subscribers).toBe(1);
    await expectOnly(handler, good, [wrongKey, plain]);
  });

  it('PUB/SUB with authorizedKeys: a client whose key is not authorized receives nothing', async () => {
    const uri = await endpoint();
    const handler = track(new ZeroMQHandler(uri, { curve: { ...server, authorizedKeys: [client.publicKey] } }));
    const good = track(new ZeroMQSubscriber(uri, { curve: { ...client, serverKey: server.publicKey } }));
    const intruder = track(new ZeroMQSubscriber(uri, { curve: { ...stranger, serverKey: server.publicKey } }));
    await handler.waitForPeers(1, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(handler.subscribers).toBe(1);
    await expectOnly(handler, good, [intruder]);
  });

  it('multi: the PULL subscriber is the server; records of a handler with the wrong key never arrive', async () => {
    const uri = await endpoint();
    const subscriber = track(
      new ZeroMQSubscriber(uri, { multi: true, curve: { ...server, authorizedKeys: [client.publicKey] } }),
    );
    await subscriber.open();
    const good = track(new ZeroMQHandler(uri, { multi: true, curve: { ...client, serverKey: server.publicKey } }));
    const wrongServer = track(
      new ZeroMQHandler(uri, { multi: true, onError: quiet, curve: { ...client, serverKey: stranger.publicKey } }),
    );
    const unauthorized = track(
      new ZeroMQHandler(uri, { multi: true, onError: quiet, curve: { ...stranger, serverKey: server.publicKey } }),
    );
    const plain = track(new ZeroMQHandler(uri, { multi: true, onError: quiet }));
    for (const h of [wrongServer, unauthorized, plain]) h.handle(record('intruder'));
    good.handle(record('welcome'));
    expect((await subscriber.recv(20_000))?.message).toBe('welcome');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await subscriber.recv(500)).toBeNull();
    expect(subscriber.peers).toBe(1);
  });

  it('a CURVE server socket reports the curve mechanism', async () => {
    const uri = await endpoint();
    const handler = track(new ZeroMQHandler(uri, { curve: server }));
    const socket = (await handler.open()) as zmq.XPublisher;
    expect(socket.curveServer).toBe(true);
    expect(socket.securityMechanism).toBe('curve');
  });
});
