//! Manifest diffs: the live release's objects against a new render (or another revision), object
//! by object and path by path. Hooks and tests are left out (Helm's stored manifest has none).
//! Secret values are never shown: a changed `data`/`stringData` key is reported as changed, with
//! both sides `(redacted)`.
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::core::base::error::{Error, Result};
use crate::core::release::records::split_docs;
use crate::core::release::watch::HOOK;

/// An object's identity: `Kind/name` (with the namespace when it is not the release's).
pub(crate) type Key = String;

/// One changed value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PathChange {
    /// Dotted path, list indexes in brackets: `spec.template.spec.containers[0].image`.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// What happens to one object.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    Added { object: Key },
    Removed { object: Key },
    Changed { object: Key, paths: Vec<PathChange> },
}

impl Change {
    pub(crate) fn object(&self) -> &str {
        match self {
            Change::Added { object }
            | Change::Removed { object }
            | Change::Changed { object, .. } => object,
        }
    }
}

/// Parses a manifest stream into objects by key, leaving out hooks.
pub(crate) fn objects(manifest: &str, namespace: &str) -> Result<BTreeMap<Key, Value>> {
    let mut out = BTreeMap::new();
    for doc in split_docs(manifest) {
        let v: Value = serde_yaml::from_str(&doc)
            .map_err(|e| Error::Invalid(format!("a manifest does not parse: {e}")))?;
        if !v.is_object() {
            continue;
        }
        if v["metadata"]["annotations"].get(HOOK).is_some() {
            continue;
        }
        out.insert(key(&v, namespace), v);
    }
    Ok(out)
}

fn key(v: &Value, namespace: &str) -> Key {
    let kind = v["kind"].as_str().unwrap_or("?");
    let name = v["metadata"]["name"].as_str().unwrap_or("?");
    match v["metadata"]["namespace"].as_str() {
        Some(ns) if ns != namespace => format!("{kind}/{ns}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}

/// The changes that turn `old` into `new`.
pub(crate) fn diff(old: &BTreeMap<Key, Value>, new: &BTreeMap<Key, Value>) -> Vec<Change> {
    let mut out = Vec::new();
    for (k, v) in new {
        match old.get(k) {
            None => out.push(Change::Added { object: k.clone() }),
            Some(o) => {
                let mut paths = Vec::new();
                let secret = v["kind"] == "Secret";
                walk("", o, v, secret, &mut paths);
                if !paths.is_empty() {
                    out.push(Change::Changed {
                        object: k.clone(),
                        paths,
                    });
                }
            }
        }
    }
    for k in old.keys() {
        if !new.contains_key(k) {
            out.push(Change::Removed { object: k.clone() });
        }
    }
    out
}

/// Diffs two manifest streams.
pub(crate) fn diff_manifests(old: &str, new: &str, namespace: &str) -> Result<Vec<Change>> {
    Ok(diff(&objects(old, namespace)?, &objects(new, namespace)?))
}

fn join(prefix: &str, k: &str) -> String {
    let simple = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (prefix.is_empty(), simple) {
        (true, true) => k.to_string(),
        (true, false) => format!("[{k:?}]"),
        (false, true) => format!("{prefix}.{k}"),
        (false, false) => format!("{prefix}[{k:?}]"),
    }
}

fn is_secret_value(path: &str) -> bool {
    path.starts_with("data") || path.starts_with("stringData")
}

fn leaf(
    path: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    secret: bool,
    out: &mut Vec<PathChange>,
) {
    let hide = secret && is_secret_value(path);
    let show = |v: Option<&Value>| {
        v.map(|v| {
            if hide {
                Value::String("(redacted)".into())
            } else {
                v.clone()
            }
        })
    };
    out.push(PathChange {
        path: path.to_string(),
        old: show(old),
        new: show(new),
    });
}

fn walk(path: &str, old: &Value, new: &Value, secret: bool, out: &mut Vec<PathChange>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, bv) in b {
                let p = join(path, k);
                match a.get(k) {
                    Some(av) => walk(&p, av, bv, secret, out),
                    None => leaf(&p, None, Some(bv), secret, out),
                }
            }
            for (k, av) in a {
                if !b.contains_key(k) {
                    leaf(&join(path, k), Some(av), None, secret, out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (av, bv)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), av, bv, secret, out);
            }
        }
        _ if old == new => {}
        _ => leaf(path, Some(old), Some(new), secret, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: app\n        image: a:1\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: old\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n";
    const NEW: &str = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: app\n        image: a:2\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: new\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: hook\n  annotations:\n    helm.sh/hook: pre-upgrade\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: added\n";

    #[test]
    fn paths_added_removed_and_secrets_redacted() {
        let d = diff_manifests(OLD, NEW, "apps").unwrap();
        assert_eq!(
            d[0],
            Change::Changed {
                object: "Deployment/web".into(),
                paths: vec![PathChange {
                    path: "spec.template.spec.containers[0].image".into(),
                    old: Some("a:1".into()),
                    new: Some("a:2".into()),
                }],
            }
        );
        let redacted = Some(Value::String("(redacted)".into()));
        assert_eq!(
            d[1],
            Change::Changed {
                object: "Secret/s".into(),
                paths: vec![PathChange {
                    path: "stringData.token".into(),
                    old: redacted.clone(),
                    new: redacted,
                }],
            }
        );
        let text = serde_json::to_string(&d).unwrap();
        assert!(
            !text.contains(":\"old\"") && !text.contains(":\"new\""),
            "{text}"
        );
        assert!(d.contains(&Change::Added {
            object: "Service/added".into()
        }));
        assert!(d.contains(&Change::Removed {
            object: "ConfigMap/gone".into()
        }));
        assert!(
            !text.contains("hook"),
            "hooks are not part of the diff: {text}"
        );
        assert!(diff_manifests(OLD, OLD, "apps").unwrap().is_empty());
    }
}
