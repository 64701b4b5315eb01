#!/usr/bin/env node
// Formatting and lint in one pass: `biome check` over the workspace with the root biome.json (line length
// 120; the rules Biome recommends, less the few it explains as off). Warnings fail too. `pnpm format` fixes
// what the formatter can.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(
  dirname(createRequire(join(root, 'package.json')).resolve('@biomejs/biome/package.json')),
  'bin',
  'biome',
);
const run = spawnSync(process.execPath, [bin, 'check', '--error-on-warnings', '.'], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) console.error('biome: run `pnpm format` to format, then fix what it reports');
process.exit(run.status ?? 1);
