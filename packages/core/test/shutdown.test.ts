import { installShutdownHooks } from '../src/index.js';
import { openHandlers } from '../src/transport.js';
import { MemoryBroker, MemoryQueueHandler, MemorySubscriber, numberedRecord, waitFor } from '../src/testing/index.js';

describe('installShutdownHooks', () => {
  it('on SIGTERM flushes and closes open handlers, then leaves the signal to the other listeners', async () => {
    const broker = new MemoryBroker();
    const handler = new MemoryQueueHandler(broker, { lingerMs: 60_000, batchSize: 1000 });
    for (let i = 0; i < 5; i++) handler.handle(numberedRecord(i));
    expect(handler.stats.sent).toBe(0); // held back by the linger
    const seen: string[] = [];
    const other = () => seen.push('app listener');
    process.on('SIGTERM', other);
    const hooks = installShutdownHooks({ timeoutMs: 1000 });
    try {
      process.emit('SIGTERM');
      await waitFor(() => !openHandlers().includes(handler), 'the handler to be closed', 5000);
      expect(handler.stats.sent).toBe(5);
      const sub = new MemorySubscriber(broker);
      expect((await sub.recv(0))?.extra.seq).toBe(0);
      expect(seen).toEqual(['app listener']);
    } finally {
      hooks[Symbol.dispose]();
      process.removeListener('SIGTERM', other);
    }
  });

  it('on beforeExit flushes what is open', async () => {
    const broker = new MemoryBroker();
    const handler = new MemoryQueueHandler(broker, { lingerMs: 60_000, batchSize: 1000 });
    handler.handle(numberedRecord(7));
    const hooks = installShutdownHooks();
    try {
      process.emit('beforeExit', 0);
      await waitFor(() => handler.stats.sent === 1, 'the buffered record to be sent', 5000);
    } finally {
      hooks[Symbol.dispose]();
    }
  });
});
