import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { describeTransportConformance } from '@logq/core/testing';
import { MultiProcessingHandler, MultiProcessingSubscriber, type RecordsMessage } from '../src/index.js';
import { fixtures } from './helpers.js';

// In one process, over a MessageChannel (structured clone, as between worker threads).
describeTransportConformance('process (MessageChannel)', {
  // injectRaw posts on a second MessageChannel, whose order against the handler's port is not defined.
  injectOrdered: false,
  createPair: async () => {
    const { port1, port2 } = new MessageChannel();
    const subscriber = new MultiProcessingSubscriber();
    subscriber.queue.attach(port1);
    const handler = new MultiProcessingHandler(null, { channel: port2 });
    // A second port into the same queue, for frames that bypass the handler.
    const raw = new MessageChannel();
    subscriber.queue.attach(raw.port1);
    return {
      handler,
      subscriber,
      injectRaw: async (frame) => {
        const message: RecordsMessage = {
          logq: 'records',
          queue: subscriber.queue.id,
          handler: 'raw',
          frames: [frame as string],
        };
        raw.port2.postMessage(message);
      },
      dispose: async () => {
        port1.close();
        raw.port1.close();
      },
    };
  },
});

// Through a real pipe: the handler posts to a forked child that echoes every message back,
// and the subscriber's queue is attached to that child.
describeTransportConformance('process (fork, JSON over a pipe)', {
  createPair: async () => {
    const echo: ChildProcess = fork(join(fixtures, 'echo.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const subscriber = new MultiProcessingSubscriber();
    subscriber.queue.attach(echo);
    const handler = new MultiProcessingHandler(subscriber.queue, { channel: echo });
    return {
      handler,
      subscriber,
      injectRaw: async (frame) => {
        const message: RecordsMessage = {
          logq: 'records',
          queue: subscriber.queue.id,
          handler: 'raw',
          frames: [frame as string],
        };
        await new Promise<void>((resolve, reject) =>
          echo.send(message, (error) => (error ? reject(error) : resolve())),
        );
      },
      dispose: async () => {
        const exited = new Promise((resolve) => echo.once('exit', resolve));
        echo.kill();
        await exited;
      },
    };
  },
});
