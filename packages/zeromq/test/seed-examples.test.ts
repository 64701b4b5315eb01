// Issue 13 point 2 for ZeroMQ: Python Logbook with its defaults (`ZeroMQHandler('tcp://127.0.0.1:P')`,
// and `multi=True`) into logq with its defaults, through the seed page's ZeroMQSubscriber examples
// translated verbatim: `new ZeroMQSubscriber(uri)` then `recv()`; `dispatchForever()` with a handler
// pushed ("with target_handler:"); `dispatchInBackground(handler)` and `controller.stop()`. And the
// reverse: logq's `new ZeroMQHandler(uri)` into Python's `dispatch_in_background(target_handler)`.
import { type LogRecord, Logger, SubscriberGroup, TestHandler } from '@logq/core';
import { MemoryBroker, MemoryQueueHandler, MemorySubscriber, waitFor } from '@logq/core/testing';
import { ZeroMQHandler, ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';
import { type Lines, python } from './python.js';

jest.setTimeout(120_000);

const N = 5;

/**
 * Python Logbook's ZeroMQHandler with its defaults (argv: uri, multi, count). A PUB cannot tell
 * when a subscriber is there, so it logs 'probe' records until the test writes a line, then
 * `count` records on the 'seed' channel.
 */
const PY_DEFAULT_HANDLER = String.raw`
import sys, threading
import logbook
from logbook.queues import ZeroMQHandler

uri, multi, n = sys.argv[1], sys.argv[2] == '1', int(sys.argv[3])
handler = ZeroMQHandler(uri, multi=True) if multi else ZeroMQHandler(uri)
go = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), go.set()), daemon=True).start()
probe = logbook.Logger('probe')
log = logbook.Logger('seed')
with handler.applicationbound():
    while not go.wait(0.05):
        probe.info('probe')
    for i in range(n):
        log.warn('seed example {0}: ünïcode ✓', i)
print('DONE', flush=True)
handler.close(linger=5000)
`;

function startPython(uri: string, multi: boolean): Lines {
  return python(PY_DEFAULT_HANDLER, [uri, multi ? '1' : '0', String(N)]);
}

/** Tells Python to log the real records (once the subscriber has seen a probe: it is connected). */
function go(py: Lines): void {
  py.child.stdin!.write('go\n');
}

/**
 * `waitFor`, whose failure also says what Python and the subscriber did (so that a failure under
 * load names its cause): whether Python exited and what it wrote to stderr, the channels
 * dispatched so far, and the subscriber's counters and peers.
 */
async function waitForExplained(
  condition: () => boolean,
  what: string,
  py: Lines,
  subscriber: ZeroMQSubscriber,
  records: readonly LogRecord[],
): Promise<void> {
  try {
    await waitFor(condition, what, 60_000);
  } catch (error) {
    const channels = records.map((r) => r.channel).join(',');
    throw new Error(
      `${(error as Error).message}; python exited: ${py.exited}, stderr: ${JSON.stringify(py.stderr.slice(-2000))}; ` +
        `dispatched channels: ${channels.slice(-500)}; subscriber stats ${JSON.stringify(subscriber.stats)}, peers ${subscriber.peers}`,
      { cause: error },
    );
  }
}

function expectSeedRecords(records: readonly LogRecord[]): void {
  const seed = records.filter((r) => r.channel === 'seed');
  expect(seed.map((r) => r.message)).toEqual(Array.from({ length: N }, (_, i) => `seed example ${i}: ünïcode ✓`));
  for (const record of seed) expect(record.levelName).toBe('WARNING');
}

describe.each([
  ['PUB/SUB: ZeroMQHandler(uri) → ZeroMQSubscriber(uri)', false],
  ['PUSH/PULL: ZeroMQHandler(uri, multi=True) → ZeroMQSubscriber(uri, { multi: true })', true],
] as const)('Python Logbook defaults → the seed examples, %s', (_name, multi) => {
  it('subscriber = new ZeroMQSubscriber(uri); record = await subscriber.recv()', async () => {
    const uri = await endpoint();
    const subscriber = multi ? new ZeroMQSubscriber(uri, { multi: true }) : new ZeroMQSubscriber(uri);
    try {
      const py = startPython(uri, multi);
      const record = await subscriber.recv(); // no timeout: waits, as Logbook's recv() does
      expect(record?.channel).toBe('probe');
      go(py);
      const received: LogRecord[] = [];
      while (received.filter((r) => r.channel === 'seed').length < N) received.push((await subscriber.recv())!);
      expectSeedRecords(received);
      expect(await py.next()).toBe('DONE');
    } finally {
      await subscriber.close();
    }
  });

  it('with target_handler: subscriber.dispatchForever()', async () => {
    const uri = await endpoint();
    const targetHandler = new TestHandler();
    const pushed = targetHandler.pushApplication(); // Python's "with target_handler:"
    const subscriber = multi ? new ZeroMQSubscriber(uri, { multi: true }) : new ZeroMQSubscriber(uri);
    try {
      const py = startPython(uri, multi);
      const loop = subscriber.dispatchForever();
      await waitForExplained(
        () => targetHandler.records.length > 0,
        'a probe dispatched',
        py,
        subscriber,
        targetHandler.records,
      );
      go(py);
      await waitForExplained(
        () => targetHandler.records.filter((r) => r.channel === 'seed').length >= N,
        'every record dispatched',
        py,
        subscriber,
        targetHandler.records,
      );
      await subscriber.close(); // ends dispatchForever
      await loop;
      expectSeedRecords(targetHandler.records);
    } finally {
      pushed[Symbol.dispose]();
      await subscriber.close();
    }
  });

  it('controller = subscriber.dispatchInBackground(targetHandler); controller.stop()', async () => {
    const uri = await endpoint();
    const targetHandler = new TestHandler();
    const subscriber = multi ? new ZeroMQSubscriber(uri, { multi: true }) : new ZeroMQSubscriber(uri);
    try {
      const py = startPython(uri, multi);
      const controller = subscriber.dispatchInBackground(targetHandler);
      expect(controller.running).toBe(true);
      await waitForExplained(
        () => targetHandler.records.length > 0,
        'a probe dispatched',
        py,
        subscriber,
        targetHandler.records,
      );
      go(py);
      await waitForExplained(
        () => targetHandler.records.filter((r) => r.channel === 'seed').length >= N,
        'every record dispatched',
        py,
        subscriber,
        targetHandler.records,
      );
      await controller.stop();
      expect(controller.running).toBe(false);
      expectSeedRecords(targetHandler.records);
    } finally {
      await subscriber.close();
    }
  });
});

/** Python Logbook's ZeroMQSubscriber with its defaults, dispatching in the background (argv: uri, multi, count). */
const PY_DEFAULT_SUBSCRIBER = String.raw`
import sys, time, json
from logbook import TestHandler
from logbook.queues import ZeroMQSubscriber

uri, multi, n = sys.argv[1], sys.argv[2] == '1', int(sys.argv[3])
subscriber = ZeroMQSubscriber(uri, multi=True) if multi else ZeroMQSubscriber(uri)
target_handler = TestHandler()
controller = subscriber.dispatch_in_background(target_handler)
print('READY', flush=True)
deadline = time.time() + 60
while len(target_handler.records) < n and time.time() < deadline:
    time.sleep(0.05)
controller.stop()
for record in target_handler.records:
    print(json.dumps({'channel': record.channel, 'message': record.message, 'level': record.level_name}), flush=True)
print('DONE', flush=True)
subscriber.close()
`;

describe.each([
  ['PUB/SUB: new ZeroMQHandler(uri) → ZeroMQSubscriber(uri)', false],
  ['PUSH/PULL: new ZeroMQHandler(uri, { multi: true }) → ZeroMQSubscriber(uri, multi=True)', true],
] as const)('logq defaults → Python Logbook dispatch_in_background, %s', (_name, multi) => {
  it('every record reaches the Python TestHandler', async () => {
    const uri = await endpoint();
    const handler = multi ? new ZeroMQHandler(uri, { multi: true }) : new ZeroMQHandler(uri);
    try {
      if (!multi) await handler.open(); // the PUB binds before Python's SUB connects
      const py = python(PY_DEFAULT_SUBSCRIBER, [uri, multi ? '1' : '0', String(N)]);
      expect(await py.next(60_000)).toBe('READY');
      if (!multi) await handler.waitForPeers(1, { timeoutMs: 60_000 }); // as a user of PUB/SUB must
      const log = new Logger('seed');
      handler.applicationBound(() => {
        for (let i = 0; i < N; i++) log.warn('seed example {0}: ünïcode ✓', i);
      });
      await handler.flush();
      const lines: { channel: string; message: string; level: string }[] = [];
      for (;;) {
        const line = await py.next(60_000);
        if (line === 'DONE') break;
        lines.push(JSON.parse(line));
      }
      expect(lines).toEqual(
        Array.from({ length: N }, (_, i) => ({
          channel: 'seed',
          message: `seed example ${i}: ünïcode ✓`,
          level: 'WARNING',
        })),
      );
    } finally {
      await handler.close({ timeoutMs: 2000 });
    }
  });
});

// The seed page's "Other" section, SubscriberGroup:
//   subscribers = SubscriberGroup([
//       MultiProcessingSubscriber(queue),
//       ZeroMQSubscriber('tcp://127.0.0.1:5000')
//   ])
//   with target_handler:
//       subscribers.dispatch_forever()
// @logq/zeromq does not depend on @logq/process (and may not, even for tests), so the first member,
// Logbook's in-process MultiProcessingSubscriber(queue), is core's in-process MemorySubscriber on a
// MemoryBroker queue here; MultiProcessingSubscriber is a SubscriberBase like it. Port 5000 becomes a free one.
describe('SubscriberGroup([<in-process queue subscriber>, ZeroMQSubscriber(uri)]): with target_handler: subscribers.dispatch_forever()', () => {
  it('dispatches the records of both members to target_handler, and ends when the group is closed', async () => {
    const uri = await endpoint(); // 'tcp://127.0.0.1:5000'
    const queue = new MemoryBroker(); // queue = Queue(-1)
    const targetHandler = new TestHandler();
    // subscribers = SubscriberGroup([
    //     MultiProcessingSubscriber(queue),
    //     ZeroMQSubscriber('tcp://127.0.0.1:5000')
    // ])
    const subscribers = new SubscriberGroup([new MemorySubscriber(queue), new ZeroMQSubscriber(uri)]);
    // with target_handler:
    //     subscribers.dispatch_forever()
    const loop = targetHandler.applicationBound(() => subscribers.dispatchForever());

    // The senders: MultiProcessingHandler(queue) → MemoryQueueHandler(queue); ZeroMQHandler('tcp://127.0.0.1:5000').
    const queueHandler = new MemoryQueueHandler(queue);
    const zmqHandler = new ZeroMQHandler(uri);
    try {
      await zmqHandler.waitForPeers(1, { timeoutMs: 60_000 }); // PUB/SUB: the group's SUB has connected
      queueHandler.applicationBound(() => new Logger('seed.queue').warn('seed: from the queue'));
      zmqHandler.applicationBound(() => new Logger('seed.zeromq').warn('seed: from ZeroMQ'));
      await Promise.all([queueHandler.flush(), zmqHandler.flush()]);
      await waitFor(() => targetHandler.records.length >= 2, 'both records dispatched to target_handler', 60_000);
    } finally {
      await subscribers.close(); // ends dispatch_forever() and closes both members
      await Promise.all([queueHandler.close(), zmqHandler.close({ timeoutMs: 2000 })]);
    }
    await loop;
    const got = targetHandler.records.map((r) => [r.channel, r.levelName, r.message]).sort();
    expect(got).toEqual([
      ['seed.queue', 'WARNING', 'seed: from the queue'],
      ['seed.zeromq', 'WARNING', 'seed: from ZeroMQ'],
    ]);
    expect(subscribers.members.every((member) => member.closed)).toBe(true);
  });
});
