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

// The public surface, name by name (the same names as before the list was explicit).
/** The handler: records into a collection. */
export { MongoHandler } from './handler.js';
/** The subscriber: records out of a collection, work queue or broadcast. */
export { MongoSubscriber } from './subscriber.js';
/** Their options, one type per class, and the choices they share. */
export type {
  MongoCommonOptions,
  MongoFormat,
  MongoHandlerOptions,
  MongoMode,
  MongoSubscriberOptions,
} from './options.js';
/** The resolved target (`handler.target`), the capped collection's default size, and the URI's database as kombu reads it. */
export { DEFAULT_CAPPED_SIZE, uriDatabase, type MongoTarget } from './target.js';
/** The fields logq adds to a record document. */
export { BOOKKEEPING_FIELD, TIMESTAMP_FIELD } from './documents.js';
/** The errors it throws or reports. */
export { MongoConfigError, MongoTransportError } from './errors.js';

registerTransport(['mongodb', 'mongodb+srv'], {
  packageName: '@logq/mongo',
  createHandler: (uri, options) => new MongoHandler(uri, options as MongoHandlerOptions),
  createSubscriber: (uri, options) => new MongoSubscriber(uri, options as MongoSubscriberOptions),
});
