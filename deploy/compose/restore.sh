#!/bin/sh
# Restores a dump made by backup.sh into the stack's PostgreSQL, e.g. into a fresh volume:
#   docker compose down -v            # or a new project: COMPOSE="docker compose -p parley-restore"
#   ./restore.sh backups/parley-20250101T000000Z.dump
# Starts postgres alone, stops anything that writes, replaces the database contents in one
# transaction (--clean --if-exists), then starts the stack again (migrate is a no-op on the
# restored schema, or applies newer migrations when restoring into a newer release).
set -eu
cd "$(dirname "$0")"
compose=${COMPOSE:-docker compose}
dump=${1:?usage: restore.sh <dump-file>}
[ -r "$dump" ] || { echo "cannot read $dump" >&2; exit 1; }

$compose stop web server-1 server-2 >/dev/null 2>&1 || true
$compose up -d --wait postgres
$compose exec -T postgres pg_restore -U parley -d parley --no-owner --clean --if-exists \
  --single-transaction --exit-on-error < "$dump"
echo "restored $dump"
if [ "${RESTORE_START_STACK:-1}" = 1 ]; then
  $compose up -d --wait
fi
