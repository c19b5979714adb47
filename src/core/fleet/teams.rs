//! The fleet's teams loaded: each repository mirrored and its branch resolved, the team's
//! directory snapshotted at that commit, its `.apwiz.yaml` read. A team that cannot be loaded
//! is a [`Loaded`] with the reason, never an error of the run.
use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::Serialize;

use crate::core::fleet::git;
use crate::core::fleet::spec::{RepoSource, TeamSpec};
use crate::core::inputs::answers::{self, Answers, ChartPin};

/// A team ready to render.
#[derive(Debug, Clone)]
pub(crate) struct Team {
    pub spec: TeamSpec,
    /// The commit read (full hash).
    pub commit: String,
    /// The team's directory inside the snapshot (where `.apwiz.yaml` is).
    pub dir: PathBuf,
    /// The directory inside the repository (`deploy`, `.`).
    pub rel_dir: String,
    pub answers: Answers,
    pub pin: ChartPin,
    /// The mirror in the cache.
    pub mirror: PathBuf,
}

impl Team {
    /// The team's environments (`None`: values.yaml alone, when it lists none).
    pub(crate) fn environments(&self) -> Vec<Option<String>> {
        if self.answers.environments.is_empty() {
            vec![None]
        } else {
            self.answers
                .environments
                .iter()
                .cloned()
                .map(Some)
                .collect()
        }
    }

    pub(crate) fn short_commit(&self) -> &str {
        &self.commit[..self.commit.len().min(12)]
    }
}

/// One team of the fleet: loaded, or why not.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub spec: TeamSpec,
    pub team: Result<Team, String>,
}

/// What every row says about its team, loaded or not.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub team: String,
    pub repo: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<ChartPin>,
    /// Why the team could not be read (its row holds nothing else).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Loaded {
    pub(crate) fn header(&self) -> Header {
        let ok = self.team.as_ref().ok();
        Header {
            team: self.spec.name.clone(),
            repo: self.spec.repo.display(),
            branch: self.spec.branch.clone(),
            commit: ok.map(|t| t.short_commit().to_string()),
            pin: ok.map(|t| t.pin.clone()),
            error: self.team.as_ref().err().cloned(),
        }
    }
}

/// Loads one team.
pub(crate) async fn load_one(spec: &TeamSpec, cache: &Path) -> Result<Team, String> {
    let (source, local) = match &spec.repo {
        RepoSource::Path(p) => (p.display().to_string(), Some(p.as_path())),
        RepoSource::Url(u) => (u.clone(), None),
    };
    let mirror = git::mirror(&source, local, cache)
        .await
        .map_err(|e| e.to_string())?;
    let commit = git::resolve(&mirror, spec.branch.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    let short = &commit[..12.min(commit.len())];
    // `.` with no answers file there: `deploy/`, like every single-team command.
    let mut tried = vec![spec.dir.clone()];
    if spec.dir == "." {
        tried.push("deploy".into());
    }
    for rel in &tried {
        let Ok(root) = git::snapshot(&mirror, &commit, rel, cache).await else {
            continue;
        };
        let dir = if rel == "." {
            root.clone()
        } else {
            root.join(rel)
        };
        let file = dir.join(answers::FILE_NAME);
        if !file.is_file() {
            continue;
        }
        let shown = format!("{}/{}", rel.trim_end_matches('/'), answers::FILE_NAME);
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{shown}: {e}"))?;
        let answers = Answers::parse(&shown, &text).map_err(|e| e.to_string())?;
        let pin = answers.chart.clone().ok_or_else(|| {
            format!("{shown} pins no chart: add `chart: {{name, version, source}}` (apwiz upgrade-chart writes it)")
        })?;
        return Ok(Team {
            spec: spec.clone(),
            commit: commit.clone(),
            dir,
            rel_dir: rel.clone(),
            answers,
            pin,
            mirror,
        });
    }
    Err(format!(
        "no {} in {} at {short}{}",
        answers::FILE_NAME,
        tried.join(" or "),
        spec.branch
            .as_deref()
            .map(|b| format!(" (branch {b})"))
            .unwrap_or_default()
    ))
}

/// Loads every team, `jobs` at a time, in the fleet's order; `progress` is told each one done.
pub(crate) async fn load_all(
    specs: &[TeamSpec],
    cache: &Path,
    jobs: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> Vec<Loaded> {
    futures::stream::iter(specs.iter().cloned())
        .map(|spec| async move {
            let team = load_one(&spec, cache).await;
            progress(&spec.name);
            Loaded { spec, team }
        })
        .buffered(jobs.max(1))
        .collect()
        .await
}
