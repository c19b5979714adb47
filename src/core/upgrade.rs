//! Moving a team to another chart version (`apwiz upgrade-chart`): the keys the new chart renamed
//! or removed (its `migrations.yaml`), applied to the team's values files with the
//! comment-preserving editor; the render diff per environment between the old chart on the old
//! files and the new chart on the migrated files, with the changes an upgrade cannot make in
//! place called out as breaking; then the pin in `.apwiz.yaml` rewritten. [`plan`] computes
//! everything and writes nothing; [`apply`] writes what a plan says.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::base::error::{Error, Result};
use crate::core::base::helm::Helm;
use crate::core::check::Checker;
use crate::core::check::pipeline;
use crate::core::check::report::Finding;
use crate::core::check::schema::SchemaCheck;
use crate::core::inputs::answers::{self, ChartPin};
use crate::core::inputs::chart::Chart;
use crate::core::inputs::{Inputs, ValuesFile, team_files};
use crate::core::release::diff::{self, Change, PathChange};
use crate::core::scaffold::generate::{SCHEMA_FILE, image_parts};
use crate::core::scaffold::overrides::{self, KeyMove};
use crate::core::values::read::parse_values;

/// One step of the chart's `migrations.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Migration {
    pub from: String,
    pub to: String,
    /// Old dotted path → new dotted path, in order.
    #[serde(default)]
    pub renames: serde_json::Map<String, Value>,
    /// Dotted paths the new version no longer reads.
    #[serde(default)]
    pub removed: Vec<String>,
    /// Dotted paths of image references: one written as a string (`repo:tag`) is rewritten as
    /// the chart's map `{repository, tag, digest}`, so `--set <path>.tag=X` works on the file.
    #[serde(default)]
    pub images: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    #[serde(default)]
    migrations: Vec<Migration>,
}

fn version(chart: &str, v: &str) -> Result<semver::Version> {
    semver::Version::parse(v)
        .map_err(|e| Error::Invalid(format!("{chart}: version {v:?} is not semver: {e}")))
}

/// The steps of `chart`'s migrations table between versions `from` and `to` (every entry with
/// `from <= entry.from` and `entry.to <= to`), oldest first.
pub(crate) fn steps(chart: &Chart, from: &str, to: &str) -> Result<Vec<Migration>> {
    let Some(text) = &chart.migrations_text else {
        return Ok(Vec::new());
    };
    let file = chart.file_display("migrations.yaml");
    let table: Table = serde_yaml::from_str(text)
        .map_err(|e| Error::Invalid(format!("{file} cannot be read: {e}")))?;
    let (lo, hi) = (version(&file, from)?, version(&file, to)?);
    let mut out = Vec::new();
    for m in table.migrations {
        let (f, t) = (version(&file, &m.from)?, version(&file, &m.to)?);
        for (old, new) in &m.renames {
            if !new.is_string() {
                return Err(Error::Invalid(format!(
                    "{file}: the rename of {old} ({} → {}) must name the new path as a string",
                    m.from, m.to
                )));
            }
        }
        if f >= lo && t <= hi {
            out.push((f, m));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, m)| m).collect())
}

fn split(path: &str) -> Vec<String> {
    path.split('.').map(str::to_string).collect()
}

/// The key moves `steps` make in a file holding `values`: each path at the top level and under
/// every `services.<name>` the file has.
pub(crate) fn moves_for(values: &Value, steps: &[Migration]) -> Vec<KeyMove> {
    let prefixes = prefixes(values);
    let at = |prefix: &[String], path: &str| -> Vec<String> {
        prefix.iter().cloned().chain(split(path)).collect()
    };
    let mut out = Vec::new();
    for step in steps {
        for prefix in &prefixes {
            for (old, new) in &step.renames {
                out.push(KeyMove {
                    from: at(prefix, old),
                    to: new.as_str().map(|n| at(prefix, n)),
                });
            }
            for gone in &step.removed {
                out.push(KeyMove {
                    from: at(prefix, gone),
                    to: None,
                });
            }
        }
    }
    out
}

/// Every file prefix a migration path applies at: the top level and each `services.<name>`.
fn prefixes(values: &Value) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new()];
    if let Some(services) = values.get("services").and_then(Value::as_object) {
        for name in services.keys() {
            out.push(vec!["services".to_string(), name.clone()]);
        }
    }
    out
}

/// The `images` steps on a file's text: each image reference written as a string at one of
/// the steps' paths (top level and under every service) becomes the chart's map, edited in
/// place with the comment-preserving editor. Returns the new text and `path: string → map`
/// for each rewritten reference.
pub(crate) fn images_as_maps(
    text: &str,
    values: &Value,
    steps: &[Migration],
) -> Result<(String, Vec<String>)> {
    let mut target = values.clone();
    let mut done = Vec::new();
    for step in steps {
        for prefix in prefixes(values) {
            for path in &step.images {
                let at: Vec<String> = prefix.iter().cloned().chain(split(path)).collect();
                let Some((last, parents)) = at.split_last() else {
                    continue;
                };
                let parent = parents
                    .iter()
                    .try_fold(&mut target, |v, k| v.as_object_mut()?.get_mut(k));
                let Some(Value::Object(map)) = parent else {
                    continue;
                };
                if let Some(Value::String(reference)) = map.get(last) {
                    let parts = image_parts(reference);
                    done.push(format!(
                        "{}: {reference:?} → {}",
                        at.join("."),
                        Value::Object(parts.clone())
                    ));
                    map.insert(last.clone(), Value::Object(parts));
                }
            }
        }
    }
    if done.is_empty() {
        return Ok((text.to_string(), done));
    }
    let (out, _) = overrides::update_text(text, None, &target)?;
    Ok((out, done))
}

/// One team file after the migrations.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FileMigration {
    pub file: String,
    #[serde(skip)]
    pub path: PathBuf,
    /// `old.path → new.path`, or `old.path removed`, as applied.
    pub moves: Vec<String>,
    #[serde(skip)]
    pub text: String,
}

/// A change an upgrade cannot make in place.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Breaking {
    pub object: String,
    pub path: String,
    pub why: String,
}

/// What the new chart renders differently for one environment.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EnvDiff {
    /// `None`: values.yaml alone.
    pub env: Option<String>,
    pub changes: Vec<Change>,
    pub breaking: Vec<Breaking>,
    /// Findings when the old or the new chart does not render the files.
    pub findings: Vec<Finding>,
}

/// Everything moving the team changes; nothing written yet.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Plan {
    pub from: ChartPin,
    pub to: ChartPin,
    /// Whether the pin differs from the target (a team "behind").
    pub behind: bool,
    pub files: Vec<FileMigration>,
    pub environments: Vec<EnvDiff>,
}

/// What [`plan`] works on.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The team's directory (values files and `.apwiz.yaml`).
    pub dir: PathBuf,
    /// How the directory is named in messages (`deploy`).
    pub display: String,
    pub pin: ChartPin,
    pub old: Arc<Chart>,
    pub new: Arc<Chart>,
    /// Where the new chart comes from, for the new pin.
    pub new_source: String,
    pub helm: Helm,
    /// Environments to diff (empty: values.yaml alone).
    pub environments: Vec<String>,
    pub release: String,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
}

/// Labels every object carries that name the chart's version: they change with every version,
/// so the diff leaves them out.
const VERSION_LABELS: [&str; 2] = ["[\"helm.sh/chart\"]", "[\"app.kubernetes.io/version\"]"];

/// Why a changed path cannot be applied in place by `helm upgrade`, if it cannot.
pub(crate) fn breaking_reason(object: &str, path: &str) -> Option<&'static str> {
    let kind = object.split('/').next().unwrap_or_default();
    let under = |p: &str| {
        path == p || path.starts_with(&format!("{p}.")) || path.starts_with(&format!("{p}["))
    };
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job"
            if under("spec.selector") =>
        {
            Some(
                "the selector is immutable: helm upgrade fails; delete the object first (downtime) or keep the old selector labels",
            )
        }
        "Service" if under("spec.selector") => Some(
            "the Service selects other pods: traffic moves to (or away from) pods by the new labels at once",
        ),
        "Service" if under("spec.clusterIP") || under("spec.clusterIPs") => {
            Some("a Service's clusterIP is immutable: helm upgrade fails")
        }
        "StatefulSet"
            if under("spec.volumeClaimTemplates")
                || under("spec.serviceName")
                || under("spec.podManagementPolicy") =>
        {
            Some(
                "only replicas, template, updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds of a StatefulSet can change: helm upgrade fails",
            )
        }
        "Job" if under("spec.template") => {
            Some("a Job's pod template is immutable: helm upgrade fails")
        }
        "PersistentVolumeClaim"
            if under("spec.storageClassName")
                || under("spec.accessModes")
                || under("spec.volumeName") =>
        {
            Some("a bound claim's storage class, access modes and volume are immutable")
        }
        _ => None,
    }
}

fn without_version_labels(changes: Vec<Change>) -> Vec<Change> {
    changes
        .into_iter()
        .filter_map(|c| match c {
            Change::Changed { object, paths } => {
                let paths: Vec<PathChange> = paths
                    .into_iter()
                    .filter(|p| !VERSION_LABELS.iter().any(|l| p.path.ends_with(l)))
                    .collect();
                (!paths.is_empty()).then_some(Change::Changed { object, paths })
            }
            other => Some(other),
        })
        .collect()
}

fn breaking(changes: &[Change]) -> Vec<Breaking> {
    let mut out = Vec::new();
    for c in changes {
        if let Change::Changed { object, paths } = c {
            for p in paths {
                if let Some(why) = breaking_reason(object, &p.path) {
                    out.push(Breaking {
                        object: object.clone(),
                        path: p.path.clone(),
                        why: why.to_string(),
                    });
                }
            }
        }
    }
    out
}

fn checker(chart: &Arc<Chart>, helm: &Helm) -> Result<Checker> {
    Ok(Checker {
        chart: chart.clone(),
        schema: chart
            .schema
            .as_ref()
            .map(SchemaCheck::new)
            .transpose()?
            .map(Arc::new),
        helm: Some(helm.clone()),
        policies: None,
        policies_skipped: Some("upgrade-chart renders only".into()),
    })
}

/// The team's values files: `values.yaml` and every `values-<env>.yaml` in `dir`.
fn team_value_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n == "values.yaml" || (n.starts_with("values-") && n.ends_with(".yaml"))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Computes what moving the team from `req.old` to `req.new` changes. Writes only into a
/// scratch directory (the migrated files, for the new render), removed before returning.
pub(crate) async fn plan(req: Request) -> Result<Plan> {
    let steps = steps(&req.new, &req.pin.version, &req.new.meta.version)?;
    let mut files = Vec::new();
    for path in team_value_files(&req.dir)? {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let display = format!("{}/{name}", req.display.trim_end_matches('/'));
        let values = parse_values(&text)
            .map_err(|e| e.in_file(display.clone()))?
            .value;
        let (new_text, applied) = overrides::move_keys(&text, &moves_for(&values, &steps))
            .map_err(|e| Error::Invalid(format!("{display}: {e}")))?;
        let mut moves: Vec<String> = applied
            .iter()
            .map(|m| match &m.to {
                Some(to) => format!("{} → {}", m.from.join("."), to.join(".")),
                None => format!("{} removed", m.from.join(".")),
            })
            .collect();
        let moved = parse_values(&new_text)
            .map_err(|e| e.in_file(display.clone()))?
            .value;
        let (new_text, images) = images_as_maps(&new_text, &moved, &steps)
            .map_err(|e| Error::Invalid(format!("{display}: {e}")))?;
        moves.extend(images);
        files.push(FileMigration {
            file: display,
            path,
            moves,
            text: new_text,
        });
    }
    let scratch = scratch_dir(&req.dir)?;
    let result = diff_envs(&req, &files, &scratch).await;
    let _ = std::fs::remove_dir_all(&scratch);
    let environments = result?;
    let to = ChartPin {
        name: req.new.meta.name.clone(),
        version: req.new.meta.version.clone(),
        source: req.new_source.clone(),
    };
    Ok(Plan {
        behind: req.pin.version != to.version || req.pin.name != to.name,
        from: req.pin,
        to,
        files,
        environments,
    })
}

fn scratch_dir(dir: &Path) -> Result<PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "apwiz-upgrade-{}-{}",
        std::process::id(),
        dir.file_name().unwrap_or_default().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
    Ok(d)
}

async fn diff_envs(req: &Request, files: &[FileMigration], scratch: &Path) -> Result<Vec<EnvDiff>> {
    for f in files {
        let p = scratch.join(f.path.file_name().unwrap_or_default());
        std::fs::write(&p, &f.text).map_err(|e| Error::io(&p, e))?;
    }
    let envs: Vec<Option<String>> = if req.environments.is_empty() {
        vec![None]
    } else {
        req.environments.iter().cloned().map(Some).collect()
    };
    let mut out = Vec::new();
    for env in envs {
        let old_files = team_files(&req.dir, env.as_deref())?;
        // The same files, migrated, under the team's names.
        let new_files: Vec<ValuesFile> = old_files
            .iter()
            .map(|f| ValuesFile {
                display: f.display.clone(),
                path: scratch.join(f.path.file_name().unwrap_or_default()),
            })
            .collect();
        let inputs = |files: Vec<ValuesFile>| Inputs {
            files,
            sets: Vec::new(),
            release: req.release.clone(),
            namespace: req.namespace.clone(),
            kube_version: req.kube_version.clone(),
            environment: env.clone(),
            dir: Some(req.dir.clone()),
            pin: None,
        };
        let old = pipeline::render(checker(&req.old, &req.helm)?, inputs(old_files)).await?;
        let new = pipeline::render(checker(&req.new, &req.helm)?, inputs(new_files)).await?;
        let mut findings = old.findings;
        findings.extend(new.findings);
        let namespace = req.namespace.clone().unwrap_or_else(|| "default".into());
        let changes = if findings.is_empty() {
            without_version_labels(diff::diff_manifests(
                &old.manifests,
                &new.manifests,
                &namespace,
            )?)
        } else {
            Vec::new()
        };
        out.push(EnvDiff {
            env,
            breaking: breaking(&changes),
            changes,
            findings,
        });
    }
    Ok(out)
}

/// What [`apply`] wrote.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Applied {
    pub written: Vec<String>,
}

/// Writes a plan: the migrated values files (atomically), the new chart's schema beside them
/// (when the team has one there), and the new pin in `.apwiz.yaml` (comments kept).
pub(crate) fn apply(plan: &Plan, dir: &Path, display: &str, new: &Chart) -> Result<Applied> {
    let mut written = Vec::new();
    for f in &plan.files {
        if !f.moves.is_empty() {
            overrides::write_atomic(&f.path, &f.text)?;
            written.push(f.file.clone());
        }
    }
    let shown = |name: &str| format!("{}/{name}", display.trim_end_matches('/'));
    let schema = dir.join(SCHEMA_FILE);
    if let Some(text) = &new.schema_text
        && schema.is_file()
        && std::fs::read_to_string(&schema).ok().as_deref() != Some(text.as_str())
    {
        overrides::write_atomic(&schema, text)?;
        written.push(shown(SCHEMA_FILE));
    }
    let answers_path = dir.join(answers::FILE_NAME);
    let existing =
        std::fs::read_to_string(&answers_path).map_err(|e| Error::io(&answers_path, e))?;
    let current = parse_values(&existing)
        .map_err(|e| Error::Invalid(format!("{}: {e}", shown(answers::FILE_NAME))))?
        .value;
    let mut pinned = current.clone();
    pinned["chart"] = serde_json::to_value(&plan.to)
        .map_err(|e| Error::Invalid(format!("cannot write the pin: {e}")))?;
    let (text, changes) = overrides::update_text(&existing, Some(&current), &pinned)?;
    if !changes.is_empty() {
        overrides::write_atomic(&answers_path, &text)?;
        written.push(shown(answers::FILE_NAME));
    }
    Ok(Applied { written })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_apply_at_the_top_and_under_every_service() {
        let step = Migration {
            from: "0.1.0".into(),
            to: "0.2.0".into(),
            renames: serde_json::from_str(r#"{"ingress.className": "ingress.class"}"#).unwrap(),
            removed: vec!["legacy".into()],
            images: Vec::new(),
        };
        let values: Value =
            serde_json::from_str(r#"{"services": {"api": {}, "web": {}}}"#).unwrap();
        let moves = moves_for(&values, &[step]);
        let froms: Vec<String> = moves.iter().map(|m| m.from.join(".")).collect();
        assert_eq!(
            froms,
            [
                "ingress.className",
                "legacy",
                "services.api.ingress.className",
                "services.api.legacy",
                "services.web.ingress.className",
                "services.web.legacy"
            ]
        );
        assert_eq!(
            moves[2].to.as_ref().unwrap().join("."),
            "services.api.ingress.class"
        );
    }

    #[test]
    fn selectors_and_immutable_fields_are_breaking() {
        assert!(breaking_reason("Deployment/web", "spec.selector.matchLabels[\"app\"]").is_some());
        assert!(breaking_reason("Service/web", "spec.clusterIP").is_some());
        assert!(breaking_reason("StatefulSet/db", "spec.volumeClaimTemplates[0].spec").is_some());
        assert!(
            breaking_reason("Deployment/web", "spec.template.spec.containers[0].image").is_none()
        );
        assert!(breaking_reason("Deployment/web", "spec.selectorX").is_none());
    }

    #[test]
    fn renames_keep_comments_and_position() {
        let text = "# team file\ningress:\n  # the class our controller serves\n  className: nginx # inline\n  host: a.example.com\nreplicas: 2\n";
        let moves = vec![KeyMove {
            from: split("ingress.className"),
            to: Some(split("ingress.class")),
        }];
        let (out, applied) = overrides::move_keys(text, &moves).unwrap();
        assert_eq!(applied.len(), 1);
        assert_eq!(
            out,
            "# team file\ningress:\n  # the class our controller serves\n  class: nginx # inline\n  host: a.example.com\nreplicas: 2\n"
        );
    }

    #[test]
    fn moves_to_another_map_and_removals_keep_the_other_comments() {
        let text = "# team file\nimage:\n  pullPolicy: Always # why\n  tag: \"1.2\"\n# legacy knob\nlegacy: true\nreplicas: 2 # two\n";
        let moves = vec![
            KeyMove {
                from: split("image.pullPolicy"),
                to: Some(split("imagePullPolicy")),
            },
            KeyMove {
                from: split("legacy"),
                to: None,
            },
            KeyMove {
                from: split("not.there"),
                to: None,
            },
        ];
        let (out, applied) = overrides::move_keys(text, &moves).unwrap();
        assert_eq!(applied.len(), 2, "a key the file does not set is skipped");
        let v = parse_values(&out).unwrap().value;
        assert_eq!(v["imagePullPolicy"], "Always");
        assert!(v["image"].get("pullPolicy").is_none());
        assert_eq!(v["image"]["tag"], "1.2");
        assert!(v.get("legacy").is_none());
        assert!(out.starts_with("# team file\n"), "{out}");
        assert!(out.contains("replicas: 2 # two"), "{out}");
    }

    fn image_step() -> Migration {
        Migration {
            from: "0.1.0".into(),
            to: "0.2.0".into(),
            renames: serde_json::Map::new(),
            removed: Vec::new(),
            images: vec!["image".into()],
        }
    }

    #[test]
    fn image_strings_become_maps_with_comments_kept() {
        let text = "\
# team file: the shop
# the image CI builds
image: ghcr.io/acme/shop:1.4.2 # bumped by CI
replicas: 2 # two
services:
  # the API, pinned by digest
  api:
    image: registry.acme.internal:5000/shop/api:2.1@sha256:abc
    port: 8080
  # already a map: left alone
  web:
    image: {repository: ghcr.io/acme/web, tag: \"3.0\"}
  # no image of its own
  worker:
    args: [work]
";
        let values = parse_values(text).unwrap().value;
        let (out, done) = images_as_maps(text, &values, &[image_step()]).unwrap();
        assert_eq!(done.len(), 2, "{done:?}");
        assert!(
            done[0].starts_with("image: \"ghcr.io/acme/shop:1.4.2\" → "),
            "{done:?}"
        );
        let v = parse_values(&out).unwrap().value;
        assert_eq!(
            v["image"],
            serde_json::json!({"repository": "ghcr.io/acme/shop", "tag": "1.4.2"})
        );
        assert_eq!(
            v["services"]["api"]["image"],
            serde_json::json!({"repository": "registry.acme.internal:5000/shop/api", "tag": "2.1", "digest": "sha256:abc"})
        );
        assert_eq!(v["services"]["web"]["image"]["tag"], "3.0");
        assert!(v["services"]["worker"].get("image").is_none());
        for kept in [
            "# team file: the shop\n# the image CI builds\n",
            "replicas: 2 # two\n",
            "  # the API, pinned by digest\n  api:\n",
            "  # already a map: left alone\n  web:\n    image: {repository: ghcr.io/acme/web, tag: \"3.0\"}\n",
            "  # no image of its own\n  worker:\n    args: [work]\n",
            "    port: 8080\n",
        ] {
            assert!(out.contains(kept), "lost {kept:?}:\n{out}");
        }
        // A second run finds nothing to do.
        let again = parse_values(&out).unwrap().value;
        let (same_text, none) = images_as_maps(&out, &again, &[image_step()]).unwrap();
        assert!(none.is_empty());
        assert_eq!(same_text, out);
    }
}
