// Packs every published package exactly as the release does (`pnpm pack`,
// which applies publishConfig and the workspace's beforePacking hook, as
// `pnpm publish` and so `changeset publish` do), unpacks each tarball and
// checks what a user would get: the manifest and the files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { exportTargets, publicPackages, SOURCE_CONDITION } from './manifest.mjs';

/** True when every alternative of a semver range has an upper bound (`^`, `~`, `<`, or an exact or x-range version). */
export function hasUpperBound(range) {
  return range.split('||').every((part) => {
    const p = part.trim();
    return /^[\^~]/.test(p) || p.includes('<') || /^=?v?\d+(\.(\d+|x|\*))?(\.(\d+|x|\*))?(-[\w.]+)?$/.test(p);
  });
}

function walk(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

/** The problems of one unpacked tarball (`dir` holds its `package/` folder), as readable sentences; empty when it is right. */
export function checkPacked({ root, pkg, dir }) {
  const problems = [];
  const packageDir = join(dir, 'package');
  const files = new Set(walk(packageDir));
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const text = JSON.stringify(manifest);
  const expect = (ok, message) => {
    if (!ok) problems.push(message);
  };

  expect(manifest.name === pkg.manifest.name, `name is ${manifest.name}`);
  expect(
    manifest.version === pkg.manifest.version,
    `version ${manifest.version} is not the workspace's ${pkg.manifest.version}`,
  );
  expect(manifest.license === 'BSD-3-Clause', `license is ${manifest.license}`);
  expect(manifest.scripts === undefined, `the manifest carries scripts: ${JSON.stringify(manifest.scripts)}`);
  expect(manifest.devDependencies === undefined, 'the manifest carries devDependencies');
  expect(!text.includes(SOURCE_CONDITION), `the manifest mentions the workspace-only ${SOURCE_CONDITION} condition`);
  for (const bad of ['workspace:', 'catalog:', '../']) expect(!text.includes(bad), `the manifest contains "${bad}"`);
  expect(manifest.repository?.url?.startsWith('git+https://'), 'repository.url is missing');
  expect(
    manifest.repository?.directory === pkg.path,
    `repository.directory is ${manifest.repository?.directory}, not ${pkg.path}`,
  );
  expect(typeof manifest.homepage === 'string' && manifest.homepage.startsWith('https://'), 'homepage is missing');
  expect(typeof manifest.bugs?.url === 'string', 'bugs.url is missing');
  expect(Array.isArray(manifest.keywords) && manifest.keywords.length > 0, 'keywords are missing');
  expect(typeof manifest.engines?.node === 'string', 'engines.node is missing');
  for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    expect(hasUpperBound(range), `${name} "${range}" has no upper bound`);
  }

  for (const target of [...exportTargets(manifest), 'dist/cjs/package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    expect(files.has(target), `the tarball lacks ${target}`);
  }
  if (files.has('LICENSE')) {
    expect(
      readFileSync(join(packageDir, 'LICENSE'), 'utf8') === readFileSync(join(root, 'LICENSE'), 'utf8'),
      'LICENSE differs from the repository LICENSE',
    );
  }
  if (files.has('CHANGELOG.md')) {
    expect(
      readFileSync(join(packageDir, 'CHANGELOG.md'), 'utf8').startsWith(`# ${manifest.name}\n`),
      `CHANGELOG.md does not start with "# ${manifest.name}"`,
    );
  }
  const stray = [...files].filter((file) =>
    /^(test|coverage|node_modules)\/|\.tsbuildinfo$|\.test\.[cm]?[jt]s$/.test(file),
  );
  expect(stray.length === 0, `the tarball holds files for the workspace only: ${stray.slice(0, 5).join(', ')}`);
  return { manifest, files: [...files].sort(), problems };
}

/**
 * Packs every public package of the workspace at `root` into `outDir` and checks
 * each tarball. Returns one entry per package: name, version, path, tarball,
 * size, file count, problems. Throws when `pnpm pack` itself fails (the
 * prepack guard refuses a package without its build, LICENSE or CHANGELOG).
 */
export function packPublic({ root, outDir }) {
  const results = [];
  for (const pkg of publicPackages(root)) {
    const dest = join(outDir, pkg.manifest.name.replace(/^@/, '').replace('/', '-'));
    mkdirSync(dest, { recursive: true });
    try {
      execFileSync('pnpm', ['pack', '--pack-destination', dest], {
        cwd: pkg.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
    } catch (error) {
      throw new Error(`pnpm pack failed in ${pkg.path}:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
    const tarball = readdirSync(dest).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack made no tarball for ${pkg.path}`);
    const unpacked = join(dest, 'unpacked');
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['-xzf', join(dest, tarball), '-C', unpacked]);
    const { manifest, files, problems } = checkPacked({ root, pkg, dir: unpacked });
    results.push({
      name: manifest.name,
      version: manifest.version,
      path: pkg.path,
      tarball: join(dest, tarball),
      bytes: statSync(join(dest, tarball)).size,
      files,
      problems,
    });
  }
  return results;
}

/** One line per packed package, for the dry run and the CI stage. */
export function describePack(result) {
  const has = (prefix) => result.files.some((file) => file.startsWith(prefix));
  const parts = ['dist/esm', 'dist/cjs', 'LICENSE', 'CHANGELOG.md', 'README.md'].map(
    (part) => `${part} ${has(part) ? 'yes' : 'NO'}`,
  );
  return `${`${result.name}@${result.version}`.padEnd(22)} ${String(result.files.length).padStart(4)} files ${(result.bytes / 1024).toFixed(1).padStart(7)} kB  ${parts.join(', ')}`;
}

/** Whether `dir` exists and is a folder. */
export const isDir = (dir) => existsSync(dir) && statSync(dir).isDirectory();
