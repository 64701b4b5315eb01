import { describeTransportConformance } from '@logq/core/testing';
import { RedisQueueHandler, RedisSubscriber, kombuEnvelope } from '../src/index.js';
import { freshKey, redisForThisFile } from './helpers.js';

const redis = redisForThisFile();

const quiet = () => undefined;

describeTransportConformance('redis list', {
  createPair: async () => {
    const key = freshKey('conf-list');
    return {
      handler: new RedisQueueHandler(redis.url, { key }),
      subscriber: new RedisSubscriber(redis.url, { key }),
      injectRaw: async (frame) => {
        await redis.raw.rpush(key, Buffer.from(frame));
      },
      dispose: async () => {
        await redis.raw.del(key);
      },
    };
  },
});

describeTransportConformance('redis stream', {
  createPair: async () => {
    const key = freshKey('conf-stream');
    return {
      handler: new RedisQueueHandler(redis.url, { key, mode: 'stream' }),
      subscriber: new RedisSubscriber(redis.url, { key, mode: 'stream', onError: undefined }),
      injectRaw: async (frame) => {
        await redis.raw.xadd(key, '*', 'record', Buffer.from(frame));
      },
      dispose: async () => {
        await redis.raw.del(key);
      },
    };
  },
});

describeTransportConformance('redis list, kombu format', {
  binaryFrames: true,
  createPair: async () => {
    const key = freshKey('conf-kombu');
    return {
      handler: new RedisQueueHandler(redis.url, { key, format: 'kombu', onError: quiet }),
      subscriber: new RedisSubscriber(redis.url, { key, format: 'kombu' }),
      injectRaw: async (frame) => {
        // Garbage inside a well-formed kombu envelope, as a broken producer would send.
        const body = typeof frame === 'string' ? frame : Buffer.from(frame).toString('latin1');
        const message = typeof frame === 'string' ? kombuEnvelope(body, key, key, 'base64') : JSON.stringify({ body: Buffer.from(frame).toString('base64'), 'content-type': 'application/json', properties: { body_encoding: 'base64', delivery_tag: 'x' } });
        await redis.raw.lpush(key, message);
      },
      dispose: async () => {
        await redis.raw.del(key, `_kombu.binding.${key}`, `_kombu.binding_permanent.${key}`);
      },
    };
  },
});
