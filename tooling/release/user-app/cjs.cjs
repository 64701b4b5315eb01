'use strict';
// Loads every published entry point through `require` and exercises it.
const { fork } = require('node:child_process');
const { once } = require('node:events');
const { join } = require('node:path');
const { exercise } = require('./exercise.cjs');

exercise(
  {
    core: require('@logq/core'),
    testing: require('@logq/core/testing'),
    transport: require('@logq/core/transport'),
    zeromq: require('@logq/zeromq'),
    amqp: require('@logq/amqp'),
    redis: require('@logq/redis'),
    mongo: require('@logq/mongo'),
    process: require('@logq/process'),
  },
  {
    label: 'cjs',
    startChild: async (subscriber) => {
      const child = subscriber.queue.attach(fork(join(__dirname, 'process-child.cjs'), ['cjs']));
      const [code] = await once(child, 'exit');
      if (code !== 0) throw new Error(`the forked child exited with ${code}`);
    },
  },
).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
