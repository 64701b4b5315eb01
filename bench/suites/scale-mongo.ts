// MongoDB (FerretDB) work queue for the scale suite: MongoHandler → MongoSubscriber (queue mode, format
// 'logq'), beside the raw driver's insertMany of the same documents in batches of 512 (MongoHandler's batch)
// into a collection with the same indexes, and the raw claim-based competing consumer.
import { MongoHandler, MongoSubscriber } from '@logq/mongo';
import { MongoClient, ObjectId } from 'mongodb';
import { INDEXES, claimRound } from './mongo-raw.js';
import { bufferFor, logqConsumer, logqProducer } from './scale-logq.js';
import { recordDict } from './scale-records.js';
import type { Transport } from './scale-types.js';

const BATCH = 512;
const PREFETCH = 1000;

export const mongoTransport: Transport = {
  async producer(spec) {
    if (spec.impl === 'logq') {
      const handler = new MongoHandler(spec.url, {
        collection: spec.key,
        mode: 'queue',
        format: 'logq',
        maxBuffer: bufferFor(spec),
      });
      return logqProducer(handler, spec);
    }
    const client = new MongoClient(spec.url);
    await client.connect();
    const target = client.db().collection(spec.key);
    const pad = 'x'.repeat(spec.pad);
    const doc = (k: number) => ({ _id: new ObjectId(), ...recordDict(k, pad), timestamp: new Date() });
    await target.insertOne(doc(-1));
    return {
      async send(n) {
        for (let i = 0; i < n; i += BATCH) {
          const docs = [];
          for (let k = i; k < Math.min(n, i + BATCH); k++) docs.push(doc(k));
          await target.insertMany(docs, { ordered: true });
        }
      },
      close: () => client.close(),
    };
  },
  async consumer(spec) {
    if (spec.impl === 'logq') {
      const subscriber = new MongoSubscriber(spec.url, { collection: spec.key, mode: 'queue', format: 'logq' });
      // recv(0) connects and creates the indexes (and may take a producer's first record).
      return logqConsumer(subscriber, (await subscriber.recv(0)) ? 1 : 0);
    }
    const client = new MongoClient(spec.url);
    await client.connect();
    const records = client.db().collection(spec.key);
    await records.createIndexes(INDEXES);
    const claims = client.db().collection(`${spec.key}.claims`);
    let pause = 5;
    return {
      async take(timeoutMs) {
        const taken = await claimRound(records, claims, PREFETCH);
        if (taken === 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(pause, timeoutMs)));
          pause = Math.min(200, pause * 2);
        } else pause = 5;
        return taken;
      },
      close: () => client.close(),
    };
  },
  async cleanup(url, key) {
    const client = new MongoClient(url);
    await client.connect();
    for (const name of [key, `${key}.claims`]) {
      await client
        .db()
        .collection(name)
        .drop()
        .catch(() => undefined);
    }
    await client.close();
  },
};
