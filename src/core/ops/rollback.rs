//! A rollback: the revision it goes to, the current manifest against the target's, the target's
//! hooks (they run on rollback), helm's command line and the watch.
use std::time::Duration;

use serde_json::json;

use crate::core::base::error::{Error, Result};
use crate::core::base::helm::Helm;
use crate::core::ops::{Helmed, Operation, first_phase, target};
use crate::core::release::diff::{self, Change};
use crate::core::release::events::{Emitter, Phase};
use crate::core::release::ops::{self, HookObject};
use crate::core::release::records::{self, History};
use crate::core::release::{Cluster, Target, lease, watch};
use crate::core::session::Session;

/// Connects to `target` (refused when read-only) and plans the rollback of `release`.
pub(crate) async fn open(
    session: &Session,
    target: &Target,
    release: String,
    revision: Option<u64>,
    timeout: Duration,
) -> Result<RollbackPlan> {
    let (cluster, helm) = target::cluster_and_helm(session, target, Some("rollback")).await?;
    plan(cluster, helm, release, revision, timeout).await
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
    /// Another apwiz holds the release's Lease: who, since when (`y` is refused).
    pub held: Option<Box<lease::Refusal>>,
}

impl Operation for RollbackPlan {
    fn run(&self, emitter: Emitter) -> ops::Run<'_> {
        let h = Helmed {
            name: "rollback",
            cluster: &self.cluster,
            helm: &self.helm,
            argv: &self.argv,
            spec: &self.spec,
            first_phase: self.first_phase,
        };
        h.run(
            json!({"from": self.from, "to": self.to, "changes": self.changes.len()}),
            emitter,
        )
    }
}

/// The revision a rollback goes to: `revision`, else the newest earlier one that was deployed.
pub(crate) fn rollback_target(history: &History, revision: Option<u64>) -> Result<u64> {
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
pub(crate) async fn plan(
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
    let (cur, tgt, held) = futures::try_join!(
        records::open(&cluster, &release, Some(current.revision)),
        records::open(&cluster, &release, Some(to)),
        async { Ok(lease::held(&cluster, &release).await) }
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
        held,
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
