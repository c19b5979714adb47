//! An uninstall: what goes, what `helm.sh/resource-policy: keep` keeps, the delete hooks, helm's
//! command line and the watch.
use std::time::Duration;

use serde_json::json;

use crate::core::base::error::Result;
use crate::core::base::helm::Helm;
use crate::core::ops::{Helmed, Operation, first_phase, target};
use crate::core::release::diff;
use crate::core::release::events::{Emitter, Phase};
use crate::core::release::ops::{self, HookObject};
use crate::core::release::records;
use crate::core::release::{Cluster, Target, lease, watch};
use crate::core::session::Session;

/// Connects to `target` (refused when read-only) and plans the uninstall of `release`.
pub(crate) async fn open(
    session: &Session,
    target: &Target,
    release: String,
    timeout: Duration,
) -> Result<UninstallPlan> {
    let (cluster, helm) = target::cluster_and_helm(session, target, Some("uninstall")).await?;
    plan(cluster, helm, release, timeout).await
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
    /// Another apwiz holds the release's Lease: who, since when (`y` is refused).
    pub held: Option<Box<lease::Refusal>>,
}

impl Operation for UninstallPlan {
    fn run(&self, emitter: Emitter) -> ops::Run<'_> {
        let h = Helmed {
            name: "uninstall",
            cluster: &self.cluster,
            helm: &self.helm,
            argv: &self.argv,
            spec: &self.spec,
            first_phase: self.first_phase,
        };
        h.run(json!({"revision": self.revision, "deleted": self.deleted, "kept": self.kept, "hooks": self.hooks}), emitter)
    }
}

/// Reads the latest record and splits its objects into deleted and kept.
pub(crate) async fn plan(
    cluster: Cluster,
    helm: Helm,
    release: String,
    timeout: Duration,
) -> Result<UninstallPlan> {
    let (rec, held) = futures::join!(
        records::open(&cluster, &release, None),
        lease::held(&cluster, &release)
    );
    let rec = rec?;
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
        held,
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
