//! `apwiz new`: from answers (preset, name, image, environments, `--set`s) to the files of a
//! team's directory, and writing them safely.
//!
//! Layering, lowest first: chart defaults < workload preset < the chart's `values-<env>.yaml`
//! (through the environment preset) < the environment preset's own additions < the workload
//! preset's per-environment values < the team's answers (`--image`, `--set`) < the team's
//! per-environment answers (`--set-env`). `values.yaml` holds what differs from the chart
//! defaults; `values-<env>.yaml` what differs from `values.yaml` for that environment.
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::core::base::error::{Error, Result};
use crate::core::inputs::answers::{self, Answers};
use crate::core::inputs::chart::Chart;
use crate::core::inputs::presets::{self, Preset, PresetKind};
use crate::core::scaffold::overrides::{self, Change, diff};
use crate::core::values::merge::{coalesce, merge_maps};
use crate::core::values::merge::{same, without_nulls};

/// What a generated file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    Base,
    Env(String),
    Answers,
    /// The pinned chart's `values.schema.json`, beside the files (apwiz's own; always replaced).
    Schema,
}

/// Where `new` writes the pinned chart's schema, relative to the team's directory; every file's
/// `$schema` line points here, so editor validation holds wherever the repository is cloned.
pub(crate) const SCHEMA_FILE: &str = ".apwiz/values.schema.json";

/// One generated file.
#[derive(Debug, Clone)]
pub struct GenFile {
    /// File name inside the output directory.
    pub name: String,
    pub kind: FileKind,
    /// Comment lines at the top (ending with a newline).
    pub header: String,
    /// The override values (empty for the answers file).
    pub values: Value,
    /// The complete text of a new file.
    pub text: String,
}

/// The values the team's base file must produce, as Helm sees them (over the chart defaults).
fn desired(
    chart: &Chart,
    workload: &Preset,
    env: Option<(&str, Option<&Preset>)>,
    a: &Answers,
) -> Result<Value> {
    let mut user = workload.values.clone();
    if let Some((name, env_preset)) = env {
        let chart_env_name = env_preset
            .and_then(|p| p.chart_values.as_deref())
            .and_then(|f| f.strip_prefix("values-")?.strip_suffix(".yaml"))
            .unwrap_or(name);
        if let Some(chart_env) = chart.env_values(chart_env_name)? {
            user = merge_maps(user, chart_env.value);
        }
        if let Some(p) = env_preset {
            user = merge_maps(user, p.values.clone());
        }
        if let Some(extra) = workload.environments.get(name) {
            user = merge_maps(user, extra.clone());
        }
    }
    if let Some(img) = &a.image {
        // The image first: it is what people look for.
        let mut m = Map::new();
        m.insert("image".into(), Value::String(img.clone()));
        if let Value::Object(rest) = user {
            for (k, v) in rest {
                if k != "image" {
                    m.insert(k, v);
                }
            }
        }
        user = Value::Object(m);
    }
    for s in &a.set {
        s.apply(&mut user);
    }
    if let Some((name, _)) = env {
        for s in a.env_sets(name) {
            s.apply(&mut user);
        }
    }
    images_as_maps(&mut user);
    Ok(coalesce(user, &chart.defaults.value))
}

/// Writes every image reference of the top level and of `services.<name>` as the chart's map
/// `{repository, tag, digest}`, so `--set image.tag=X` and `--set services.<name>.image.tag=X`
/// work on the files `new` writes (Helm cannot set a key inside a string).
fn images_as_maps(user: &mut Value) {
    let Value::Object(top) = user else { return };
    image_as_map(top);
    if let Some(Value::Object(services)) = top.get_mut("services") {
        for svc in services.values_mut() {
            if let Value::Object(m) = svc {
                image_as_map(m);
            }
        }
    }
}

fn image_as_map(values: &mut Map<String, Value>) {
    if let Some(Value::String(reference)) = values.get("image") {
        let map = image_parts(reference);
        values.insert("image".into(), Value::Object(map));
    }
}

/// "registry/repository[:tag][@digest]" as the chart's image map; the chart's own parser
/// (`app-platform.images.resolve`) splits it the same way. No tag is written as `tag: ""`, so
/// the chart's default tag is not inherited.
pub(crate) fn image_parts(reference: &str) -> Map<String, Value> {
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (reference, None),
    };
    let last = rest.rsplit('/').next().unwrap_or(rest);
    let (repository, tag) = match last.rsplit_once(':') {
        Some((_, tag)) => (&rest[..rest.len() - tag.len() - 1], tag),
        None => (rest, ""),
    };
    let mut m = Map::new();
    m.insert("repository".into(), Value::String(repository.into()));
    m.insert("tag".into(), Value::String(tag.into()));
    if let Some(d) = digest {
        m.insert("digest".into(), Value::String(d.into()));
    }
    m
}

/// The files for `a`: `values.yaml`, one `values-<env>.yaml` per environment, `.apwiz.yaml`.
/// `schema_ref` goes into each file's `yaml-language-server` line.
pub(crate) fn generate(
    chart: &Chart,
    all: &[Preset],
    a: &Answers,
    schema_ref: &str,
) -> Result<Vec<GenFile>> {
    let workload = presets::find(all, &a.preset, PresetKind::Workload)?;
    validate_name(&a.name)?;
    let defaults = chart.effective_defaults();
    let base_full = desired(chart, workload, None, a)?;
    let base = diff(&defaults, &base_full);
    check_layering(chart, &[&base], &base_full, "values.yaml")?;
    let mut files = Vec::new();
    let header = format!(
        "# yaml-language-server: $schema={schema_ref}\n\
         # {name}: the {title} preset ({preset}); only what differs from the {chart} chart defaults.\n\
         # Written by apwiz (answers in {answers}); edit freely: `apwiz new --answers {answers} --force`\n\
         # keeps your comments, your keys and the values you changed by hand.\n",
        name = a.name,
        title = workload.title,
        preset = workload.name,
        chart = chart.meta.name,
        answers = answers::FILE_NAME,
    );
    files.push(GenFile {
        name: "values.yaml".into(),
        kind: FileKind::Base,
        text: overrides::new_file_text(&header, &base),
        header,
        values: base.clone(),
    });
    for env in &a.environments {
        let env_preset = presets::find(all, env, PresetKind::Environment).ok();
        if env_preset.is_none() && !chart.env_files.contains_key(env) {
            let names: Vec<&str> = all
                .iter()
                .filter(|p| p.kind == PresetKind::Environment)
                .map(|p| p.name.as_str())
                .collect();
            return Err(Error::Usage(format!(
                "unknown environment \"{env}\": no environment preset and no {} (environments: {})",
                chart.file_display(&format!("values-{env}.yaml")),
                names.join(", ")
            )));
        }
        let full = desired(chart, workload, Some((env, env_preset)), a)?;
        let over = diff(&base_full, &full);
        let file = format!("values-{env}.yaml");
        check_layering(chart, &[&base, &over], &full, &file)?;
        let title = env_preset.map_or(env.as_str(), |p| p.title.as_str());
        let header = format!(
            "# yaml-language-server: $schema={schema_ref}\n\
             # {name} in {title}: only what differs from values.yaml. Helm applies it after values.yaml:\n\
             #   helm upgrade --install {name} <chart> -f values.yaml -f {file}\n",
            name = a.name,
        );
        files.push(GenFile {
            name: file,
            kind: FileKind::Env(env.clone()),
            text: overrides::new_file_text(&header, &over),
            header,
            values: over,
        });
    }
    if let Some(schema) = &chart.schema_text
        && schema_ref == SCHEMA_FILE
    {
        files.push(GenFile {
            name: SCHEMA_FILE.into(),
            kind: FileKind::Schema,
            header: String::new(),
            values: Value::Object(Map::new()),
            text: schema.clone(),
        });
    }
    files.push(GenFile {
        name: answers::FILE_NAME.into(),
        kind: FileKind::Answers,
        header: String::new(),
        values: Value::Object(Map::new()),
        text: a.to_text()?,
    });
    Ok(files)
}

/// Checks that layering the written files over the chart defaults gives what was asked for.
fn check_layering(chart: &Chart, files: &[&Value], want: &Value, name: &str) -> Result<()> {
    let mut user = Value::Object(Map::new());
    for f in files {
        user = merge_maps(user, (*f).clone());
    }
    let got = coalesce(user, &chart.defaults.value);
    if same(&without_nulls(got), &without_nulls(want.clone())) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "internal error: {name} would not reproduce the answers; please report this"
        )))
    }
}

fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 53
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "--name {name:?}: a release name is 1-53 lowercase letters, digits and '-', starting and ending with a letter or digit"
        )))
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Unchanged,
    Updated {
        backup: PathBuf,
        changes: Vec<Change>,
    },
}

/// A planned write.
#[derive(Debug, Clone)]
pub struct Planned {
    pub path: PathBuf,
    pub kind: FileKind,
    /// The text to write (`None`: unchanged).
    pub text: Option<String>,
    pub exists: bool,
    pub changes: Vec<Change>,
}

/// Works out what to write into `out` without touching the disk. Existing files need `force`;
/// with it they are updated three-way against what `old` answers generated (hand edits survive).
pub(crate) fn plan(
    out: &Path,
    files: &[GenFile],
    old: Option<&[GenFile]>,
    force: bool,
) -> Result<Vec<Planned>> {
    let mut planned = Vec::new();
    for f in files {
        let path = out.join(&f.name);
        let existing = match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&path, e)),
        };
        let Some(existing) = existing else {
            planned.push(Planned {
                path,
                kind: f.kind.clone(),
                text: Some(f.text.clone()),
                exists: false,
                changes: Vec::new(),
            });
            continue;
        };
        let (text, changes) = if matches!(f.kind, FileKind::Answers | FileKind::Schema) {
            (f.text.clone(), Vec::new())
        } else {
            let old_values = old
                .and_then(|o| o.iter().find(|g| g.name == f.name))
                .map(|g| &g.values);
            overrides::update_text(&existing, old_values, &f.values)
                .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?
        };
        if text == existing {
            planned.push(Planned {
                path,
                kind: f.kind.clone(),
                text: None,
                exists: true,
                changes,
            });
            continue;
        }
        // The schema copy is apwiz's, not the team's: it follows the pinned chart.
        if !force && f.kind != FileKind::Schema {
            return Err(Error::WouldOverwrite { path });
        }
        planned.push(Planned {
            path,
            kind: f.kind.clone(),
            text: Some(text),
            exists: true,
            changes,
        });
    }
    Ok(planned)
}

/// Writes the plan: backups first, then each file atomically.
pub(crate) fn apply(planned: &[Planned]) -> Result<Vec<(PathBuf, Outcome)>> {
    let mut out = Vec::new();
    for p in planned {
        let outcome = match (&p.text, p.exists) {
            (None, _) => Outcome::Unchanged,
            (Some(text), false) => {
                overrides::write_atomic(&p.path, text)?;
                Outcome::Created
            }
            (Some(text), true) => {
                let backup = overrides::backup(&p.path)?;
                overrides::write_atomic(&p.path, text)?;
                Outcome::Updated {
                    backup,
                    changes: p.changes.clone(),
                }
            }
        };
        out.push((p.path.clone(), outcome));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::image_parts;
    use serde_json::json;

    #[test]
    fn image_references_split_like_the_chart() {
        let parts = |r: &str| serde_json::Value::Object(image_parts(r));
        assert_eq!(
            parts("ghcr.io/acme/shop:1.4.2"),
            json!({"repository": "ghcr.io/acme/shop", "tag": "1.4.2"})
        );
        assert_eq!(
            parts("registry.local:5000/team/api"),
            json!({"repository": "registry.local:5000/team/api", "tag": ""})
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            parts(&format!("redis:7.2@{digest}")),
            json!({"repository": "redis", "tag": "7.2", "digest": digest})
        );
    }
}
