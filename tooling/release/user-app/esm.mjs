// Loads every published entry point through `import` and exercises it.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import * as core from '@logq/core';
import * as testing from '@logq/core/testing';
import * as transport from '@logq/core/transport';
import * as zeromq from '@logq/zeromq';
import * as amqp from '@logq/amqp';
import * as redis from '@logq/redis';
import * as mongo from '@logq/mongo';
import * as proc from '@logq/process';
import exercised from './exercise.cjs';

await exercised.exercise(
  { core, testing, transport, zeromq, amqp, redis, mongo, process: proc },
  {
    label: 'esm',
    startChild: async (subscriber) => {
      const worker = subscriber.queue.attach(
        new Worker(new URL('./process-child.mjs', import.meta.url), { workerData: { label: 'esm' } }),
      );
      const [code] = await once(worker, 'exit');
      if (code !== 0) throw new Error(`the worker thread exited with ${code}`);
    },
  },
);
