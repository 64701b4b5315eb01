#!/usr/bin/env node
// Proves that every entry of the package's `exports` map loads at run time
// both through `require` (CJS consumer) and `import` (ESM consumer), and that
// both give the same export names. Run in a package folder after its build;
// the package loads itself by name (Node's package self-reference).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const require = createRequire(pathToFileURL(join(dir, 'package.json')));
let failed = false;
for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
  if (typeof target !== 'object' || subpath.endsWith('.json')) continue;
  const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
  try {
    const cjs = require(specifier);
    const esmTarget = target.import?.default ?? target.import ?? target.default;
    const esm = await import(pathToFileURL(join(dir, esmTarget)).href);
    const cjsNames = Object.keys(cjs)
      .filter((k) => k !== 'default' && k !== '__esModule')
      .sort();
    const esmNames = Object.keys(esm)
      .filter((k) => k !== 'default' && k !== 'module.exports')
      .sort();
    if (cjsNames.length === 0) throw new Error('require() gave no exports');
    if (cjsNames.join() !== esmNames.join())
      throw new Error(`CJS and ESM exports differ:\n  cjs: ${cjsNames}\n  esm: ${esmNames}`);
    console.log(`ok ${specifier}: ${cjsNames.length} exports through require and import`);
  } catch (error) {
    failed = true;
    console.error(`FAIL ${specifier}: ${error instanceof Error ? error.message : error}`);
  }
}
process.exit(failed ? 1 : 0);
