/**
 * `logq-transport-file`: logq records appended to a JSON-lines file and read back by following it.
 * Importing this package registers the `file:` scheme, so that `createHandler('file:///…')` and
 * `createSubscriber('file:///…')` of `@logq/core` make a {@link FileHandler} and a {@link FileSubscriber}.
 * @packageDocumentation
 */
import { registerTransport } from '@logq/core/transport';
import { FileHandler } from './handler.js';
import type { FileHandlerOptions, FileSubscriberOptions } from './options.js';
import { FileSubscriber } from './subscriber.js';

export { FileHandler } from './handler.js';
export type { FileHandlerOptions, FileSubscriberOptions } from './options.js';
export { FileSubscriber, FileTruncatedError } from './subscriber.js';

registerTransport<FileHandlerOptions, FileSubscriberOptions>(['file'], {
  packageName: 'logq-transport-file',
  createHandler: (uri, options) => new FileHandler(uri, options),
  createSubscriber: (uri, options) => new FileSubscriber(uri, options),
});
