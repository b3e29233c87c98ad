#!/bin/sh
# Dumps the Parley database (custom format: compressed, restorable table by table) to a file.
#   ./backup.sh [output-file]     default: ./backups/parley-<UTC timestamp>.dump
# Runs pg_dump inside the running postgres container over its local socket, so no password or
# bind mount is involved. Consistent snapshot: pg_dump runs in one repeatable-read transaction,
# the servers keep running. Extra compose options via COMPOSE (e.g. COMPOSE="docker compose -p x").
set -eu
cd "$(dirname "$0")"
compose=${COMPOSE:-docker compose}
out=${1:-./backups/parley-$(date -u +%Y%m%dT%H%M%SZ).dump}
mkdir -p "$(dirname "$out")"
umask 077
$compose exec -T postgres pg_dump -U parley -d parley --format=custom --compress=6 --no-owner > "$out.partial"
# A custom-format dump starts with PGDMP; refuse to keep an empty or truncated file.
if [ "$(head -c 5 "$out.partial")" != "PGDMP" ]; then
  echo "backup failed: $out.partial is not a pg_dump archive" >&2
  exit 1
fi
mv "$out.partial" "$out"
echo "wrote $out ($(wc -c < "$out") bytes)"
