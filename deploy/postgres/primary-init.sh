#!/bin/bash
# Run once by the postgres image when the primary's volume is first initialised
# (/docker-entrypoint-initdb.d): the role and the slot the hot standby streams through, and a
# pg_hba line letting that role in for replication (the image's lines cover databases only).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot('standby1');
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
