// Port of Logbook's test_missing_zeromq: without the client library, a clear error names what to install.

jest.mock('zeromq', () => {
  const error = new Error("Cannot find module 'zeromq' from 'src/load.ts'") as Error & { code: string };
  error.code = 'MODULE_NOT_FOUND';
  throw error;
});

describe('test_missing_zeromq', () => {
  it('importing @logq/zeromq works; using a handler or subscriber says "npm install zeromq"', async () => {
    const { ZeroMQHandler, ZeroMQNotInstalledError, ZeroMQSubscriber, loadZeroMQ } = await import('../src/index.js');
    const { LogRecord, LogqError } = await import('@logq/core');
    await expect(loadZeroMQ()).rejects.toBeInstanceOf(ZeroMQNotInstalledError);
    await expect(loadZeroMQ()).rejects.toThrow('install zeromq: npm install zeromq');

    const errors: unknown[] = [];
    const handler = new ZeroMQHandler('tcp://127.0.0.1:5999', { onError: (e) => errors.push(e) });
    const error = await handler.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZeroMQNotInstalledError);
    expect(error).toBeInstanceOf(LogqError);
    expect((error as Error).name).toBe('ZeroMQNotInstalledError');
    expect((error as Error).message).toMatch(/"zeromq" package .*npm install zeromq/);
    // A log call still never throws: the error goes to onError.
    expect(() => handler.handle(new LogRecord({ channel: 'c', level: 13, msg: 'm' }))).not.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(errors.some((e) => e instanceof ZeroMQNotInstalledError)).toBe(true);
    const result = await handler.close({ timeoutMs: 100 });
    expect(result.dropped).toBe(1);

    const subscriber = new ZeroMQSubscriber('tcp://127.0.0.1:5999');
    await expect(subscriber.recv(0)).rejects.toThrow('npm install zeromq');
    await subscriber.close();
  });
});
