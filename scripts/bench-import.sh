#!/bin/sh
# Per fixture of tests/fixtures/import/: lines of manifests in (no comments, no blank lines) →
# lines of values out (the same), and the share of compared fields reproduced exactly.
# Prints a Markdown table. Usage: scripts/bench-import.sh [apwiz binary]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
apwiz=${1:-$root/target/debug/apwiz}
export APWIZ_HELM=${APWIZ_HELM:-$root/.tools/bin/helm} APWIZ_CHART=$root/chart NO_COLOR=1 APWIZ_NON_INTERACTIVE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { grep -v '^[[:space:]]*#' "$1" | grep -v '^[[:space:]]*$' | grep -vc '^---$' || true; }
echo "| fixture | lines in | lines out | fields compared | reproduced exactly | changed on purpose | not expressible |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for f in "$root"/tests/fixtures/import/*.yaml; do
  name=$(basename "$f" .yaml)
  "$apwiz" --format json import manifests "$f" --out "$tmp/$name" --allow-lossy >"$tmp/$name.json" || true
  python3 - "$tmp/$name.json" "$name" "$(count "$f")" "$(count "$tmp/$name/values.yaml")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["report"]
e, c, l = len(r["exact"]), len(r["changed"]), len(r["lossy"])
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {e + c + l} | {e} ({100 * e / max(1, e + c + l):.0f}%) | {c} | {l} |")
PY
done
