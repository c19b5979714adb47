#!/usr/bin/env python3
"""Render benchmark: `helm template` wall time and output size for N services.

For each N it measures two charts with the same helm binary:
  ours   chart/ with N services (values generated here)
  floor  a throw-away chart whose templates/ holds the very YAML ours printed: Helm's own cost of
         reading, parsing and printing the same output, with no template logic of ours.
Targets: ours/floor within 3x at N = 100 and 500, and time per service flat as N grows.

  scripts/bench-render.py                      # N = 1 10 100 500, every feature off
  scripts/bench-render.py --features           # the same with every feature on
  scripts/bench-render.py --sizes 1 10 --runs 5 --markdown
  scripts/bench-render.py --snapshot DIR       # render every example, preset and bench size x env
  scripts/bench-render.py --compare DIR        # the same again, diffed against DIR (exit 1 on a change)
  scripts/bench-render.py --features --sizes 100 --baseline main   # this chart against main's, interleaved
Prints a Markdown table (paste into docs/benchmarks.md). Times are medians of --runs runs, ours and
the floor interleaved; CPU is helm's user + system time (getrusage of the child).
--snapshot / --compare guard speed work on the templates: the output must stay byte-identical.
--baseline REF renders the same values with the chart of git revision REF (git archive, into a
temporary directory) and with this one, interleaved, and prints both CPU times and their ratio
(the output must be the same: a speed-up that changes it is not one).
"""
import argparse
import base64
import gzip
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
KUBE_VERSION = "1.34.0"


def service_values(i, features):
    kinds = ["deployment", "deployment", "statefulset", "cronjob"]
    wt = kinds[i % len(kinds)]
    image = f"ghcr.io/acme/svc-{i:04d}:1.{i}.0"
    if features:  # the map form (issue 20), as apwiz new writes it
        image = f"{{repository: ghcr.io/acme/svc-{i:04d}, tag: \"1.{i}.0\"}}"
    lines = [f"  svc-{i:04d}:", f"    workloadType: {wt}", f"    image: {image}"]
    lines.append(f"    env: {{SERVICE_INDEX: \"{i}\"}}")
    if wt == "statefulset":
        lines.append("    persistence: {enabled: true, storageClass: standard, size: 1Gi}")
    if wt == "cronjob":
        lines.append("    cronjob: {schedule: \"*/5 * * * *\"}")
    if features:
        lines.append(FEATURE_VALUES.get(wt, FEATURE_VALUES["deployment"]))
        if i > 0 and wt in ("deployment", "statefulset"):
            lines.append(f"    dependsOn: [svc-{(i - 1) - ((i - 1) % 4):04d}]")
    return "\n".join(lines)


# Feature toggles switched on per service in --features mode (kept in one place so the table
# says exactly what "every feature on" meant).
FEATURE_VALUES = {
    "deployment": "\n".join([
        "    ingress: {enabled: true, host: svc.example.com}",
        "    monitoring: {enabled: true, scrapeInterval: 30s}",
        "    autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 5}",
        "    pdb: {enabled: true, maxUnavailable: 1}",
        "    networkPolicy: {enabled: true}",
        "    rbac: {enabled: true, rules: [{apiGroups: [\"\"], resources: [configmaps], verbs: [get]}]}",
        "    configFiles: {files: {app.yaml: \"a: 1\"}}",
        "    hooks: {migrate: {preset: migration, command: [\"/app/migrate\"]}}",
        "    route: {enabled: true, parentRefs: [{name: public}]}",
        "    canary: {enabled: true, weight: 10, tag: \"2.0\"}",
        "    externalSecrets: {storeRef: {name: vault}, secrets: {db: {data: {DB_PASSWORD: {key: db, property: password}}}}}",
        # issue 20: named ports, a second Service, a sidecar with its own port and probes,
        # probes of each kind
        "    portName: grpc",
        "    appProtocol: grpc",
        "    probes: {readiness: {grpc: {port: grpc}}, liveness: {http: {path: /healthz, headers: {X-Probe: live}}, failureThreshold: 6}}",
        "    service: {ports: [{name: exporter, port: 9104, targetPort: exporter}]}",
        "    extraServices: [{name: external, type: LoadBalancer, externalTrafficPolicy: Local, ports: [{name: grpc, port: 443, targetPort: grpc}]}]",
        "    sidecars: [{name: exporter, image: {repository: prom/exporter, tag: v0.15.1}, ports: [{name: exporter, port: 9104}],"
        " probes: {readiness: {http: {path: /metrics}}, liveness: {tcp: {}}}, resources: {requests: {cpu: 10m, memory: 32Mi}}}]",
        "    lifecycle: {preStop: {sleep: {seconds: 5}}}",
    ]),
    "statefulset": "\n".join([
        "    monitoring: {enabled: true, scrapeInterval: 30s}",
        "    networkPolicy: {enabled: true}",
        "    pdb: {enabled: true, maxUnavailable: 1}",
        "    backup: {enabled: true, schedule: \"0 2 * * *\", image: \"ghcr.io/acme/backup:1.0\", command: [\"/backup\"], targetSecret: backup-target}",
        "    portName: tcp-db",
        "    service: {headless: true}",
        "    probes: {readiness: {exec: {command: [pg_isready]}}, liveness: {tcp: {}}}",
    ]),
    "cronjob": "    networkPolicy: {enabled: true}",
}


def values_file(n, features, directory):
    path = directory / f"values-{n}.yaml"
    body = "services:\n" + "\n".join(service_values(i, features) for i in range(n)) + "\n"
    path.write_text(body)
    return path


def run(helm, chart, values=None):
    cmd = [helm, "template", "bench", str(chart), "--kube-version", KUBE_VERSION]
    if values:
        cmd += ["-f", str(values)]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"bench-render: {' '.join(cmd)} failed:\n{out.stderr}")
    # helm's own CPU time (user + system): moves far less than wall time on a shared machine
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu, out.stdout


def floor_chart(manifest, directory):
    chart = directory / "floor"
    shutil.rmtree(chart, ignore_errors=True)
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: floor\nversion: 0.1.0\n")
    # Helm would try to render {{ in the copied output as a template; escape it verbatim.
    escaped = manifest.replace("{{", "{{`{{`}}")
    (chart / "templates" / "all.yaml").write_text(escaped)
    return chart


def release_size(manifest, values):
    """Estimate of the release Secret's payload: Helm stores base64(gzip(JSON of the release)),
    and the release holds the manifest, the whole chart (templates, values, schema) and the values."""
    chart = ROOT / "chart"
    # directories the chart's .helmignore leaves out ("docs/") are not in the release
    ignore = ROOT / "chart" / ".helmignore"
    skipped = [l.strip() for l in ignore.read_text().splitlines() if l.strip().endswith("/")] if ignore.exists() else []
    files = {str(p.relative_to(chart)): p.read_text() for p in sorted(chart.rglob("*"))
             if p.is_file() and not any(str(p.relative_to(chart)).startswith(d) for d in skipped)}
    release = json.dumps({"manifest": manifest, "chart": files, "config": values.read_text()})
    return len(base64.b64encode(gzip.compress(release.encode())))


def baseline(helm, ref, sizes, features, runs):
    """This chart against the chart of git revision ref on the same values, runs interleaved."""
    with tempfile.TemporaryDirectory(prefix="apwiz-baseline-") as tmp:
        tmp = pathlib.Path(tmp)
        git = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "chart"], capture_output=True)
        if git.returncode != 0:
            sys.exit(f"bench-render: --baseline {ref}: git archive failed ({git.stderr.decode().strip()}); "
                     "give a commit, branch or tag of this repository, e.g. --baseline main")
        archive = git.stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        charts = {ref: tmp / "chart", "this": ROOT / "chart"}
        loadavg = pathlib.Path("/proc/loadavg")
        load = loadavg.read_text().split()[0] if loadavg.exists() else "?"
        print(f"| services | {ref} CPU (s) | this CPU (s) | this / {ref} | {ref} wall (s) | this wall (s) |")
        print("|---:|---:|---:|---:|---:|---:|")
        for n in sizes:
            values = values_file(n, features, tmp)
            cpu = {k: [] for k in charts}
            wall = {k: [] for k in charts}
            outs = {}
            for _ in range(runs):
                for name, chart in charts.items():
                    t, c, outs[name] = run(helm, chart, values)
                    cpu[name].append(c)
                    wall[name].append(t)
            if outs[ref] != outs["this"]:
                sys.exit(f"bench-render: N={n}: the output differs from {ref}'s")
            b, o = statistics.median(cpu[ref]), statistics.median(cpu["this"])
            print(f"| {n} | {b:.3f} | {o:.3f} | {o / b:.2f} | {statistics.median(wall[ref]):.3f} | {statistics.median(wall['this']):.3f} |")
        print(f"\nmedians of {runs} interleaved runs, identical output, load average {load} at the start")


ENVS = [None, "dev", "staging", "prod"]


def preset_values(path):
    """A preset's values with each question answered by its example (what `apwiz new` is given)."""
    import yaml  # PyYAML: only the snapshot needs it

    preset = yaml.safe_load(path.read_text())
    if preset.get("kind") != "workload":
        return None
    values = preset.get("values") or {}
    for q in preset.get("questions") or []:
        if "example" not in q:
            continue
        node = values
        *parents, last = q["path"].split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = q["example"]
    return yaml.safe_dump(values, sort_keys=True)


def snapshot_inputs(directory):
    """Every values file the snapshot renders: examples, presets answered with their examples, and
    the benchmark's own values (10 services, features off and on)."""
    inputs = {}
    for f in sorted((ROOT / "examples").glob("*.yaml")):
        inputs[f"example-{f.stem}"] = f
    for f in sorted((ROOT / "examples" / "platform" / "standalone").glob("*.yaml")):
        inputs[f"platform-{f.stem}"] = f
    inputs["example-robot-shop"] = ROOT / "examples" / "robot-shop" / "values.yaml"
    for f in sorted((ROOT / "presets").glob("*.yaml")):
        body = preset_values(f)
        if body is not None:
            path = directory / f"preset-{f.stem}.yaml"
            path.write_text(body)
            inputs[f"preset-{f.stem}"] = path
    for features in (False, True):
        path = values_file(10, features, directory)
        inputs[f"bench-10{'-features' if features else ''}"] = path.rename(directory / f"bench-{features}.yaml")
    return inputs


def render_all(helm, out_dir):
    """Renders each input x environment into out_dir (stdout, or the error text when helm fails)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="apwiz-snapshot-") as tmp:
        for name, values in snapshot_inputs(pathlib.Path(tmp)).items():
            for env in ENVS:
                cmd = [helm, "template", "snap", str(ROOT / "chart"), "--kube-version", KUBE_VERSION, "-f", str(values)]
                if env:
                    cmd += ["-f", str(ROOT / "chart" / f"values-{env}.yaml")]
                out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
                text = out.stdout if out.returncode == 0 else f"FAILED\n{out.stderr}"
                (out_dir / f"{name}.{env or 'base'}.yaml").write_text(text)
    return sorted(p.name for p in out_dir.iterdir())


def compare(helm, before):
    with tempfile.TemporaryDirectory(prefix="apwiz-compare-") as tmp:
        after = pathlib.Path(tmp)
        names = render_all(helm, after)
        changed = [n for n in names if not (before / n).exists() or (before / n).read_bytes() != (after / n).read_bytes()]
        missing = sorted({p.name for p in before.iterdir()} - set(names))
        for n in changed:
            diff = subprocess.run(["diff", "-u", str(before / n), str(after / n)], capture_output=True, text=True).stdout
            print(f"bench-render: {n} differs:\n{diff[:4000]}", file=sys.stderr)
        failed = [n for n in names if (after / n).read_text().startswith("FAILED")]
        print(f"bench-render: {len(names)} renders, {len(changed)} differ, {len(missing)} missing, "
              f"{len(failed)} fail (the same way as before)", file=sys.stderr)
        return 1 if changed or missing else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--helm", default=str(ROOT / ".tools/bin/helm"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 500])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--features", action="store_true", help="every feature on for every service")
    ap.add_argument("--snapshot", type=pathlib.Path, metavar="DIR", help="render every example, preset and bench size x env into DIR")
    ap.add_argument("--compare", type=pathlib.Path, metavar="DIR", help="render the same and diff against DIR")
    ap.add_argument("--baseline", metavar="REF", help="compare CPU time with the chart of git revision REF (interleaved)")
    args = ap.parse_args()
    if args.baseline:
        baseline(args.helm, args.baseline, args.sizes, args.features, args.runs)
        return
    if args.snapshot:
        names = render_all(args.helm, args.snapshot)
        print(f"bench-render: {len(names)} renders in {args.snapshot}", file=sys.stderr)
        return
    if args.compare:
        sys.exit(compare(args.helm, args.compare))
    rows = []
    with tempfile.TemporaryDirectory(prefix="apwiz-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        for n in args.sizes:
            values = values_file(n, args.features, tmp)
            manifest = run(args.helm, ROOT / "chart", values)[2]
            floor_dir = floor_chart(manifest, tmp)
            ours, floor = [], []
            for _ in range(args.runs):  # interleaved, so both see the same load
                ours.append(run(args.helm, ROOT / "chart", values)[:2])
                floor.append(run(args.helm, floor_dir)[:2])
            o, f = statistics.median(t for t, _ in ours), statistics.median(t for t, _ in floor)
            oc, fc = statistics.median(c for _, c in ours), statistics.median(c for _, c in floor)
            objects = manifest.count("\nkind: ")
            size = release_size(manifest, values)
            rows.append((n, o, f, o / f, oc, fc, oc / fc, o / n * 1000, len(manifest.encode()) / n, objects, size))
            print(f"bench-render: N={n}: ours {o:.3f}s, floor {f:.3f}s, ratio {o / f:.2f}; CPU ratio {oc / fc:.2f}", file=sys.stderr)
    version = subprocess.run([args.helm, "version", "--short"], capture_output=True, text=True).stdout.strip()
    mode = "every feature on" if args.features else "features off"
    print(f"Helm {version}, {mode}, median of {args.runs} runs, `{' '.join(sys.argv[1:]) or '(defaults)'}`\n")
    print("| services | ours (s) | floor (s) | ours / floor | ours CPU (s) | floor CPU (s) | CPU ours / floor | ms per service | output bytes per service | objects | release Secret payload (KiB, of 1024) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, o, f, r, oc, fc, rc, per, out, objects, size in rows:
        print(f"| {n} | {o:.3f} | {f:.3f} | {r:.2f} | {oc:.3f} | {fc:.3f} | {rc:.2f} | {per:.1f} | {out:,.0f} | {objects} | {size / 1024:,.0f} |")


if __name__ == "__main__":
    main()
