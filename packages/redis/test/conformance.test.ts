import { describeTransportConformance } from '@logq/core/testing';
import { type UsedService, useRedis } from '@logq/services';
import type { Redis } from 'ioredis';
import { RedisQueueHandler, RedisSubscriber, kombuEnvelope } from '../src/index.js';
import { freshKey, rawClient } from './helpers.js';

let redis: UsedService;
let raw: Redis;
beforeAll(async () => {
  redis = await useRedis();
  raw = rawClient(redis.url);
}, 120_000);
afterAll(async () => {
  raw?.disconnect();
  await redis?.stop();
});

const quiet = () => undefined;

describeTransportConformance('redis list', {
  createPair: async () => {
    const key = freshKey('conf-list');
    return {
      handler: new RedisQueueHandler(redis.url, { key }),
      subscriber: new RedisSubscriber(redis.url, { key }),
      injectRaw: async (frame) => {
        await raw.rpush(key, Buffer.from(frame));
      },
      dispose: async () => {
        await raw.del(key);
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
        await raw.xadd(key, '*', 'record', Buffer.from(frame));
      },
      dispose: async () => {
        await raw.del(key);
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
        await raw.lpush(key, message);
      },
      dispose: async () => {
        await raw.del(key, `_kombu.binding.${key}`, `_kombu.binding_permanent.${key}`);
      },
    };
  },
});
