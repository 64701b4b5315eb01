// Starts one RabbitMQ node shared by every test file (unless LOGQ_AMQP_URL names
// one): a node takes ~6-15 s to start here. Fault tests start nodes of their own.
// @logq/services is TypeScript with `.js` import specifiers; jest's transform
// compiles it here, and this hook maps those specifiers to the `.ts` files
// (jest's moduleNameMapper does not apply to global setup).
const Module = require('node:module');

function withTsResolution(load) {
  const original = Module._resolveFilename;
  Module._resolveFilename = function resolve(request, parent, ...rest) {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (error) {
      if (!request.startsWith('.') || !request.endsWith('.js')) throw error;
      return original.call(this, `${request.slice(0, -3)}.ts`, parent, ...rest);
    }
  };
  try {
    return load();
  } finally {
    Module._resolveFilename = original;
  }
}

module.exports = async () => {
  if (process.env.LOGQ_AMQP_URL) return;
  const { startRabbitMQ } = withTsResolution(() => require('@logq/services'));
  const server = await startRabbitMQ();
  globalThis.__LOGQ_AMQP_SERVER__ = server;
  process.env.LOGQ_AMQP_URL = server.url;
};
