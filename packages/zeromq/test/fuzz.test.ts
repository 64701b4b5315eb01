// Issue 12 "Also measured": seeded garbage (garbageFrames from @logq/core/testing: random bytes,
// truncated JSON, wrong types, deep nesting, __proto__ keys, invalid UTF-8, empty and 10 MiB frames)
// sent as raw frames by a raw zeromq PUSH into the PULL subscriber: no crash, every frame counted,
// and the next valid record delivered.
import { decodeRecord } from '@logq/core/transport';
import { garbageFrames } from '@logq/core/testing';
import * as zmq from 'zeromq';
import { ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';

jest.setTimeout(300_000);

const SEED = 20_261_206;
const COUNT = 20_000;
const OPTIONS = { seed: SEED, count: COUNT, hugeEvery: 5_000 } as const; // 4 frames of 10 MiB
const VALID = JSON.stringify({ channel: 'fuzz', level: 13, msg: 'the valid record after the garbage' });

/** How many of the frames a subscriber must refuse, decided by decoding each one here. */
function expectedMalformed(): number {
  let malformed = 0;
  for (const { kind, data } of garbageFrames(OPTIONS)) {
    if (kind === 'huge') {
      malformed++; // over maxRecordBytes
      continue;
    }
    // A deeply nested extra in a well-formed record decodes (slowly); the subscriber's count of
    // records decoded from the garbage checks those.
    if (kind === 'deep-nesting') continue;
    try {
      decodeRecord(data);
    } catch {
      malformed++;
    }
  }
  return malformed;
}

test(`${COUNT} seeded garbage frames (seed ${SEED}) into a PULL subscriber: counted, skipped, then a valid record`, async () => {
  const malformed = expectedMalformed();
  const errors: unknown[] = [];
  const uri = await endpoint();
  const subscriber = new ZeroMQSubscriber(uri, { multi: true, onError: (error) => errors.push(error) });
  const push = new zmq.Push({ linger: 0 });
  try {
    await subscriber.open();
    push.connect(uri);
    const sending = (async () => {
      for (const { data } of garbageFrames(OPTIONS)) await push.send(data);
      await push.send(VALID);
    })();
    let garbageDecoded = 0;
    for (;;) {
      const record = await subscriber.recv(120_000);
      if (record === null)
        throw new Error(`the valid record never arrived (stats ${JSON.stringify(subscriber.stats)})`);
      if (record.message === 'the valid record after the garbage') break;
      garbageDecoded++;
    }
    await sending;
    expect(subscriber.stats.received).toBe(COUNT + 1);
    expect(subscriber.stats.malformed).toBe(malformed);
    expect(garbageDecoded + subscriber.stats.malformed).toBe(COUNT);
    expect(errors).toHaveLength(malformed);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Still receiving after the garbage.
    await push.send(VALID);
    expect((await subscriber.recv(20_000))?.message).toBe('the valid record after the garbage');
  } finally {
    push.close();
    await subscriber.close();
  }
});
