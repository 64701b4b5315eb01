// The release plan of the changesets pending in .changeset/, from changesets'
// own planner (the one `changeset status` and `changeset version` use), read
// without git so that it works in any clone.
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The packages the pending changesets would release: `{ name, type, oldVersion, newVersion }`, without `none`. */
export async function pendingReleases(root) {
  const fromCli = createRequire(createRequire(join(root, 'package.json')).resolve('@changesets/cli/package.json'));
  const module = fromCli('@changesets/get-release-plan');
  const getReleasePlan = module.default ?? module;
  const plan = await getReleasePlan(root);
  return plan.releases.filter((release) => release.type !== 'none');
}
