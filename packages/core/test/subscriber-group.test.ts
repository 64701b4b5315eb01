import { Level, LogRecord, SubscriberBase, SubscriberGroup, TestHandler } from '../src/index.js';
import type { Delivery } from '../src/transport.js';
import { MemoryBroker, MemoryQueueHandler, MemorySubscriber } from '../src/testing/index.js';

const rec = (msg: string) => new LogRecord({ channel: 'g', level: Level.WARNING, msg });

/** A member whose first `failures` receives throw, then yields one record, then nothing. */
class FlakyMember extends SubscriberBase {
  attempts = 0;
  constructor(private readonly failures: number) {
    super({ onError: () => undefined });
  }
  protected async nextDelivery(_timeoutMs: number | null, signal: AbortSignal): Promise<Delivery | null> {
    this.attempts++;
    if (this.attempts <= this.failures) throw new Error(`receive failed (${this.attempts})`);
    if (this.attempts === this.failures + 1) return { record: rec('after the failures'), ack: () => undefined };
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return null;
  }
}

describe('SubscriberGroup', () => {
  it('waits retryDelayMs (250 by default) after a member failed to receive, reporting each failure', async () => {
    expect(new SubscriberGroup(null).retryDelayMs).toBe(250);
    const member = new FlakyMember(3);
    const errors: unknown[] = [];
    const group = new SubscriberGroup([member], { retryDelayMs: 0, onError: (error) => errors.push(error) });
    expect(group.retryDelayMs).toBe(0);
    const record = await group.recv(5000);
    expect(record?.msg).toBe('after the failures');
    expect(member.attempts).toBeGreaterThanOrEqual(4); // the loop goes on receiving after the record
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'receive failed (1)',
      'receive failed (2)',
      'receive failed (3)',
    ]);
    await group.close();
  });

  it('receives from every member', async () => {
    const broker = new MemoryBroker();
    const h1 = new MemoryQueueHandler(broker, { queue: 'q1' });
    const h2 = new MemoryQueueHandler(broker, { queue: 'q2' });
    const group = new SubscriberGroup([new MemorySubscriber(broker, { queue: 'q1' })]);
    group.add(new MemorySubscriber(broker, { queue: 'q2' }));
    for (let round = 0; round < 10; round++) {
      h1.handle(rec('foo'));
      h2.handle(rec('bar'));
      const got = [await group.recv(5000), await group.recv(5000)].map((r) => r?.msg).sort();
      expect(got).toEqual(['bar', 'foo']);
    }
    await group.close();
    await h1.close();
    await h2.close();
  });

  it('stop() ends promptly with idle members, then recv returns what is left and null', async () => {
    const broker = new MemoryBroker();
    const idle = new MemorySubscriber(broker, { queue: 'idle' });
    const busy = new MemorySubscriber(broker, { queue: 'busy' });
    const group = new SubscriberGroup([idle, busy], 2);
    const h = new MemoryQueueHandler(broker, { queue: 'busy' });
    for (let i = 0; i < 5; i++) h.handle(rec(`m${i}`));
    await h.flush();
    await new Promise((r) => setTimeout(r, 20));
    const t = Date.now();
    await group.stop();
    expect(Date.now() - t).toBeLessThan(500);
    const left: string[] = [];
    for (let r = await group.recv(0); r; r = await group.recv(0)) left.push(r.msg);
    const rest: string[] = [];
    for (let r = await busy.recv(0); r; r = await busy.recv(0)) rest.push(r.msg);
    // A full queue holds members back; nothing is dropped.
    expect([...left, ...rest]).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(await group.recv()).toBeNull();
    await group.close();
    await h.close();
  });

  it('dispatches in the background like any subscriber', async () => {
    const broker = new MemoryBroker();
    const group = new SubscriberGroup([
      new MemorySubscriber(broker, { queue: 'a' }),
      new MemorySubscriber(broker, { queue: 'b' }),
    ]);
    const target = new TestHandler();
    const controller = group.dispatchInBackground(target);
    const ha = new MemoryQueueHandler(broker, { queue: 'a' });
    const hb = new MemoryQueueHandler(broker, { queue: 'b' });
    ha.handle(rec('from a'));
    hb.handle(rec('from b'));
    const deadline = Date.now() + 5000;
    while (target.records.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await controller.stop();
    expect(target.hasWarning('from a') && target.hasWarning('from b')).toBe(true);
    await group.close();
  });
});
