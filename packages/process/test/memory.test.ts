/**
 * 40 messages of 10 MiB each into a subscriber that is not reading: every frame is refused on
 * arrival and counted, and the parent's memory stays bounded. The parent runs as its own node
 * process, so that its RSS is its own.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runNodeSnippet } from '@logq/services';
import { fixtures } from './helpers.js';

jest.setTimeout(180_000);

const PARENT = String.raw`
import { fork } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MultiProcessingSubscriber } from '@logq/process';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
gc();
const retained = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const retainedBefore = retained();
const subscriber = new MultiProcessingSubscriber(null, { onError: () => {} });
const before = process.memoryUsage().rss;
const child = subscriber.queue.attach(fork(new URL(process.env.SENDER), [], { execArgv: [], env: { ...process.env, NODE_OPTIONS: '', COUNT: '40' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
// A collection after each message (this listener runs after logq's router): what is left then is
// what logq keeps, and the peak is the transient cost of reading one message, not of V8's schedule.
child.on('message', () => gc());
// Nothing reads while the child sends: the queue alone decides what is kept.
await new Promise((resolve) => child.once('disconnect', resolve));
// What is still held once the garbage of reading the messages is collected: logq's part.
gc();
const held = process.memoryUsage().rss;
const retainedAfter = retained();
const peak = process.resourceUsage().maxRSS * 1024;
const queued = subscriber.queue.length;
const messages = [];
for (let record = await subscriber.recv(0); record; record = await subscriber.recv(0)) messages.push(record.message);
console.log(JSON.stringify({ before, held, peak, retained: retainedAfter - retainedBefore, queued, messages, ...subscriber.stats, oversized: subscriber.queue.stats.oversized }));
await subscriber.close();
`;

test('40 × 10 MiB messages (text and dict frames) into a subscriber that is not reading: all refused and counted, RSS growth bounded', async () => {
  const result = await runNodeSnippet(PARENT, {
    cwd: join(__dirname, '..'),
    timeoutMs: 150_000,
    // A capped heap: had the queue kept the frames (400 MiB), the parent would run out of memory. It
    // also makes V8 collect the garbage of reading each message instead of letting its heap grow
    // lazily, so that the peak measures what reading costs, not when the collector last ran.
    env: { SENDER: pathToFileURL(join(fixtures, 'big-sender.mjs')).href, NODE_OPTIONS: '--max-old-space-size=160' },
  });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown> & {
    before: number;
    held: number;
    peak: number;
    retained: number;
  };
  expect(summary).toMatchObject({
    queued: 41,
    received: 41,
    malformed: 40,
    oversized: 40,
    messages: ['small and valid'],
  });
  const MB = 1024 * 1024;
  // What logq keeps: 400 MiB went through, the queue holds 41 small markers. Retained (heap and
  // external memory after a collection) is the markers, not the frames; and the heap cap above
  // means the parent would have died had it kept them.
  expect(summary.retained / MB).toBeLessThan(10);
  // The peak is Node's, not logq's: the channel reads and parses each IPC message whole (chunks,
  // joined text, parsed value: 5 to 10 times its size while it does), and V8 gives those pages back
  // on background threads, later when the 2 cores are busy (145 MB idle, 216 MB seen under CI
  // load). The claim here is the shape: a few messages' worth at a time (under 300 MB), never the 400 MiB sent.
  expect((summary.peak - summary.before) / MB).toBeLessThan(300);
  console.log(
    `RSS: before ${(summary.before / MB).toFixed(0)} MB, after ${(summary.held / MB).toFixed(0)} MB, peak ${(summary.peak / MB).toFixed(0)} MB; retained ${(summary.retained / MB).toFixed(1)} MB`,
  );
});
