// Issue 12 point 7: the subscriber's read-ahead is bounded in bytes, not only in frames. 40 frames of
// 10 MiB each (over maxRecordBytes) into a PULL and a SUB subscriber: every one is rejected and
// counted, the next valid record is delivered, and the receiving process grows by less than 200 MB.
// The receiver runs in a child, so that its peak RSS (process.resourceUsage().maxRSS) is its own.
import { join } from 'node:path';
import { Level, LogRecord } from '@logq/core';
import { runNodeSnippet } from '@logq/services';
import * as zmq from 'zeromq';
import { endpoint, waitForRawSubscriptions } from './helpers.js';

jest.setTimeout(180_000);

const FRAMES = 40;
const HUGE = Buffer.alloc(10 * 1024 * 1024, 'x'); // one buffer, sent 40 times
const VALID = JSON.stringify(
  new LogRecord({ channel: 'logq.memory', level: Level.INFO, msg: 'after the flood' }).toDict(),
);

/** The child: a subscriber that starts reading 3 s after it is ready, and reads until the valid record. */
function receiver(uri: string, multi: boolean, records = 1, options = ''): string {
  return `
    import { ZeroMQSubscriber } from '@logq/zeromq';
    const subscriber = new ZeroMQSubscriber(${JSON.stringify(uri)}, { multi: ${multi}, onError: () => {}, ${options} });
    await subscriber.open();
    const base = process.memoryUsage().rss;
    console.log('READY');
    // A slow consumer: the flood arrives before the first recv(), so whatever the read-ahead keeps stays.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // The peak so far: what reading ahead (and rejecting) cost, before the consumer makes garbage of its own.
    const peak = process.resourceUsage().maxRSS * 1024;
    let record = null;
    for (let i = 0; i < ${records}; i++) record = await subscriber.recv(120_000);
    console.log('RESULT ' + JSON.stringify({ message: record?.message ?? null, stats: subscriber.stats, growth: peak - base }));
    await subscriber.close();
  `;
}

/** Runs the child and, once it is ready, sends the flood and then one valid record through `send`. */
async function flood(
  uri: string,
  multi: boolean,
  ready: () => Promise<(frame: Buffer | string) => Promise<void>>,
  frames: readonly (Buffer | string)[] = [...Array<Buffer>(FRAMES).fill(HUGE), VALID],
  options = '',
) {
  let sending: Promise<void> | null = null;
  const valid = frames.filter((f) => f.length <= 1024 * 1024).length;
  const child = runNodeSnippet(receiver(uri, multi, valid, options), {
    cwd: join(__dirname, '..'),
    timeoutMs: 150_000,
  });
  // Poll for READY through a second promise: runNodeSnippet resolves only at exit.
  sending = (async () => {
    const send = await ready();
    for (const frame of frames) await send(frame);
  })();
  const result = await child;
  await sending;
  const line = /RESULT (.*)/.exec(result.stdout)?.[1];
  if (!line) throw new Error(`no result from the child:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(line) as {
    message: string | null;
    stats: { received: number; malformed: number; dispatched: number };
    growth: number;
  };
}

describe('read-ahead is bounded in bytes', () => {
  it(`PULL: ${FRAMES} frames of 10 MiB are each rejected and counted; RSS grows < 200 MB`, async () => {
    const uri = await endpoint();
    const push = new zmq.Push({ linger: 0 });
    try {
      const result = await flood(uri, true, async () => {
        push.connect(uri); // PUSH queues until the child's PULL is bound
        return async (frame) => void (await push.send(frame));
      });
      expect(result.message).toBe('after the flood');
      expect(result.stats.malformed).toBe(FRAMES);
      expect(result.stats.received).toBe(FRAMES + 1);
      expect(result.growth).toBeLessThan(200 * 1024 * 1024);
    } finally {
      push.close();
    }
  });

  it(`SUB: ${FRAMES} frames of 10 MiB are each rejected and counted; RSS grows < 200 MB`, async () => {
    const pub = new zmq.XPublisher({ linger: 0, sendHighWaterMark: 0 });
    pub.verbosity = 'allSubs';
    const uri = await endpoint();
    await pub.bind(uri);
    try {
      const result = await flood(uri, false, async () => {
        await waitForRawSubscriptions(pub, 1, 60_000); // the child's SUB has subscribed
        return async (frame) => void (await pub.send(frame));
      });
      expect(result.message).toBe('after the flood');
      expect(result.stats.malformed).toBe(FRAMES);
      expect(result.stats.received).toBe(FRAMES + 1);
      expect(result.growth).toBeLessThan(200 * 1024 * 1024);
    } finally {
      pub.close();
    }
  });

  it('PULL: 300 valid records of 900 KB (msg and message of 450 KB) for a slow consumer are all delivered; RSS grows < 200 MB', async () => {
    const big = JSON.stringify(
      new LogRecord({ channel: 'logq.memory', level: Level.INFO, msg: 'x'.repeat(450 * 1024) }).toDict(),
    );
    const uri = await endpoint();
    const push = new zmq.Push({ linger: 0 });
    try {
      // 270 MB sent; libzmq holds up to 100 (90 MB); a read-ahead of 1,000 frames would hold the
      // other 180 MB, the byte bound about 16 MB.
      const frames = [...Array<string>(299).fill(big), VALID];
      const result = await flood(
        uri,
        true,
        async () => {
          push.connect(uri);
          return async (frame) => void (await push.send(frame));
        },
        frames,
        // libzmq's own queue counts messages, not bytes: with records this large, keep it short.
        'receiveHighWaterMark: 100',
      );
      expect(result.message).toBe('after the flood');
      expect(result.stats.malformed).toBe(0);
      expect(result.stats.received).toBe(300);
      expect(result.growth).toBeLessThan(200 * 1024 * 1024);
    } finally {
      push.close();
    }
  });
});
