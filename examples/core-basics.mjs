// The @logq/core README example. Run after `pnpm build`: node examples/core-basics.mjs
import { Logger, NullHandler, Processor, StderrHandler, TestHandler, ThreadedWrapperHandler, kw } from '@logq/core';

const log = new Logger('app');

// Handlers are pushed onto a stack, as in Logbook: the newest takes a record first.
// (In TypeScript 5.2+: `using _ = handler.pushApplication();`)
const stderr = new StderrHandler({ level: 'INFO' }).pushApplication();
const host = new Processor((record) => (record.extra.host = 'web-1')).pushApplication();

log.info('{} users online', 42); // [2026-11-25 16:23:26.073111] INFO: app: 42 users online
log.warn('{user} failed to log in', kw({ user: 'alice' })); // keyword arguments, Python str.format style
try {
  JSON.parse('{');
} catch (error) {
  log.exception('could not parse the config', error); // exception_name, exception_message, formatted_exception
}

// A slow handler never delays the caller.
const slow = new ThreadedWrapperHandler(new StderrHandler(), 1000);
await slow.applicationBound(async () => log.notice('queued, written in the background'));
await slow.close();

// In tests: capture records and ask about them.
const captured = new TestHandler();
captured.contextBound(() => log.error('disk {} is full', '/dev/sda1'));
console.log('captured:', captured.hasError('disk /dev/sda1 is full')); // true

// A blackhole swallows everything below it.
const quiet = new NullHandler().pushApplication();
log.info('nobody sees this');

quiet[Symbol.dispose]();
host[Symbol.dispose]();
stderr[Symbol.dispose]();
