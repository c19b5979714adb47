#!/usr/bin/env python3
"""Writes the chart's generated files; `--check` fails when a committed one is stale.

1. chart/values.schema.json, from the modular sources in schema/.
2. chart/templates/_defaults.tpl, the chart's values.yaml as a named template. Templates cannot
   read values.yaml (.Files excludes it), but two rules need the chart's own defaults: global
   service defaults rank above them and below the team's values, and an external service may not
   set an image or replicas of its own.
3. chart/README.md, the team manual, through `apwiz docs` (cargo run): it is built from the schema,
   values.yaml and the presets, so it is regenerated with them.

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
    apwiz_docs()


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
