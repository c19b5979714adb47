#!/usr/bin/env python3
"""Measures interactive deploys in tmux on the local control plane (never a timed test):

1. the whole path "apwiz → files written → deployed and ready" for web-app: keys pressed (the
   characters of the answers not counted) and seconds, from starting apwiz to the ready pod on
   screen;
2. key press → frame while a deploy streams (apwiz's own timings, APWIZ_TUI_BENCH), p95;
3. cluster change → on screen: with `apwiz status --watch` open, `kubectl scale` of the
   Deployment, then tmux's screen polled every 10 ms until the new replica count is drawn.
   The clock starts before kubectl is spawned, so the figure includes kubectl's own start-up
   (an overestimate of apwiz's share).

Usage: scripts/bench-deploy-tui.py [path/to/apwiz]   (default target/debug/apwiz; build it first)
Needs the control plane (scripts/control-plane.sh up) and tmux.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
apwiz = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "target/debug/apwiz")
helm = os.environ.get("APWIZ_HELM", os.path.join(root, ".tools/bin/helm"))
cp = os.path.join(root, "scripts/control-plane.sh")
if not shutil.which("tmux"):
    sys.exit("bench-deploy-tui: tmux is needed")
kubeconfig = subprocess.run([cp, "up"], check=True, capture_output=True, text=True).stdout.strip()
ns = "bench-tui-deploy"


def kubectl(*args, kc=kubeconfig, check=True):
    return subprocess.run([cp, "kubectl", *args], check=check, capture_output=True, text=True,
                          env={**os.environ, "KUBECONFIG": kc})


kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s")
kubectl("create", "namespace", ns)
work = tempfile.mkdtemp(prefix="apwiz-bench-deploy-")
kc = os.path.join(work, "kubeconfig.yaml")
shutil.copy(kubeconfig, kc)
kubectl("config", "set-context", "--current", "--namespace", ns, "--kubeconfig", kc)
team = os.path.join(work, "shop")
os.makedirs(team)
sock = "apwiz-bench-deploy"


def t(*args):
    return subprocess.run(["tmux", "-L", sock, *args], check=True, capture_output=True, text=True)


def screen():
    return t("capture-pane", "-p", "-t", "b").stdout


def wait_for(needle, within=120.0, every=0.05):
    end = time.monotonic() + within
    while time.monotonic() < end:
        s = screen()
        if needle in s:
            return s
        time.sleep(every)
    sys.exit(f"timeout waiting for {needle!r}:\n{screen()}")


keys = 0


def key(k):
    global keys
    t("send-keys", "-t", "b", k)
    keys += 1


def text(s):
    t("send-keys", "-t", "b", "-l", s)


out = os.path.join(work, "bench.json")
env = (f"env APWIZ_CONFIG={work}/none.yaml APWIZ_HELM={helm} KUBECONFIG={kc} "
       f"APWIZ_STATE_DIR={work}/state APWIZ_TUI_BENCH={out}")
try:
    started = time.monotonic()
    t("new-session", "-d", "-s", "b", "-x", "120", "-y", "40", "-c", team, f"{env} {apwiz}; sleep 30")
    wait_for("web-app")
    key("Enter")
    wait_for("Container image")
    text("ghcr.io/acme/shop:1.4.2")
    key("Tab")
    text("shop.example.com")
    key("Enter")
    wait_for("Features of this deployment")
    key("Enter")
    wait_for("Replicas")
    key("Enter")
    wait_for("(new)")
    key("Enter")
    wait_for("created")
    key("d")
    wait_for("install shop to")
    key("y")
    # Keys while the deploy streams: panels and scrolling (each draws at once).
    for k in ["Tab", "Tab", "Tab", "Tab", "Down", "Up"] * 3:
        t("send-keys", "-t", "b", k)
        time.sleep(0.03)
    wait_for("deploy · succeeded")
    wait_for("Running, ready")
    path_s = time.monotonic() - started
    key("q")
    wait_for("Review")
    t("send-keys", "-t", "b", "q")
    for _ in range(100):
        if os.path.exists(out) and os.path.getsize(out) > 0:
            break
        time.sleep(0.05)
    bench = json.load(open(out))
    t("kill-server")

    # Cluster change → on screen, with the status view open.
    t("new-session", "-d", "-s", "b", "-x", "120", "-y", "40", "-c", team,
      f"{env}-status {apwiz} status --watch --dir deploy; sleep 30")
    wait_for("Deployment/shop")
    lat = []
    for i in range(20):
        n = 2 + i % 2  # 2, 3, 2, 3…
        want = f"/{n}"
        t0 = time.monotonic()
        kubectl("scale", "deployment", "shop", f"--replicas={n}", "-n", ns)
        while True:
            line = next((l for l in screen().splitlines() if "Deployment/shop" in l), "")
            if want in line:
                break
            if time.monotonic() - t0 > 10:
                sys.exit(f"the scale to {n} never showed:\n{screen()}")
            time.sleep(0.01)
        lat.append((time.monotonic() - t0) * 1000)
        time.sleep(0.3)
finally:
    subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.95 * len(xs)))] if xs else float("nan")


busy_keys = [ms for ms, busy in bench.get("keyToFrameMs", []) if busy]
busy_frames = [ms for ms, busy in bench["frames"] if busy]
rows = [
    ("web-app from `apwiz` to deployed and ready: keys (answers' characters not counted)",
     f"{keys}", "< 30"),
    ("… and seconds (tmux-driven, no think time)", f"{path_s:.1f} s", "< 300 s for a person"),
    (f"key press → frame while a deploy streams, p95 ({len(busy_keys)} keys)",
     f"{p95(busy_keys):.1f} ms", "< 16 ms"),
    (f"frame time p95 while streaming ({len(busy_frames)} frames)", f"{p95(busy_frames):.1f} ms", ""),
    (f"cluster change → on screen, p95 of {len(lat)} scales (incl. kubectl start-up)",
     f"{p95(lat):.0f} ms", "≤ 1000 ms"),
    ("… median", f"{sorted(lat)[len(lat) // 2]:.0f} ms", ""),
]
print("| measure | result | goal |\n| --- | --- | --- |")
for r in rows:
    print(f"| {r[0]} | {r[1]} | {r[2]} |")
shutil.rmtree(work, ignore_errors=True)
kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=false", check=False)
