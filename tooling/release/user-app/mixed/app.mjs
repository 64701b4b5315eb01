// An ESM app that `import`s @logq/core and uses a CommonJS library that
// `require`s it: Node loads both builds of core, and they must act as one
// (issue 14, point 5). Each check prints one line; exits 1 if any failed.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Logger, TestHandler, createHandler, shutdown } from '@logq/core';
import { openHandlers } from '@logq/core/transport';

const require = createRequire(import.meta.url);
const lib = require('./lib.cjs');
let failed = 0;

async function check(what, fn) {
  try {
    await fn();
    console.log(`ok mixed ESM/CJS: ${what}`);
  } catch (error) {
    failed++;
    console.error(
      `FAIL mixed ESM/CJS: ${what}\n  ${String(error?.message ?? error)
        .split('\n')
        .join('\n  ')}`,
    );
  }
}

await check('a handler pushed from ESM sees a record logged through the CJS Logger', () => {
  const handler = new TestHandler();
  const pushed = handler.pushApplication();
  try {
    lib.work('its job');
  } finally {
    pushed[Symbol.dispose]();
  }
  assert.equal(handler.records.length, 1, `the ESM handler got ${handler.records.length} records`);
  assert.equal(handler.records[0].message, 'the library did its job');
});

await check('kw() from the CJS copy formats in an ESM Logger', () => {
  const handler = new TestHandler();
  const pushed = handler.pushApplication();
  try {
    new Logger('app').info('{who} says hi', lib.kw({ who: 'cjs' }));
  } finally {
    pushed[Symbol.dispose]();
  }
  assert.equal(handler.records[0]?.message, 'cjs says hi');
});

await check('registerTransport() in the CJS copy is seen by createHandler() in ESM', async () => {
  lib.registerScheme('mixedtest');
  const handler = await createHandler('mixedtest://anywhere');
  await handler.close();
});

await check('shutdown() from ESM flushes and closes a handler made through CJS', async () => {
  const { handler, delivered } = lib.openHandler();
  assert.ok(openHandlers().includes(handler), 'ESM openHandlers() does not list the handler made through CJS');
  await shutdown({ timeoutMs: 5000 });
  assert.equal(delivered(), 1, `${delivered()} of 1 records delivered`);
  assert.ok(!lib.openHandlers().includes(handler), 'the handler is still open after shutdown()');
});

process.exitCode = failed === 0 ? 0 : 1;
