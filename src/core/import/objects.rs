//! The objects an import reads and the small accessors every part of it uses: an input
//! object with where it came from, JSON pointer reads that never fail, the pod template of any
//! workload kind, image references in the chart's parts and Kubernetes' default pull policy,
//! and the labels and annotations the chart and the rendering tools set themselves.
use serde_json::{Map, Value, json};

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
    pub(crate) fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
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

/// The pod template of a workload.
pub(crate) fn pod_template(w: &Value) -> Value {
    match s(w, "/kind").as_str() {
        "CronJob" => get(w, "/spec/jobTemplate/spec/template"),
        _ => get(w, "/spec/template"),
    }
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

pub(crate) fn arr(v: &Value, ptr: &str) -> Vec<Value> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub(crate) fn set(v: &mut Value, key: &str, x: Value) {
    if let Value::Object(m) = v
        && !x.is_null()
    {
        m.insert(key.to_string(), x);
    }
}

/// The pull policy Kubernetes gives a container that sets none: Always for `:latest` or no
/// tag (and no digest), else IfNotPresent.
pub(crate) fn default_pull_policy(image: &str) -> &'static str {
    let parts = image_parts(image);
    let tag = parts.get("tag").and_then(Value::as_str);
    match (tag, parts.get("digest")) {
        (Some("latest"), _) | (None, None) => "Always",
        _ => "IfNotPresent",
    }
}

/// An image reference in the chart's object form: `{registry, repository, tag, digest}`, the
/// registry split off when the first part names a host (as the chart reads it).
pub(crate) fn image_parts(image: &str) -> Value {
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

/// Labels tools set on what they render (helm, kustomize): the chart sets its own.
const TOOL_LABELS: &[&str] = &["helm.sh/chart", "app.kubernetes.io/managed-by"];

/// A label or annotation the chart or the rendering tool sets itself (`checksum/config`
/// annotations are computed from the rendered ConfigMaps).
pub(crate) fn tool_key(k: &str) -> bool {
    CHART_LABELS.contains(&k) || TOOL_LABELS.contains(&k) || k.starts_with("checksum/")
}

/// Pod settings the chart takes as they are, under the same key.
pub(crate) const POD_KEYS: &[&str] = &[
    "nodeSelector",
    "tolerations",
    "affinity",
    "topologySpreadConstraints",
    "priorityClassName",
    "runtimeClassName",
    "hostAliases",
    "dnsConfig",
];
