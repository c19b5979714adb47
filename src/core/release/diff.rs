//! Manifest diffs: the live release's objects against a new render (or another revision), object
//! by object and path by path. Hooks and tests are left out (Helm's stored manifest has none).
//! Secret values are never shown (as helm-diff's `--suppress-secrets`): a changed key of a Secret's
//! `data`/`stringData`, an environment variable whose name looks like a secret (`DB_PASSWORD`,
//! `API_KEY`, ...: [`secret_looking`]) and any map key that does, is reported as `(changed, value
//! hidden)` with neither side; a whole list or map shown as one change has those values replaced
//! by `(value hidden)`.
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
    /// The value is a secret's: changed, neither side shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

/// What stands for a hidden value inside a list or map shown whole.
pub(crate) const HIDDEN: &str = "(value hidden)";

impl PathChange {
    /// `old → new` as JSON values (`(none)` for a side that is absent), or `(changed, value
    /// hidden)`: the one wording of a change in every front end.
    pub fn values_text(&self) -> String {
        if self.hidden {
            return "(changed, value hidden)".into();
        }
        let show = |v: &Option<Value>| match v {
            None => "(none)".to_string(),
            Some(v) => serde_json::to_string(v).unwrap_or_default(),
        };
        format!("{} → {}", show(&self.old), show(&self.new))
    }
}

/// Does a key or variable name say it holds a secret? The words of policy `no-plain-secret-env`
/// (password, passwd, pwd, secret, token, api key, private/secret/access key, credentials, a name
/// ending in key), not a name that only points at one (ending in _ID, _FILE, _PATH, _NAME, _URL,
/// _URI, _REF, _TYPE, _TTL, _LENGTH).
pub(crate) fn secret_looking(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    let pointer = [
        "id", "file", "path", "name", "url", "uri", "ref", "type", "ttl", "length",
    ];
    if words.len() > 1 && pointer.contains(last) {
        return false;
    }
    let secret = [
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "credential",
        "credentials",
    ];
    words.iter().any(|w| secret.contains(w))
        || *last == "key"
        || words
            .windows(2)
            .any(|p| p[1] == "key" && matches!(p[0], "api" | "private" | "secret" | "access"))
}

/// `v` with every secret's value replaced by [`HIDDEN`]: a map key that looks like a secret,
/// and the `value` of a `{name, value}` entry whose name does (an environment variable).
fn masked(v: &Value, secret: bool) -> Value {
    match v {
        _ if secret => Value::String(HIDDEN.into()),
        Value::Object(m) => {
            let env_secret = m
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(secret_looking);
            Value::Object(
                m.iter()
                    .map(|(k, x)| {
                        let hide = secret_looking(k) || (env_secret && k == "value");
                        (k.clone(), masked(x, hide))
                    })
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| masked(x, false)).collect()),
        _ => v.clone(),
    }
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
                walk("", o, v, Hide::Secret(secret), &mut paths);
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

/// Why the values under a path are hidden: inside a Secret object (its `data`/`stringData`), or a
/// secret's value itself.
#[derive(Clone, Copy)]
enum Hide {
    Secret(bool),
    Value,
}

impl Hide {
    fn hides(self, path: &str) -> bool {
        match self {
            Hide::Value => true,
            Hide::Secret(s) => s && (path.starts_with("data") || path.starts_with("stringData")),
        }
    }

    /// Below map key `k` (of an entry named `entry_name`, when it is a `{name, value}` entry).
    fn below(self, k: &str, entry_name: Option<&str>) -> Hide {
        if secret_looking(k) || (k == "value" && entry_name.is_some_and(secret_looking)) {
            Hide::Value
        } else {
            self
        }
    }
}

fn leaf(
    path: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    hide: Hide,
    out: &mut Vec<PathChange>,
) {
    let hidden = hide.hides(path);
    let show = |v: Option<&Value>| (!hidden).then(|| v.map(|v| masked(v, false))).flatten();
    out.push(PathChange {
        path: path.to_string(),
        old: show(old),
        new: show(new),
        hidden,
    });
}

fn walk(path: &str, old: &Value, new: &Value, hide: Hide, out: &mut Vec<PathChange>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let entry = b.get("name").and_then(Value::as_str);
            for (k, bv) in b {
                let p = join(path, k);
                let h = hide.below(k, entry);
                match a.get(k) {
                    Some(av) => walk(&p, av, bv, h, out),
                    None => leaf(&p, None, Some(bv), h, out),
                }
            }
            let entry = a.get("name").and_then(Value::as_str);
            for (k, av) in a {
                if !b.contains_key(k) {
                    leaf(&join(path, k), Some(av), None, hide.below(k, entry), out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (av, bv)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), av, bv, hide, out);
            }
        }
        _ if old == new => {}
        _ => leaf(path, Some(old), Some(new), hide, out),
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
                    hidden: false,
                }],
            }
        );
        assert_eq!(
            d[1],
            Change::Changed {
                object: "Secret/s".into(),
                paths: vec![PathChange {
                    path: "stringData.token".into(),
                    old: None,
                    new: None,
                    hidden: true,
                }],
            }
        );
        let Change::Changed { paths, .. } = &d[1] else {
            unreachable!()
        };
        assert_eq!(paths[0].values_text(), "(changed, value hidden)");
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

    /// An environment variable whose name looks like a secret, a ConfigMap key that does, and a
    /// list shown whole: their values never appear; other values do.
    #[test]
    fn secret_looking_values_are_hidden() {
        let dep = |env: &str, cm: &str| {
            format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n{env}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n{cm}\n"
            )
        };
        let old = dep(
            "        - {name: DB_PASSWORD, value: hunter1-old}\n        - {name: LOG_LEVEL, value: info}",
            "  API_TOKEN: tok-old\n  mode: a",
        );
        let new = dep(
            "        - {name: DB_PASSWORD, value: hunter2-secret}\n        - {name: LOG_LEVEL, value: debug}",
            "  API_TOKEN: tok-new\n  mode: b",
        );
        let d = diff_manifests(&old, &new, "apps").unwrap();
        let text = serde_json::to_string(&d).unwrap();
        for secret in ["hunter1-old", "hunter2-secret", "tok-old", "tok-new"] {
            assert!(!text.contains(secret), "{secret}: {text}");
        }
        assert!(text.contains("debug") && text.contains("\"b\""), "{text}");
        let Some(Change::Changed { paths, .. }) = d.iter().find(|c| c.object() == "Deployment/web")
        else {
            panic!("{d:?}")
        };
        assert_eq!(
            paths[0].path,
            "spec.template.spec.containers[0].env[0].value"
        );
        assert!(paths[0].hidden);
        // a list of a different length is one change, shown whole, its secrets masked
        let longer = dep(
            "        - {name: DB_PASSWORD, value: hunter2-secret}\n        - {name: LOG_LEVEL, value: info}\n        - {name: X, value: y}",
            "  mode: a",
        );
        let d = diff_manifests(&old, &longer, "apps").unwrap();
        let text = serde_json::to_string(&d).unwrap();
        assert!(!text.contains("hunter") && text.contains(HIDDEN), "{text}");
        assert!(text.contains("\"y\""), "{text}");
    }

    #[test]
    fn secret_looking_names() {
        for yes in [
            "DB_PASSWORD",
            "api_key",
            "API-KEY",
            "GITHUB_TOKEN",
            "secret",
            "STRIPE_SECRET_KEY",
            "credentials",
            "signingKey.key",
        ] {
            assert!(secret_looking(yes), "{yes}");
        }
        for no in [
            "DB_PASSWORD_FILE",
            "TOKEN_TTL",
            "LOG_LEVEL",
            "SECRET_NAME",
            "keyboard",
            "monkey",
            "",
        ] {
            assert!(!secret_looking(no), "{no}");
        }
    }
}
