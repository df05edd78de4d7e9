#!/bin/sh
# One-shot run by the `temporal-schema` compose service (temporalio/admin-tools) before the
# Temporal server starts, as temporalio/samples-server's compose/scripts/setup-postgres.sh
# does: for the persistence database and the visibility database,
#
#   1. create the database (an existing one is fine);
#   2. setup-schema -v 0.0: create the schema_version bookkeeping (skipped when the database
#      already has a newer version);
#   3. update-schema: apply every versioned step up to the version this admin-tools release
#      ships in /etc/temporal/schema.
#
# Safe to rerun, which it does on every `docker compose up`; after raising
# TEMPORAL_ADMINTOOLS_VERSION/TEMPORAL_VERSION it upgrades the schemas before the new server
# starts. POSIX sh: newer admin-tools images are Alpine with busybox, no bash.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS must be set, e.g. postgresql}"
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
# temporal-sql-tool reads the password from SQL_PASSWORD.
SQL_PASSWORD=${SQL_PASSWORD:-${POSTGRES_PWD:-}}
export SQL_PASSWORD
PORT=${DB_PORT:-5432}
PLUGIN=${SQL_PLUGIN:-postgres12}
SCHEMA_DIR=${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
# The names the server's config template uses by default.
DBNAME=${DBNAME:-temporal}
VISIBILITY_DBNAME=${VISIBILITY_DBNAME:-temporal_visibility}
DEADLINE=$(($(date +%s) + ${SETUP_TIMEOUT_SECONDS:-120}))

log() { echo "temporal-schema: $*"; }

sql_tool() {
  temporal-sql-tool --plugin "$PLUGIN" --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" "$@"
}

# PostgreSQL reports healthy as soon as it accepts connections; right after its first-time
# initialisation it may still restart once. Retry the first statement until the deadline.
log "creating database ${DBNAME} on ${POSTGRES_SEEDS}:${PORT}"
until out=$(sql_tool --db "$DBNAME" create 2>&1); do
  if [ "$(date +%s)" -ge "$DEADLINE" ]; then
    printf '%s\n' "$out" >&2
    log "failed: PostgreSQL at ${POSTGRES_SEEDS}:${PORT} did not accept the database" >&2
    exit 1
  fi
  sleep 2
done

for target in "${DBNAME}:temporal" "${VISIBILITY_DBNAME}:visibility"; do
  db=${target%%:*}
  dir=${SCHEMA_DIR}/${target#*:}/versioned
  log "database ${db}: schema from ${dir}"
  sql_tool --db "$db" create
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "$dir"
done
log "schemas of ${DBNAME} and ${VISIBILITY_DBNAME} are up to date"
