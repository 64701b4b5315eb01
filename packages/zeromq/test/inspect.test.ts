// Printing a handler or subscriber with every option (hidden properties, getters, any depth) must
// change nothing: a zeromq.js socket's `events` getter opens a new monitor on the socket, which
// replaces the subscriber's own (its peer counting would stop) and loads a module at print time.
import { inspect } from 'node:util';
import { ZeroMQHandler, ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';

const everything = { depth: Infinity, showHidden: true, getters: true } as const;

describe('inspecting with getters', () => {
  it('leaves the subscriber counting its peers, and shows the sockets as their type and state', async () => {
    const uri = await endpoint();
    const subscriber = new ZeroMQSubscriber(uri, { multi: true });
    const first = new ZeroMQHandler(uri, { multi: true });
    const second = new ZeroMQHandler(uri, { multi: true });
    try {
      await subscriber.open();
      await first.open();
      await subscriber.waitForPeers(1, { timeoutMs: 20_000 });
      const printed = [inspect(subscriber, everything), inspect(first, everything)];
      for (const text of printed) expect(text).not.toMatch(/Observer|EventEmitter/);
      expect(printed[0]).toMatch(/Pull \(open\)/);
      expect(printed[1]).toMatch(/Push \(open\)/);
      await second.open();
      await subscriber.waitForPeers(2, { timeoutMs: 20_000 });
      expect(subscriber.peers).toBe(2);
    } finally {
      await first.close({ timeoutMs: 100 });
      await second.close({ timeoutMs: 100 });
      await subscriber.close();
    }
  });
});
