#!/usr/bin/env bash
# Render a Kustomize overlay with the release's images pinned by digest.
#
#   scripts/ci/render-overlay.sh <overlay-dir> <out-file> <name>=<registry/repo@sha256:...> [...]
#
# <name> is the last path component of the image repository as the overlay renders it
# (e.g. `parley-server` matches `parley-server`, `parley-server:dev` and
# `ghcr.io/acme/parley-server@sha256:...`). Every matching image in the rendered output is
# replaced by the given digest reference with `kustomize edit set image` (when the kustomize
# binary is installed, as on GitHub's runners), applied in a throw-away wrapper
# kustomization in a temporary directory (it references the overlay by relative path), so the
# committed overlay is not modified and nothing appears in the repository meanwhile.
# Without the kustomize binary the same `images:` entries are written directly. The result
# is rendered with `kubectl kustomize` and checked: each <name> must appear at least once
# and every occurrence must be exactly the requested reference.
set -euo pipefail

if [ "$#" -lt 3 ]; then
  echo "usage: $0 <overlay-dir> <out-file> <name>=<image@sha256:digest> [...]" >&2
  exit 2
fi
overlay=$(cd "$1" && pwd)
out=$2
shift 2

for pair in "$@"; do
  ref=${pair#*=}
  if [[ "$pair" != *=* || ! "$ref" =~ ^[a-z0-9.:/_-]+@sha256:[0-9a-f]{64}$ ]]; then
    echo "render-overlay: '$pair' is not <name>=<repository>@sha256:<64 hex>" >&2
    exit 2
  fi
done

# Image references as rendered: the value of every `image:` field.
list_images() {
  sed -n -E 's/^[[:space:]-]*image:[[:space:]]*"?([^"[:space:]]+)"?[[:space:]]*$/\1/p' "$1" | sort -u
}
# Repository part of a reference (no digest, no tag).
repo_of() {
  local r=${1%@*}
  if [[ "${r##*/}" == *:* ]]; then r=${r%:*}; fi
  printf '%s\n' "$r"
}

wrapper=$(mktemp -d "${TMPDIR:-/tmp}/render-overlay.XXXXXX")
trap 'rm -rf "$wrapper"' EXIT

base_render="$wrapper/base-render.yaml"
kubectl kustomize "$overlay" > "$base_render"

cat > "$wrapper/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$wrapper" "$overlay")
EOF

edits=()
for pair in "$@"; do
  name=${pair%%=*}
  ref=${pair#*=}
  found=0
  while IFS= read -r image; do
    [ -n "$image" ] || continue
    repo=$(repo_of "$image")
    if [ "${repo##*/}" = "$name" ]; then
      edits+=("$repo=$ref")
      found=1
    fi
  done < <(list_images "$base_render")
  if [ "$found" = 0 ]; then
    echo "render-overlay: no image named '$name' in $overlay (images: $(list_images "$base_render" | tr '\n' ' '))" >&2
    exit 1
  fi
done
rm -f "$base_render"

if command -v kustomize >/dev/null 2>&1; then
  (cd "$wrapper" && kustomize edit set image "${edits[@]}")
else
  {
    echo "images:"
    for edit in "${edits[@]}"; do
      repo=${edit%%=*}
      ref=${edit#*=}
      printf '  - name: %s\n    newName: %s\n    digest: %s\n' "$repo" "${ref%@*}" "${ref#*@}"
    done
  } >> "$wrapper/kustomization.yaml"
fi

mkdir -p "$(dirname "$out")"
kubectl kustomize "$wrapper" > "$out"

# Every requested image must now be exactly the pinned reference.
status=0
for pair in "$@"; do
  name=${pair%%=*}
  ref=${pair#*=}
  count=0
  while IFS= read -r image; do
    repo=$(repo_of "$image")
    [ "${repo##*/}" = "$name" ] || continue
    count=$((count + 1))
    if [ "$image" != "$ref" ]; then
      echo "render-overlay: $name rendered as '$image', expected '$ref'" >&2
      status=1
    fi
  done < <(list_images "$out")
  if [ "$count" = 0 ]; then
    echo "render-overlay: $name missing from the rendered output" >&2
    status=1
  fi
done
if [ "$status" = 0 ]; then
  echo "render-overlay: $(grep -c '^kind:' "$out") objects rendered to $out with $# image(s) pinned by digest"
fi
exit "$status"
