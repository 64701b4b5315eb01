import { MessageChannel, Worker } from 'node:worker_threads';
import { Level, LogRecord } from '@logq/core';
import { waitFor } from '@logq/core/testing';
import {
  MultiProcessingHandler,
  MultiProcessingSubscriber,
  NoParentChannelError,
  ProcessQueue,
  QueueNotAttachedError,
  isLogqMessage,
  parentChannel,
} from '../src/index.js';
import { endpointOf } from '../src/connection.js';

const record = (msg: string) => new LogRecord({ channel: 'unit', level: Level.WARNING, msg });

test('the queue hands over as { id } through JSON and structured clone (workerData)', async () => {
  const queue = new ProcessQueue({ id: 'q-1' });
  expect(JSON.parse(JSON.stringify(queue))).toEqual({ id: 'q-1' });
  expect(structuredClone(queue)).toEqual({ id: 'q-1' });
  const worker = new Worker('require("worker_threads").parentPort.postMessage(require("worker_threads").workerData)', {
    eval: true,
    workerData: { queue },
  });
  const [data] = await new Promise<unknown[]>((resolve) => worker.once('message', (m) => resolve([m])));
  await worker.terminate();
  expect(data).toEqual({ queue: { id: 'q-1' } });
  // A handler accepts the id, the queue, or the copy.
  const { port2 } = new MessageChannel();
  for (const ref of ['q-1', queue, { id: 'q-1' }]) {
    const handler = new MultiProcessingHandler(ref, { channel: port2 });
    expect(handler.queueId).toBe('q-1');
    await handler.close();
  }
  port2.close();
  queue.close();
});

test('two queues on one channel are told apart by id; an unnamed handler reaches the first', async () => {
  const { port1, port2 } = new MessageChannel();
  const a = new MultiProcessingSubscriber(null, { queueOptions: { id: 'a' } });
  const b = new MultiProcessingSubscriber(null, { queueOptions: { id: 'b' } });
  a.queue.attach(port1);
  b.queue.attach(port1);
  const toB = new MultiProcessingHandler(b.queue, { channel: port2 });
  const toA = new MultiProcessingHandler('a', { channel: port2 });
  const unnamed = new MultiProcessingHandler(null, { channel: port2 });
  toB.handle(record('for b'));
  toA.handle(record('for a'));
  unnamed.handle(record('for the first'));
  await Promise.all([toA.flush(), toB.flush(), unnamed.flush()]);
  expect((await b.recv(5_000))?.message).toBe('for b');
  expect((await a.recv(5_000))?.message).toBe('for a');
  expect((await a.recv(5_000))?.message).toBe('for the first');
  expect(await b.recv(100)).toBeNull();
  await Promise.all([toA.close(), toB.close(), unnamed.close(), a.close(), b.close()]);
  port1.close();
});

test('a handler naming a queue the parent does not have is refused: reported, buffered, then dropped and counted', async () => {
  const { port1, port2 } = new MessageChannel();
  const subscriber = new MultiProcessingSubscriber();
  subscriber.queue.attach(port1);
  const errors: unknown[] = [];
  const handler = new MultiProcessingHandler('no-such-queue', {
    channel: port2,
    onError: (e) => errors.push(e),
    reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
  });
  handler.handle(record('lost'));
  await waitFor(() => errors.length > 0, 'a refusal');
  expect(errors[0]).toBeInstanceOf(QueueNotAttachedError);
  expect(String(errors[0])).toMatch(/queue no-such-queue is not attached/);
  expect(subscriber.queue.stats.refused).toBeGreaterThan(0);
  const result = await handler.close({ timeoutMs: 100 });
  expect(result).toEqual({ flushed: false, sent: 0, dropped: 1 });
  expect(await subscriber.recv(0)).toBeNull();
  await subscriber.close();
  port1.close();
});

test('a handler whose parent never answers reports it after connectTimeoutMs', async () => {
  const { port1, port2 } = new MessageChannel();
  const errors: unknown[] = [];
  const handler = new MultiProcessingHandler(null, {
    channel: port2,
    connectTimeoutMs: 100,
    onError: (e) => errors.push(e),
  });
  handler.handle(record('nobody listens'));
  await waitFor(() => errors.length > 0, 'a connect timeout');
  expect(errors[0]).toBeInstanceOf(QueueNotAttachedError);
  expect(String(errors[0])).toMatch(/no answer from the parent within 100 ms/);
  expect((await handler.close({ timeoutMs: 50 })).dropped).toBe(1);
  port1.close();
});

test('closing the subscriber refuses children waiting for credit', async () => {
  const { port1, port2 } = new MessageChannel();
  const subscriber = new MultiProcessingSubscriber(null, { queueOptions: { capacity: 10 } });
  subscriber.queue.attach(port1);
  const errors: unknown[] = [];
  const handler = new MultiProcessingHandler(null, {
    channel: port2,
    window: 10,
    batchSize: 5,
    onError: (e) => errors.push(e),
  });
  for (let i = 0; i < 100; i++) handler.handle(record(`r${i}`));
  await waitFor(() => subscriber.queue.stats.deferredGrants > 0, 'the queue to defer a grant');
  expect(subscriber.queue.length).toBeLessThanOrEqual(20);
  await subscriber.close();
  await waitFor(() => errors.some((e) => e instanceof QueueNotAttachedError), 'a refusal after close');
  const result = await handler.close({ timeoutMs: 100 });
  expect(result.sent + result.dropped).toBe(100);
  expect(result.flushed).toBe(false);
});

test("isLogqMessage tells logq messages from an application's own", () => {
  expect(isLogqMessage({ logq: 'records', handler: 'h', queue: null, frames: [] })).toBe(true);
  expect(isLogqMessage({ logq: 'grant', handler: 'h', sent: 3 })).toBe(true);
  expect(isLogqMessage({ cmd: 'work' })).toBe(false);
  expect(isLogqMessage({ logq: 'other', handler: 'h' })).toBe(false);
  expect(isLogqMessage('text')).toBe(false);
  expect(isLogqMessage(null)).toBe(false);
});

test('without a parent channel the handler says how to get one', () => {
  if (parentChannel() !== null) {
    // Jest runs this file in a forked worker: the check needs a process without IPC.
    const saved = process.send;
    process.send = undefined;
    try {
      expect(parentChannel()).toBeNull();
      expect(() => new MultiProcessingHandler()).toThrow(NoParentChannelError);
    } finally {
      process.send = saved;
    }
  } else {
    expect(() => new MultiProcessingHandler()).toThrow(NoParentChannelError);
  }
  expect(() => endpointOf({} as never)).toThrow(TypeError);
});
