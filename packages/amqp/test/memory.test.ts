/**
 * Bounded memory under heavy input (issue 12.7) and nothing destroyed on a
 * shared queue (issue 13.3): 40 messages of 10 MiB each are waiting when a
 * subscriber (maxRecordBytes 1 MiB, prefetch 256) starts; it sets every one
 * aside to `<queue>.malformed`, counts it, delivers the valid record behind
 * them, and its RSS grows by less than 200 MB. The subscriber runs in a
 * child process so that its peak RSS (getrusage's maxRSS) is its own.
 */
import { join } from 'node:path';
import { type UsedService, runNodeSnippet } from '@logq/services';
import { RawClient, broker, freshQueue } from './helpers.js';

let service: UsedService;
let raw: RawClient;

beforeAll(async () => {
  service = await broker();
  raw = await RawClient.open(service.url);
}, 180_000);

afterAll(async () => {
  await raw?.close();
  await service?.stop();
});

const MiB = 1024 * 1024;

/** A record-shaped JSON message of about `bytes` bytes (valid but for its size). */
function bigFrame(bytes: number, seq: number): Buffer {
  const head = `{"channel":"big","level":11,"msg":"big ${seq}","extra":{"pad":"`;
  const tail = '"}}';
  return Buffer.concat([Buffer.from(head), Buffer.alloc(bytes - head.length - tail.length, 0x61), Buffer.from(tail)]);
}

/** Declares kombu's topology for `queue` (as the subscriber would) and fills it with `count` records of `bytes`. */
async function fill(queue: string, count: number, bytes: number): Promise<void> {
  await raw.channel.assertExchange(queue, 'direct', { durable: true, autoDelete: false, internal: false });
  await raw.channel.assertQueue(queue, { durable: true, autoDelete: false, exclusive: false });
  await raw.channel.bindQueue(queue, queue, queue);
  for (let i = 0; i < count; i++) await raw.publish(queue, bigFrame(bytes, i));
}

/** The last line a child printed, parsed. */
function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

it('40 × 10 MiB messages: each set aside and counted, the next record delivered, RSS growth under 200 MB', async () => {
  const queue = freshQueue('logq-memory');
  // Filled before the subscriber starts: the broker pushes at full speed.
  await fill(queue, 40, 10 * MiB);
  await raw.publish(
    queue,
    JSON.stringify({ channel: 'small', level: 11, msg: 'after the big ones', message: 'after the big ones' }),
  );
  expect(await raw.depth(queue)).toBe(41);

  // A collection after each rejected message (its error report), so that the peak measures what
  // the subscriber holds (read-ahead, queued frames, writes backing up) rather than V8's schedule:
  // without it the same run peaks at 115-185 MB here, garbage not yet collected included.
  const code = `
    import { setFlagsFromString } from 'node:v8';
    import { runInNewContext } from 'node:vm';
    import { MessageQueueSubscriber } from '@logq/amqp';
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc');
    let errors = 0;
    const subscriber = new MessageQueueSubscriber(${JSON.stringify(service.url)}, { queue: ${JSON.stringify(queue)}, onError: () => (errors++, gc()) });
    const baseline = process.memoryUsage().rss;
    const record = await subscriber.recv(120000);
    const peak = process.resourceUsage().maxRSS * 1024;
    console.log(JSON.stringify({ growthMB: (peak - baseline) / 1048576, message: record?.message ?? null, stats: { ...subscriber.stats }, errors }));
    await subscriber.close();
  `;
  const result = await runNodeSnippet(code, { cwd: join(__dirname, '..'), timeoutMs: 150_000 });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const report = lastJson<{ growthMB: number; message: string | null; stats: Record<string, number>; errors: number }>(
    result.stdout,
  );
  // Printed for the record: the measured growth on this machine.
  process.stdout.write(`memory.test: 40 × 10 MiB set aside, RSS growth ${report.growthMB.toFixed(1)} MB\n`);
  expect(report.message).toBe('after the big ones');
  expect(report.stats).toMatchObject({ received: 41, malformed: 40, setAside: 40 });
  expect(report.errors).toBe(40);
  expect(report.growthMB).toBeLessThan(200);
  // Nothing destroyed: every big message waits in the malformed queue, the queue itself is empty.
  expect(await raw.depth(queue)).toBe(0);
  expect(await raw.depth(`${queue}.malformed`)).toBe(40);
  const moved = await raw.channel.get(`${queue}.malformed`, { noAck: true });
  expect(moved && moved.content.length).toBe(10 * MiB);
  expect(moved && moved.properties.headers).toMatchObject({
    'x-logq-malformed-from': queue,
    'x-logq-malformed-reason': expect.stringMatching(/exceeds maxRecordBytes/),
  });
  await raw.remove(queue);
  await raw.remove(`${queue}.malformed`);
}, 240_000);

it('valid 10 MiB records (maxRecordBytes 11 MiB) wait at the broker, not in the subscriber: the window is sized in bytes', async () => {
  const queue = freshQueue('logq-memory-window');
  await fill(queue, 40, 10 * MiB);
  // Connected and not receiving for 3 s: with prefetch by count alone, all 400 MB would be pushed into it.
  const code = `
    import { MessageQueueSubscriber } from '@logq/amqp';
    const subscriber = new MessageQueueSubscriber(${JSON.stringify(service.url)}, { queue: ${JSON.stringify(queue)}, maxRecordBytes: 11 * 1048576 });
    const baseline = process.memoryUsage().rss;
    await subscriber.connect();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleMB = (process.resourceUsage().maxRSS * 1024 - baseline) / 1048576;
    let received = 0;
    while (received < 40 && (await subscriber.recv(60000))) received++;
    console.log(JSON.stringify({ idleMB, received, stats: { ...subscriber.stats } }));
    await subscriber.close();
  `;
  const result = await runNodeSnippet(code, { cwd: join(__dirname, '..'), timeoutMs: 150_000 });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const report = lastJson<{ idleMB: number; received: number; stats: Record<string, number> }>(result.stdout);
  process.stdout.write(`memory.test: 40 × 10 MiB waiting, RSS growth while idle ${report.idleMB.toFixed(1)} MB\n`);
  expect(report.received).toBe(40);
  expect(report.stats).toMatchObject({ received: 40, malformed: 0 });
  // Within the 32 MiB budget: 2, then 3 messages of 10 MiB ahead, plus reads in progress and
  // garbage not yet collected (50-115 MB measured); prefetch by count alone took 466 MB here.
  // The bound is issue 12's for this case: 200 MB.
  expect(report.idleMB).toBeLessThan(200);
  expect(await raw.depth(queue)).toBe(0);
  await raw.remove(queue);
  await raw.remove(`${queue}.malformed`);
}, 240_000);
