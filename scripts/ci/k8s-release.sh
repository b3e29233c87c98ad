#!/usr/bin/env bash
# Apply a rendered Parley release to a cluster in the right order, and undo it.
#
#   scripts/ci/k8s-release.sh prepare  <rendered.yaml> <workdir>
#       split the release into phases (split-manifests.mjs) and record the current revision of
#       every Deployment it contains (workdir/revisions.txt), so a rollback returns exactly there
#   scripts/ci/k8s-release.sh apply    <workdir>
#       1. server-side apply of everything that is not a workload (config, services, policies),
#          then wait for a CloudNativePG `Cluster` in the release to be Ready (first install)
#       2. unless SKIP_MIGRATION=1: delete the previous migration Job, apply the new one (it runs
#          the NEW image's `migrate`) and wait until it is Complete; Failed → logs, exit 1
#       3. server-side apply of the workloads, then `kubectl rollout status` for each one and,
#          for a Flagger Canary, wait until it promoted the new revision (phase Succeeded with a
#          new lastPromotedSpec) or fail when its analysis failed (Flagger already rolled back)
#   scripts/ci/k8s-release.sh rollback <workdir>
#       `kubectl rollout undo --to-revision=<recorded>` for every Deployment recorded by prepare
#       (a Deployment created by this release has nothing to return to and is left alone),
#       then wait for those rollouts
#   scripts/ci/k8s-release.sh undo     <namespace> <deployment> [...]
#       plain `kubectl rollout undo` (previous ReplicaSet) + rollout status, for rollback.yml
#
# Settings: FIELD_MANAGER (parley-deploy), DATABASE_TIMEOUT / MIGRATION_TIMEOUT /
# ROLLOUT_TIMEOUT / CANARY_TIMEOUT in seconds (900 / 600 / 600 / 1800), POLL_INTERVAL (5), SKIP_MIGRATION (0),
# CANARY_WAIT (1; 0 = do not wait for Flagger), KUBECTL (kubectl).
# Expand/contract: the migration runs before the new pods start, so it must only add schema
# the old pods can live with (see docs/operations/ci-cd.md). A rollback never runs migrations.
set -euo pipefail

KUBECTL=${KUBECTL:-kubectl}
FIELD_MANAGER=${FIELD_MANAGER:-parley-deploy}
DATABASE_TIMEOUT=${DATABASE_TIMEOUT:-900}
MIGRATION_TIMEOUT=${MIGRATION_TIMEOUT:-600}
ROLLOUT_TIMEOUT=${ROLLOUT_TIMEOUT:-600}
CANARY_TIMEOUT=${CANARY_TIMEOUT:-1800}
CANARY_WAIT=${CANARY_WAIT:-1}
POLL_INTERVAL=${POLL_INTERVAL:-5}
SKIP_MIGRATION=${SKIP_MIGRATION:-0}
here=$(cd "$(dirname "$0")" && pwd)

# kubectl never reads the loops' stdin
k() { "$KUBECTL" "$@" </dev/null; }
log() { printf 'k8s-release: %s\n' "$*"; }
die() { printf 'k8s-release: %s\n' "$*" >&2; exit 1; }

ssa() {
  local file=$1
  [ -s "$file" ] || return 0
  k apply --server-side --force-conflicts --field-manager="$FIELD_MANAGER" -f "$file"
}

# objects <workdir> <phase> → kind|namespace|name lines (not tabs: an empty namespace
# must survive `read`, and IFS whitespace collapses)
objects() {
  awk -F '\t' -v OFS='|' -v phase="$2" '$1 == phase { print $2, $3, $4 }' "$1/objects.tsv"
}

ns_args() {
  if [ -n "$1" ]; then printf -- '--namespace=%s' "$1"; fi
}

wait_job() {
  local ns=$1 name=$2 state deadline=$((SECONDS + MIGRATION_TIMEOUT))
  log "waiting for Job $name (timeout ${MIGRATION_TIMEOUT}s)"
  while :; do
    # shellcheck disable=SC2046 # ns_args prints zero or one word
    state=$(k get job "$name" $(ns_args "$ns") -o 'jsonpath={.status.conditions[?(@.status=="True")].type}' 2>/dev/null || true)
    case " $state " in
      *" Failed "* | *" FailureTarget "*)
        log "Job $name FAILED; its logs:"
        # shellcheck disable=SC2046
        k logs "job/$name" $(ns_args "$ns") --all-containers --tail=200 || true
        return 1 ;;
      *" Complete "*)
        log "Job $name complete"
        return 0 ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "Job $name not complete after ${MIGRATION_TIMEOUT}s"
      # shellcheck disable=SC2046
      k describe job "$name" $(ns_args "$ns") || true
      return 1
    fi
    sleep "$POLL_INTERVAL"
  done
}

rollout_status() {
  local kind=$1 ns=$2 name=$3
  log "waiting for rollout of $kind/$name"
  # shellcheck disable=SC2046
  k rollout status "$(printf '%s' "$kind" | tr '[:upper:]' '[:lower:]')/$name" $(ns_args "$ns") --timeout="${ROLLOUT_TIMEOUT}s"
}

# Flagger: success once the canary promoted a spec other than the one recorded by prepare.
wait_canary() {
  local dir=$1 ns=$2 name=$3 before phase promoted deadline=$((SECONDS + CANARY_TIMEOUT))
  before=$(awk -F '|' -v n="$name" '$1 == "Canary" && $3 == n { print $4 }' "$dir/revisions.txt")
  log "waiting for Flagger canary $name to promote (timeout ${CANARY_TIMEOUT}s)"
  while :; do
    # shellcheck disable=SC2046
    phase=$(k get canary "$name" $(ns_args "$ns") -o 'jsonpath={.status.phase}' 2>/dev/null || true)
    # shellcheck disable=SC2046
    promoted=$(k get canary "$name" $(ns_args "$ns") -o 'jsonpath={.status.lastPromotedSpec}' 2>/dev/null || true)
    case "$phase" in
      Failed)
        log "canary $name FAILED its analysis (Flagger routed traffic back to the primary)"
        return 1 ;;
      Succeeded | Initialized)
        if [ -n "$promoted" ] && [ "$promoted" != "$before" ]; then
          log "canary $name promoted"
          return 0
        fi ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "canary $name not promoted after ${CANARY_TIMEOUT}s (phase: ${phase:-unknown})"
      return 1
    fi
    sleep "$POLL_INTERVAL"
  done
}

cmd_prepare() {
  local rendered=$1 dir=$2 kind ns name rev
  [ -f "$rendered" ] || die "no such file: $rendered"
  node "$here/split-manifests.mjs" "$rendered" "$dir"
  : > "$dir/revisions.txt"
  while IFS='|' read -r kind ns name; do
    case "$kind" in
      Deployment)
        # shellcheck disable=SC2046
        rev=$(k get deployment "$name" $(ns_args "$ns") -o 'jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}' 2>/dev/null || true)
        log "recorded deployment/$name revision ${rev:-none (new)}" ;;
      Canary)
        # shellcheck disable=SC2046
        rev=$(k get canary "$name" $(ns_args "$ns") -o 'jsonpath={.status.lastPromotedSpec}' 2>/dev/null || true) ;;
      *) continue ;;
    esac
    printf '%s|%s|%s|%s\n' "$kind" "$ns" "$name" "${rev:-}" >> "$dir/revisions.txt"
  done < <(objects "$dir" workloads)
}

cmd_apply() {
  local dir=$1 kind ns name
  [ -f "$dir/objects.tsv" ] || die "$dir has no objects.tsv: run prepare first"
  log "phase 1/3: configuration"
  ssa "$dir/00-config.yaml"
  while IFS='|' read -r kind ns name; do
    [ "$kind" = Cluster ] || continue
    log "waiting for database cluster/$name to be Ready (timeout ${DATABASE_TIMEOUT}s)"
    # shellcheck disable=SC2046
    k wait --for=condition=Ready "cluster/$name" $(ns_args "$ns") --timeout="${DATABASE_TIMEOUT}s" || return 1
  done < <(objects "$dir" config)
  if [ "$SKIP_MIGRATION" = 1 ]; then
    log "phase 2/3: migration skipped (SKIP_MIGRATION=1)"
  else
    log "phase 2/3: migration"
    while IFS='|' read -r kind ns name; do
      # A Job's pod template is immutable: replace the previous run.
      # shellcheck disable=SC2046
      k delete job "$name" $(ns_args "$ns") --ignore-not-found --wait=true
    done < <(objects "$dir" migration)
    ssa "$dir/10-migration.yaml"
    while IFS='|' read -r kind ns name; do
      wait_job "$ns" "$name" || return 1
    done < <(objects "$dir" migration)
  fi
  log "phase 3/3: workloads"
  ssa "$dir/20-workloads.yaml"
  while IFS='|' read -r kind ns name; do
    case "$kind" in
      Deployment | StatefulSet | DaemonSet) rollout_status "$kind" "$ns" "$name" || return 1 ;;
    esac
  done < <(objects "$dir" workloads)
  if [ "$CANARY_WAIT" = 1 ]; then
    while IFS='|' read -r kind ns name; do
      if [ "$kind" = Canary ]; then wait_canary "$dir" "$ns" "$name" || return 1; fi
    done < <(objects "$dir" workloads)
  fi
  log "release applied"
}

cmd_rollback() {
  local dir=$1 ns name rev status=0
  [ -f "$dir/revisions.txt" ] || die "$dir has no revisions.txt: nothing recorded to roll back to"
  while IFS='|' read -r kind ns name rev; do
    [ "$kind" = Deployment ] || continue
    if [ -z "$rev" ]; then
      log "deployment/$name was created by this release: nothing to roll back to"
      continue
    fi
    log "rolling deployment/$name back to revision $rev"
    # shellcheck disable=SC2046
    k rollout undo "deployment/$name" $(ns_args "$ns") --to-revision="$rev" || status=1
  done < "$dir/revisions.txt"
  while IFS='|' read -r kind ns name rev; do
    if [ "$kind" != Deployment ] || [ -z "$rev" ]; then continue; fi
    rollout_status Deployment "$ns" "$name" || status=1
  done < "$dir/revisions.txt"
  return "$status"
}

cmd_undo() {
  local ns=$1 name status=0
  shift
  for name in "$@"; do
    log "rolling deployment/$name back to its previous revision"
    k rollout undo "deployment/$name" --namespace="$ns" || status=1
  done
  for name in "$@"; do
    rollout_status Deployment "$ns" "$name" || status=1
  done
  return "$status"
}

usage() {
  sed -n '2,20p' "$0" >&2
  exit 2
}

sub=${1:-}
[ -n "$sub" ] || usage
shift
case "$sub" in
  prepare) [ "$#" -eq 2 ] || usage; cmd_prepare "$@" ;;
  apply) [ "$#" -eq 1 ] || usage; cmd_apply "$@" ;;
  rollback) [ "$#" -eq 1 ] || usage; cmd_rollback "$@" ;;
  undo) [ "$#" -ge 2 ] || usage; cmd_undo "$@" ;;
  *) usage ;;
esac
