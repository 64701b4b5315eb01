'use strict';
// The small real things that esm.mjs (through `import`) and cjs.cjs (through
// `require`) do with the packages installed from their tarballs. Each check
// prints one line; the first failure throws.
const assert = require('node:assert/strict');

/**
 * @param {Record<string, any>} m the loaded entry points: core, testing, transport, zeromq, amqp, redis, mongo, process
 * @param {{ label: string, startChild: (subscriber: any) => Promise<void> }} how
 */
async function exercise(m, { label, startChild }) {
  const { core, testing, transport } = m;
  const check = async (what, fn) => {
    await fn();
    console.log(`ok ${label}: ${what}`);
  };
  /** Pushes `handler`, logs through a Logger and pops it again. */
  const logThrough = (handler, channel, ...args) => {
    const pushed = handler.pushApplication();
    try {
      new core.Logger(channel).warn(...args);
    } finally {
      pushed[Symbol.dispose]();
    }
  };

  await check(
    '@logq/core: a Logger record reaches a pushed TestHandler, formatted, and survives the wire codec',
    async () => {
      const handler = new core.TestHandler();
      logThrough(handler, 'app', 'invoice {} is {days} days late', 'INV-1', core.kw({ days: 3 }));
      assert.equal(handler.records.length, 1);
      assert.ok(handler.hasWarning('invoice INV-1 is 3 days late'), handler.formattedRecords.join('\n'));
      const back = transport.decodeRecord(transport.encodeRecord(handler.records[0]));
      assert.equal(back.message, 'invoice INV-1 is 3 days late');
      assert.equal(back.channel, 'app');
      assert.equal(core.levelName(back.level), 'WARNING');
    },
  );

  await check('@logq/core/testing: the round-trip conformance check passes on the in-memory transport', async () => {
    const broker = new testing.MemoryBroker();
    const pair = {
      handler: new testing.MemoryQueueHandler(broker),
      subscriber: new testing.MemorySubscriber(broker),
      injectRaw: async (frame) => broker.publish('logging', [frame]),
    };
    try {
      await testing.conformanceChecks.roundTrip(pair, { receiveTimeoutMs: 10_000 });
    } finally {
      await pair.handler.close();
      await pair.subscriber.close();
    }
  });

  await check(
    "@logq/core/transport: the transport-author surface builds on core's classes, and its codec round-trips a record",
    async () => {
      assert.ok(transport.QueueHandler.prototype instanceof core.Handler);
      assert.ok(transport.FrameSubscriber.prototype instanceof core.SubscriberBase);
      assert.ok(new testing.MemorySubscriber(new testing.MemoryBroker()) instanceof transport.FrameSubscriber);
      const record = new core.LogRecord({
        channel: 'wire',
        level: core.Level.ERROR,
        msg: 'over the {}',
        args: ['wire'],
      });
      const frame = transport.encodeRecord(record);
      assert.ok(transport.frameBytes(frame) <= transport.DEFAULT_MAX_RECORD_BYTES);
      const back = transport.decodeRecord(frame);
      assert.equal(back.message, 'over the wire');
      assert.equal(transport.redactUri('amqp://user:hunter2@host/'), 'amqp://user:***@host/');
    },
  );

  await check(
    '@logq/zeromq: a record goes PUSH -> PULL over inproc:// through the installed zeromq binary',
    async () => {
      const uri = `inproc://logq-user-app-${label}`;
      const subscriber = new m.zeromq.ZeroMQSubscriber(uri, { multi: true });
      const handler = new m.zeromq.ZeroMQHandler(uri, { multi: true });
      try {
        const pending = subscriber.recv(20_000);
        logThrough(handler, 'zmq', 'over {}', 'inproc');
        await handler.flush();
        const record = await pending;
        assert.equal(record?.message, 'over inproc');
      } finally {
        await handler.close({ timeoutMs: 2000 });
        await subscriber.close();
      }
    },
  );

  const offline = [
    [
      '@logq/amqp MessageQueueHandler',
      () => new m.amqp.MessageQueueHandler('amqp://127.0.0.1:1/'),
      m.amqp.MessageQueueHandler,
    ],
    [
      '@logq/redis RedisQueueHandler',
      () => new m.redis.RedisQueueHandler('redis://127.0.0.1:1'),
      m.redis.RedisQueueHandler,
    ],
    ['@logq/redis RedisHandler', () => new m.redis.RedisHandler({ host: '127.0.0.1', port: 1 }), m.redis.RedisHandler],
    ['@logq/mongo MongoHandler', () => new m.mongo.MongoHandler('mongodb://127.0.0.1:1/logq'), m.mongo.MongoHandler],
    ['createHandler("amqp://")', () => core.createHandler('amqp://127.0.0.1:1/'), m.amqp.MessageQueueHandler],
    ['createHandler("redis://")', () => core.createHandler('redis://127.0.0.1:1'), m.redis.RedisQueueHandler],
    ['createHandler("mongodb://")', () => core.createHandler('mongodb://127.0.0.1:1/logq'), m.mongo.MongoHandler],
    ['createHandler("tcp://")', () => core.createHandler('tcp://127.0.0.1:1', { multi: true }), m.zeromq.ZeroMQHandler],
  ];
  for (const [name, make, type] of offline) {
    await check(`${name}: made without connecting and closed at once`, async () => {
      const handler = await make();
      assert.ok(handler instanceof type, `${name} made a ${handler?.constructor?.name}`);
      assert.ok(handler instanceof core.Handler);
      const started = Date.now();
      const result = await handler.close({ timeoutMs: 5000 });
      assert.equal(result.flushed, true);
      assert.ok(Date.now() - started < 4000, `close took ${Date.now() - started} ms`);
    });
  }

  await check(
    "@logq/process: a child logs through MultiProcessingHandler to the parent's MultiProcessingSubscriber",
    async () => {
      const subscriber = new m.process.MultiProcessingSubscriber();
      const received = new core.TestHandler();
      const controller = subscriber.dispatchInBackground(received);
      try {
        await startChild(subscriber);
        await testing.waitFor(() => received.records.length >= 1, 'the record from the child', 20_000);
        assert.equal(received.records[0].message, `hello from the ${label} child`);
        assert.equal(received.records[0].channel, 'child');
      } finally {
        await controller.stop();
        await subscriber.close();
      }
    },
  );
}

module.exports = { exercise };
