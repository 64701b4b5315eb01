// ZeroMQ PUSH/PULL for the scale suite: the consumer binds a PULL socket, producers connect PUSH sockets.
import { ZeroMQHandler, ZeroMQSubscriber } from '@logq/zeromq';
import * as zmq from 'zeromq';
import { bufferFor, logqConsumer, logqProducer } from './scale-logq.js';
import { rawJson, yieldEvery, yieldNow } from './scale-records.js';
import type { Transport } from './scale-types.js';

/** The same high-water mark on both sides (logq's default). */
const HWM = 10_000;

export const zeromqTransport: Transport = {
  async producer(spec) {
    if (spec.impl === 'logq') {
      const handler = new ZeroMQHandler(spec.url, { multi: true, maxBuffer: bufferFor(spec) });
      await handler.open();
      return logqProducer(handler, spec);
    }
    const push = new zmq.Push({ sendHighWaterMark: HWM, linger: 30_000 });
    push.connect(spec.url);
    const pad = 'x'.repeat(spec.pad);
    const chunk = yieldEvery(spec.bytes);
    await push.send(rawJson(-1, pad));
    return {
      async send(n) {
        // One JSON frame per record, each send awaited (it waits while the HWM is reached).
        for (let i = 0; i < n; i += chunk) {
          for (let k = i; k < Math.min(n, i + chunk); k++) await push.send(rawJson(k, pad));
          await yieldNow();
        }
      },
      close: async () => push.close(),
    };
  },
  async consumer(spec) {
    if (spec.impl === 'logq') {
      const subscriber = new ZeroMQSubscriber(spec.url, { multi: true });
      await subscriber.open();
      return logqConsumer(subscriber);
    }
    const pull = new zmq.Pull({ receiveHighWaterMark: HWM, linger: 0 });
    await pull.bind(spec.url);
    pull.receiveTimeout = 100;
    return {
      async take() {
        try {
          const [frame] = await pull.receive();
          return (JSON.parse(frame!.toString('utf8')) as { msg: string }).msg ? 1 : 0;
        } catch {
          return 0; // nothing within the receive timeout
        }
      },
      close: async () => pull.close(),
    };
  },
  async cleanup() {},
};
