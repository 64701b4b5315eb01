// Type-checked as consumer.mts and consumer.cts (moduleResolution node16: the
// `import` and the `require` types) and as consumer-bundler.ts
// (moduleResolution bundler). Never run. The @ts-expect-error lines prove the
// types are real: an `any` would make them unused, which is an error.
import {
  type Handler,
  Level,
  Logger,
  TestHandler,
  createHandler,
  kw,
  type CloseResult,
  type LogRecord,
} from '@logq/core';
import { QueueHandler, type QueueHandlerOptions, type RawFrame, encodeRecord } from '@logq/core/transport';
import {
  MemoryBroker,
  MemoryQueueHandler,
  MemorySubscriber,
  conformanceChecks,
  type ConformancePair,
} from '@logq/core/testing';
import { MessageQueueHandler, MessageQueueSubscriber, type MessageQueueHandlerOptions } from '@logq/amqp';
import { MongoHandler, MongoSubscriber } from '@logq/mongo';
import { MultiProcessingHandler, MultiProcessingSubscriber } from '@logq/process';
import { RedisHandler, RedisQueueHandler, RedisSubscriber } from '@logq/redis';
import { ZeroMQHandler, ZeroMQSubscriber, type ZeroMQHandlerOptions } from '@logq/zeromq';

/** A third-party transport's handler, typed against @logq/core/transport. */
class ArrayQueueHandler extends QueueHandler {
  readonly sent: string[] = [];
  constructor(options?: QueueHandlerOptions) {
    super(options);
  }
  protected async connect(): Promise<void> {}
  protected async sendBatch(batch: readonly string[]): Promise<void> {
    this.sent.push(...batch);
  }
  protected async disconnect(): Promise<void> {}
}

export async function consume(): Promise<readonly CloseResult[]> {
  const test = new TestHandler();
  const pushed: Disposable = test.pushApplication();
  new Logger('app').warn('invoice {} is {days} days late', 'INV-1', kw({ days: 3 }));
  pushed[Symbol.dispose]();
  const first: LogRecord | undefined = test.records[0];
  const level: number = first?.level ?? Level.NOTSET;
  const found: boolean = test.hasWarning('invoice INV-1 is 3 days late');

  const zmqOptions: ZeroMQHandlerOptions = { multi: true };
  const amqpOptions: MessageQueueHandlerOptions = { queue: 'logging' };
  const handlers: Handler[] = [
    new ZeroMQHandler('tcp://127.0.0.1:5000', zmqOptions),
    new MessageQueueHandler('amqp://127.0.0.1/', amqpOptions),
    new RedisQueueHandler('redis://127.0.0.1:6379'),
    new RedisHandler({ host: '127.0.0.1', key: 'redis' }),
    new MongoHandler('mongodb://127.0.0.1:27017/logq'),
    new MultiProcessingHandler(),
    new ArrayQueueHandler({ batchSize: 10 }),
    await createHandler('redis://127.0.0.1:6379'),
  ];
  const subscribers = [
    new ZeroMQSubscriber('tcp://127.0.0.1:5000', { multi: true }),
    new MessageQueueSubscriber('amqp://127.0.0.1/'),
    new RedisSubscriber('redis://127.0.0.1:6379'),
    new MongoSubscriber('mongodb://127.0.0.1:27017/logq'),
    new MultiProcessingSubscriber(),
  ];
  const received: LogRecord | null = await subscribers[0]!.recv(0);

  const broker = new MemoryBroker();
  const pair: ConformancePair = {
    handler: new MemoryQueueHandler(broker),
    subscriber: new MemorySubscriber(broker),
    injectRaw: async (frame) => broker.publish('logging', [frame]),
  };
  await conformanceChecks.roundTrip!(pair, { receiveTimeoutMs: 1000 });

  // @ts-expect-error multi is a boolean
  new ZeroMQHandler('tcp://127.0.0.1:5000', { multi: 'yes' });
  // @ts-expect-error the level of a record is a number
  const wrong: string = first!.level;
  // @ts-expect-error recv takes a timeout in milliseconds
  await subscribers[1]!.recv('soon');

  const frame: RawFrame = { data: encodeRecord(first!) };
  void [level, found, received, wrong, frame];
  await Promise.all(subscribers.map((subscriber) => subscriber.close()));
  return Promise.all(handlers.map((handler) => handler.close({ timeoutMs: 1000 })));
}
