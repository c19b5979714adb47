//! Rendered manifests (`helm template` output) as objects: kind, name, the service they belong
//! to, and the template they came from. Read with YAML 1.1 rules, as the API server would.
use serde::Serialize;
use serde_json::Value;

use crate::core::values::read::{Loc, parse_stream};

/// One rendered Kubernetes object.
#[derive(Debug, Clone, Serialize)]
pub struct Object {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub api_version: String,
    /// `app.kubernetes.io/component`: the service the object belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The template (`app-platform/templates/deployment.yaml`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip)]
    pub value: Value,
}

impl Object {
    /// `Kind/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// Splits and parses a multi-document manifest stream. Documents that are not Kubernetes
/// objects (no kind) are skipped; a document that does not parse is an error with its line.
pub fn parse(text: &str) -> Result<Vec<Object>, (Loc, String)> {
    let mut objects = Vec::new();
    // Split on document markers ourselves, to keep each document's `# Source:` comment.
    let mut chunks: Vec<(usize, String)> = Vec::new();
    let mut cur = String::new();
    let mut start = 1usize;
    for (i, line) in text.lines().enumerate() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            if !cur.trim().is_empty() {
                chunks.push((start, std::mem::take(&mut cur)));
            }
            cur.clear();
            start = i + 2;
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
    }
    if !cur.trim().is_empty() {
        chunks.push((start, cur));
    }
    for (start, chunk) in chunks {
        let source = chunk
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .map(str::to_string);
        let docs = parse_stream(&chunk).map_err(|e| {
            (
                Loc {
                    line: start + e.loc.line.saturating_sub(1),
                    column: e.loc.column,
                },
                e.message,
            )
        })?;
        for d in docs {
            let v = d.parsed.value;
            let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
            let Some(kind) = s("/kind") else { continue };
            objects.push(Object {
                name: s("/metadata/name").unwrap_or_default(),
                namespace: s("/metadata/namespace"),
                api_version: s("/apiVersion").unwrap_or_default(),
                service: v
                    .pointer("/metadata/labels")
                    .and_then(|l| l.get("app.kubernetes.io/component"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                source: source.clone(),
                kind,
                value: v,
            });
        }
    }
    Ok(objects)
}
