//! Kubernetes manifests → app-platform values: one service per workload, its Service, Ingress,
//! HTTPRoute, HPA and PDB folded in as the service's exposure and toggles, a ConfigMap mounted
//! as files as `configFiles`, ServiceMonitors, NetworkPolicies and Roles bound to its
//! ServiceAccount as `monitoring`, `networkPolicy` and `rbac`; ExternalName Services as
//! `workloadType: external`. Plain secret-looking environment values are never copied: they
//! become a Secret reference and a TODO.
use std::collections::HashSet;

use serde_json::{Map, Value, json};

pub(crate) use super::objects::{CHART_LABELS, arr, get, nonempty, obj, s, set};
pub(crate) use super::objects::{Input, default_pull_policy, image_parts, pod_template};
use super::{Note, Part};
use crate::core::base::error::{Error, Result};
use crate::core::values::read::parse_stream;

/// The kinds that become services.
pub(crate) const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

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
    /// The ServiceAccount the pods run as, now `serviceAccount`.
    pub accounts: Vec<String>,
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
    if v.is_null() {
        return;
    }
    out.push(Input {
        kind,
        name: s(&v, "/metadata/name"),
        value: v,
        origin: origin.to_string(),
    });
}

/// Whether an environment variable's name says its value is a secret.
pub(crate) fn secret_looking(name: &str) -> bool {
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

/// A value that is a switch or empty, never a secret (`MYSQL_ALLOW_EMPTY_PASSWORD: "true"`).
fn plain_setting(x: &str) -> bool {
    matches!(
        x.to_ascii_lowercase().as_str(),
        "" | "true" | "false" | "yes" | "no" | "on" | "off" | "0" | "1"
    )
}

/// The Secret a service's plain secret values are to be moved into.
pub(crate) fn secret_name(service: &str) -> String {
    format!("{service}-env")
}

fn labels_match(selector: &Value, labels: &Value) -> bool {
    let Some(sel) = selector.as_object().filter(|m| !m.is_empty()) else {
        return false;
    };
    sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The key of each workload's service: the main container's name when it is a DNS label that
/// no other workload uses as its name or main container name (the chart names the main
/// container after the service), else the workload's name. Objects keep the workload's name
/// (`naming: service`, and `objectName` where the key differs).
fn service_keys(workloads: &[&Input]) -> Vec<String> {
    let cname = |w: &Input| s(&pod_template(&w.value), "/spec/containers/0/name");
    let names: Vec<String> = workloads.iter().map(|w| cname(w)).collect();
    let keys: Vec<String> = workloads
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let c = &names[i];
            let unique = names.iter().filter(|n| *n == c).count() == 1
                && !workloads
                    .iter()
                    .enumerate()
                    .any(|(j, o)| j != i && o.name == *c);
            if !c.is_empty() && unique && crate::core::base::names::check(c).is_ok() {
                c.clone()
            } else {
                w.name.clone()
            }
        })
        .collect();
    // Two workloads of different kinds may share a name: the second keeps its kind in the key.
    let mut out: Vec<String> = Vec::new();
    for (k, w) in keys.into_iter().zip(workloads) {
        if out.contains(&k) {
            out.push(format!("{k}-{}", w.kind.to_ascii_lowercase()));
        } else {
            out.push(k);
        }
    }
    out
}

/// A single service's objects keep the workload's name under any release name (`objectName`).
pub(crate) fn keep_object_name(imported: &mut Imported, release: &str) {
    let Some(o) = imported.origins.first() else {
        return;
    };
    if imported.origins.len() != 1 || imported.values.get("services").is_some() {
        return;
    }
    let Some(name) = o
        .workload
        .as_ref()
        .and_then(|id| id.split_once('/'))
        .map(|(_, n)| n.to_string())
    else {
        return;
    };
    if name != release {
        set(&mut imported.values, "objectName", json!(name));
    }
}

/// Converts the objects into values: one workload at the top level, several under `services`
/// (named as the manifests name them: `naming: service`).
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
    let keys = service_keys(&workloads);
    let mut services: Vec<(String, Value, Origin)> = Vec::new();
    let mut used: HashSet<String> = HashSet::new();
    for (w, key) in workloads.iter().zip(&keys) {
        let mut found = Found {
            inputs: &inputs,
            used: &mut used,
            notes: &mut notes,
            todos: &mut todos,
        };
        let (v, origin) = found.service(w, key, workloads.len() > 1);
        services.push((key.clone(), v, origin));
    }
    for e in &externals {
        used.insert(e.id());
        services.push(external_service(e));
    }
    let refs = references(&workloads);
    for i in &inputs {
        if used.contains(&i.id()) || WORKLOADS.contains(&i.kind.as_str()) {
            continue;
        }
        notes.push(not_imported(i, &refs));
    }
    let (values, origins) = release_values(services, &inputs);
    Imported {
        values,
        origins,
        notes,
        todos,
        inputs,
    }
}

/// What the conversion has found so far: the input objects taken into a service, and what it
/// said about them.
struct Found<'a> {
    inputs: &'a [Input],
    used: &'a mut HashSet<String>,
    notes: &'a mut Vec<Note>,
    todos: &'a mut Vec<String>,
}

impl Found<'_> {
    /// One workload's service (`key`; `several`: the release has more than one): its values, and
    /// the input objects they came from — the Services selecting its pods that no other took,
    /// then the kinds that name the workload or its Services.
    fn service(&mut self, w: &Input, key: &String, several: bool) -> (Value, Origin) {
        let inputs = self.inputs;
        let mut origin = Origin {
            service: key.clone(),
            workload: Some(w.id()),
            ..Origin::default()
        };
        let pod_labels = get(&pod_template(&w.value), "/metadata/labels");
        let selecting: Vec<&Input> = inputs
            .iter()
            .filter(|i| {
                i.kind == "Service"
                    && s(&i.value, "/spec/type") != "ExternalName"
                    && labels_match(&get(&i.value, "/spec/selector"), &pod_labels)
                    && !self.used.contains(&i.id())
            })
            .collect();
        let mut v = workload_values(w, &selecting, self.notes, self.todos);
        if several && *key != w.name {
            set(&mut v, "objectName", json!(w.name));
        }
        // The chart names the main container after the service: containerName keeps its name.
        let main = s(&pod_template(&w.value), "/spec/containers/0/name");
        if several
            && main != *key
            && !main.is_empty()
            && crate::core::base::names::check(&main).is_ok()
        {
            set(&mut v, "containerName", json!(main));
        }
        for svc in &selecting {
            self.used.insert(svc.id());
            origin.services.push(svc.id());
        }
        let mut kinds = Kinds {
            inputs,
            origin: &mut origin,
            v: &mut v,
            notes: self.notes,
            used: self.used,
        };
        kinds.account(w);
        kinds.ingresses();
        kinds.scaling(w, &pod_labels);
        kinds.config_files(w);
        kinds.routes();
        kinds.monitors();
        kinds.policies(&pod_labels);
        kinds.rbac(w);
        (v, origin)
    }
}

/// The release's values from its services: one at the top level (its main container's name
/// kept by `nameOverride`), several under `services`; with each one's origin.
fn release_values(
    mut services: Vec<(String, Value, Origin)>,
    inputs: &[Input],
) -> (Value, Vec<Origin>) {
    let mut origins = Vec::new();
    let values = if services.len() == 1 {
        let (_, mut v, mut o) = services.pop().expect("one service");
        // The chart names the main container after the service: nameOverride keeps its name.
        let c = o
            .workload
            .as_ref()
            .and_then(|id| inputs.iter().find(|i| i.id() == *id))
            .map(|w| s(&pod_template(&w.value), "/spec/containers/0/name"))
            .unwrap_or_default();
        o.service = String::new();
        if !c.is_empty() && crate::core::base::names::check(&c).is_ok() {
            set(&mut v, "nameOverride", json!(c));
            o.service = c;
        }
        origins.push(o);
        v
    } else {
        let mut m = Map::new();
        for (name, v, o) in services {
            m.insert(name, v);
            origins.push(o);
        }
        json!({ "naming": "service", "services": Value::Object(m) })
    };
    (values, origins)
}

/// The Secrets, ConfigMaps and claims the workloads' pods name (env, envFrom, volumes).
fn references(workloads: &[&Input]) -> Vec<String> {
    let mut out = Vec::new();
    for w in workloads {
        let pod = get(&pod_template(&w.value), "/spec");
        for vol in arr(&pod, "/volumes") {
            for (kind, ptr) in [
                ("Secret", "/secret/secretName"),
                ("ConfigMap", "/configMap/name"),
                ("PersistentVolumeClaim", "/persistentVolumeClaim/claimName"),
            ] {
                let n = s(&vol, ptr);
                if !n.is_empty() {
                    out.push(format!("{kind}/{n}"));
                }
            }
            for src in arr(&vol, "/projected/sources") {
                for (kind, ptr) in [("Secret", "/secret/name"), ("ConfigMap", "/configMap/name")] {
                    let n = s(&src, ptr);
                    if !n.is_empty() {
                        out.push(format!("{kind}/{n}"));
                    }
                }
            }
        }
        for c in arr(&pod, "/containers")
            .into_iter()
            .chain(arr(&pod, "/initContainers"))
        {
            for e in arr(&c, "/envFrom") {
                for (kind, ptr) in [
                    ("Secret", "/secretRef/name"),
                    ("ConfigMap", "/configMapRef/name"),
                ] {
                    let n = s(&e, ptr);
                    if !n.is_empty() {
                        out.push(format!("{kind}/{n}"));
                    }
                }
            }
            for e in arr(&c, "/env") {
                for (kind, ptr) in [
                    ("Secret", "/valueFrom/secretKeyRef/name"),
                    ("ConfigMap", "/valueFrom/configMapKeyRef/name"),
                ] {
                    let n = s(&e, ptr);
                    if !n.is_empty() {
                        out.push(format!("{kind}/{n}"));
                    }
                }
            }
        }
        for sec in arr(&pod, "/imagePullSecrets") {
            out.push(format!("Secret/{}", s(&sec, "/name")));
        }
    }
    out
}

/// Kinds that are not an application's objects: the cluster's, or its administrators'.
const CLUSTER_KINDS: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PodSecurityPolicy",
    "StorageClass",
    "PersistentVolume",
    "PriorityClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "RuntimeClass",
    "ResourceQuota",
    "LimitRange",
];

/// Why an input no workload uses is left out, and what to do instead: objects the workloads
/// reference (Secrets, ConfigMaps, claims) and the cluster's own kinds are listed as not
/// imported on purpose; the rest could not be expressed.
fn not_imported(i: &Input, refs: &[String]) -> Note {
    let referenced = refs.contains(&i.id());
    let hook = i
        .value
        .pointer("/metadata/annotations/helm.sh~1hook")
        .is_some();
    let (part, message, hatch) = match i.kind.as_str() {
        _ if hook => (
            Part::Skipped,
            "a Helm hook or test of the chart that rendered it (helm.sh/hook)".to_string(),
            Some(
                "app-platform renders its own: hooks.<name> for Jobs at install or upgrade, tests for helm test",
            ),
        ),
        "Secret" => (
            Part::Skipped,
            "Secrets are never copied into values: the pods' references to it are kept".to_string(),
            Some(
                "keep applying the Secret beside the release (kubectl apply -f, sealed-secrets), or move it to a manager and list it under externalSecrets.secrets",
            ),
        ),
        "ConfigMap" if referenced => (
            Part::Skipped,
            "a ConfigMap the pods read (env, envFrom or a volume with items): the references are kept, the ConfigMap is not part of the release".to_string(),
            Some(
                "keep applying it beside the release (a kustomize configMapGenerator keeps generating it), or move its files into configFiles",
            ),
        ),
        "PersistentVolumeClaim" if referenced => (
            Part::Skipped,
            "a claim holding data stays outside the release, so uninstalling never deletes it: the pods mount it by name".to_string(),
            Some("keep applying it beside the release; it is never recreated"),
        ),
        k if CLUSTER_KINDS.contains(&k) => (
            Part::Skipped,
            format!("{k} is a cluster object, not an application's: a release of app-platform never owns it"),
            Some("have the cluster's administrators apply it (or keep applying it beside the release)"),
        ),
        "ConfigMap" => (
            Part::Lossy,
            "no workload of the input reads this ConfigMap".to_string(),
            Some(
                "apply it beside the release, or move its files into configFiles of the service that needs them",
            ),
        ),
        "PersistentVolumeClaim" => (
            Part::Lossy,
            "no workload of the input mounts this claim".to_string(),
            Some("apply it beside the release"),
        ),
        "ServiceAccount" => (
            Part::Lossy,
            "no workload of the input runs as this ServiceAccount".to_string(),
            Some(
                "serviceAccount.create: true creates one per service (serviceAccount.name keeps the name)",
            ),
        ),
        "NetworkPolicy" => (
            Part::Lossy,
            "it selects the pods of no workload of the input".to_string(),
            Some(
                "networkPolicy.enabled: true (default deny, dependsOn edges; extraIngress/extraEgress for the rest)",
            ),
        ),
        "Role" | "RoleBinding" => (
            Part::Lossy,
            "no workload's ServiceAccount is bound to it".to_string(),
            Some("rbac.enabled: true with rbac.rules on the service that needs it"),
        ),
        "HTTPRoute" => (
            Part::Lossy,
            "no Service of the input is this route's backend".to_string(),
            None,
        ),
        "ServiceMonitor" => (
            Part::Lossy,
            "it selects no Service of the input".to_string(),
            Some("monitoring.enabled: true on the service to scrape"),
        ),
        "Service" => (
            Part::Lossy,
            "this Service selects no pods of the input".to_string(),
            Some("fix its selector to match a workload's pod labels, or apply it beside the release"),
        ),
        "Ingress" => (
            Part::Lossy,
            "no Service of the input is this Ingress's backend".to_string(),
            None,
        ),
        "HorizontalPodAutoscaler" => (
            Part::Lossy,
            "its scaleTargetRef names no workload of the input".to_string(),
            None,
        ),
        "PodDisruptionBudget" => (
            Part::Lossy,
            "it selects the pods of no workload of the input".to_string(),
            None,
        ),
        _ => (
            Part::Lossy,
            format!("kind {} is not one the chart renders", i.kind),
            Some("apply it beside the release"),
        ),
    };
    let mut n = Note::new(part, &i.id(), "kind", format!("{message} ({})", i.origin));
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

/// The name of the pod volume the chart renders `configFiles` into (`app-platform.pod.volumes`):
/// what a sidecar's own mount of the files names.
const CONFIG_VOLUME: &str = "config";

/// The kinds folded into a workload's service besides its Services.
struct Kinds<'a> {
    inputs: &'a [Input],
    origin: &'a mut Origin,
    v: &'a mut Value,
    notes: &'a mut Vec<Note>,
    used: &'a mut HashSet<String>,
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

    /// The ServiceAccount the pods run as becomes `serviceAccount` (created, with its
    /// annotations).
    fn account(&mut self, w: &Input) {
        let sa = s(&pod_template(&w.value), "/spec/serviceAccountName");
        let Some(acc) = self
            .inputs
            .iter()
            .find(|i| i.kind == "ServiceAccount" && !sa.is_empty() && i.name == sa)
        else {
            return;
        };
        self.used.insert(acc.id());
        self.origin.accounts.push(acc.id());
        let mut account = json!({"create": true, "name": sa});
        if let Some(a) = acc.value.pointer("/metadata/annotations") {
            account["annotations"] = a.clone();
        }
        set(self.v, "serviceAccount", account);
    }

    /// The Ingresses that send to the workload's Services become `ingress`.
    fn ingresses(&mut self) {
        let inputs = self.inputs;
        for ing in inputs.iter().filter(|i| i.kind == "Ingress") {
            if ingress_values(ing, self.origin, inputs, self.v, self.notes) {
                self.used.insert(ing.id());
                self.origin.ingresses.push(ing.id());
            }
        }
    }

    /// The HPA that scales the workload becomes `autoscaling`, the PDB that selects its pods
    /// `pdb`.
    fn scaling(&mut self, w: &Input, pod_labels: &Value) {
        let inputs = self.inputs;
        for hpa in inputs
            .iter()
            .filter(|i| i.kind == "HorizontalPodAutoscaler")
        {
            if s(&hpa.value, "/spec/scaleTargetRef/name") == w.name {
                self.used.insert(hpa.id());
                self.origin.hpa = Some(hpa.id());
                hpa_values(hpa, self.v, self.notes);
            }
        }
        for pdb in inputs.iter().filter(|i| i.kind == "PodDisruptionBudget") {
            if labels_match(&get(&pdb.value, "/spec/selector/matchLabels"), pod_labels) {
                self.used.insert(pdb.id());
                self.origin.pdb = Some(pdb.id());
                set(self.v, "pdb", pdb_values(pdb));
            }
        }
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
        self.config_mounts_of_sidecars(&id, vol);
        self.used.insert(cm.id());
        self.origin.config_maps.push(cm.id());
    }

    /// Sidecars and init containers that mount the ConfigMap that became `configFiles` (`vol`,
    /// the main container's mount) mount the chart's volume of it: at the main container's
    /// path the chart mounts it in every container already (read-only), elsewhere their own
    /// mount names the chart's volume ([`CONFIG_VOLUME`]).
    fn config_mounts_of_sidecars(&mut self, id: &str, vol: &Value) {
        let (name, path) = (s(vol, "/name"), s(vol, "/mountPath"));
        let notes = &mut *self.notes;
        retain_extra_mounts(self.v, |cname, m| {
            if s(m, "/name") != name {
                return true;
            }
            if s(m, "/mountPath") == path && m.get("subPath").is_none() {
                if m.get("readOnly") != Some(&json!(true)) {
                    notes.push(Note::new(
                        Part::Changed,
                        id,
                        &format!("containers.{cname}.volumeMounts.{path}.readOnly"),
                        "configFiles are mounted read-only",
                    ));
                }
                return false;
            }
            if let Value::Object(o) = m {
                o.insert("name".into(), json!(CONFIG_VOLUME));
            }
            true
        });
    }

    /// HTTPRoutes whose backends are the workload's Services become `route` (the first; a
    /// second is said, not merged).
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
        let parents = self.route_parents(r);
        let paths = self.route_paths(r);
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
            self.used.insert(extra.id());
        }
        self.used.insert(id.clone());
        self.origin.routes.push(id);
    }

    /// A route's parents as `route.parentRefs`: Gateways only (another kind is said).
    fn route_parents(&mut self, r: &Input) -> Vec<Value> {
        let id = r.id();
        arr(&r.value, "/spec/parentRefs")
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
            .collect()
    }

    /// A route's path matches as `route.paths`, each once; weighted or several backends,
    /// filters and matches on more than the path are said.
    fn route_paths(&mut self, r: &Input) -> Vec<Value> {
        let id = r.id();
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
                if let Some(e) = self.route_path(&id, i, &m)
                    && !paths.contains(&e)
                {
                    paths.push(e);
                }
            }
        }
        paths
    }

    /// One match of rule `i` as a path and path type (`None`: a path match type the chart has
    /// not); headers, query parameters and methods are said.
    fn route_path(&mut self, id: &str, i: usize, m: &Value) -> Option<Value> {
        if m.get("headers").is_some() || m.get("queryParams").is_some() || m.get("method").is_some()
        {
            self.notes.push(Note::new(
                Part::Lossy,
                id,
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
                    id,
                    &format!("spec.rules[{i}].matches.path"),
                    format!("a {other} path match is not a key of the chart (Prefix or Exact)"),
                ));
                return None;
            }
        };
        let value = m.pointer("/path/value").cloned().unwrap_or(json!("/"));
        Some(json!({"path": value, "pathType": path_type}))
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
        self.used.insert(id.clone());
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
            self.used.insert(p.id());
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
                self.used.insert(b.id());
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
                self.used.insert(id.clone());
                self.origin.roles.push(id);
            }
        }
        if !rules.is_empty() {
            set(self.v, "rbac", json!({"enabled": true, "rules": rules}));
        }
    }
}

/// A NetworkPolicy's policyTypes as Kubernetes defaults them.
pub(crate) fn policy_types(p: &Value) -> Vec<String> {
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

fn proto(p: &Value) -> Value {
    match p.get("protocol").and_then(Value::as_str) {
        Some("TCP") | None => Value::Null,
        Some(x) => json!(x),
    }
}

fn workload_values(
    w: &Input,
    selecting: &[&Input],
    notes: &mut Vec<Note>,
    todos: &mut Vec<String>,
) -> Value {
    let id = w.id();
    let tpl = pod_template(&w.value);
    let pod = get(&tpl, "/spec");
    let containers = arr(&pod, "/containers");
    let main = containers.first().cloned().unwrap_or(Value::Null);
    let mut v = json!({ "workloadType": w.kind.to_ascii_lowercase() });
    set(&mut v, "image", image_values(&main, true));
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
    let long = !matches!(w.kind.as_str(), "Job" | "CronJob");
    let sts = w.kind == "StatefulSet";
    let main_svc = if long {
        super::network::pick_main(&w.name, sts, selecting)
    } else {
        None
    };
    let mp = super::network::main_port(&pod, &main, main_svc);
    port_values(&id, &main, &mp, &mut v, notes);
    if long {
        set(&mut v, "probes", probes_of(&id, &main, notes));
    }
    set(&mut v, "resources", resources_of(&main));
    set(&mut v, "lifecycle", nonempty(get(&main, "/lifecycle")));
    volume_values(w, &pod, &main, &mut v, notes);
    for k in super::objects::POD_KEYS
        .iter()
        .chain(&["terminationGracePeriodSeconds"])
    {
        set(&mut v, k, nonempty(get(&pod, &format!("/{k}"))));
    }
    let dns = s(&pod, "/dnsPolicy");
    if !dns.is_empty() && dns != "ClusterFirst" {
        set(&mut v, "dnsPolicy", json!(dns));
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
    let mut annotations = get(&tpl, "/metadata/annotations");
    if let Value::Object(m) = &mut annotations {
        m.retain(|k, _| !super::objects::tool_key(k));
    }
    set(&mut v, "podAnnotations", nonempty(annotations));
    let sa = s(&pod, "/serviceAccountName");
    let mut account = Map::new();
    if !sa.is_empty() && sa != "default" {
        account.insert("name".into(), json!(sa));
    }
    set(&mut v, "serviceAccount", nonempty(Value::Object(account)));
    security_values(&id, &pod, &main, &mut v, notes);
    for c in containers.iter().skip(1) {
        let c = container_values(&id, service, c, &pod, true, notes, todos);
        if let Some(Value::Array(a)) = v.get_mut("sidecars") {
            a.push(c);
        } else {
            set(&mut v, "sidecars", json!([c]));
        }
    }
    let inits: Vec<Value> = arr(&pod, "/initContainers")
        .iter()
        .map(|c| container_values(&id, service, c, &pod, false, notes, todos))
        .collect();
    set(&mut v, "initContainers", nonempty(Value::Array(inits)));
    sidecar_mounts(&id, &main, &mut v, notes);
    strategy_values(w, &mut v);
    job_values(w, &pod, &mut v);
    if long {
        let services = super::network::Services {
            w,
            object: &w.name,
            pod: &pod,
            main_port: &mp,
        };
        services.values(selecting, &mut v, notes);
    }
    v
}

/// Sidecars' and init containers' mounts the chart already gives them (it mounts the data volume
/// at persistence.mountPath in every container) are dropped; a volume only they mount is said:
/// the chart mounts each of `volumes` in the main container too.
fn sidecar_mounts(id: &str, main: &Value, v: &mut Value, notes: &mut Vec<Note>) {
    let data = v
        .pointer("/persistence/mountPath")
        .and_then(Value::as_str)
        .map(str::to_string);
    let main_vols: Vec<String> = arr(main, "/volumeMounts")
        .iter()
        .map(|m| s(m, "/name"))
        .collect();
    retain_extra_mounts(v, |cname, m| {
        if data.as_deref() == Some(s(m, "/mountPath").as_str()) {
            return false;
        }
        let n = s(m, "/name");
        if main_vols.contains(&n) {
            return true;
        }
        notes.push(
            Note::new(
                Part::Lossy,
                id,
                &format!("containers.{cname}.volumeMounts.{n}"),
                format!("the volume {n} is mounted by {cname} only: the chart mounts each volume in the main container, where it is declared"),
            )
            .hatch("mount it in the main container too (volumes[] with its mountPath), or keep this workload outside app-platform"),
        );
        false
    });
}

/// Keeps the mounts of each sidecar and init container for which `keep(container name, mount)`
/// says so (it may change the mount); a container left with none loses its `volumeMounts`.
fn retain_extra_mounts(v: &mut Value, mut keep: impl FnMut(&str, &mut Value) -> bool) {
    for key in ["sidecars", "initContainers"] {
        let Some(Value::Array(items)) = v.get_mut(key) else {
            continue;
        };
        for c in items.iter_mut() {
            let cname = s(c, "/name");
            let Some(Value::Array(mounts)) = c.get_mut("volumeMounts") else {
                continue;
            };
            mounts.retain_mut(|m| keep(&cname, m));
            if mounts.is_empty()
                && let Value::Object(o) = c
            {
                o.shift_remove("volumeMounts");
            }
        }
    }
}

/// A container's image as values: for the main container the chart's map (`tag: ""` when the
/// reference has none, so the chart's default tag is not inherited); for a sidecar the string,
/// or the map when the pull policy must be written. The pull policy as Kubernetes defaults it.
fn image_values(c: &Value, main: bool) -> Value {
    let image = s(c, "/image");
    if image.is_empty() {
        return Value::Null;
    }
    let policy = c
        .get("imagePullPolicy")
        .and_then(Value::as_str)
        .unwrap_or_else(|| default_pull_policy(&image))
        .to_string();
    if !main && policy == "IfNotPresent" {
        return json!(image);
    }
    let mut parts = image_parts(&image);
    if let Value::Object(m) = &mut parts {
        if main {
            m.entry("tag").or_insert(json!(""));
            m.entry("digest").or_insert(json!(""));
        }
        if policy != "IfNotPresent" {
            m.insert("pullPolicy".into(), json!(policy));
        }
    }
    parts
}

/// Requests and limits as the manifests set them (an empty `limits:` is no key, never null).
fn resources_of(c: &Value) -> Value {
    let mut r = get(c, "/resources");
    if let Value::Object(m) = &mut r {
        m.retain(|_, x| x.as_object().is_some_and(|o| !o.is_empty()));
    }
    nonempty(r)
}

/// A container port as the chart's `{name, port, protocol}` (unnamed: `port-<number>`).
fn port_entry(p: &Value) -> Value {
    let name = s(p, "/name");
    obj(vec![
        (
            "name",
            json!(if name.is_empty() {
                format!("port-{}", s(p, "/containerPort"))
            } else {
                name
            }),
        ),
        ("port", get(p, "/containerPort")),
        ("protocol", proto(p)),
    ])
}

/// The main port (`port`, `portName`, `portProtocol`) and the main container's other ports.
fn port_values(
    id: &str,
    main: &Value,
    mp: &super::network::MainPort,
    v: &mut Value,
    notes: &mut Vec<Note>,
) {
    let Some(number) = mp.number else { return };
    set(v, "port", json!(number));
    if !mp.name.is_empty() {
        set(v, "portName", json!(mp.name));
    }
    if mp.protocol != "TCP" {
        set(v, "portProtocol", json!(mp.protocol));
    }
    let ports = arr(main, "/ports");
    if let Some(p) = ports
        .iter()
        .find(|p| p.get("containerPort").and_then(Value::as_u64) == Some(number))
    {
        let own = s(p, "/name");
        if !own.is_empty() && own != mp.name {
            notes.push(
                Note::new(
                    Part::Lossy,
                    id,
                    &format!("ports.{number}.name"),
                    format!("the main container port and the main Service port share one name in the chart: {} (the Service's), not {own}", mp.name),
                )
                .hatch("give both ports the same name in the manifests before importing"),
            );
        }
    }
    let extra: Vec<Value> = ports
        .iter()
        .filter(|p| p.get("containerPort").and_then(Value::as_u64) != Some(number))
        .map(port_entry)
        .collect();
    set(v, "ports", nonempty(Value::Array(extra)));
}

/// The container's probes, each as the chart's map form. A probe the input leaves out is
/// turned off when another is set; without any, the chart's tcp probes stay (policy
/// probes-required), which the proof says.
fn probes_of(id: &str, c: &Value, notes: &mut Vec<Note>) -> Value {
    let mut probes = Map::new();
    let any = c.get("livenessProbe").is_some() || c.get("readinessProbe").is_some();
    for (k8s, key) in [
        ("livenessProbe", "liveness"),
        ("readinessProbe", "readiness"),
        ("startupProbe", "startup"),
    ] {
        match c.get(k8s) {
            Some(p) => {
                probes.insert(key.into(), probe_values(id, key, p, &[], notes));
            }
            None if key != "startup" && any => {
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
        // Kubernetes' default where the chart's differs.
        job.entry("backoffLimit").or_insert(json!(6));
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
        cj.entry("concurrencyPolicy").or_insert(json!("Allow"));
        set(v, "cronjob", Value::Object(cj));
    }
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
            if secret_looking(&name) && value.as_str().is_some_and(|x| !plain_setting(x)) {
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

/// A Kubernetes probe as the chart's map form (`http`, `tcp`, `grpc` or `exec`) with every
/// timing Kubernetes would use (its defaults where the input leaves one out; the chart's
/// defaults differ, so they are written). `_ports` is unused: ports are kept as written (names
/// are kept too).
pub(crate) fn probe_values(
    id: &str,
    key: &str,
    p: &Value,
    _ports: &[Value],
    notes: &mut Vec<Note>,
) -> Value {
    let mut out = Map::new();
    if let Some(h) = p.get("httpGet") {
        let mut m = Map::new();
        m.insert("path".into(), h.get("path").cloned().unwrap_or(json!("/")));
        if let Some(port) = h.get("port") {
            m.insert("port".into(), port.clone());
        }
        if let Some(sc) = h.get("scheme").filter(|x| *x != "HTTP") {
            m.insert("scheme".into(), sc.clone());
        }
        if let Some(hs) = h
            .get("httpHeaders")
            .filter(|x| x.as_array().is_some_and(|a| !a.is_empty()))
        {
            m.insert("headers".into(), hs.clone());
        }
        if h.get("host").is_some() {
            notes.push(
                Note::new(
                    Part::Lossy,
                    id,
                    &format!("probes.{key}.httpGet.host"),
                    "a probe's host is not a key of the chart (it checks the pod's own address)",
                )
                .hatch("send the Host header instead: probes.<kind>.http.headers"),
            );
        }
        out.insert("http".into(), Value::Object(m));
    } else if let Some(tc) = p.get("tcpSocket") {
        let mut m = Map::new();
        if let Some(port) = tc.get("port") {
            m.insert("port".into(), port.clone());
        }
        out.insert("tcp".into(), Value::Object(m));
    } else if let Some(g) = p.get("grpc") {
        let mut m = Map::new();
        m.insert("port".into(), get(g, "/port"));
        if let Some(sv) = g
            .get("service")
            .filter(|x| x.as_str().is_some_and(|x| !x.is_empty()))
        {
            m.insert("service".into(), sv.clone());
        }
        out.insert("grpc".into(), Value::Object(m));
    } else if let Some(e) = p.get("exec") {
        out.insert("exec".into(), json!({"command": get(e, "/command")}));
    } else {
        notes.push(Note::new(
            Part::Lossy,
            id,
            &format!("probes.{key}"),
            "a probe without httpGet, tcpSocket, grpc or exec",
        ));
        return json!({"enabled": false});
    }
    for (k, d) in [
        ("initialDelaySeconds", 0),
        ("periodSeconds", 10),
        ("timeoutSeconds", 1),
        ("failureThreshold", 3),
        ("successThreshold", 1),
    ] {
        // Kubernetes' default where the input leaves a timing out; written where the chart's
        // own default differs (period and failure threshold), or the input's does.
        let x = p.get(k).cloned().unwrap_or(json!(d));
        if k == "periodSeconds" || k == "failureThreshold" || x != json!(d) {
            out.insert(k.into(), x);
        }
    }
    if p.get("terminationGracePeriodSeconds").is_some() {
        notes.push(
            Note::new(
                Part::Lossy,
                id,
                &format!("probes.{key}.terminationGracePeriodSeconds"),
                "a probe's own grace period is not a key of the chart",
            )
            .hatch("terminationGracePeriodSeconds of the pod"),
        );
    }
    Value::Object(out)
}

/// A sidecar or init container as the chart's item: its image, command, env, ports, probes
/// (sidecars), resources, mounts, lifecycle and the security settings it sets itself.
pub(crate) fn container_values(
    id: &str,
    service: &str,
    c: &Value,
    pod: &Value,
    sidecar: bool,
    notes: &mut Vec<Note>,
    todos: &mut Vec<String>,
) -> Value {
    let cid = format!("{id} container {}", s(c, "/name"));
    let ports: Vec<Value> = arr(c, "/ports").iter().map(port_entry).collect();
    let mounts: Vec<Value> = arr(c, "/volumeMounts")
        .iter()
        .map(|m| {
            obj(vec![
                ("name", get(m, "/name")),
                ("mountPath", get(m, "/mountPath")),
                ("subPath", get(m, "/subPath")),
                ("readOnly", get(m, "/readOnly")),
            ])
        })
        .collect();
    let mut probes = Map::new();
    if sidecar {
        for (k8s, key) in [
            ("livenessProbe", "liveness"),
            ("readinessProbe", "readiness"),
            ("startupProbe", "startup"),
        ] {
            if let Some(p) = c.get(k8s) {
                probes.insert(key.into(), probe_values(&cid, key, p, &[], notes));
            }
        }
    }
    let mut sec = Map::new();
    container_security(&get(c, "/securityContext"), &mut sec);
    let caps = capabilities(&cid, &get(c, "/securityContext"), notes);
    if !caps.is_empty() {
        sec.insert("addCapabilities".into(), json!(caps));
    }
    let _ = pod;
    obj(vec![
        ("name", get(c, "/name")),
        ("image", image_values(c, false)),
        ("command", nonempty(get(c, "/command"))),
        ("args", nonempty(get(c, "/args"))),
        ("env", env_map(id, service, c, notes, todos)),
        ("envFrom", nonempty(get(c, "/envFrom"))),
        ("ports", nonempty(Value::Array(ports))),
        ("probes", nonempty(Value::Object(probes))),
        ("resources", resources_of(c)),
        ("volumeMounts", nonempty(Value::Array(mounts))),
        ("lifecycle", nonempty(get(c, "/lifecycle"))),
        ("security", nonempty(Value::Object(sec))),
    ])
}

/// A container's securityContext as the chart's `security` keys.
fn container_security(csc: &Value, sec: &mut Map<String, Value>) {
    for k in [
        "runAsUser",
        "runAsGroup",
        "runAsNonRoot",
        "readOnlyRootFilesystem",
        "allowPrivilegeEscalation",
    ] {
        if let Some(x) = csc.get(k) {
            sec.insert(k.into(), x.clone());
        }
    }
    if let Some(t) = csc.pointer("/seccompProfile/type") {
        sec.insert("seccompProfile".into(), t.clone());
    }
}

/// The capabilities a container adds that Pod Security "restricted" allows (NET_BIND_SERVICE);
/// the others are said.
fn capabilities(id: &str, csc: &Value, notes: &mut Vec<Note>) -> Vec<Value> {
    let mut out = Vec::new();
    for c in arr(csc, "/capabilities/add") {
        let name = c
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("CAP_")
            .to_string();
        if name == "NET_BIND_SERVICE" {
            out.push(json!(name));
        } else {
            notes.push(
                Note::new(
                    Part::Lossy,
                    id,
                    &format!("securityContext.capabilities.add.{name}"),
                    format!("Pod Security \"restricted\" lets a container add NET_BIND_SERVICE only, not {name}"),
                )
                .hatch("an image that does not need it (most need it only to run as root or bind low ports)"),
            );
        }
    }
    out
}

/// The main container's mounts as `persistence` (the first claim template, or the pod volume
/// that is the chart's data volume) and `volumes` (every other mount of an allowed source).
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
    let mut data_taken = !claims.is_empty();
    for m in arr(main, "/volumeMounts") {
        let name = s(&m, "/name");
        if let Some(t) = claims.iter().find(|t| s(t, "/metadata/name") == name) {
            if claims.first() == Some(t) {
                set(v, "persistence", claim_persistence(w, t, &m, notes));
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
        if !data_taken && let Some(p) = data_persistence(&m, vol) {
            data_taken = true;
            set(v, "persistence", p);
            continue;
        }
        match mounted_volume(&m, vol, &out) {
            Ok(e) => out.push(e),
            Err(src) => notes.push(
                Note::new(
                    Part::Lossy,
                    &id,
                    &format!("volumes.{name}"),
                    format!("a {src} volume is not allowed by Pod Security \"restricted\""),
                )
                .hatch("a persistentVolumeClaim, or run this workload outside app-platform"),
            ),
        }
    }
    set(v, "volumes", nonempty(Value::Array(out)));
}

/// The StatefulSet's first claim template `t`, mounted by `m`, as `persistence`; a name other
/// than the chart's `data` is said (the existing claims are not reused).
fn claim_persistence(w: &Input, t: &Value, m: &Value, notes: &mut Vec<Note>) -> Value {
    let name = s(m, "/name");
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
        ("mountPath", get(m, "/mountPath")),
    ]);
    if name != "data" {
        notes.push(
            Note::new(
                Part::Changed,
                &w.id(),
                &format!("volumeClaimTemplates.{name}"),
                format!("the claim template is named data by the chart, not {name}: existing claims {name}-{}-N are not reused", w.name),
            )
            .hatch("copy the data over, or bind the new claims to the old volumes"),
        );
    }
    p
}

/// The mount `m` of `vol` as `persistence` when it is the chart's data volume (`None`: it is
/// not). The chart mounts its own volume "data" at persistence.mountPath in every pod: the pod's
/// volume named data, or the one at /data, becomes that volume.
fn data_persistence(m: &Value, vol: &Value) -> Option<Value> {
    let data = (s(m, "/name") == "data" || s(m, "/mountPath").trim_end_matches('/') == "/data")
        && m.get("subPath").is_none()
        && m.get("readOnly") != Some(&json!(true))
        && (vol.get("emptyDir").is_some() || vol.get("persistentVolumeClaim").is_some());
    if !data {
        return None;
    }
    let mut p = Map::new();
    p.insert("mountPath".into(), get(m, "/mountPath"));
    if let Some(c) = vol.pointer("/persistentVolumeClaim/claimName") {
        p.insert("existingClaim".into(), c.clone());
    } else if let Some(Value::Object(e)) = vol.get("emptyDir") {
        let mut ed = Map::new();
        for k in ["medium", "sizeLimit"] {
            if let Some(x) = e.get(k) {
                ed.insert(k.into(), x.clone());
            }
        }
        if !ed.is_empty() {
            p.insert("emptyDir".into(), Value::Object(ed));
        }
    }
    Some(Value::Object(p))
}

/// The mount `m` of `vol` as an entry of `volumes`, named apart from the entries in `out`
/// (`Err`: the volume's source, one Pod Security "restricted" does not allow).
fn mounted_volume(m: &Value, vol: &Value, out: &[Value]) -> std::result::Result<Value, String> {
    let name = s(m, "/name");
    let mut e = Map::new();
    // A volume mounted twice (two subPaths of one emptyDir) is one entry per mount in the
    // chart: the second gets a name of its own, the same source.
    let mut own = name.clone();
    let mut n = 2;
    while out.iter().any(|x| x.get("name") == Some(&json!(own))) {
        own = format!("{name}-{n}");
        n += 1;
    }
    e.insert("name".into(), json!(own));
    e.insert("mountPath".into(), get(m, "/mountPath"));
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
        return Ok(Value::Object(e));
    }
    Err(vol
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "name").cloned())
        .unwrap_or_default())
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
    if let Some(t) = csc
        .pointer("/seccompProfile/type")
        .or_else(|| psc.pointer("/seccompProfile/type"))
    {
        sec.insert("seccompProfile".into(), t.clone());
    }
    let caps = capabilities(id, &csc, notes);
    if !caps.is_empty() {
        sec.insert("addCapabilities".into(), json!(caps));
    }
    // The chart mounts a writable /tmp in every container; the pod's own mount there stays.
    let tmp = ["/containers", "/initContainers"].iter().any(|k| {
        arr(pod, k)
            .iter()
            .flat_map(|c| arr(c, "/volumeMounts"))
            .any(|m| s(&m, "/mountPath").trim_end_matches('/') == "/tmp")
    });
    if tmp {
        sec.insert("writableTmp".into(), json!(false));
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
    if st.is_null() && w.kind != "DaemonSet" {
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
    if w.kind == "DaemonSet" && m.get("type").is_none_or(|t| t == "RollingUpdate") {
        // Kubernetes' defaults for a DaemonSet, where the chart's (a Deployment's) differ.
        m.entry("maxUnavailable").or_insert(json!(1));
        m.entry("maxSurge").or_insert(json!(0));
    }
    set(v, "strategy", nonempty(Value::Object(m)));
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
    fn several_workloads_keep_their_names_keyed_by_container_where_unique() {
        let text = [deployment("shop-web"), deployment("shop-api")].join("---\n");
        let imported = convert(read_text("t", &text).expect("reads"));
        assert_eq!(imported.values["naming"], "service");
        let services = imported.values["services"].as_object().expect("services");
        // Both containers are called main: the keys are the workloads' names.
        let names: Vec<&String> = services.keys().collect();
        assert_eq!(names, ["shop-web", "shop-api"]);
        assert!(services["shop-web"].get("objectName").is_none());
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
