import { TestHandler, TransportNotFoundError, createHandler, createSubscriber } from '../src/index.js';
import { redactSecrets, registerTransport, uriScheme } from '../src/transport.js';
import { MemoryBroker, MemorySubscriber } from '../src/testing/index.js';

describe('createHandler / createSubscriber', () => {
  it('uses a registered third-party scheme', async () => {
    const broker = new MemoryBroker();
    const made: string[] = [];
    registerTransport(['mem'], {
      packageName: 'logq-mem',
      createHandler: (uri) => {
        made.push(uri);
        return new TestHandler();
      },
      createSubscriber: () => new MemorySubscriber(broker),
    });
    expect(await createHandler('mem://anything')).toBeInstanceOf(TestHandler);
    const sub = await createSubscriber('MEM://x');
    expect(sub).toBeInstanceOf(MemorySubscriber);
    await sub.close();
    expect(made).toEqual(['mem://anything']);
  });

  it('takes a factory with typed options, and hands it the options as given', async () => {
    interface MemOptions {
      readonly queue?: string;
    }
    const seen: (string | undefined)[] = [];
    const broker = new MemoryBroker();
    registerTransport<MemOptions>(['typedmem'], {
      packageName: 'logq-transport-typedmem',
      createHandler: (_uri, options) => {
        seen.push(options.queue);
        return new TestHandler();
      },
      createSubscriber: (_uri, options) => new MemorySubscriber(broker, { queue: options.queue }),
    });
    await createHandler('typedmem://a', { queue: 'q1' });
    await createHandler('typedmem://b');
    await (await createSubscriber('typedmem://c', { queue: 'q2' })).close();
    expect(seen).toEqual(['q1', undefined]);
  });

  it('names the package to install for a known scheme whose package is missing', async () => {
    jest.doMock(
      '@logq/mongo',
      () => {
        throw Object.assign(new Error("Cannot find module '@logq/mongo'"), { code: 'MODULE_NOT_FOUND' });
      },
      { virtual: true },
    );
    await expect(createHandler('mongodb+srv://user:hunter2@db.example/logs')).rejects.toThrow(
      /need the @logq\/mongo package: install it with `npm install @logq\/mongo`/,
    );
    await expect(createHandler('mongodb+srv://user:hunter2@db.example/logs')).rejects.toBeInstanceOf(
      TransportNotFoundError,
    );
  });

  it('explains unknown schemes and non-URIs without leaking secrets', async () => {
    await expect(createSubscriber('gopher://x')).rejects.toThrow(/no logq transport handles "gopher:\/\/"/);
    await expect(createHandler('gopher://x')).rejects.toThrow(
      /`npm install logq-transport-gopher`.*`import 'logq-transport-gopher'`/,
    );
    const error = await createHandler('not a uri with password: p@ss').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportNotFoundError);
    expect(uriScheme('AMQPS://h')).toBe('amqps');
  });
});

describe('redactSecrets', () => {
  it('removes passwords from URIs in any text', () => {
    expect(redactSecrets('connect to amqp://guest:s3cret@127.0.0.1:5672/ failed')).toBe(
      'connect to amqp://guest:***@127.0.0.1:5672/ failed',
    );
    expect(redactSecrets('redis://:onlypass@host:6379 and mongodb://u:p%40ss@h/db')).toBe(
      'redis://:***@host:6379 and mongodb://u:***@h/db',
    );
    expect(redactSecrets('tcp://127.0.0.1:5000')).toBe('tcp://127.0.0.1:5000');
  });
});
