export { ServiceNotInstalledError, cacheDir, INSTALL_COMMAND } from './binaries.js';
export { freePort, freePorts, waitForPort, canConnect } from './ports.js';
export { makeTempDir, removeTempDir } from './tempdir.js';
export type { BrokerServer, ServerOptions, ServiceKind } from './server.js';
export { startRedis, redisServerPath, type RedisOptions } from './redis.js';
export { startRabbitMQ, rabbitmqTools, type RabbitMQOptions, type RabbitMQServer } from './rabbitmq.js';
export { startFerretDB, ferretdbPath, FERRETDB_VERSION, type FerretDBOptions } from './ferretdb.js';
export { useRedis, useRabbitMQ, useFerretDB, type UsedService } from './use.js';
export { pythonPath, runPython, spawnPython, type PythonOptions, type PythonResult } from './python.js';
