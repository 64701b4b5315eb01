'use strict';
// A CommonJS library inside an ESM app: it `require`s @logq/core (the CJS
// build) while the app `import`s it (the ESM build).
const core = require('@logq/core');
const transport = require('@logq/core/transport');
const { MemoryBroker, MemoryQueueHandler } = require('@logq/core/testing');

const log = new core.Logger('cjs-lib');

/** Logs one record through the CJS copy's Logger. */
exports.work = (what) => log.info('the library did {}', what);

/** The CJS copy's `kw`. */
exports.kw = core.kw;

/** Registers a third-party scheme with the CJS copy's registry. */
exports.registerScheme = (scheme) => {
  const broker = new MemoryBroker();
  transport.registerTransport([scheme], {
    packageName: 'logq-transport-mixed',
    createHandler: () => new MemoryQueueHandler(broker),
    createSubscriber: () => {
      throw new Error('not needed');
    },
  });
};

/**
 * A transport handler made through the CJS copy that has taken one record and
 * that the library never closes: the app's shutdown() must flush and close it.
 */
exports.openHandler = () => {
  const broker = new MemoryBroker();
  const handler = new MemoryQueueHandler(broker);
  const pushed = handler.pushApplication();
  log.info('buffered in a handler the library never closes');
  pushed[Symbol.dispose]();
  return { handler, delivered: () => broker.queue('logging').length };
};

/** The CJS copy's list of open handlers. */
exports.openHandlers = transport.openHandlers;
