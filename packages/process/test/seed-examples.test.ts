/**
 * Issue 13, "Done when": the seed page's "MultiProcessing" examples
 * (../shared/seed/logbook-queues-api.txt), translated to JS line by line, the
 * Python line quoted above each JS line. The handler side runs where Logbook's
 * runs, in another thread of execution: a worker thread (test/fixtures/seed-child.ts)
 * makes `new MultiProcessingHandler(workerData.queue)` from the queue the parent
 * handed over (`{ workerData: { queue: subscriber.queue } }`, as the README shows)
 * and logs one warning. Both of the page's ways to get a queue are run:
 * `queue = Queue(-1); MultiProcessingSubscriber(queue)` and
 * `MultiProcessingSubscriber(); MultiProcessingHandler(subscriber.queue)`.
 * `Queue(-1)` (unbounded) becomes `new ProcessQueue()`: logq's queue has a
 * capacity (10,000 by default) past which it holds the children back; it drops nothing.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Level, type LogRecord, TestHandler } from '@logq/core';
import { waitFor } from '@logq/core/testing';
import { MultiProcessingSubscriber, ProcessQueue } from '../src/index.js';
import { fixtures } from './helpers.js';

jest.setTimeout(60_000);

/**
 * The handler side: a worker thread that runs `handler = MultiProcessingHandler(queue)` and logs
 * `message` as a warning on the 'seed' channel. Attached to `queue` in the same tick. Resolves its exit code.
 */
function runSeedChild(queue: ProcessQueue, message: string): Promise<number> {
  const worker = new Worker(join(fixtures, 'boot-worker.mjs'), {
    execArgv: ['--conditions=@logq/source'],
    workerData: { entry: pathToFileURL(join(fixtures, 'seed-child.ts')).href, queue, message },
  });
  queue.attach(worker);
  return new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', resolve);
  });
}

function expectSeedRecord(record: LogRecord | null | undefined, message: string): void {
  expect(record).not.toBeNull();
  expect(record).not.toBeUndefined();
  expect(record!.channel).toBe('seed');
  expect(record!.level).toBe(Level.WARNING);
  expect(record!.levelName).toBe('WARNING');
  expect(record!.message).toBe(message);
}

/** One of the page's two ways to make the subscriber and its queue. */
interface QueueForm {
  /** The subscriber and the queue handlers use; `done` releases what the test made. */
  make(): { subscriber: MultiProcessingSubscriber; queue: ProcessQueue; done(): Promise<void> };
}

const forms: [string, QueueForm][] = [
  [
    'queue = Queue(-1); subscriber = MultiProcessingSubscriber(queue)',
    {
      make() {
        // from multiprocessing import Queue
        // queue = Queue(-1)
        const queue = new ProcessQueue();
        // subscriber = MultiProcessingSubscriber(queue)
        const subscriber = new MultiProcessingSubscriber(queue);
        return {
          subscriber,
          queue,
          async done() {
            await subscriber.close();
            queue.close(); // a queue passed in is the caller's to close
          },
        };
      },
    },
  ],
  [
    'subscriber = MultiProcessingSubscriber(); handler = MultiProcessingHandler(subscriber.queue)',
    {
      make() {
        // subscriber = MultiProcessingSubscriber()
        const subscriber = new MultiProcessingSubscriber();
        // handler = MultiProcessingHandler(subscriber.queue)   (in the worker: new MultiProcessingHandler(workerData.queue))
        return { subscriber, queue: subscriber.queue, done: () => subscriber.close() };
      },
    },
  ],
];

describe.each(forms)('MultiProcessing, %s', (_name, form) => {
  it('record = subscriber.recv()', async () => {
    const { subscriber, queue, done } = form.make();
    try {
      // handler = MultiProcessingHandler(queue)   (in a worker thread, which then logs one warning)
      expect(await runSeedChild(queue, 'seed: recv')).toBe(0);
      // record = subscriber.recv()
      const record = await subscriber.recv();
      expectSeedRecord(record, 'seed: recv');
      expect(await subscriber.recv(0)).toBeNull(); // the child logged one record
    } finally {
      await done();
    }
  });

  it('with target_handler: subscriber.dispatch_forever()', async () => {
    const { subscriber, queue, done } = form.make();
    const targetHandler = new TestHandler();
    try {
      const exited = runSeedChild(queue, 'seed: dispatch_forever');
      // with target_handler:
      //     subscriber.dispatch_forever()
      const loop = targetHandler.applicationBound(() => subscriber.dispatchForever());
      await waitFor(() => targetHandler.records.length > 0, 'the record dispatched to target_handler', 30_000);
      await subscriber.close(); // dispatchForever() ends when its subscriber is closed
      await loop;
      expect(await exited).toBe(0);
      expect(targetHandler.records).toHaveLength(1);
      expectSeedRecord(targetHandler.records[0], 'seed: dispatch_forever');
      expect(subscriber.stats).toMatchObject({ received: 1, dispatched: 1, malformed: 0, errors: 0 });
    } finally {
      await done();
    }
  });

  it('controller = subscriber.dispatch_in_background(target_handler); controller.stop()', async () => {
    const { subscriber, queue, done } = form.make();
    const targetHandler = new TestHandler();
    try {
      const exited = runSeedChild(queue, 'seed: dispatch_in_background');
      // controller = subscriber.dispatch_in_background(target_handler)
      const controller = subscriber.dispatchInBackground(targetHandler);
      expect(controller.running).toBe(true);
      await waitFor(() => targetHandler.records.length > 0, 'the record dispatched to target_handler', 30_000);
      // controller.stop()
      await controller.stop();
      expect(controller.running).toBe(false);
      expect(await exited).toBe(0);
      expect(targetHandler.records).toHaveLength(1);
      expectSeedRecord(targetHandler.records[0], 'seed: dispatch_in_background');
    } finally {
      await done();
    }
  });
});
