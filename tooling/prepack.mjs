#!/usr/bin/env node
// `prepack` of every published package: refuses to pack (and so to publish) a
// package whose build output, LICENSE or CHANGELOG is missing. Run by pnpm and
// npm in the package folder before they make the tarball.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportTargets } from './release/manifest.mjs';

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const needed = [...new Set([...exportTargets(pkg), 'dist/cjs/package.json', 'LICENSE', 'CHANGELOG.md', 'README.md'])];
const missing = needed.filter((file) => !existsSync(join(dir, file)));
if (missing.length > 0) {
  console.error(`prepack: refusing to pack ${pkg.name}: missing ${missing.join(', ')}`);
  if (missing.some((file) => file.startsWith('dist/')))
    console.error('prepack: build it first (`pnpm build` at the workspace root)');
  process.exit(1);
}
