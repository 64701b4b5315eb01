/** Logbook parity of dispatchInBackground and SubscriberGroup (issue 13, points 4 and 5). */
import { Level, LogRecord, type SubscriberBase, SubscriberGroup, TestHandler } from '../src/index.js';
import { MemoryBroker, MemoryQueueHandler, MemorySubscriber, waitFor } from '../src/testing/index.js';

const rec = (msg: string) => new LogRecord({ channel: 'bg', level: Level.WARNING, msg });

describe('dispatchInBackground (Logbook: the background thread sees application-bound handlers and the setup)', () => {
  it("delivers to application-bound handlers and the setup, not to the caller's context-bound handlers", async () => {
    const broker = new MemoryBroker();
    const subscriber = new MemorySubscriber(broker);
    const app = new TestHandler({ bubble: true });
    const callers = new TestHandler({ bubble: true });
    const setup = new TestHandler({ bubble: true });
    using _app = app.pushApplication();
    const controller = callers.contextBound(() => subscriber.dispatchInBackground(setup));
    const handler = new MemoryQueueHandler(broker);
    handler.handle(rec('one'));
    await waitFor(() => setup.records.length === 1 && app.records.length === 1, 'the record to be dispatched', 5000);
    await controller.stop();
    expect(callers.records).toHaveLength(0);
    await subscriber.close();
    await handler.close();
  });

  it('with { inheritContext: true } the caller context-bound handlers get the records too', async () => {
    const broker = new MemoryBroker();
    const subscriber = new MemorySubscriber(broker);
    const callers = new TestHandler({ bubble: true });
    const controller = callers.contextBound(() => subscriber.dispatchInBackground(undefined, { inheritContext: true }));
    const handler = new MemoryQueueHandler(broker);
    handler.handle(rec('two'));
    await waitFor(() => callers.records.length === 1, 'the record to reach the caller handler', 5000);
    await controller.stop();
    await subscriber.close();
    await handler.close();
  });
});

describe('SubscriberGroup parity', () => {
  it('new SubscriberGroup(null) is an empty group (Logbook accepts None)', async () => {
    const group = new SubscriberGroup(null);
    expect(group.members).toEqual([]);
    expect(await group.recv(0)).toBeNull();
    await group.close();
  });

  it('a null member is reported once, clearly, and not added', async () => {
    const errors: unknown[] = [];
    const group = new SubscriberGroup([null as unknown as SubscriberBase], { onError: (e) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 600));
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toBe('TypeError: SubscriberGroup.add: expected a subscriber, got null; not added');
    expect(group.members).toEqual([]);
    await group.close();
  });

  it('add() after stop() starts the new member, as Logbook does; stopped members stay stopped', async () => {
    const broker = new MemoryBroker();
    const first = new MemorySubscriber(broker, { queue: 'first' });
    const group = new SubscriberGroup([first]);
    await group.stop();
    const second = new MemorySubscriber(broker, { queue: 'second' });
    group.add(second);
    const h1 = new MemoryQueueHandler(broker, { queue: 'first' });
    const h2 = new MemoryQueueHandler(broker, { queue: 'second' });
    h1.handle(rec('to first'));
    h2.handle(rec('to second'));
    expect((await group.recv(5000))?.msg).toBe('to second');
    expect(await group.recv(100)).toBeNull();
    expect((await first.recv(0))?.msg).toBe('to first'); // the stopped member's loop did not take it
    await group.close();
    await h1.close();
    await h2.close();
  });
});
