import { describeTransportConformance } from '@logq/core/testing';
import { MongoHandler, MongoSubscriber } from '../src/index.js';
import { freshName, insertFrame, insertKombuFrame, serverForThisFile } from './helpers.js';

const server = serverForThisFile();

const quiet = (): void => {};

describeTransportConformance('mongo defaults (kombu messages, queue logging)', {
  createPair: async () => {
    const database = freshName('conformance');
    const uri = server.urlFor(database);
    const handler = new MongoHandler(uri, { onError: quiet });
    const subscriber = new MongoSubscriber(uri, { pollIntervalMs: 100 });
    return {
      handler,
      subscriber,
      injectRaw: (frame) => insertKombuFrame(server.client, database, frame),
      dispose: () =>
        server.client
          .db(database)
          .dropDatabase()
          .then(
            () => undefined,
            () => undefined,
          ),
    };
  },
});

describeTransportConformance('mongo work queue of record documents', {
  createPair: async () => {
    const database = 'conformance';
    const collection = freshName('queue');
    const uri = server.urlFor(database);
    const handler = new MongoHandler(uri, { collection, format: 'logq', onError: quiet });
    const subscriber = new MongoSubscriber(uri, { collection, format: 'logq', pollIntervalMs: 100 });
    return {
      handler,
      subscriber,
      injectRaw: (frame) => insertFrame(server.client, database, collection, frame),
      dispose: () =>
        server.client
          .db(database)
          .collection(collection)
          .drop()
          .then(
            () => undefined,
            () => undefined,
          ),
    };
  },
});

describeTransportConformance('mongo broadcast', {
  createPair: async () => {
    const database = 'conformance';
    const collection = freshName('broadcast');
    const uri = server.urlFor(database);
    // The capped collection exists before anything is inserted (injectRaw may come first).
    await server.client.db(database).createCollection(collection, { capped: true, size: 64 * 1024 * 1024 });
    const handler = new MongoHandler(uri, { collection, mode: 'broadcast', onError: quiet });
    const subscriber = new MongoSubscriber(uri, { collection, mode: 'broadcast', pollIntervalMs: 100 });
    return {
      handler,
      subscriber,
      injectRaw: (frame) => insertFrame(server.client, database, collection, frame),
      dispose: () =>
        server.client
          .db(database)
          .collection(collection)
          .drop()
          .then(
            () => undefined,
            () => undefined,
          ),
    };
  },
});
