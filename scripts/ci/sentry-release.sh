#!/usr/bin/env bash
# Create a Sentry release for RELEASE, upload the source maps of the server and the web app,
# and finalize it. Run after `npm run build` (the same build the images contain).
#
# Environment: SENTRY_AUTH_TOKEN (secret), SENTRY_ORG, SENTRY_URL (optional, self-hosted),
# SENTRY_PROJECT_SERVER / SENTRY_PROJECT_WEB (default parley-server / parley-web), RELEASE.
# The SDKs must report the same release string (the server reads RELEASE; the web app gets it
# from /api/v1/config), so events resolve against these artifacts.
set -euo pipefail
: "${SENTRY_AUTH_TOKEN:?SENTRY_AUTH_TOKEN is required}"
: "${SENTRY_ORG:?SENTRY_ORG is required}"
: "${RELEASE:?RELEASE is required}"
SENTRY_CLI_VERSION=${SENTRY_CLI_VERSION:-3.8.0}
server_project=${SENTRY_PROJECT_SERVER:-parley-server}
web_project=${SENTRY_PROJECT_WEB:-parley-web}
sentry() { npx --yes "@sentry/cli@$SENTRY_CLI_VERSION" "$@"; }

maps_in() { find "$1" -name '*.map' 2>/dev/null | head -n 1; }

sentry releases new --project "$server_project" --project "$web_project" "$RELEASE"
sentry releases set-commits "$RELEASE" --auto --ignore-missing || echo "sentry-release: commits not associated (no repository integration)"

status=0
if [ -n "$(maps_in apps/server/dist)" ]; then
  sentry sourcemaps upload --project "$server_project" --release "$RELEASE" --url-prefix 'app:///' apps/server/dist
else
  echo "sentry-release: no source maps in apps/server/dist (tsc sourceMap must be on)" >&2
  status=1
fi
if [ -n "$(maps_in apps/web/dist)" ]; then
  # shellcheck disable=SC2088 # '~/' is Sentry's "any host" URL prefix, not a path
  sentry sourcemaps upload --project "$web_project" --release "$RELEASE" --url-prefix '~/' apps/web/dist
  # Source maps are for Sentry only: the web image must not serve them.
else
  echo "sentry-release: no source maps in apps/web/dist (vite build.sourcemap must be 'hidden')" >&2
  status=1
fi
sentry releases finalize "$RELEASE"
exit "$status"
