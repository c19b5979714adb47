#!/usr/bin/env bash
# Release-operation figures on the local control plane, all measured in one run (docs/benchmarks.md,
# "Release operations"). Uses its own namespace; never stops the cluster.
#
#   scripts/bench-release.sh            # Helm 4 (.tools/bin/helm); APWIZ_HELM=... for another
#
# Prints a Markdown table: pre-checks, cause card vs helm's own failure report, and `apwiz history`
# vs `helm history` of a 50-revision release (median of 5 runs each).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
KUBECONFIG=$(scripts/control-plane.sh up)
export KUBECONFIG
helm=${APWIZ_HELM:-$root/.tools/bin/helm}
export APWIZ_HELM=$helm APWIZ_CHART=$root/chart APWIZ_NON_INTERACTIVE=1 NO_COLOR=1
cargo build --quiet --bin apwiz
apwiz=$root/target/debug/apwiz
ns=bench-release
kc() { scripts/control-plane.sh kubectl "$@"; }
kc delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
kc create namespace "$ns" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"; kc delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true' EXIT
export APWIZ_STATE_DIR=$work/state APWIZ_CONFIG=$work/none.yaml
cat >"$work/values.yaml" <<'V'
image: ghcr.io/acme/web:1.0.0
replicas: 1
port: 8080
service: {port: 80}
hooks:
  prepare: {events: [pre-install, pre-upgrade], command: [sh, -c, echo preparing], deletePolicy: [before-hook-creation]}
V
cat >"$work/values-broken.yaml" <<'V'
hooks:
  prepare:
    backoffLimit: 0
    podAnnotations: {apwiz.test/fail: "true"}
V
cd "$work"
ms() { python3 -c 'import sys,time; print(int(time.time()*1000))'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# 1. install; pre-check durations from the JSON stream.
"$apwiz" deploy --release web -n "$ns" --yes --format json >deploy.jsonl
pre=$(python3 -c 'import json,sys
for l in open("deploy.jsonl"):
    e=json.loads(l)
    if e.get("event")=="pre-checks": print(max(c["duration_ms"] for c in e["checks"]))')
first_row=$(python3 -c 'import json
rows=[json.loads(l) for l in open("deploy.jsonl")]
print(next(e["at_ms"] for e in rows if e.get("event")=="object"))')

# 2. a failing pre-upgrade hook: cause card vs helm's own report (both ms since helm started).
"$apwiz" deploy --release web -n "$ns" --env broken --yes --format json >fail.jsonl || true
read -r card helm_err < <(python3 -c 'import json
rows=[json.loads(l) for l in open("fail.jsonl")]
start=next(e["at_ms"] for e in rows if e.get("event")=="phase" and e["state"]=="started")
card=next(e["at_ms"] for e in rows if e.get("event")=="failure")
err=next(e["at_ms"] for e in rows if e.get("event")=="helm" and "Error" in e["line"])
print(card-start, err-start)')

# 3. 50 revisions, then history timings.
for i in $(seq 1 50); do
  "$helm" upgrade web "$root/chart" -n "$ns" -f values.yaml --set "env.REV=r$i" --history-max 0 >/dev/null
done
revs=$("$apwiz" history --release web -n "$ns" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["history"]["revisions"]))')
t_apwiz=$(for i in 1 2 3 4 5; do s=$(ms); "$apwiz" history --release web -n "$ns" >/dev/null; echo $(( $(ms) - s )); done | median)
t_helm=$(for i in 1 2 3 4 5; do s=$(ms); "$helm" history web -n "$ns" --max 1000 >/dev/null; echo $(( $(ms) - s )); done | median)

cat <<T
| what | measured | target |
| --- | --- | --- |
| pre-checks (slowest of the parallel checks) | ${pre} ms | ≤ 3000 ms |
| helm spawned → first object row printed (install) | ${first_row} ms | — |
| failing hook: apwiz cause card after helm started | ${card} ms | ≤ 2000 ms after the pod fails |
| failing hook: helm's own error line after helm started | ${helm_err} ms | (reference) |
| \`apwiz history\` of ${revs} revisions (median of 5) | ${t_apwiz} ms | ≤ 1000 ms |
| \`helm history\` of the same release (median of 5) | ${t_helm} ms | (reference) |
T
