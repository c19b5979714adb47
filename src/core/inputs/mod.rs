//! What a command works on, resolved once (ripgrep's low → high arguments): the team's
//! directory, the environment, the layered values files, `--set`s and the release name become one
//! owned [`Inputs`] that rendering, validation and release operations take. Both front ends build
//! a [`Request`] (flags, or the TUI's project) and call [`resolve`].
pub(crate) mod answers;
pub(crate) mod chart;
pub(crate) mod config;
pub(crate) mod presets;
pub(crate) mod themes;

use std::path::{Path, PathBuf};

use crate::core::base::error::{Error, Result, Setting};
use crate::core::base::names;
use crate::core::inputs::answers::{Answers, ChartPin};
use crate::core::values::setexpr::SetExpr;

/// What the user named, before resolution.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The team's directory (`.` by default; `deploy/` is used when `.` holds no values.yaml).
    pub dir: PathBuf,
    /// The environment: adds `values-<env>.yaml` after `values.yaml`.
    pub env: Option<String>,
    /// Values files instead of the directory's, in order.
    pub values: Vec<PathBuf>,
    /// `--set` expressions, in order.
    pub sets: Vec<String>,
    /// The release name (default: the answers file's, else the directory's name).
    pub release: Option<String>,
    pub namespace: Option<String>,
    /// The Kubernetes version helm assumes offline (default: the user config's).
    pub kube_version: Option<String>,
}

/// A values file to layer: how to name it, and where it is.
#[derive(Debug, Clone)]
pub struct ValuesFile {
    pub display: String,
    pub path: PathBuf,
}

/// What to render or validate.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub files: Vec<ValuesFile>,
    pub sets: Vec<SetExpr>,
    pub release: String,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
    pub environment: Option<String>,
    /// The team directory the files came from (`None` when files were named one by one).
    pub dir: Option<PathBuf>,
    /// The chart the directory's answers file pins, if it has one.
    pub pin: Option<ChartPin>,
}

/// The team's files in `dir`: `values.yaml`, then `values-<env>.yaml` for `env`.
pub(crate) fn team_files(dir: &Path, env: Option<&str>) -> Result<Vec<ValuesFile>> {
    let show = |name: &str| {
        if dir == Path::new(".") || dir.as_os_str().is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", dir.display().to_string().trim_end_matches('/'))
        }
    };
    let base = dir.join("values.yaml");
    if !base.is_file() {
        return Err(Error::NeedsSetting {
            message: format!(
                "no values.yaml in {}: run `apwiz new` there, or choose the team's directory",
                dir.display()
            ),
            setting: Setting::Dir,
        });
    }
    let mut files = vec![ValuesFile {
        display: show("values.yaml"),
        path: base,
    }];
    if let Some(env) = env {
        let p = dir.join(format!("values-{env}.yaml"));
        if !p.is_file() {
            let mut envs: Vec<String> = std::fs::read_dir(dir)
                .map(|rd| {
                    rd.filter_map(|e| e.ok())
                        .filter_map(|e| {
                            let n = e.file_name().to_string_lossy().to_string();
                            n.strip_prefix("values-")
                                .and_then(|n| n.strip_suffix(".yaml"))
                                .map(str::to_string)
                        })
                        .collect()
                })
                .unwrap_or_default();
            envs.sort();
            return Err(Error::Usage(format!(
                "no values-{env}.yaml in {} (environments there: {})",
                dir.display(),
                if envs.is_empty() {
                    "none".to_string()
                } else {
                    envs.join(", ")
                }
            )));
        }
        files.push(ValuesFile {
            display: show(&format!("values-{env}.yaml")),
            path: p,
        });
    }
    Ok(files)
}

/// The team directory `dir` names: as given, or `deploy/` (where `apwiz new` writes by default)
/// when `dir` is `.`, `.` holds neither `values.yaml` nor the answers file, and `deploy/` holds
/// one of them. The one rule for every command that takes `--dir`.
pub(crate) fn team_dir(dir: &Path) -> PathBuf {
    let holds = |d: &Path| d.join("values.yaml").is_file() || d.join(answers::FILE_NAME).is_file();
    let fallback = Path::new("deploy");
    if dir == Path::new(".") && !holds(dir) && holds(fallback) {
        fallback.to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// The release name for the team directory `dir` (already [`team_dir`]): `explicit` (checked
/// against the naming rule), else the answers file's name, else the directory's name.
pub(crate) fn release_name(explicit: Option<&str>, dir: &Path) -> Result<String> {
    let answers = Answers::load(&dir.join(answers::FILE_NAME)).ok();
    release_of(explicit, dir, answers.as_ref())
}

fn release_of(explicit: Option<&str>, dir: &Path, answers: Option<&Answers>) -> Result<String> {
    match explicit {
        Some(r) => {
            names::check(r).map_err(|why| Error::Usage(format!("--release {r:?}: {why}")))?;
            Ok(r.to_string())
        }
        None => Ok(answers
            .map(|a| a.name.clone())
            .unwrap_or_else(|| names::from_dir(dir))),
    }
}

/// Resolves `req` (relative paths are relative to the process's directory, like the flags that
/// name them). `configured_kube_version` is the user config's default.
pub fn resolve(req: &Request, configured_kube_version: Option<&str>) -> Result<Inputs> {
    let dir = if req.values.is_empty() {
        team_dir(&req.dir)
    } else {
        req.dir.clone()
    };
    let files = if req.values.is_empty() {
        team_files(&dir, req.env.as_deref())?
    } else {
        req.values
            .iter()
            .map(|p| ValuesFile {
                display: p.display().to_string(),
                path: p.clone(),
            })
            .collect()
    };
    let sets = req
        .sets
        .iter()
        .map(|s| SetExpr::parse(s))
        .collect::<Result<Vec<_>>>()?;
    let answers = Answers::load(&dir.join(answers::FILE_NAME)).ok();
    let release = release_of(req.release.as_deref(), &dir, answers.as_ref())?;
    Ok(Inputs {
        files,
        sets,
        release,
        namespace: req.namespace.clone(),
        kube_version: req
            .kube_version
            .clone()
            .or_else(|| configured_kube_version.map(str::to_string)),
        environment: req.env.clone(),
        dir: req.values.is_empty().then_some(dir),
        // Files named one by one are not the directory's: its pin does not apply to them.
        pin: answers
            .and_then(|a| a.chart)
            .filter(|_| req.values.is_empty()),
    })
}
