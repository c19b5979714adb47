#!/usr/bin/env bash
# A local OCI registry for the chart tests and for trying `helm push` by hand: CNCF distribution
# (github.com/distribution/distribution/v3/cmd/registry, built from the Go module proxy by
# scripts/install-tools.sh registry), plain http on 127.0.0.1, storage in a temporary directory.
#
#   scripts/registry.sh up      # starts it (or finds it running); prints HOST:PORT on stdout
#   scripts/registry.sh url     # HOST:PORT of the running registry (exit 1 when none runs)
#   scripts/registry.sh down    # stops it and removes its storage
#
# Push and install (helm needs --plain-http for an http registry):
#   helm push dist/app-platform-0.1.0.tgz oci://$(scripts/registry.sh url)/charts --plain-http
#   helm install shop oci://$(scripts/registry.sh url)/charts/app-platform --version 0.1.0 --plain-http
#
# Environment:
#   APWIZ_REGISTRY_DIR  state directory: pid, address, config, storage (default
#                       ${TMPDIR:-/tmp}/apwiz-registry-$UID); one registry per directory
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${APWIZ_REGISTRY_DIR:-${TMPDIR:-/tmp}/apwiz-registry-$(id -u)}

log() { printf 'registry: %s\n' "$*" >&2; }
die() { log "$1"; exit "${2:-1}"; }

running() {
  [[ -f $state/pid && -f $state/addr ]] || return 1
  kill -0 "$(cat "$state/pid")" 2>/dev/null || return 1
  # The distribution API answers /v2/ with 200 and an empty JSON object.
  curl -fsS -o /dev/null "http://$(cat "$state/addr")/v2/" 2>/dev/null
}

# A port nothing listens on: the kernel picks one for a socket bound to port 0.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

cmd_up() {
  if running; then
    cat "$state/addr"
    return 0
  fi
  "$root/scripts/install-tools.sh" registry >&2
  local bin=$root/.tools/bin/registry
  [[ -x $bin ]] || die "no registry binary at $bin" 3
  cmd_down 2>/dev/null || true
  mkdir -p "$state/storage"
  local port addr
  port=$(free_port)
  addr=127.0.0.1:$port
  # No auth, no TLS (helm --plain-http), deletes allowed so tests can clean up, no metrics port.
  cat >"$state/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $state/storage
  delete:
    enabled: true
http:
  addr: $addr
YAML
  # setsid: the registry outlives this script and the test process that started it.
  setsid "$bin" serve "$state/config.yml" >"$state/registry.log" 2>&1 </dev/null &
  echo $! >"$state/pid"
  echo "$addr" >"$state/addr"
  local i
  for ((i = 0; i < 100; i++)); do
    running && { log "up at http://$addr (storage $state/storage)"; echo "$addr"; return 0; }
    kill -0 "$(cat "$state/pid")" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$state/registry.log" >&2 || true
  die "the registry did not answer on http://$addr/v2/ (log: $state/registry.log)"
}

cmd_url() {
  running || die "no registry runs for $state (run: scripts/registry.sh up)"
  cat "$state/addr"
}

cmd_down() {
  if [[ -f $state/pid ]]; then
    local pid
    pid=$(cat "$state/pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      local i
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -rf "$state"
}

case ${1:-} in
  up) cmd_up ;;
  url) cmd_url ;;
  down) cmd_down ;;
  *) die "usage: scripts/registry.sh up|url|down" 2 ;;
esac
