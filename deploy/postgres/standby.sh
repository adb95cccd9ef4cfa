#!/bin/bash
# The hot standby's entrypoint (run as postgres): on first start, an empty data directory is
# filled by a base backup of the primary (pg_basebackup -R: standby.signal and primary_conninfo,
# streaming through the slot the primary's init script made); then plain postgres, which
# replays the primary's WAL and answers read-only queries.
set -euo pipefail
: "${PRIMARY_HOST:?set PRIMARY_HOST}" "${PGPASSWORD:?set PGPASSWORD (the replicator password)}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -U replicator \
    -D "$PGDATA" -R -X stream -S standby1 -c fast; do
    echo "standby: primary not ready for a base backup yet; retrying" >&2
    find "$PGDATA" -mindepth 1 -delete
    sleep 2
  done
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on "$@"
