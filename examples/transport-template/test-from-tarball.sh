#!/usr/bin/env bash
# Tests logq-transport-file as a user gets it: @logq/core from its packed tarball, installed with npm, outside
# the workspace.
#
# Interface (the workspace's pack-and-install stage calls it):
#   examples/transport-template/test-from-tarball.sh <tarball-dir>
#     <tarball-dir>  a folder of packed @logq packages (`pnpm pack` / `npm pack` output). The script uses
#                    logq-core-<version>.tgz from it (exactly one must be there) and ignores the others.
#   Needs node >= 20.10 and npm on PATH, and the npm registry for the template's dev tools (typescript,
#   @types/node); nothing of @logq comes from the registry.
#   Steps: copies this folder (without node_modules and dist) into a fresh temporary folder; points its
#   @logq/core devDependency at the tarball; npm install; type-check; build (ESM + CJS); `npm test` (node:test:
#   the conformance kit and the template's own tests). The template's tarball also carries test/, so the same
#   `npm test` runs from an unpacked tarball too. Then packs the template and installs that tarball with
#   the core tarball into a second fresh project, where an ESM `import` and a CJS `require` each make a handler
#   for a file:// URI through @logq/core's createHandler, and read its record back; and the README's first
#   ```js block runs there as shown and must exit by itself within 60 s.
#   Exit status 0 when every step passed; otherwise the failing step's status, with its output above.
#   LOGQ_KEEP_TMP=1 keeps the temporary folder (its path is printed).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 <folder with packed @logq tarballs>" >&2
  exit 2
fi
tarballs=$(cd "$1" && pwd)
shopt -s nullglob
cores=("$tarballs"/logq-core-*.tgz)
if [ ${#cores[@]} -ne 1 ]; then
  echo "test-from-tarball: expected exactly one logq-core-*.tgz in $tarballs, found ${#cores[@]}" >&2
  exit 2
fi
core=${cores[0]}
template=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/logq-transport-template-XXXXXX")
cleanup() {
  if [ "${LOGQ_KEEP_TMP:-}" = 1 ]; then echo "test-from-tarball: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
npm_quiet=(--no-audit --no-fund --loglevel=error)

step() { echo "test-from-tarball: $*"; }

step "template copied to $work/template, @logq/core from $(basename "$core")"
mkdir -p "$work/template"
(cd "$template" && tar --exclude=./node_modules --exclude=./dist -cf - .) | (cd "$work/template" && tar -xf -)
cd "$work/template"
node -e '
  const fs = require("node:fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  pkg.devDependencies["@logq/core"] = "file:" + process.argv[1];
  fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
' "$core"
npm install "${npm_quiet[@]}"

step "type-check, build"
npm run --silent typecheck
npm run --silent build

step "npm test (node:test)"
npm test

step "pack the template; install it with the core tarball into a fresh project"
template_tgz=$(npm pack --silent --pack-destination "$work")
mkdir "$work/app"
cd "$work/app"
echo '{ "name": "app", "version": "1.0.0", "private": true }' > package.json
npm install "${npm_quiet[@]}" "$core" "$work/$template_tgz"
cat > esm.mjs <<'JS'
import { createHandler, createSubscriber, LogRecord } from '@logq/core';
import 'logq-transport-file';
const uri = new URL('./esm.jsonl', import.meta.url).href;
const handler = await createHandler(uri);
handler.handle(new LogRecord({ channel: 'app', level: 13, msg: 'from ESM' }));
await handler.close();
const subscriber = await createSubscriber(uri);
const record = await subscriber.recv(5000);
await subscriber.close();
if (record?.message !== 'from ESM') throw new Error(`ESM: read back ${record?.message}`);
console.log('ESM ok:', handler.constructor.name, record.message);
JS
cat > cjs.cjs <<'JS'
const { createHandler, createSubscriber, LogRecord } = require('@logq/core');
require('logq-transport-file');
const { pathToFileURL } = require('node:url');
(async () => {
  const uri = pathToFileURL(`${__dirname}/cjs.jsonl`).href;
  const handler = await createHandler(uri);
  handler.handle(new LogRecord({ channel: 'app', level: 13, msg: 'from CJS' }));
  await handler.close();
  const subscriber = await createSubscriber(uri);
  const record = await subscriber.recv(5000);
  await subscriber.close();
  if (record?.message !== 'from CJS') throw new Error(`CJS: read back ${record?.message}`);
  console.log('CJS ok:', handler.constructor.name, record.message);
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
JS
node esm.mjs
node cjs.cjs

step "the README's example, as shown"
awk '/^```js$/{p=1; next} /^```$/{if (p) exit} p' "$template/README.md" > app.mjs
timeout 60 node app.mjs
test -s app.jsonl
step "passed"
