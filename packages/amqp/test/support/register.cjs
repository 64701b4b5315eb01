// Lets a child `node` process run this repository's TypeScript sources, as jest
// does: `node --conditions=@logq/source test/support/register.cjs file.ts args...`
// (see nodeArgs below). Required without arguments, it only installs the hook.
// .ts files are compiled to CommonJS with @swc/core (already used by jest), and
// `./x.js` import specifiers resolve to `./x.ts`.
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolve(request, parent, ...rest) {
  try {
    return originalResolve.call(this, request, parent, ...rest);
  } catch (error) {
    if (!request.startsWith('.') || !request.endsWith('.js')) throw error;
    return originalResolve.call(this, `${request.slice(0, -3)}.ts`, parent, ...rest);
  }
};

Module._extensions['.ts'] = function compile(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022', transform: { useDefineForClassFields: true } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

/** The node arguments that run a TypeScript file with this hook. */
module.exports.nodeArgs = (file) => ['--conditions=@logq/source', __filename, file];

if (require.main === module && process.argv[2]) {
  const file = process.argv[2];
  process.argv.splice(1, 1); // the script sees itself as argv[1], its arguments after
  require(file);
}
