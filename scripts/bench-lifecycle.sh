#!/usr/bin/env bash
# Release benchmark on the local control plane (scripts/control-plane.sh):
#   - cluster start time with cached binaries (down, then up)
#   - install of examples/four-services.yaml with --wait (until Deployments and StatefulSets are
#     ready) against the same install without waiting, so the cost of readiness is visible
# Prints a Markdown table for docs/benchmarks.md. Times are medians of RUNS (default 5) runs.
#   scripts/bench-lifecycle.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-5}
helm=${APWIZ_HELM:-$PWD/.tools/bin/helm}
cp=scripts/control-plane.sh

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }

start_times=()
for _ in $(seq "$runs"); do
  "$cp" down >/dev/null 2>&1
  t=$(now); KUBECONFIG=$("$cp" up 2>/dev/null); start_times+=("$(echo "$(now) - $t" | bc)")
done
export KUBECONFIG
ns=bench-lifecycle
"$cp" kubectl create namespace "$ns" >/dev/null 2>&1 || true

install() { # install [--wait]
  local t
  t=$(now)
  "$helm" install bench chart -n "$ns" -f examples/four-services.yaml "$@" --timeout 180s >/dev/null
  echo "$(now) - $t" | bc
  "$helm" uninstall bench -n "$ns" --wait --timeout 180s >/dev/null
  "$cp" kubectl delete pvc --all -n "$ns" --wait=true >/dev/null
}
wait_times=() nowait_times=()
for _ in $(seq "$runs"); do
  nowait_times+=("$(install)")
  wait_times+=("$(install --wait)")
done

s=$(printf '%s\n' "${start_times[@]}" | median)
w=$(printf '%s\n' "${wait_times[@]}" | median)
n=$(printf '%s\n' "${nowait_times[@]}" | median)
echo "$("$helm" version --short), median of $runs runs, \`scripts/bench-lifecycle.sh $runs\`"
echo
echo "| measurement | seconds |"
echo "|---|---:|"
echo "| cluster start, cached binaries (\`control-plane.sh up\` after \`down\`) | $s |"
echo "| install four-services, no wait | $n |"
echo "| install four-services, \`--wait\` (Deployments and StatefulSets ready) | $w |"
printf "| readiness overhead (wait − no wait) | %.2f |\n" "$(echo "$w - $n" | bc)"
