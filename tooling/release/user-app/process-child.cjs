'use strict';
// A child process of cjs.cjs (child_process.fork): logs one record to its parent.
const { Logger } = require('@logq/core');
const { MultiProcessingHandler } = require('@logq/process');

const handler = new MultiProcessingHandler();
handler.pushApplication();
new Logger('child').info('hello from the {} child', process.argv[2]);
handler.close().then(
  () => process.disconnect?.(),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
