// Node IPC (fork) for the scale suite: the consumer forks its producers and reads their channel; raw
// `process.send` of each record's JSON (waiting when it reports backpressure) beside MultiProcessingHandler
// → MultiProcessingSubscriber.
import { MultiProcessingHandler, MultiProcessingSubscriber } from '@logq/process';
import { launch } from './scale-child.js';
import { Inbox } from './scale-inbox.js';
import { bufferFor, logqConsumer, logqProducer } from './scale-logq.js';
import { rawJson, yieldEvery, yieldNow } from './scale-records.js';
import type { Transport } from './scale-types.js';

const sendOne = (message: string): { full: boolean; written: Promise<void> } => {
  let written!: () => void;
  const done = new Promise<void>((resolve) => (written = resolve));
  const ok = process.send!(message, undefined, undefined, () => written());
  return { full: !ok, written: done };
};

export const processTransport: Transport = {
  async producer(spec) {
    if (spec.impl === 'logq') {
      return logqProducer(new MultiProcessingHandler(null, { maxBuffer: bufferFor(spec) }), spec);
    }
    const pad = 'x'.repeat(spec.pad);
    const chunk = yieldEvery(spec.bytes);
    await sendOne(rawJson(-1, pad)).written;
    return {
      async send(n) {
        for (let i = 0; i < n; i += chunk) {
          for (let k = i; k < Math.min(n, i + chunk); k++) {
            const sent = sendOne(rawJson(k, pad));
            if (sent.full) await sent.written;
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
        if (typeof m === 'string' && (JSON.parse(m) as { level: number }).level > 0) inbox.add();
      });
    }
    return { take: (timeoutMs) => inbox.take(timeoutMs), close: async () => undefined, children };
  },
  async cleanup() {},
};
