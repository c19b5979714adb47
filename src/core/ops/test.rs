//! `helm test`: the release's test hooks (from its latest record), helm's command line and the
//! watch.
use std::time::Duration;

use serde_json::json;

use crate::core::base::error::Result;
use crate::core::base::helm::Helm;
use crate::core::ops::{Helmed, Operation, target};
use crate::core::release::events::{Emitter, Phase};
use crate::core::release::ops::{self, HookObject};
use crate::core::release::records;
use crate::core::release::{Cluster, Target, watch};
use crate::core::session::Session;

/// Connects to `target` (refused when read-only) and plans the tests of `release`.
pub(crate) async fn open(
    session: &Session,
    target: &Target,
    release: String,
    timeout: Duration,
) -> Result<TestPlan> {
    let (cluster, helm) = target::cluster_and_helm(session, target, Some("test")).await?;
    plan(cluster, helm, release, timeout).await
}

/// `helm test`, worked out: the release's test hooks (from its latest record) and the watch.
#[derive(Debug, Clone)]
pub(crate) struct TestPlan {
    pub cluster: Cluster,
    pub helm: Helm,
    pub revision: u64,
    pub tests: Vec<HookObject>,
    pub argv: Vec<String>,
    pub spec: watch::Spec,
}

impl Operation for TestPlan {
    fn run(&self, emitter: Emitter) -> ops::Run<'_> {
        let h = Helmed {
            name: "test",
            cluster: &self.cluster,
            helm: &self.helm,
            argv: &self.argv,
            spec: &self.spec,
            first_phase: Phase::Tests,
        };
        h.run(
            json!({"revision": self.revision, "tests": self.tests}),
            emitter,
        )
    }
}

/// Reads the release's latest record for its test hooks.
pub(crate) async fn plan(
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
        cluster,
        helm,
    })
}
