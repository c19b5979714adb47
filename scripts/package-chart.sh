#!/usr/bin/env bash
# Packages the app-platform chart and the platform umbrella example into a chart repository
# directory, and indexes it.
#
#   scripts/package-chart.sh                 # into dist/ (git-ignored)
#   scripts/package-chart.sh /tmp/repo      # into another directory
#   HELM=.tools/bin/helm3 scripts/package-chart.sh
#   scripts/package-chart.sh --push oci://127.0.0.1:5000/charts --plain-http   # and push it
#                                           (scripts/registry.sh up starts a local registry)
#
# Steps:
#   1. helm lint --strict chart/
#   2. helm package chart/                        -> <dest>/app-platform-<version>.tgz
#   3. helm dependency build examples/platform    (from its committed Chart.lock; fails when the
#                                                  lock is out of step with Chart.yaml)
#      helm package examples/platform             -> <dest>/platform-<version>.tgz (the
#                                                  app-platform archive inside, resolved)
#   4. helm repo index <dest>                     -> <dest>/index.yaml (name, version, digest, urls)
#   5. with --push REF: helm push <dest>/app-platform-<version>.tgz REF (an oci:// registry path;
#      the chart lands at REF/app-platform:<version>); --plain-http for a registry without TLS
# Prints the path of each archive, then of index.yaml, one per line on stdout; progress goes to
# stderr. An archive of the same name in <dest> is replaced; others are kept and indexed too.
# With --push, a last line names what was pushed: oci://<registry path>/app-platform:<version>.
#
# Exit status: 0 packaged and indexed (and pushed); 1 a helm step failed; 2 helm is missing or
# the arguments are wrong.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
helm=${HELM:-$root/.tools/bin/helm}
dest=$root/dist
push=
plain_http=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --push) [[ $# -ge 2 && $2 == oci://* ]] || { echo "package-chart: --push takes an oci:// reference" >&2; exit 2; }
      push=${2%/}; shift 2 ;;
    --plain-http) plain_http=(--plain-http); shift ;;
    -*) echo "package-chart: unknown option $1 (known: --push oci://HOST/PATH, --plain-http)" >&2; exit 2 ;;
    *) dest=$1; shift ;;
  esac
done
kube_version=1.34.0
export NO_COLOR=1 HELM_COLOR=never

say() { printf 'package-chart: %s\n' "$*" >&2; }
die() { say "$1"; exit "${2:-1}"; }

[[ -x $helm ]] || die "no helm at $helm (run scripts/install-tools.sh helm, or set HELM)" 2
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

say "lint chart/ ($("$helm" version --short 2>/dev/null))"
"$helm" lint --strict --kube-version "$kube_version" "$root/chart" >&2 || die "helm lint --strict chart/ failed"

archives=()
package() {  # package <chart dir>: prints nothing, appends the archive's path to archives
  local out
  out=$("$helm" package "$1" --destination "$dest") || die "helm package $1 failed"
  say "$out"
  archives+=("${out##*: }")  # "Successfully packaged chart and saved it to: <path>"
}

package "$root/chart"

umbrella=$root/examples/platform
if [[ -f $umbrella/Chart.yaml ]]; then
  say "dependency build examples/platform (from Chart.lock)"
  "$helm" dependency build "$umbrella" >&2 || die "helm dependency build examples/platform failed"
  package "$umbrella"
fi

say "index $dest"
"$helm" repo index "$dest" || die "helm repo index $dest failed"

printf '%s\n' "${archives[@]}" "$dest/index.yaml"

if [[ -n $push ]]; then
  chart_archive=${archives[0]}
  say "push $(basename "$chart_archive") to $push"
  "$helm" push "$chart_archive" "$push" "${plain_http[@]}" >&2 || die "helm push $chart_archive $push failed"
  version=$(basename "$chart_archive" .tgz)
  printf '%s/app-platform:%s\n' "$push" "${version#app-platform-}"
fi
