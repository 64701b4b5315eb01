import { FrameSubscriber, LogRecord, type RawFrame } from '../src/index.js';
import {
  type ConformancePair, MemoryBroker, MemoryQueueHandler, MemorySubscriber, conformanceChecks, describeTransportConformance,
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
    return (this.inner as unknown as { source: { take(t: number | null, s: AbortSignal): Promise<RawFrame | null> } }).source.take(
      _timeout === 0 ? 1500 : _timeout, signal,
    );
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
    await expect(conformanceChecks.burst!(pair, { burstSize: 5000, receiveTimeoutMs: 2000 })).rejects.toThrow(/records lost/);
    await close(pair);
  }, 120_000);

  it('a transport that changes a field fails the round trip', async () => {
    const pair = memoryPair();
    class Mangling extends MemoryQueueHandler {
      protected override serialize(record: Parameters<MemoryQueueHandler['serialize']>[0]): string {
        return super.serialize(record).replace('"level":13', '"level":14');
      }
    }
    const broken: ConformancePair = { ...pair, handler: new Mangling(pair.handler instanceof MemoryQueueHandler ? pair.handler.broker : new MemoryBroker(), { queue: (pair.handler as MemoryQueueHandler).queueName }) };
    await expect(conformanceChecks.roundTrip!(broken, {})).rejects.toThrow();
    await close(broken);
    await pair.handler.close();
  });

  it('a subscriber with wrong timeouts fails the timeout check', async () => {
    const pair = memoryPair();
    const broken: ConformancePair = { ...pair, subscriber: new NoTimeoutSubscriber(pair.subscriber as MemorySubscriber) };
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
    const broken: ConformancePair = { ...pair, subscriber: new Lenient(broker, { queue: (pair.handler as MemoryQueueHandler).queueName, onError: () => {} }) };
    await expect(conformanceChecks.malformedFrames!(broken, { receiveTimeoutMs: 1500 })).rejects.toThrow();
    await close(broken);
  });
});
