#!/usr/bin/env python3
"""Writes the chart's generated files; `--check` fails when a committed one is stale.

1. chart/values.schema.json, from the modular sources in schema/.
2. chart/templates/_defaults.tpl, the chart's values.yaml as a named template. Templates cannot
   read values.yaml (.Files excludes it), but two rules need the chart's own defaults: global
   service defaults rank above them and below the team's values, and an external service may not
   set an image or replicas of its own.
3. chart/docs/architecture.md and chart/docs/performance.md, sections of the team manual built
   from real renders with the pinned helm (Mermaid diagrams of which values produce which
   objects, for one service and for a multi-service release) and from the chart's environment
   files and docs/benchmarks.md (performance tuning), so they cannot drift from the chart.
4. chart/README.md, the team manual, through `apwiz docs` (cargo run): it is built from the schema,
   values.yaml and the presets (and places chart/docs/*.md before the values reference), so it is
   regenerated with them.

The chart ships ONE self-contained schema (no $ref to a URL or another file: those fail offline
and on Helm >= 3.18.5 / 4). Sources are easier to edit one concern at a time:

  schema/root.json        "$schema", title, root-only properties (global, services, ...)
  schema/*.json           every other file: {"properties": {...service keys...},
                                             "definitions": {...shared shapes...}}

A service key {"x-alias": "cronjob.schedule", "description": ...} (schema/compat.json) is another
name for an existing key: the output holds a copy of the target's schema (type, bounds, enum,
examples) with the alias's own description and examples and no default (an alias is unset unless
written), so the two can never disagree.

Every enum of strings is written as {"pattern": "^(a|b|c)$", "allOf": [{"enum": [a, b, c]}]}.
Helm's validator (santhosh-tekuri/jsonschema, Helm 3.18.5+ and 4) checks a sibling "enum" before
anything else and stops there with "value must be one of ..." without the value it rejected; the
pattern beside it reports "'lambda' does not match ...", and the enum, one level down, still lists
the allowed values. Tools read the allowed values from allOf[0].enum.

Every service key appears twice in the output: at the top level (the one service, or the defaults
every service inherits) and in definitions.service (the shape of services.<name>). Both are the same
object, written out in full, so tools need no $ref resolution for service keys.

  scripts/generate.py          write both files
  scripts/generate.py --check  exit 1 if a committed file is stale
"""
import copy
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT / "schema"
OUTPUT = ROOT / "chart" / "values.schema.json"
VALUES = ROOT / "chart" / "values.yaml"
DEFAULTS = ROOT / "chart" / "templates" / "_defaults.tpl"
MANUAL = ROOT / "chart" / "docs"
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
KUBE_VERSION = "1.34.0"


def fail(msg):
    print(f"generate: {msg}", file=sys.stderr)
    sys.exit(2)


def load(path):
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        fail(f"{path.relative_to(ROOT)}:{e.lineno}:{e.colno}: {e.msg}")


def build():
    root = load(SOURCES / "root.json")
    service_props, definitions, origin = {}, {}, {}
    for path in sorted(SOURCES.glob("*.json")):
        if path.name == "root.json":
            continue
        src = load(path)
        unknown = set(src) - {"description", "properties", "definitions"}
        if unknown:
            fail(f"{path.name}: unknown top-level keys {sorted(unknown)}")
        for kind, target in (("properties", service_props), ("definitions", definitions)):
            for key, value in src.get(kind, {}).items():
                if key in target:
                    fail(f"{path.name}: {kind[:-1]} '{key}' is already defined in {origin[(kind, key)]}")
                target[key] = value
                origin[(kind, key)] = path.name
    resolve_aliases(service_props)
    root_props = root.pop("rootProperties")
    clash = set(root_props) & set(service_props)
    if clash:
        fail(f"root.json and service sources both define {sorted(clash)}")
    undescribed = []
    for key, prop in {**root_props, **service_props}.items():
        require_descriptions(prop, key, undescribed)
    for key, prop in definitions.items():
        require_descriptions(prop, f"definitions.{key}", undescribed, self_too=False)
    if undescribed:
        fail("every property needs a description; missing at:\n  " + "\n  ".join(undescribed))
    service = {
        "type": "object",
        "description": "One service: every top-level service key, overriding the top level for this service.",
        "additionalProperties": False,
        # a copy: the generated file writes every service key out twice, as distinct objects
        "properties": copy.deepcopy(service_props),
    }
    schema = dict(root)
    schema["properties"] = {**root_props, **service_props}
    schema["definitions"] = {"service": service, **dict(sorted(definitions.items()))}
    echo_enums(schema)
    check_refs(schema, schema)
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def resolve_aliases(props):
    """Replaces every {"x-alias": "a.b"} service key with a copy of the schema of key a.b."""
    for key, prop in list(props.items()):
        target = prop.get("x-alias")
        if target is None:
            continue
        node = {"properties": props}
        for part in target.split("."):
            node = node.get("properties", {}).get(part)
            if node is None or "x-alias" in node:
                fail(f"service key '{key}': x-alias {target!r} names no (non-alias) service key")
        alias = copy.deepcopy(node)
        alias.pop("default", None)
        alias["description"] = prop["description"]
        if "examples" in prop:
            alias["examples"] = prop["examples"]
        unknown = set(prop) - {"x-alias", "description", "examples"}
        if unknown:
            fail(f"service key '{key}': an alias takes only description and examples, not {sorted(unknown)}")
        props[key] = alias


def require_descriptions(node, where, missing, self_too=True):
    """Collects every property (at any depth) without a description into missing."""
    if not isinstance(node, dict):
        return
    if self_too and "description" not in node:
        missing.append(where)
    for key, sub in node.get("properties", {}).items():
        require_descriptions(sub, f"{where}.{key}", missing)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            require_descriptions(node[key], f"{where}[]" if key == "items" else f"{where}.*", missing, self_too=False)
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in node.get(key) or []:
            require_descriptions(sub, where, missing, self_too=False)


def echo_enums(node):
    """Moves every enum of strings under allOf, with a pattern of the same values beside it."""
    if isinstance(node, dict):
        enum = node.get("enum")
        if enum and all(isinstance(v, str) for v in enum) and "pattern" not in node and "allOf" not in node:
            del node["enum"]
            node["pattern"] = "^(" + "|".join(re.escape(v) for v in enum) + ")$"
            node["allOf"] = [{"enum": enum}]
            return
        for v in node.values():
            echo_enums(v)
    elif isinstance(node, list):
        for v in node:
            echo_enums(v)


def check_refs(node, schema, where="#"):
    """Every $ref must be internal and resolve: the chart's schema is self-contained."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None:
            if not ref.startswith("#/definitions/"):
                fail(f"{where}: $ref {ref!r} is not internal (only #/definitions/... is allowed)")
            if ref.split("/")[-1] not in schema["definitions"]:
                fail(f"{where}: $ref {ref!r} names no definition")
        for k, v in node.items():
            check_refs(v, schema, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_refs(v, schema, f"{where}/{i}")


def defaults_template():
    values = VALUES.read_text()
    if "{{" in values or "{{-" in values:
        fail("chart/values.yaml contains '{{', which cannot be embedded in a template")
    return (
        "{{/*\n"
        "GENERATED by scripts/generate.py from chart/values.yaml: do not edit.\n"
        "app-platform.values.chartDefaults: the chart's own defaults (templates cannot read values.yaml).\n"
        "Usage: {{- $defaults := include \"app-platform.values.chartDefaults\" . | fromYaml }}\n"
        "*/}}\n"
        '{{- define "app-platform.values.chartDefaults" -}}\n'
        + values
        + "{{- end -}}\n"
    )


def main():
    outputs = {OUTPUT: build(), DEFAULTS: defaults_template()}
    if "--check" in sys.argv[1:]:
        sections = manual_sections()
        if sections is None:
            sys.exit(1)
        outputs.update(sections)
        stale = [p for p, text in outputs.items() if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"generate: {p.relative_to(ROOT)} is stale; run scripts/generate.py", file=sys.stderr)
        if stale or apwiz_docs(check=True) != 0:
            sys.exit(1)
        print("generate: generated files are up to date")
        return
    for p, text in outputs.items():
        p.write_text(text)
        print(f"generate: wrote {p.relative_to(ROOT)} ({len(text)} bytes)")
    # the manual's sections render the chart just written
    for p, text in (manual_sections() or {}).items():
        p.parent.mkdir(exist_ok=True)
        p.write_text(text)
        print(f"generate: wrote {p.relative_to(ROOT)} ({len(text)} bytes)")
    apwiz_docs()


# ---------------------------------------------------------------------------------------------
# The team manual's sections from real renders (chart/docs/*.md)

# The single-service release of the architecture diagram: the web-app example with the features a
# service can turn on (shown in the manual next to the diagram).
ONE_SERVICE_EXTRA = """\
route: {enabled: true, parentRefs: [{name: public, namespace: gateway}]}
canary: {enabled: true, weight: 10, tag: 1.5.0}
monitoring: {enabled: true, scrapeInterval: 30s}
autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 10}
pdb: {enabled: true}
networkPolicy: {enabled: true}
externalSecrets:
  storeRef: {name: vault}
  secrets:
    db: {data: {DB_PASSWORD: {key: prod/shop/db, property: password}}}
hooks:
  migrate: {preset: migration, command: [/app/migrate, up]}
"""

# Which values produce an object: by kind, then by the object's role.
VALUE_OF_KIND = {
    "Deployment": "workloadType, image, replicas",
    "StatefulSet": "workloadType: statefulset, persistence",
    "DaemonSet": "workloadType: daemonset",
    "CronJob": "workloadType: cronjob, cronjob",
    "Job": "workloadType: job, job",
    "Service": "service, port",
    "ConfigMap": "configFiles",
    "Ingress": "ingress",
    "HTTPRoute": "route",
    "ServiceMonitor": "monitoring",
    "PrometheusRule": "monitoring.alerts, monitoring.rules",
    "HorizontalPodAutoscaler": "autoscaling",
    "PodDisruptionBudget": "pdb",
    "NetworkPolicy": "networkPolicy",
    "ExternalSecret": "externalSecrets",
    "ServiceAccount": "serviceAccount",
    "Role": "rbac",
    "RoleBinding": "rbac",
    "PersistentVolumeClaim": "persistence",
    "EndpointSlice": "external.addresses",
    "Pod": "tests",
}


def helm_path():
    import shutil
    pinned = ROOT / ".tools" / "bin" / "helm"
    return str(pinned) if pinned.exists() else shutil.which("helm")


def run_helm(args):
    import subprocess
    out = subprocess.run([helm_path(), *args], capture_output=True, text=True, cwd=ROOT,
                         env={**__import__("os").environ, "NO_COLOR": "1"})
    if out.returncode != 0:
        fail(f"helm {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def as_json(manifest, value_files=()):
    """The YAML documents of a manifest and the merge of value files, as JSON: through a
    throw-away chart whose one template prints them with toJson (no YAML library needed)."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="apwiz-generate-") as tmp:
        chart = pathlib.Path(tmp)
        (chart / "templates").mkdir()
        (chart / "Chart.yaml").write_text("apiVersion: v2\nname: tojson\nversion: 0.1.0\n")
        (chart / "in.yaml").write_text(manifest)
        (chart / "templates" / "out.yaml").write_text(
            '{{- $docs := list -}}\n'
            '{{- range splitList "\\n---\\n" (.Files.Get "in.yaml") -}}'
            '{{- with fromYaml . -}}{{- if .kind -}}{{- $docs = append $docs . -}}{{- end -}}{{- end -}}{{- end -}}\n'
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: out}\ndata:\n"
            '  json: {{ dict "objects" $docs "values" .Values | toJson | toJson }}\n'
        )
        args = ["template", "x", str(chart)]
        for f in value_files:
            args += ["-f", str(f)]
        out = run_helm(args)
    line = next(l for l in out.splitlines() if l.startswith("  json: "))
    return json.loads(json.loads(line[len("  json: "):]))


def render(files, extra=None):
    import tempfile
    args = ["template", "shop", "chart", "--namespace", "shop", "--kube-version", KUBE_VERSION]
    for f in files:
        args += ["-f", f]
    with tempfile.TemporaryDirectory(prefix="apwiz-generate-") as tmp:
        if extra:
            path = pathlib.Path(tmp) / "extra.yaml"
            path.write_text(extra)
            args += ["-f", str(path)]
        manifest = run_helm(args)
    return as_json(manifest)["objects"]


def selects(selector, labels):
    return bool(selector) and all((labels or {}).get(k) == v for k, v in selector.items())


def pod_labels(o):
    spec = o.get("spec", {})
    if o["kind"] == "Pod":
        return o["metadata"].get("labels", {})
    if o["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template", {}).get("metadata", {}).get("labels", {})


def pod_spec(o):
    if o["kind"] == "Pod":
        return o.get("spec", {})
    spec = o.get("spec", {})
    if o["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template", {}).get("spec", {})


def object_values(o, services):
    """Which values produce an object (for the value nodes of the diagram)."""
    name, kind = o["metadata"]["name"], o["kind"]
    ann = o["metadata"].get("annotations", {})
    if "helm.sh/hook" in ann and kind == "Job":
        component = pod_labels(o).get("app.kubernetes.io/component", "")
        owner = max((s for s in services if component.startswith(s + "-")), key=len, default="")
        return f"hooks.{component[len(owner) + 1:]}" if owner else "hooks"
    if name.endswith("-canary"):
        return "canary"
    if kind == "CronJob" and name.endswith("-backup"):
        return "backup"
    return VALUE_OF_KIND.get(kind, kind)


def mermaid(objects, value_nodes):
    """A Mermaid flowchart of the objects of a render: how they point at each other (selectors,
    backends, scale targets, volumes, envFrom, service accounts, dependsOn waits), grouped by
    service, and (value_nodes) the values that produce each."""
    ids = {}
    for i, o in enumerate(objects):
        ids[(o["kind"], o["metadata"]["name"])] = f"o{i}"
    services = sorted({o["metadata"].get("labels", {}).get("app.kubernetes.io/component", "")
                       for o in objects if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Service")
                       and "helm.sh/hook" not in o["metadata"].get("annotations", {})} - {""}, key=len)
    by_service = {}
    for o in objects:
        component = o["metadata"].get("labels", {}).get("app.kubernetes.io/component", "")
        if o["kind"] in ("Pod", "Job") or not component:
            component = pod_labels(o).get("app.kubernetes.io/component", component)
        owner = max((s for s in services if component == s or component.startswith(s + "-")), key=len, default=component)
        by_service.setdefault(owner, []).append(o)
    lines = ["flowchart LR"]
    for svc in sorted(by_service):
        group = len(by_service) > 1
        if group:
            lines.append(f'  subgraph svc_{svc.replace("-", "_")}["service {svc}"]')
        for o in by_service[svc]:
            label = f'{o["kind"]}<br/>{o["metadata"]["name"]}'
            lines.append(f'  {"  " if group else ""}{ids[(o["kind"], o["metadata"]["name"])]}["{label}"]')
        if group:
            lines.append("  end")
    edges = []
    services_by_name = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    workloads = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod")]

    def node(kind, name):
        return ids.get((kind, name))

    for o in objects:
        me = node(o["kind"], o["metadata"]["name"])
        spec = o.get("spec", {})
        if o["kind"] == "Service" and spec.get("selector"):
            for w in workloads:
                if w["kind"] != "Pod" and selects(spec["selector"], pod_labels(w)):
                    edges.append((me, "selects", node(w["kind"], w["metadata"]["name"])))
        if o["kind"] == "HTTPRoute":
            for rule in spec.get("rules", []):
                for b in rule.get("backendRefs", []):
                    label = f'weight {b["weight"]}' if "weight" in b else "routes to"
                    edges.append((me, label, node("Service", b["name"])))
        if o["kind"] == "Ingress":
            for rule in spec.get("rules", []):
                for path in rule.get("http", {}).get("paths", []):
                    edges.append((me, "routes to", node("Service", path["backend"]["service"]["name"])))
        if o["kind"] == "HorizontalPodAutoscaler":
            ref = spec["scaleTargetRef"]
            edges.append((me, "scales", node(ref["kind"], ref["name"])))
        if o["kind"] in ("PodDisruptionBudget", "NetworkPolicy"):
            sel = (spec.get("selector") or spec.get("podSelector") or {}).get("matchLabels", {})
            for w in workloads:
                if w["kind"] in ("Deployment", "StatefulSet", "DaemonSet") and selects(sel, pod_labels(w)):
                    edges.append((me, "budgets" if o["kind"] == "PodDisruptionBudget" else "isolates", node(w["kind"], w["metadata"]["name"])))
        if o["kind"] == "ServiceMonitor":
            sel = spec.get("selector", {}).get("matchLabels", {})
            for s in services_by_name.values():
                if selects(sel, s["metadata"].get("labels", {})) and not s["metadata"]["name"].endswith("-headless"):
                    edges.append((me, "scrapes", node("Service", s["metadata"]["name"])))
        if o["kind"] == "RoleBinding":
            edges.append((me, "grants", node("Role", spec.get("roleRef", {}).get("name", o["metadata"]["name"]))))
        if o in workloads:
            ps = pod_spec(o)
            for v in ps.get("volumes", []):
                if "configMap" in v:
                    edges.append((me, "mounts", node("ConfigMap", v["configMap"]["name"])))
                if "persistentVolumeClaim" in v:
                    edges.append((me, "mounts", node("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"])))
            for c in ps.get("containers", []) + ps.get("initContainers", []):
                for ref in c.get("envFrom", []):
                    if "secretRef" in ref:
                        edges.append((me, "env from", node("ExternalSecret", ref["secretRef"]["name"])))
                if c["name"].startswith("wait-for-"):
                    host = next((e.get("value") for e in c.get("env", []) if e["name"] == "HOST"), "")
                    edges.append((me, "waits for", node("Service", host)))
                if o["kind"] == "Pod":
                    host = next((e.get("value") for e in c.get("env", []) if e["name"] == "SERVICE_HOST"), "")
                    edges.append((me, "tests", node("Service", host)))
            if ps.get("serviceAccountName"):
                edges.append((me, "runs as", node("ServiceAccount", ps["serviceAccountName"])))
    seen = set()
    for a, label, b in edges:
        if a and b and (a, label, b) not in seen:
            seen.add((a, label, b))
            lines.append(f"  {a} -- {label} --> {b}")
    if value_nodes:
        values = {}
        for o in objects:
            values.setdefault(object_values(o, services), []).append(node(o["kind"], o["metadata"]["name"]))
        for i, key in enumerate(sorted(values)):
            lines.append(f'  v{i}(["{key}"])')
            for target in values[key]:
                lines.append(f"  v{i} -.-> {target}")
        lines.append("  classDef value fill:#eef,stroke:#88a")
        lines.append("  class " + ",".join(f"v{i}" for i in range(len(values))) + " value")
    return "\n".join(lines)


def architecture_section():
    one = render(["examples/web-app.yaml"], ONE_SERVICE_EXTRA)
    many = render(["examples/four-services.yaml"])
    extra = ONE_SERVICE_EXTRA.rstrip("\n")
    return f"""<!-- GENERATED by scripts/generate.py from helm template of this chart: do not edit. -->
## Architecture: values to objects

What the chart makes of a values file, drawn from real renders (`helm template shop chart
--kube-version {KUBE_VERSION}`), so the pictures follow the chart. Round nodes are values, boxes are
the objects they produce, arrows say how the objects use each other (a Service selects pods, a
route sends traffic, an autoscaler scales, a pod mounts, reads `envFrom`, runs as an account,
waits for a dependency).

### One service

`examples/web-app.yaml` with these features turned on ({len(one)} objects):

```yaml
{extra}
```

```mermaid
{mermaid(one, True)}
```

The canary (`-canary`) has its own component label, so the service's selector, budget, autoscaler
and policy never touch its pods; the route splits the requests by weight. Hook Jobs, the test Pod
and the canary run as the service (its image or theirs, its env, secrets and security).

### A multi-service release

`examples/four-services.yaml` ({len(many)} objects): one box per service, `dependsOn` as "waits for"
(an init container that waits, and NetworkPolicy edges when `networkPolicy` is on).

```mermaid
{mermaid(many, False)}
```
"""


def env_table():
    env_files = [f for f in ("dev", "staging", "prod") if (ROOT / "chart" / f"values-{f}.yaml").exists()]
    columns = [("chart default", [VALUES])] + [(e, [VALUES, ROOT / "chart" / f"values-{e}.yaml"]) for e in env_files]
    rows = {}
    for name, files in columns:
        v = as_json("", files)["values"]
        res = v.get("resources", {})
        spread = v.get("topologySpreadConstraints") or []
        a, p = v.get("autoscaling", {}), v.get("pdb", {})
        cells = {
            "replicas": str(v.get("replicas")),
            "requests (cpu / memory)": f'{res.get("requests", {}).get("cpu")} / {res.get("requests", {}).get("memory")}',
            "limits (cpu / memory)": f'{res.get("limits", {}).get("cpu")} / {res.get("limits", {}).get("memory")}',
            "rollout (maxSurge / maxUnavailable)": f'{v.get("strategy", {}).get("maxSurge")} / {v.get("strategy", {}).get("maxUnavailable")}',
            "spread (topologySpreadConstraints)": ", ".join(f'{c["topologyKey"].split("/")[-1]} ({c.get("whenUnsatisfiable", "DoNotSchedule")})' for c in spread) or "none",
            "terminationGracePeriodSeconds": str(v.get("terminationGracePeriodSeconds")),
            "autoscaling": (f'on: {a.get("minReplicas")}–{a.get("maxReplicas")} pods at {a.get("targetCPUUtilizationPercentage")}% CPU' if a.get("enabled") else f'off (when on: {a.get("minReplicas")}–{a.get("maxReplicas")} at {a.get("targetCPUUtilizationPercentage")}% CPU)'),
            "pdb": ("on" if p.get("enabled") else "off") + f' (maxUnavailable {p.get("maxUnavailable")})',
        }
        for k, c in cells.items():
            rows.setdefault(k, []).append(c)
    head = "| | " + " | ".join(n if n == "chart default" else f"`values-{n}.yaml`" for n, _ in columns) + " |"
    out = [head, "|---" * (len(columns) + 1) + "|"]
    for k, cells in rows.items():
        out.append(f"| {k} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def benchmark_tables():
    """The render-time tables of docs/benchmarks.md between its manual markers."""
    text = BENCHMARKS.read_text()
    start, end = "<!-- manual:render-time -->", "<!-- /manual:render-time -->"
    if start not in text or end not in text:
        fail(f"docs/benchmarks.md lacks the markers {start} ... {end} around the render-time tables")
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def performance_section():
    return f"""<!-- GENERATED by scripts/generate.py from chart/values*.yaml and docs/benchmarks.md: do not edit. -->
## Performance tuning

### Resources, scaling and spread per environment

What the chart's environment files set (`helm upgrade ... -f values.yaml -f chart/values-prod.yaml`):

{env_table()}

- **Requests** are what the scheduler reserves and what autoscaling percentages are of: set them to
  the steady use you see in metrics. A memory **limit** is a hard stop (the container is killed at
  it); a CPU limit throttles. Every container gets both: the chart fills gaps from its defaults.
- **Autoscaling** (`autoscaling.enabled`) owns the pod count: `replicas` is then not rendered. Keep
  `minReplicas` at 2 or more in production and aim the targets at 70–80% of the requests.
- **Disruption budget** (`pdb.enabled`): `maxUnavailable: 1` with at least two pods keeps a service
  up through node drains; a budget that would block every eviction fails at render time.
- **Spread**: production spreads pods over zones, then nodes, preferring (`ScheduleAnyway`); use
  `whenUnsatisfiable: DoNotSchedule` where losing a zone must never take every pod.
- **Rollouts**: production surges (`maxUnavailable: 0`), so a rollout never removes a serving pod
  before its replacement is ready; give slow starters `probes.startup` instead of a long
  `initialDelaySeconds`.

### Render time and release size

`helm template` time against Helm's own floor (the same YAML printed by a chart with no logic), and
the size of the release record Helm stores, from `docs/benchmarks.md` (`scripts/bench-render.py`):

{benchmark_tables()}

- Render time per service stays flat as releases grow: services are resolved once per render and
  no helper walks the set of services. The cluster checks (`global.clusterChecks`) cost one look-up
  per render, not per service.
- Helm stores every release in a Secret of at most 1 MiB: the last column shows how much of it a
  release takes. Split a release long before it nears the limit; large `configFiles` count twice
  (values and ConfigMap).
"""


def manual_sections():
    """chart/docs/*.md as {path: text}; None (with a message) when helm is missing."""
    if helm_path() is None:
        print("generate: helm not found (scripts/install-tools.sh helm); chart/docs/*.md not regenerated", file=sys.stderr)
        return None
    return {MANUAL / "architecture.md": architecture_section(), MANUAL / "performance.md": performance_section()}


def apwiz_docs(check=False):
    """chart/README.md comes from `apwiz docs`; skipped (with a note) where cargo is missing."""
    import shutil
    import subprocess
    if shutil.which("cargo") is None:
        print("generate: cargo not found; chart/README.md not regenerated (run `cargo run -- docs`)", file=sys.stderr)
        return 0 if not check else 1
    cmd = ["cargo", "run", "--quiet", "--", "docs"] + (["--check"] if check else [])
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    main()
