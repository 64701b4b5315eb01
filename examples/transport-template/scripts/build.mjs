#!/usr/bin/env node
// Builds the package twice with tsc: ESM into dist/esm and CommonJS into dist/cjs (with a package.json
// that marks that folder as CommonJS), so that both `import` and `require` get a build with its types.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { stdio: 'inherit', cwd: root });
rmSync(join(root, 'dist'), { recursive: true, force: true });
run(['-p', 'tsconfig.json', '--outDir', 'dist/esm']);
run([
  '-p',
  'tsconfig.json',
  '--outDir',
  'dist/cjs',
  '--module',
  'commonjs',
  '--moduleResolution',
  'node10',
  '--ignoreDeprecations',
  '5.0',
]);
mkdirSync(join(root, 'dist/cjs'), { recursive: true });
writeFileSync(join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
