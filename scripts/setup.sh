#!/usr/bin/env bash
# The main job on a fresh machine: installs every pinned tool from the registries and builds apwiz.
#   - Helm 4 and Helm 3.21 and conftest (Go module proxy) into .tools/bin; the scanners kube-score (Go)
#     and checkov (PyPI) for scripts/scan-chart.sh
#   - the Kubernetes control plane for the release tests (k8s.io/kubernetes, kwok; etcd from Debian)
#   - apwiz itself (cargo), linked as .tools/bin/apwiz
# Everything built is cached outside the work tree (~/.cache/apwiz), so a second run takes seconds.
# Skip the control plane with APWIZ_SKIP_CONTROL_PLANE=1 (chart and CLI work need only helm), and
# the release build of apwiz with APWIZ_SKIP_RELEASE_BUILD=1 (the tests build their own).
# tmux (the TUI's end-to-end tests drive a real terminal) is installed from Debian if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "pinned tools: helm (v4), helm3, conftest, yaml-language-server, registry (OCI, for the chart tests), kube-score, checkov"
scripts/install-tools.sh helm helm3 conftest yaml-language-server registry kube-score checkov

if [[ ${APWIZ_SKIP_CONTROL_PLANE:-0} != 1 ]]; then
  step "Kubernetes control plane binaries (kube-apiserver, controller-manager, scheduler, kubectl, kwok, etcd)"
  scripts/control-plane.sh build
fi

if ! command -v tmux >/dev/null; then
  step "tmux (for the TUI end-to-end tests), from Debian"
  if [[ $(id -u) == 0 ]]; then apt-get install -y -q tmux >&2; else sudo apt-get install -y -q tmux >&2; fi
fi

if [[ ${APWIZ_SKIP_RELEASE_BUILD:-0} != 1 ]]; then
  step "apwiz"
  cargo build --release --locked
  ln -sf "$PWD/target/release/apwiz" .tools/bin/apwiz
fi

cat >&2 <<MSG

Ready. Put the tools on your PATH and start:
  export PATH="$PWD/.tools/bin:\$PATH"
  apwiz --help
  apwiz new --preset web-app --name shop --image ghcr.io/acme/shop:1.4.2 --env dev,prod --out deploy/
MSG
