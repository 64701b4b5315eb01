/**
 * Issue 13, "Done when": the seed page's "AMQP Message Queues" examples
 * (../shared/seed/logbook-queues-api.txt), translated to JS line by line, on
 * each backend the page names. The Python line is quoted above each JS line.
 * The page's hosts become the test brokers (RabbitMQ, Redis, FerretDB as the
 * MongoDB server, started by @logq/services), with the page's URI forms kept:
 * `amqp://guest:guest@HOST//` (vhost `/`), `redis://HOST/0` (database 0) and
 * `mongodb://HOST/logging` (database `logging`); every example uses the
 * default queue (`'logging'`), as the page does.
 */
import '@logq/mongo';
import '@logq/redis';
import { Level, type LogRecord, Logger, TestHandler } from '@logq/core';
import { waitFor } from '@logq/core/testing';
import { type UsedService, useFerretDB, useRedis } from '@logq/services';
import { MessageQueueHandler, MessageQueueSubscriber } from '../src/index.js';
import { broker } from './helpers.js';

jest.setTimeout(120_000);

/** `host:port` of a test broker (the page's `localhost`, `localhost:8889`, `localhost:27017`). */
function hostOf(service: UsedService): string {
  return new URL(service.url).host;
}

const backends = [
  // handler = MessageQueueHandler('amqp://guest:guest@localhost//')
  ['amqp://', broker, (s: UsedService) => `amqp://guest:guest@${hostOf(s)}//`],
  // handler = MessageQueueHandler('redis://localhost:8889/0')
  ['redis://', () => useRedis(), (s: UsedService) => `redis://${hostOf(s)}/0`],
  // handler = MessageQueueHandler('mongodb://localhost:27017/logging')
  ['mongodb://', () => useFerretDB(), (s: UsedService) => `${s.url.replace(/\/+$/, '')}/logging`],
] as const;

describe.each(backends)(
  "%s: the seed page's MessageQueueHandler / MessageQueueSubscriber examples",
  (_scheme, start, uriOf) => {
    let service: UsedService;
    let uri: string;
    beforeAll(async () => {
      service = await start();
      uri = uriOf(service);
    }, 180_000);
    afterAll(async () => {
      await service?.stop();
    });

    /**
     * `handler = MessageQueueHandler(uri)`, then one record logged through a
     * Logger with the handler pushed; resolves once the broker has it.
     */
    async function logOneRecord(message: string): Promise<void> {
      // handler = MessageQueueHandler(uri)
      const handler = new MessageQueueHandler(uri);
      // with handler: logbook.Logger('seed').warn(message)
      handler.applicationBound(() => new Logger('seed').warn(message));
      expect(await handler.close({ timeoutMs: 20_000 })).toEqual({ flushed: true, sent: 1, dropped: 0 });
    }

    function expectSeedRecord(record: LogRecord | null | undefined, message: string): void {
      expect(record).not.toBeNull();
      expect(record!.channel).toBe('seed');
      expect(record!.level).toBe(Level.WARNING);
      expect(record!.levelName).toBe('WARNING');
      expect(record!.message).toBe(message);
    }

    it('subscriber = MessageQueueSubscriber(uri); record = subscriber.recv()', async () => {
      await logOneRecord('seed: recv');
      // subscriber = MessageQueueSubscriber(uri)
      const subscriber = new MessageQueueSubscriber(uri);
      try {
        // record = subscriber.recv()
        const record = await subscriber.recv();
        expectSeedRecord(record, 'seed: recv');
        expect(await subscriber.recv(300)).toBeNull(); // nothing else was on the queue
      } finally {
        await subscriber.close();
      }
    });

    it('with target_handler: subscriber = MessageQueueSubscriber(uri); subscriber.dispatch_forever()', async () => {
      await logOneRecord('seed: dispatch_forever');
      const targetHandler = new TestHandler();
      // with target_handler:
      //     subscriber = MessageQueueSubscriber(uri)
      //     subscriber.dispatch_forever()
      let subscriber: MessageQueueSubscriber | undefined;
      const loop = targetHandler.applicationBound(() => {
        subscriber = new MessageQueueSubscriber(uri);
        return subscriber.dispatchForever();
      });
      try {
        await waitFor(() => targetHandler.records.length > 0, 'the record dispatched to target_handler', 60_000);
      } finally {
        await subscriber!.close(); // dispatchForever() ends when its subscriber is closed
      }
      await loop;
      expect(targetHandler.records).toHaveLength(1);
      expectSeedRecord(targetHandler.records[0], 'seed: dispatch_forever');
      expect(subscriber!.stats).toMatchObject({ received: 1, dispatched: 1, malformed: 0, errors: 0 });
    });

    it('subscriber = MessageQueueSubscriber(uri); controller = subscriber.dispatch_in_background(target_handler); controller.stop()', async () => {
      await logOneRecord('seed: dispatch_in_background');
      const targetHandler = new TestHandler();
      // subscriber = MessageQueueSubscriber(uri)
      const subscriber = new MessageQueueSubscriber(uri);
      try {
        // controller = subscriber.dispatch_in_background(target_handler)
        const controller = subscriber.dispatchInBackground(targetHandler);
        expect(controller.running).toBe(true);
        await waitFor(() => targetHandler.records.length > 0, 'the record dispatched to target_handler', 60_000);
        // controller.stop()
        await controller.stop();
        expect(controller.running).toBe(false);
        expect(targetHandler.records).toHaveLength(1);
        expectSeedRecord(targetHandler.records[0], 'seed: dispatch_in_background');
      } finally {
        await subscriber.close();
      }
    });
  },
);
