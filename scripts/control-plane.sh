#!/usr/bin/env bash
# A real Kubernetes control plane for tests, without containers: kube-apiserver,
# kube-controller-manager and kube-scheduler built from source, etcd from Debian, and kwok
# standing in for the kubelets (fake nodes; pods are moved through their phases by kwok Stages,
# see scripts/control-plane/kwok.yaml). Details, timings and pitfalls: docs/control-plane.md.
#
#   scripts/control-plane.sh build        # build/install all binaries into the cache (idempotent)
#   KUBECONFIG=$(scripts/control-plane.sh up)   # start (or reuse) the cluster "apwiz", then
#   export KUBECONFIG                           # (`export X=$(…)` would swallow a failure of `up`)
#   scripts/control-plane.sh smoke        # prove the cluster works (exit code != 0 on failure)
#   scripts/control-plane.sh kubeconfig   # print the kubeconfig path (fails if not up)
#   scripts/control-plane.sh kubectl ARGS # the control plane's own kubectl, on this cluster
#   scripts/control-plane.sh down         # stop the cluster and delete all its files
#   scripts/control-plane.sh restart-apiserver [SECONDS]
#                                         # stop kube-apiserver alone, keep it down SECONDS
#                                         # (default 0), start it again (kwokctl) and wait for
#                                         # /readyz; etcd and everything else keep running
#                                         # (controller-manager and scheduler are started again
#                                         # if they exit within 20 s, their leader lease lost)
#   scripts/control-plane.sh pid COMPONENT
#                                         # print the pid of one of this cluster's daemons
#                                         # (kube-apiserver, kube-controller-manager,
#                                         # kube-scheduler, kwok-controller, etcd)
#   scripts/control-plane.sh freeze COMPONENT SECONDS
#                                         # SIGSTOP that daemon, keep it stopped SECONDS (whole
#                                         # or decimal), SIGCONT it: a hung server as its clients
#                                         # see it (connections open, no answer). Keep
#                                         # kube-apiserver freezes under 10 s: controller-manager
#                                         # and scheduler exit when they cannot renew their
#                                         # leader lease for 10 s. Prints "stopped <epoch-ms>"
#                                         # and "continued <epoch-ms>" on stdout
#   scripts/control-plane.sh stop COMPONENT
#                                         # SIGTERM that daemon (by its pid file) and wait for it
#                                         # to exit; `start-missing` starts it again. Prints
#                                         # "stopped <epoch-ms>" on stdout
#   scripts/control-plane.sh start-missing
#                                         # start whichever daemon of the cluster is not running
#                                         # (kube-controller-manager and kube-scheduler exit after
#                                         # a freeze that cost them their leader lease)
#   scripts/control-plane.sh check-stages # check (no cluster needed) that each fixture pod/PV
#                                         # matches exactly one kwok Stage in control-plane/kwok.yaml
#
# stdout carries only the kubeconfig path (up, kubeconfig); everything else goes to stderr.
#
# Environment:
#   APWIZ_CACHE        binary cache root (default ${XDG_CACHE_HOME:-~/.cache}/apwiz); binaries go to
#                      $APWIZ_CACHE/control-plane/<component>-<version>/
#   APWIZ_CLUSTER_DIR  kwokctl working directory (default <repo>/.cluster/kwok, git-ignored)
#   APWIZ_CP_TIMEOUT   seconds to wait for readiness in `up` and for each smoke check (default 180)
set -euo pipefail

# ---- Pinned versions (here and nowhere else) -------------------------------------------------
K8S_VERSION=v1.34.4             # k8s.io/kubernetes; staging modules are pinned to v0.${minor}.${patch}
KWOK_VERSION=v0.8.0             # sigs.k8s.io/kwok (needs Go >= 1.26)
ETCD_DEB_PACKAGE="etcd-server"  # Debian bookworm: etcd 3.4.23. Kubernetes documents >= 3.4.22; for
ETCD_MIN_VERSION=3.4.22         # etcd < 3.4.31 kube-apiserver needs WatchList=false (see kwok.yaml)
# CRDs of the kinds the chart renders beyond core Kubernetes, read from their Go modules:
PROMETHEUS_OPERATOR_VERSION=v0.85.0   # ServiceMonitor, PrometheusRule
GATEWAY_API_VERSION=v1.3.0            # HTTPRoute (and Gateway, GatewayClass, ReferenceGrant)
EXTERNAL_SECRETS_VERSION=v1.3.2       # ExternalSecret (external-secrets.io/v1; v1beta1 not served)
# ... and of the GitOps objects `apwiz gitops` writes (tests/cli_gitops.rs dry-runs them):
ARGO_CD_VERSION=v3.5.7                # Application, ApplicationSet (v3.6 needs Go 1.27)
FLUX_SOURCE_CONTROLLER_VERSION=v1.9.5 # OCIRepository (source.toolkit.fluxcd.io/v1), Flux v2.9.5
FLUX_HELM_CONTROLLER_VERSION=v1.6.4   # HelmRelease (helm.toolkit.fluxcd.io/v2), Flux v2.9.5

# ---- Cluster shape ---------------------------------------------------------------------------
CLUSTER_NAME=apwiz
NODE_COUNT=3                    # kwok fake nodes, spread over zones a, b, c (hostname/zone
                                # anti-affinity and topology spread constraints can be satisfied)
PV_STANDARD_COUNT=40            # pre-created PersistentVolumes in the default StorageClass "standard"
PV_STANDARD_SIZE=10Gi
PV_FAST_COUNT=5                 # ... and in the StorageClass "fast"
PV_FAST_SIZE=10Gi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
conf_dir=$root/scripts/control-plane
cache=${APWIZ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/apwiz}/control-plane
k8s_bin=$cache/k8s-$K8S_VERSION
kwok_bin=$cache/kwok-$KWOK_VERSION
cluster_root=${APWIZ_CLUSTER_DIR:-$root/.cluster/kwok}
cluster_dir=$cluster_root/clusters/$CLUSTER_NAME
kubeconfig=$cluster_dir/kubeconfig.yaml
timeout=${APWIZ_CP_TIMEOUT:-180}
k8s_binaries=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

log() { printf 'control-plane: %s\n' "$*" >&2; }
die() { printf 'control-plane: ERROR: %s\n' "$*" >&2; exit 1; }

# kwokctl reads KWOK_WORKDIR; our kubectl must shadow any other kubectl (kwokctl runs `kubectl`
# for health checks and would otherwise download one; /usr/bin/kubectl may be a different version).
export KWOK_WORKDIR=$cluster_root
export KWOK_KUBECTL_BINARY=$k8s_bin/kubectl
export PATH=$k8s_bin:$kwok_bin:$PATH

# kwokctl starts the cluster's daemons; they must not inherit our lock (fd 9, see lock()).
kwokctl() { command kwokctl "$@" 9<&-; }

# =============================================================================================
# build
# =============================================================================================

need_go() {
  command -v go >/dev/null 2>&1 || die "go is required to build $1 (install Go >= 1.26 and retry)"
}

# The throwaway module that builds k8s.io/kubernetes commands. k8s.io/kubernetes replaces its
# staging modules with ./staging/src/k8s.io/X, which only work inside its own repository, so
# `go install k8s.io/kubernetes/cmd/...@v` fails; here every staging module is replaced with its
# published version v0.MINOR.PATCH instead.
k8s_module() {
  local mod=$1 staging_version=v0.${K8S_VERSION#v1.}
  [[ -f $mod/go.mod && -f $mod/.complete ]] && return 0
  rm -rf "$mod" && mkdir -p "$mod"
  log "resolving k8s.io/kubernetes@$K8S_VERSION and its staging modules (module in $mod)"
  local info gomod
  info=$(cd "$mod" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION") ||
    die "go mod download k8s.io/kubernetes@$K8S_VERSION failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"
  gomod=$(sed -nE 's/^[[:space:]]*"GoMod": "(.*)",?$/\1/p' <<<"$info")
  [[ -f $gomod ]] || die "go mod download did not report a go.mod for k8s.io/kubernetes@$K8S_VERSION: $info"
  local staging
  staging=$(sed -nE 's#^[[:space:]]*(k8s\.io/[^[:space:]]+)[[:space:]]+=>[[:space:]]+\./staging/src/k8s\.io/.*#\1#p' "$gomod")
  [[ $(wc -l <<<"$staging") -ge 20 ]] || die "expected ~31 staging replace lines in $gomod, found: $staging"
  local godir
  godir=$(sed -nE 's/^go ([0-9.]+)$/\1/p' "$gomod")
  {
    echo "module apwiz.local/k8s-build"
    echo
    echo "go ${godir:-1.24.0}"
    # Same GODEBUG defaults as upstream's main module.
    sed -nE '/^godebug /p' "$gomod"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$staging_version"; done <<<"$staging"
    echo ")"
  } >"$mod/go.mod"
  log "$(wc -l <<<"$staging") staging modules replaced with $staging_version"
  touch "$mod/.complete"
}

k8s_ldflags() {
  local major minor flags="-s -w" k v kv
  major=${K8S_VERSION#v}; major=${major%%.*}
  minor=${K8S_VERSION#v*.}; minor=${minor%%.*}
  # Same variables as kubernetes' hack/lib/version.sh: component-base for servers and kubectl,
  # client-go for the User-Agent of every client.
  for kv in "gitVersion=$K8S_VERSION" "gitMajor=$major" "gitMinor=$minor" "gitTreeState=clean"; do
    k=${kv%%=*} v=${kv#*=}
    flags+=" -X k8s.io/component-base/version.$k=$v -X k8s.io/client-go/pkg/version.$k=$v"
  done
  echo "$flags"
}

build_k8s() {
  local missing=() b
  for b in "${k8s_binaries[@]}"; do [[ -x $k8s_bin/$b ]] || missing+=("$b"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  need_go "Kubernetes $K8S_VERSION"
  mkdir -p "$k8s_bin"
  local mod=$cache/.k8s-$K8S_VERSION-module ldflags total=$SECONDS
  k8s_module "$mod"
  ldflags=$(k8s_ldflags)
  for b in "${missing[@]}"; do
    local start=$SECONDS tmp
    log "building $b $K8S_VERSION (one binary at a time; several minutes each on 2 cores)"
    tmp=$(mktemp "$k8s_bin/.$b.XXXXXX")
    # -mod=mod lets go fill in go.sum and the indirect requirements of the throwaway module.
    if ! (cd "$mod" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" \
      -o "$tmp" "k8s.io/kubernetes/cmd/$b"); then
      rm -f "$tmp"
      die "building $b failed (see the go output above; module in $mod)"
    fi
    mv -f "$tmp" "$k8s_bin/$b"
    log "built $b in $((SECONDS - start))s"
  done
  # Prove the version stamp took: /version and Helm's .Capabilities.KubeVersion depend on it.
  local got
  got=$("$k8s_bin/kube-apiserver" --version 2>&1) || die "$k8s_bin/kube-apiserver --version failed: $got"
  [[ $got == "Kubernetes $K8S_VERSION" ]] || die "kube-apiserver reports '$got', expected 'Kubernetes $K8S_VERSION' (ldflags not applied?)"
  log "Kubernetes $K8S_VERSION binaries ready in $k8s_bin ($((SECONDS - total))s)"
}

build_kwok() {
  local b
  for b in kwok kwokctl; do
    [[ -x $kwok_bin/$b ]] && continue
    need_go "kwok $KWOK_VERSION"
    mkdir -p "$kwok_bin"
    local start=$SECONDS tmp
    log "installing $b $KWOK_VERSION (go install sigs.k8s.io/kwok/cmd/$b@$KWOK_VERSION)"
    tmp=$(mktemp -d "$kwok_bin/.$b.XXXXXX")
    if ! CGO_ENABLED=0 GOBIN=$tmp GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" \
      "sigs.k8s.io/kwok/cmd/$b@$KWOK_VERSION"; then
      rm -rf "$tmp"
      die "go install sigs.k8s.io/kwok/cmd/$b@$KWOK_VERSION failed (kwok $KWOK_VERSION needs Go >= 1.26; you have $(go env GOVERSION))"
    fi
    mv -f "$tmp/$b" "$kwok_bin/$b" && rmdir "$tmp"
    log "installed $b in $((SECONDS - start))s"
  done
}

etcd_path() {
  local e
  e=$(command -v etcd 2>/dev/null) || return 1
  echo "$e"
}

install_etcd() {
  local e
  if ! e=$(etcd_path); then
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    command -v apt-get >/dev/null 2>&1 ||
      die "etcd not found and apt-get is unavailable: install etcd >= $ETCD_MIN_VERSION so that 'etcd' is on PATH"
    log "installing etcd (apt-get install -y $ETCD_DEB_PACKAGE)"
    # Debian's package enables a systemd unit; we never rely on it (kwokctl starts its own etcd
    # on its own ports and data dir).
    if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "$ETCD_DEB_PACKAGE" >&2; then
      log "apt-get install failed; running apt-get update and retrying"
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update >&2 ||
        die "apt-get update failed"
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "$ETCD_DEB_PACKAGE" >&2 ||
        die "apt-get install -y $ETCD_DEB_PACKAGE failed: install etcd >= $ETCD_MIN_VERSION by hand"
    fi
    e=$(etcd_path) || die "$ETCD_DEB_PACKAGE installed but no 'etcd' on PATH"
  fi
  local v
  v=$("$e" --version 2>/dev/null | sed -nE 's/^etcd Version: ([0-9.]+).*/\1/p')
  [[ -n $v ]] || die "cannot read the version of $e"
  if [[ $(printf '%s\n%s\n' "$ETCD_MIN_VERSION" "$v" | sort -V | head -1) != "$ETCD_MIN_VERSION" ]]; then
    die "$e is etcd $v; Kubernetes $K8S_VERSION needs etcd >= $ETCD_MIN_VERSION"
  fi
}

cmd_build() {
  local start=$SECONDS
  mkdir -p "$cache"
  build_k8s
  build_kwok
  install_etcd
  log "all binaries ready in $((SECONDS - start))s: $k8s_bin, $kwok_bin, $(etcd_path)"
}

# =============================================================================================
# up / down
# =============================================================================================

# Always our kubectl, never whatever else is on PATH (e.g. a google-cloud-sdk kubectl).
kc() { "$k8s_bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }

# True if the cluster's processes answer: apiserver ready and all fake nodes Ready.
cluster_healthy() {
  [[ -f $kubeconfig && -x $k8s_bin/kubectl ]] || return 1
  kc get --raw /readyz >/dev/null 2>&1 || return 1
  local n
  n=$(kc get nodes -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null |
    grep -c '^True$') || return 1
  [[ $n -ge $NODE_COUNT ]]
}

# wait_for DESCRIPTION COMMAND...: retry COMMAND (quietly) until it succeeds or $timeout passes.
wait_for() {
  local what=$1 deadline=$((SECONDS + timeout))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${timeout}s waiting for $what (logs: $cluster_dir/logs)"
    sleep 1
  done
}

storage_manifest() {
  local cls count size i
  cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
EOF
  for cls in standard fast; do
    if [[ $cls == standard ]]; then count=$PV_STANDARD_COUNT size=$PV_STANDARD_SIZE; else count=$PV_FAST_COUNT size=$PV_FAST_SIZE; fi
    for ((i = 1; i <= count; i++)); do
      # hostPath: bound by the PV controller alone (no kubelet, no node affinity to satisfy);
      # nothing is ever mounted. Released volumes are made Available again by the pv-recycle
      # Stage in scripts/control-plane/kwok.yaml.
      cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $(printf '%s-pv-%03d' "$cls" "$i")
  labels:
    apwiz.dev/pv-pool: $cls
spec:
  storageClassName: $cls
  capacity:
    storage: $size
  accessModes: [ReadWriteOnce, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  hostPath:
    path: $(printf '/var/lib/apwiz-pv/%s-%03d' "$cls" "$i")
    type: ""
EOF
    done
  done
}

storage_ready() {
  [[ $(kc get pv -l apwiz.dev/pv-pool -o name | wc -l) -ge $((PV_STANDARD_COUNT + PV_FAST_COUNT)) ]] &&
    kc get storageclass standard >/dev/null
}

nodes_ready() {
  local n
  n=$(kc get nodes -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    grep -c '^True$') || return 1
  [[ $n -ge $NODE_COUNT ]]
}

# The chart's non-core kinds must exist for the API server to accept (or dry-run) its objects.
# Their CRDs ship inside the projects' Go modules; the module cache keeps them.
# module_dir MODULE VERSION NAME: the module's directory in the Go module cache (downloaded once).
module_dir() {
  local dir
  dir=$(go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir ]] || die "could not download $3 $2 from the Go module proxy"
  echo "$dir"
}

crd_files() {
  local dir kind
  dir=$(module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION" prometheus-operator)
  echo "$dir/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
  echo "$dir/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"
  dir=$(module_dir sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION" gateway-api)
  for kind in gatewayclasses gateways httproutes referencegrants; do
    echo "$dir/config/crd/standard/gateway.networking.k8s.io_$kind.yaml"
  done
  dir=$(module_dir github.com/external-secrets/external-secrets "$EXTERNAL_SECRETS_VERSION" external-secrets)
  echo "$dir/config/crds/bases/external-secrets.io_externalsecrets.yaml"
  dir=$(module_dir github.com/argoproj/argo-cd/v3 "$ARGO_CD_VERSION" argo-cd)
  for kind in application applicationset appproject; do
    echo "$dir/manifests/crds/$kind-crd.yaml"
  done
  # Flux's api/ submodules carry the Go types only; the CRDs are in the controllers' own modules.
  dir=$(module_dir github.com/fluxcd/source-controller "$FLUX_SOURCE_CONTROLLER_VERSION" source-controller)
  echo "$dir/config/crd/bases/source.toolkit.fluxcd.io_ocirepositories.yaml"
  dir=$(module_dir github.com/fluxcd/helm-controller "$FLUX_HELM_CONTROLLER_VERSION" helm-controller)
  echo "$dir/config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml"
}

# The CRDs of crd_files, as kubectl names them (all must be Established).
crd_names=(crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com
  crd/httproutes.gateway.networking.k8s.io crd/externalsecrets.external-secrets.io
  crd/applications.argoproj.io crd/applicationsets.argoproj.io crd/appprojects.argoproj.io
  crd/ocirepositories.source.toolkit.fluxcd.io crd/helmreleases.helm.toolkit.fluxcd.io)

install_crds() {
  need_go "the CRDs (go mod download)"
  local files=() f
  while IFS= read -r f; do files+=(-f "$f"); done < <(crd_files)
  log "installing CRDs: ServiceMonitor, PrometheusRule (prometheus-operator $PROMETHEUS_OPERATOR_VERSION), Gateway API $GATEWAY_API_VERSION, ExternalSecret (external-secrets $EXTERNAL_SECRETS_VERSION), Application, ApplicationSet, AppProject (Argo CD $ARGO_CD_VERSION), OCIRepository (source-controller $FLUX_SOURCE_CONTROLLER_VERSION), HelmRelease (helm-controller $FLUX_HELM_CONTROLLER_VERSION)"
  kc apply --server-side --force-conflicts "${files[@]}" >/dev/null || die "installing CRDs failed"
  # A CRD created a moment ago may have no status yet, which `kubectl wait` reports as an error
  # rather than waiting for: ask again until every one is Established.
  wait_for "the CRDs to be Established" kc wait --for condition=Established --timeout 10s "${crd_names[@]}"
}

cmd_up() {
  local start=$SECONDS
  if cluster_healthy && storage_ready >/dev/null 2>&1; then
    # a cluster started by an older version of this script may lack a CRD added since
    kc get "${crd_names[@]}" >/dev/null 2>&1 || install_crds
    log "cluster '$CLUSTER_NAME' is already up ($kubeconfig)"
    echo "$kubeconfig"
    return 0
  fi
  cmd_build
  if [[ -d $cluster_dir ]]; then
    log "found an unhealthy or partial cluster in $cluster_dir; recreating it"
    cmd_down
  fi
  mkdir -p "$cluster_root"
  log "creating cluster '$CLUSTER_NAME' (kwokctl --runtime binary, workdir $cluster_root)"
  local etcd
  etcd=$(etcd_path)
  # --kubeconfig='' keeps kwokctl away from ~/.kube/config; ours is $kubeconfig.
  # --kube-admission: default admission plugins (PodSecurity, ServiceAccount, LimitRanger, ...).
  # --kube-authorization: Node,RBAC authorizers, like a real cluster.
  if ! kwokctl create cluster --name "$CLUSTER_NAME" --runtime binary \
    --kubeconfig '' \
    --kube-admission --kube-authorization \
    --config "$conf_dir/kwok.yaml" \
    --kube-apiserver-binary "$k8s_bin/kube-apiserver" \
    --kube-controller-manager-binary "$k8s_bin/kube-controller-manager" \
    --kube-scheduler-binary "$k8s_bin/kube-scheduler" \
    --kwok-controller-binary "$kwok_bin/kwok" \
    --etcd-binary "$etcd" \
    --wait "${timeout}s" >&2; then
    log "kwokctl create cluster failed; component logs are in $cluster_dir/logs"
    for f in "$cluster_dir"/logs/*.log; do
      [[ -f $f ]] || continue
      log "---- last lines of $f"
      tail -n 15 "$f" >&2
    done
    die "cluster '$CLUSTER_NAME' did not start (run '$0 down' to clean up)"
  fi
  [[ -f $kubeconfig ]] || die "kwokctl reported success but $kubeconfig is missing"

  wait_for "the API server to be ready" kc get --raw /readyz
  log "creating $NODE_COUNT fake node(s)"
  kwokctl --name "$CLUSTER_NAME" scale node --replicas "$NODE_COUNT" >&2 ||
    die "kwokctl scale node failed"
  wait_for "$NODE_COUNT node(s) to be Ready" nodes_ready
  local i=0 node zones=(a b c)
  for node in $(kc get nodes -o name | sort); do
    kc label --overwrite "$node" "topology.kubernetes.io/region=apwiz" \
      "topology.kubernetes.io/zone=apwiz-${zones[i % 3]}" >/dev/null ||
      die "labelling $node failed"
    i=$((i + 1))
  done
  log "creating StorageClasses standard (default, $PV_STANDARD_COUNT x $PV_STANDARD_SIZE) and fast ($PV_FAST_COUNT x $PV_FAST_SIZE)"
  storage_manifest | kc apply -f - >/dev/null || die "creating StorageClasses/PersistentVolumes failed"
  wait_for "the default ServiceAccount in namespace default" kc -n default get serviceaccount default
  wait_for "the PersistentVolumes to be Available" pvs_available
  install_crds
  log "cluster '$CLUSTER_NAME' up in $((SECONDS - start))s; export KUBECONFIG=$kubeconfig"
  echo "$kubeconfig"
}

pvs_available() {
  [[ $(kc get pv -l apwiz.dev/pv-pool -o 'jsonpath={range .items[*]}{.status.phase}{"\n"}{end}' |
    grep -c -E '^(Available|Bound)$') -ge $((PV_STANDARD_COUNT + PV_FAST_COUNT)) ]]
}

# is_ours PID: the process exists and is one of this cluster's daemons (its command line names the
# cluster directory). Guards against pid files that outlived their processes (reboot, pid reuse).
is_ours() {
  [[ $1 =~ ^[0-9]+$ && -r /proc/$1/cmdline ]] || return 1
  tr '\0' ' ' </proc/"$1"/cmdline | grep -qF -- "$cluster_dir"
}

cmd_down() {
  local start=$SECONDS p pid
  if [[ -d $cluster_dir ]]; then
    # kwokctl kills whatever pid its pid files name: drop stale ones first.
    for p in "$cluster_dir"/pids/*.pid; do
      [[ -f $p ]] || continue
      is_ours "$(<"$p")" || rm -f "$p"
    done
    if [[ -x $kwok_bin/kwokctl ]]; then
      log "deleting cluster '$CLUSTER_NAME'"
      # kwokctl removes its context from --kubeconfig (default ~/.kube/config, which it never
      # touched: `up` passes --kubeconfig ''); point it at the cluster's own file instead.
      kwokctl delete cluster --name "$CLUSTER_NAME" --kubeconfig "$kubeconfig" >&2 ||
        log "kwokctl delete cluster failed; stopping the cluster's processes by pid file"
    fi
    # Whatever is still running (kwokctl failed or is missing): TERM, then KILL after 10 s.
    local left=()
    for p in "$cluster_dir"/pids/*.pid; do
      [[ -f $p ]] || continue
      pid=$(<"$p")
      if is_ours "$pid"; then
        log "stopping leftover process $pid ($(basename "$p" .pid))"
        kill "$pid" 2>/dev/null || true
        left+=("$pid")
      fi
    done
    local deadline=$((SECONDS + 10))
    for pid in "${left[@]}"; do
      while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
      if is_ours "$pid"; then
        log "process $pid did not exit after SIGTERM; sending SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
      fi
    done
  fi
  if [[ -d $cluster_root ]]; then
    rm -rf "$cluster_root"
    log "removed $cluster_root"
  fi
  # The default location's parent, <repo>/.cluster, goes too if nothing else lives there.
  [[ -n ${APWIZ_CLUSTER_DIR:-} ]] || rmdir "$root/.cluster" 2>/dev/null || true
  log "down in $((SECONDS - start))s"
}

# Stops kube-apiserver (by its pid file, only if it is this cluster's), keeps it down $1 seconds,
# then `kwokctl start cluster`, which starts only the components that are not running (kwokctl
# v0.8.0 has no per-component start/stop for the binary runtime), with the same arguments and
# ports, and waits until it answers. On SIGTERM kube-apiserver closes its listener at once but
# waits up to its request timeout (60 s) for open watches before exiting, so after 5 s it gets
# SIGKILL: clients see their connections reset, as in a crash. kube-controller-manager and
# kube-scheduler exit when they lose their leader lease meanwhile (or a moment after the server
# is back): kwokctl starts them again, also when they exit within 20 s of the restart.
# The stopped server's log is kept as logs/kube-apiserver.log.before-restart (kwokctl truncates).
cmd_restart_apiserver() {
  local down_for=${1:-0} pidfile=$cluster_dir/pids/kube-apiserver.pid pid start=$SECONDS
  [[ $down_for =~ ^[0-9]+$ ]] || die "restart-apiserver SECONDS: '$down_for' is not a whole number of seconds"
  cluster_healthy || die "cluster '$CLUSTER_NAME' is not up (run: $0 up)"
  [[ -f $pidfile ]] || die "no pid file $pidfile: is this cluster started by kwokctl --runtime binary?"
  pid=$(<"$pidfile")
  is_ours "$pid" || die "pid $pid in $pidfile is not this cluster's kube-apiserver"
  log "stopping kube-apiserver (pid $pid)"
  kill "$pid"
  local deadline=$((SECONDS + 5))
  while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  if is_ours "$pid"; then
    kill -9 "$pid" 2>/dev/null || true
    while is_ours "$pid"; do sleep 0.1; done
  fi
  rm -f "$pidfile"
  cp -f "$cluster_dir/logs/kube-apiserver.log" "$cluster_dir/logs/kube-apiserver.log.before-restart" 2>/dev/null || true
  log "kube-apiserver stopped after $((SECONDS - start))s"
  ((down_for == 0)) || sleep "$down_for"
  kwokctl --name "$CLUSTER_NAME" start cluster >&2 || die "kwokctl start cluster failed (logs: $cluster_dir/logs)"
  wait_for "the API server to be ready again" kc get --raw /readyz
  log "kube-apiserver restarted (pid $(<"$pidfile")) in $((SECONDS - start))s"
  # They may exit only now, when their first renewal against the new server fails: watch them
  # for 20 s and start whichever exits.
  local name until=$((SECONDS + 20))
  while ((SECONDS < until)); do
    for name in kube-controller-manager kube-scheduler; do
      if ! is_ours "$(cat "$cluster_dir/pids/$name.pid" 2>/dev/null)"; then
        log "$name exited after the restart (its leader lease lost): starting it again"
        kwokctl --name "$CLUSTER_NAME" start cluster >&2 || die "kwokctl start cluster failed (logs: $cluster_dir/logs)"
      fi
    done
    sleep 0.5
  done
}

# component_pid NAME: the pid of this cluster's NAME daemon (from kwokctl's pid file, checked).
component_pid() {
  local pidfile=$cluster_dir/pids/$1.pid pid
  [[ $1 =~ ^[a-z-]+$ ]] || die "component '$1': expected a name such as kube-apiserver"
  [[ -f $pidfile ]] || die "no pid file $pidfile: is '$1' a component of this cluster (ls $cluster_dir/pids)?"
  pid=$(<"$pidfile")
  is_ours "$pid" || die "pid $pid in $pidfile is not a running process of this cluster"
  echo "$pid"
}

# Freezes a daemon for $2 seconds (SIGSTOP … SIGCONT). SIGCONT is sent even when this script is
# interrupted, so a test that dies mid-freeze leaves no stopped server behind.
cmd_freeze() {
  local name=$1 secs=$2 pid
  [[ $secs =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "freeze SECONDS: '$secs' is not a number of seconds"
  pid=$(component_pid "$name")
  trap 'kill -CONT "$pid" 2>/dev/null || true' EXIT INT TERM
  kill -STOP "$pid"
  echo "stopped $(date +%s%3N)"
  log "$name (pid $pid) stopped for ${secs}s"
  sleep "$secs"
  # The time is taken before SIGCONT: clients may answer within a millisecond of it.
  local at
  at=$(date +%s%3N)
  kill -CONT "$pid"
  echo "continued $at"
  log "$name (pid $pid) continued"
  trap - EXIT INT TERM
}

# Stops a daemon for good (SIGTERM, then SIGKILL after 10 s): a component that is not running,
# as a cluster whose scheduler or controller manager died looks. `start-missing` brings it back.
cmd_stop() {
  local name=$1 pid deadline
  pid=$(component_pid "$name")
  kill "$pid"
  echo "stopped $(date +%s%3N)"
  deadline=$((SECONDS + 10))
  while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  if is_ours "$pid"; then
    kill -9 "$pid" 2>/dev/null || true
    while is_ours "$pid"; do sleep 0.1; done
  fi
  log "$name (pid $pid) stopped; '$0 start-missing' starts it again"
}

# kwokctl start cluster starts only the components that are not running.
cmd_start_missing() {
  [[ -d $cluster_dir ]] || die "cluster '$CLUSTER_NAME' is not up (run: $0 up)"
  kwokctl --name "$CLUSTER_NAME" start cluster >&2 || die "kwokctl start cluster failed (logs: $cluster_dir/logs)"
  wait_for "the API server to be ready" kc get --raw /readyz
}

cmd_kubeconfig() {
  cluster_healthy || die "cluster '$CLUSTER_NAME' is not up (run: $0 up)"
  echo "$kubeconfig"
}

# =============================================================================================
# smoke
# =============================================================================================

ns=smoke
smoke_start=$SECONDS
check() { printf 'control-plane smoke: [%3ss] %s\n' "$((SECONDS - smoke_start))" "$*" >&2; }
ok() { printf 'control-plane smoke: [%3ss]   ok: %s\n' "$((SECONDS - smoke_start))" "$*" >&2; }

kw() { kc -n "$ns" wait --timeout "${timeout}s" "$@" >&2; }

cmd_smoke() {
  cluster_healthy || die "cluster '$CLUSTER_NAME' is not up (run: $0 up)"
  local start=$SECONDS
  trap 'smoke_cleanup' EXIT
  smoke_cleanup

  check "namespace '$ns' enforces Pod Security 'restricted'"
  kc create namespace "$ns" >/dev/null
  kc label namespace "$ns" pod-security.kubernetes.io/enforce=restricted \
    pod-security.kubernetes.io/audit=restricted pod-security.kubernetes.io/warn=restricted >/dev/null
  wait_for "the default ServiceAccount in namespace $ns" kc -n "$ns" get serviceaccount default
  ok "namespace created and labelled"

  check "server version is $K8S_VERSION"
  local sv
  sv=$(kc version -o json | sed -nE '/"serverVersion"/,/}/s/^[[:space:]]*"gitVersion": "([^"]*)".*/\1/p')
  [[ $sv == "$K8S_VERSION" ]] || die "server reports gitVersion '$sv', expected $K8S_VERSION"
  kc version >&2
  ok "server $sv"

  check "a restricted-compliant Deployment (2 replicas) becomes Available"
  kc -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      $(restricted_pod_spec)
EOF
  kw --for=condition=Available deployment/web
  [[ $(kc -n "$ns" get deployment web -o 'jsonpath={.status.readyReplicas}') == 2 ]] ||
    die "deployment/web is Available but readyReplicas != 2"
  ok "deployment/web Available, 2/2 ready"

  check "a privileged pod is rejected by the PodSecurity admission plugin"
  local out
  if out=$(kc -n "$ns" apply -f - 2>&1 <<EOF
apiVersion: v1
kind: Pod
metadata: {name: privileged}
spec:
  containers:
  - name: c
    image: registry.k8s.io/pause:3.10
    securityContext: {privileged: true}
EOF
  ); then
    die "a privileged pod was admitted into a restricted namespace: $out"
  fi
  grep -q 'violates PodSecurity "restricted' <<<"$out" ||
    die "privileged pod rejected, but not by PodSecurity: $out"
  ok "rejected: $(grep -o 'violates PodSecurity "[^"]*": [^(]*' <<<"$out" | head -1)"

  check "a Job completes"
  kc -n "$ns" apply -f - >/dev/null <<EOF
$(job_manifest job-ok "")
EOF
  kw --for=condition=Complete job/job-ok
  ok "job/job-ok Complete"

  check "a bare pod annotated helm.sh/hook: test reaches phase Succeeded"
  kc -n "$ns" apply -f - >/dev/null <<EOF
$(bare_pod_manifest helm-test-ok 'helm.sh/hook: test')
EOF
  kw --for=jsonpath='{.status.phase}'=Succeeded pod/helm-test-ok
  local ec
  ec=$(kc -n "$ns" get pod helm-test-ok -o 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}')
  [[ $ec == 0 ]] || die "pod/helm-test-ok Succeeded but container exitCode is '$ec', expected 0"
  ok "pod/helm-test-ok Succeeded (exitCode 0)"

  check "a bare pod annotated apwiz.test/fail: \"true\" reaches phase Failed"
  kc -n "$ns" apply -f - >/dev/null <<EOF
$(bare_pod_manifest helm-test-fail 'helm.sh/hook: test
    apwiz.test/fail: "true"')
EOF
  kw --for=jsonpath='{.status.phase}'=Failed pod/helm-test-fail
  ec=$(kc -n "$ns" get pod helm-test-fail -o 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}')
  [[ $ec == 1 ]] || die "pod/helm-test-fail Failed but container exitCode is '$ec', expected 1"
  ok "pod/helm-test-fail Failed (exitCode 1)"

  check "a Job whose pods are annotated apwiz.test/fail: \"true\" fails (backoffLimit 0)"
  kc -n "$ns" apply -f - >/dev/null <<EOF
$(job_manifest job-fail 'apwiz.test/fail: "true"')
EOF
  kw --for=condition=Failed job/job-fail
  [[ $(kc -n "$ns" get job job-fail -o 'jsonpath={.status.succeeded}') == "" ]] ||
    die "job/job-fail has succeeded pods; the fail stage lost to the job-complete stage"
  ok "job/job-fail Failed"

  check "a StatefulSet with a volumeClaimTemplate gets its PVC Bound and becomes ready"
  kc -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      $(restricted_pod_spec '
        volumeMounts: [{name: data, mountPath: /data}]')
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
EOF
  kw --for=jsonpath='{.status.phase}'=Bound pvc/data-db-0
  kw --for=jsonpath='{.status.readyReplicas}'=1 statefulset/db
  ok "pvc/data-db-0 Bound to $(kc -n "$ns" get pvc data-db-0 -o 'jsonpath={.spec.volumeName}') (class $(kc -n "$ns" get pvc data-db-0 -o 'jsonpath={.spec.storageClassName}')), statefulset/db ready"

  trap - EXIT
  smoke_cleanup
  log "smoke: all checks passed in $((SECONDS - start))s"
}

restricted_pod_spec() {
  # $1: extra container fields (indented for a container entry)
  cat <<EOF
securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: c
        image: registry.k8s.io/pause:3.10
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}${1:-}
EOF
}

job_manifest() {
  local name=$1 annotations=$2
  cat <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: $name}
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {${annotations}}
    spec:
      restartPolicy: Never
      $(restricted_pod_spec)
EOF
}

bare_pod_manifest() {
  local name=$1 annotations=$2
  cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $name
  annotations:
    $annotations
spec:
  restartPolicy: Never
  $(restricted_pod_spec | sed 's/^      /  /')
EOF
}

smoke_cleanup() {
  kc get namespace "$ns" >/dev/null 2>&1 || return 0
  log "smoke: deleting namespace $ns"
  kc delete namespace "$ns" --wait=true --timeout "${timeout}s" >/dev/null 2>&1 ||
    log "smoke: namespace $ns not deleted within ${timeout}s"
}

# =============================================================================================
# check-stages
# =============================================================================================

# Deterministic check that every fixture pod/PV matches exactly the expected kwok Stage (see
# scripts/control-plane/stagecheck.go). Needs no cluster; builds a small Go program once.
cmd_check_stages() {
  need_go "the stage checker"
  local src=$conf_dir/stagecheck.go sum bin mod
  sum=$( (cat "$src"; echo "$KWOK_VERSION") | sha256sum | cut -c1-12)
  bin=$cache/stagecheck-$KWOK_VERSION-$sum/stagecheck
  if [[ ! -x $bin ]]; then
    local start=$SECONDS
    mod=$(mktemp -d "${TMPDIR:-/tmp}/apwiz-stagecheck.XXXXXX")
    cp "$src" "$mod/main.go"
    log "building the stage checker against sigs.k8s.io/kwok@$KWOK_VERSION"
    mkdir -p "$(dirname "$bin")"
    if ! (cd "$mod" && go mod init apwiz.local/stagecheck &&
      go get "sigs.k8s.io/kwok@$KWOK_VERSION" &&
      GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp" .); then
      rm -rf "$mod" "$bin.tmp"
      die "building $src failed"
    fi
    mv -f "$bin.tmp" "$bin"
    rm -rf "$mod"
    log "built the stage checker in $((SECONDS - start))s"
  fi
  "$bin" "$conf_dir/kwok.yaml" >&2 || die "kwok Stages in $conf_dir/kwok.yaml do not match as expected (see above)"
  log "check-stages: every fixture matches exactly its expected Stage"
}

# =============================================================================================

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
}

# Serialise build/up/down (two concurrent `up`s would race on the cluster directory and two builds
# would fight over 2 cores) with a lock on the cache directory.
# The cluster's daemons must not inherit the lock's descriptor (they would hold the lock forever):
# every kwokctl call goes through the kwokctl() wrapper below, which closes fd 9.
lock() {
  mkdir -p "$cache"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9<"$cache"
  if ! flock -n 9; then
    log "waiting (up to 60 min) for another control-plane.sh build/up/down to finish"
    flock -w 3600 9 || die "still locked after 60 min: another control-plane.sh is running (lock: $cache)"
  fi
}

case ${1:-} in
  build) lock; cmd_build ;;
  up) lock; cmd_up ;;
  down) lock; cmd_down ;;
  restart-apiserver) lock; cmd_restart_apiserver "${2:-0}" ;;
  start-missing) lock; cmd_start_missing ;;
  pid) [[ -n ${2:-} ]] || die "usage: $0 pid COMPONENT"; component_pid "$2" ;;
  freeze) [[ -n ${2:-} && -n ${3:-} ]] || die "usage: $0 freeze COMPONENT SECONDS"; cmd_freeze "$2" "$3" ;;
  stop) [[ -n ${2:-} ]] || die "usage: $0 stop COMPONENT"; cmd_stop "$2" ;;
  kubeconfig) cmd_kubeconfig ;;
  kubectl) shift; [[ -f $kubeconfig ]] || die "no cluster is up (run '$0 up')"; kc "$@" ;;
  smoke) cmd_smoke ;;
  check-stages) cmd_check_stages ;;
  -h | --help | help) usage ;;
  *) usage; exit 2 ;;
esac
