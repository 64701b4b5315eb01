import { setMaxListeners } from 'node:events';
import * as nodeTest from 'node:test';
import { afterEach as jestAfterEach, describe as jestDescribe, it as jestIt } from '@jest/globals';
import { LogRecord } from '../src/index.js';
import { type AsyncQueue, FrameSubscriber, type RawFrame } from '../src/transport.js';
import {
  type ConformancePair,
  type ConformanceTestApi,
  MemoryBroker,
  MemoryQueueHandler,
  MemorySubscriber,
  conformanceChecks,
  describeTransportConformance,
} from '../src/testing/index.js';

let n = 0;
function memoryPair(broker = new MemoryBroker()): ConformancePair {
  const queue = `q${n++}`;
  return {
    handler: new MemoryQueueHandler(broker, { queue }),
    subscriber: new MemorySubscriber(broker, { queue, onError: () => {} }),
    injectRaw: async (frame) => broker.queue(queue).push({ data: frame }),
  };
}

describeTransportConformance('memory', { createPair: async () => memoryPair() });

/** A subscriber whose timeouts are wrong: recv(0) waits, like Logbook's kombu subscriber. */
class NoTimeoutSubscriber extends FrameSubscriber {
  constructor(private readonly inner: MemorySubscriber) {
    super({ onError: () => {} });
  }
  protected receiveFrame(_timeout: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    return (
      this.inner as unknown as { source: { take(t: number | null, s: AbortSignal): Promise<RawFrame | null> } }
    ).source.take(_timeout === 0 ? 1500 : _timeout, signal);
  }
}

describe('the kit fails broken transports', () => {
  const close = async (pair: ConformancePair) => {
    await pair.handler.close();
    await pair.subscriber.close();
  };

  it('a transport that loses records fails the burst check', async () => {
    const broker = new MemoryBroker();
    broker.loseEvery = 1000;
    const pair = memoryPair(broker);
    await expect(conformanceChecks.burst!(pair, { burstSize: 5000, receiveTimeoutMs: 2000 })).rejects.toThrow(
      /records lost/,
    );
    await close(pair);
  }, 120_000);

  it('a transport that changes a field fails the round trip', async () => {
    const pair = memoryPair();
    class Mangling extends MemoryQueueHandler {
      protected override serialize(record: Parameters<MemoryQueueHandler['serialize']>[0]): string {
        return super.serialize(record).replace('"level":13', '"level":14');
      }
    }
    const broken: ConformancePair = {
      ...pair,
      handler: new Mangling(pair.handler instanceof MemoryQueueHandler ? pair.handler.broker : new MemoryBroker(), {
        queue: (pair.handler as MemoryQueueHandler).queueName,
      }),
    };
    await expect(conformanceChecks.roundTrip!(broken, {})).rejects.toThrow();
    await close(broken);
    await pair.handler.close();
  });

  it('a subscriber with wrong timeouts fails the timeout check', async () => {
    const pair = memoryPair();
    const broken: ConformancePair = {
      ...pair,
      subscriber: new NoTimeoutSubscriber(pair.subscriber as MemorySubscriber),
    };
    await expect(conformanceChecks.recvTimeouts!(broken, {})).rejects.toThrow(/recv\(0\) took/);
    await close(broken);
  });

  it('a subscriber that passes garbage on instead of skipping it fails the malformed check', async () => {
    const pair = memoryPair();
    class Lenient extends MemorySubscriber {
      protected override decode(data: string | Uint8Array) {
        try {
          return super.decode(data);
        } catch {
          return new LogRecord({ channel: 'garbage', level: 0, msg: String(data).slice(0, 20) });
        }
      }
    }
    const broker = (pair.handler as MemoryQueueHandler).broker;
    const broken: ConformancePair = {
      ...pair,
      subscriber: new Lenient(broker, { queue: (pair.handler as MemoryQueueHandler).queueName, onError: () => {} }),
    };
    await expect(conformanceChecks.malformedFrames!(broken, { receiveTimeoutMs: 1500 })).rejects.toThrow();
    await close(broken);
  });
});

/** A handler whose sendBatch starts the write and returns at once: flush() resolves before the data is written. */
class FireAndForgetHandler extends MemoryQueueHandler {
  protected override async sendBatch(batch: readonly string[]): Promise<void> {
    setImmediate(() => this.broker.publish(this.queueName, batch));
  }
}

/**
 * A handler whose client queues writes and sends them on the next tick, and whose disconnect destroys
 * the client (dropping what it still queues): flush() resolves while the batch is still in the client.
 */
class QueuedClientHandler extends MemoryQueueHandler {
  private outbox: string[] = [];
  protected override async sendBatch(batch: readonly string[]): Promise<void> {
    this.outbox.push(...batch);
    setImmediate(() => this.broker.publish(this.queueName, this.outbox.splice(0)));
  }
  protected override async disconnect(): Promise<void> {
    this.outbox = [];
  }
}

/** A subscriber that throws away one frame in 1,000 it has taken from the broker. */
class DropOneInThousand extends FrameSubscriber {
  private taken = 0;
  constructor(private readonly source: AsyncQueue<RawFrame>) {
    super({ onError: () => {} });
  }
  protected async receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    const frame = await this.source.take(timeoutMs, signal);
    if (frame && ++this.taken % 1000 === 0) return this.source.take(timeoutMs, signal);
    return frame;
  }
}

/**
 * The classic timeout bug: it gives up waiting but leaves its take running, so the next frame is
 * taken by nobody's receive and lost.
 */
class AbandonedTakeSubscriber extends FrameSubscriber {
  constructor(private readonly source: AsyncQueue<RawFrame>) {
    super({ onError: () => {} });
    // Its abandoned takes pile up listeners on the close signal; that is the bug under test, not a leak to warn about.
    setMaxListeners(0, this.closeController.signal);
  }
  protected receiveFrame(timeoutMs: number | null, signal: AbortSignal): Promise<RawFrame | null> {
    const take = this.source.take(null, this.closeController.signal);
    setMaxListeners(0, signal);
    return Promise.race([
      take,
      new Promise<null>((resolve) => {
        if (timeoutMs !== null) setTimeout(() => resolve(null), timeoutMs);
        signal.addEventListener('abort', () => resolve(null), { once: true });
      }),
    ]);
  }
}

describe('the new checks fail broken transports', () => {
  const close = async (pair: ConformancePair) => {
    await pair.handler.close();
    await pair.subscriber.close();
  };

  it('a handler whose flush() resolves before the write (fire-and-forget sendBatch) fails flushDelivers', async () => {
    const broker = new MemoryBroker();
    const pair = memoryPair(broker);
    const queue = (pair.handler as MemoryQueueHandler).queueName;
    await pair.handler.close();
    const broken: ConformancePair = { ...pair, handler: new FireAndForgetHandler(broker, { queue }) };
    await expect(conformanceChecks.flushDelivers!(broken, { receiveTimeoutMs: 2000 })).rejects.toThrow(
      /injected after flush\(\) resolved arrived before 200 of the 200 flushed records/,
    );
    await close(broken);
  });

  it('a handler whose client still holds the batch when flush() resolves fails flushDelivers, even without injectOrdered', async () => {
    const broker = new MemoryBroker();
    const pair = memoryPair(broker);
    const queue = (pair.handler as MemoryQueueHandler).queueName;
    await pair.handler.close();
    const broken: ConformancePair = { ...pair, handler: new QueuedClientHandler(broker, { queue }) };
    await expect(
      conformanceChecks.flushDelivers!(broken, { injectOrdered: false, receiveTimeoutMs: 1000 }),
    ).rejects.toThrow(/only 0 of 200 flushed records arrived/);
    await close(broken);
  });

  it('the flush check without injectOrdered does not see a write merely deferred to the next tick', async () => {
    const broker = new MemoryBroker();
    const pair = memoryPair(broker);
    const queue = (pair.handler as MemoryQueueHandler).queueName;
    await pair.handler.close();
    const broken: ConformancePair = { ...pair, handler: new FireAndForgetHandler(broker, { queue }) };
    await expect(
      conformanceChecks.flushDelivers!(broken, { injectOrdered: false, receiveTimeoutMs: 2000 }),
    ).resolves.toBeUndefined();
    await close(broken);
  });

  it('a subscriber that drops one record in 1,000 fails noLossOnWaits', async () => {
    const broker = new MemoryBroker();
    const pair = memoryPair(broker);
    const queue = (pair.handler as MemoryQueueHandler).queueName;
    await pair.subscriber.close();
    const broken: ConformancePair = { ...pair, subscriber: new DropOneInThousand(broker.queue(queue)) };
    await expect(conformanceChecks.noLossOnWaits!(broken, { receiveTimeoutMs: 1000 })).rejects.toThrow(
      /\d of 3000 records lost while the subscriber timed out and stopped \(first: 999, /,
    );
    await close(broken);
  }, 60_000);

  it('a subscriber that loses the frame it took when its wait times out fails noLossOnWaits', async () => {
    const broker = new MemoryBroker();
    const pair = memoryPair(broker);
    const queue = (pair.handler as MemoryQueueHandler).queueName;
    await pair.subscriber.close();
    const broken: ConformancePair = { ...pair, subscriber: new AbandonedTakeSubscriber(broker.queue(queue)) };
    await expect(conformanceChecks.noLossOnWaits!(broken, { receiveTimeoutMs: 1000 })).rejects.toThrow(
      /records lost while the subscriber timed out/,
    );
    await close(broken);
  }, 60_000);

  it('the burst check alone does not see the abandoned take (why noLossOnWaits exists)', async () => {
    const broker = new MemoryBroker();
    const pair = memoryPair(broker);
    const queue = (pair.handler as MemoryQueueHandler).queueName;
    await pair.subscriber.close();
    const broken: ConformancePair = { ...pair, subscriber: new AbandonedTakeSubscriber(broker.queue(queue)) };
    await expect(
      conformanceChecks.burst!(broken, { burstSize: 3000, receiveTimeoutMs: 1000 }),
    ).resolves.toBeUndefined();
    await close(broken);
  }, 60_000);
});

describe('describeTransportConformance with each test API', () => {
  /** Records what the suite declares, in the given framework's style. */
  function recorder(style: 'jest' | 'node') {
    const calls: { title: string; args: unknown[] }[] = [];
    const hooks: (() => Promise<void>)[] = [];
    const it = (title: string, ...args: unknown[]) => {
      calls.push({ title, args });
    };
    it.skip = (title: string, ...args: unknown[]) => {
      calls.push({ title: `skip ${title}`, args });
    };
    const api = {
      describe: (_name: string, fn: () => void) => fn(),
      it,
      afterEach: (fn: () => Promise<void>) => {
        hooks.push(fn);
      },
      ...(style === 'node' ? { before: () => {} } : {}),
    };
    return { api, calls, hooks };
  }

  it("declares node:test's it(name, { timeout }, fn) and runs each check against a fresh pair", async () => {
    const { api, calls, hooks } = recorder('node');
    const made: ConformancePair[] = [];
    describeTransportConformance(
      'memory via node:test',
      {
        createPair: async () => {
          const p = memoryPair();
          made.push(p);
          return p;
        },
        testTimeoutMs: 9000,
        skip: { burst: 'slow here' },
      },
      api,
    );
    expect(calls.map((c) => c.title)).toEqual(
      Object.keys(conformanceChecks).map((k) => (k === 'burst' ? 'burst (left out: slow here)' : k)),
    );
    expect(calls.find((c) => c.title.startsWith('burst'))!.args[0]).toEqual({ skip: 'slow here' });
    const roundTrip = calls.find((c) => c.title === 'roundTrip')!;
    expect(roundTrip.args[0]).toEqual({ timeout: 9000 });
    await (roundTrip.args[1] as () => Promise<void>)();
    await hooks[0]!();
    expect(made).toHaveLength(1);
    expect((await made[0]!.handler.close()).flushed).toBe(true);
    expect(made[0]!.subscriber.closed).toBe(true);
  });

  it("declares jest's it(name, fn, timeout) and it.skip when given jest's functions", () => {
    const { api, calls } = recorder('jest');
    describeTransportConformance(
      'memory via jest api',
      { createPair: async () => memoryPair(), skip: { burst: 'slow here' } },
      api,
    );
    expect(calls.find((c) => c.title === 'roundTrip')!.args[1]).toBe(120_000);
    expect(calls.find((c) => c.title.includes('burst'))!.title).toBe('skip burst (left out: slow here)');
  });

  it('accepts the node:test module and the @jest/globals functions as they are typed', () => {
    const node: ConformanceTestApi = nodeTest;
    const jest: ConformanceTestApi = { describe: jestDescribe, it: jestIt, afterEach: jestAfterEach };
    expect(typeof node.before).toBe('function');
    expect(jest.before).toBeUndefined();
  });

  it('names both ways to run it when there is no test API', () => {
    const saved = { describe: globalThis.describe };
    try {
      (globalThis as { describe?: unknown }).describe = undefined;
      expect(() => describeTransportConformance('x', { createPair: async () => memoryPair() })).toThrow(
        /call it in a jest \(or vitest with globals\) test file, or pass node:test's as the third argument/,
      );
    } finally {
      globalThis.describe = saved.describe;
    }
  });
});
