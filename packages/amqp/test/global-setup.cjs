// Starts one RabbitMQ node shared by every test file (unless LOGQ_AMQP_URL names
// one): a node takes ~6-15 s to start here. Fault tests start nodes of their own.
// @logq/services is TypeScript; ./support/register.cjs compiles it here (jest's
// transform and moduleNameMapper do not apply to global setup).
module.exports = async () => {
  if (process.env.LOGQ_AMQP_URL) return;
  require('./support/register.cjs');
  const { startRabbitMQ } = require('@logq/services');
  const server = await startRabbitMQ();
  globalThis.__LOGQ_AMQP_SERVER__ = server;
  process.env.LOGQ_AMQP_URL = server.url;
};
