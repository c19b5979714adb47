#!/usr/bin/env bash
# Benchmarks `apwiz fleet impact` on a generated fleet: TEAMS team repositories (real git
# repositories, one commit each) × 3 environments, presets mixed (web-app, worker, and
# multi-service teams of 2–12 services), pinned to the checkout's chart; the candidate is a copy
# of that chart as 0.2.0 with a changed default (the liveness probe's period), so every team's
# pod templates change. Three runs:
#   cold  — empty cache: every pinned and candidate render by helm;
#   warm  — the same candidate again: every render from the cache;
#   next  — another candidate (the readiness probe's period changed): the pinned renders from the cache,
#           the candidate's by helm — what the chart repository's CI pays per change.
#
#   scripts/bench-fleet.sh                       # 200 teams, release build
#   TEAMS=50 scripts/bench-fleet.sh
#   APWIZ=target/debug/apwiz JOBS=2 scripts/bench-fleet.sh
#   BEFORE=/tmp/apwiz-old scripts/bench-fleet.sh   # also a cold run of another build on the same
#                                                  # fleet (its own empty cache), before this one's
#
# Prints wall time and the largest resident set (GNU time: apwiz or its largest helm child) of
# each run, the summary lines and the render counts.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
teams=${TEAMS:-200}
apwiz=${APWIZ:-$root/target/release/apwiz}
helm=${APWIZ_HELM:-$root/.tools/bin/helm}
jobs=${JOBS:-}

if [[ ! -x $apwiz ]]; then
  echo "bench-fleet: building $apwiz (cargo build --release)" >&2
  (cd "$root" && cargo build --release --quiet)
fi
[[ -x $helm ]] || { echo "bench-fleet: $helm missing: run scripts/install-tools.sh" >&2; exit 3; }

work=$(mktemp -d "${TMPDIR:-/tmp}/apwiz-bench-fleet.XXXXXX")
trap 'rm -rf "$work"' EXIT
export APWIZ_HELM=$helm NO_COLOR=1 APWIZ_NON_INTERACTIVE=1 APWIZ_CONFIG=$work/no-config.yaml
export APWIZ_FLEET_CACHE=$work/cache
gitq() { git -c user.name=bench -c user.email=bench@localhost -c init.defaultBranch=main "$@"; }

# One base team per shape, written by apwiz itself.
mkdir -p "$work/bases"
(cd "$work/bases" && mkdir web worker multi)
(cd "$work/bases/web" && "$apwiz" --chart "$root/chart" new --preset web-app --name base \
  --image ghcr.io/acme/base:1.0.0 --env dev,staging,prod --set ingress.host=base.example.com --out deploy/ >/dev/null)
(cd "$work/bases/worker" && "$apwiz" --chart "$root/chart" new --preset worker --name base \
  --image ghcr.io/acme/base:1.0.0 --env dev,staging,prod --set env.QUEUE_URL=amqp://mq:5672 --out deploy/ >/dev/null)
(cd "$work/bases/multi" && "$apwiz" --chart "$root/chart" new --preset microservices --name base \
  --image ghcr.io/acme/base:1.0.0 --env dev,staging,prod --set services.web.ingress.host=base.example.com \
  --set services.web.image=ghcr.io/acme/base-web:1.0.0 --set services.api.image=ghcr.io/acme/base-api:1.0.0 \
  --set services.worker.image=ghcr.io/acme/base-worker:1.0.0 --out deploy/ >/dev/null)

mkdir -p "$work/teams"
{
  echo "kubeVersion: 1.34.0"
  echo "teams:"
} > "$work/fleet.yaml"
services_total=0
for i in $(seq -w 1 "$teams"); do
  n=$((10#$i))
  name=team-$i
  case $((n % 3)) in
    0) shape=web; count=1 ;;
    1) shape=worker; count=1 ;;
    *) shape=multi; count=$((2 + n % 11)) ;;
  esac
  services_total=$((services_total + count))
  dir=$work/teams/$name
  mkdir -p "$dir"
  cp -a "$work/bases/$shape/deploy" "$dir/deploy"
  sed -i "s/^name: base$/name: $name/" "$dir/deploy/.apwiz.yaml"
  sed -i "s/base\.example\.com/$name.example.com/; s/tag: 1\.0\.0/tag: 1.$n.0/" "$dir/deploy/values.yaml"
  if [[ $shape == multi ]]; then
    # The preset's three services replaced by COUNT generated ones sharing the top-level keys.
    python3 - "$dir/deploy/values.yaml" "$count" "$n" <<'PY'
import sys
path, count, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = open(path).read().split("\n")
out, skipping = [], False
for line in lines:
    if line.startswith("services:"):
        skipping = True
        continue
    if skipping and (line.startswith(" ") or line == ""):
        continue
    skipping = False
    out.append(line)
out.append("services:")
for s in range(1, count + 1):
    out.append(f"  svc-{s:02d}:")
    out.append(f"    args: [\"svc-{s:02d}\"]")
    out.append(f"    replicas: {1 + (s + n) % 3}")
    out.append(f"    env:")
    out.append(f"      SERVICE_ID: \"{s}\"")
    if s == 1:
        out.append("    service:")
        out.append("      port: 80")
        out.append("    ingress:")
        out.append("      enabled: true")
        out.append(f"      host: t{n}.example.com")
    elif s % 4 == 0:
        out.append("    service:")
        out.append("      enabled: false")
open(path, "w").write("\n".join(out) + "\n")
PY
  fi
  (cd "$dir" && gitq init -q && gitq add -A && gitq commit -q -m "apwiz new ($shape, $count services)")
  printf '  - repo: teams/%s\n    dir: deploy\n' "$name" >> "$work/fleet.yaml"
done

candidate() { # name, file edits as sed expressions on values.yaml and _defaults.tpl
  local dest=$work/charts/$1/app-platform
  mkdir -p "$(dirname "$dest")"
  cp -a "$root/chart" "$dest"
  sed -i 's/^version: 0.1.0$/version: 0.2.0/' "$dest/Chart.yaml"
  sed -i "$2" "$dest/values.yaml" "$dest/templates/_defaults.tpl"
  echo "$dest"
}
c1=$(candidate period '0,/^    periodSeconds: 10$/s//    periodSeconds: 20/')
c2=$(candidate readiness '0,/^    periodSeconds: 5$/s//    periodSeconds: 7/')

echo "bench-fleet: $teams teams × 3 environments, $services_total services, $(nproc) cores, $("$helm" version --template '{{.Version}}'), $apwiz" >&2
run() { # label, candidate [, binary, cache]
  local label=$1 chart=$2 bin=${3:-$apwiz}
  APWIZ_FLEET_CACHE=${4:-$APWIZ_FLEET_CACHE} /usr/bin/time -f "%e %M" -o "$work/time-$label" \
    "$bin" --chart "$chart" fleet impact --fleet "$work/fleet.yaml" ${jobs:+--jobs $jobs} \
    > "$work/out-$label" 2> "$work/err-$label" || [[ $? == 1 ]]
  read -r secs kb < "$work/time-$label"
  printf '%-6s %6.1f s  max RSS %4d MB  load %s  %s\n' "$label" "$secs" $((kb / 1024)) \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$(grep '^renders:' "$work/out-$label")"
  grep "^changes" "$work/out-$label" | sed 's/^/      /'
}
if [[ -n ${BEFORE:-} ]]; then
  run before "$c1" "$BEFORE" "$work/cache-before"
fi
run cold "$c1"
run warm "$c1"
run next "$c2"
du -sh "$work/cache" | sed 's/^/cache: /'
