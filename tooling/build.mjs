#!/usr/bin/env node
// Builds the package in the current folder twice with tsc: ESM into dist/esm and
// CJS into dist/cjs (with a package.json that marks the folder as CommonJS, so
// Node and TypeScript read dist/cjs/*.js and *.d.ts as CommonJS).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const cwd = process.cwd();
rmSync(join(cwd, 'dist'), { recursive: true, force: true });
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { stdio: 'inherit', cwd });
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/esm']);
run([
  '-p',
  'tsconfig.build.json',
  '--outDir',
  'dist/cjs',
  '--module',
  'commonjs',
  '--moduleResolution',
  'node10',
  '--verbatimModuleSyntax',
  'false',
  '--ignoreDeprecations',
  '5.0',
]);
mkdirSync(join(cwd, 'dist/cjs'), { recursive: true });
writeFileSync(join(cwd, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
