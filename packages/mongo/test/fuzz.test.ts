/**
 * Seeded fuzz: garbage frames (core's garbageFrames: random bytes, truncated
 * JSON, wrong types, deep nesting, __proto__ keys, invalid UTF-8, empty, one of
 * 10 MiB) stored where the subscriber reads, followed by one valid record. No
 * crash, every frame counted (and moved aside in queue mode), the valid record
 * delivered. A failing run replays from its seed.
 */
import { decodeRecord } from '@logq/core/transport';
import { garbageFrames, numberedRecord } from '@logq/core/testing';
import { Binary, type Document } from 'mongodb';
import { MongoHandler, type MongoHandlerOptions, MongoSubscriber, type MongoSubscriberOptions } from '../src/index.js';
import { kombuDocument } from '../src/documents.js';
import { freshName, serverForThisFile } from './helpers.js';

const server = serverForThisFile();

interface FuzzCase {
  readonly name: string;
  readonly seed: number;
  readonly count: number;
  readonly options: MongoSubscriberOptions & MongoHandlerOptions;
  /** The collection the subscriber reads. */
  readonly collection: string;
  /** The document a garbage frame becomes. */
  readonly documentFor: (frame: Buffer, index: number) => Document;
  /** Whether rejected documents are moved to `<collection>.malformed`. */
  readonly movesAside: boolean;
  /** Whether the frame at `index` reaches the record decoder as it is (else it is never a record). */
  readonly decodesFrame: (index: number) => boolean;
}

/**
 * How many of the frames the subscriber must refuse, decided by decoding each
 * here; a deeply nested `extra` in a well-formed record may decode, and is
 * checked through the records decoded from the garbage instead.
 */
function expectedMalformed(
  seed: number,
  count: number,
  decodesFrame: (index: number) => boolean,
): { malformed: number; undecided: number } {
  let malformed = 0;
  let undecided = 0;
  let index = 0;
  for (const { kind, data } of garbageFrames({ seed, count, hugeEvery: count })) {
    const i = index++;
    if (kind === 'huge' || !decodesFrame(i)) malformed++;
    else if (kind === 'deep-nesting') undecided++;
    else {
      try {
        decodeRecord(data);
      } catch {
        malformed++;
      }
    }
  }
  return { malformed, undecided };
}

const cases: FuzzCase[] = [
  {
    name: 'defaults (kombu messages): garbage as the raw payload and as the body of a valid envelope',
    seed: 20261206,
    count: 5000,
    options: {},
    collection: 'messages',
    documentFor: (frame, index) =>
      index % 2 === 0
        ? { payload: new Binary(frame), queue: 'logging', priority: 9 }
        : kombuDocument(frame, 'logging', 0),
    movesAside: true,
    // A raw payload is never a kombu envelope of a record.
    decodesFrame: (index) => index % 2 === 1,
  },
  {
    name: "format: 'logq' work queue: garbage as the stored frame",
    seed: 7,
    count: 1000,
    options: { format: 'logq' },
    collection: 'logging',
    documentFor: (frame) => ({ _logq: { frame: new Binary(frame) } }),
    movesAside: true,
    decodesFrame: () => true,
  },
  {
    name: 'broadcast: garbage as the stored frame',
    seed: 11,
    count: 1000,
    options: { mode: 'broadcast', startAt: 'oldest' },
    collection: 'logging',
    documentFor: (frame) => ({ _logq: { frame: new Binary(frame) } }),
    movesAside: false,
    decodesFrame: () => true,
  },
];

describe.each(cases)(
  'seeded fuzz',
  ({ name, seed, count, options, collection, documentFor, movesAside, decodesFrame }) => {
    it(`${name}: ${count} frames (seed ${seed}) counted, the next valid record delivered`, async () => {
      const database = freshName('fuzz');
      const uri = server.urlFor(database);
      const db = server.client.db(database);
      if (options.mode === 'broadcast')
        await db.createCollection(collection, { capped: true, size: 256 * 1024 * 1024 });
      let chunk: Document[] = [];
      let index = 0;
      for (const frame of garbageFrames({ seed, count, hugeEvery: count })) {
        chunk.push(documentFor(frame.data, index++));
        if (chunk.length === 200 || frame.kind === 'huge') {
          await db.collection(collection).insertMany(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) await db.collection(collection).insertMany(chunk);
      const handler = new MongoHandler(uri, options);
      handler.handle(numberedRecord(count));
      await handler.close();

      const { malformed, undecided } = expectedMalformed(seed, count, decodesFrame);
      // Some garbage is well-formed records (e.g. with __proto__ keys): most of it is not.
      expect(malformed).toBeGreaterThan(count * 0.6);
      let errors = 0;
      let garbageDecoded = 0;
      const subscriber = new MongoSubscriber(uri, { ...options, onError: () => void errors++ });
      try {
        for (;;) {
          const record = await subscriber.recv(600_000);
          if (record === null)
            throw new Error(`the valid record never arrived (stats ${JSON.stringify(subscriber.stats)})`);
          if (record.extra.seq === count && record.channel === numberedRecord(count).channel) break;
          garbageDecoded++;
        }
        expect(subscriber.stats.received).toBe(count + 1);
        expect(garbageDecoded + subscriber.stats.malformed).toBe(count);
        expect(subscriber.stats.malformed).toBeGreaterThanOrEqual(malformed);
        expect(subscriber.stats.malformed).toBeLessThanOrEqual(malformed + undecided);
        expect(errors).toBe(subscriber.stats.malformed);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      } finally {
        await subscriber.close();
      }
      if (movesAside) {
        expect(await db.collection(`${collection}.malformed`).countDocuments()).toBe(subscriber.stats.malformed);
        expect(await db.collection(collection).countDocuments()).toBe(0);
      }
      await db.dropDatabase();
    }, 900_000);
  },
);
