// A worker thread of esm.mjs: logs one record to its parent.
import { workerData } from 'node:worker_threads';
import { Logger } from '@logq/core';
import { MultiProcessingHandler } from '@logq/process';

const handler = new MultiProcessingHandler();
handler.pushApplication();
new Logger('child').info('hello from the {} child', workerData.label);
await handler.close();
