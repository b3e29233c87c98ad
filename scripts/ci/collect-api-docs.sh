#!/usr/bin/env bash
# Copy the API reference HTML built by `npm run api:build-docs` into <site-dir>/index.html
# (plus the raw specs) for the release artifact and GitHub Pages.
#   scripts/ci/collect-api-docs.sh <site-dir>
# API_DOCS_HTML overrides where the HTML is looked for; otherwise the first existing file of
# the candidates below is used.
set -euo pipefail
site=${1:?usage: collect-api-docs.sh <site-dir>}
candidates=(
  ${API_DOCS_HTML:+"$API_DOCS_HTML"}
  dist/api-reference/index.html
  dist/api-docs/index.html
  dist/api/index.html
  docs/api/reference.html
  docs/api/index.html
)
html=""
for c in "${candidates[@]}"; do
  if [ -f "$c" ]; then html=$c; break; fi
done
if [ -z "$html" ]; then
  echo "collect-api-docs: no API reference HTML found (looked for: ${candidates[*]})" >&2
  exit 1
fi
mkdir -p "$site"
cp "$html" "$site/index.html"
for spec in docs/api/openapi.yaml docs/api/asyncapi.yaml; do
  if [ -f "$spec" ]; then cp "$spec" "$site/"; fi
done
touch "$site/.nojekyll"
echo "collect-api-docs: $html → $site/index.html ($(wc -c < "$site/index.html") bytes)"
