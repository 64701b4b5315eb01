// Ports of Logbook's tests/test_queues.py: test_multi_processing_handler and test_subscriber_group.
import { SubscriberGroup, TestHandler } from '@logq/core';
import { MultiProcessingSubscriber } from '../src/index.js';
import { type ChildKind, startChild } from './helpers.js';

jest.setTimeout(120_000);

describe.each<ChildKind>(['fork', 'cluster', 'worker'])('Logbook ports (%s children)', (kind) => {
  test('test_multi_processing_handler', async () => {
    const testHandler = new TestHandler();
    const subscriber = new MultiProcessingSubscriber();
    try {
      const child = startChild(kind, { mode: 'hello' }, (target) => subscriber.queue.attach(target));
      // p.join(): the child ends by itself once its record is sent.
      expect(await child.exited).toBe(0);
      await testHandler.contextBound(async () => {
        await subscriber.dispatchOnce();
        expect(testHandler.hasWarning('Hello World')).toBe(true);
      });
    } finally {
      await subscriber.close();
    }
  });

  test('test_subscriber_group', async () => {
    const aSubscriber = new MultiProcessingSubscriber();
    const bSubscriber = new MultiProcessingSubscriber();
    const subscriber = new SubscriberGroup([aSubscriber, bSubscriber]);
    try {
      for (let round = 0; round < 10; round++) {
        const p1 = startChild(kind, { mode: 'message', message: 'foo', queue: aSubscriber.queue.id }, (t) =>
          aSubscriber.queue.attach(t),
        );
        const p2 = startChild(kind, { mode: 'message', message: 'bar', queue: bSubscriber.queue.id }, (t) =>
          bSubscriber.queue.attach(t),
        );
        expect(await p1.exited).toBe(0);
        expect(await p2.exited).toBe(0);
        const messages = [];
        for (let i = 0; i < 2; i++) messages.push((await subscriber.recv())?.message);
        expect(messages.sort()).toEqual(['bar', 'foo']);
      }
    } finally {
      await subscriber.close();
    }
  });
});
