import type { ConformancePair } from '@logq/core/testing';
import { freePort } from '@logq/services';
import * as zmq from 'zeromq';
import {
  ZeroMQHandler,
  type ZeroMQHandlerOptions,
  ZeroMQSubscriber,
  type ZeroMQSubscriberOptions,
} from '../src/index.js';

/** A fresh loopback endpoint. */
export async function endpoint(): Promise<string> {
  return `tcp://127.0.0.1:${await freePort()}`;
}

/** Waits until a raw XPUB has seen `count` subscriptions. */
export async function waitForRawSubscriptions(pub: zmq.XPublisher, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  pub.receiveTimeout = 100;
  while (seen < count) {
    if (Date.now() > deadline) throw new Error(`raw XPUB saw ${seen} of ${count} subscriptions`);
    try {
      const [msg] = await pub.receive();
      if (msg?.[0] === 1) seen++;
    } catch {
      // EAGAIN: poll again
    }
  }
}

/** A connected PUB/SUB (or PUSH/PULL with multi) pair with a raw injector, slow joiner handled. */
export async function makePair(
  multi: boolean,
  handlerOptions: ZeroMQHandlerOptions = {},
  subscriberOptions: ZeroMQSubscriberOptions = {},
): Promise<ConformancePair> {
  const uri = await endpoint();
  if (!multi) {
    const handler = new ZeroMQHandler(uri, handlerOptions);
    const subscriber = new ZeroMQSubscriber(uri, subscriberOptions);
    await handler.waitForPeers(1, { timeoutMs: 20_000 });
    const raw = new zmq.XPublisher({ linger: 0, sendHighWaterMark: 0 });
    raw.verbosity = 'allSubs';
    await raw.bind(await endpoint());
    (await subscriber.open()).connect(raw.lastEndpoint!);
    await waitForRawSubscriptions(raw, 1);
    return {
      handler,
      subscriber,
      injectRaw: (frame) => raw.send(frame),
      dispose: async () => raw.close(),
    };
  }
  const subscriber = new ZeroMQSubscriber(uri, { ...subscriberOptions, multi: true });
  await subscriber.open();
  const handler = new ZeroMQHandler(uri, { ...handlerOptions, multi: true });
  const raw = new zmq.Push({ linger: 0, sendHighWaterMark: 0 });
  raw.connect(uri);
  return {
    handler,
    subscriber,
    injectRaw: (frame) => raw.send(frame),
    dispose: async () => raw.close(),
  };
}
