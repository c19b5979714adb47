//! `helm lint --strict` once per chart version, not once per team and environment.
//!
//! Helm's lint runs five rules (helm.sh/helm/v4 `pkg/chart/v2/lint`): Chart.yaml, values.yaml
//! (only its schema part reads the team's values, and apwiz skips it: the schema is checked in
//! process), dependencies and `crds/` depend on the chart alone; only the templates rule reads
//! the team's values — it renders them (as release `test-release`) and looks at each rendered
//! document: its YAML, its top indent, its `metadata.name` against Kubernetes' naming rules, a
//! deprecated API version, a workload without `matchLabels`, a `List` with a resource-policy
//! annotation.
//!
//! So the chart is linted alone (its own defaults) once per helm, chart content and Kubernetes
//! version, remembered in this process and on disk; a team's own lint runs only when its render
//! could make the templates rule say something: the render failed, the chart's own lint has
//! findings about templates, or a rendered object has a name that is not a plain DNS label (with
//! room for `test-release`), a pre-release API version (`…alpha…`/`…beta…`: the only versions
//! Kubernetes marks deprecated in the types helm checks), or is a `List`. Otherwise the team's
//! lint would print exactly the chart's lines, and those are what it gets.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::core::base::error::{Error, Result};
use crate::core::base::helm::{self, Helm};
use crate::core::check::manifests::Object;

/// The release name `helm lint` renders with.
const LINT_RELEASE: &str = "test-release";

/// The longest name Kubernetes accepts for a DNS label (Services: RFC 1035).
const MAX_LABEL: usize = 63;

/// The content hash of a chart: the archive's bytes, or every file of the directory (sorted by
/// path, each with its path).
pub(crate) fn chart_hash(path: &Path) -> Result<String> {
    let mut h = Sha256::new();
    if path.is_dir() {
        let mut files = Vec::new();
        collect(path, path, &mut files);
        files.sort();
        for rel in files {
            let p = path.join(&rel);
            h.update(rel.as_bytes());
            h.update([0]);
            h.update(std::fs::read(&p).map_err(|e| Error::io(&p, e))?);
            h.update([0]);
        }
    } else {
        h.update(std::fs::read(path).map_err(|e| Error::io(path, e))?);
    }
    Ok(hex(&h.finalize()))
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().to_string());
        }
    }
}

/// Lower-case hex of `b`.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a chart-level lint printed (kept in memory and on disk).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Printed {
    success: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Chart-level lints of this process, by key.
fn remembered() -> &'static Mutex<HashMap<String, Arc<Printed>>> {
    static SEEN: OnceLock<Mutex<HashMap<String, Arc<Printed>>>> = OnceLock::new();
    SEEN.get_or_init(Default::default)
}

/// Where chart-level lints are kept between runs: the user's cache directory.
fn disk_cache() -> PathBuf {
    directories::ProjectDirs::from("dev", "apwiz", "apwiz")
        .map(|d| d.cache_dir().join("lint"))
        .unwrap_or_else(|| std::env::temp_dir().join("apwiz-lint"))
}

/// `helm lint --strict` of the chart alone, with `args`' chart, namespace and Kubernetes
/// version (the team's files and `--set`s left out): run once per helm version, chart content
/// and Kubernetes version, then answered from memory or the disk cache (duration zero).
pub(crate) async fn chart_lint(helm: &Helm, args: &helm::Args) -> Result<helm::Output> {
    let alone = helm::Args {
        value_files: Vec::new(),
        sets: Vec::new(),
        ..args.clone()
    };
    let argv = helm.lint_argv(&alone);
    let chart = alone.chart.clone();
    let mut h = Sha256::new();
    h.update(helm.version.to_string().as_bytes());
    h.update([0]);
    h.update(
        tokio::task::spawn_blocking(move || chart_hash(&chart))
            .await
            .map_err(|e| {
                crate::core::Error::Invalid(format!(
                    "internal error: hashing the chart stopped unexpectedly: {e}"
                ))
            })??,
    );
    for a in &argv[2..] {
        // The flags (namespace, Kubernetes version, schema skipped), not the chart's path.
        h.update([0]);
        h.update(a.as_bytes());
    }
    let key = hex(&h.finalize());
    let hit = remembered()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
        .cloned();
    let file = disk_cache().join(format!("{key}.json"));
    let hit = hit.or_else(|| {
        std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice::<Printed>(&b).ok())
            .map(Arc::new)
    });
    let printed = match hit {
        Some(p) => p,
        None => {
            let out = helm.run(argv.clone()).await?;
            let p = Arc::new(Printed {
                success: out.success,
                code: out.code,
                stdout: out.stdout,
                stderr: out.stderr,
            });
            if let Some(dir) = file.parent()
                && std::fs::create_dir_all(dir).is_ok()
                && let Ok(bytes) = serde_json::to_vec(&*p)
            {
                // Written beside and renamed: a concurrent apwiz never reads half an entry.
                let tmp = file.with_extension(format!("{}.tmp", std::process::id()));
                if std::fs::write(&tmp, bytes).is_ok() {
                    let _ = std::fs::rename(&tmp, &file);
                }
            }
            return Ok(remember(key, p, argv, Some(out.duration)));
        }
    };
    Ok(remember(key, printed, argv, None))
}

fn remember(
    key: String,
    p: Arc<Printed>,
    argv: Vec<String>,
    took: Option<Duration>,
) -> helm::Output {
    remembered()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(key, p.clone());
    helm::Output {
        success: p.success,
        code: p.code,
        stdout: p.stdout.clone(),
        stderr: p.stderr.clone(),
        duration: took.unwrap_or_default(),
        argv,
    }
}

/// Why the team's own `helm lint --strict` must run after all (`None`: it would print what the
/// chart's lint printed). `objects` is the team's successful render with `release`.
pub(crate) fn team_lint_needed(
    chart: &helm::Output,
    objects: &[Object],
    release: &str,
) -> Option<String> {
    let about_templates = chart.stdout.lines().chain(chart.stderr.lines()).any(|l| {
        let l = l.trim();
        ["[ERROR] ", "[WARNING] ", "[INFO] "]
            .iter()
            .filter_map(|p| l.strip_prefix(p))
            .any(|rest| rest.starts_with("templates"))
    });
    if about_templates {
        return Some("the chart's own lint has findings about its templates".into());
    }
    // `test-release` may be longer than the team's release: names made from it grow.
    let growth = 2 * LINT_RELEASE.len().saturating_sub(release.len());
    for o in objects {
        if o.kind == "List" {
            return Some(format!("{} is a List", o.id()));
        }
        if !plain_label(&o.name) || o.name.len() + growth > MAX_LABEL {
            return Some(format!("{}: the name is not a plain DNS label", o.id()));
        }
        let version = o.api_version.rsplit('/').next().unwrap_or_default();
        if version.contains("alpha") || version.contains("beta") {
            return Some(format!("{}: pre-release API {}", o.id(), o.api_version));
        }
    }
    None
}

/// A lower-case RFC 1035 label: a letter, then letters, digits or `-`, ending in a letter or
/// digit — valid under every naming rule helm's lint applies (DNS subdomain, DNS label, path
/// segment).
fn plain_label(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[b.len() - 1] != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(kind: &str, name: &str, api_version: &str) -> Object {
        Object {
            kind: kind.into(),
            name: name.into(),
            namespace: None,
            api_version: api_version.into(),
            service: None,
            source: None,
            value: serde_json::Value::Null,
        }
    }

    fn printed(stdout: &str) -> helm::Output {
        helm::Output {
            success: true,
            code: Some(0),
            stdout: stdout.into(),
            stderr: String::new(),
            duration: Duration::ZERO,
            argv: Vec::new(),
        }
    }

    #[test]
    fn a_team_lints_only_when_its_render_could_add_findings() {
        let clean = printed("==> Linting chart\n[INFO] Chart.yaml: icon is recommended\n");
        let ok = [
            object("Deployment", "shop-web", "apps/v1"),
            object("Service", "shop-web", "v1"),
        ];
        assert_eq!(team_lint_needed(&clean, &ok, "shop"), None);
        for (o, release) in [
            (object("ConfigMap", "Shop_Web", "v1"), "shop"),
            (object("ConfigMap", "shop.web", "v1"), "shop"),
            (object("ConfigMap", "9web", "v1"), "shop"),
            (object("ConfigMap", &"a".repeat(50), "v1"), "shop"),
            (
                object("Ingress", "shop", "networking.k8s.io/v1beta1"),
                "shop",
            ),
            (object("List", "shop", "v1"), "shop"),
        ] {
            assert!(
                team_lint_needed(&clean, std::slice::from_ref(&o), release).is_some(),
                "{o:?}"
            );
        }
        // A long name is fine with a release as long as helm lint's own.
        let long = object("ConfigMap", &"a".repeat(50), "v1");
        assert_eq!(team_lint_needed(&clean, &[long], "a-long-release"), None);
        let templates = printed("[WARNING] templates/x.yaml: object name does not conform\n");
        assert!(team_lint_needed(&templates, &ok, "shop").is_some());
    }
}
