#!/bin/sh
# One-shot setup run by the `temporal-setup` compose service (temporalio/admin-tools): makes
# the namespace klingflow uses ready for it, then exits 0 so that klingflow-server and
# klingflow-worker (depends_on: service_completed_successfully) can start.
#
#   1. wait until the Temporal frontend's gRPC health check answers SERVING;
#   2. create the namespace if it does not exist (temporalio/server creates none);
#   3. register the search attributes of the klingflow contract (SEARCH_ATTRIBUTES,
#      "Name=Type …", default: workflows/searchAttributes.ts);
#   4. wait until a visibility query over the Keyword ones is accepted, i.e. the frontend
#      really knows them; a workflow started before that would be rejected.
#
# Idempotent: it runs on every `docker compose up`; existing namespace/attributes are fine.
# POSIX sh: newer admin-tools images are Alpine with busybox, no bash.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must be set, e.g. temporal:7233}"
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-72h}
SEARCH_ATTRIBUTES=${SEARCH_ATTRIBUTES:-KlingTaskId=Keyword GenerationStatus=Keyword VideoProvider=Keyword}
DEADLINE=$(($(date +%s) + ${SETUP_TIMEOUT_SECONDS:-180}))

log() { echo "temporal-setup: $*"; }
# fd 3 = the job's stdout, for messages from inside wait_for's captured command output.
exec 3>&1

# wait_for <description> <command...>: retry every 2s until the command succeeds or the
# deadline passes. Exit status 2 from the command means "will never work": stop at once.
wait_for() {
  what=$1
  shift
  while :; do
    rc=0
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" -eq 0 ] && break
    if [ "$rc" -eq 2 ] || [ "$(date +%s)" -ge "$DEADLINE" ]; then
      log "failed: ${what}: ${out}" >&2
      exit 1
    fi
    sleep 2
  done
  if [ -n "$out" ]; then printf '%s\n' "$out"; fi
}

# Exits non-zero unless the frontend answers SERVING.
serving() {
  temporal operator cluster health --address "$TEMPORAL_ADDRESS"
}

namespace_ready() {
  temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null && return 0
  # Not there (yet). Create it; if another setup run races us, one gets "already exists".
  # Either way, check again on the next round: a new namespace takes a moment to show up.
  if temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION" >/dev/null 2>&1; then
    log "namespace ${NAMESPACE} created (retention ${RETENTION})" >&3
  fi
  return 1
}

# create_attribute <name> <type>
create_attribute() {
  if created=$(temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
    --name "$1" --type "$2" 2>&1 </dev/null); then
    log "search attribute $1 ($2) registered"
    return 0
  fi
  # Temporal answers a repeated create of the same type with success, and a name already
  # taken by another type with "already exists and has different type".
  if printf '%s\n' "$created" | grep -qi 'different type'; then
    printf '%s\n' "$created"
    log "$1 exists with another type; klingflow needs $2. Remove it (temporal operator search-attribute remove) or use another namespace."
    return 2
  fi
  if printf '%s\n' "$created" | grep -qi 'already exists'; then
    log "search attribute $1 already exists"
    return 0
  fi
  printf '%s\n' "$created"
  return 1
}

attributes_queryable() {
  query=""
  for spec in $SEARCH_ATTRIBUTES; do
    case "${spec#*=}" in
      [Kk]eyword) query="${query:+$query AND }${spec%%=*} = 'temporal-setup-probe'" ;;
    esac
  done
  [ -z "$query" ] && return 0
  temporal workflow list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --query "$query" --limit 1 >/dev/null
}

for spec in $SEARCH_ATTRIBUTES; do
  case "$spec" in
    ?*=?*) ;;
    *) log "SEARCH_ATTRIBUTES: \"${spec}\" is not Name=Type" >&2; exit 1 ;;
  esac
done

log "waiting for Temporal at ${TEMPORAL_ADDRESS}"
wait_for "the Temporal frontend" serving >/dev/null
log "waiting for namespace ${NAMESPACE}"
wait_for "namespace ${NAMESPACE}" namespace_ready >/dev/null
for spec in $SEARCH_ATTRIBUTES; do
  wait_for "search attribute ${spec%%=*}" create_attribute "${spec%%=*}" "${spec#*=}"
done
wait_for "the search attributes to become queryable" attributes_queryable >/dev/null

# An attribute that already existed with another type would pass the steps above but break
# klingflow's typed upserts: say so loudly (the list prints e.g. "KlingTaskId  Keyword").
list=$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" 2>&1 || true)
for spec in $SEARCH_ATTRIBUTES; do
  name=${spec%%=*}
  type=${spec#*=}
  if ! printf '%s\n' "$list" | grep -Eiq "(^|[^A-Za-z0-9_])${name}[^A-Za-z0-9_]+[\"A-Z_]*${type}([^A-Za-z_]|$)"; then
    log "WARNING: could not confirm that ${name} is a ${type} attribute in namespace ${NAMESPACE}:" >&2
    printf '%s\n' "$list" >&2
  fi
done
log "namespace ${NAMESPACE} is ready for klingflow"
