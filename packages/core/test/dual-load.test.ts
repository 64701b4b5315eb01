/**
 * One core per process (issue 14, point 5): an app that loads @logq/core
 * through both `import` (dist/esm) and `require` (dist/cjs) acts as one. Core
 * is built (as `pnpm build` does: tsc to ESM and to CJS) into a temporary
 * node_modules, and a real mixed app runs against it in a child node.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastJsonLine, runChild } from './child-node.js';

const coreDir = join(__dirname, '..');
let root = '';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'logq-dual-'));
  const pkg = join(root, 'node_modules/@logq/core');
  const tsc = createRequire(join(coreDir, 'package.json')).resolve('typescript/bin/tsc');
  const build = (out: string, extra: string[]) =>
    execFileSync(
      process.execPath,
      [
        tsc,
        '-p',
        'tsconfig.build.json',
        '--outDir',
        join(pkg, out),
        '--declaration',
        'false',
        '--declarationMap',
        'false',
        '--sourceMap',
        'false',
        ...extra,
      ],
      { cwd: coreDir, stdio: 'pipe' },
    );
  build('dist/esm', []);
  build('dist/cjs', [
    '--module',
    'commonjs',
    '--moduleResolution',
    'node10',
    '--verbatimModuleSyntax',
    'false',
    '--ignoreDeprecations',
    '5.0',
  ]);
  writeFileSync(join(pkg, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
  cpSync(join(coreDir, 'package.json'), join(pkg, 'package.json'));
  writeFileSync(join(root, 'package.json'), '{ "name": "mixed-app", "private": true, "type": "module" }\n');
}, 180_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

it('a mixed ESM/CJS app sees one core: stacks, kw, transports, shutdown, secrets', async () => {
  const app = `
    import { createRequire } from 'node:module';
    import { inspect } from 'node:util';
    import * as esmMain from '@logq/core';
    import * as esmTransport from '@logq/core/transport';
    const require = createRequire(import.meta.url);
    const esm = { ...esmMain, ...esmTransport };
    const cjs = { ...require('@logq/core'), ...require('@logq/core/transport') };
    const out = {};
    out.twoCopies = esm.Logger !== cjs.Logger;

    // A handler pushed from ESM sees records logged through a CJS Logger (and the other way round).
    const seen = new esm.TestHandler();
    const pushed = seen.pushApplication();
    new cjs.Logger('lib').warn('from cjs {}', 1);
    const cjsSeen = new cjs.TestHandler();
    const inner = cjsSeen.pushContext();
    new esm.Logger('app').warn('from esm');
    inner[Symbol.dispose]();
    out.esmHandlerGotCjsRecord = seen.records.map((r) => r.message);
    out.cjsHandlerGotEsmRecord = cjsSeen.records.map((r) => r.message);

    // kw() from one copy formats in the other.
    new esm.Logger('app').warn('{user} from cjs kw', cjs.kw({ user: 'alice' }));
    new cjs.Logger('lib').warn('{user} from esm kw', esm.kw({ user: 'bob' }));
    out.kw = seen.records.slice(-2).map((r) => r.message);
    out.kwInstanceof = esm.kw({}) instanceof cjs.kw({}).constructor; // KeywordArgs of the CJS copy
    pushed[Symbol.dispose]();

    // registerTransport in CJS is visible to createHandler in ESM.
    const sink = [];
    class Sink extends cjs.QueueHandler {
      async connect() {}
      async sendBatch(batch) { await new Promise((r) => setTimeout(r, 5).unref()); sink.push(...batch); }
      async disconnect() {}
    }
    cjs.registerTransport(['dualtest'], {
      packageName: 'dualtest',
      createHandler: () => new Sink({ lingerMs: 60_000, batchSize: 1000 }),
      createSubscriber: () => { throw new Error('none'); },
    });
    const handler = await esm.createHandler('dualtest://x');
    out.createdThroughCjsRegistry = handler instanceof cjs.QueueHandler;

    // shutdown() from ESM closes (and flushes) a handler made through CJS.
    handler.handle(new cjs.LogRecord({ channel: 'c', level: esm.Level.INFO, msg: 'buffered' }));
    out.openBefore = esm.openHandlers().includes(handler);
    out.shutdown = await esm.shutdown({ timeoutMs: 5000 });
    out.delivered = sink.length;

    // A Secret from one copy stays hidden in the other.
    out.secret = esm.redactSecrets(inspect({ password: new cjs.Secret('hunter2') }, { depth: 5 }));
    out.secretRevealedByCjs = new esm.Secret('s3').reveal() === 's3';
    out.secretInstanceof = new esm.Secret('x') instanceof cjs.Secret;
    console.log(JSON.stringify(out));
  `;
  writeFileSync(join(root, 'app.mjs'), app);
  const result = await runChild(`await import(${JSON.stringify(join(root, 'app.mjs'))});`, 30_000, []);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(lastJsonLine(result.stdout)).toEqual({
    twoCopies: true,
    esmHandlerGotCjsRecord: ['from cjs 1'],
    cjsHandlerGotEsmRecord: ['from esm'],
    kw: ['alice from cjs kw', 'bob from esm kw'],
    kwInstanceof: true,
    createdThroughCjsRegistry: true,
    openBefore: true,
    shutdown: { closed: 1, delivered: 1, dropped: 0 },
    delivered: 1,
    secret: expect.not.stringContaining('hunter2'),
    secretRevealedByCjs: true,
    secretInstanceof: true,
  });
}, 60_000);
