// Issue 12 point 9 on ZeroMQ: a 100,000-record burst into a ZeroMQHandler with default options
// drops what its buffer cannot hold, and says so once, with the count (core's drop report).
import { Level, LogRecord, RecordsDroppedError } from '@logq/core';
import { ZeroMQHandler, ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';

jest.setTimeout(120_000);

test('a 100,000-record burst with default options reports its drops once, and the rest arrives', async () => {
  const uri = await endpoint();
  const errors: unknown[] = [];
  const subscriber = new ZeroMQSubscriber(uri, { multi: true });
  const handler = new ZeroMQHandler(uri, { multi: true, onError: (error) => errors.push(error) });
  try {
    await subscriber.open();
    const n = 100_000;
    for (let i = 0; i < n; i++)
      handler.handle(new LogRecord({ channel: 'burst', level: Level.INFO, msg: 'r', extra: { seq: i } }));
    await handler.flush();
    const { sent, dropped } = handler.stats;
    expect(dropped).toBeGreaterThan(0); // the burst outran maxBuffer (10,000)
    expect(sent + dropped).toBe(n);
    let last = -1;
    for (let got = 0; got < sent; got++) {
      const record = await subscriber.recv(20_000);
      expect(record).not.toBeNull();
      const seq = record!.extra.seq as number;
      expect(seq).toBeGreaterThan(last); // in order, drops only (drop-newest)
      last = seq;
    }
    await new Promise((r) => setTimeout(r, 100)); // the report comes at the end of the burst
    const reports = errors.filter((e): e is RecordsDroppedError => e instanceof RecordsDroppedError);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.count).toBe(dropped);
    expect(reports[0]!.message).toContain(String(dropped));
    expect(errors).toHaveLength(1); // nothing else went wrong
    await handler.close({ timeoutMs: 2000 });
    expect(errors.filter((e) => e instanceof RecordsDroppedError)).toHaveLength(1); // close has nothing more to report
  } finally {
    await handler.close({ timeoutMs: 1000 });
    await subscriber.close();
  }
});
