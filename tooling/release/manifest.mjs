// What a published package's manifest must look like, shared by the prepack
// guard, the pack checks and the release dry run.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The export condition that points workspace tools at TypeScript sources; never published. */
export const SOURCE_CONDITION = '@logq/source';

/**
 * Every file a manifest's entry points name (`main`, `module`, `types`,
 * `typesVersions` and each `exports` target except the source condition),
 * relative to the package folder, without `./`.
 */
export function exportTargets(pkg) {
  const targets = new Set();
  const add = (value) => {
    if (typeof value === 'string') {
      if (!value.includes('*')) targets.add(value.replace(/^\.\//, ''));
    } else if (Array.isArray(value)) {
      value.forEach(add);
    } else if (value && typeof value === 'object') {
      for (const [key, nested] of Object.entries(value)) if (key !== SOURCE_CONDITION) add(nested);
    }
  };
  add(pkg.main);
  add(pkg.module);
  add(pkg.types);
  add(pkg.exports);
  for (const map of Object.values(pkg.typesVersions ?? {})) add(map);
  return [...targets];
}

/** The workspace's packages (folders named by pnpm-workspace.yaml), with their manifests. */
export function workspacePackages(root) {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = yaml.match(/^packages:\n((?:\s+-.*\n?)+)/m)?.[1] ?? '';
  const globs = [...block.matchAll(/-\s*['"]?([^'"\n]+)['"]?/g)].map((m) => m[1].trim());
  const dirs = [];
  for (const glob of globs) {
    if (glob.endsWith('/*')) {
      const parent = join(root, glob.slice(0, -2));
      for (const entry of readdirSync(parent, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.isDirectory()) dirs.push(join(parent, entry.name));
      }
    } else {
      dirs.push(join(root, glob));
    }
  }
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({
      dir,
      path: relative(root, dir),
      manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')),
    }));
}

/** The packages a release publishes: every workspace package that is not `private`. */
export function publicPackages(root) {
  return workspacePackages(root).filter((pkg) => pkg.manifest.private !== true);
}
