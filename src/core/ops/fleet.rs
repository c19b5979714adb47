//! The fleet's workflows, once for both front ends: the fleet opened (read, every team loaded
//! through the cache), then `impact` of the session's chart as the candidate, `status` against
//! the newest version, or `upgrade` of each team on a branch of its own. Progress is reported as
//! data ([`Progress`]); cancelling is dropping the future (helm and git are killed, worktrees
//! removed by their guards).
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::core::base::error::Result;
use crate::core::fleet::impact::TeamImpact;
use crate::core::fleet::impact::{self, Impact};
use crate::core::fleet::render::{Hashed, Renderer};
use crate::core::fleet::spec::{self, Fleet};
use crate::core::fleet::status::{self, Status, TeamStatus};
use crate::core::fleet::teams::{self, Loaded};
use crate::core::fleet::upgrade::{self as fleet_upgrade, Outcome, Verdict};
use crate::core::fleet::{self as fleet_core};
use crate::core::session::Session;

/// Where the fleet comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    File(PathBuf),
    Scan(PathBuf),
}

/// What every fleet command takes.
#[derive(Debug, Clone)]
pub struct Request {
    pub source: Source,
    /// The cache (default: [`fleet_core::default_cache`]).
    pub cache: Option<PathBuf>,
    /// helm processes (and git clones) at once (default: the machine's cores).
    pub jobs: Option<usize>,
    pub kube_version: Option<String>,
    /// Only these teams (empty: all).
    pub only: Vec<String>,
}

/// One step of long work: `done` of `total` in `phase`, the item just finished.
#[derive(Debug, Clone)]
pub(crate) struct Progress<'a> {
    pub phase: &'static str,
    pub done: usize,
    pub total: usize,
    pub item: &'a str,
}

/// Where progress goes.
pub(crate) type OnProgress<'a> = &'a (dyn Fn(Progress<'_>) + Sync);

/// A fleet with its teams loaded, ready to render.
pub(crate) struct Opened {
    pub fleet: Fleet,
    pub teams: Vec<Loaded>,
    pub renderer: Arc<Renderer>,
    pub cache: PathBuf,
    pub jobs: usize,
}

fn counter<'a>(phase: &'static str, total: usize, on: OnProgress<'a>) -> impl Fn(&str) + Sync + 'a {
    let done = AtomicUsize::new(0);
    move |item: &str| {
        let done = done.fetch_add(1, Ordering::Relaxed) + 1;
        on(Progress {
            phase,
            done,
            total,
            item,
        })
    }
}

/// Reads the fleet, loads every team (mirrors fetched, snapshots made) and readies the pool.
pub(crate) async fn open(session: &Session, req: &Request, on: OnProgress<'_>) -> Result<Opened> {
    let mut fleet = match &req.source {
        Source::File(p) => spec::load(p)?,
        Source::Scan(d) => spec::scan(d)?,
    };
    if !req.only.is_empty() {
        let unknown: Vec<&String> = req
            .only
            .iter()
            .filter(|n| !fleet.teams.iter().any(|t| &t.name == *n))
            .collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = fleet.teams.iter().map(|t| t.name.as_str()).collect();
            return Err(crate::core::base::error::Error::Usage(format!(
                "--teams: no team {} in {} (teams: {})",
                unknown
                    .iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                fleet.origin,
                known.join(", ")
            )));
        }
        fleet.teams.retain(|t| req.only.contains(&t.name));
    }
    let cache = req.cache.clone().unwrap_or_else(fleet_core::default_cache);
    std::fs::create_dir_all(&cache).map_err(|e| crate::core::base::error::Error::io(&cache, e))?;
    let jobs = req.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let helm = session.helm().await?;
    let kube_version = req
        .kube_version
        .clone()
        .or_else(|| fleet.kube_version.clone())
        .or_else(|| session.config.kube_version.clone());
    let tick = counter("reading repositories", fleet.teams.len(), on);
    let teams = teams::load_all(&fleet.teams, &cache, jobs * 2, &tick).await;
    Ok(Opened {
        renderer: Arc::new(Renderer::new(helm, kube_version, &cache, jobs)),
        fleet,
        teams,
        cache,
        jobs,
    })
}

/// A scratch directory removed when dropped (also on cancellation).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Result<Scratch> {
    let d = std::env::temp_dir().join(format!("apwiz-fleet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).map_err(|e| crate::core::base::error::Error::io(&d, e))?;
    Ok(Scratch(d))
}

/// Total team environments (for progress).
fn envs_total(teams: &[Loaded]) -> usize {
    teams
        .iter()
        .map(|l| l.team.as_ref().map_or(1, |t| t.environments().len()))
        .sum()
}

/// The session's chart as the candidate, hashed.
async fn candidate(session: &Session, opened: &Opened) -> Result<Hashed> {
    let chart = session.chart()?;
    opened
        .renderer
        .chart(
            &chart.path.to_string_lossy(),
            Some(&chart.meta.version),
            Path::new("."),
        )
        .await
}

/// What the session's chart (the candidate) does to every team × environment. `diffs`: the
/// teams whose full diffs to keep (`Some(empty)`: all).
pub(crate) async fn impact(
    session: &Session,
    req: &Request,
    diffs: Option<BTreeSet<String>>,
    on: OnProgress<'_>,
) -> Result<Impact> {
    let opened = open(session, req, on).await?;
    let candidate = candidate(session, &opened).await?;
    impact_of(session, &opened, candidate, diffs, "impact", on).await
}

/// Every team's pins, policies and live releases; `newest` is the version pins are compared
/// with (default: the session's chart's).
pub(crate) async fn status(
    session: &Session,
    req: &Request,
    newest: Option<String>,
    on: OnProgress<'_>,
) -> Result<Status> {
    status_each(session, req, newest, on, &|_, _| {}).await
}

/// [`status`], telling `each` every team's status as soon as it is known (with its place in
/// the fleet): a front end fills its rows in as teams finish.
pub(crate) async fn status_each(
    session: &Session,
    req: &Request,
    newest: Option<String>,
    on: OnProgress<'_>,
    each: &(dyn Fn(usize, &TeamStatus) + Sync),
) -> Result<Status> {
    let opened = open(session, req, on).await?;
    let newest = match newest {
        Some(v) => v,
        None => session.chart()?.meta.version.clone(),
    };
    let checker = session.checker(true).await?;
    let tick = counter("checking", opened.teams.len(), on);
    Ok(status::run(
        status::Request {
            fleet: &opened.fleet,
            teams: opened.teams,
            newest,
            renderer: opened.renderer.clone(),
            policies: checker.policies,
            config: &session.config,
            jobs: opened.jobs,
        },
        status::OnTeam {
            progress: &tick,
            each,
        },
    )
    .await)
}

/// What `upgrade` would do, worked out before anything is made: the chart moved to and, per
/// team, its impact (with the full diffs) and the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct UpgradePlan {
    pub chart: String,
    pub version: String,
    pub teams: Vec<PlannedTeam>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedTeam {
    pub impact: TeamImpact,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The commit the branch would start from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// The session's chart as the target version.
fn target_version(session: &Session, to: Option<&str>) -> Result<()> {
    let chart = session.chart()?;
    if let Some(v) = to
        && v != chart.meta.version
    {
        return Err(crate::core::base::error::Error::needs(
            crate::core::base::error::Setting::Chart,
            format!(
                "--to {v}: the chart at hand ({}) is {} {}; choose the chart of version {v} (for a registry: --chart oci://… --chart-version {v})",
                chart.display, chart.meta.name, chart.meta.version
            ),
        ));
    }
    Ok(())
}

/// The impact of the session's chart on the opened fleet (`diffs` as for [`impact`]).
async fn impact_of(
    session: &Session,
    opened: &Opened,
    candidate: Hashed,
    diffs: Option<BTreeSet<String>>,
    scratch_name: &str,
    on: OnProgress<'_>,
) -> Result<Impact> {
    let checker = session.checker(true).await?;
    let work = scratch(scratch_name)?;
    let tick = counter("rendering", envs_total(&opened.teams), on);
    Ok(impact::run(
        impact::Request {
            fleet: &opened.fleet,
            teams: &opened.teams,
            candidate,
            candidate_source: session.pin()?.source,
            renderer: opened.renderer.clone(),
            policies: checker.policies,
            diffs,
            jobs: opened.jobs,
            scratch: work.0.clone(),
        },
        &tick,
    )
    .await)
}

/// What [`upgrade`] would do to each team, nothing made: the impact, then each team's verdict
/// (a branch that exists already is a skip, as the upgrade would find it).
pub(crate) async fn plan_upgrade(
    session: &Session,
    req: &Request,
    to: Option<&str>,
    on: OnProgress<'_>,
) -> Result<UpgradePlan> {
    target_version(session, to)?;
    let opened = open(session, req, on).await?;
    let candidate = candidate(session, &opened).await?;
    let meta = candidate.chart.meta.clone();
    let impact = impact_of(
        session,
        &opened,
        candidate,
        Some(BTreeSet::new()),
        "plan",
        on,
    )
    .await?;
    let mut teams = Vec::new();
    for (loaded, row) in opened.teams.iter().zip(impact.teams) {
        let (verdict, from) = match &loaded.team {
            Err(why) => (Verdict::Skips { why: why.clone() }, None),
            Ok(team) => {
                let mut v = fleet_upgrade::decide(team, &row, &meta);
                if let Verdict::Moves { branch, repository } = &v
                    && crate::core::fleet::git::branch_exists(repository, branch).await?
                {
                    v = Verdict::Skips {
                        why: format!("branch {branch} exists already in {}", repository.display()),
                    };
                }
                (v, Some(team.short_commit().to_string()))
            }
        };
        teams.push(PlannedTeam {
            impact: row,
            verdict,
            from,
        });
    }
    Ok(UpgradePlan {
        chart: meta.name,
        version: meta.version,
        teams,
    })
}

/// Moves every team to the session's chart (`to`, when given, must be its version), one branch
/// and commit per team, in the team's repository; a team that would break is skipped. Teams are
/// moved one after another (each runs `upgrade-chart`'s renders itself).
pub(crate) async fn upgrade(
    session: &Session,
    req: &Request,
    to: Option<&str>,
    on: OnProgress<'_>,
) -> Result<Vec<Outcome>> {
    target_version(session, to)?;
    let opened = open(session, req, on).await?;
    let candidate = candidate(session, &opened).await?;
    let source = session.pin()?.source;
    let impact = impact_of(session, &opened, candidate.clone(), None, "upgrade", on).await?;
    let mv = fleet_upgrade::Move {
        renderer: &opened.renderer,
        candidate: &candidate,
        candidate_source: &source,
        cache: &opened.cache,
    };
    let tick = counter("upgrading", opened.teams.len(), on);
    let mut out = Vec::new();
    for (loaded, row) in opened.teams.iter().zip(&impact.teams) {
        let outcome = match &loaded.team {
            Err(why) => Outcome::skipped(&loaded.spec.name, why.clone()),
            Ok(team) => fleet_upgrade::one(&mv, team, row)
                .await
                .unwrap_or_else(|e| Outcome::skipped(&loaded.spec.name, e.to_string())),
        };
        tick(&loaded.spec.name);
        out.push(outcome);
    }
    Ok(out)
}
