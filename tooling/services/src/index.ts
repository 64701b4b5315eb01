export { ServiceNotInstalledError, cacheDir, INSTALL_COMMAND } from './binaries.js';
export { freePort, freePorts, waitForPort, canConnect } from './ports.js';
export { makeTempDir, removeTempDir } from './tempdir.js';
export type { BrokerServer, ServerOptions, ServiceKind } from './server.js';
export { startRedis, startRedisIn, redisServerPath, type RedisOptions, type RedisLaunch } from './redis.js';
export { startRabbitMQ, rabbitmqTools, type RabbitMQOptions, type RabbitMQServer } from './rabbitmq.js';
export { startFerretDB, ferretdbPath, FERRETDB_VERSION, type FerretDBOptions } from './ferretdb.js';
export { useRedis, useRabbitMQ, useFerretDB, type UsedService } from './use.js';
export { pythonPath, runPython, spawnPython, type PythonOptions, type PythonResult } from './python.js';
export * from './logbook-peers.js';
export { runNodeSnippet, type NodeSnippetOptions, type NodeSnippetResult } from './node-snippet.js';
export {
  startRedisCluster,
  redisCliPath,
  type RedisCluster,
  type RedisClusterOptions,
  type ClusterFailover,
  type ClusterFailoverMode,
  type ClusterFailoverOptions,
} from './redis-cluster.js';
export {
  startRedisSentinel,
  type RedisSentinelSetup,
  type RedisSentinelOptions,
  type SentinelFailoverOptions,
} from './redis-sentinel.js';
export { redisCall, redisText, infoFields, RespError, type RespValue } from './resp.js';
