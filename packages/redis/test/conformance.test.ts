import { describeTransportConformance } from '@logq/core/testing';
import { RedisQueueHandler, RedisSubscriber, kombuEnvelope } from '../src/index.js';
import { freshKey, redisForThisFile } from './helpers.js';

const redis = redisForThisFile();

const quiet = () => undefined;

describeTransportConformance('redis list', {
  createPair: async () => {
    const key = freshKey('conf-list');
    return {
      handler: new RedisQueueHandler(redis.url, { key, format: 'logq' }),
      subscriber: new RedisSubscriber(redis.url, { key, format: 'logq' }),
      injectRaw: async (frame) => {
        await redis.raw.rPush(key, Buffer.from(frame));
      },
      dispose: async () => {
        await redis.raw.del([key, `${key}.malformed`]);
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
        await redis.raw.xAdd(key, '*', { record: Buffer.from(frame) });
      },
      dispose: async () => {
        await redis.raw.del([key, `${key}.malformed`]);
      },
    };
  },
});

describeTransportConformance('redis list, kombu format (the default)', {
  binaryFrames: true,
  createPair: async () => {
    const key = freshKey('conf-kombu');
    return {
      handler: new RedisQueueHandler(redis.url, { key, onError: quiet }),
      subscriber: new RedisSubscriber(redis.url, { key }),
      injectRaw: async (frame) => {
        // Garbage inside a well-formed kombu envelope, as a broken producer would send.
        const body = typeof frame === 'string' ? frame : Buffer.from(frame).toString('latin1');
        const message =
          typeof frame === 'string'
            ? kombuEnvelope(body, key, key, 'base64')
            : JSON.stringify({
                body: Buffer.from(frame).toString('base64'),
                'content-type': 'application/json',
                properties: { body_encoding: 'base64', delivery_tag: 'x' },
              });
        await redis.raw.lPush(key, message);
      },
      dispose: async () => {
        await redis.raw.del([key, `${key}.malformed`, `_kombu.binding.${key}`, `_kombu.binding_permanent.${key}`]);
      },
    };
  },
});
