// Node loader hooks for child processes of the tests: runs TypeScript sources
// (this package's and its workspace dependencies', through the @logq/source
// export condition) with @swc/core, the compiler jest uses too.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const swc = require('@swc/core');

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (
      (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) &&
      specifier.endsWith('.js')
    ) {
      return next(`${specifier.slice(0, -3)}.ts`, context);
    }
    throw error;
  }
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const { code } = swc.transformSync(source, {
    filename: url,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
