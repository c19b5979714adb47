#!/usr/bin/env bash
# Release-operation figures on the local control plane, all measured in one run (docs/benchmarks.md,
# "Release operations"). Uses its own namespace; never stops the cluster.
#
#   scripts/bench-release.sh            # Helm 4 (.tools/bin/helm); APWIZ_HELM=... for another
#
# Prints a Markdown table: pre-checks, cause card vs helm's own failure report, and `apwiz history`
# vs `helm history` of a 50-revision release (median of 5 runs each); then cluster change → line
# printed (N=20 pods created and deleted through the API while a deploy waits) and hook pod seen
# Failed on the API → cause card / helm's error line (R=3 runs), all on one clock.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
KUBECONFIG=$(scripts/control-plane.sh up)
export KUBECONFIG
helm=${APWIZ_HELM:-$root/.tools/bin/helm}
export APWIZ_HELM=$helm APWIZ_CHART=$root/chart APWIZ_NON_INTERACTIVE=1 NO_COLOR=1
cargo build --quiet --bin apwiz
apwiz=$root/target/debug/apwiz
ns=bench-release
kc() { "$root/scripts/control-plane.sh" kubectl "$@"; }
kc delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
kc create namespace "$ns" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"; kc delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true' EXIT
export APWIZ_STATE_DIR=$work/state APWIZ_CONFIG=$work/none.yaml
cat >"$work/values.yaml" <<'V'
image: ghcr.io/acme/web:1.0.0
replicas: 1
port: 8080
service: {port: 80}
hooks:
  prepare: {events: [pre-install, pre-upgrade], command: [sh, -c, echo preparing], deletePolicy: [before-hook-creation]}
V
cat >"$work/values-broken.yaml" <<'V'
hooks:
  prepare:
    backoffLimit: 0
    podAnnotations: {apwiz.test/fail: "true"}
V
cd "$work"
ms() { python3 -c 'import sys,time; print(int(time.time()*1000))'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# 1. install; pre-check durations from the JSON stream.
"$apwiz" deploy --release web -n "$ns" --yes --format json >deploy.jsonl
pre=$(python3 -c 'import json,sys
for l in open("deploy.jsonl"):
    e=json.loads(l)
    if e.get("event")=="pre-checks": print(max(c["duration_ms"] for c in e["checks"]))')
first_row=$(python3 -c 'import json
rows=[json.loads(l) for l in open("deploy.jsonl")]
print(next(e["at_ms"] for e in rows if e.get("event")=="object"))')

# 2. a failing pre-upgrade hook: cause card vs helm's own report (both ms since helm started).
"$apwiz" deploy --release web -n "$ns" --env broken --yes --format json >fail.jsonl || true
read -r card helm_err < <(python3 -c 'import json
rows=[json.loads(l) for l in open("fail.jsonl")]
start=next(e["at_ms"] for e in rows if e.get("event")=="phase" and e["state"]=="started")
card=next(e["at_ms"] for e in rows if e.get("event")=="failure")
err=next(e["at_ms"] for e in rows if e.get("event")=="helm" and "Error" in e["line"])
print(card-start, err-start)')

# 3. 50 revisions, then history timings.
for i in $(seq 1 50); do
  "$helm" upgrade web "$root/chart" -n "$ns" -f values.yaml --set "env.REV=r$i" --history-max 0 >/dev/null
done
revs=$("$apwiz" history --release web -n "$ns" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["history"]["revisions"]))')
t_apwiz=$(for i in 1 2 3 4 5; do s=$(ms); "$apwiz" history --release web -n "$ns" >/dev/null; echo $(( $(ms) - s )); done | median)
t_helm=$(for i in 1 2 3 4 5; do s=$(ms); "$helm" history web -n "$ns" --max 1000 >/dev/null; echo $(( $(ms) - s )); done | median)

# 4. Cluster change → line printed, and pod failure → cause card, on one clock (the Python below).
mkdir -p lat
cat >lat/values.yaml <<'V'
image: ghcr.io/acme/web:1.0.0
replicas: 1
port: 8080
service: {port: 80}
nodeSelector: {apwiz.dev/bench: never}
V
kc config view --raw --minify -o json >kubeconfig.json
cat >latency.py <<'PY'
# Cluster change → line printed, and pod failure → cause card vs helm's report, on one clock
# (this process's monotonic time). Changes go straight to the API server (HTTPS with the
# kubeconfig's client certificate), so the time a change is committed is known to the ms.
import http.client, json, os, ssl, subprocess, sys, threading, time

apwiz, ns, kubeconfig_json = sys.argv[1], sys.argv[2], sys.argv[3]
kc = json.loads(open(kubeconfig_json).read())
cluster, user = kc["clusters"][0]["cluster"], kc["users"][0]["user"]
host, port = cluster["server"].removeprefix("https://").split(":")
ctx = ssl.create_default_context(cafile=cluster["certificate-authority"])
ctx.load_cert_chain(user["client-certificate"], user["client-key"])

def api(method, path, body=None, ctype="application/json"):
    c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30)
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": ctype})
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data)

class Run:
    """apwiz with --format json; every line timed as it arrives."""
    def __init__(self, args):
        self.lines, self.cv = [], threading.Condition()
        self.p = subprocess.Popen([apwiz] + args, stdout=subprocess.PIPE, text=True, bufsize=1)
        threading.Thread(target=self.read, daemon=True).start()
    def read(self):
        for line in self.p.stdout:
            t = time.monotonic()
            try:
                e = json.loads(line)
            except ValueError:
                continue
            with self.cv:
                self.lines.append((t, e))
                self.cv.notify_all()
    def wait_for(self, pred, timeout=60):
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                for t, e in self.lines:
                    if pred(e):
                        return t
                left = end - time.monotonic()
                if left <= 0:
                    sys.exit(f"timed out waiting; last lines: {self.lines[-5:]}")
                self.cv.wait(left)

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

# 1. A deploy whose pod cannot schedule (helm waits); meanwhile N pods of the release are created
#    and deleted through the API, each a change the watcher must print.
n = int(os.environ.get("N", "20"))
run = Run(["deploy", "--dir", "lat", "--release", "lat", "-n", ns, "--yes", "--timeout", "180",
           "--format", "json"])
run.wait_for(lambda e: e.get("event") == "object" and e["object"]["kind"] == "Pod"
             and e["object"]["name"].startswith("lat-") and e["state"] == "Pending")
create, delete = [], []
pods = f"/api/v1/namespaces/{ns}/pods"
for i in range(n):
    name = f"probe-{i}"
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/instance": "lat"}},
            "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]}}
    api("POST", pods, body)
    t = time.monotonic()
    seen = run.wait_for(lambda e: e.get("event") == "object" and e["object"]["name"] == name)
    create.append((seen - t) * 1000)
    time.sleep(0.2)
for i in range(n):
    name = f"probe-{i}"
    api("DELETE", f"{pods}/{name}", {"gracePeriodSeconds": 0})
    t = time.monotonic()
    seen = run.wait_for(lambda e: e.get("event") == "object" and e["object"]["name"] == name
                        and e["state"] == "deleted")
    delete.append((seen - t) * 1000)
    time.sleep(0.2)
# Let the release finish: drop the nodeSelector (one more change helm sees).
api("PATCH", f"/apis/apps/v1/namespaces/{ns}/deployments/lat",
    [{"op": "remove", "path": "/spec/template/spec/nodeSelector"}], "application/json-patch+json")
run.p.wait(timeout=180)
both = create + delete

# 2. A failing pre-upgrade hook, R times: the first moment the API shows its pod Failed (a
#    watch of our own) → apwiz's cause card line and helm's error line.
r = int(os.environ.get("R", "3"))
card_after, helm_after = [], []
for k in range(r):
    listed = api("GET", f"{pods}?labelSelector=job-name%3Dweb-prepare")
    old = {p["metadata"]["uid"] for p in listed["items"]}
    failed_at = []
    def observe():
        c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=120)
        c.request("GET", f"{pods}?labelSelector=job-name%3Dweb-prepare&watch=1"
                  f"&resourceVersion={listed['metadata']['resourceVersion']}")
        resp = c.getresponse()
        while not failed_at:
            line = resp.readline()
            if not line:
                return
            o = json.loads(line)["object"]
            if o["metadata"]["uid"] not in old and o.get("status", {}).get("phase") == "Failed":
                failed_at.append(time.monotonic())
    obs = threading.Thread(target=observe, daemon=True)
    obs.start()
    time.sleep(0.3)
    run = Run(["deploy", "--release", "web", "-n", ns, "--env", "broken", "--yes", "--format", "json"])
    card = run.wait_for(lambda e: e.get("event") == "failure", 120)
    helm = run.wait_for(lambda e: e.get("event") == "helm" and "Error" in e.get("line", ""), 120)
    run.p.wait(timeout=180)
    obs.join(timeout=10)
    if not failed_at:
        sys.exit("the observer never saw the hook pod Failed")
    card_after.append((card - failed_at[0]) * 1000)
    helm_after.append((helm - failed_at[0]) * 1000)

print(f"| cluster change → line printed: {len(both)} changes ({n} pods created, {n} deleted through the API) | p50 {pct(both, 50):.0f} ms, p95 {pct(both, 95):.0f} ms, max {max(both):.0f} ms | p95 ≤ 1000 ms |")
print(f"| hook pod seen Failed on the API → apwiz cause card ({r} runs) | median {pct(card_after, 50):.0f} ms, max {max(card_after):.0f} ms | ≤ 2000 ms |")
print(f"| hook pod seen Failed on the API → helm's own error line (same runs) | median {pct(helm_after, 50):.0f} ms, max {max(helm_after):.0f} ms | (reference) |")
PY
latency=$(python3 latency.py "$apwiz" "$ns" kubeconfig.json)

cat <<T
| what | measured | target |
| --- | --- | --- |
| pre-checks (slowest of the parallel checks) | ${pre} ms | ≤ 3000 ms |
| helm spawned → first object row printed (install) | ${first_row} ms | — |
| failing hook: apwiz cause card after helm started | ${card} ms | ≤ 2000 ms after the pod fails |
| failing hook: helm's own error line after helm started | ${helm_err} ms | (reference) |
| \`apwiz history\` of ${revs} revisions (median of 5) | ${t_apwiz} ms | ≤ 1000 ms |
| \`helm history\` of the same release (median of 5) | ${t_helm} ms | (reference) |
${latency}
T
