/**
 * Seeded fuzz (issue 12, "keep it so"): 5,000 garbage frames from core's
 * garbageFrames (random bytes, truncated JSON, wrong types, deep nesting,
 * `__proto__` keys, invalid UTF-8, empty bodies, and 5 frames of 10 MiB)
 * published raw into the queue, then one valid record. The subscriber does
 * not crash, counts every frame, moves each to `<queue>.malformed`, and
 * delivers the valid record. 10 MiB is under RabbitMQ's max_message_size
 * (128 MiB on 3.x, 16 MiB from 4.0): a broker with a lower limit needs a
 * smaller `hugeBytes`.
 */
import { DEFAULT_MAX_RECORD_BYTES, decodeRecord } from '@logq/core/transport';
import { garbageFrames } from '@logq/core/testing';
import type { UsedService } from '@logq/services';
import { MessageQueueSubscriber } from '../src/index.js';
import { RawClient, broker, errorSink, freshQueue } from './helpers.js';

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

const SEED = 20261206;
const COUNT = 5000;

it(`${COUNT} seeded garbage frames (seed ${SEED}): no crash, all counted and set aside, the next valid record delivered`, async () => {
  const queue = freshQueue('logq-fuzz');
  const sink = errorSink();
  const subscriber = new MessageQueueSubscriber(service.url, { queue, onError: sink.hook });
  await subscriber.connect(); // declares the queue and <queue>.malformed
  const kinds = new Map<string, number>();
  // The oracle: what core's decoder makes of each frame on its own (some garbage is a record once
  // sanitized: a `__proto__` key dropped, a bad `time` ignored); the rest must be set aside.
  let decodable = 0;
  let n = 0;
  for (const frame of garbageFrames({ seed: SEED, count: COUNT, hugeBytes: 10 * 1024 * 1024, hugeEvery: 1000 })) {
    kinds.set(frame.kind, (kinds.get(frame.kind) ?? 0) + 1);
    try {
      decodeRecord(frame.data, { maxRecordBytes: DEFAULT_MAX_RECORD_BYTES });
      decodable++;
    } catch {
      // malformed: the subscriber must set it aside
    }
    raw.channel.publish(queue, queue, frame.data, {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      persistent: true,
    });
    if (++n % 250 === 0) await raw.channel.waitForConfirms();
  }
  await raw.channel.waitForConfirms();
  expect(kinds.get('huge')).toBe(5);
  await raw.publish(
    queue,
    JSON.stringify({ channel: 'fuzz', level: 11, msg: 'valid after garbage', message: 'valid after garbage' }),
  );

  try {
    const accepted: string[] = [];
    for (;;) {
      const record = await subscriber.recv(120_000);
      expect(record).not.toBeNull();
      if (record!.message === 'valid after garbage') break;
      accepted.push(record!.channel);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const { received, malformed, setAside } = subscriber.stats;
    expect(received).toBe(COUNT + 1);
    expect(accepted).toHaveLength(decodable);
    expect(malformed).toBe(COUNT - decodable);
    expect(setAside).toBe(malformed);
    expect(sink.errors).toHaveLength(malformed);
    expect(await raw.depth(queue)).toBe(0);
    await subscriber.close();
    // Nothing destroyed: every rejected frame waits in the malformed queue.
    expect(await raw.depth(`${queue}.malformed`)).toBe(malformed);
  } finally {
    await subscriber.close();
    await raw.remove(queue);
    await raw.remove(`${queue}.malformed`);
  }
}, 300_000);
