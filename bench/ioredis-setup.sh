#!/usr/bin/env bash
# Builds the last ioredis-based @logq/redis (with the @logq/core of the same
# commit) from git history into /tmp/logq-ioredis, so that the redis bench
# suite can run it beside today's node-redis-based package in the same run
# (issue 15: "record both in one run"). The suite uses it when
# /tmp/logq-ioredis/packages/redis/dist/esm/index.js exists, and says so when
# it does not.
#
# Usage: bash bench/ioredis-setup.sh [commit]
#   commit: the tree to build (default: the parent of the commit that moved
#   @logq/redis from ioredis to node-redis, found in git history).
#   LOGQ_IOREDIS_DIR overrides the destination.
set -euo pipefail

repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
dest=${LOGQ_IOREDIS_DIR:-/tmp/logq-ioredis}
manifest=packages/redis/package.json

commit=${1:-}
if [ -z "$commit" ]; then
  # The newest commit whose manifest names no ioredis while its parent's does: the move to node-redis.
  for c in $(git -C "$repo" log --format=%H -- "$manifest"); do
    if ! git -C "$repo" show "$c:$manifest" | grep -q '"ioredis"' \
      && git -C "$repo" show "$c^:$manifest" 2>/dev/null | grep -q '"ioredis"'; then
      commit=$(git -C "$repo" rev-parse "$c^")
      break
    fi
  done
fi
if [ -z "$commit" ]; then
  echo "ioredis-setup: no commit of $manifest names ioredis" >&2
  exit 1
fi
echo "ioredis-setup: building @logq/redis at $(git -C "$repo" log --oneline -1 "$commit" | cut -c1-100) into $dest"

rm -rf "$dest"
mkdir -p "$dest"
git -C "$repo" archive "$commit" | tar -x -C "$dest"
echo "$commit" > "$dest/COMMIT"
cd "$dest"
# Only what @logq/redis needs (its dependencies in the workspace, ioredis); the store is shared with the repo's.
pnpm install --frozen-lockfile --prefer-offline --filter '@logq/redis...' --config.confirmModulesPurge=false >/dev/null
pnpm --filter '@logq/redis...' run build >/dev/null
test -f packages/redis/dist/esm/index.js
echo "ioredis-setup: done ($dest/packages/redis/dist/esm/index.js)"
