/**
 * `@logq/mongo`: `MongoHandler` and `MongoSubscriber` on MongoDB (or a
 * MongoDB-compatible server such as FerretDB) through the official `mongodb`
 * driver: a work queue with claim-and-acknowledge, or a broadcast on a capped
 * collection, with records stored as queryable documents; and kombu's MongoDB
 * transport format for Python Logbook's `MessageQueueHandler('mongodb://...')`.
 * Importing it registers the `mongodb://` and `mongodb+srv://` schemes with
 * `@logq/core`'s `createHandler` / `createSubscriber`.
 * @packageDocumentation
 */
import { registerTransport } from '@logq/core/transport';
import { MongoHandler } from './handler.js';
import type { MongoHandlerOptions, MongoSubscriberOptions } from './options.js';
import { MongoSubscriber } from './subscriber.js';

export { DEFAULT_CAPPED_SIZE, uriDatabase, type MongoTarget } from './connection.js';
export { BOOKKEEPING_FIELD, TIMESTAMP_FIELD } from './documents.js';
export * from './errors.js';
export * from './handler.js';
export * from './options.js';
export * from './subscriber.js';

registerTransport(['mongodb', 'mongodb+srv'], {
  packageName: '@logq/mongo',
  createHandler: (uri, options) => new MongoHandler(uri, options as MongoHandlerOptions),
  createSubscriber: (uri, options) => new MongoSubscriber(uri, options as MongoSubscriberOptions),
});
