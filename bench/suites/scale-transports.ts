// The scale suite's transports by name, each loaded only when needed (a child process loads one).
import type { Transport, TransportName } from './scale-types.js';

export const loadTransport: Record<TransportName, () => Promise<Transport>> = {
  zeromq: async () => (await import('./scale-zeromq.js')).zeromqTransport,
  'redis-list': async () => (await import('./scale-redis.js')).redisListTransport,
  'redis-stream': async () => (await import('./scale-redis.js')).redisStreamTransport,
  amqp: async () => (await import('./scale-amqp.js')).amqpTransport,
  process: async () => (await import('./scale-process.js')).processTransport,
  mongo: async () => (await import('./scale-mongo.js')).mongoTransport,
};
