module.exports = async () => {
  const server = globalThis.__LOGQ_AMQP_SERVER__;
  if (server) await server.dispose();
};
