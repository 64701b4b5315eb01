// The package.json that pnpm packs and publishes (pnpm's `beforePacking`
// hook, installed by the workspace's .pnpmfile.cjs). pnpm has already replaced
// `workspace:` and `catalog:` ranges and applied `publishConfig`; this removes
// what only the workspace uses:
// - `scripts` (build, lint and prepack run `../../tooling/...`, outside the package);
// - `devDependencies` (private workspace packages and test-only tools);
// - the `@logq/source` export condition (TypeScript sources, for the
//   workspace's jest and type checks) and `sideEffects` entries under `./src/`.
'use strict';

const SOURCE_CONDITION = '@logq/source';

function stripSourceCondition(value) {
  if (Array.isArray(value)) return value.map(stripSourceCondition);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, nested] of Object.entries(value)) {
    if (key !== SOURCE_CONDITION) out[key] = stripSourceCondition(nested);
  }
  return out;
}

/** Returns the manifest to publish for the workspace manifest `pkg` (pnpm's exportable manifest). */
function publishManifest(pkg) {
  const out = { ...pkg };
  delete out.scripts;
  delete out.devDependencies;
  if (out.exports !== undefined) out.exports = stripSourceCondition(out.exports);
  if (Array.isArray(out.sideEffects)) out.sideEffects = out.sideEffects.filter((entry) => !/^(\.\/)?src\//.test(entry));
  return out;
}

module.exports = { publishManifest, SOURCE_CONDITION };
