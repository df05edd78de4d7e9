#!/usr/bin/env bash
# One-shot setup run by the `temporal-setup` compose service (temporalio/admin-tools):
# makes the namespace klingflow uses ready for it, then exits 0 so that klingflow-server and
# klingflow-worker (depends_on: service_completed_successfully) can start.
#
#   1. wait until the Temporal frontend answers SERVING;
#   2. wait for the namespace (auto-setup creates "default" in the background after the
#      server is up; any other name is created here);
#   3. register the Keyword search attributes of the klingflow contract;
#   4. wait until a visibility query over all three is accepted, i.e. the frontend really
#      knows them; a workflow started before that would be rejected.
#
# Idempotent: it runs on every `docker compose up`; existing namespace/attributes are fine.
set -euo pipefail

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must be set, e.g. temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-72h}"
ATTRIBUTES=(KlingTaskId GenerationStatus VideoProvider)
DEADLINE=$((SECONDS + ${SETUP_TIMEOUT_SECONDS:-180}))

log() { echo "temporal-setup: $*"; }

# wait_for <description> <command...>: retry every 2s until the command succeeds or the
# deadline passes. Exit status 2 from the command means "will never work": stop at once.
wait_for() {
  local what=$1 out rc
  shift
  while :; do
    rc=0
    out=$("$@" 2>&1) || rc=$?
    ((rc == 0)) && break
    if ((rc == 2 || SECONDS >= DEADLINE)); then
      log "failed: ${what}: ${out}" >&2
      exit 1
    fi
    sleep 2
  done
  printf '%s\n' "$out"
}

serving() {
  local out
  out=$(temporal operator cluster health --address "$TEMPORAL_ADDRESS") || return 1
  grep -q SERVING <<<"$out" || return 1
}

namespace_ready() {
  temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null && return 0
  # Not there (yet). For "default" auto-setup is about to create it; creating it ourselves
  # is harmless (one of the two gets "already exists"). Check again on the next round.
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION" >/dev/null 2>&1 || true
  return 1
}

create_attribute() {
  local name=$1 out
  if out=$(temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
    --name "$name" --type Keyword 2>&1 </dev/null); then
    log "search attribute ${name} (Keyword) registered"
    return 0
  fi
  # Temporal >= 1.2x answers a repeated create of the same type with success, and a
  # name already taken by another type with "already exists and has different type".
  if grep -qi 'different type' <<<"$out"; then
    echo "$out"
    log "${name} exists with another type; klingflow needs Keyword. Remove it (temporal operator search-attribute remove) or use another namespace."
    return 2
  fi
  if grep -qi 'already exists' <<<"$out"; then
    log "search attribute ${name} already exists"
    return 0
  fi
  echo "$out"
  return 1
}

attributes_queryable() {
  local query="" name
  for name in "${ATTRIBUTES[@]}"; do
    query+="${query:+ AND }${name} = 'temporal-setup-probe'"
  done
  temporal workflow list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --query "$query" --limit 1 >/dev/null || return 1
}

log "waiting for Temporal at ${TEMPORAL_ADDRESS}"
wait_for "the Temporal frontend" serving >/dev/null
log "waiting for namespace ${NAMESPACE}"
wait_for "namespace ${NAMESPACE}" namespace_ready >/dev/null
for name in "${ATTRIBUTES[@]}"; do
  wait_for "search attribute ${name}" create_attribute "$name"
done
wait_for "the search attributes to become queryable" attributes_queryable >/dev/null

# An attribute that already existed with another type would pass the steps above but break
# klingflow's typed upserts: say so loudly (the list prints e.g. "KlingTaskId  Keyword").
list=$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" 2>&1 || true)
for name in "${ATTRIBUTES[@]}"; do
  if ! grep -Eiq "(^|[^A-Za-z0-9_])${name}[^A-Za-z0-9_]+[\"A-Z_]*KEYWORD([^A-Za-z_]|$)" <<<"$list"; then
    log "WARNING: could not confirm that ${name} is a Keyword attribute in namespace ${NAMESPACE}:" >&2
    printf '%s\n' "$list" >&2
  fi
done
log "namespace ${NAMESPACE} is ready for klingflow"
