//! Kubernetes manifests → app-platform values: one service per workload, its Service, Ingress,
//! HTTPRoute, HPA and PDB folded in as the service's exposure and toggles, a ConfigMap mounted
//! as files as `configFiles`, ServiceMonitors, NetworkPolicies and Roles bound to its
//! ServiceAccount as `monitoring`, `networkPolicy` and `rbac`; ExternalName Services as
//! `workloadType: external`. Plain secret-looking environment values are never copied: they
//! become a Secret reference and a TODO.
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::{Note, Part};
use crate::core::base::error::{Error, Result};
use crate::core::values::read::parse_stream;

/// The kinds that become services.
pub const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

/// One input object and where it came from.
#[derive(Debug, Clone)]
pub struct Input {
    pub kind: String,
    pub name: String,
    pub value: Value,
    /// `file:line` of the document.
    pub origin: String,
}

impl Input {
    /// `Kind/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// Which input objects a service came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The service name (`services.<name>`, or the chart's name for a single service).
    pub service: String,
    pub workload: Option<String>,
    pub services: Vec<String>,
    pub ingresses: Vec<String>,
    pub hpa: Option<String>,
    pub pdb: Option<String>,
    /// ConfigMaps mounted as files, now `configFiles`.
    pub config_maps: Vec<String>,
    /// HTTPRoutes, now `route`.
    pub routes: Vec<String>,
    /// ServiceMonitors, now `monitoring`.
    pub monitors: Vec<String>,
    /// NetworkPolicies, now `networkPolicy`.
    pub policies: Vec<String>,
    /// The Role and its RoleBinding, now `rbac`.
    pub roles: Vec<String>,
}

/// What an import produced.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The values as the team would write them (not yet reduced to what differs from defaults).
    pub values: Value,
    /// Per service, the objects it came from.
    pub origins: Vec<Origin>,
    /// Notes found while reading: what cannot be expressed, names that change, secrets moved.
    pub notes: Vec<Note>,
    /// Things the team must do (create a Secret for a value not copied, …).
    pub todos: Vec<String>,
    pub inputs: Vec<Input>,
}

/// Reads every path (files, directories recursively, `-` for stdin) into objects.
pub fn read_paths(paths: &[PathBuf], stdin: &mut dyn std::io::Read) -> Result<Vec<Input>> {
    let mut files = Vec::new();
    for p in paths {
        if p == Path::new("-") {
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| Error::io("<stdin>", e))?;
            files.push(("<stdin>".to_string(), text));
        } else if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            for f in found {
                let text = std::fs::read_to_string(&f).map_err(|e| Error::io(&f, e))?;
                files.push((f.display().to_string(), text));
            }
        } else {
            let text = std::fs::read_to_string(p).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Error::Usage(format!("{}: no such file or directory", p.display()))
                } else {
                    Error::io(p, e)
                }
            })?;
            files.push((p.display().to_string(), text));
        }
    }
    let mut out = Vec::new();
    for (name, text) in files {
        out.extend(read_text(&name, &text)?);
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            out.push(p);
        }
    }
    Ok(())
}

/// The objects of one multi-document text (`kind: List` flattened).
pub fn read_text(name: &str, text: &str) -> Result<Vec<Input>> {
    let docs = parse_stream(text).map_err(|e| {
        Error::Usage(format!(
            "{name}:{}: not valid YAML: {}",
            e.loc.line, e.message
        ))
    })?;
    let mut out = Vec::new();
    for d in docs {
        let origin = format!("{name}:{}", d.start_line);
        push_object(d.parsed.value, &origin, &mut out);
    }
    Ok(out)
}

fn push_object(v: Value, origin: &str, out: &mut Vec<Input>) {
    let kind = s(&v, "/kind");
    if kind.ends_with("List")
        && let Some(items) = v.get("items").and_then(Value::as_array)
    {
        for i in items {
            push_object(i.clone(), origin, out);
        }
        return;
    }
    if kind.is_empty() {
        return;
    }
    out.push(Input {
        kind,
        name: s(&v, "/metadata/name"),
        value: v,
        origin: origin.to_string(),
    });
}

pub(crate) fn s(v: &Value, ptr: &str) -> String {
    match v.pointer(ptr) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        if !v.is_null() {
            m.insert(k.to_string(), v);
        }
    }
    Value::Object(m)
}

pub(crate) fn get(v: &Value, ptr: &str) -> Value {
    v.pointer(ptr).cloned().unwrap_or(Value::Null)
}

pub(crate) fn nonempty(v: Value) -> Value {
    match &v {
        Value::Object(m) if m.is_empty() => Value::Null,
        Value::Array(a) if a.is_empty() => Value::Null,
        Value::String(s) if s.is_empty() => Value::Null,
        _ => v,
    }
}

/// Whether an environment variable's name says its value is a secret.
pub fn secret_looking(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "ACCESS_KEY",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// The Secret a service's plain secret values are to be moved into.
pub fn secret_name(service: &str) -> String {
    format!("{service}-env")
}

/// The pod template of a workload.
pub fn pod_template(w: &Value) -> Value {
    match s(w, "/kind").as_str() {
        "CronJob" => get(w, "/spec/jobTemplate/spec/template"),
        _ => get(w, "/spec/template"),
    }
}

fn labels_match(selector: &Value, labels: &Value) -> bool {
    let Some(sel) = selector.as_object().filter(|m| !m.is_empty()) else {
        return false;
    };
    sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Labels the chart sets itself; the rest of a pod's labels are kept as `podLabels`.
pub(crate) const CHART_LABELS: &[&str] = &[
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
    "helm.sh/chart",
];

/// With several services, a workload named `<release>-<x>` becomes the service `x`, so the
/// chart's object name `<release>-<x>` is the name the team's objects already have.
pub fn strip_release_prefix(imported: &mut Imported, release: &str) {
    let prefix = format!("{release}-");
    let Some(Value::Object(services)) = imported.values.get_mut("services") else {
        return;
    };
    let originals: Vec<String> = services.keys().cloned().collect();
    let renamed: Map<String, Value> = std::mem::take(services)
        .into_iter()
        .map(|(name, v)| {
            let short = name.strip_prefix(&prefix).filter(|s| !s.is_empty());
            let new = match short {
                Some(s)
                    if crate::core::base::names::check(s).is_ok()
                        && !originals.iter().any(|o| o == s) =>
                {
                    s.to_string()
                }
                _ => name.clone(),
            };
            if let Some(o) = imported.origins.iter_mut().find(|o| o.service == name) {
                o.service.clone_from(&new);
            }
            (new, v)
        })
        .collect();
    *services = renamed;
}

/// Converts the objects into values: one workload at the top level, several under `services`.
pub fn convert(inputs: Vec<Input>) -> Imported {
    let mut notes = Vec::new();
    let mut todos = Vec::new();
    let workloads: Vec<&Input> = inputs
        .iter()
        .filter(|i| WORKLOADS.contains(&i.kind.as_str()))
        .collect();
    let externals: Vec<&Input> = inputs
        .iter()
        .filter(|i| i.kind == "Service" && s(&i.value, "/spec/type") == "ExternalName")
        .collect();
    let mut services: Vec<(String, Value, Origin)> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for w in &workloads {
        let mut origin = Origin {
            service: w.name.clone(),
            workload: Some(w.id()),
            ..Origin::default()
        };
        let mut v = workload_values(w, &mut notes, &mut todos);
        let pod_labels = get(&pod_template(&w.value), "/metadata/labels");
        // Services selecting the pods.
        let mut first_service = true;
        let selecting: Vec<&Input> = inputs
            .iter()
            .filter(|i| {
                i.kind == "Service"
                    && labels_match(&get(&i.value, "/spec/selector"), &pod_labels)
                    && !used.contains(&i.id())
            })
            .collect();
        for svc in selecting {
            used.push(svc.id());
            origin.services.push(svc.id());
            if s(&svc.value, "/spec/clusterIP") == "None" && w.kind == "StatefulSet" {
                // The chart renders the headless Service of a statefulset itself.
                continue;
            }
            if first_service {
                service_values(svc, &mut v, &mut notes);
                first_service = false;
            } else {
                notes.push(
                    Note::new(
                        Part::Lossy,
                        &svc.id(),
                        "metadata.name",
                        "a second Service for the same pods: the chart renders one per service",
                    )
                    .hatch("add its ports to service.ports of the first one"),
                );
            }
        }
        let sa = s(&pod_template(&w.value), "/spec/serviceAccountName");
        if let Some(acc) = inputs
            .iter()
            .find(|i| i.kind == "ServiceAccount" && !sa.is_empty() && i.name == sa)
        {
            used.push(acc.id());
            set(
                &mut v,
                "serviceAccount",
                json!({"create": true, "name": sa}),
            );
        }
        if w.kind != "Job" && w.kind != "CronJob" && origin.services.is_empty() {
            set(&mut v, "service", json!({"enabled": false}));
        }
        for ing in inputs.iter().filter(|i| i.kind == "Ingress") {
            if ingress_values(ing, &origin, &inputs, &mut v, &mut notes) {
                used.push(ing.id());
                origin.ingresses.push(ing.id());
            }
        }
        for hpa in inputs
            .iter()
            .filter(|i| i.kind == "HorizontalPodAutoscaler")
        {
            if s(&hpa.value, "/spec/scaleTargetRef/name") == w.name {
                used.push(hpa.id());
                origin.hpa = Some(hpa.id());
                hpa_values(hpa, &mut v, &mut notes);
            }
        }
        for pdb in inputs.iter().filter(|i| i.kind == "PodDisruptionBudget") {
            if labels_match(&get(&pdb.value, "/spec/selector/matchLabels"), &pod_labels) {
                used.push(pdb.id());
                origin.pdb = Some(pdb.id());
                set(&mut v, "pdb", pdb_values(pdb));
            }
        }
        let mut kinds = Kinds {
            inputs: &inputs,
            origin: &mut origin,
            v: &mut v,
            notes: &mut notes,
            used: &mut used,
        };
        kinds.config_files(w);
        kinds.routes();
        kinds.monitors();
        kinds.policies(&pod_labels);
        kinds.rbac(w);
        services.push((w.name.clone(), v, origin));
    }
    for e in &externals {
        used.push(e.id());
        services.push(external_service(e));
    }
    for i in &inputs {
        if used.contains(&i.id()) || WORKLOADS.contains(&i.kind.as_str()) {
            continue;
        }
        notes.push(not_imported(i));
    }
    let mut origins = Vec::new();
    let values = if services.len() == 1 {
        let (_, v, mut o) = services.pop().expect("one service");
        o.service = String::new();
        origins.push(o);
        v
    } else {
        let mut m = Map::new();
        for (name, v, o) in services {
            m.insert(name, v);
            origins.push(o);
        }
        json!({ "services": Value::Object(m) })
    };
    Imported {
        values,
        origins,
        notes,
        todos,
        inputs,
    }
}

/// Why an input no workload uses is left out, and what to do instead.
fn not_imported(i: &Input) -> Note {
    let (message, hatch) = match i.kind.as_str() {
        "Secret" => (
            "Secrets are never copied into values".to_string(),
            Some(
                "keep the Secret outside the release, or move it to a manager and list it under externalSecrets.secrets",
            ),
        ),
        "ConfigMap" => (
            "a ConfigMap not mounted whole as files is not imported".to_string(),
            Some(
                "apply it beside the release (its references are kept), or move its files into configFiles",
            ),
        ),
        "ServiceAccount" => (
            "ServiceAccounts are not imported".to_string(),
            Some(
                "serviceAccount.create: true creates one per service (serviceAccount.name keeps the name)",
            ),
        ),
        "NetworkPolicy" => (
            "it selects the pods of no workload of the input".to_string(),
            Some(
                "networkPolicy.enabled: true (default deny, dependsOn edges; extraIngress/extraEgress for the rest)",
            ),
        ),
        "Role" | "RoleBinding" => (
            "no workload's ServiceAccount is bound to it".to_string(),
            Some("rbac.enabled: true with rbac.rules on the service that needs it"),
        ),
        "HTTPRoute" => (
            "no Service of the input is this route's backend".to_string(),
            None,
        ),
        "ServiceMonitor" => (
            "it selects no Service of the input".to_string(),
            Some("monitoring.enabled: true on the service to scrape"),
        ),
        "Service" => (
            "no workload of the input selects this Service's pods".to_string(),
            None,
        ),
        "Ingress" => (
            "no Service of the input is this Ingress's backend".to_string(),
            None,
        ),
        _ => (
            format!("kind {} is not one the chart renders", i.kind),
            None,
        ),
    };
    let mut n = Note::new(Part::Lossy, &i.id(), "kind", message);
    n.hatch = hatch.map(str::to_string);
    n
}

/// An `ExternalName` Service → an `external` service of the chart.
fn external_service(e: &Input) -> (String, Value, Origin) {
    let ports: Vec<Value> = arr(&e.value, "/spec/ports")
        .iter()
        .map(|p| {
            obj(vec![
                (
                    "name",
                    json!(p.get("name").and_then(Value::as_str).unwrap_or("http")),
                ),
                ("port", get(p, "/port")),
                ("protocol", proto(p)),
            ])
        })
        .collect();
    let ext = obj(vec![
        ("name", get(&e.value, "/spec/externalName")),
        ("ports", nonempty(Value::Array(ports))),
    ]);
    let v = obj(vec![("workloadType", json!("external")), ("external", ext)]);
    (
        e.name.clone(),
        v,
        Origin {
            service: e.name.clone(),
            services: vec![e.id()],
            ..Origin::default()
        },
    )
}

/// A PodDisruptionBudget → the chart's `pdb`.
fn pdb_values(pdb: &Input) -> Value {
    let mut p = Map::new();
    p.insert("enabled".into(), json!(true));
    if let Some(m) = pdb.value.pointer("/spec/minAvailable") {
        p.insert("minAvailable".into(), m.clone());
        p.insert("maxUnavailable".into(), Value::Null);
    } else if let Some(m) = pdb.value.pointer("/spec/maxUnavailable") {
        p.insert("maxUnavailable".into(), m.clone());
    }
    Value::Object(p)
}

/// The kinds folded into a workload's service besides its Services, Ingresses, HPA and PDB.
struct Kinds<'a> {
    inputs: &'a [Input],
    origin: &'a mut Origin,
    v: &'a mut Value,
    notes: &'a mut Vec<Note>,
    used: &'a mut Vec<String>,
}

impl Kinds<'_> {
    fn of(&self, kind: &'static str) -> impl Iterator<Item = &Input> + use<'_> {
        self.inputs.iter().filter(move |i| i.kind == kind)
    }

    /// The names of the workload's own Services in the input.
    fn service_names(&self) -> Vec<String> {
        self.inputs
            .iter()
            .filter(|i| self.origin.services.contains(&i.id()))
            .map(|i| i.name.clone())
            .collect()
    }

    /// The first ConfigMap of the input mounted whole (no items, no subPath) becomes
    /// `configFiles`: the chart renders it as `<object name>-config` and mounts it read-only.
    fn config_files(&mut self, w: &Input) {
        let id = w.id();
        let Some(Value::Array(volumes)) = self.v.get("volumes").cloned() else {
            return;
        };
        let found = volumes.iter().enumerate().find_map(|(n, vol)| {
            let name = vol.pointer("/configMap/name").and_then(Value::as_str)?;
            if vol.pointer("/configMap/items").is_some() || vol.get("subPath").is_some() {
                return None;
            }
            let cm = self.of("ConfigMap").find(|c| c.name == name)?;
            let files = cm.value.get("data").filter(|d| d.is_object())?;
            Some((n, cm.clone(), files.clone()))
        });
        let Some((n, cm, files)) = found else { return };
        let vol = &volumes[n];
        let mut rest = volumes.clone();
        rest.remove(n);
        if let Value::Object(m) = &mut *self.v {
            if rest.is_empty() {
                m.shift_remove("volumes");
            } else {
                m.insert("volumes".into(), Value::Array(rest));
            }
        }
        set(
            self.v,
            "configFiles",
            json!({"mountPath": get(vol, "/mountPath"), "files": files}),
        );
        if cm.value.get("binaryData").is_some() {
            self.notes.push(
                Note::new(
                    Part::Lossy,
                    &cm.id(),
                    "binaryData",
                    "configFiles holds text files only",
                )
                .hatch(
                    "apply the ConfigMap beside the release and mount it with volumes[].configMap",
                ),
            );
        }
        if vol.get("readOnly") != Some(&json!(true)) {
            self.notes.push(Note::new(
                Part::Changed,
                &id,
                &format!("volumeMounts.{}.readOnly", s(vol, "/mountPath")),
                "configFiles are mounted read-only",
            ));
        }
        self.used.push(cm.id());
        self.origin.config_maps.push(cm.id());
    }

    /// HTTPRoutes whose backends are the workload's Services become `route`.
    fn routes(&mut self) {
        let ours = self.service_names();
        let routes: Vec<Input> = self
            .of("HTTPRoute")
            .filter(|r| {
                arr(&r.value, "/spec/rules").iter().any(|rule| {
                    arr(rule, "/backendRefs")
                        .iter()
                        .any(|b| ours.contains(&s(b, "/name")))
                })
            })
            .cloned()
            .collect();
        let Some(r) = routes.first() else { return };
        let id = r.id();
        let parents: Vec<Value> = arr(&r.value, "/spec/parentRefs")
            .iter()
            .map(|p| {
                if !matches!(s(p, "/kind").as_str(), "" | "Gateway") {
                    self.notes.push(Note::new(
                        Part::Lossy,
                        &id,
                        "spec.parentRefs",
                        format!(
                            "the chart attaches routes to Gateways, not to a {}",
                            s(p, "/kind")
                        ),
                    ));
                }
                obj(vec![
                    ("name", get(p, "/name")),
                    ("namespace", get(p, "/namespace")),
                    ("sectionName", get(p, "/sectionName")),
                ])
            })
            .collect();
        let mut paths: Vec<Value> = Vec::new();
        for (i, rule) in arr(&r.value, "/spec/rules").iter().enumerate() {
            let backends = arr(rule, "/backendRefs");
            if backends.len() > 1 || backends.iter().any(|b| b.get("weight").is_some()) {
                self.notes.push(Note::new(
                    Part::Lossy,
                    &id,
                    &format!("spec.rules[{i}].backendRefs"),
                    "the chart sends a route to the service's own Service (weights only through canary)",
                ).hatch("canary.enabled with canary.weight for a weighted second backend"));
            }
            if rule.get("filters").is_some() {
                self.notes.push(
                    Note::new(
                        Part::Lossy,
                        &id,
                        &format!("spec.rules[{i}].filters"),
                        "route filters are not a key of the chart",
                    )
                    .hatch("apply the HTTPRoute beside the release instead of route"),
                );
            }
            let matches = arr(rule, "/matches");
            let matches = if matches.is_empty() {
                vec![json!({})]
            } else {
                matches
            };
            for m in matches {
                if m.get("headers").is_some()
                    || m.get("queryParams").is_some()
                    || m.get("method").is_some()
                {
                    self.notes.push(Note::new(
                        Part::Lossy,
                        &id,
                        &format!("spec.rules[{i}].matches"),
                        "the chart matches paths only (no headers, query parameters or methods)",
                    ));
                }
                let ty = m
                    .pointer("/path/type")
                    .and_then(Value::as_str)
                    .unwrap_or("PathPrefix");
                let path_type = match ty {
                    "PathPrefix" => "Prefix",
                    "Exact" => "Exact",
                    other => {
                        self.notes.push(Note::new(
                            Part::Lossy,
                            &id,
                            &format!("spec.rules[{i}].matches.path"),
                            format!(
                                "a {other} path match is not a key of the chart (Prefix or Exact)"
                            ),
                        ));
                        continue;
                    }
                };
                let value = m.pointer("/path/value").cloned().unwrap_or(json!("/"));
                let e = json!({"path": value, "pathType": path_type});
                if !paths.contains(&e) {
                    paths.push(e);
                }
            }
        }
        set(
            self.v,
            "route",
            obj(vec![
                ("enabled", json!(true)),
                ("parentRefs", Value::Array(parents)),
                ("hostnames", nonempty(get(&r.value, "/spec/hostnames"))),
                ("paths", nonempty(Value::Array(paths))),
            ]),
        );
        for extra in &routes[1..] {
            self.notes.push(
                Note::new(
                    Part::Lossy,
                    &extra.id(),
                    "kind",
                    "a second HTTPRoute to the same Service: the chart renders one per service",
                )
                .hatch("add its hostnames and paths to route"),
            );
            self.used.push(extra.id());
        }
        self.used.push(id.clone());
        self.origin.routes.push(id);
    }

    /// ServiceMonitors that select one of the workload's Services become `monitoring`.
    fn monitors(&mut self) {
        let services: Vec<Input> = self
            .inputs
            .iter()
            .filter(|i| self.origin.services.contains(&i.id()))
            .cloned()
            .collect();
        let monitors: Vec<Input> = self
            .of("ServiceMonitor")
            .filter(|m| {
                services.iter().any(|svc| {
                    labels_match(
                        &get(&m.value, "/spec/selector/matchLabels"),
                        &get(&svc.value, "/metadata/labels"),
                    )
                })
            })
            .cloned()
            .collect();
        let Some(m) = monitors.first() else { return };
        let id = m.id();
        let endpoints = arr(&m.value, "/spec/endpoints");
        let ep = endpoints.first().cloned().unwrap_or(json!({}));
        if endpoints.len() > 1 {
            self.notes.push(Note::new(
                Part::Lossy,
                &id,
                "spec.endpoints",
                "the chart scrapes one port per service",
            ).hatch("monitoring.port for the main one; a ServiceMonitor beside the release for the others"));
        }
        // The Service's main port is named http by the chart.
        let port_name = s(&ep, "/port");
        let main_name = services
            .first()
            .map(|svc| s(&svc.value, "/spec/ports/0/name"))
            .unwrap_or_default();
        let (port, number) =
            if port_name.is_empty() || port_name == main_name || port_name == "http" {
                (json!("http"), Value::Null)
            } else {
                let number = services
                    .iter()
                    .flat_map(|svc| arr(&svc.value, "/spec/ports"))
                    .find(|p| s(p, "/name") == port_name)
                    .map(|p| get(&p, "/port"))
                    .unwrap_or(Value::Null);
                (json!(port_name), number)
            };
        let interval = get(&ep, "/interval");
        if interval.is_null() {
            self.notes.push(Note::new(
                Part::Changed,
                &id,
                "spec.endpoints.interval",
                "the chart needs a scrape interval: 30s is written (Prometheus' own default is its global interval)",
            ));
        }
        let mut labels = get(&m.value, "/metadata/labels");
        if let Value::Object(l) = &mut labels {
            l.retain(|k, _| !CHART_LABELS.contains(&k.as_str()));
        }
        set(
            self.v,
            "monitoring",
            obj(vec![
                ("enabled", json!(true)),
                ("port", port),
                ("portNumber", number),
                ("path", get(&ep, "/path")),
                (
                    "scrapeInterval",
                    if interval.is_null() {
                        json!("30s")
                    } else {
                        interval
                    },
                ),
                ("scrapeTimeout", get(&ep, "/scrapeTimeout")),
                ("labels", nonempty(labels)),
            ]),
        );
        // A monitor may select several workloads' Services: it counts as used once imported.
        self.used.push(id.clone());
        self.origin.monitors.push(id);
    }

    /// NetworkPolicies selecting the workload's pods become `networkPolicy`: their rules as
    /// `extraIngress`/`extraEgress`, a direction they leave open as one rule that allows all.
    fn policies(&mut self, pod_labels: &Value) {
        let policies: Vec<Input> = self
            .of("NetworkPolicy")
            .filter(|p| labels_match(&get(&p.value, "/spec/podSelector/matchLabels"), pod_labels))
            .cloned()
            .collect();
        if policies.is_empty() {
            return;
        }
        let (mut ingress, mut egress) = (Vec::new(), Vec::new());
        let (mut ingress_open, mut egress_open) = (true, true);
        for p in &policies {
            let types = policy_types(&p.value);
            if types.iter().any(|t| t == "Ingress") {
                ingress_open = false;
                ingress.extend(arr(&p.value, "/spec/ingress"));
            }
            if types.iter().any(|t| t == "Egress") {
                egress_open = false;
                egress.extend(arr(&p.value, "/spec/egress"));
            }
            self.used.push(p.id());
            self.origin.policies.push(p.id());
        }
        if ingress_open {
            ingress = vec![json!({})];
        }
        if egress_open {
            egress = vec![json!({})];
        }
        set(
            self.v,
            "networkPolicy",
            obj(vec![
                ("enabled", json!(true)),
                ("extraIngress", nonempty(Value::Array(ingress))),
                ("extraEgress", nonempty(Value::Array(egress))),
            ]),
        );
    }

    /// A RoleBinding of the workload's ServiceAccount to a Role of the input becomes `rbac`.
    fn rbac(&mut self, w: &Input) {
        let sa = s(&pod_template(&w.value), "/spec/serviceAccountName");
        if sa.is_empty() {
            return;
        }
        let bindings: Vec<Input> = self
            .of("RoleBinding")
            .filter(|b| {
                arr(&b.value, "/subjects")
                    .iter()
                    .any(|x| s(x, "/kind") == "ServiceAccount" && s(x, "/name") == sa)
            })
            .cloned()
            .collect();
        let mut rules: Vec<Value> = Vec::new();
        for b in &bindings {
            let role = s(&b.value, "/roleRef/name");
            if s(&b.value, "/roleRef/kind") != "Role" {
                self.notes.push(Note::new(
                    Part::Lossy,
                    &b.id(),
                    "roleRef",
                    format!("a binding to the ClusterRole {role}: the chart grants namespaced Roles only"),
                ).hatch("rbac.rules with the rules it needs in this namespace, or keep the binding beside the release"));
                self.used.push(b.id());
                continue;
            }
            let Some(r) = self.of("Role").find(|r| r.name == role).cloned() else {
                continue;
            };
            for rule in arr(&r.value, "/rules") {
                rules.push(obj(vec![
                    ("apiGroups", get(&rule, "/apiGroups")),
                    ("resources", get(&rule, "/resources")),
                    ("resourceNames", get(&rule, "/resourceNames")),
                    ("verbs", get(&rule, "/verbs")),
                ]));
            }
            for id in [r.id(), b.id()] {
                self.used.push(id.clone());
                self.origin.roles.push(id);
            }
        }
        if !rules.is_empty() {
            set(self.v, "rbac", json!({"enabled": true, "rules": rules}));
        }
    }
}

/// A NetworkPolicy's policyTypes as Kubernetes defaults them.
pub fn policy_types(p: &Value) -> Vec<String> {
    match p.pointer("/spec/policyTypes").and_then(Value::as_array) {
        Some(t) => t
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        None => {
            let mut t = vec!["Ingress".to_string()];
            if p.pointer("/spec/egress").is_some() {
                t.push("Egress".into());
            }
            t
        }
    }
}

pub(crate) fn arr(v: &Value, ptr: &str) -> Vec<Value> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn proto(p: &Value) -> Value {
    match p.get("protocol").and_then(Value::as_str) {
        Some("TCP") | None => Value::Null,
        Some(x) => json!(x),
    }
}

pub(crate) fn set(v: &mut Value, key: &str, x: Value) {
    if let Value::Object(m) = v
        && !x.is_null()
    {
        m.insert(key.to_string(), x);
    }
}

fn workload_values(w: &Input, notes: &mut Vec<Note>, todos: &mut Vec<String>) -> Value {
    let id = w.id();
    let tpl = pod_template(&w.value);
    let pod = get(&tpl, "/spec");
    let containers = arr(&pod, "/containers");
    let main = containers.first().cloned().unwrap_or(Value::Null);
    let mut v = json!({ "workloadType": w.kind.to_ascii_lowercase() });
    set(&mut v, "image", get(&main, "/image"));
    if let Some(p) = main.get("imagePullPolicy").and_then(Value::as_str)
        && p != "IfNotPresent"
    {
        let mut image = image_parts(&s(&main, "/image"));
        if let Value::Object(m) = &mut image {
            m.insert("pullPolicy".into(), json!(p));
        }
        set(&mut v, "image", image);
    }
    if matches!(w.kind.as_str(), "Deployment" | "StatefulSet") {
        set(
            &mut v,
            "replicas",
            w.value
                .pointer("/spec/replicas")
                .cloned()
                .unwrap_or(json!(1)),
        );
    }
    set(&mut v, "command", nonempty(get(&main, "/command")));
    set(&mut v, "args", nonempty(get(&main, "/args")));
    let service = w.name.as_str();
    set(&mut v, "env", env_map(&id, service, &main, notes, todos));
    set(&mut v, "envFrom", nonempty(get(&main, "/envFrom")));
    let ports = arr(&main, "/ports");
    port_values(&id, &ports, &mut v, notes);
    if !matches!(w.kind.as_str(), "Job" | "CronJob") {
        set(&mut v, "probes", probes_of(&id, &main, &ports, notes));
    }
    set(&mut v, "resources", nonempty(get(&main, "/resources")));
    volume_values(w, &pod, &main, &mut v, notes);
    for (k, key) in [
        ("nodeSelector", "nodeSelector"),
        ("tolerations", "tolerations"),
        ("affinity", "affinity"),
        ("topologySpreadConstraints", "topologySpreadConstraints"),
        ("priorityClassName", "priorityClassName"),
        (
            "terminationGracePeriodSeconds",
            "terminationGracePeriodSeconds",
        ),
    ] {
        set(&mut v, key, nonempty(get(&pod, &format!("/{k}"))));
    }
    let secrets: Vec<Value> = arr(&pod, "/imagePullSecrets")
        .iter()
        .map(|x| get(x, "/name"))
        .collect();
    set(&mut v, "imagePullSecrets", nonempty(Value::Array(secrets)));
    let mut labels = get(&tpl, "/metadata/labels");
    if let Value::Object(m) = &mut labels {
        m.retain(|k, _| !CHART_LABELS.contains(&k.as_str()));
    }
    set(&mut v, "podLabels", nonempty(labels));
    set(
        &mut v,
        "podAnnotations",
        nonempty(get(&tpl, "/metadata/annotations")),
    );
    let sa = s(&pod, "/serviceAccountName");
    if !sa.is_empty() && sa != "default" {
        set(&mut v, "serviceAccount", json!({"name": sa}));
    }
    security_values(&id, &pod, &main, &mut v, notes);
    for c in containers.iter().skip(1) {
        let c = container_values(&id, service, c, notes, todos);
        if let Some(Value::Array(a)) = v.get_mut("sidecars") {
            a.push(c);
        } else {
            set(&mut v, "sidecars", json!([c]));
        }
    }
    let inits: Vec<Value> = arr(&pod, "/initContainers")
        .iter()
        .map(|c| container_values(&id, service, c, notes, todos))
        .collect();
    set(&mut v, "initContainers", nonempty(Value::Array(inits)));
    strategy_values(w, &mut v);
    job_values(w, &pod, &mut v);
    v
}

/// A container port as the chart's `{name, port, protocol}`.
fn port_entry(p: &Value) -> Value {
    obj(vec![
        ("name", get(p, "/name")),
        ("port", get(p, "/containerPort")),
        ("protocol", proto(p)),
    ])
}

/// The container's ports: the first is the main port (named http by the chart), the others
/// extra ports.
fn port_values(id: &str, ports: &[Value], v: &mut Value, notes: &mut Vec<Note>) {
    if let Some(first) = ports.first() {
        set(v, "port", get(first, "/containerPort"));
        let name = s(first, "/name");
        if !name.is_empty() && name != "http" {
            notes.push(
                Note::new(
                    Part::Changed,
                    id,
                    &format!("ports.{name}"),
                    format!(
                        "the main container port is named http by the chart, not {name}: a Service or probe that targets the port by the name {name} must use http"
                    ),
                )
                .hatch(format!(
                    "the name {name} cannot be kept on the main port (the chart always names it http); its number {} is unchanged: target it by number, or by the name http",
                    s(first, "/containerPort")
                )),
            );
        }
        let extra: Vec<Value> = ports[1..].iter().map(port_entry).collect();
        set(v, "ports", nonempty(Value::Array(extra)));
    }
}

/// The container's probes (a missing one is turned off when another is set; without any,
/// the chart's tcp probes stay: policy probes-required).
fn probes_of(id: &str, main: &Value, ports: &[Value], notes: &mut Vec<Note>) -> Value {
    let mut probes = Map::new();
    for (k8s, key) in [
        ("livenessProbe", "liveness"),
        ("readinessProbe", "readiness"),
        ("startupProbe", "startup"),
    ] {
        match main.get(k8s) {
            Some(p) => {
                probes.insert(key.into(), probe_values(id, key, p, ports, notes));
            }
            // Without any probe the chart's tcp probes stay (policy probes-required).
            None if key != "startup"
                && (main.get("livenessProbe").is_some()
                    || main.get("readinessProbe").is_some()) =>
            {
                probes.insert(key.into(), json!({"enabled": false}));
            }
            None => {}
        }
    }
    Value::Object(probes)
}

/// A Job's or CronJob's own keys.
fn job_values(w: &Input, pod: &Value, v: &mut Value) {
    if matches!(w.kind.as_str(), "Job" | "CronJob") {
        let spec = if w.kind == "CronJob" {
            get(&w.value, "/spec/jobTemplate/spec")
        } else {
            get(&w.value, "/spec")
        };
        let mut job = Map::new();
        for k in [
            "backoffLimit",
            "ttlSecondsAfterFinished",
            "activeDeadlineSeconds",
            "completions",
            "parallelism",
        ] {
            if let Some(x) = spec.get(k) {
                job.insert(k.into(), x.clone());
            }
        }
        if let Some(r) = pod.get("restartPolicy") {
            job.insert("restartPolicy".into(), r.clone());
        }
        set(v, "job", nonempty(Value::Object(job)));
    }
    if w.kind == "CronJob" {
        let mut cj = Map::new();
        for k in [
            "schedule",
            "concurrencyPolicy",
            "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
            "suspend",
            "timeZone",
            "startingDeadlineSeconds",
        ] {
            if let Some(x) = w.value.pointer(&format!("/spec/{k}")) {
                cj.insert(k.into(), x.clone());
            }
        }
        set(v, "cronjob", Value::Object(cj));
    }
}

/// An image reference in the chart's object form: `{registry, repository, tag, digest}`, the
/// registry split off when the first part names a host (as the chart reads it).
pub fn image_parts(image: &str) -> Value {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last = rest.rsplit('/').next().unwrap_or(rest);
    let (repo, tag) = match last.rsplit_once(':') {
        Some((_, tag)) => (&rest[..rest.len() - tag.len() - 1], Some(tag)),
        None => (rest, None),
    };
    let (registry, repo) = match repo.split_once('/') {
        Some((first, path))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first), path)
        }
        _ => (None, repo),
    };
    let mut m = Map::new();
    if let Some(r) = registry {
        m.insert("registry".into(), json!(r));
    }
    m.insert("repository".into(), json!(repo));
    if let Some(t) = tag {
        m.insert("tag".into(), json!(t));
    }
    if let Some(d) = digest {
        m.insert("digest".into(), json!(d));
    }
    Value::Object(m)
}

pub(crate) fn env_map(
    id: &str,
    service: &str,
    c: &Value,
    notes: &mut Vec<Note>,
    todos: &mut Vec<String>,
) -> Value {
    let mut m = Map::new();
    for e in arr(c, "/env") {
        let name = s(&e, "/name");
        if let Some(from) = e.get("valueFrom") {
            m.insert(name, from.clone());
        } else {
            let value = get(&e, "/value");
            let value = if value.is_null() { json!("") } else { value };
            if secret_looking(&name) && value.as_str().is_some_and(|x| !x.is_empty()) {
                let secret = secret_name(service);
                m.insert(
                    name.clone(),
                    json!({"secretKeyRef": {"name": secret, "key": name}}),
                );
                notes.push(Note::new(
                    Part::Changed,
                    id,
                    &format!("env.{name}"),
                    format!("a plain value that looks secret is not copied into values: it is read from the Secret {secret}, key {name}"),
                ));
                let todo = format!(
                    "create the Secret {secret} with the key {name} (kubectl create secret generic {secret} --from-literal={name}=...), or an ExternalSecret under externalSecrets.secrets"
                );
                if !todos.contains(&todo) {
                    todos.push(todo);
                }
            } else {
                m.insert(name, value);
            }
        }
    }
    nonempty(Value::Object(m))
}

pub(crate) fn probe_values(
    id: &str,
    key: &str,
    p: &Value,
    ports: &[Value],
    notes: &mut Vec<Note>,
) -> Value {
    let mut out = Map::new();
    let port_of = |x: &Value| -> Value {
        // The main port is named http by the chart.
        let first = ports.first();
        match x {
            Value::String(n) if first.is_some_and(|f| s(f, "/name") == *n) => json!("http"),
            Value::Number(_) if first.is_some_and(|f| f.get("containerPort") == Some(x)) => {
                json!("http")
            }
            _ => x.clone(),
        }
    };
    if let Some(h) = p.get("httpGet") {
        out.insert("type".into(), json!("http"));
        out.insert("path".into(), h.get("path").cloned().unwrap_or(json!("/")));
        out.insert("port".into(), port_of(&get(h, "/port")));
        if let Some(sc) = h.get("scheme").filter(|x| *x != "HTTP") {
            out.insert("scheme".into(), sc.clone());
        }
        if h.get("httpHeaders").is_some() {
            notes.push(Note::new(
                Part::Lossy,
                id,
                &format!("probes.{key}.httpGet.httpHeaders"),
                "probe headers are not a key of the chart",
            ));
        }
    } else if let Some(t) = p.get("tcpSocket") {
        out.insert("type".into(), json!("tcp"));
        out.insert("port".into(), port_of(&get(t, "/port")));
    } else if let Some(e) = p.get("exec") {
        out.insert("type".into(), json!("exec"));
        out.insert("command".into(), get(e, "/command"));
    } else {
        notes.push(
            Note::new(
                Part::Lossy,
                id,
                &format!("probes.{key}"),
                "a grpc probe is not a key of the chart",
            )
            .hatch("an exec probe running grpc_health_probe"),
        );
        return json!({"enabled": false});
    }
    for k in [
        "initialDelaySeconds",
        "periodSeconds",
        "timeoutSeconds",
        "failureThreshold",
        "successThreshold",
    ] {
        // Kubernetes' own defaults when the input leaves a timing out.
        let d = match k {
            "periodSeconds" => json!(10),
            "timeoutSeconds" | "successThreshold" => json!(1),
            "failureThreshold" => json!(3),
            _ => json!(0),
        };
        let x = p.get(k).cloned().unwrap_or(d.clone());
        if k == "periodSeconds" || k == "failureThreshold" || x != d {
            out.insert(k.into(), x);
        }
    }
    Value::Object(out)
}

pub(crate) fn container_values(
    id: &str,
    service: &str,
    c: &Value,
    notes: &mut Vec<Note>,
    todos: &mut Vec<String>,
) -> Value {
    let ports: Vec<Value> = arr(c, "/ports").iter().map(port_entry).collect();
    let mounts: Vec<Value> = arr(c, "/volumeMounts")
        .iter()
        .map(|m| {
            obj(vec![
                ("name", get(m, "/name")),
                ("mountPath", get(m, "/mountPath")),
                ("readOnly", get(m, "/readOnly")),
            ])
        })
        .collect();
    obj(vec![
        ("name", get(c, "/name")),
        ("image", get(c, "/image")),
        ("command", nonempty(get(c, "/command"))),
        ("args", nonempty(get(c, "/args"))),
        ("env", env_map(id, service, c, notes, todos)),
        ("envFrom", nonempty(get(c, "/envFrom"))),
        ("ports", nonempty(Value::Array(ports))),
        ("resources", nonempty(get(c, "/resources"))),
        ("volumeMounts", nonempty(Value::Array(mounts))),
    ])
}

pub(crate) fn volume_values(
    w: &Input,
    pod: &Value,
    main: &Value,
    v: &mut Value,
    notes: &mut Vec<Note>,
) {
    let id = w.id();
    let volumes = arr(pod, "/volumes");
    let mut out = Vec::new();
    let claims = arr(&w.value, "/spec/volumeClaimTemplates");
    for m in arr(main, "/volumeMounts") {
        let name = s(&m, "/name");
        let path = get(&m, "/mountPath");
        if let Some(t) = claims.iter().find(|t| s(t, "/metadata/name") == name) {
            if claims.first() == Some(t) {
                let class = get(t, "/spec/storageClassName");
                let p = obj(vec![
                    ("enabled", json!(true)),
                    ("size", get(t, "/spec/resources/requests/storage")),
                    (
                        "storageClass",
                        if class.is_null() {
                            json!("default")
                        } else {
                            class
                        },
                    ),
                    ("accessModes", get(t, "/spec/accessModes")),
                    ("mountPath", path),
                ]);
                set(v, "persistence", p);
                if name != "data" {
                    notes.push(
                        Note::new(
                            Part::Changed,
                            &id,
                            &format!("volumeClaimTemplates.{name}"),
                            format!("the claim template is named data by the chart, not {name}: existing claims {name}-{}-N are not reused", w.name),
                        )
                        .hatch("copy the data over, or bind the new claims to the old volumes"),
                    );
                }
            } else {
                notes.push(Note::new(
                    Part::Lossy,
                    &id,
                    &format!("volumeClaimTemplates.{name}"),
                    "the chart renders one claim template per statefulset",
                ));
            }
            continue;
        }
        let Some(vol) = volumes.iter().find(|x| s(x, "/name") == name) else {
            continue;
        };
        let mut e = Map::new();
        e.insert("name".into(), json!(name));
        e.insert("mountPath".into(), path);
        if let Some(sp) = m.get("subPath") {
            e.insert("subPath".into(), sp.clone());
        }
        if m.get("readOnly") == Some(&json!(true)) {
            e.insert("readOnly".into(), json!(true));
        }
        let mut ok = false;
        for src in [
            "emptyDir",
            "secret",
            "configMap",
            "persistentVolumeClaim",
            "projected",
            "downwardAPI",
        ] {
            if let Some(x) = vol.get(src) {
                e.insert(src.into(), x.clone());
                ok = true;
            }
        }
        if ok {
            out.push(Value::Object(e));
        } else {
            let src = vol
                .as_object()
                .and_then(|o| o.keys().find(|k| *k != "name").cloned())
                .unwrap_or_default();
            notes.push(
                Note::new(
                    Part::Lossy,
                    &id,
                    &format!("volumes.{name}"),
                    format!("a {src} volume is not allowed by Pod Security \"restricted\""),
                )
                .hatch("a persistentVolumeClaim, or run this workload outside app-platform"),
            );
        }
    }
    set(v, "volumes", nonempty(Value::Array(out)));
}

pub(crate) fn security_values(
    id: &str,
    pod: &Value,
    main: &Value,
    v: &mut Value,
    notes: &mut Vec<Note>,
) {
    let psc = get(pod, "/securityContext");
    let csc = get(main, "/securityContext");
    let mut sec = Map::new();
    for (k, from) in [
        ("runAsUser", &csc),
        ("runAsGroup", &csc),
        ("runAsNonRoot", &csc),
        ("readOnlyRootFilesystem", &csc),
        ("allowPrivilegeEscalation", &csc),
        ("runAsUser", &psc),
        ("runAsGroup", &psc),
        ("fsGroup", &psc),
        ("runAsNonRoot", &psc),
    ] {
        if let Some(x) = from.get(k)
            && !sec.contains_key(k)
        {
            sec.insert(k.into(), x.clone());
        }
    }
    if let Some(add) = csc.pointer("/capabilities/add") {
        sec.insert("addCapabilities".into(), add.clone());
    }
    if csc.get("privileged") == Some(&json!(true)) {
        notes.push(
            Note::new(
                Part::Lossy,
                id,
                "securityContext.privileged",
                "a privileged container is never rendered (Pod Security \"restricted\")",
            )
            .hatch("none in app-platform: run it outside the platform's chart"),
        );
        sec.remove("allowPrivilegeEscalation");
    }
    if sec.get("runAsUser") == Some(&json!(0)) {
        sec.insert("runAsNonRoot".into(), json!(false));
    }
    for k in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod.get(k) == Some(&json!(true)) {
            notes.push(
                Note::new(
                    Part::Lossy,
                    id,
                    k,
                    format!("{k} is forbidden by Pod Security \"restricted\""),
                )
                .hatch("none in app-platform: run it outside the platform's chart"),
            );
        }
    }
    set(v, "security", nonempty(Value::Object(sec)));
}

pub(crate) fn strategy_values(w: &Input, v: &mut Value) {
    let st = match w.kind.as_str() {
        "Deployment" => get(&w.value, "/spec/strategy"),
        "StatefulSet" | "DaemonSet" => get(&w.value, "/spec/updateStrategy"),
        _ => return,
    };
    if st.is_null() {
        return;
    }
    let mut m = Map::new();
    if let Some(t) = st.get("type") {
        m.insert("type".into(), t.clone());
    }
    if let Some(Value::Object(r)) = st.get("rollingUpdate") {
        for (k, x) in r {
            m.insert(k.clone(), x.clone());
        }
    }
    set(v, "strategy", nonempty(Value::Object(m)));
}

fn service_values(svc: &Input, v: &mut Value, notes: &mut Vec<Note>) {
    let id = svc.id();
    let port = v.get("port").cloned().unwrap_or(Value::Null);
    let mut out = Map::new();
    let ty = s(&svc.value, "/spec/type");
    if !ty.is_empty() && ty != "ClusterIP" {
        out.insert("type".into(), json!(ty));
    }
    if let Some(a) = svc.value.pointer("/metadata/annotations") {
        out.insert("annotations".into(), a.clone());
    }
    let mut extra = Vec::new();
    for (i, p) in arr(&svc.value, "/spec/ports").iter().enumerate() {
        let target = p.get("targetPort").cloned().unwrap_or(get(p, "/port"));
        let name = s(p, "/name");
        let main = i == 0
            && (target == port
                || target.as_str().is_some_and(|t| t == "http")
                || v.get("port").is_none());
        if main {
            if v.get("port").is_none()
                && let Some(n) = target.as_u64()
            {
                set(v, "port", json!(n));
            }
            if get(p, "/port") != port {
                out.insert("port".into(), get(p, "/port"));
            }
            if !name.is_empty() && name != "http" {
                notes.push(
                    Note::new(
                        Part::Changed,
                        &id,
                        &format!("spec.ports.{name}"),
                        format!("the Service's main port is named http by the chart, not {name}: clients that look the port up by name (SRV records, Ingresses naming it) must use http"),
                    )
                    .hatch(format!(
                        "the name {name} cannot be kept on the Service's main port (the chart always names it http); port {} is unchanged: address it by number, or by the name http (SRV: _http._tcp.<service>); the chart's own Ingress and ServiceMonitor already use http",
                        s(p, "/port")
                    )),
                );
            }
        } else {
            extra.push(obj(vec![
                (
                    "name",
                    json!(if name.is_empty() {
                        format!("port-{i}")
                    } else {
                        name
                    }),
                ),
                ("port", get(p, "/port")),
                ("targetPort", get(p, "/targetPort")),
                ("protocol", proto(p)),
                ("nodePort", get(p, "/nodePort")),
            ]));
        }
    }
    if !extra.is_empty() {
        out.insert("ports".into(), Value::Array(extra));
    }
    set(v, "service", Value::Object(out));
}

fn ingress_values(
    ing: &Input,
    origin: &Origin,
    inputs: &[Input],
    v: &mut Value,
    notes: &mut Vec<Note>,
) -> bool {
    let ours: Vec<String> = inputs
        .iter()
        .filter(|i| origin.services.contains(&i.id()))
        .map(|i| i.name.clone())
        .collect();
    let mut hosts = Vec::new();
    let mut paths: Vec<Value> = Vec::new();
    for r in arr(&ing.value, "/spec/rules") {
        let mut mine = false;
        for p in arr(&r, "/http/paths") {
            if ours.contains(&s(&p, "/backend/service/name")) {
                mine = true;
                let e = json!({"path": get(&p, "/path"), "pathType": get(&p, "/pathType")});
                if !paths.contains(&e) {
                    paths.push(e);
                }
            }
        }
        if mine {
            hosts.push(get(&r, "/host"));
        }
    }
    if hosts.is_empty() {
        return false;
    }
    let mut m = Map::new();
    m.insert("enabled".into(), json!(true));
    let class = get(&ing.value, "/spec/ingressClassName");
    if !class.is_null() {
        m.insert("className".into(), class);
    }
    m.insert("host".into(), hosts[0].clone());
    if hosts.len() > 1 {
        m.insert("hosts".into(), Value::Array(hosts[1..].to_vec()));
    }
    m.insert("paths".into(), Value::Array(paths));
    if let Some(a) = ing.value.pointer("/metadata/annotations") {
        m.insert("annotations".into(), a.clone());
    }
    let tls = arr(&ing.value, "/spec/tls");
    if let Some(t) = tls.first() {
        m.insert(
            "tls".into(),
            obj(vec![
                ("enabled", json!(true)),
                ("secretName", get(t, "/secretName")),
            ]),
        );
        if tls.len() > 1 {
            notes.push(Note::new(
                Part::Lossy,
                &ing.id(),
                "spec.tls",
                "the chart uses one certificate for every host of a service",
            ));
        }
    }
    set(v, "ingress", Value::Object(m));
    true
}

pub(crate) fn hpa_values(hpa: &Input, v: &mut Value, notes: &mut Vec<Note>) {
    let mut m = Map::new();
    m.insert("enabled".into(), json!(true));
    m.insert(
        "minReplicas".into(),
        hpa.value
            .pointer("/spec/minReplicas")
            .cloned()
            .unwrap_or(json!(1)),
    );
    m.insert("maxReplicas".into(), get(&hpa.value, "/spec/maxReplicas"));
    let mut cpu = json!(0);
    let mut mem = json!(0);
    for metric in arr(&hpa.value, "/spec/metrics") {
        let name = s(&metric, "/resource/name");
        let target = get(&metric, "/resource/target/averageUtilization");
        match (s(&metric, "/type").as_str(), name.as_str()) {
            ("Resource", "cpu") if !target.is_null() => cpu = target,
            ("Resource", "memory") if !target.is_null() => mem = target,
            _ => notes.push(Note::new(
                Part::Lossy,
                &hpa.id(),
                "spec.metrics",
                "only cpu and memory utilization targets are keys of the chart",
            )),
        }
    }
    m.insert("targetCPUUtilizationPercentage".into(), cpu);
    m.insert("targetMemoryUtilizationPercentage".into(), mem);
    if let Some(b) = hpa.value.pointer("/spec/behavior") {
        m.insert("behavior".into(), b.clone());
    }
    set(v, "autoscaling", Value::Object(m));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(name: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: main, image: 'ghcr.io/acme/{name}:1.0'}}]\n"
        )
    }

    #[test]
    fn workloads_named_after_the_release_keep_their_names() {
        let text = [
            deployment("shop-web"),
            deployment("shop-api"),
            deployment("web"),
        ]
        .join("---\n");
        let mut imported = convert(read_text("t", &text).expect("reads"));
        strip_release_prefix(&mut imported, "shop");
        let services = imported.values["services"].as_object().expect("services");
        // shop-api → api (named shop-api by the chart); shop-web stays: web is taken already.
        let names: Vec<&String> = services.keys().collect();
        assert_eq!(names, ["shop-web", "api", "web"]);
        assert!(imported.origins.iter().any(|o| o.service == "api"));
    }

    #[test]
    fn image_parts_split_registry_tag_and_digest() {
        assert_eq!(
            image_parts("registry.acme.internal:5000/shop/web:2.1@sha256:abc"),
            json!({"registry": "registry.acme.internal:5000", "repository": "shop/web", "tag": "2.1", "digest": "sha256:abc"})
        );
        assert_eq!(image_parts("nginx"), json!({"repository": "nginx"}));
        assert_eq!(
            image_parts("acme/web:1"),
            json!({"repository": "acme/web", "tag": "1"})
        );
    }
}
