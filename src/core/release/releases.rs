//! The releases of a namespace, for a list: one row per release from its record Secrets' labels
//! (the newest revision's status and time), the chart and app version from that revision's
//! record (one decode per release, side by side), and how many of its pods are ready.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::Api;
use kube::api::ListParams;
use serde::Serialize;

use crate::core::base::error::Result;
use crate::core::release::records::{self, Revision};
use crate::core::release::watch::INSTANCE;
use crate::core::release::{Cluster, kube_error};

/// One release.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Release {
    pub name: String,
    pub namespace: String,
    pub revision: u64,
    pub status: String,
    pub updated: String,
    /// `name-version`, empty when the record could not be read.
    pub chart: String,
    pub app_version: String,
    /// Pods labelled with the release's instance: ready, all.
    pub pods_ready: (usize, usize),
}

/// The releases of the cluster's namespace, by name.
pub(crate) async fn list(cluster: &Cluster) -> Result<Vec<Release>> {
    let secrets: Api<Secret> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let (by_owner, by_instance) = (
        ListParams::default().labels("owner=helm"),
        ListParams::default().labels(INSTANCE),
    );
    let (found, pods) = futures::join!(secrets.list_metadata(&by_owner), pods.list(&by_instance));
    let found = found.map_err(|e| kube_error("list release records", e))?;
    let mut newest: BTreeMap<String, Revision> = BTreeMap::new();
    for s in &found.items {
        let Some(name) = s.metadata.labels.as_ref().and_then(|l| l.get("name")) else {
            continue;
        };
        let Some(rev) = records::revision_of(s) else {
            continue;
        };
        if newest.get(name).is_none_or(|r| r.revision < rev.revision) {
            newest.insert(name.clone(), rev);
        }
    }
    let mut ready: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for p in pods.map(|l| l.items).unwrap_or_default() {
        let Some(inst) = p.metadata.labels.as_ref().and_then(|l| l.get(INSTANCE)) else {
            continue;
        };
        let ok = p
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        let e = ready.entry(inst.clone()).or_default();
        e.0 += usize::from(ok);
        e.1 += 1;
    }
    let opened = futures::future::join_all(newest.values().map(|r| {
        let name = r.secret.clone().unwrap_or_default();
        async move { records::read_secret(cluster, &name).await.ok() }
    }))
    .await;
    Ok(newest
        .into_iter()
        .zip(opened)
        .map(|((name, rev), rec)| Release {
            pods_ready: ready.get(&name).copied().unwrap_or((0, 0)),
            namespace: cluster.namespace.clone(),
            revision: rev.revision,
            status: rev.status,
            updated: rev.updated,
            chart: rec
                .as_ref()
                .map(|r| format!("{}-{}", r.chart.name, r.chart.version))
                .unwrap_or_default(),
            app_version: rec.map(|r| r.chart.app_version).unwrap_or_default(),
            name,
        })
        .collect())
}
