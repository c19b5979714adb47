//! The plans of the operations that change a release, shared by every front end: what a deploy
//! or a rollback will do (validation, pre-checks, the diff against the live release, the hooks by
//! event and weight, the timeout, helm's command line and the watch), worked out before anything
//! changes. The CLI prints a plan and asks; the TUI shows it and asks; both then hand
//! [`DeployPlan::run`] / [`RollbackPlan::run`] to [`ops::run`](crate::core::release::ops::run).
//!
//! Aggregator layer: it joins the check pipeline (validate, render) and the release engine.
use std::time::Duration;

use serde_json::{Value, json};

use crate::core::check::Checker;
use crate::core::check::pipeline;
use crate::core::check::report::{Finding, Report};
use crate::core::error::{Error, Result};
use crate::core::helm::Helm;
use crate::core::inputs::Inputs;
use crate::core::release::diff::{self, Change};
use crate::core::release::events::{Emitter, Phase};
use crate::core::release::ops::{self, HookObject};
use crate::core::release::prechecks::{self, Check, Status};
use crate::core::release::records::{self, History};
use crate::core::release::{Cluster, watch};

/// A planned operation: what to hand to [`ops::run`], and whether the new revision's NOTES are
/// worth reading afterwards.
pub trait Operation {
    fn run(&self, emitter: Emitter) -> ops::Run<'_>;
    /// The cluster and release whose new record to open after a success (a deploy's NOTES).
    fn reads_notes(&self) -> Option<(&Cluster, &str)> {
        None
    }
}

/// What the user chose for a deploy beyond the values.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Helm's `--timeout` (default: from the hooks' deadlines, see `prechecks::default_timeout`).
    pub timeout: Option<Duration>,
    pub max_history: Option<u32>,
    /// Helm's `--description` (the CLI defaults it to the git commit of the team's directory).
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
    pub fn blocked(&self) -> Option<String> {
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
        ops::Run {
            name: "deploy",
            cluster: &self.cluster,
            helm: &self.helm,
            argv: self.argv.clone(),
            spec: self.spec.clone(),
            first_phase: self.first_phase,
            plan: self.record.clone(),
            emitter,
            state_dir: None,
            interrupt: None,
            detachable: false,
        }
    }
}

/// The phase helm starts in: the pre-hooks when there are any.
fn first_phase(spec: &watch::Spec) -> Phase {
    if spec.pre_hooks.is_empty() {
        Phase::ApplyAndWait
    } else {
        Phase::PreHooks
    }
}

/// Validates (stops on errors), renders, runs the pre-checks in parallel with nothing changed,
/// reads the live release and diffs it with the render, and builds helm's command line.
pub async fn deploy(
    checker: Checker,
    mut inputs: Inputs,
    cluster: Cluster,
    opts: DeployOptions,
) -> Result<DeployPlanning> {
    let helm = checker
        .helm
        .clone()
        .ok_or_else(crate::core::helm::not_found)?;
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

/// A rollback, worked out.
#[derive(Debug, Clone)]
pub struct RollbackPlan {
    pub release: String,
    pub cluster: Cluster,
    pub helm: Helm,
    /// The revision now and its status.
    pub from: u64,
    pub from_status: String,
    pub to: u64,
    /// The current manifest against the target's.
    pub changes: Vec<Change>,
    /// The target's hooks (they run on rollback).
    pub hooks: Vec<HookObject>,
    pub timeout: Duration,
    pub argv: Vec<String>,
    pub spec: watch::Spec,
    pub first_phase: Phase,
}

impl Operation for RollbackPlan {
    fn run(&self, emitter: Emitter) -> ops::Run<'_> {
        ops::Run {
            name: "rollback",
            cluster: &self.cluster,
            helm: &self.helm,
            argv: self.argv.clone(),
            spec: self.spec.clone(),
            first_phase: self.first_phase,
            plan: json!({"from": self.from, "to": self.to, "changes": self.changes.len()}),
            emitter,
            state_dir: None,
            interrupt: None,
            detachable: false,
        }
    }
}

/// The revision a rollback goes to: `revision`, else the newest earlier one that was deployed.
pub fn rollback_target(history: &History, revision: Option<u64>) -> Result<u64> {
    let current = history
        .latest()
        .ok_or_else(|| records::not_found(&history.release, &history.namespace))?;
    match revision {
        Some(n) if history.revisions.iter().any(|r| r.revision == n) => Ok(n),
        Some(n) => Err(Error::Usage(format!(
            "{} has no revision {n} (revisions: {})",
            history.release,
            history
                .revisions
                .iter()
                .map(|r| r.revision.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        None => history
            .revisions
            .iter()
            .rev()
            .find(|r| {
                r.revision < current.revision
                    && (r.status == "deployed" || r.status == "superseded")
            })
            .map(|r| r.revision)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{} has no earlier revision to roll back to",
                    history.release
                ))
            }),
    }
}

/// Reads the history, the current and target revisions, and diffs them.
pub async fn rollback(
    cluster: Cluster,
    helm: Helm,
    release: String,
    revision: Option<u64>,
    timeout: Duration,
) -> Result<RollbackPlan> {
    let history = records::list(&cluster, &release).await?;
    let to = rollback_target(&history, revision)?;
    let current = history
        .latest()
        .ok_or_else(|| records::not_found(&release, &cluster.namespace))?
        .clone();
    let (cur, tgt) = futures::try_join!(
        records::open(&cluster, &release, Some(current.revision)),
        records::open(&cluster, &release, Some(to))
    )?;
    let changes = diff::diff_manifests(&cur.raw_manifest, &tgt.raw_manifest, &cluster.namespace)?;
    let hooks: Vec<HookObject> = tgt.hooks.iter().map(HookObject::from).collect();
    let spec = ops::watch_spec(
        &cluster,
        &release,
        &hooks,
        "pre-rollback",
        "post-rollback",
        None,
    );
    Ok(RollbackPlan {
        argv: ops::rollback_argv(&cluster, &release, Some(to), timeout),
        first_phase: first_phase(&spec),
        from: current.revision,
        from_status: current.status,
        to,
        changes,
        hooks,
        timeout,
        spec,
        release,
        cluster,
        helm,
    })
}

/// A deploy asked for by a front end: where, which team files, which options. The inputs are
/// resolved in the background (a TUI's update never reads files).
#[derive(Debug, Clone, Default)]
pub struct DeployRequest {
    pub target: crate::core::release::Target,
    pub request: crate::core::inputs::Request,
    pub opts: DeployOptions,
}

/// What a command hands to an interactive front end: a deploy to plan, or a release to watch.
#[derive(Debug, Clone)]
pub enum Intent {
    Deploy {
        request: Box<DeployRequest>,
        release: String,
    },
    Watch {
        target: crate::core::release::Target,
        release: String,
        /// The team's directory (for operations started from the screen: a canary step).
        dir: std::path::PathBuf,
    },
}

/// Resolves the team's files (checked against the pinned chart), connects and plans.
pub async fn deploy_request(
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
    let cluster = crate::core::release::connect(&target, &session.config).await?;
    cluster.require_writable("deploy")?;
    let checker = session.checker(true).await?;
    deploy(checker, inputs, cluster, req.opts).await
}

/// `helm test`, worked out: the release's test hooks (from its latest record) and the watch.
#[derive(Debug, Clone)]
pub struct TestPlan {
    pub release: String,
    pub cluster: Cluster,
    pub helm: Helm,
    pub revision: u64,
    pub tests: Vec<HookObject>,
    pub argv: Vec<String>,
    pub spec: watch::Spec,
}

impl Operation for TestPlan {
    fn run(&self, emitter: Emitter) -> ops::Run<'_> {
        ops::Run {
            name: "test",
            cluster: &self.cluster,
            helm: &self.helm,
            argv: self.argv.clone(),
            spec: self.spec.clone(),
            first_phase: Phase::Tests,
            plan: json!({"revision": self.revision, "tests": self.tests}),
            emitter,
            state_dir: None,
            interrupt: None,
            detachable: false,
        }
    }
}

/// Reads the release's latest record for its test hooks.
pub async fn test(
    cluster: Cluster,
    helm: Helm,
    release: String,
    timeout: Duration,
) -> Result<TestPlan> {
    let rec = records::open(&cluster, &release, None).await?;
    let tests: Vec<HookObject> = rec
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "test"))
        .map(HookObject::from)
        .collect();
    let mut spec = ops::watch_spec(&cluster, &release, &tests, "", "", None);
    spec.pre_hooks.clear();
    Ok(TestPlan {
        argv: ops::test_argv(&cluster, &release, timeout),
        revision: rec.revision,
        tests,
        spec,
        release,
        cluster,
        helm,
    })
}

/// An uninstall, worked out: what goes, what `helm.sh/resource-policy: keep` keeps, the delete
/// hooks.
#[derive(Debug, Clone)]
pub struct UninstallPlan {
    pub release: String,
    pub cluster: Cluster,
    pub helm: Helm,
    pub revision: u64,
    /// `Kind/name` of what is deleted and of what is kept.
    pub deleted: Vec<String>,
    pub kept: Vec<String>,
    pub hooks: Vec<HookObject>,
    pub argv: Vec<String>,
    pub spec: watch::Spec,
    pub first_phase: Phase,
}

impl Operation for UninstallPlan {
    fn run(&self, emitter: Emitter) -> ops::Run<'_> {
        ops::Run {
            name: "uninstall",
            cluster: &self.cluster,
            helm: &self.helm,
            argv: self.argv.clone(),
            spec: self.spec.clone(),
            first_phase: self.first_phase,
            plan: json!({"revision": self.revision, "deleted": self.deleted, "kept": self.kept, "hooks": self.hooks}),
            emitter,
            state_dir: None,
            interrupt: None,
            detachable: false,
        }
    }
}

/// Reads the latest record and splits its objects into deleted and kept.
pub async fn uninstall(
    cluster: Cluster,
    helm: Helm,
    release: String,
    timeout: Duration,
) -> Result<UninstallPlan> {
    let rec = records::open(&cluster, &release, None).await?;
    let objects = diff::objects(&rec.raw_manifest, &cluster.namespace)?;
    let (kept, deleted): (Vec<_>, Vec<_>) = objects.iter().partition(|(_, v)| {
        v["metadata"]["annotations"]["helm.sh/resource-policy"].as_str() == Some("keep")
    });
    let hooks: Vec<HookObject> = rec
        .hooks
        .iter()
        .filter(|h| {
            h.events
                .iter()
                .any(|e| e == "pre-delete" || e == "post-delete")
        })
        .map(HookObject::from)
        .collect();
    let spec = ops::watch_spec(
        &cluster,
        &release,
        &hooks,
        "pre-delete",
        "post-delete",
        None,
    );
    Ok(UninstallPlan {
        argv: ops::uninstall_argv(&cluster, &release, timeout),
        first_phase: first_phase(&spec),
        revision: rec.revision,
        deleted: deleted.iter().map(|(k, _)| k.to_string()).collect(),
        kept: kept.iter().map(|(k, _)| k.to_string()).collect(),
        hooks,
        spec,
        release,
        cluster,
        helm,
    })
}
