#!/bin/sh
# apwiz import, measured. Two tables, both read from `apwiz import … --format json`:
#  1. per fixture of tests/fixtures/import/ (manifests, the four app shapes, the kustomize base
#     with its overlays, and another chart's values files with their environment files): lines in
#     (no comments, no blank lines, no document markers) → lines of values out (values.yaml and
#     values-<env>.yaml), and the proof's own count of fields: exact, changed on purpose, not
#     expressible (the platform's additions are said in the report and not counted);
#  2. the wall time of `apwiz import manifests` (proof included: helm template, schema, policies,
#     the comparison) of a generated app of N services (Deployment + Service each, probes, env,
#     resources), median of RUNS runs.
# Usage: scripts/bench-import.sh [apwiz binary] (default target/release/apwiz, else target/debug)
#        SIZES="10 40" RUNS=5 scripts/bench-import.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
default=$root/target/debug/apwiz
[ -x "$root/target/release/apwiz" ] && default=$root/target/release/apwiz
apwiz=${1:-$default}
export APWIZ_HELM=${APWIZ_HELM:-$root/.tools/bin/helm} APWIZ_CHART=$root/chart NO_COLOR=1 APWIZ_NON_INTERACTIVE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { cat "$@" | grep -v '^[[:space:]]*#' | grep -v '^[[:space:]]*$' | grep -vc '^---$' || true; }
row() { # name, kind, json report, lines in, lines out
  python3 - "$@" <<'PY'
import json, sys
name, kind, path, lines_in, lines_out = sys.argv[1:]
r = json.load(open(path))
f = r.get("fields") or {}
e, c, l = f.get("exact", 0), f.get("changed", 0), f.get("lossy", 0)
print(f"| {name} | {kind} | {lines_in} | {lines_out} | {e + c + l} | {e} ({100 * e / max(1, e + c + l):.1f}%) | {c} | {l} |")
PY
}
echo "apwiz: $apwiz"
echo
echo "| fixture | import | lines in | lines out | fields compared | exact | changed on purpose | not expressible |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for f in "$root"/tests/fixtures/import/*.yaml "$root"/tests/fixtures/import/apps/*.yaml; do
  name=$(basename "$f" .yaml)
  case $name in
    robot-shop) release="--name robot-shop" ;;
    grpc-microservices) release="--name boutique" ;;
    shop-14) release="--name sock-shop" ;;
    rendered-chart) release="--name mq" ;;
    *) release="" ;;
  esac
  # shellcheck disable=SC2086 # $release is one flag and its value, or nothing
  "$apwiz" --format json import manifests "$f" --out "$tmp/$name" --allow-lossy $release >"$tmp/$name.json" || true
  row "$name" manifests "$tmp/$name.json" "$(count "$f")" "$(count "$tmp/$name"/values*.yaml)"
done
k=$root/tests/fixtures/import/kustomize
if command -v kustomize >/dev/null || command -v kubectl >/dev/null; then
  "$apwiz" --format json import manifests "$k/base" --env dev="$k/overlays/dev" --env staging="$k/overlays/staging" \
    --env prod="$k/overlays/production" --name orders --out "$tmp/kustomize" --allow-lossy >"$tmp/kustomize.json" || true
  # shellcheck disable=SC2046 # file lists without blanks
  row "kustomize base + 3 overlays" "manifests --env ×3" "$tmp/kustomize.json" "$(count $(find "$k" -name '*.yaml' ! -name kustomization.yaml))" "$(count "$tmp/kustomize"/values*.yaml)"
fi
for f in "$root"/tests/fixtures/import/values/*.yaml; do
  name=$(basename "$f" .yaml)
  case $name in helm-create|bitnami|app-template) ;; *) continue ;; esac
  envs="" ins="$f"
  for e in "$root/tests/fixtures/import/values/$name"-*.yaml; do
    [ -e "$e" ] || continue
    env=${e##*/"$name"-}
    envs="$envs --env ${env%.yaml}=$e"
    ins="$ins $e"
  done
  # shellcheck disable=SC2086 # $envs and $ins are lists of words without blanks
  "$apwiz" --format json import values "$f" --from "$name" --name "$name" --out "$tmp/v-$name" --allow-lossy $envs >"$tmp/v-$name.json" || true
  # shellcheck disable=SC2086
  row "values/$name" "values --from $name" "$tmp/v-$name.json" "$(count $ins)" "$(count "$tmp/v-$name"/values*.yaml)"
done

echo
echo "| services | objects in | import with proof (median of ${RUNS:-5}) | per service | fields exact |"
echo "| ---: | ---: | ---: | ---: | ---: |"
for n in ${SIZES:-10 40}; do
  python3 - "$n" "$tmp/app-$n.yaml" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
docs = []
for i in range(n):
    name = f"svc{i:02d}"
    port = 8000 + i
    deps = "".join(f"        - name: SVC{j:02d}_ADDR\n          value: svc{j:02d}:{8000 + j}\n" for j in range(max(0, i - 3), i))
    docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: {1 + i % 3}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}, tier: {"web" if i % 2 else "backend"}}}
    spec:
      securityContext: {{runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001}}
      containers:
      - name: {name}
        image: ghcr.io/acme/{name}:1.{i}.0
        ports:
        - {{name: grpc, containerPort: {port}}}
        - {{name: metrics, containerPort: 9090}}
        env:
        - {{name: LOG_LEVEL, value: info}}
{deps}        readinessProbe:
          grpc: {{port: {port}}}
          periodSeconds: 5
        livenessProbe:
          httpGet: {{path: /healthz, port: metrics}}
          failureThreshold: 6
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: 500m, memory: 256Mi}}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {{drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports:
  - {{name: grpc, port: {port}, targetPort: grpc, appProtocol: grpc}}
  - {{name: metrics, port: 9090, targetPort: metrics}}
""")
open(path, "w").write("---\n".join(docs))
PY
  python3 - "$apwiz" "$n" "$tmp/app-$n.yaml" "$tmp" "${RUNS:-5}" <<'PY'
import json, shutil, statistics, subprocess, sys, time
apwiz, n, path, tmp, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
times, report = [], None
for r in range(runs):
    out = f"{tmp}/gen-{n}-{r}"
    t = time.monotonic()
    p = subprocess.run([apwiz, "--format", "json", "import", "manifests", path, "--name", "gen", "--out", out],
                       capture_output=True, text=True)
    times.append(time.monotonic() - t)
    if p.returncode != 0:
        sys.exit(f"import of {n} services failed ({p.returncode}): {p.stderr.strip()[:400]}")
    report = json.loads(p.stdout)
    shutil.rmtree(out, ignore_errors=True)
m = statistics.median(times)
f = report["fields"]
print(f"| {n} | {2 * n} | {m:.2f} s | {1000 * m / n:.0f} ms | {f['exact']} of {f['compared']} ({100 * report['shareExact']:.1f}%) |")
PY
done
