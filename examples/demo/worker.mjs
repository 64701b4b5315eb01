// One worker of the demo: does a few simulated jobs and logs at every level.
// The same code runs in a forked process and in a worker thread: the handler
// finds its channel to the parent by itself.
import { isMainThread, workerData } from 'node:worker_threads';
import { Logger, kw } from '@logq/core';
import { MultiProcessingHandler } from '@logq/process';

const { name, jobs, crashAt, seed } = isMainThread ? JSON.parse(process.argv[2]) : workerData;

const handler = new MultiProcessingHandler();
handler.pushApplication();
const log = new Logger(`demo.${name}`);

// A small seeded generator, so that every run does the same work.
let state = seed;
const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

log.notice('{} started ({}, pid {})', name, isMainThread ? 'process' : 'worker thread', process.pid);
for (let job = 1; job <= jobs; job++) {
  const ms = Math.round(40 + random() * 160);
  log.trace('job {} picked up', job);
  log.debug('job {} input', job, kw({}, { extra: { job, size: Math.round(random() * 1000) } }));
  await sleep(ms);
  if (job === crashAt) {
    log.critical('job {} hit corrupt state; {} gives up', job, name);
    await handler.flush(); // hand what was logged to the parent before dying
    throw new Error(`simulated crash in ${name} at job ${job}`);
  }
  if (ms > 150) log.warn('job {} was slow: {} ms', job, ms);
  if (job === 3) {
    try {
      JSON.parse(`{"job": ${job}, "broken`);
    } catch (error) {
      log.exception('job {} could not read its input', error, job);
    }
  }
  log.info('job {} done in {} ms', job, ms);
}
log.notice('{} finished {} jobs', name, jobs);
// Everything logged is in the parent's queue once close() resolves; then the worker ends by itself.
await handler.close();
