#!/usr/bin/env bash
# Make a Chromium available at /usr/bin/chromium, the path of Debian's `chromium` package that
# .ci/run installs and the browser tests use. On GitHub's Ubuntu runners `apt-get install
# chromium` would install a snap shim, but the image ships Chromium and Google Chrome: link the
# first one found. Prints the browser version; fails when there is no browser at all.
set -euo pipefail
target=/usr/bin/chromium
if [ ! -x "$target" ]; then
  found=""
  for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
    if path=$(command -v "$candidate" 2>/dev/null); then
      found=$path
      break
    fi
  done
  if [ -z "$found" ]; then
    echo "ensure-chromium: no Chromium or Chrome on this runner" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  $sudo ln -sf "$found" "$target"
  echo "ensure-chromium: linked $target -> $found"
fi
"$target" --version
