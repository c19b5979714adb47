//! Values files written for another chart's conventions → app-platform values: `helm create`'s
//! scaffold, bitnami's charts and bjw-s' app-template. Every key of the source is accounted for:
//! taken with the same meaning (reproduced exactly), taken with the platform's change (said why),
//! or not expressible (said, with the escape hatch). Keys that are empty or off mean nothing and
//! are passed over silently, as the chart's own `_compat.tpl` does.
use serde_json::{Map, Value, json};

use crate::core::values::pointer::path_to_pointer;

use super::manifests::{
    Input, arr, env_map, get, hpa_values, image_parts, nonempty, obj, probe_values, s,
    security_values, set, volume_values,
};
use super::{Note, Part};

/// The conventions `apwiz import values --from` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    HelmCreate,
    Bitnami,
    AppTemplate,
}

impl Convention {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Convention::HelmCreate => "helm-create",
            Convention::Bitnami => "bitnami",
            Convention::AppTemplate => "app-template",
        }
    }
}

/// What a values import produced.
#[derive(Debug, Clone)]
pub(crate) struct Converted {
    /// The app-platform values (not yet reduced to what differs from the defaults).
    pub values: Value,
    pub notes: Vec<Note>,
    pub todos: Vec<String>,
}

/// A service whose own volume is mounted at /tmp (or named tmp) keeps it: the chart's writable
/// /tmp is turned off there, so the pod has one volume and one mount at /tmp.
fn own_tmp(v: &mut Value) {
    if let Some(Value::Object(svcs)) = v.get_mut("services") {
        svcs.values_mut().for_each(own_tmp);
    }
    let has = v.get("volumes").and_then(Value::as_array).is_some_and(|a| {
        a.iter()
            .any(|x| s(x, "/name") == "tmp" || s(x, "/mountPath").trim_end_matches('/') == "/tmp")
    });
    if has && let Value::Object(m) = v {
        let sec = m.entry("security").or_insert(json!({}));
        if let Value::Object(sec) = sec {
            sec.insert("writableTmp".into(), json!(false));
        }
    }
}

/// An empty `limits:` (or `requests:`) of the source is no key, never null: a null would remove
/// the chart's limits and fail its cpu-limit rule.
fn no_empty_resources(v: &mut Value) {
    if let Some(Value::Object(svcs)) = v.get_mut("services") {
        svcs.values_mut().for_each(no_empty_resources);
    }
    let Value::Object(m) = v else { return };
    if let Some(Value::Object(r)) = m.get_mut("resources") {
        for part in r.values_mut() {
            if let Value::Object(q) = part {
                q.retain(|_, x| !x.is_null());
            }
        }
        r.retain(|_, x| x.as_object().is_some_and(|q| !q.is_empty()));
    }
    if m.get("resources")
        .is_some_and(|r| r.is_null() || r.as_object().is_some_and(|o| o.is_empty()))
    {
        m.shift_remove("resources");
    }
}

/// Converts `source` (a values file for another chart) named `file` in the report.
pub(crate) fn convert(from: Convention, source: &Value, file: &str) -> Converted {
    let mut src = Src {
        root: source,
        id: format!("{}/{file}", from.name()),
        file: file.to_string(),
        taken: Vec::new(),
        notes: Vec::new(),
        todos: Vec::new(),
    };
    let mut values = match from {
        Convention::HelmCreate => helm_create(&mut src),
        Convention::Bitnami => bitnami(&mut src),
        Convention::AppTemplate => app_template(&mut src),
    };
    own_tmp(&mut values);
    no_empty_resources(&mut values);
    if from != Convention::HelmCreate && s(source, "/fullnameOverride").is_empty() {
        // The render of helm create's chart proves its names; the others' are their templates'.
        src.hatch(
            Part::Changed,
            "fullnameOverride",
            format!(
                "Service and object names are app-platform's: <release> for one service, <release>-<service> for several; {}'s templates may name them otherwise, and clients address the Services by name",
                from.name()
            ),
            "keep a Service's name with fullnameOverride (one service), with a Service of type ExternalName named like the old one beside the release, or by naming the release so the names match",
        );
    }
    src.leftovers(from);
    Converted {
        values,
        notes: src.notes,
        todos: src.todos,
    }
}

/// `helm create`'s chart names its one container after the chart (`helm create <release>`):
/// `containerName` keeps that name where app-platform's would differ.
pub(crate) fn keep_container_name(from: Convention, values: &mut Value, release: &str) {
    if from != Convention::HelmCreate
        || values.get("services").is_some()
        || values.get("containerName").is_some()
        || crate::core::base::names::check(release).is_err()
    {
        return;
    }
    set_path(values, "containerName", json!(release));
}

/// The dotted paths of a values file's meaningful leaves (maps followed, lists whole).
pub(crate) fn leaves(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(v, "", &[], &mut out);
    out
}

/// Empty, null or `false` values, and maps with `enabled: false`, mean nothing.
fn meaningful(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(x) => !x.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty() && m.get("enabled") != Some(&json!(false)),
        _ => true,
    }
}

/// The source file and which of its keys were taken.
struct Src<'a> {
    root: &'a Value,
    /// `<convention>/<file>`: the object of the report's lines.
    id: String,
    file: String,
    taken: Vec<String>,
    notes: Vec<Note>,
    todos: Vec<String>,
}

impl Src<'_> {
    fn at(&self, path: &str) -> Value {
        get(self.root, &path_to_pointer(path))
    }

    /// Marks `path` taken; its value when it means something.
    fn quiet(&mut self, path: &str) -> Option<Value> {
        self.taken.push(path.to_string());
        Some(self.at(path)).filter(meaningful)
    }

    /// Takes `path` with the same meaning: reported exact.
    fn take(&mut self, path: &str) -> Option<Value> {
        let v = self.quiet(path)?;
        self.note(Part::Exact, path, "");
        Some(v)
    }

    fn note(&mut self, part: Part, path: &str, message: impl Into<String>) -> &mut Note {
        self.notes.push(Note::new(part, &self.id, path, message));
        self.notes.last_mut().expect("pushed")
    }

    fn hatch(
        &mut self,
        part: Part,
        path: &str,
        message: impl Into<String>,
        hatch: impl Into<String>,
    ) {
        self.note(part, path, message).hatch = Some(hatch.into());
    }

    /// `path` reproduced exactly, unless `lossy`: then not expressible, with the hatch.
    fn exact_unless(&mut self, lossy: bool, path: &str, message: impl Into<String>, hatch: &str) {
        if lossy {
            self.hatch(Part::Lossy, path, message, hatch);
        } else {
            self.note(Part::Exact, path, "");
        }
    }

    /// A key taken as it is: `from` in the source → `to` in the values.
    fn copy(&mut self, v: &mut Value, from: &str, to: &str) {
        if let Some(x) = self.take(from) {
            set_path(v, to, x);
        }
    }

    /// Every meaningful leaf (maps followed, lists whole) not under a taken key: not expressible.
    fn leftovers(&mut self, from: Convention) {
        let mut left = Vec::new();
        walk(self.root, "", &self.taken, &mut left);
        for path in left {
            self.hatch(
                Part::Lossy,
                &path,
                format!("not a key app-platform reads from {} values", from.name()),
                "an environment variable (env) or a file (configFiles) of the service, if the application reads it",
            );
        }
    }
}

fn walk(v: &Value, path: &str, taken: &[String], out: &mut Vec<String>) {
    if taken
        .iter()
        .any(|t| path == t || path.starts_with(&format!("{t}.")))
        || !meaningful(v)
    {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(x, &p, taken, out);
            }
        }
        _ => out.push(path.to_string()),
    }
}

/// Sets a dotted path, making the maps on the way.
fn set_path(v: &mut Value, path: &str, x: Value) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        if !cur.get(*p).is_some_and(Value::is_object) {
            set(cur, p, json!({}));
        }
        let Some(next) = cur.get_mut(*p) else { return };
        cur = next;
    }
    set(cur, parts[parts.len() - 1], x);
}

/// `repository`, `tag`, `digest`, `registry` and `pullPolicy` under `base` → `image`.
fn image(src: &mut Src, base: &str, v: &mut Value) {
    let mut parts = Map::new();
    for k in ["registry", "repository", "tag", "digest", "pullPolicy"] {
        if let Some(x) = src.take(&format!("{base}.{k}")) {
            parts.insert(k.into(), x);
        }
    }
    let Some(repo) = parts
        .get("repository")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    if !parts.contains_key("tag") && !parts.contains_key("digest") {
        src.hatch(
            Part::Lossy,
            &format!("{base}.tag"),
            "no tag: the other chart falls back to its appVersion, which the values do not hold",
            format!("write the tag the release runs: image: {repo}:<version>"),
        );
    }
    if parts.get("pullPolicy") == Some(&json!("IfNotPresent")) {
        parts.shift_remove("pullPolicy");
    }
    if parts.len() == 2
        && let Some(tag) = parts.get("tag")
    {
        let tag = tag.as_str().map_or_else(|| tag.to_string(), str::to_string);
        set(v, "image", json!(format!("{repo}:{tag}")));
        return;
    }
    if !parts.contains_key("registry")
        && let Some(Value::String(r)) = image_parts(&repo).get("registry")
    {
        parts.insert("registry".into(), json!(r));
        parts.insert(
            "repository".into(),
            json!(repo.split_once('/').map_or(repo.as_str(), |x| x.1)),
        );
    }
    set(v, "image", Value::Object(parts));
}

/// `imagePullSecrets: [{name}]` (or names) → names.
fn pull_secrets(src: &mut Src, path: &str, v: &mut Value) {
    if let Some(Value::Array(a)) = src.take(path) {
        let names: Vec<Value> = a
            .iter()
            .map(|x| x.get("name").cloned().unwrap_or_else(|| x.clone()))
            .collect();
        set(v, "imagePullSecrets", Value::Array(names));
    }
}

/// A pod and a container security context → `security`: each setting the chart has is taken,
/// the rest of the restricted profile stays; `privileged` is never rendered.
fn security(src: &mut Src, pod: &str, container: &str, v: &mut Value) {
    let mut contexts = Vec::new();
    for path in [pod, container] {
        let mut x = src.quiet(path).unwrap_or(json!({}));
        if let Value::Object(m) = &mut x {
            m.shift_remove("enabled");
        }
        let mut leaves = Vec::new();
        walk(&x, "", &[], &mut leaves);
        for leaf in leaves {
            let field = format!("{path}.{leaf}");
            let value = get(&x, &path_to_pointer(&leaf));
            match leaf.as_str() {
                "privileged" => {} // said by security_values
                // The chart drops every capability; Kubernetes' default fsGroup policy is Always.
                "capabilities.drop" if value == json!(["ALL"]) => {
                    src.note(Part::Exact, &field, "");
                }
                "fsGroupChangePolicy" if value == json!("Always") => {
                    src.note(Part::Exact, &field, "");
                }
                "capabilities.drop" => {
                    src.note(
                        Part::Changed,
                        &field,
                        "every capability is dropped (ALL), as Pod Security \"restricted\" asks",
                    );
                }
                "runAsUser"
                | "runAsGroup"
                | "runAsNonRoot"
                | "fsGroup"
                | "readOnlyRootFilesystem"
                | "allowPrivilegeEscalation"
                | "capabilities.add"
                | "seccompProfile.type" => {
                    src.note(Part::Exact, &field, "");
                }
                _ => {
                    src.hatch(
                        Part::Lossy,
                        &field,
                        "not a setting of the chart's security context",
                        "security holds runAsUser, runAsGroup, fsGroup, runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation, seccompProfile and addCapabilities",
                    );
                }
            }
        }
        contexts.push(x);
    }
    let mut notes = Vec::new();
    security_values(
        &src.id,
        &json!({"securityContext": contexts[0]}),
        &json!({"securityContext": contexts[1]}),
        v,
        &mut notes,
    );
    for mut n in notes {
        n.field = format!("{container}.privileged");
        src.notes.push(n);
    }
    for ctx in &contexts {
        if let Some(t) = ctx
            .pointer("/seccompProfile/type")
            .filter(|t| *t != "RuntimeDefault")
        {
            set_path(v, "security.seccompProfile", t.clone());
        }
    }
}

/// Kubernetes probes (`livenessProbe`, …) → `probes`, ports named `http` kept.
fn k8s_probes(src: &mut Src, prefix: &str, port: &Value, v: &mut Value) {
    let ports = [json!({"name": "http", "containerPort": port})];
    let mut probes = Map::new();
    for (k8s, key) in [
        ("livenessProbe", "liveness"),
        ("readinessProbe", "readiness"),
        ("startupProbe", "startup"),
    ] {
        let path = format!("{prefix}{k8s}");
        if let Some(p) = src.take(&path) {
            let mut notes = Vec::new();
            let mut probe = probe_values(&src.id, key, &p, &ports, &mut notes);
            if let Value::Object(m) = &mut probe {
                m.insert("enabled".into(), json!(true));
            }
            src.notes.extend(notes);
            probes.insert(key.into(), probe);
        }
    }
    set(v, "probes", nonempty(Value::Object(probes)));
}

/// `ingress.hosts: [{host, paths: [{path, pathType}]}]` and `tls: [{secretName, hosts}]`.
fn ingress_hosts(src: &mut Src, v: &mut Value) {
    if !src.at("ingress.enabled").as_bool().unwrap_or(false) {
        src.quiet("ingress");
        return;
    }
    src.take("ingress.enabled");
    let mut m = Map::new();
    m.insert("enabled".into(), json!(true));
    for k in ["className", "annotations"] {
        if let Some(x) = src.take(&format!("ingress.{k}")) {
            m.insert(k.into(), x);
        }
    }
    if let Some(Value::Array(hosts)) = src.quiet("ingress.hosts") {
        let names: Vec<Value> = hosts.iter().map(|h| get(h, "/host")).collect();
        let paths: Vec<Value> = arr(&hosts[0], "/paths")
            .iter()
            .map(|p| {
                obj(vec![
                    ("path", get(p, "/path")),
                    (
                        "pathType",
                        p.get("pathType").cloned().unwrap_or(json!("Prefix")),
                    ),
                ])
            })
            .collect();
        src.exact_unless(
            hosts
                .iter()
                .any(|h| get(h, "/paths") != get(&hosts[0], "/paths")),
            "ingress.hosts",
            "each host has its own paths: the chart gives every host of a service the same paths",
            "one service per set of paths, or the union of the paths for every host",
        );
        m.insert("host".into(), names[0].clone());
        if names.len() > 1 {
            m.insert("hosts".into(), Value::Array(names[1..].to_vec()));
        }
        if !paths.is_empty() {
            m.insert("paths".into(), Value::Array(paths));
        }
    }
    if let Some(Value::Array(tls)) = src.quiet("ingress.tls") {
        m.insert(
            "tls".into(),
            obj(vec![
                ("enabled", json!(true)),
                ("secretName", get(&tls[0], "/secretName")),
            ]),
        );
        src.exact_unless(
            tls.len() > 1,
            "ingress.tls",
            "several certificates: the chart uses one for every host of a service",
            "one certificate whose names cover every host",
        );
    }
    set(v, "ingress", Value::Object(m));
}

/// `autoscaling.*` with app-platform's own names (helm create) or bitnami's (`targetCPU`).
fn autoscaling(src: &mut Src, base: &str, v: &mut Value) {
    let enabled = src
        .at(&format!("{base}.enabled"))
        .as_bool()
        .unwrap_or(false);
    if !enabled {
        src.quiet(base);
        return;
    }
    let mut spec = json!({"minReplicas": src.at(&format!("{base}.minReplicas")), "maxReplicas": src.at(&format!("{base}.maxReplicas")), "metrics": []});
    for (keys, resource) in [
        (["targetCPUUtilizationPercentage", "targetCPU"], "cpu"),
        (
            ["targetMemoryUtilizationPercentage", "targetMemory"],
            "memory",
        ),
    ] {
        for k in keys {
            let x = src.at(&format!("{base}.{k}"));
            if meaningful(&x)
                && let Some(a) = spec["metrics"].as_array_mut()
            {
                a.push(json!({"type": "Resource", "resource": {"name": resource, "target": {"averageUtilization": x}}}));
            }
        }
    }
    let mut notes = Vec::new();
    let hpa = Input {
        kind: "HorizontalPodAutoscaler".into(),
        name: src.file.clone(),
        value: json!({"spec": spec}),
        origin: String::new(),
    };
    hpa_values(&hpa, v, &mut notes);
    src.notes.extend(notes);
    let mut leaves = Vec::new();
    walk(&src.at(base), "", &[], &mut leaves);
    for leaf in leaves {
        src.take(&format!("{base}.{leaf}"));
    }
}

/// `volumes` and `volumeMounts` lists (Kubernetes shapes) → `volumes` with their mount.
fn volumes(src: &mut Src, vols: &str, mounts: &str, v: &mut Value) {
    let (Some(vs), Some(ms)) = (src.quiet(vols), src.quiet(mounts)) else {
        return;
    };
    let w = Input {
        kind: "values".into(),
        name: src.file.clone(),
        value: json!({}),
        origin: String::new(),
    };
    let mut notes = Vec::new();
    volume_values(
        &w,
        &json!({"volumes": vs}),
        &json!({"volumeMounts": ms}),
        v,
        &mut notes,
    );
    let lossy = !notes.is_empty();
    for mut n in notes {
        n.object.clone_from(&src.id);
        src.notes.push(n);
    }
    if !lossy {
        src.note(Part::Exact, vols, "");
        src.note(Part::Exact, mounts, "");
    }
}

fn env_list(src: &mut Src, path: &str, service: &str, v: &mut Value) {
    let Some(list) = src.take(path) else { return };
    let list = match list {
        Value::Object(m) => m
            .into_iter()
            .map(|(name, value)| match value {
                Value::Object(o) => {
                    let mut e = o;
                    e.insert("name".into(), json!(name));
                    Value::Object(e)
                }
                x => json!({"name": name, "value": x}),
            })
            .collect(),
        Value::Array(a) => a,
        _ => Vec::new(),
    };
    let mut notes = Vec::new();
    let env = env_map(
        &src.id,
        service,
        &json!({"env": list}),
        &mut notes,
        &mut src.todos,
    );
    src.notes.extend(notes);
    if let (Some(Value::Object(old)), Value::Object(new)) = (v.get_mut("env"), &env) {
        old.extend(new.clone());
    } else {
        set(v, "env", env);
    }
}

fn helm_create(src: &mut Src) -> Value {
    let mut v = json!({});
    src.copy(&mut v, "replicaCount", "replicas");
    image(src, "image", &mut v);
    pull_secrets(src, "imagePullSecrets", &mut v);
    same_keys(src, &mut v, &[]);
    service_account(src, "automount", &mut v);
    security(src, "podSecurityContext", "securityContext", &mut v);
    // helm create's container listens on service.port and names it http.
    let port = src.at("service.port");
    if meaningful(&port) {
        src.take("service.port");
        set(&mut v, "port", port.clone());
    }
    if let Some(t) = src.take("service.type") {
        set_path(&mut v, "service.type", t);
    }
    ingress_hosts(src, &mut v);
    http_route(src, "httpRoute", &mut v);
    k8s_probes(src, "", &port, &mut v);
    autoscaling(src, "autoscaling", &mut v);
    volumes(src, "volumes", "volumeMounts", &mut v);
    env_list(src, "env", "app", &mut v);
    v
}

/// Keys with the same name and meaning in app-platform, `helm create` and bitnami.
const SAME: &[&str] = &[
    "nameOverride",
    "fullnameOverride",
    "podAnnotations",
    "podLabels",
    "resources",
    "nodeSelector",
    "tolerations",
    "affinity",
];

/// The keys of [`SAME`] and `more`, taken as they are.
fn same_keys(src: &mut Src, v: &mut Value, more: &[&str]) {
    for k in SAME.iter().chain(more) {
        src.copy(v, k, k);
    }
}

fn service_account(src: &mut Src, automount: &str, v: &mut Value) {
    for k in ["create", "name", "annotations"] {
        src.copy(
            v,
            &format!("serviceAccount.{k}"),
            &format!("serviceAccount.{k}"),
        );
    }
    let path = format!("serviceAccount.{automount}");
    if src.quiet(&path) == Some(json!(true)) {
        src.hatch(
            Part::Changed,
            &path,
            "no API token is mounted unless the service asks for API access",
            "serviceAccount.automountToken: true, or rbac with the rules it needs",
        );
    }
}

/// Gateway API route values `{enabled, parentRefs, hostnames, rules: [{matches: [{path}]}]}`.
fn http_route(src: &mut Src, base: &str, v: &mut Value) {
    let Some(r) = src.quiet(base) else { return };
    let mut paths = Vec::new();
    for rule in arr(&r, "/rules") {
        for m in arr(&rule, "/matches") {
            let ty = match s(&m, "/path/type").as_str() {
                "Exact" => "Exact",
                _ => "Prefix",
            };
            paths.push(json!({"path": m.pointer("/path/value").cloned().unwrap_or(json!("/")), "pathType": ty}));
        }
    }
    set(
        v,
        "route",
        obj(vec![
            ("enabled", json!(true)),
            ("parentRefs", nonempty(get(&r, "/parentRefs"))),
            ("hostnames", nonempty(get(&r, "/hostnames"))),
            ("paths", nonempty(Value::Array(paths))),
        ]),
    );
    src.note(Part::Exact, base, "");
}

/// bitnami's defaults that render what app-platform renders anyway: taken as they are.
const BITNAMI_SAME: &[(&str, &str)] = &[
    ("service.sessionAffinity", "None"),
    ("service.externalTrafficPolicy", "Cluster"),
    (
        "global.compatibility.openshift.adaptSecurityContext",
        "auto",
    ),
    ("revisionHistoryLimit", "10"),
];

/// A bitnami chart's values as app-platform values: what each of its keys becomes, in the order
/// its values file has them.
fn bitnami(src: &mut Src) -> Value {
    let mut v = json!({});
    bitnami_release_wide(src, &mut v);
    image(src, "image", &mut v);
    pull_secrets(src, "image.pullSecrets", &mut v);
    same_keys(
        src,
        &mut v,
        &[
            "command",
            "args",
            "topologySpreadConstraints",
            "priorityClassName",
            "terminationGracePeriodSeconds",
            "initContainers",
            "sidecars",
        ],
    );
    if let Some(p) = src.quiet("resourcesPreset").filter(|p| *p != "none")
        && src.at("resources").as_object().is_none_or(|m| m.is_empty())
    {
        src.hatch(
            Part::Changed,
            "resourcesPreset",
            format!("bitnami's preset {p} is not a key of the chart: its requests and limits are the chart's defaults"),
            "resources with the preset's requests and limits written out",
        );
    }
    service_account(src, "automountServiceAccountToken", &mut v);
    security(
        src,
        "podSecurityContext",
        "containerSecurityContext",
        &mut v,
    );
    let port = bitnami_ports(src, &mut v);
    if let Some(t) = src.take("service.type") {
        set_path(&mut v, "service.type", t);
    }
    src.copy(&mut v, "service.annotations", "service.annotations");
    if let Some(p) = src.take("service.ports.http") {
        set_path(&mut v, "service.port", p);
    }
    bitnami_probes(src, &port, &mut v);
    env_list(src, "extraEnvVars", "app", &mut v);
    bitnami_env_from(src, &mut v);
    bitnami_ingress(src, &mut v);
    if src.at("autoscaling.hpa").is_object() {
        autoscaling(src, "autoscaling.hpa", &mut v);
        src.quiet("autoscaling");
    } else {
        autoscaling(src, "autoscaling", &mut v);
    }
    bitnami_switches(src, &mut v);
    bitnami_strategy(src, &mut v);
    volumes(src, "extraVolumes", "extraVolumeMounts", &mut v);
    bitnami_presets(src);
    v
}

/// The release-wide keys: bitnami's defaults the chart renders anyway, replicas, the global
/// registry, pull secrets, labels and annotations.
fn bitnami_release_wide(src: &mut Src, v: &mut Value) {
    for (k, same) in BITNAMI_SAME {
        let x = src.at(k);
        if x == json!(same) || x.as_u64().is_some_and(|n| n.to_string() == *same) {
            src.take(k);
        }
    }
    src.copy(v, "replicaCount", "replicas");
    src.copy(v, "global.imageRegistry", "global.imageRegistry");
    if let Some(Value::Array(a)) = src.take("global.imagePullSecrets") {
        let names: Vec<Value> = a
            .iter()
            .map(|x| x.get("name").cloned().unwrap_or_else(|| x.clone()))
            .collect();
        set_path(v, "global.imagePullSecrets", Value::Array(names));
    }
    src.copy(v, "commonLabels", "global.labels");
    src.copy(v, "commonAnnotations", "global.annotations");
}

/// The container ports: `containerPorts.http` (else the first) is the main one, the others
/// extra container ports; returns the main one (null: none).
fn bitnami_ports(src: &mut Src, v: &mut Value) -> Value {
    let mut port = Value::Null;
    if let Some(Value::Object(ports)) = src.quiet("containerPorts") {
        let main = if ports.contains_key("http") {
            "http".to_string()
        } else {
            ports.keys().next().cloned().unwrap_or_default()
        };
        let mut extra = Vec::new();
        for (name, n) in ports {
            src.note(Part::Exact, &format!("containerPorts.{name}"), "");
            if name == main {
                port = n.clone();
                set(v, "port", n);
            } else {
                extra.push(json!({"name": name, "port": n}));
            }
        }
        set(v, "ports", nonempty(Value::Array(extra)));
    }
    port
}

/// `extraEnvVarsCM` and `extraEnvVarsSecret` as `envFrom`.
fn bitnami_env_from(src: &mut Src, v: &mut Value) {
    let mut env_from = Vec::new();
    if let Some(n) = src.take("extraEnvVarsCM") {
        env_from.push(json!({"configMapRef": {"name": n}}));
    }
    if let Some(n) = src.take("extraEnvVarsSecret") {
        env_from.push(json!({"secretRef": {"name": n}}));
    }
    set(v, "envFrom", nonempty(Value::Array(env_from)));
}

/// `updateStrategy` as `strategy`: its type, and its rolling update's fields beside it.
fn bitnami_strategy(src: &mut Src, v: &mut Value) {
    if let Some(u) = src.take("updateStrategy") {
        let mut m = Map::new();
        if let Some(t) = u.get("type") {
            m.insert("type".into(), t.clone());
        }
        if let Some(Value::Object(r)) = u.get("rollingUpdate") {
            m.extend(r.clone());
        }
        set(v, "strategy", Value::Object(m));
    }
}

/// Bitnami's affinity presets (not keys of the chart: said unless their default) and its keys
/// with no meaning here, taken quietly.
fn bitnami_presets(src: &mut Src) {
    for (k, default) in [
        ("podAntiAffinityPreset", "soft"),
        ("podAffinityPreset", ""),
        ("nodeAffinityPreset.type", ""),
    ] {
        if let Some(p) = src.quiet(k).filter(|p| *p != json!(default)) {
            src.hatch(
                Part::Lossy,
                k,
                format!("bitnami's affinity preset {p} is not a key of the chart"),
                "affinity written out",
            );
        }
    }
    for k in [
        "podAntiAffinityPreset",
        "podAffinityPreset",
        "nodeAffinityPreset",
        "diagnosticMode",
        "enableDefaultInitContainers",
        "clusterDomain",
        "kubeVersion",
        "extraDeploy",
    ] {
        src.quiet(k);
    }
}

/// Bitnami's probes: its values hold the timings; the kind of check is in its templates.
fn bitnami_probes(src: &mut Src, port: &Value, v: &mut Value) {
    let mut probes = Map::new();
    for (k8s, key) in [
        ("livenessProbe", "liveness"),
        ("readinessProbe", "readiness"),
        ("startupProbe", "startup"),
    ] {
        let custom = format!("custom{}{}", k8s[..1].to_uppercase(), &k8s[1..]);
        if let Some(p) = src.take(&custom) {
            let mut notes = Vec::new();
            let ports = [json!({"name": "http", "containerPort": port})];
            probes.insert(
                key.into(),
                probe_values(&src.id, key, &p, &ports, &mut notes),
            );
            src.notes.extend(notes);
            src.quiet(k8s);
            continue;
        }
        let enabled = src.at(&format!("{k8s}.enabled"));
        if enabled.is_null() {
            continue;
        }
        let mut m = Map::new();
        m.insert("enabled".into(), enabled.clone());
        if enabled == json!(true) {
            for t in [
                "initialDelaySeconds",
                "periodSeconds",
                "timeoutSeconds",
                "failureThreshold",
                "successThreshold",
            ] {
                if let Some(x) = src.take(&format!("{k8s}.{t}")) {
                    m.insert(t.into(), x);
                }
            }
            src.hatch(
                Part::Changed,
                &format!("{k8s}.enabled"),
                "the kind of check is in bitnami's templates, not its values: the chart's tcp check on the port http, with these timings",
                format!("probes.{key}.type: http with probes.{key}.path for an HTTP check"),
            );
        }
        src.quiet(k8s);
        probes.insert(key.into(), Value::Object(m));
    }
    set(v, "probes", nonempty(Value::Object(probes)));
}

/// The features bitnami switches on with a flag: disruption budget, persistence, metrics,
/// network policy, RBAC.
fn bitnami_switches(src: &mut Src, v: &mut Value) {
    if switch(src, "pdb.create", "pdb.enabled", v) {
        src.copy(v, "pdb.minAvailable", "pdb.minAvailable");
        src.copy(v, "pdb.maxUnavailable", "pdb.maxUnavailable");
    }
    src.quiet("pdb");
    if switch(src, "persistence.enabled", "persistence.enabled", v) {
        for k in ["size", "accessModes", "mountPath", "existingClaim"] {
            src.copy(v, &format!("persistence.{k}"), &format!("persistence.{k}"));
        }
        let class = src
            .take("persistence.storageClass")
            .unwrap_or(json!("default"));
        set_path(v, "persistence.storageClass", class);
    }
    src.quiet("persistence");
    if switch(src, "metrics.enabled", "monitoring.enabled", v) {
        let interval = src
            .take("metrics.serviceMonitor.interval")
            .unwrap_or(json!("30s"));
        set_path(v, "monitoring.scrapeInterval", interval);
        src.copy(
            v,
            "metrics.serviceMonitor.scrapeTimeout",
            "monitoring.scrapeTimeout",
        );
        src.copy(v, "metrics.serviceMonitor.labels", "monitoring.labels");
        src.quiet("metrics.serviceMonitor.enabled");
        src.hatch(
            Part::Changed,
            "metrics.enabled",
            "the chart scrapes the port named metrics (9090) of the service's own container instead of bitnami's exporter sidecar",
            "monitoring.port and monitoring.portNumber where the application serves its metrics",
        );
    }
    src.quiet("metrics");
    if switch(src, "networkPolicy.enabled", "networkPolicy.enabled", v) {
        src.hatch(
            Part::Changed,
            "networkPolicy",
            "the chart's policy denies all but DNS, the ingress controller, monitoring and dependsOn edges",
            "networkPolicy.extraIngress / extraEgress for more",
        );
    }
    src.quiet("networkPolicy");
    if switch(src, "rbac.create", "rbac.enabled", v) {
        src.copy(v, "rbac.rules", "rbac.rules");
    }
    src.quiet("rbac");
}

/// A feature switched on by `flag` (`metrics.enabled: true`) → `to: true`; true when on.
fn switch(src: &mut Src, flag: &str, to: &str, v: &mut Value) -> bool {
    let on = src.at(flag).as_bool() == Some(true);
    if on {
        src.take(flag);
        set_path(v, to, json!(true));
    }
    on
}

/// bitnami's `ingress.hostname`, `path`, `pathType`, `ingressClassName`, `tls` (a bool) and
/// `extraHosts: [{name, path}]`.
fn bitnami_ingress(src: &mut Src, v: &mut Value) {
    if src.at("ingress.enabled").as_bool() != Some(true) {
        src.quiet("ingress");
        return;
    }
    src.take("ingress.enabled");
    let mut m = Map::new();
    m.insert("enabled".into(), json!(true));
    if let Some(x) = src.take("ingress.ingressClassName") {
        m.insert("className".into(), x);
    }
    if let Some(x) = src.take("ingress.annotations") {
        m.insert("annotations".into(), x);
    }
    let host = src.take("ingress.hostname").unwrap_or(json!(""));
    m.insert("host".into(), host.clone());
    let path = src.take("ingress.path").unwrap_or(json!("/"));
    let ty = src
        .take("ingress.pathType")
        .unwrap_or(json!("ImplementationSpecific"));
    m.insert("paths".into(), json!([{"path": path, "pathType": ty}]));
    if let Some(Value::Array(extra)) = src.quiet("ingress.extraHosts") {
        let names: Vec<Value> = extra.iter().map(|h| get(h, "/name")).collect();
        m.insert("hosts".into(), Value::Array(names));
        src.exact_unless(
            extra
                .iter()
                .any(|h| h.get("path").is_some_and(|p| *p != path)),
            "ingress.extraHosts",
            "an extra host with its own path: the chart gives every host the same paths",
            "the union of the paths for every host",
        );
    }
    if src.take("ingress.tls") == Some(json!(true)) {
        let secret = format!("{}-tls", host.as_str().unwrap_or_default());
        m.insert("tls".into(), json!({"enabled": true, "secretName": secret}));
    }
    if src.quiet("ingress.selfSigned") == Some(json!(true)) {
        src.hatch(
            Part::Lossy,
            "ingress.selfSigned",
            "a self-signed certificate is not made by the chart",
            "ingress.tls.clusterIssuer with a cert-manager issuer",
        );
    }
    src.quiet("ingress");
    set(v, "ingress", Value::Object(m));
}

/// bjw-s app-template: `controllers.<name>` (each a service), their containers, `service.<name>`
/// (by `controller`), `ingress.<name>`, `route.<name>` and `persistence.<name>`.
fn app_template(src: &mut Src) -> Value {
    let controllers = match src.quiet("controllers") {
        Some(Value::Object(c)) => c,
        _ => Map::new(),
    };
    let single = controllers.len() == 1;
    let mut services = Map::new();
    for (name, c) in &controllers {
        let base = format!("controllers.{name}");
        let mut v = json!({});
        if let Some(t) = src.take(&format!("{base}.type")) {
            set(&mut v, "workloadType", t);
        }
        src.copy(&mut v, &format!("{base}.replicas"), "replicas");
        src.copy(&mut v, &format!("{base}.strategy"), "strategy.type");
        for k in [
            "schedule",
            "concurrencyPolicy",
            "timeZone",
            "suspend",
            "successfulJobsHistory",
            "failedJobsHistory",
            "startingDeadlineSeconds",
        ] {
            let to = match k {
                "successfulJobsHistory" => "successfulJobsHistoryLimit",
                "failedJobsHistory" => "failedJobsHistoryLimit",
                k => k,
            };
            src.copy(
                &mut v,
                &format!("{base}.cronjob.{k}"),
                &format!("cronjob.{to}"),
            );
        }
        for (from, to) in [
            ("pod.nodeSelector", "nodeSelector"),
            ("pod.tolerations", "tolerations"),
            ("pod.affinity", "affinity"),
            ("pod.annotations", "podAnnotations"),
            ("pod.labels", "podLabels"),
            ("pod.priorityClassName", "priorityClassName"),
            (
                "pod.terminationGracePeriodSeconds",
                "terminationGracePeriodSeconds",
            ),
            ("pod.topologySpreadConstraints", "topologySpreadConstraints"),
        ] {
            src.copy(&mut v, &format!("{base}.{from}"), to);
        }
        pull_secrets(src, &format!("{base}.pod.imagePullSecrets"), &mut v);
        let containers = c
            .get("containers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let main = if containers.contains_key("main") {
            "main".to_string()
        } else {
            containers.keys().next().cloned().unwrap_or_default()
        };
        let cbase = format!("{base}.containers.{main}");
        let pod_sc = if src.at(&format!("{base}.pod.securityContext")).is_null() {
            "defaultPodOptions.securityContext".to_string()
        } else {
            format!("{base}.pod.securityContext")
        };
        security(src, &pod_sc, &format!("{cbase}.securityContext"), &mut v);
        image(src, &format!("{cbase}.image"), &mut v);
        for k in ["command", "args", "resources", "envFrom"] {
            src.copy(&mut v, &format!("{cbase}.{k}"), k);
        }
        env_list(src, &format!("{cbase}.env"), name, &mut v);
        let port = service_ports(src, name, single, &mut v);
        probes(src, &cbase, &port, &mut v);
        let others: Vec<String> = containers.keys().filter(|n| **n != main).cloned().collect();
        let sidecars = containers_of(src, &format!("{base}.containers"), &others, name);
        set(&mut v, "sidecars", nonempty(Value::Array(sidecars)));
        let inits: Vec<String> = c
            .get("initContainers")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let inits = containers_of(src, &format!("{base}.initContainers"), &inits, name);
        set(&mut v, "initContainers", nonempty(Value::Array(inits)));
        services.insert(name.clone(), v);
    }
    let mut out = json!({});
    routes_of(src, &controllers, single, &mut services);
    volumes_of(src, &controllers, &mut services);
    src.quiet("service");
    for k in ["nodeSelector", "tolerations", "affinity"] {
        src.copy(&mut out, &format!("defaultPodOptions.{k}"), k);
    }
    pull_secrets(src, "defaultPodOptions.imagePullSecrets", &mut out);
    if single {
        let (_, v) = services.into_iter().next().expect("one controller");
        if let (Value::Object(o), Value::Object(v)) = (&mut out, v) {
            for (k, x) in v {
                o.entry(k).or_insert(x);
            }
        }
    } else {
        set(&mut out, "services", Value::Object(services));
    }
    out
}

/// The ports of an app-template controller from the Service that names it (or the one
/// Service of a single controller): the main port, the others as extra ports; no Service: off.
/// Returns the main port.
fn service_ports(src: &mut Src, name: &str, single: bool, v: &mut Value) -> Value {
    let mut port = Value::Null;
    let mut extra = Vec::new();
    let svcs = match src.at("service") {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut has_service = false;
    for (sname, svc) in &svcs {
        let owner = s(svc, "/controller");
        if !(owner == *name || (owner.is_empty() && single)) {
            continue;
        }
        has_service = true;
        let sbase = format!("service.{sname}");
        src.quiet(&format!("{sbase}.controller"));
        if let Some(t) = src.take(&format!("{sbase}.type")) {
            set_path(v, "service.type", t);
        }
        src.copy(v, &format!("{sbase}.annotations"), "service.annotations");
        let ports = svc
            .get("ports")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let primary = ports
            .iter()
            .find(|(_, p)| p.get("primary") == Some(&json!(true)))
            .or_else(|| ports.iter().find(|(n, _)| *n == "http"))
            .or_else(|| ports.iter().next())
            .map(|(n, _)| n.clone());
        for (pname, p) in &ports {
            let pbase = format!("{sbase}.ports.{pname}");
            src.quiet(&format!("{pbase}.primary"));
            let number = src.take(&format!("{pbase}.port")).unwrap_or(Value::Null);
            let target = src
                .take(&format!("{pbase}.targetPort"))
                .unwrap_or(number.clone());
            let protocol = src
                .take(&format!("{pbase}.protocol"))
                .filter(|x| x != "TCP" && x != "HTTP");
            if Some(pname) == primary.as_ref() {
                port = target.clone();
                set(v, "port", target.clone());
                if target != number {
                    set_path(v, "service.port", number);
                }
                if pname != "http" {
                    src.hatch(
                        Part::Changed,
                        &pbase,
                        format!("the main port is named http by the chart, not {pname}"),
                        "address the port by its number (unchanged)",
                    );
                }
            } else {
                extra.push((
                    obj(vec![
                        ("name", json!(pname)),
                        ("port", target.clone()),
                        ("protocol", protocol.clone().unwrap_or(Value::Null)),
                    ]),
                    obj(vec![
                        ("name", json!(pname)),
                        ("port", number),
                        ("targetPort", target),
                        ("protocol", protocol.unwrap_or(Value::Null)),
                    ]),
                ));
            }
            let _ = p;
        }
    }
    if !extra.is_empty() {
        set(
            v,
            "ports",
            Value::Array(extra.iter().map(|x| x.0.clone()).collect()),
        );
        set_path(
            v,
            "service.ports",
            Value::Array(extra.iter().map(|x| x.1.clone()).collect()),
        );
    }
    if !has_service
        && v.get("workloadType")
            .is_none_or(|t| t == "deployment" || t == "statefulset" || t == "daemonset")
    {
        set_path(v, "service.enabled", json!(false));
    }
    port
}

/// An app-template container's probes (`{enabled, custom, type, path, port, spec}`) → the
/// chart's `probes`.
fn probes(src: &mut Src, cbase: &str, port: &Value, v: &mut Value) {
    let mut probes = Map::new();
    for key in ["liveness", "readiness", "startup"] {
        let pbase = format!("{cbase}.probes.{key}");
        let p = src.at(&pbase);
        if p.is_null() {
            continue;
        }
        src.taken.push(pbase.clone());
        if p.get("enabled") == Some(&json!(false)) {
            probes.insert(key.into(), json!({"enabled": false}));
            continue;
        }
        let spec = p.get("spec").cloned().unwrap_or(json!({}));
        let probe = if p.get("custom") == Some(&json!(true)) {
            let mut notes = Vec::new();
            let ports = [json!({"name": "http", "containerPort": port})];
            let x = probe_values(&src.id, key, &spec, &ports, &mut notes);
            src.notes.extend(notes);
            x
        } else {
            let mut m = Map::new();
            let ty = s(&p, "/type").to_ascii_uppercase();
            match ty.as_str() {
                "HTTP" | "HTTPS" => {
                    m.insert("type".into(), json!("http"));
                    m.insert("path".into(), p.get("path").cloned().unwrap_or(json!("/")));
                    if ty == "HTTPS" {
                        m.insert("scheme".into(), json!("HTTPS"));
                    }
                }
                "GRPC" => {
                    src.hatch(
                        Part::Lossy,
                        &pbase,
                        "a grpc probe is not a key of the chart",
                        "an exec probe running grpc_health_probe",
                    );
                }
                _ => {
                    m.insert("type".into(), json!("tcp"));
                }
            }
            if let Value::Object(t) = spec {
                m.extend(t);
            }
            Value::Object(m)
        };
        src.note(Part::Exact, &pbase, "");
        let mut probe = probe;
        if let Value::Object(m) = &mut probe {
            m.insert("enabled".into(), json!(true));
        }
        probes.insert(key.into(), probe);
    }
    set(v, "probes", nonempty(Value::Object(probes)));
}

/// Ingresses and routes, each onto the service it sends to (or the one controller).
fn routes_of(
    src: &mut Src,
    controllers: &Map<String, Value>,
    single: bool,
    services: &mut Map<String, Value>,
) {
    for (kind, key) in [("ingress", "ingress"), ("route", "route")] {
        let Value::Object(items) = src.at(kind) else {
            continue;
        };
        for (iname, item) in items {
            let ibase = format!("{kind}.{iname}");
            if item.get("enabled") == Some(&json!(false)) {
                src.quiet(&ibase);
                continue;
            }
            let target = arr(&item, "/hosts")
                .iter()
                .flat_map(|h| arr(h, "/paths"))
                .map(|p| {
                    p.pointer("/service/identifier")
                        .or(p.pointer("/service/name"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                })
                .chain(
                    arr(&item, "/rules")
                        .iter()
                        .flat_map(|r| arr(r, "/backendRefs"))
                        .map(|b| s(&b, "/identifier")),
                )
                .find(|x| !x.is_empty());
            let owner = target
                .and_then(|t| svcs_controller(src.root, &t))
                .or_else(|| single.then(|| controllers.keys().next().cloned()).flatten());
            let Some(svc) = owner.and_then(|o| services.get_mut(&o)) else {
                src.quiet(&ibase);
                src.hatch(
                    Part::Lossy,
                    &ibase,
                    "its backend is no controller of the file",
                    "ingress or route on the service it sends to",
                );
                continue;
            };
            if kind == "ingress" {
                let mut m = Map::new();
                m.insert("enabled".into(), json!(true));
                for k in ["className", "annotations"] {
                    if let Some(x) = item.get(k).filter(|x| meaningful(x)) {
                        m.insert(k.into(), x.clone());
                    }
                }
                let hosts = arr(&item, "/hosts");
                let names: Vec<Value> = hosts.iter().map(|h| get(h, "/host")).collect();
                if let Some(first) = names.first() {
                    m.insert("host".into(), first.clone());
                }
                if names.len() > 1 {
                    m.insert("hosts".into(), Value::Array(names[1..].to_vec()));
                }
                let paths: Vec<Value> = hosts.first().map(|h| arr(h, "/paths")).unwrap_or_default().iter().map(|p| json!({"path": get(p, "/path"), "pathType": p.get("pathType").cloned().unwrap_or(json!("Prefix"))})).collect();
                m.insert("paths".into(), Value::Array(paths));
                if let Some(t) = arr(&item, "/tls").first() {
                    m.insert(
                        "tls".into(),
                        json!({"enabled": true, "secretName": get(t, "/secretName")}),
                    );
                }
                set(svc, key, Value::Object(m));
                src.quiet(&ibase);
                src.note(Part::Exact, &ibase, "");
            } else {
                http_route(src, &ibase, svc);
            }
        }
    }
}

/// `persistence.<name>` → volumes (or the chart's `persistence`) of every controller that
/// mounts it.
fn volumes_of(src: &mut Src, controllers: &Map<String, Value>, services: &mut Map<String, Value>) {
    if let Value::Object(items) = src.at("persistence") {
        for (pname, p) in items {
            let pbase = format!("persistence.{pname}");
            src.quiet(&pbase);
            if p.get("enabled") == Some(&json!(false)) {
                continue;
            }
            let owner: Vec<String> = if arr(&p, "/advancedMounts").is_empty() {
                controllers.keys().cloned().collect()
            } else {
                Vec::new()
            };
            let mounts = arr(&p, "/globalMounts");
            let path = mounts
                .first()
                .and_then(|m| m.get("path").cloned())
                .unwrap_or(json!(format!("/{pname}")));
            let ty = p
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("persistentVolumeClaim");
            let entry = match ty {
                "emptyDir" => Some(json!({"name": pname, "mountPath": path, "emptyDir": {}})),
                "configMap" => Some(
                    json!({"name": pname, "mountPath": path, "readOnly": true, "configMap": {"name": p.get("name").cloned().unwrap_or(json!(pname))}}),
                ),
                "secret" => Some(
                    json!({"name": pname, "mountPath": path, "readOnly": true, "secret": {"secretName": p.get("name").cloned().unwrap_or(json!(pname))}}),
                ),
                "persistentVolumeClaim" if p.get("existingClaim").is_some() => Some(
                    json!({"name": pname, "mountPath": path, "persistentVolumeClaim": {"claimName": get(&p, "/existingClaim")}}),
                ),
                _ => None,
            };
            if owner.is_empty() {
                src.hatch(
                    Part::Lossy,
                    &pbase,
                    "mounts per controller (advancedMounts) are not converted",
                    "volumes on each service that mounts it",
                );
                continue;
            }
            for o in &owner {
                let Some(svc) = services.get_mut(o) else {
                    continue;
                };
                match (&entry, ty) {
                    (Some(e), _) => {
                        let mut list = svc
                            .get("volumes")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        list.push(e.clone());
                        set(svc, "volumes", Value::Array(list));
                    }
                    (None, "persistentVolumeClaim") => {
                        set(
                            svc,
                            "persistence",
                            obj(vec![
                                ("enabled", json!(true)),
                                ("size", get(&p, "/size")),
                                (
                                    "storageClass",
                                    p.get("storageClass").cloned().unwrap_or(json!("default")),
                                ),
                                (
                                    "accessModes",
                                    p.get("accessMode")
                                        .map(|a| json!([a]))
                                        .unwrap_or(Value::Null),
                                ),
                                ("mountPath", path.clone()),
                            ]),
                        );
                    }
                    _ => {}
                }
            }
            src.exact_unless(
                entry.is_none() && ty != "persistentVolumeClaim",
                &pbase,
                format!("a {ty} volume is not allowed by Pod Security \"restricted\""),
                "a persistentVolumeClaim",
            );
        }
    }
}

/// app-template containers `<base>.<name>` besides the main one → sidecars or init containers
/// `{name, image, command, args, env, envFrom, resources}`; their other keys are reported.
fn containers_of(src: &mut Src, base: &str, names: &[String], service: &str) -> Vec<Value> {
    names
        .iter()
        .map(|cname| {
            let cb = format!("{base}.{cname}");
            let mut c = json!({"name": cname});
            image(src, &format!("{cb}.image"), &mut c);
            for k in ["command", "args", "envFrom", "resources"] {
                src.copy(&mut c, &format!("{cb}.{k}"), k);
            }
            env_list(src, &format!("{cb}.env"), service, &mut c);
            c
        })
        .collect()
}

/// The controller a `service.<identifier>` of app-template belongs to.
fn svcs_controller(root: &Value, identifier: &str) -> Option<String> {
    let c = s(root, &format!("/service/{identifier}/controller"));
    (!c.is_empty()).then_some(c)
}
