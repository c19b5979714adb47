//! A deploy, planned once for every front end: validation (refused on errors), the render, the
//! pre-checks in parallel with nothing changed, the diff against the live release, the hooks by
//! event and weight, the timeout, helm's command line and the watch. The CLI prints the plan and
//! asks; the TUI shows it and asks; both then hand [`DeployPlan::run`] to
//! [`ops::run`](crate::core::release::ops::run). The release's description defaults to the git
//! commit of the team's directory, whichever front end deploys.
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::core::base::error::{Error, Result};
use crate::core::base::helm::Helm;
use crate::core::check::Checker;
use crate::core::check::pipeline;
use crate::core::check::report::{Finding, Report};
use crate::core::inputs::Inputs;
use crate::core::ops::{Helmed, Operation, first_phase, target};
use crate::core::release::diff::{self, Change};
use crate::core::release::events::{Emitter, Phase};
use crate::core::release::ops::{self, HookObject};
use crate::core::release::prechecks::{self, Check, Status};
use crate::core::release::records::{self, History};
use crate::core::release::{Cluster, Target, watch};

/// What the user chose for a deploy beyond the values.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Helm's `--timeout` (default: from the hooks' deadlines, see `prechecks::default_timeout`).
    pub timeout: Option<Duration>,
    pub max_history: Option<u32>,
    /// Helm's `--description` ([`plan_request`] defaults it to the git commit of the team's
    /// directory).
    pub description: Option<String>,
    /// Skip the hooks (`--no-hooks`): a values-only change such as a canary's weight step.
    pub no_hooks: bool,
    /// `--set`s added to the team's (a canary step's).
    pub sets: Vec<String>,
}

/// How planning a deploy ended.
#[derive(Debug)]
pub enum DeployPlanning {
    /// Validation found errors: nothing is deployed.
    Invalid(Report),
    /// `helm template` failed.
    RenderFailed(Vec<Finding>),
    Ready(Box<DeployPlan>),
}

/// A deploy, worked out.
#[derive(Debug, Clone)]
pub struct DeployPlan {
    pub release: String,
    pub cluster: Cluster,
    pub helm: Helm,
    /// `upgrade` (the release exists) or `install`.
    pub event: &'static str,
    /// The latest revision now (`None`: a first install).
    pub revision: Option<u64>,
    /// The revision a failed upgrade returns to (the last `deployed`).
    pub rollback_to: Option<u64>,
    pub chart: String,
    pub app_version: Option<String>,
    pub helm_version: String,
    /// The validation report (no errors; warnings are shown).
    pub report: Report,
    pub checks: Vec<Check>,
    /// The live manifest against the new render (secrets redacted).
    pub changes: Vec<Change>,
    /// The hooks of the render, in Helm's order (weight, then name).
    pub hooks: Vec<HookObject>,
    pub timeout: Duration,
    pub argv: Vec<String>,
    pub spec: watch::Spec,
    pub first_phase: Phase,
    /// What the run record keeps of the plan.
    pub record: Value,
}

impl DeployPlan {
    /// Why the deploy must not go on (a pre-check failed).
    pub(crate) fn blocked(&self) -> Option<String> {
        self.checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .map(|c| format!("pre-check {} failed: {}", c.name, c.message))
    }
}

impl Operation for DeployPlan {
    fn reads_notes(&self) -> Option<(&Cluster, &str)> {
        Some((&self.cluster, &self.release))
    }

    fn run(&self, emitter: Emitter) -> ops::Run<'_> {
        let h = Helmed {
            name: "deploy",
            cluster: &self.cluster,
            helm: &self.helm,
            argv: &self.argv,
            spec: &self.spec,
            first_phase: self.first_phase,
        };
        h.run(self.record.clone(), emitter)
    }
}

/// Validates (stops on errors), renders, runs the pre-checks in parallel with nothing changed,
/// reads the live release and diffs it with the render, and builds helm's command line.
pub(crate) async fn plan(
    checker: Checker,
    mut inputs: Inputs,
    cluster: Cluster,
    opts: DeployOptions,
) -> Result<DeployPlanning> {
    let helm = checker
        .helm
        .clone()
        .ok_or_else(crate::core::base::helm::not_found)?;
    inputs.namespace = Some(cluster.namespace.clone());
    for raw in &opts.sets {
        let expr = crate::core::values::setexpr::SetExpr::parse(raw)
            .map_err(|e| Error::Usage(format!("--set {raw:?}: {e}")))?;
        inputs.sets.push(expr);
    }
    let release = inputs.release.clone();
    let report = pipeline::validate(checker.clone(), inputs.clone()).await?;
    if !report.ok {
        return Ok(DeployPlanning::Invalid(report));
    }
    let rendered = pipeline::render(checker.clone(), inputs.clone()).await?;
    if !rendered.findings.is_empty() {
        return Ok(DeployPlanning::RenderFailed(rendered.findings));
    }
    let objects: Vec<Value> = rendered.objects.iter().map(|o| o.value.clone()).collect();
    let timeout = opts
        .timeout
        .unwrap_or_else(|| prechecks::default_timeout(&objects));
    let history = records::list(&cluster, &release)
        .await
        .ok()
        .filter(|h| !h.revisions.is_empty());
    let input = prechecks::Input {
        objects: objects.clone(),
        kube_version: checker.chart.meta.kube_version.clone(),
        timeout,
        history: history.clone(),
        release: release.clone(),
    };
    let live = async {
        match &history {
            Some(_) => records::open(&cluster, &release, None)
                .await
                .map(|r| r.raw_manifest)
                .unwrap_or_default(),
            None => String::new(),
        }
    };
    let (checks, live) = tokio::join!(prechecks::run(&cluster, &input), live);
    let changes = diff::diff_manifests(&live, &rendered.manifests, &cluster.namespace)?;
    let event = if history.is_some() {
        "upgrade"
    } else {
        "install"
    };
    let rollback_to = last_deployed(history.as_ref());
    let hooks = if opts.no_hooks {
        Vec::new()
    } else {
        ops::hooks_of(&objects)
    };
    let spec = ops::watch_spec(
        &cluster,
        &release,
        &hooks,
        &format!("pre-{event}"),
        &format!("post-{event}"),
        rollback_to,
    );
    let flags = ops::DeployFlags {
        timeout,
        max_history: opts.max_history,
        description: opts.description.clone(),
        no_hooks: opts.no_hooks,
    };
    let files: Vec<_> = inputs.files.iter().map(|f| f.path.clone()).collect();
    let sets: Vec<String> = inputs.sets.iter().map(|s| s.raw.clone()).collect();
    let argv = ops::upgrade_argv(
        &helm,
        &cluster,
        &release,
        &checker.chart.path.display().to_string(),
        &files,
        &sets,
        &flags,
    );
    let record = json!({
        "event": event, "files": inputs.files.iter().map(|f| f.display.clone()).collect::<Vec<_>>(),
        "hooks": hooks, "changes": changes.len(), "timeoutSeconds": timeout.as_secs(),
        "description": opts.description, "prechecks": checks,
    });
    Ok(DeployPlanning::Ready(Box::new(DeployPlan {
        first_phase: first_phase(&spec),
        revision: history
            .as_ref()
            .and_then(|h| h.latest())
            .map(|r| r.revision),
        rollback_to,
        chart: format!("{}-{}", checker.chart.meta.name, checker.chart.meta.version),
        app_version: checker.chart.meta.app_version.clone(),
        helm_version: helm.version.to_string(),
        release,
        cluster,
        helm,
        event,
        report,
        checks,
        changes,
        hooks,
        timeout,
        argv,
        spec,
        record,
    })))
}

/// The newest revision in state `deployed`.
fn last_deployed(h: Option<&History>) -> Option<u64> {
    h?.revisions
        .iter()
        .rev()
        .find(|r| r.status == "deployed")
        .map(|r| r.revision)
}

/// A deploy asked for by a front end: where, which team files, which options. The inputs are
/// resolved in the background (a TUI's update never reads files).
#[derive(Debug, Clone, Default)]
pub struct DeployRequest {
    pub target: Target,
    pub request: crate::core::inputs::Request,
    pub opts: DeployOptions,
}

/// Resolves the team's files (checked against the pinned chart), connects and plans; without a
/// description, the git commit of the team's directory.
pub(crate) async fn plan_request(
    session: std::sync::Arc<crate::core::session::Session>,
    req: DeployRequest,
) -> Result<DeployPlanning> {
    let s2 = session.clone();
    let r2 = req.request.clone();
    let inputs = pipeline::off_thread(move || {
        crate::core::inputs::resolve(&r2, s2.config.kube_version.as_deref())
    })
    .await??;
    // A team pinned to a chart in a registry gets that chart (pulled once into the cache).
    if let Some(pin) = &inputs.pin {
        session.follow_pin(pin).await?;
    }
    session.check_pin(&inputs)?;
    let mut target = req.target.clone();
    if target.namespace.is_none() {
        target.namespace = inputs.namespace.clone();
    }
    let cluster = target::cluster(&session, &target, Some("deploy")).await?;
    let checker = session.checker(true).await?;
    let mut opts = req.opts;
    if opts.description.is_none() {
        let dir = inputs.dir.clone();
        opts.description = pipeline::off_thread(move || dir.as_deref().and_then(git_commit))
            .await
            .ok()
            .flatten();
    }
    plan(checker, inputs, cluster, opts).await
}

/// `git -C dir describe`: the commit of the team's directory (`+dirty` with local changes).
pub(crate) fn git_commit(dir: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["-C"])
        .arg(dir)
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let commit = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let dirty = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["status", "--porcelain", "--", "."])
        .output()
        .ok()
        .is_some_and(|o| !o.stdout.is_empty());
    Some(format!("git {commit}{}", if dirty { "+dirty" } else { "" }))
}
