// Closing a bound socket and binding a new one to the same endpoint races libzmq's asynchronous
// unbind ("Address already in use"): a restarted subscriber (PULL) or handler (PUB) must come back.
import { Level, LogRecord } from '@logq/core';
import * as zmq from 'zeromq';
import { ZeroMQHandler, ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';

const record = (seq: number) =>
  new LogRecord({ channel: 'logq.rebind', level: Level.INFO, msg: 'round {0}', args: [seq], extra: { seq } });
const ROUNDS = 20;

describe('rebinding the same endpoint at once after close', () => {
  it("a PULL subscriber's close() resolves once libzmq has released the endpoint: a plain bind then succeeds", async () => {
    const uri = await endpoint();
    for (let round = 0; round < ROUNDS; round++) {
      const subscriber = new ZeroMQSubscriber(uri, { multi: true });
      await subscriber.open();
      await subscriber.close();
      const next = new zmq.Pull({ linger: 0 });
      try {
        await next.bind(uri); // no retry: "Address already in use" fails the test
      } finally {
        next.close(); // released asynchronously: the next subscriber's bind retries for it
      }
    }
  });

  it(`a PULL subscriber closed and bound again ${ROUNDS} times in a row receives every time`, async () => {
    const uri = await endpoint();
    const handler = new ZeroMQHandler(uri, { multi: true });
    try {
      await handler.open(); // PUSH connects now (and reconnects to each new subscriber)
      for (let round = 0; round < ROUNDS; round++) {
        const subscriber = new ZeroMQSubscriber(uri, { multi: true });
        try {
          await subscriber.open(); // rejects with "Address already in use" unless the bind retries
          // The handler's PUSH has reconnected: a record sent before could still go to the old connection.
          await subscriber.waitForPeers(1, { timeoutMs: 20_000 });
          handler.handle(record(round));
          expect((await subscriber.recv(20_000))?.extra.seq).toBe(round);
        } finally {
          await subscriber.close();
        }
      }
      expect(handler.stats.dropped).toBe(0);
    } finally {
      await handler.close({ timeoutMs: 1000 });
    }
  });

  it(`a PUB handler closed and bound again ${ROUNDS} times in a row reaches its subscriber every time`, async () => {
    const uri = await endpoint();
    const subscriber = new ZeroMQSubscriber(uri);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const handler = new ZeroMQHandler(uri);
        try {
          await handler.waitForPeers(1, { timeoutMs: 20_000 }); // opens (binds) first
          handler.handle(record(round));
          expect((await subscriber.recv(20_000))?.extra.seq).toBe(round);
        } finally {
          await handler.close({ timeoutMs: 1000 });
        }
      }
    } finally {
      await subscriber.close();
    }
  });
});
