// Ports of Logbook's tests/test_queues.py: test_zeromq_handler and test_zeromq_background_thread.
import { Logger, TestHandler } from '@logq/core';
import { waitFor } from '@logq/core/testing';
import { ZeroMQHandler, ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';

const MESSAGES = ['Logging something', 'Something with umlauts äöü', 'Something else for good measure'];

interface Setup {
  handlers: ZeroMQHandler[];
  subscriber: ZeroMQSubscriber;
}

let open: Setup | null = null;

afterEach(async () => {
  const setup = open;
  open = null;
  if (!setup) return;
  for (const handler of setup.handlers) await handler.close({ timeoutMs: 2000 });
  await setup.subscriber.close();
});

/** Logbook's fixtures: one PUB handler and a SUB subscriber, or three PUSH handlers and a PULL subscriber. */
async function setup(multi: boolean): Promise<Setup> {
  const uri = await endpoint();
  if (multi) {
    const subscriber = new ZeroMQSubscriber(uri, { multi: true });
    await subscriber.open();
    const handlers = [1, 2, 3].map(() => new ZeroMQHandler(uri, { multi: true }));
    open = { handlers, subscriber };
    // Not needed for PUSH (records wait for the peer), but it shows the bind side counting its handlers.
    for (const handler of handlers) await handler.open();
    await subscriber.waitForPeers(3, { timeoutMs: 20_000 });
    expect(subscriber.peers).toBe(3);
    return open;
  }
  const handler = new ZeroMQHandler(uri);
  const subscriber = new ZeroMQSubscriber(uri);
  open = { handlers: [handler], subscriber };
  await handler.waitForPeers(1, { timeoutMs: 20_000 });
  return open;
}

describe.each([
  ['PUB/SUB', false],
  ['PUSH/PULL (multi)', true],
] as const)('Logbook test_queues.py over %s', (_name, multi) => {
  it('test_zeromq_handler: recv() gives each message and the channel', async () => {
    const { handlers, subscriber } = await setup(multi);
    const logger = new Logger('testlogger');
    for (const test of MESSAGES) {
      for (const handler of handlers) {
        handler.applicationBound(() => logger.warn(test));
        const record = await subscriber.recv(20_000);
        expect(record).not.toBeNull();
        expect(record!.message).toBe(test);
        expect(record!.channel).toBe('testlogger');
      }
    }
  });

  it('test_zeromq_background_thread: dispatchInBackground into a TestHandler', async () => {
    const { handlers, subscriber } = await setup(multi);
    const logger = new Logger('testlogger');
    const testHandler = new TestHandler();
    const controller = subscriber.dispatchInBackground(testHandler);
    for (const handler of handlers) {
      handler.applicationBound(() => {
        logger.warn('This is a warning');
        logger.error('This is an error');
      });
    }
    // Logbook sleeps 0.5 s; wait for what must arrive (one warning and one error per handler).
    await waitFor(() => testHandler.records.length >= handlers.length * 2, 'every record dispatched', 20_000);
    await controller.stop();
    expect(testHandler.hasWarning('This is a warning')).toBe(true);
    expect(testHandler.hasError('This is an error')).toBe(true);
    expect(testHandler.records).toHaveLength(handlers.length * 2);
  });
});
