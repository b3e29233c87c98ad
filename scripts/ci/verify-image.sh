#!/usr/bin/env bash
# Verify that each image reference (registry/repo@sha256:...) carries a cosign keyless signature
# AND a CycloneDX SBOM attestation made by THIS repository's release workflow, on main or on a
# version tag, through GitHub's OIDC issuer. Deploys call it before touching a cluster.
#   scripts/ci/verify-image.sh <image@sha256:...> [...]
# REQUIRE_RELEASE_TAG=1 accepts only signatures made for a version tag (refs/tags/v*).
set -euo pipefail
[ "$#" -ge 1 ] || { echo "usage: $0 <image@sha256:digest> [...]" >&2; exit 2; }
server=${GITHUB_SERVER_URL:-https://github.com}
repo=${GITHUB_REPOSITORY:?GITHUB_REPOSITORY (owner/name) is required}
if [ "${REQUIRE_RELEASE_TAG:-0}" = 1 ]; then
  refs='refs/tags/v[0-9]+\.[0-9]+\.[0-9]+.*'
else
  refs='(refs/heads/main|refs/tags/v[0-9]+\.[0-9]+\.[0-9]+.*)'
fi
identity="^${server//./\\.}/${repo}/\\.github/workflows/release\\.yml@${refs}\$"
issuer=https://token.actions.githubusercontent.com
for ref in "$@"; do
  if [[ ! "$ref" =~ @sha256:[0-9a-f]{64}$ ]]; then
    echo "verify-image: $ref is not pinned by digest" >&2
    exit 1
  fi
  cosign verify --certificate-oidc-issuer "$issuer" --certificate-identity-regexp "$identity" "$ref" > /dev/null
  cosign verify-attestation --type cyclonedx --certificate-oidc-issuer "$issuer" \
    --certificate-identity-regexp "$identity" "$ref" > /dev/null
  echo "verify-image: $ref signed and SBOM-attested by $repo release.yml"
done
