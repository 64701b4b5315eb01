// pnpm hooks. `beforePacking` shapes the package.json that `pnpm pack` and
// `pnpm publish` (and so `changeset publish`) put in each tarball; the rules
// live in tooling/release/publish-manifest.cjs, so that changing them does not
// change this file's checksum in pnpm-lock.yaml.
'use strict';

const { publishManifest } = require('./tooling/release/publish-manifest.cjs');

module.exports = { hooks: { beforePacking: (pkg) => publishManifest(pkg) } };
