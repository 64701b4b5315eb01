// Node IPC (fork) for the scale suite: the consumer forks its producers and reads their channel; raw
// `process.send` of each record dict (Node's channel encodes it; one shared write callback, waiting only when
// send() reports backpressure) beside MultiProcessingHandler → MultiProcessingSubscriber.
import { MultiProcessingHandler, MultiProcessingSubscriber } from '@logq/process';
import { launch } from './scale-child.js';
import { Inbox } from './scale-inbox.js';
import { bufferFor, logqConsumer, logqProducer } from './scale-logq.js';
import { ProcessSender } from './process-sender.js';
import { recordDict, yieldEvery, yieldNow } from './scale-records.js';
import type { Transport } from './scale-types.js';

/** Records in flight (sent, not yet written) before a raw producer waits: logq's credit window. */
const WINDOW = 4096;

export const processTransport: Transport = {
  async producer(spec) {
    if (spec.impl === 'logq') {
      return logqProducer(new MultiProcessingHandler(null, { maxBuffer: bufferFor(spec) }), spec);
    }
    const pad = 'x'.repeat(spec.pad);
    const chunk = yieldEvery(spec.bytes);
    await new Promise((resolve) => process.send!(recordDict(-1, pad), undefined, undefined, resolve));
    const sender = new ProcessSender(WINDOW);
    return {
      async send(n) {
        for (let i = 0; i < n; i += chunk) {
          for (let k = i; k < Math.min(n, i + chunk); k++) {
            const wait = sender.send(recordDict(k, pad));
            if (wait) await wait;
          }
          await yieldNow();
        }
      },
      close: async () => undefined,
    };
  },
  async consumer(spec) {
    const children = Array.from({ length: spec.producers }, (_, index) => launch('producer', { ...spec, index }));
    if (spec.impl === 'logq') {
      const subscriber = new MultiProcessingSubscriber();
      for (const child of children) subscriber.queue.attach(child.process);
      return { ...logqConsumer(subscriber), children };
    }
    const inbox = new Inbox();
    for (const child of children) {
      child.process.on('message', (m) => {
        // Node's channel has decoded the dict already; skip the suite's control messages, read the level.
        if (typeof m === 'object' && m !== null && !('scale' in m) && ((m as { level?: number }).level ?? 0) > 0) {
          inbox.add();
        }
      });
    }
    return { take: (timeoutMs) => inbox.take(timeoutMs), close: async () => undefined, children };
  },
  async cleanup() {},
};
