#!/bin/sh
# Creates the stack's secret files with fresh random values (never overwrites an existing one).
#   ./init-secrets.sh [dir]      (default: $PARLEY_SECRETS_DIR or ./secrets)
# The directory is 0700 (only you can reach it on the host); the files are 0644 because compose
# bind-mounts each file into containers running as other uids (65532 server, 999 postgres,
# 472 grafana), and file-based compose secrets cannot be chowned per container.
set -eu
dir=${1:-${PARLEY_SECRETS_DIR:-$(dirname "$0")/secrets}}
mkdir -p "$dir"
chmod 0700 "$dir"

rand() { # $1 bytes of randomness, URL-safe (no / + =), so they are safe inside a URL
  od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}
write() { # name value
  if [ -s "$dir/$1" ]; then
    echo "kept    $dir/$1"
  else
    umask 022
    printf '%s' "$2" > "$dir/$1.tmp"
    chmod 0644 "$dir/$1.tmp"
    mv "$dir/$1.tmp" "$dir/$1"
    echo "created $dir/$1"
  fi
}

write postgres_password "$(rand 24)"
pw=$(cat "$dir/postgres_password")
write database_url "postgres://parley:${pw}@postgres:5432/parley"
write token_secret "$(rand 32)"
write grafana_admin_password "$(rand 16)"
if ! grep -q ":${pw}@" "$dir/database_url"; then
  echo "warning: $dir/database_url does not contain the password in $dir/postgres_password" >&2
fi
