#!/usr/bin/env bash
# Run one shard of the test suite through the repository's own test command:
#   scripts/ci/run-shard.sh <shard> [extra Vitest arguments, e.g. --coverage.enabled]
# = `npm test -- --passWithNoTests [extra] <the shard's filters>` (see test-shards.mjs).
# A shard with no test files at all passes without running anything (never the whole suite).
set -euo pipefail
shard=${1:?usage: run-shard.sh <shard> [vitest args...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t filters < <(node "$here/test-shards.mjs" "$shard")
if [ "${#filters[@]}" -eq 0 ]; then
  echo "run-shard: shard '$shard' has no test files yet: nothing to run"
  exit 0
fi
echo "run-shard: $shard → npm test -- --passWithNoTests $* ${filters[*]}"
exec npm test -- --passWithNoTests "$@" "${filters[@]}"
