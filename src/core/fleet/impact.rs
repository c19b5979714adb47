//! What a candidate chart does to every team × environment before it ships: each rendered with
//! the chart it is pinned to and with the candidate (the candidate's migrations applied to the
//! team's files first, as `apwiz upgrade-chart` would), the two diffed and classified. A team
//! pinned to exactly the candidate's content is not rendered (skipped by hash); every render is
//! cached by content hash ([`render`](super::render)).
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use serde::Serialize;

use crate::core::base::error::{Error, Result};
use crate::core::base::helm;
use crate::core::check::manifests;
use crate::core::check::pipeline::{failure_finding, off_thread};
use crate::core::check::policies::Policies;
use crate::core::check::report::{Finding, Severity, Source};
use crate::core::fleet::render::{Clock, Hashed, Output, Renderer, Stats, schema_errors};
use crate::core::fleet::spec::Fleet;
use crate::core::fleet::teams::{Header, Loaded, Team};
use crate::core::inputs::answers::ChartPin;
use crate::core::inputs::team_files;
use crate::core::release::diff::{self, Change, PathChange};
use crate::core::scaffold::overrides;
use crate::core::upgrade;
use crate::core::values::read::parse_values;

/// What the candidate does to one environment of one team, mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Renders the same objects.
    Unchanged,
    /// Objects or fields change; no pod restarts.
    Changes,
    /// A pod template changes: the workload's pods are replaced.
    Restarts,
    /// An immutable field changes: `helm upgrade` fails unless the object is recreated.
    Recreates,
    /// The files already fail on the chart they are pinned to (not the candidate's doing).
    FailsToday,
    /// The candidate does not render, its schema refuses the files, or a policy now denies.
    Breaks,
}

impl Class {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Class::Unchanged => "unchanged",
            Class::Changes => "changes",
            Class::Restarts => "restarts",
            Class::Recreates => "recreates",
            Class::FailsToday => "fails-today",
            Class::Breaks => "breaks",
        }
    }
}

/// An immutable field the candidate changes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Immutable {
    pub object: String,
    pub path: String,
    pub why: String,
}

/// One environment of one team.
#[derive(Debug, Clone, Serialize)]
pub struct EnvImpact {
    /// `None`: values.yaml alone (the team lists no environment).
    pub env: Option<String>,
    pub class: Class,
    /// Objects added, removed or changed.
    pub objects: usize,
    /// Fields changed in changed objects.
    pub fields: usize,
    /// Workloads whose pod template changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub restarts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recreates: Vec<Immutable>,
    /// The first error, when the class is breaks or fails-today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Keys the candidate's migrations move in the team's files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub migrated: Vec<String>,
    /// The full diff, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<Change>>,
}

impl EnvImpact {
    /// An environment the candidate leaves as it is (until compared).
    fn unchanged(env: Option<String>) -> EnvImpact {
        EnvImpact {
            env,
            class: Class::Unchanged,
            objects: 0,
            fields: 0,
            restarts: Vec::new(),
            recreates: Vec::new(),
            error: None,
            migrated: Vec::new(),
            changes: None,
        }
    }
}

/// One team's row.
#[derive(Debug, Clone, Serialize)]
pub struct TeamImpact {
    #[serde(flatten)]
    pub header: Header,
    pub environments: Vec<EnvImpact>,
}

impl TeamImpact {
    /// The worst class of the team's environments (`None`: the team could not be read).
    pub(crate) fn worst(&self) -> Option<Class> {
        self.environments.iter().map(|e| e.class).max()
    }
}

/// Counts for one environment name across the fleet.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Counts {
    pub teams: usize,
    pub unchanged: usize,
    /// Every class but unchanged, fails-today and breaks.
    pub changes: usize,
    pub restarts: usize,
    pub recreates: usize,
    pub breaks: usize,
    pub fails_today: usize,
}

/// The whole answer.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Impact {
    pub candidate: ChartPin,
    pub teams: Vec<TeamImpact>,
    /// Environment name (`values.yaml` for teams without one) → counts.
    pub summary: BTreeMap<String, Counts>,
    /// Teams that could not be read.
    pub unreadable: usize,
    /// The chart's version labels sit in pod templates: any version change restarts pods
    /// (left out of the classes above, which show what the chart change itself does).
    pub version_label_restarts: bool,
    pub stats: Stats,
}

impl Impact {
    /// Whether any team breaks (the chart repository's CI gate).
    pub(crate) fn breaks(&self) -> bool {
        self.teams.iter().any(|t| t.worst() == Some(Class::Breaks))
    }
}

/// What one run needs.
pub(crate) struct Request<'a> {
    pub fleet: &'a Fleet,
    pub teams: &'a [Loaded],
    pub candidate: Hashed,
    pub candidate_source: String,
    pub renderer: Arc<Renderer>,
    pub policies: Option<Arc<Mutex<Policies>>>,
    /// Teams whose full diffs to keep (`None`: none; an empty set: every team).
    pub diffs: Option<BTreeSet<String>>,
    pub jobs: usize,
    /// Scratch space for migrated files (removed by the caller).
    pub scratch: PathBuf,
}

/// Labels that name the chart's version: they change with every version.
const VERSION_LABELS: [&str; 2] = ["[\"helm.sh/chart\"]", "[\"app.kubernetes.io/version\"]"];

fn is_version_label(p: &PathChange) -> bool {
    VERSION_LABELS.iter().any(|l| p.path.ends_with(l))
}

/// The kinds whose pod template change replaces their pods.
fn restarts_pods(object: &str, path: &str) -> bool {
    let kind = object.split('/').next().unwrap_or_default();
    matches!(
        kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
    ) && (path == "spec.template" || path.starts_with("spec.template."))
}

/// Why a path cannot change in place: the rules of `upgrade-chart`, and a Service's type.
fn immutable(object: &str, path: &str) -> Option<String> {
    if let Some(why) = upgrade::breaking_reason(object, path) {
        return Some(why.to_string());
    }
    (object.starts_with("Service/") && path == "spec.type").then(|| {
        "a Service's type change releases or reallocates its address (clusterIP / load balancer)"
            .to_string()
    })
}

/// Classifies a diff (version labels already left out).
fn classify(changes: &[Change]) -> (Class, usize, Vec<String>, Vec<Immutable>) {
    let mut fields = 0;
    let mut restarts = BTreeSet::new();
    let mut recreates = Vec::new();
    for c in changes {
        if let Change::Changed { object, paths } = c {
            fields += paths.len();
            for p in paths {
                if let Some(why) = immutable(object, &p.path) {
                    recreates.push(Immutable {
                        object: object.clone(),
                        path: p.path.clone(),
                        why,
                    });
                } else if restarts_pods(object, &p.path) {
                    restarts.insert(object.clone());
                }
            }
        }
    }
    let class = if !recreates.is_empty() {
        Class::Recreates
    } else if !restarts.is_empty() {
        Class::Restarts
    } else if !changes.is_empty() {
        Class::Changes
    } else {
        Class::Unchanged
    };
    (class, fields, restarts.into_iter().collect(), recreates)
}

/// The changes without the version labels; whether a pod template's version label changed.
fn without_version_labels(changes: Vec<Change>) -> (Vec<Change>, bool) {
    let mut in_pods = false;
    let out = changes
        .into_iter()
        .filter_map(|c| match c {
            Change::Changed { object, paths } => {
                in_pods |= paths
                    .iter()
                    .any(|p| is_version_label(p) && restarts_pods(&object, &p.path));
                let paths: Vec<PathChange> =
                    paths.into_iter().filter(|p| !is_version_label(p)).collect();
                (!paths.is_empty()).then_some(Change::Changed { object, paths })
            }
            other => Some(other),
        })
        .collect();
    (out, in_pods)
}

/// The first error of a failed render, worded like `apwiz validate`.
fn first_render_error(out: &Output) -> String {
    match helm::parse_failures(&out.stderr).first() {
        Some(f) => failure_finding(f, None, Source::Template).message,
        None => out
            .stderr
            .lines()
            .find(|l| l.starts_with("Error:"))
            .or_else(|| out.stderr.lines().find(|l| !l.trim().is_empty()))
            .unwrap_or("helm template failed")
            .trim()
            .to_string(),
    }
}

/// The policy errors of a rendered manifest stream, keyed by rule and object.
pub(crate) async fn policy_errors(
    policies: &Option<Arc<Mutex<Policies>>>,
    manifest: &str,
    clock: &Clock,
) -> Result<Vec<Finding>> {
    let Some(p) = policies.clone() else {
        return Ok(Vec::new());
    };
    let text = manifest.to_string();
    let (found, took) = off_thread(move || {
        let objects = manifests::parse(&text).map_err(|(loc, msg)| {
            Error::Invalid(format!(
                "the rendered manifests do not parse (line {}): {msg}",
                loc.line
            ))
        })?;
        let mut engine = p.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Timed inside the lock: the evaluation itself, not the wait for the engine.
        let t = std::time::Instant::now();
        let found = engine.evaluate(&objects);
        Ok::<_, Error>((found, t.elapsed()))
    })
    .await??;
    clock.add(took);
    Ok(found)
}

/// The team's files migrated for the candidate (when its migrations move a key the files set):
/// the files to render with, and the moves.
fn migrate(
    team: &Team,
    candidate: &Hashed,
    env: Option<&str>,
    files: &[PathBuf],
    scratch: &Path,
) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let steps = upgrade::steps(
        &candidate.chart,
        &team.pin.version,
        &candidate.chart.meta.version,
    )?;
    if steps.is_empty() {
        return Ok((files.to_vec(), Vec::new()));
    }
    let dir = scratch
        .join(crate::core::fleet::git::tag(&team.spec.name))
        .join(env.unwrap_or("-"));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut out = Vec::new();
    let mut moved = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let values = parse_values(&text)
            .map_err(|e| Error::Invalid(format!("{name}: {}", e.message)))?
            .value;
        let (new_text, applied) = overrides::move_keys(&text, &upgrade::moves_for(&values, &steps))
            .map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
        for m in applied {
            moved.push(match &m.to {
                Some(to) => format!("{name}: {} → {}", m.from.join("."), to.join(".")),
                None => format!("{name}: {} removed", m.from.join(".")),
            });
        }
        let p = dir.join(&name);
        std::fs::write(&p, new_text).map_err(|e| Error::io(&p, e))?;
        out.push(p);
    }
    Ok((out, moved))
}

struct EnvRun<'a> {
    req: &'a Request<'a>,
    team: &'a Team,
    pinned: &'a Hashed,
}

impl EnvRun<'_> {
    fn namespace(&self, env: Option<&str>) -> String {
        env.and_then(|e| self.req.fleet.environments.get(e))
            .map(|t| t.namespace_for(&self.team.answers.name, env.unwrap_or_default()))
            .unwrap_or_else(|| "default".into())
    }

    async fn run(&self, env: Option<String>) -> (EnvImpact, bool) {
        let mut row = EnvImpact::unchanged(env.clone());
        let in_pods = match self.compare(env.as_deref(), &mut row).await {
            Ok(in_pods) => in_pods,
            Err(e) => {
                row.class = Class::FailsToday;
                row.error = Some(e.to_string());
                false
            }
        };
        // Files are named as in the team's repository, not as in the cache.
        if let Some(e) = &mut row.error {
            let shown = format!("{}/", self.team.rel_dir);
            *e = e.replace(&format!("{}/", self.team.dir.display()), &shown);
            *e = e.replace(&format!("{}/", self.req.scratch.display()), "");
        }
        (row, in_pods)
    }

    async fn compare(&self, env: Option<&str>, row: &mut EnvImpact) -> Result<bool> {
        let req = self.req;
        let files: Vec<PathBuf> = team_files(&self.team.dir, env)?
            .into_iter()
            .map(|f| f.path)
            .collect();
        let (new_files, migrated) = migrate(self.team, &req.candidate, env, &files, &req.scratch)?;
        row.migrated = migrated;
        let release = self.team.answers.name.as_str();
        let ns = self.namespace(env);
        let (old, new) = tokio::join!(
            req.renderer.render(self.pinned, release, &ns, &files),
            req.renderer
                .render(&req.candidate, release, &ns, &new_files),
        );
        let (old, new) = (old?, new?);
        let clock = &req.renderer.schema_time;
        // The schema in process: helm renders without it.
        let refused = schema_errors(&req.candidate, &new_files, clock).await?;
        let old_refused = if refused.is_empty() {
            Vec::new()
        } else {
            schema_errors(self.pinned, &files, clock).await?
        };
        let old_error = match old_refused.first() {
            Some(f) => Some(format!("schema: {}", f.to_text())),
            None => (!old.success).then(|| first_render_error(&old)),
        };
        if let Some(first) = &old_error {
            row.class = Class::FailsToday;
            row.error = Some(format!("fails on its pin already: {first}"));
            if !new.success || !refused.is_empty() {
                return Ok(false);
            }
        }
        if let Some(f) = refused.first() {
            row.class = Class::Breaks;
            row.error = Some(format!("schema: {}", f.to_text()));
            return Ok(false);
        }
        if !new.success {
            row.class = Class::Breaks;
            row.error = Some(first_render_error(&new));
            return Ok(false);
        }
        let old_ok = old_error.is_none();
        let (changes, in_pods) = if old_ok {
            without_version_labels(diff::diff_manifests(&old.stdout, &new.stdout, &ns)?)
        } else {
            (Vec::new(), false)
        };
        if !changes.is_empty() || !old_ok {
            // Only a changed render can change what the policies say.
            let now = policy_errors(&req.policies, &new.stdout, &req.renderer.policy_time).await?;
            let denied: Vec<&Finding> = now
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            if !denied.is_empty() {
                let before = if old_ok {
                    policy_errors(&req.policies, &old.stdout, &req.renderer.policy_time).await?
                } else {
                    Vec::new()
                };
                let key = |f: &Finding| (f.rule.clone(), f.object.clone());
                let had: BTreeSet<_> = before
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(key)
                    .collect();
                if let Some(f) = denied.into_iter().find(|f| !had.contains(&key(f))) {
                    row.class = Class::Breaks;
                    row.error = Some(format!("policy: {}", f.to_text()));
                    return Ok(in_pods);
                }
            }
        }
        if !old_ok {
            return Ok(false);
        }
        let (class, fields, restarts, recreates) = classify(&changes);
        row.class = class;
        row.objects = changes.len();
        row.fields = fields;
        row.restarts = restarts;
        row.recreates = recreates;
        if req
            .diffs
            .as_ref()
            .is_some_and(|d| d.is_empty() || d.contains(&self.team.spec.name))
        {
            row.changes = Some(changes);
        }
        Ok(in_pods)
    }
}

/// One team: every environment, or the reason it cannot be read.
async fn team_impact(
    req: &Request<'_>,
    loaded: &Loaded,
    progress: &(dyn Fn(&str) + Sync),
) -> (TeamImpact, bool, usize) {
    let mut header = loaded.header();
    let mut environments = Vec::new();
    let mut in_pods = false;
    let mut skipped = 0;
    if let Ok(team) = &loaded.team {
        match req.renderer.pinned(&team.pin, &team.dir).await {
            Err(e) => header.error = Some(format!("the pinned chart: {e}")),
            Ok(pinned) if pinned.hash == req.candidate.hash => {
                // Pinned to exactly the candidate's content: nothing to render.
                for env in team.environments() {
                    skipped += 1;
                    progress(&team.spec.name);
                    let mut row = EnvImpact::unchanged(env);
                    row.changes = req.diffs.as_ref().map(|_| Vec::new());
                    environments.push(row);
                }
            }
            Ok(pinned) => {
                let run = EnvRun {
                    req,
                    team,
                    pinned: &pinned,
                };
                let rows = futures::future::join_all(team.environments().into_iter().map(|env| {
                    let run = &run;
                    async move {
                        let r = run.run(env).await;
                        progress(&team.spec.name);
                        r
                    }
                }))
                .await;
                for (row, pods) in rows {
                    in_pods |= pods;
                    environments.push(row);
                }
            }
        }
    } else {
        progress(&loaded.spec.name);
    }
    (
        TeamImpact {
            header,
            environments,
        },
        in_pods,
        skipped,
    )
}

/// Runs the comparison over every team (`jobs` teams at a time; helm bounded by the renderer's
/// pool); `progress` is told each environment done.
pub(crate) async fn run(req: Request<'_>, progress: &(dyn Fn(&str) + Sync)) -> Impact {
    let results: Vec<(TeamImpact, bool, usize)> = futures::stream::iter(req.teams.iter())
        .map(|loaded| team_impact(&req, loaded, progress))
        .buffered(req.jobs.max(1) * 2)
        .collect()
        .await;
    let mut summary: BTreeMap<String, Counts> = BTreeMap::new();
    let mut version_label_restarts = false;
    let mut skipped = 0;
    let mut teams = Vec::new();
    for (t, in_pods, s) in results {
        version_label_restarts |= in_pods;
        skipped += s;
        for e in &t.environments {
            let c = summary
                .entry(e.env.clone().unwrap_or_else(|| "values.yaml".into()))
                .or_default();
            c.teams += 1;
            match e.class {
                Class::Unchanged => c.unchanged += 1,
                Class::Breaks => c.breaks += 1,
                Class::FailsToday => c.fails_today += 1,
                _ => c.changes += 1,
            }
            c.restarts += usize::from(!e.restarts.is_empty());
            c.recreates += usize::from(!e.recreates.is_empty());
        }
        teams.push(t);
    }
    let mut stats = req.renderer.stats();
    stats.skipped_same_chart = skipped;
    Impact {
        candidate: ChartPin {
            name: req.candidate.chart.meta.name.clone(),
            version: req.candidate.chart.meta.version.clone(),
            source: req.candidate_source.clone(),
        },
        unreadable: teams.iter().filter(|t| t.header.error.is_some()).count(),
        teams,
        summary,
        version_label_restarts,
        stats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(object: &str, paths: &[&str]) -> Change {
        Change::Changed {
            object: object.into(),
            paths: paths
                .iter()
                .map(|p| PathChange {
                    path: (*p).into(),
                    old: None,
                    new: None,
                    hidden: false,
                })
                .collect(),
        }
    }

    #[test]
    fn classes_from_the_paths_that_change() {
        assert_eq!(classify(&[]).0, Class::Unchanged);
        assert_eq!(
            classify(&[changed("ConfigMap/a", &["data.x"])]).0,
            Class::Changes
        );
        let (c, fields, restarts, _) = classify(&[changed(
            "Deployment/web",
            &[
                "spec.template.spec.containers[0].resources.limits.cpu",
                "spec.replicas",
            ],
        )]);
        assert_eq!(
            (c, fields, restarts),
            (Class::Restarts, 2, vec!["Deployment/web".to_string()])
        );
        assert_eq!(
            classify(&[changed(
                "Deployment/web",
                &["spec.selector.matchLabels[\"x\"]"]
            )])
            .0,
            Class::Recreates
        );
        assert_eq!(
            classify(&[changed("Service/web", &["spec.type"])]).0,
            Class::Recreates
        );
        assert_eq!(
            classify(&[changed(
                "CronJob/c",
                &["spec.jobTemplate.spec.template.spec.x"]
            )])
            .0,
            Class::Changes
        );
    }

    #[test]
    fn version_labels_are_left_out_but_noticed_in_pod_templates() {
        let (out, in_pods) = without_version_labels(vec![changed(
            "Deployment/web",
            &[
                "metadata.labels[\"helm.sh/chart\"]",
                "spec.template.metadata.labels[\"helm.sh/chart\"]",
            ],
        )]);
        assert!(out.is_empty());
        assert!(in_pods);
    }
}
