//! `apwiz fleet upgrade`: each team moved to the candidate chart on a branch of its own — the
//! impact computed first (a team that would break, or already fails, is skipped and listed),
//! then in a git worktree on the new branch `apwiz/<chart>-<version>` from the team's commit,
//! `upgrade-chart`'s plan and apply (migrated keys, schema, pin), committed with the render diff
//! summary in the message. Nothing is pushed; the worktree is removed whatever happens
//! ([`git::Worktree`] on drop), so nothing is left dirty.
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::core::base::error::{Error, Result};
use crate::core::fleet::git::{self, Worktree};
use crate::core::fleet::impact::{Class, EnvImpact, TeamImpact};
use crate::core::fleet::render::{Hashed, Renderer};
use crate::core::fleet::spec::RepoSource;
use crate::core::fleet::teams::Team;
use crate::core::upgrade;

/// What happened to one team.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub team: String,
    /// The branch made (in the team's repository, or in the cache's mirror for a git URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Where the branch is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Why the team was skipped (would break, fails today, already current, unreadable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The files the upgrade wrote.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<String>,
    /// Pinned to the version already: nothing to do (not counted as skipped).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub current: bool,
}

impl Outcome {
    pub(crate) fn skipped(team: &str, why: String) -> Outcome {
        Outcome {
            team: team.to_string(),
            branch: None,
            repository: None,
            commit: None,
            skipped: Some(why),
            written: Vec::new(),
            current: false,
        }
    }
}

/// The branch name for a move to `chart` `version`.
pub(crate) fn branch_name(chart: &str, version: &str) -> String {
    format!("apwiz/{chart}-{version}")
}

fn env_line(e: &EnvImpact) -> String {
    let env = e.env.as_deref().unwrap_or("values.yaml");
    let mut line = format!(
        "{env}: {} ({} object(s), {} field(s))",
        e.class.as_str(),
        e.objects,
        e.fields
    );
    if !e.restarts.is_empty() {
        line.push_str(&format!("; restarts {}", e.restarts.join(", ")));
    }
    for r in &e.recreates {
        line.push_str(&format!("; recreates {} ({})", r.object, r.path));
    }
    line
}

/// The commit message: what moves, and the render diff summary per environment.
pub(crate) fn message(impact: &TeamImpact, team: &Team, to: &Hashed, written: &[String]) -> String {
    let mut m = format!(
        "Move to {} {} (from {})\n\nRender diff against {} {}, per environment:\n",
        to.chart.meta.name,
        to.chart.meta.version,
        team.pin.version,
        team.pin.name,
        team.pin.version
    );
    for e in &impact.environments {
        m.push_str(&format!("- {}\n", env_line(e)));
        for moved in &e.migrated {
            m.push_str(&format!("  migrated {moved}\n"));
        }
    }
    m.push_str(&format!("\nFiles: {}\n", written.join(", ")));
    m.push_str("\nMade by `apwiz fleet upgrade`; not pushed. Review the diff per environment with `apwiz upgrade-chart --check`.\n");
    m
}

/// What [`one`] needs besides the team.
pub(crate) struct Move<'a> {
    pub renderer: &'a Renderer,
    pub candidate: &'a Hashed,
    pub candidate_source: &'a str,
    pub cache: &'a Path,
}

/// What an upgrade to `to` does to one team whose impact is known, before anything is made:
/// skipped (it would break, or fails already), current (pinned to `to`), or moved onto `branch`
/// in `repository` (a local repository itself, else the cache's mirror).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "kebab-case", tag = "verdict")]
pub enum Verdict {
    Skips { why: String },
    Current,
    Moves { branch: String, repository: PathBuf },
}

/// The one decision of [`one`] (and of the plan a front end shows first).
pub(crate) fn decide(
    team: &Team,
    impact: &TeamImpact,
    to: &crate::core::inputs::chart::ChartMeta,
) -> Verdict {
    if let Some(e) = impact
        .environments
        .iter()
        .find(|e| matches!(e.class, Class::Breaks | Class::FailsToday))
    {
        return Verdict::Skips {
            why: format!(
                "{} would {}: {}",
                e.env.as_deref().unwrap_or("values.yaml"),
                if e.class == Class::Breaks {
                    "break"
                } else {
                    "still fail"
                },
                e.error.as_deref().unwrap_or("")
            ),
        };
    }
    if team.pin.name == to.name && team.pin.version == to.version {
        return Verdict::Current;
    }
    Verdict::Moves {
        branch: branch_name(&to.name, &to.version),
        repository: match &team.spec.repo {
            RepoSource::Path(p) => p.clone(),
            RepoSource::Url(_) => team.mirror.clone(),
        },
    }
}

/// Moves one team whose impact is known; `Err` only for what stops this team (its row says it).
pub(crate) async fn one(mv: &Move<'_>, team: &Team, impact: &TeamImpact) -> Result<Outcome> {
    let name = team.spec.name.as_str();
    let (branch, repo) = match decide(team, impact, &mv.candidate.chart.meta) {
        Verdict::Skips { why } => return Ok(Outcome::skipped(name, why)),
        Verdict::Current => {
            let mut o = Outcome::skipped(name, String::new());
            o.skipped = None;
            o.current = true;
            return Ok(o);
        }
        Verdict::Moves { branch, repository } => (branch, repository),
    };
    let pinned = mv.renderer.pinned(&team.pin, &team.dir).await?;
    let wt_dir =
        mv.cache
            .join("worktrees")
            .join(format!("{}-{}", git::tag(name), std::process::id()));
    let _ = std::fs::remove_dir_all(&wt_dir);
    if let Some(parent) = wt_dir.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut wt = Worktree::add(&repo, &wt_dir, &branch, &team.commit).await?;
    let dir = if team.rel_dir == "." {
        wt.path.clone()
    } else {
        wt.path.join(&team.rel_dir)
    };
    let plan = upgrade::plan(upgrade::Request {
        dir: dir.clone(),
        display: team.rel_dir.clone(),
        pin: team.pin.clone(),
        old: pinned.chart.clone(),
        new: mv.candidate.chart.clone(),
        new_source: mv.candidate_source.to_string(),
        helm: mv.renderer.helm.clone(),
        environments: team.answers.environments.clone(),
        release: team.answers.name.clone(),
        namespace: None,
        kube_version: mv.renderer.kube_version.clone(),
    })
    .await?;
    if let Some(f) = plan
        .environments
        .iter()
        .flat_map(|e| e.findings.iter())
        .next()
    {
        // The worktree and the branch made for nothing go with `wt`.
        drop(wt);
        return Ok(Outcome::skipped(
            name,
            format!("upgrade-chart does not render it: {}", f.to_text()),
        ));
    }
    let applied = upgrade::apply(&plan, &dir, &team.rel_dir, &mv.candidate.chart)?;
    let commit = wt
        .commit(&message(impact, team, mv.candidate, &applied.written))
        .await?;
    Ok(Outcome {
        team: name.to_string(),
        branch: Some(branch),
        repository: Some(repo.display().to_string()),
        commit: Some(commit[..commit.len().min(12)].to_string()),
        skipped: None,
        written: applied.written,
        current: false,
    })
}
