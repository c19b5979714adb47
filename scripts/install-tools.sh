#!/usr/bin/env bash
# Installs the project's pinned tools from the Go module proxy into .tools/bin (git-ignored).
# Builds are cached outside the work tree (${APWIZ_CACHE:-~/.cache/apwiz}/tools/<tool>-<version>),
# so a second run, or a second clone, only copies binaries.
#
#   scripts/install-tools.sh            # helm (v4) and helm3 (v3.21)
#   scripts/install-tools.sh helm conftest
#   scripts/install-tools.sh yaml-language-server   # the editors' validator, for the tests (npm)
#   scripts/install-tools.sh registry   # an OCI registry (CNCF distribution), for scripts/registry.sh
#   scripts/install-tools.sh kube-score checkov   # the scanners of scripts/scan-chart.sh (Go, PyPI)
#   scripts/install-tools.sh kustomize  # kustomize build, for apwiz import of kustomize directories
#
# Versions are pinned here and nowhere else.
set -euo pipefail

HELM4_VERSION=v4.3.1
HELM3_VERSION=v3.21.4
CONFTEST_VERSION=v0.71.1
REGISTRY_VERSION=v3.1.2              # github.com/distribution/distribution/v3: the OCI registry of the chart tests
YAML_LANGUAGE_SERVER_VERSION=1.25.0   # npm; 2.x needs Node 22, the machine has Node 20
KUBE_SCORE_VERSION=v1.20.0           # github.com/zegl/kube-score: scripts/scan-chart.sh
CHECKOV_VERSION=3.3.30               # PyPI, in its own virtualenv: scripts/scan-chart.sh
KUSTOMIZE_VERSION=v5.8.1             # v5.8.3 needs Go 1.27; sigs.k8s.io/kustomize/kustomize/v5: apwiz import of kustomize directories

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${APWIZ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/apwiz}/tools
bin=$root/.tools/bin
mkdir -p "$cache" "$bin"

log() { printf 'install-tools: %s\n' "$*" >&2; }

# go_tool NAME PACKAGE VERSION: build PACKAGE@VERSION once into the cache, link it as .tools/bin/NAME.
go_tool() {
  local name=$1 pkg=$2 version=$3
  local dir=$cache/$name-$version
  if [[ ! -x $dir/$name ]]; then
    command -v go >/dev/null || { log "go is required to build $name ($pkg@$version); install Go 1.26"; exit 3; }
    log "building $name $version from $pkg (first run only; cached in $dir)"
    local start=$SECONDS tmp
    tmp=$(mktemp -d "$cache/.build-$name.XXXXXX")
    # -trimpath keeps builds reproducible; CGO off gives a static binary.
    CGO_ENABLED=0 GOBIN=$tmp GOFLAGS=-mod=mod go install -trimpath \
      -ldflags "-s -w $(ldflags_for "$name" "$version")" "$pkg@$version"
    mkdir -p "$dir"
    # go install names the binary after the package, without a /vN major-version suffix.
    local built
    built=$(basename "$pkg")
    [[ $built =~ ^v[0-9]+$ ]] && built=$(basename "$(dirname "$pkg")")
    mv "$tmp/$built" "$dir/$name"
    rmdir "$tmp"
    log "built $name $version in $((SECONDS - start))s"
  fi
  ln -sf "$dir/$name" "$bin/$name"
}

# Each project stamps its version through ldflags in its own Makefile; do the same so
# `helm version` and `conftest --version` tell the truth.
ldflags_for() {
  case $1 in
    helm) echo "-X helm.sh/helm/v4/internal/version.version=$2" ;;
    helm3) echo "-X helm.sh/helm/v3/internal/version.version=$2" ;;
    conftest) echo "-X github.com/open-policy-agent/conftest/internal/version.Version=${2#v}" ;;
    registry) echo "-X github.com/distribution/distribution/v3/version.version=$2" ;;
    kube-score) echo "-X main.version=${2#v}" ;;
    kustomize) echo "-X sigs.k8s.io/kustomize/api/provenance.version=$2" ;;
    *) echo "" ;;
  esac
}

# npm_tool NAME PACKAGE VERSION: install PACKAGE@VERSION once into the cache, link its bin as NAME.
npm_tool() {
  local name=$1 pkg=$2 version=$3
  local dir=$cache/$name-$version
  if [[ ! -x $dir/node_modules/.bin/$name ]]; then
    command -v npm >/dev/null || { log "npm is required to install $name ($pkg@$version); install Node.js"; exit 3; }
    log "installing $name $version from the npm registry (first run only; cached in $dir)"
    local tmp
    tmp=$(mktemp -d "$cache/.build-$name.XXXXXX")
    npm install --no-audit --no-fund --loglevel=error --prefix "$tmp" "$pkg@$version" >&2
    rm -rf "$dir"
    mv "$tmp" "$dir"
  fi
  ln -sf "$dir/node_modules/.bin/$name" "$bin/$name"
}

# pip_tool NAME PACKAGE VERSION: install PACKAGE==VERSION once into its own virtualenv in the
# cache, link its script NAME. A virtualenv cannot be moved (its scripts name their interpreter by
# absolute path), so it is built in place and marked complete last: an interrupted install is redone.
pip_tool() {
  local name=$1 pkg=$2 version=$3
  local dir=$cache/$name-$version
  if [[ ! -e $dir/.complete ]]; then
    command -v python3 >/dev/null || { log "python3 is required to install $name ($pkg==$version)"; exit 3; }
    log "installing $name $version from PyPI (first run only; cached in $dir)"
    local start=$SECONDS
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$pkg==$version" >&2
    touch "$dir/.complete"
    log "installed $name $version in $((SECONDS - start))s"
  fi
  ln -sf "$dir/bin/$name" "$bin/$name"
}

install_one() {
  case $1 in
    helm) go_tool helm helm.sh/helm/v4/cmd/helm "$HELM4_VERSION" ;;
    helm3) go_tool helm3 helm.sh/helm/v3/cmd/helm "$HELM3_VERSION" ;;
    conftest) go_tool conftest github.com/open-policy-agent/conftest "$CONFTEST_VERSION" ;;
    registry) go_tool registry github.com/distribution/distribution/v3/cmd/registry "$REGISTRY_VERSION" ;;
    kube-score) go_tool kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION" ;;
    checkov) pip_tool checkov checkov "$CHECKOV_VERSION" ;;
    kustomize) go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" ;;
    yaml-language-server) npm_tool yaml-language-server yaml-language-server "$YAML_LANGUAGE_SERVER_VERSION" ;;
    *) log "unknown tool '$1' (known: helm helm3 conftest registry kube-score checkov kustomize yaml-language-server)"; exit 2 ;;
  esac
}

tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(helm helm3)
for t in "${tools[@]}"; do install_one "$t"; done
log "tools in $bin: $(ls "$bin" | tr '\n' ' ')"
