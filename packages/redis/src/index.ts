/**
 * `@logq/redis`: Logbook's RedisHandler (slim items for Logstash) and a
 * full-record queue on Redis lists or streams, for logq, on node-redis.
 * @packageDocumentation
 */
import { registerTransport } from '@logq/core/transport';
import { RedisQueueHandler } from './handler.js';
import type { RedisQueueHandlerOptions, RedisSubscriberOptions } from './options.js';
import { RedisSubscriber } from './subscriber.js';

export { RedisOptionsError, RedisTransportError } from './errors.js';
export { RedisQueueHandler } from './handler.js';
export { KOMBU_SEP, kombuBindingKey, kombuBindingMember, kombuEnvelope, unwrapKombu } from './kombu-binding.js';
export { RedisHandler, pythonIsoformat } from './logstash-handler.js';
export { DEFAULT_QUEUE, DEFAULT_REDIS_URI } from './options.js';
export type {
  NodeRedisClient,
  NodeRedisCluster,
  NodeRedisCommandOptions,
  NodeRedisSentinel,
  RedisConnectionOptions,
  RedisHandlerOptions,
  RedisQueueFormat,
  RedisQueueHandlerOptions,
  RedisQueueMode,
  RedisSubscriberOptions,
} from './options.js';
export { pythonJsonDumps } from './python-json.js';
export { STREAM_FIELD } from './stream-reply.js';
export { RedisSubscriber } from './subscriber.js';
export { SENTINEL_SCHEME, parseSentinelUri, type SentinelUri } from './topology.js';

// `createHandler(uri, { queue })` / `createSubscriber(uri, { queue })` (what Logbook's
// MessageQueueHandler/MessageQueueSubscriber pass): kombu's format on the list `queue`.
// `redis+sentinel://host:port,.../master` (`rediss+sentinel`: TLS to the master): the master the sentinels name.
registerTransport(['redis', 'rediss', 'redis+sentinel', 'rediss+sentinel'], {
  packageName: '@logq/redis',
  createHandler: (uri, options) => new RedisQueueHandler(uri, options as RedisQueueHandlerOptions),
  createSubscriber: (uri, options) => new RedisSubscriber(uri, options as RedisSubscriberOptions),
});
