#!/bin/sh
# Per fixture of tests/fixtures/import/: lines in (manifests, or another chart's values file with
# its environment files; no comments, no blank lines, no document markers) → lines of values out
# (values.yaml and values-<env>.yaml, the same way), and the share of compared fields reproduced
# exactly, all read from `apwiz import … --format json`. Prints a Markdown table.
# Usage: scripts/bench-import.sh [apwiz binary]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
apwiz=${1:-$root/target/debug/apwiz}
export APWIZ_HELM=${APWIZ_HELM:-$root/.tools/bin/helm} APWIZ_CHART=$root/chart NO_COLOR=1 APWIZ_NON_INTERACTIVE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { cat "$@" | grep -v '^[[:space:]]*#' | grep -v '^[[:space:]]*$' | grep -vc '^---$' || true; }
row() { # name, kind, json report, lines in, lines out
  python3 - "$@" <<'PY'
import json, sys
name, kind, path, lines_in, lines_out = sys.argv[1:]
r = json.load(open(path))["report"]
e, c, l = len(r["exact"]), len(r["changed"]), len(r["lossy"])
print(f"| {name} | {kind} | {lines_in} | {lines_out} | {e + c + l} | {e} ({100 * e / max(1, e + c + l):.0f}%) | {c} | {l} |")
PY
}
echo "| fixture | import | lines in | lines out | fields compared | reproduced exactly | changed on purpose | not expressible |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for f in "$root"/tests/fixtures/import/*.yaml; do
  name=$(basename "$f" .yaml)
  case $name in
    robot-shop) release="--name robot-shop" ;;
    *) release="" ;;
  esac
  # shellcheck disable=SC2086 # $release is one flag and its value, or nothing
  "$apwiz" --format json import manifests "$f" --out "$tmp/$name" --allow-lossy $release >"$tmp/$name.json" || true
  row "$name" manifests "$tmp/$name.json" "$(count "$f")" "$(count "$tmp/$name"/values*.yaml)"
done
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
