import { inspect } from 'node:util';
import { Level, LogRecord, createHandler, createSubscriber, shutdown } from '@logq/core';
import { numberedRecord, sampleRecord, waitFor } from '@logq/core/testing';
import { type UsedService, freePort } from '@logq/services';
import { connect } from 'amqplib';
import { linkSettings } from '../src/connection.js';
import { AmqpConfigError, MessageQueueHandler, MessageQueueSubscriber, publishOptions } from '../src/index.js';
import { RawClient, broker, errorSink, freshQueue } from './helpers.js';

let service: UsedService;
let raw: RawClient;

beforeAll(async () => {
  service = await broker();
  raw = await RawClient.open(service.url);
}, 180_000);

afterAll(async () => {
  await raw?.close();
  await service?.stop();
});

/** The broker URL with the given password in place of guest's. */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

describe('MessageQueueHandler on the wire (kombu SimpleQueue)', () => {
  it("publishes persistent JSON to the exchange named like the queue, with kombu's properties", async () => {
    const queue = freshQueue();
    const handler = new MessageQueueHandler(service.url, { queue });
    const record = sampleRecord();
    handler.handle(record);
    await handler.flush();
    // flush() means the broker has it: it is in the queue before anyone consumes.
    expect(await raw.depth(queue)).toBe(1);
    const message = await raw.channel.get(queue, { noAck: true });
    expect(message).not.toBe(false);
    if (message === false) return;
    expect(message.fields.exchange).toBe(queue);
    expect(message.fields.routingKey).toBe(queue);
    expect(message.properties).toMatchObject({
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: 0,
      headers: {},
    });
    expect(JSON.parse(message.content.toString('utf8'))).toEqual(record.toDict());
    await handler.close();
    await raw.remove(queue);
  });

  it('publishes transient messages with persistent: false', async () => {
    const queue = freshQueue();
    const handler = new MessageQueueHandler(service.url, { queue, persistent: false });
    handler.handle(numberedRecord(1));
    await handler.flush();
    const message = await raw.channel.get(queue, { noAck: true });
    expect(message && message.properties.deliveryMode).toBe(1);
    await handler.close();
    await raw.remove(queue);
  });

  it("declares entities equivalent to kombu's defaults (a kombu-style declaration is not refused)", async () => {
    const queue = freshQueue();
    const handler = new MessageQueueHandler(service.url, { queue });
    handler.handle(numberedRecord(1));
    await handler.flush();
    const channel = await raw.connection.createChannel();
    channel.on('error', () => {});
    await expect(
      channel.assertExchange(queue, 'direct', { durable: true, autoDelete: false, internal: false, arguments: {} }),
    ).resolves.toBeTruthy();
    await expect(
      channel.assertQueue(queue, { durable: true, autoDelete: false, exclusive: false, arguments: {} }),
    ).resolves.toMatchObject({ messageCount: 1 });
    await channel.close();
    expect(publishOptions(true)).toEqual({
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: {},
      deliveryMode: 2,
      priority: 0,
    });
    await handler.close();
    await raw.remove(queue);
  });

  it('close() flushes what is buffered and reports it', async () => {
    const queue = freshQueue();
    const handler = new MessageQueueHandler(service.url, { queue });
    for (let i = 0; i < 500; i++) handler.handle(numberedRecord(i));
    const result = await handler.close({ timeoutMs: 30_000 });
    expect(result).toEqual({ flushed: true, sent: 500, dropped: 0 });
    expect(await raw.depth(queue)).toBe(500);
    await raw.remove(queue);
  });

  it('is flushed and closed by core shutdown()', async () => {
    const queue = freshQueue();
    const handler = new MessageQueueHandler(service.url, { queue });
    for (let i = 0; i < 50; i++) handler.handle(numberedRecord(i));
    await shutdown({ timeoutMs: 30_000 });
    expect(await raw.depth(queue)).toBe(50);
    expect(handler.isConnected).toBe(false);
    await raw.remove(queue);
  });

  it('uses a connection it is given and never closes it', async () => {
    const queue = freshQueue();
    const connection = await connect(service.url);
    connection.on('error', () => {});
    const handler = new MessageQueueHandler('amqp://unused', { queue, connection });
    const subscriber = new MessageQueueSubscriber('amqp://unused', { queue, connection });
    handler.handle(numberedRecord(7));
    await handler.flush();
    expect((await subscriber.recv(15_000))?.extra.seq).toBe(7);
    await handler.close();
    await subscriber.close();
    const channel = await connection.createChannel(); // still open
    await channel.close();
    await connection.close();
    await raw.remove(queue);
  });

  it('is found by createHandler / createSubscriber for amqp:// URIs', async () => {
    const queue = freshQueue();
    const handler = await createHandler(service.url, { queue });
    const subscriber = await createSubscriber(service.url, { queue });
    expect(handler).toBeInstanceOf(MessageQueueHandler);
    expect(subscriber).toBeInstanceOf(MessageQueueSubscriber);
    handler.handle(new LogRecord({ channel: 'resolver', level: Level.INFO, msg: 'via createHandler' }));
    await handler.flush();
    expect((await subscriber.recv(15_000))?.msg).toBe('via createHandler');
    await handler.close();
    await subscriber.close();
    await raw.remove(queue);
  });
});

describe('MessageQueueHandler without a broker', () => {
  it('never throws or waits in a log call, buffers up to maxBuffer, and close() reports what was lost', async () => {
    const port = await freePort();
    const sink = errorSink();
    const secret = 's3cr3t-Pa55';
    const handler = new MessageQueueHandler(`amqp://guest:${secret}@127.0.0.1:${port}//`, {
      queue: 'nowhere',
      maxBuffer: 5,
      onError: sink.hook,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    const t = process.hrtime.bigint();
    for (let i = 0; i < 8; i++) expect(() => handler.handle(numberedRecord(i))).not.toThrow();
    expect(Number(process.hrtime.bigint() - t) / 1e6).toBeLessThan(200);
    expect(handler.stats.buffered).toBe(5);
    expect(handler.stats.dropped).toBe(3);
    await waitFor(() => sink.errors.length >= 2, 'connection errors reported');
    const result = await handler.close({ timeoutMs: 200 });
    expect(result).toEqual({ flushed: false, sent: 0, dropped: 8 });
    expect(sink.text()).toMatch(/ECONNREFUSED/);
    expect(sink.text()).toMatch(/amqp:\/\/guest:\*\*\*@127\.0\.0\.1/);
    expect(sink.text()).not.toContain(secret);
    expect(inspect(handler, { depth: 5 })).not.toContain(secret);
    expect(JSON.stringify(handler)).not.toContain(secret);
  });

  it('a refused login is reported without the password', async () => {
    const secret = 'wr0ng-Pa55word';
    const sink = errorSink();
    const handler = new MessageQueueHandler(withPassword(service.url, secret), {
      queue: freshQueue(),
      onError: sink.hook,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    handler.handle(numberedRecord(1));
    await waitFor(() => sink.errors.length >= 1, 'the login error', 30_000);
    await handler.close({ timeoutMs: 100 });
    expect(sink.text()).toMatch(/ACCESS.REFUSED|403/);
    expect(sink.text()).not.toContain(secret);
    const causes = sink.errors.map((e) => inspect(e, { depth: 6 })).join('\n');
    expect(causes).not.toContain(secret);
  }, 60_000);
});

describe('options', () => {
  it('rejects options that cannot work, without the password in the message', () => {
    expect(
      () => new MessageQueueHandler('amqp://guest:pw1234@localhost//', { tls: { rejectUnauthorized: false } }),
    ).toThrow(AmqpConfigError);
    try {
      new MessageQueueHandler('amqp://guest:pw1234@localhost//', { tls: {} });
    } catch (error) {
      expect(String(error)).not.toContain('pw1234');
    }
    // Other schemes go to their transport (test/any-uri.test.ts); a string that is no URI is refused at once.
    expect(() => new MessageQueueHandler('guest:pw1234@localhost')).toThrow(AmqpConfigError);
    try {
      new MessageQueueHandler('guest:pw1234@localhost');
    } catch (error) {
      expect(String(error)).not.toContain('pw1234');
    }
    expect(() => new MessageQueueSubscriber('guest:pw1234@localhost')).toThrow(AmqpConfigError);
    expect(() => new MessageQueueHandler('amqp://localhost//', { queue: '' })).toThrow(AmqpConfigError);
  });

  it('passes TLS options through to the socket for amqps://', () => {
    const settings = linkSettings(
      'amqps://user:pw@broker.example:5671/vhost',
      {
        tls: {
          ca: 'CA',
          cert: 'CERT',
          key: 'KEY',
          passphrase: 'pp',
          servername: 'broker.example',
          rejectUnauthorized: false,
        },
        connectTimeoutMs: 1234,
      },
      'Test',
      'handler',
    );
    expect(settings.socketOptions.reveal()).toMatchObject({
      ca: 'CA',
      cert: 'CERT',
      key: 'KEY',
      passphrase: 'pp',
      servername: 'broker.example',
      rejectUnauthorized: false,
      timeout: 1234,
    });
    expect(settings.safeUri).toBe('amqps://user:***@broker.example:5671/vhost');
    const plain = linkSettings('amqp://localhost//', {}, 'Test', 'handler');
    expect(plain.socketOptions.reveal()).not.toHaveProperty('ca');
    expect(inspect(settings, { depth: Infinity })).not.toMatch(/pw|pp/);
    expect(plain.queue).toBe('logging');
    expect(plain.queueArguments).toEqual({});
    expect(
      linkSettings(
        'amqp://localhost//',
        { deadLetterExchange: 'dlx', queueArguments: { 'x-max-length': 10 } },
        'Test',
        'handler',
      ).queueArguments,
    ).toEqual({
      'x-max-length': 10,
      'x-dead-letter-exchange': 'dlx',
    });
  });

  it("defaults to Logbook's URI and queue", () => {
    const handler = new MessageQueueHandler();
    expect(handler.url).toBe('amqp://guest:***@localhost//');
    expect(handler.queue).toBe('logging');
    expect(handler.batchSize).toBe(1000);
    expect(handler.bubble).toBe(false);
    void handler.close({ timeoutMs: 0 });
  });

  it('names the URI `uri` as every transport does; `url` is its deprecated alias', () => {
    const handler = new MessageQueueHandler('amqp://user:pw@localhost:5672/vhost');
    const subscriber = new MessageQueueSubscriber('amqp://user:pw@localhost:5672/vhost');
    expect(handler.uri).toBe('amqp://user:***@localhost:5672/vhost');
    expect(subscriber.uri).toBe('amqp://user:***@localhost:5672/vhost');
    expect(handler.url).toBe(handler.uri);
    expect(subscriber.url).toBe(subscriber.uri);
    void handler.close({ timeoutMs: 0 });
    void subscriber.close();
  });
});
