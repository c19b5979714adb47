//! Helm's release records: Secrets labelled `owner=helm,name=<release>` (type
//! `helm.sh/release.v1`). Listing reads metadata only (revision, status and time are labels); a
//! revision's body is decoded only when it is opened (base64 inside the API's own base64, gzip
//! when it starts `1f 8b 08`, then JSON). The user's values never leave this module: the body is
//! read into a struct without them, and Secrets in the manifest are redacted before anyone sees
//! it. Nothing here writes a record. When Secrets cannot be read (RBAC, another storage driver),
//! `helm history/status -o json` is the fallback.
use std::io::Read;

use base64::Engine;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{ListParams, PartialObjectMeta};
use serde::{Deserialize, Serialize};

use crate::core::base::error::{Error, Result};
use crate::core::base::helm::Helm;
use crate::core::release::{Cluster, kube_error};

/// One revision as listed (metadata only).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Revision {
    pub revision: u64,
    pub status: String,
    /// RFC 3339; the newer of the `modifiedAt` and `createdAt` labels when present, else the
    /// Secret's creation time.
    pub updated: String,
    /// The record's Secret (`None` from the helm fallback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Only from the helm fallback (`helm history` prints them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Where a history came from.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    ReleaseSecrets,
    HelmHistory,
}

/// A release's revisions, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub release: String,
    pub namespace: String,
    pub source: Source,
    /// Why the Secrets were not read (when `source` is the helm fallback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
    pub revisions: Vec<Revision>,
}

impl History {
    pub(crate) fn latest(&self) -> Option<&Revision> {
        self.revisions.last()
    }
}

/// A hook's last run as Helm records it.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct LastRun {
    #[serde(default)]
    pub started_at: String,
    #[serde(default)]
    pub completed_at: String,
    #[serde(default)]
    pub phase: String,
}

/// A hook of the release.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Hook {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub delete_policies: Vec<String>,
    #[serde(default)]
    pub last_run: LastRun,
}

/// `info` of a record.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct Info {
    #[serde(default)]
    pub first_deployed: String,
    #[serde(default)]
    pub last_deployed: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub notes: String,
}

/// The chart a revision was made from.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct ChartRef {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default, rename = "appVersion")]
    pub app_version: String,
}

#[derive(Deserialize)]
struct RawChart {
    #[serde(default)]
    metadata: ChartRef,
}

#[derive(Deserialize)]
struct RawRelease {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    version: u64,
    #[serde(default)]
    info: Info,
    #[serde(default)]
    chart: Option<RawChart>,
    /// Only the top-level keys are kept; the values themselves are dropped at once.
    #[serde(default)]
    config: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    manifest: String,
    #[serde(default)]
    hooks: Vec<Hook>,
}

/// An opened revision, values redacted: the user-supplied values are reduced to their top-level
/// keys and every Secret in the manifest has its data replaced.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Record {
    pub name: String,
    pub namespace: String,
    pub revision: u64,
    pub info: Info,
    pub chart: ChartRef,
    /// Top-level keys of the values the user supplied (their values are never kept).
    pub supplied_value_keys: Vec<String>,
    /// The manifest (hooks excluded, as Helm stores it) with Secret data redacted.
    pub manifest: String,
    pub hooks: Vec<Hook>,
    /// The manifest as stored, Secrets included: kept in memory for diffs (which redact what
    /// they show), never serialised.
    #[serde(skip)]
    pub raw_manifest: String,
}

/// Decodes a record's `release` field: base64, gzip (when it starts `1f 8b 08`), JSON.
pub(crate) fn decode(data: &[u8]) -> Result<Record> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(data.trim_ascii())
        .map_err(|e| Error::Invalid(format!("release record: not base64: {e}")))?;
    let json = if raw.starts_with(&[0x1f, 0x8b, 0x08]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| Error::Invalid(format!("release record: bad gzip: {e}")))?;
        out
    } else {
        raw
    };
    let r: RawRelease = serde_json::from_slice(&json)
        .map_err(|e| Error::Invalid(format!("release record: not a Helm release: {e}")))?;
    Ok(Record {
        name: r.name,
        namespace: r.namespace,
        revision: r.version,
        info: r.info,
        chart: r.chart.map(|c| c.metadata).unwrap_or_default(),
        supplied_value_keys: r
            .config
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
        manifest: redact_manifest(&r.manifest),
        raw_manifest: r.manifest,
        hooks: r.hooks,
    })
}

/// The manifest with every Secret's `data`/`stringData` values replaced by `(redacted)`.
pub(crate) fn redact_manifest(manifest: &str) -> String {
    let mut out = Vec::new();
    for doc in split_docs(manifest) {
        let parsed: Option<serde_json::Value> = serde_yaml::from_str(&doc).ok();
        match parsed {
            Some(mut v) if v["kind"] == "Secret" => {
                redact_secret(&mut v);
                let head: String = doc
                    .lines()
                    .take_while(|l| l.starts_with('#'))
                    .map(|l| format!("{l}\n"))
                    .collect();
                out.push(format!(
                    "{head}{}",
                    serde_yaml::to_string(&v).unwrap_or_default()
                ));
            }
            _ => out.push(doc),
        }
    }
    out.iter()
        .map(|d| format!("---\n{}\n", d.trim_end()))
        .collect()
}

/// Replaces a Secret's values (`data`, `stringData`) with `(redacted)`.
pub(crate) fn redact_secret(v: &mut serde_json::Value) {
    for key in ["data", "stringData"] {
        if let Some(m) = v.get_mut(key).and_then(|d| d.as_object_mut()) {
            for val in m.values_mut() {
                *val = serde_json::Value::String("(redacted)".into());
            }
        }
    }
}

/// Splits a YAML stream on `---` lines, dropping empty documents.
pub(crate) fn split_docs(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            if cur
                .lines()
                .any(|l| !l.trim().is_empty() && !l.starts_with('#'))
            {
                docs.push(std::mem::take(&mut cur));
            } else {
                cur.clear();
            }
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
    }
    if cur
        .lines()
        .any(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        docs.push(cur);
    }
    docs
}

fn selector(release: &str) -> String {
    format!("owner=helm,name={release}")
}

/// A revision from its record Secret's labels (`version`, `status`, `modifiedAt`).
pub(crate) fn revision_of(s: &PartialObjectMeta<Secret>) -> Option<Revision> {
    let labels = s.metadata.labels.as_ref()?;
    let revision = labels.get("version")?.parse().ok()?;
    // The newer of `modifiedAt` and `createdAt`: Helm 4 writes a new revision with the
    // `modifiedAt` of the one before it.
    let updated = ["modifiedAt", "createdAt"]
        .iter()
        .filter_map(|k| labels.get(*k)?.parse::<i64>().ok())
        .max()
        .and_then(|t| jiff::Timestamp::from_second(t).ok())
        .or_else(|| s.metadata.creation_timestamp.as_ref().map(|t| t.0))
        .map(|t| t.to_string())
        .unwrap_or_default();
    Some(Revision {
        revision,
        status: labels.get("status").cloned().unwrap_or_default(),
        updated,
        secret: s.metadata.name.clone(),
        chart: None,
        description: None,
    })
}

/// Reads and decodes one record Secret.
pub(crate) async fn read_secret(cluster: &Cluster, name: &str) -> Result<Record> {
    let api: Api<Secret> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let secret = api
        .get(name)
        .await
        .map_err(|e| kube_error(&format!("read release record {name}"), e))?;
    let data = secret
        .data
        .as_ref()
        .and_then(|d| d.get("release"))
        .ok_or_else(|| Error::Invalid(format!("release record {name} has no release data")))?;
    decode(&data.0)
}

/// Lists the release's revisions from its Secrets' metadata (no body is read).
pub(crate) async fn list(cluster: &Cluster, release: &str) -> Result<History> {
    let api: Api<Secret> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let list = api
        .list_metadata(&ListParams::default().labels(&selector(release)))
        .await
        .map_err(|e| kube_error("list release records", e))?;
    let mut revisions: Vec<Revision> = list.items.iter().filter_map(revision_of).collect();
    revisions.sort_by_key(|r| r.revision);
    Ok(History {
        release: release.to_string(),
        namespace: cluster.namespace.clone(),
        source: Source::ReleaseSecrets,
        fallback_reason: None,
        revisions,
    })
}

/// Opens one revision (`None`: the latest): reads and decodes its Secret.
pub(crate) async fn open(
    cluster: &Cluster,
    release: &str,
    revision: Option<u64>,
) -> Result<Record> {
    let history = list(cluster, release).await?;
    let rev = match revision {
        Some(n) => history.revisions.iter().find(|r| r.revision == n),
        None => history.latest(),
    }
    .ok_or_else(|| match revision {
        Some(n) => Error::Usage(format!(
            "release {release} has no revision {n} in namespace {}",
            cluster.namespace
        )),
        None => not_found(release, &cluster.namespace),
    })?;
    let name = rev.secret.clone().unwrap_or_default();
    read_secret(cluster, &name).await
}

/// The error for a release that does not exist.
pub(crate) fn not_found(release: &str, namespace: &str) -> Error {
    Error::Usage(format!(
        "no release {release} in namespace {namespace} (deploy it with `apwiz deploy`, or pass --release / -n)"
    ))
}

#[derive(Deserialize)]
struct HelmHistoryRow {
    revision: u64,
    #[serde(default)]
    updated: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    chart: String,
    #[serde(default)]
    description: String,
}

/// `helm history -o json`, for when Secrets cannot be read.
pub(crate) async fn helm_history(
    helm: &Helm,
    cluster: &Cluster,
    release: &str,
) -> Result<Vec<Revision>> {
    let mut argv = vec![
        "history".to_string(),
        release.to_string(),
        "-o".into(),
        "json".into(),
        "--max".into(),
        "10000".into(),
    ];
    argv.extend(cluster.helm_flags());
    let out = helm.run(argv).await?;
    if !out.success {
        if out.stderr.contains("not found") {
            return Err(not_found(release, &cluster.namespace));
        }
        return Err(Error::Environment(format!(
            "helm history: {}",
            out.stderr.trim()
        )));
    }
    let rows: Vec<HelmHistoryRow> = serde_json::from_str(&out.stdout)
        .map_err(|e| Error::Invalid(format!("helm history printed no JSON: {e}")))?;
    Ok(rows
        .into_iter()
        .map(|r| Revision {
            revision: r.revision,
            status: r.status,
            updated: r.updated,
            secret: None,
            chart: Some(r.chart),
            description: Some(r.description),
        })
        .collect())
}

/// The history: from the Secrets, else (forbidden, unreachable) from helm.
pub(crate) async fn history(
    cluster: &Cluster,
    helm: Option<&Helm>,
    release: &str,
) -> Result<History> {
    match list(cluster, release).await {
        Ok(h) => Ok(h),
        Err(e) => {
            let Some(helm) = helm else { return Err(e) };
            let revisions = helm_history(helm, cluster, release).await?;
            Ok(History {
                release: release.to_string(),
                namespace: cluster.namespace.clone(),
                source: Source::HelmHistory,
                fallback_reason: Some(e.to_string()),
                revisions,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn encode(json: &str, gzip: bool) -> Vec<u8> {
        let body = if gzip {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(json.as_bytes()).unwrap();
            e.finish().unwrap()
        } else {
            json.as_bytes().to_vec()
        };
        base64::engine::general_purpose::STANDARD
            .encode(body)
            .into_bytes()
    }

    const RELEASE: &str = r#"{"name":"web","namespace":"apps","version":3,
      "info":{"status":"deployed","description":"Upgrade complete","notes":"hi"},
      "chart":{"metadata":{"name":"app-platform","version":"1.2.3","appVersion":"1"},"values":{"x":1}},
      "config":{"services":{"api":{"env":{"PASSWORD":"hunter2"}}}},
      "manifest":"---\n# Source: a.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: hunter2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n",
      "hooks":[{"name":"web-migrate","kind":"Job","events":["pre-upgrade"],"weight":-5,
        "last_run":{"started_at":"2026-11-01T10:00:00Z","completed_at":"2026-11-01T10:00:02Z","phase":"Succeeded"}}]}"#;

    #[test]
    fn decodes_gzip_and_plain_and_never_keeps_values() {
        for gzip in [true, false] {
            let r = decode(&encode(RELEASE, gzip)).unwrap();
            assert_eq!(r.revision, 3);
            assert_eq!(r.info.status, "deployed");
            assert_eq!(r.chart.version, "1.2.3");
            assert_eq!(r.supplied_value_keys, vec!["services".to_string()]);
            assert_eq!(r.hooks[0].last_run.phase, "Succeeded");
            let all = serde_json::to_string(&r).unwrap();
            assert!(!all.contains("hunter2"), "a value leaked: {all}");
            assert!(r.manifest.contains("token: (redacted)"), "{}", r.manifest);
            assert!(r.manifest.contains("k: v"));
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode(b"%%%").is_err());
        assert!(decode(&encode("not json", true)).is_err());
    }
}
