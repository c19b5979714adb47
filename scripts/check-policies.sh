#!/usr/bin/env bash
# Renders every example values file in every environment with the pinned helm and checks the
# output against policies/ with conftest; then runs the policies' own unit tests.
#
#   scripts/check-policies.sh            # all examples × all environments, conftest verify, fmt --check
#
# Examples:     examples/*.yaml (one values file each), examples/*/values.yaml (e.g. robot-shop) and
#               examples/*/standalone/*.yaml; an examples/<x>/values.yaml beside a Chart.yaml is an
#               umbrella chart (e.g. platform): `helm dependency build`, then rendered once, as itself
# Environments: chart/values-{dev,staging,prod}.yaml, those that exist
# Render:       helm template <release> chart -f <example> -f chart/values-<env>.yaml --kube-version 1.34.0
#               (release = the example's name, e.g. web-app, robot-shop)
# Check:        conftest test --policy policies -   (one object per evaluation; fails on any deny)
#
# Exit status: 0 all rendered, no deny, all policy tests pass and policies/ is formatted
# (conftest fmt); 1 a deny, a render error, a failing policy test, unformatted policies or nothing
# to check; 2 a tool is missing.
# Warnings (warn rules) are printed but do not fail the run.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2

helm=$root/.tools/bin/helm
conftest=$root/.tools/bin/conftest
kube_version=1.34.0
export NO_COLOR=1 HELM_COLOR=never

say() { printf '%s\n' "$*"; }
die() { printf 'check-policies: %s\n' "$1" >&2; exit "${2:-1}"; }

missing=()
[[ -x $helm ]] || missing+=(helm)
[[ -x $conftest ]] || missing+=(conftest)
if ((${#missing[@]})); then
  die "missing pinned tool(s) in .tools/bin: ${missing[*]}. Install them with: scripts/install-tools.sh ${missing[*]}" 2
fi

[[ -f chart/Chart.yaml ]] || die "no chart at chart/ (chart/Chart.yaml is missing)"
[[ -d policies ]] || die "no policies/ directory"

# --- discover ----------------------------------------------------------------------------------
shopt -s nullglob
examples=()
for f in examples/*.yaml examples/*/values.yaml examples/*/standalone/*.yaml; do examples+=("$f"); done
envs=()
for e in dev staging prod; do
  [[ -f chart/values-$e.yaml ]] && envs+=("$e")
done
shopt -u nullglob

((${#examples[@]})) || die "no example values files found (looked for examples/*.yaml and examples/*/values.yaml)"
if ((${#envs[@]} == 0)); then
  say "note: no chart/values-{dev,staging,prod}.yaml found; rendering each example with chart defaults only"
  envs=("")
fi

# release name: the example's file name (or directory for */values.yaml), as a DNS-1123 label
release_for() {
  local f=$1 n
  if [[ $(basename "$f") == values.yaml ]]; then n=$(basename "$(dirname "$f")"); else n=$(basename "$f" .yaml); fi
  n=$(printf '%s' "$n" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9-' '-' | sed -e 's/^-*//' -e 's/-*$//' | cut -c1-53)
  printf '%s' "${n:-example}"
}

# --- render and test each example × environment ---------------------------------------------
say "policies: $root/policies"
say "helm:     $("$helm" version --short 2>/dev/null || echo unknown)   conftest: $("$conftest" --version 2>/dev/null | head -1)"
say "checking ${#examples[@]} example(s) × ${#envs[@]} environment(s) (--kube-version $kube_version)"
say ""

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0 render_errors=0 denied=0 checked=0 total_warn=0 planned=0

for ex in "${examples[@]}"; do
  release=$(release_for "$ex")
  chart_dir=chart ex_envs=("${envs[@]}")
  if [[ $(basename "$ex") == values.yaml && -f $(dirname "$ex")/Chart.yaml ]]; then
    chart_dir=$(dirname "$ex") ex_envs=("")  # an umbrella chart: its own values, no chart/ overlays
    if ! "$helm" dependency build "$chart_dir" >"$tmp/err" 2>&1; then
      say "RENDER-ERROR $ex: helm dependency build $chart_dir"
      sed 's/^/    /' "$tmp/err" | head -20
      render_errors=$((render_errors + 1)); failed=1; planned=$((planned + 1))
      continue
    fi
  fi
  for env in "${ex_envs[@]}"; do
    planned=$((planned + 1))
    label="$ex × ${env:-defaults}"
    args=(template "$release" "$chart_dir" -f "$ex")
    [[ -n $env ]] && args+=(-f "chart/values-$env.yaml")
    args+=(--kube-version "$kube_version")

    if ! "$helm" "${args[@]}" >"$tmp/out.yaml" 2>"$tmp/err"; then
      say "RENDER-ERROR $label: helm ${args[*]}"
      sed 's/^/    /' "$tmp/err" | head -20
      render_errors=$((render_errors + 1)); failed=1
      continue
    fi
    objects=$(grep -c '^kind:' "$tmp/out.yaml" || true)
    if [[ $objects -eq 0 ]]; then
      say "EMPTY        $label: helm rendered no objects (release $release)"
      failed=1
      continue
    fi

    "$conftest" test --no-color --policy policies --parser yaml - <"$tmp/out.yaml" >"$tmp/result" 2>&1
    rc=$?
    summary=$(grep -E '^[0-9]+ tests?, ' "$tmp/result" | tail -1)
    warns=$(grep -c '^WARN' "$tmp/result" || true)
    fails=$(grep -c '^FAIL' "$tmp/result" || true)
    total_warn=$((total_warn + warns))
    checked=$((checked + 1))
    if [[ $rc -eq 0 ]]; then
      say "ok           $label: $objects objects (release $release), 0 deny, $warns warn"
      grep '^WARN' "$tmp/result" | sed 's/^/    /'
    else
      say "DENY         $label: $objects objects (release $release), $fails deny, $warns warn"
      grep -E '^(FAIL|WARN|ERROR)' "$tmp/result" | sed 's/^/    /'
      if [[ $fails -eq 0 ]]; then  # conftest failed for another reason (parse error, bad policy)
        sed 's/^/    /' "$tmp/result" | head -30
      fi
      [[ -n $summary ]] && say "    conftest: $summary"
      denied=$((denied + 1)); failed=1
    fi
  done
done

say ""
say "rendered and checked $checked of $planned example×environment combinations: $denied with denies, $render_errors render errors, $total_warn warnings"

# --- the policies' own tests ---------------------------------------------------------------------
say ""
say "conftest verify --policy policies"
if "$conftest" verify --no-color --policy policies >"$tmp/verify" 2>&1; then
  say "    $(grep -E '^[0-9]+ tests?, ' "$tmp/verify" | tail -1)"
else
  sed 's/^/    /' "$tmp/verify"
  failed=1
fi

say "conftest fmt --check policies"
if "$conftest" fmt --check policies >"$tmp/fmt" 2>&1; then
  say "    formatted"
else
  sed 's/^/    /' "$tmp/fmt"
  say "    not formatted: run .tools/bin/conftest fmt policies"
  failed=1
fi

if ((failed)); then
  say ""
  say "check-policies: FAILED"
  exit 1
fi
say ""
say "check-policies: all examples pass the policies"
