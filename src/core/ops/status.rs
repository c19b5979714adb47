//! A release's status, once for both front ends: the snapshot `apwiz status` prints (a revision's
//! record, the workloads' readiness now, recent warning events) and the start of the status
//! screen's watch (the latest record, then its objects watched, the first lists included).
use std::time::Duration;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::ListParams;

use crate::core::base::error::Result;
use crate::core::ops::target;
use crate::core::release::events::Emitter;
use crate::core::release::ops::{self, HookObject};
use crate::core::release::records::{self, Record};
use crate::core::release::watch::{self, Watch};
use crate::core::release::{Cluster, Target, kube_error};
use crate::core::session::Session;

/// A release now.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub record: Record,
    /// Workload readiness: (kind/name, state).
    pub workloads: Vec<(String, String)>,
    /// The newest warning events about objects named after the release (none when events cannot
    /// be listed).
    pub warnings: Vec<String>,
}

/// The record of `revision` (default: the latest), the workloads and the warning events, read
/// at once.
pub(crate) async fn snapshot(
    cluster: &Cluster,
    release: &str,
    revision: Option<u64>,
) -> Result<Snapshot> {
    let (r, w, e) = futures::join!(
        records::open(cluster, release, revision),
        workloads(cluster, release),
        warnings(cluster, release)
    );
    Ok(Snapshot {
        record: r?,
        workloads: w?,
        warnings: e.unwrap_or_default(),
    })
}

/// Workload readiness: (kind/name, state).
async fn workloads(cl: &Cluster, release: &str) -> Result<Vec<(String, String)>> {
    let lp = ListParams::default().labels(&format!("{}={release}", watch::INSTANCE));
    let c = cl.client.clone();
    let ns = cl.namespace.as_str();
    let (da, sa, dsa) = (
        Api::<Deployment>::namespaced(c.clone(), ns),
        Api::<StatefulSet>::namespaced(c.clone(), ns),
        Api::<DaemonSet>::namespaced(c.clone(), ns),
    );
    let (d, s, ds) = futures::join!(da.list(&lp), sa.list(&lp), dsa.list(&lp));
    let name = |kind: &str, n: &Option<String>| format!("{kind}/{}", n.clone().unwrap_or_default());
    let mut out = Vec::new();
    for x in d.map_err(|e| kube_error("list deployments", e))? {
        out.push((
            name("Deployment", &x.metadata.name),
            watch::deployment_state(&x),
        ));
    }
    for x in s.map_err(|e| kube_error("list statefulsets", e))? {
        out.push((
            name("StatefulSet", &x.metadata.name),
            watch::statefulset_state(&x),
        ));
    }
    for x in ds.map_err(|e| kube_error("list daemonsets", e))? {
        out.push((
            name("DaemonSet", &x.metadata.name),
            watch::daemonset_state(&x),
        ));
    }
    Ok(out)
}

/// The newest warning events about objects named after the release.
async fn warnings(cl: &Cluster, release: &str) -> Result<Vec<String>> {
    let api: Api<Event> = Api::namespaced(cl.client.clone(), &cl.namespace);
    let list = api
        .list(&ListParams::default().fields("type=Warning"))
        .await
        .map_err(|e| kube_error("list events", e))?;
    let mut evs: Vec<_> = list
        .items
        .into_iter()
        .filter(|e| {
            e.involved_object
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(release))
        })
        .collect();
    evs.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
    Ok(evs
        .iter()
        .rev()
        .take(10)
        .map(|e| {
            format!(
                "{} {}/{}: {}",
                e.reason.clone().unwrap_or_default(),
                e.involved_object.kind.clone().unwrap_or_default(),
                e.involved_object.name.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default()
            )
        })
        .collect())
}

/// The cluster of `target` and the latest record of `release`: the head of the status screen.
pub(crate) async fn open(
    session: &Session,
    target: &Target,
    release: &str,
) -> Result<(Cluster, Record)> {
    let cluster = target::cluster(session, target, None).await?;
    let rec = records::open(&cluster, release, None).await?;
    Ok((cluster, rec))
}

/// Starts watching the objects of `rec` (its hooks included; the first lists are reported as
/// the baseline), sending events to `emitter`.
pub(crate) async fn watch(
    cluster: &Cluster,
    release: &str,
    rec: &Record,
    emitter: Emitter,
) -> Watch {
    let hooks: Vec<HookObject> = rec.hooks.iter().map(HookObject::from).collect();
    let mut spec = ops::watch_spec(cluster, release, &hooks, "", "", None);
    spec.pre_hooks.clear();
    spec.report_baseline = true;
    Watch::start(
        cluster.client.clone(),
        spec,
        emitter,
        Duration::from_secs(5),
    )
    .await
}
