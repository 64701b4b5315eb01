// Builds the `logq` binary (and the workspace packages it loads, when not built yet) before the tests
// spawn it: the tests run the real bin file, dist/esm/bin.js, as `npx logq` would.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const packages = join(__dirname, '..', '..');
const build = (dir) =>
  execFileSync(process.execPath, [join(packages, '..', 'tooling', 'build.mjs')], { cwd: dir, stdio: 'inherit' });

module.exports = async () => {
  for (const name of ['core', 'process', 'redis', 'zeromq', 'mongo']) {
    const dir = join(packages, name);
    if (!existsSync(join(dir, 'dist', 'esm', 'index.js')) || !existsSync(join(dir, 'dist', 'cjs', 'index.js')))
      build(dir);
  }
  build(join(packages, 'cli'));
};
