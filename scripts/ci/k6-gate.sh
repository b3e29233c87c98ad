#!/usr/bin/env bash
# Run a k6 script from loadtest/k6/ against an environment as a quality gate: k6 exits
# non-zero (99) when any threshold defined in the script fails, and so does this step.
#   scripts/ci/k6-gate.sh <base-url> loadtest/k6/chat.js
# k6 runs from its official container image (K6_IMAGE, set in deploy-environment.yml and
# pinned there by Renovate); the script gets
# BASE_URL plus K6_VUS / K6_DURATION and the optional SMOKE_USERNAME / SMOKE_PASSWORD.
# The end-of-test summary is written to k6-summary.json (uploaded by the workflow).
set -euo pipefail
url=${1:?usage: k6-gate.sh <base-url> <script>}
script=${2:?usage: k6-gate.sh <base-url> <script>}
image=${K6_IMAGE:?K6_IMAGE is required (the workflow sets it; Renovate keeps it pinned)}
[ -f "$script" ] || { echo "k6-gate: no such script: $script" >&2; exit 1; }
dir=$(cd "$(dirname "$script")" && pwd)
out=$(pwd)
docker run --rm --network host --user "$(id -u):$(id -g)" \
  -v "$dir:/scripts:ro" -v "$out:/out" \
  -e BASE_URL="$url" -e K6_VUS -e K6_DURATION -e SMOKE_USERNAME -e SMOKE_PASSWORD \
  "$image" run --summary-export /out/k6-summary.json "/scripts/$(basename "$script")"
