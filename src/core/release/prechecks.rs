//! Pre-checks, run in parallel before helm changes anything: the API server answers and its
//! version fits the chart's `kubeVersion`; the storage classes the claims name (or a default one)
//! exist; every kind the render contains is served (the CRDs of enabled features); the user may
//! do what the release needs (SelfSubjectAccessReview); helm's per-hook `--timeout` outlasts the
//! longest hook deadline; no `pending-*` release is left by a killed helm.
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::Api;
use kube::api::{ListParams, PostParams};
use serde::Serialize;
use serde_json::Value;

use crate::core::release::lease::{self, State};
use crate::core::release::records::History;
use crate::core::release::stuck;
use crate::core::release::watch::HOOK;
use crate::core::release::{Cluster, kube_error};

/// How a check ended.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub message: String,
    pub duration_ms: u64,
    /// `operation-lease`: who holds the release's Lease, when another apwiz does (the screens
    /// word it as a card).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<Box<lease::Refusal>>,
}

/// What the checks look at.
#[derive(Debug, Clone, Default)]
pub(crate) struct Input {
    /// Every rendered object, hooks included.
    pub objects: Vec<Value>,
    /// The chart's `kubeVersion` constraint.
    pub kube_version: Option<String>,
    /// Helm's `--timeout`.
    pub timeout: Duration,
    /// The release's history, when it has one.
    pub history: Option<History>,
    /// The release (its Lease is read: another apwiz operation on it refuses the deploy).
    pub release: String,
}

fn done(name: &'static str, t: Instant, status: Status, message: String) -> Check {
    Check {
        name,
        status,
        message,
        duration_ms: t.elapsed().as_millis() as u64,
        held: None,
    }
}

/// Runs every check at once.
pub(crate) async fn run(cluster: &Cluster, input: &Input) -> Vec<Check> {
    let (a, n, b, c, d, l) = futures::join!(
        api_version(cluster, input),
        namespace(cluster),
        storage(cluster, input),
        kinds_and_access(cluster, input),
        async { vec![hook_timeout(input), pending(input)] },
        operation_lease(cluster, input),
    );
    let mut out = vec![a, n, b, l];
    out.extend(c);
    out.extend(d);
    out
}

/// Whether `version` (`v1.34.4`) satisfies a Helm `kubeVersion` constraint (`>=1.28.0-0`,
/// comparators separated by spaces or commas, alternatives by `||`).
pub(crate) fn fits(constraint: &str, version: &str) -> Option<bool> {
    let v =
        semver::Version::parse(version.trim().trim_start_matches('v').split('+').next()?).ok()?;
    let mut any = false;
    for alt in constraint.split("||") {
        let parts: Vec<String> = alt
            .split([',', ' '])
            .filter(|p| !p.trim().is_empty())
            .map(|p| p.trim().to_string())
            .collect();
        if parts.is_empty() {
            continue;
        }
        let req = semver::VersionReq::parse(&parts.join(", ")).ok()?;
        // A constraint with a `-0` prerelease admits prereleases of later versions too (Helm's
        // idiom); compare on the release triple.
        let plain = semver::Version::new(v.major, v.minor, v.patch);
        any |= req.matches(&plain) || req.matches(&v);
    }
    Some(any)
}

/// Whether `version` is below a lower bound (`>=`, `>`, `~`, `^`, `=`) of `constraint`: a version
/// that does not fit is then too old, else too new.
fn below(constraint: &str, version: &str) -> bool {
    use semver::Op;
    let Some(v) = version
        .trim()
        .trim_start_matches('v')
        .split(['+', '-'])
        .next()
        .and_then(|v| semver::Version::parse(v).ok())
    else {
        return false;
    };
    constraint
        .split("||")
        .flat_map(|alt| alt.split([',', ' ']))
        .filter_map(|p| semver::Comparator::parse(p.trim()).ok())
        .filter(|c| {
            matches!(
                c.op,
                Op::Greater | Op::GreaterEq | Op::Tilde | Op::Caret | Op::Exact
            )
        })
        .any(|c| {
            let bound = semver::Version::new(c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0));
            bound > v
        })
}

async fn api_version(cluster: &Cluster, input: &Input) -> Check {
    let t = Instant::now();
    let name = "api-server";
    match tokio::time::timeout(Duration::from_secs(5), cluster.client.apiserver_version()).await {
        Err(_) => done(
            name,
            t,
            Status::Fail,
            format!("{} did not answer within 5s", cluster.server),
        ),
        Ok(Err(e)) => done(
            name,
            t,
            Status::Fail,
            format!("{} is not reachable: {e}", cluster.server),
        ),
        Ok(Ok(info)) => match &input.kube_version {
            None => done(
                name,
                t,
                Status::Pass,
                format!("{} answers", info.git_version),
            ),
            Some(c) => match fits(c, &info.git_version) {
                Some(true) => done(
                    name,
                    t,
                    Status::Pass,
                    format!("{} fits the chart's kubeVersion {c}", info.git_version),
                ),
                Some(false) => done(
                    name,
                    t,
                    Status::Fail,
                    format!(
                        "Kubernetes {} is too {} for the chart (kubeVersion {c}); helm would refuse it: deploy to a cluster that fits, or use a chart version made for this one",
                        info.git_version,
                        if below(c, &info.git_version) {
                            "old"
                        } else {
                            "new"
                        }
                    ),
                ),
                None => done(
                    name,
                    t,
                    Status::Warn,
                    format!("cannot compare {} with kubeVersion {c}", info.git_version),
                ),
            },
        },
    }
}

async fn namespace(cluster: &Cluster) -> Check {
    let t = Instant::now();
    let api: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(cluster.client.clone());
    match api.get_opt(&cluster.namespace).await {
        Ok(Some(_)) => done(
            "namespace",
            t,
            Status::Pass,
            format!("{} exists", cluster.namespace),
        ),
        Ok(None) => done(
            "namespace",
            t,
            Status::Fail,
            format!(
                "namespace {} does not exist: create it (kubectl create namespace {}) or pass -n",
                cluster.namespace, cluster.namespace
            ),
        ),
        Err(e) => done(
            "namespace",
            t,
            Status::Warn,
            format!("cannot read namespace {}: {e}", cluster.namespace),
        ),
    }
}

/// The storage classes the claims name; `None` for a claim that takes the default.
fn claimed_classes(objects: &[Value]) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for o in objects {
        let claims: Vec<&Value> = match o["kind"].as_str() {
            Some("PersistentVolumeClaim") => vec![o],
            Some("StatefulSet") => o["spec"]["volumeClaimTemplates"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            _ => continue,
        };
        for c in claims {
            // A claim bound to a named volume needs no class.
            if c["spec"]["volumeName"].is_string() {
                continue;
            }
            out.push(c["spec"]["storageClassName"].as_str().map(str::to_string));
        }
    }
    out
}

async fn storage(cluster: &Cluster, input: &Input) -> Check {
    let t = Instant::now();
    let name = "storage-classes";
    let wanted = claimed_classes(&input.objects);
    if wanted.is_empty() {
        return done(name, t, Status::Pass, "no claims".into());
    }
    let api: Api<StorageClass> = Api::all(cluster.client.clone());
    let list = match api.list(&ListParams::default()).await {
        Ok(l) => l,
        Err(e) => {
            return done(
                name,
                t,
                Status::Warn,
                format!("cannot list storage classes: {e}"),
            );
        }
    };
    let have: BTreeSet<String> = list
        .items
        .iter()
        .filter_map(|s| s.metadata.name.clone())
        .collect();
    let default = list.items.iter().find(|s| {
        s.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("storageclass.kubernetes.io/is-default-class"))
            .is_some_and(|v| v == "true")
    });
    let mut missing = BTreeSet::new();
    let mut needs_default = false;
    for w in &wanted {
        match w {
            Some(c) if c.is_empty() => {}
            Some(c) if !have.contains(c) => {
                missing.insert(c.clone());
            }
            Some(_) => {}
            None => needs_default = true,
        }
    }
    if !missing.is_empty() {
        return done(
            name,
            t,
            Status::Fail,
            format!(
                "storage class{} {} named by the claims do{} not exist (classes here: {}); claims would stay Pending",
                if missing.len() == 1 { "" } else { "es" },
                missing.iter().cloned().collect::<Vec<_>>().join(", "),
                if missing.len() == 1 { "es" } else { "" },
                have.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    if needs_default && default.is_none() {
        return done(
            name,
            t,
            Status::Fail,
            "a claim names no storage class and the cluster has no default one".into(),
        );
    }
    done(
        name,
        t,
        Status::Pass,
        format!("{} claim(s): classes exist", wanted.len()),
    )
}

/// Whether the cluster serves every kind rendered, then whether the user may change each of
/// them (and Helm's release Secrets).
async fn kinds_and_access(cluster: &Cluster, input: &Input) -> Vec<Check> {
    let (kinds, resources) = kinds_served(cluster, input).await;
    let access = access(cluster, resources).await;
    vec![kinds, access]
}

/// The `kinds-served` check: each rendered kind looked up in the cluster's discovery, by
/// apiVersion; with the (group, plural) of each kind served, for the access review.
async fn kinds_served(cluster: &Cluster, input: &Input) -> (Check, BTreeSet<(String, String)>) {
    let t = Instant::now();
    // apiVersion → kinds rendered.
    let mut by_version: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for o in &input.objects {
        if let (Some(av), Some(k)) = (o["apiVersion"].as_str(), o["kind"].as_str()) {
            by_version
                .entry(av.to_string())
                .or_default()
                .insert(k.to_string());
        }
    }
    let lookups = by_version.keys().map(|av| {
        let client = cluster.client.clone();
        let av = av.clone();
        async move {
            let r = if av.contains('/') {
                client.list_api_group_resources(&av).await
            } else {
                client.list_core_api_resources(&av).await
            };
            (av, r)
        }
    });
    let mut missing = Vec::new();
    // (group, plural) per rendered kind, for the access review.
    let mut resources: BTreeSet<(String, String)> = BTreeSet::new();
    let mut warn = Vec::new();
    for (av, r) in join_all(lookups).await {
        let kinds = &by_version[&av];
        let group = av
            .split_once('/')
            .map(|(g, _)| g.to_string())
            .unwrap_or_default();
        match r {
            Ok(list) => {
                for k in kinds {
                    match list
                        .resources
                        .iter()
                        .find(|r| &r.kind == k && !r.name.contains('/'))
                    {
                        Some(r) => {
                            resources.insert((group.clone(), r.name.clone()));
                        }
                        None => missing.push(format!("{k} ({av})")),
                    }
                }
            }
            Err(kube::Error::Api(s)) if s.code == 404 => {
                missing.extend(kinds.iter().map(|k| format!("{k} ({av})")))
            }
            Err(e) => warn.push(format!("{av}: {e}")),
        }
    }
    let kinds = if !missing.is_empty() {
        done(
            "kinds-served",
            t,
            Status::Fail,
            format!(
                "not served by this cluster: {} — install its CRDs or turn the feature off",
                missing.join(", ")
            ),
        )
    } else if !warn.is_empty() {
        done(
            "kinds-served",
            t,
            Status::Warn,
            format!("discovery failed: {}", warn.join("; ")),
        )
    } else {
        done(
            "kinds-served",
            t,
            Status::Pass,
            format!(
                "{} kinds served",
                by_version.values().map(|k| k.len()).sum::<usize>()
            ),
        )
    };
    (kinds, resources)
}

/// The `access` check: get, create, patch and delete allowed on every resource rendered (a
/// review each).
async fn access(cluster: &Cluster, mut resources: BTreeSet<(String, String)>) -> Check {
    let t = Instant::now();
    // Helm also reads and writes its release records (Secrets).
    resources.insert((String::new(), "secrets".into()));
    let mut reviews = Vec::new();
    for (group, resource) in &resources {
        for verb in ["get", "create", "patch", "delete"] {
            reviews.push(review(cluster, group.clone(), resource.clone(), verb));
        }
    }
    let results = join_all(reviews).await;
    let mut denied = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(None) => {}
            Ok(Some(d)) => denied.push(d),
            Err(e) => errors.push(e),
        }
    }
    if !denied.is_empty() {
        done(
            "access",
            t,
            Status::Fail,
            format!(
                "the user may not {} in namespace {}",
                denied.join(", "),
                cluster.namespace
            ),
        )
    } else if !errors.is_empty() {
        done(
            "access",
            t,
            Status::Warn,
            format!("access reviews failed: {}", errors[0]),
        )
    } else {
        done(
            "access",
            t,
            Status::Pass,
            format!(
                "get/create/patch/delete allowed on {} resources",
                resources.len()
            ),
        )
    }
}

async fn review(
    cluster: &Cluster,
    group: String,
    resource: String,
    verb: &str,
) -> Result<Option<String>, String> {
    let api: Api<SelfSubjectAccessReview> = Api::all(cluster.client.clone());
    let r = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some(cluster.namespace.clone()),
                group: Some(group.clone()),
                resource: Some(resource.clone()),
                verb: Some(verb.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let out = api
        .create(&PostParams::default(), &r)
        .await
        .map_err(|e| kube_error("SelfSubjectAccessReview", e).to_string())?;
    let allowed = out.status.map(|s| s.allowed).unwrap_or(false);
    let what = if group.is_empty() {
        resource
    } else {
        format!("{resource}.{group}")
    };
    Ok((!allowed).then(|| format!("{verb} {what}")))
}

/// The longest `activeDeadlineSeconds` among hook Jobs (and hook Pods), by hook event.
pub(crate) fn hook_deadlines(objects: &[Value]) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for o in objects {
        let Some(events) = o["metadata"]["annotations"][HOOK].as_str() else {
            continue;
        };
        let deadline = o["spec"]["activeDeadlineSeconds"]
            .as_i64()
            .or_else(|| o["spec"]["template"]["spec"]["activeDeadlineSeconds"].as_i64());
        if let Some(d) = deadline {
            for e in events.split(',') {
                let slot = out.entry(e.trim().to_string()).or_default();
                *slot = (*slot).max(d);
            }
        }
    }
    out
}

/// The `--timeout` apwiz picks when none is given: the longest hook deadline plus a minute, at
/// least five minutes (Helm's default).
pub(crate) fn default_timeout(objects: &[Value]) -> Duration {
    let longest = hook_deadlines(objects).values().copied().max().unwrap_or(0);
    Duration::from_secs((longest.max(0) as u64 + 60).max(300))
}

fn hook_timeout(input: &Input) -> Check {
    let t = Instant::now();
    let deadlines = hook_deadlines(&input.objects);
    let secs = input.timeout.as_secs() as i64;
    let short: Vec<String> = deadlines
        .iter()
        .filter(|(_, d)| **d >= secs)
        .map(|(e, d)| format!("{e} ({d}s)"))
        .collect();
    if short.is_empty() {
        done(
            "hook-timeout",
            t,
            Status::Pass,
            format!(
                "--timeout {secs}s outlasts every hook deadline{}",
                deadlines
                    .values()
                    .max()
                    .map(|d| format!(" (longest {d}s)"))
                    .unwrap_or_default()
            ),
        )
    } else {
        done(
            "hook-timeout",
            t,
            Status::Warn,
            format!(
                "--timeout {secs}s is not longer than the hook deadlines of {}: helm would give up on a hook the cluster still runs; pass a longer --timeout",
                short.join(", ")
            ),
        )
    }
}

/// No other apwiz operation holds the release's Lease.
async fn operation_lease(cluster: &Cluster, input: &Input) -> Check {
    let t = Instant::now();
    if input.release.is_empty() {
        return done(
            "operation-lease",
            t,
            Status::Pass,
            "no release named".into(),
        );
    }
    match lease::read(cluster, &input.release).await {
        Ok(State::Free) => done(
            "operation-lease",
            t,
            Status::Pass,
            "no other apwiz operation on this release".into(),
        ),
        Ok(s @ State::Held { .. }) => {
            let refusal = s.refusal(&input.release, &cluster.namespace);
            Check {
                held: refusal.clone().map(Box::new),
                ..done(
                    "operation-lease",
                    t,
                    Status::Fail,
                    refusal.map(|r| r.to_string()).unwrap_or_default(),
                )
            }
        }
        Ok(State::Stale { holder, why }) => done(
            "operation-lease",
            t,
            Status::Warn,
            format!(
                "the Lease of {} ({why}) is taken over when the deploy starts",
                holder.describe()
            ),
        ),
        Err(e) => done("operation-lease", t, Status::Warn, e.to_string()),
    }
}

fn pending(input: &Input) -> Check {
    let t = Instant::now();
    let Some(h) = &input.history else {
        return done("pending-release", t, Status::Pass, "new release".into());
    };
    match stuck::of(h) {
        Some(s) => done(
            "pending-release",
            t,
            Status::Fail,
            if s.running() {
                s.describe()
            } else {
                format!("{}; {}", s.describe(), s.offer())
            },
        ),
        None => done(
            "pending-release",
            t,
            Status::Pass,
            "no operation in progress".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_version_constraints() {
        assert_eq!(fits(">=1.28.0-0", "v1.34.4"), Some(true));
        assert_eq!(fits(">=1.35.0-0", "v1.34.4"), Some(false));
        assert_eq!(fits(">=1.20.0 <1.30.0 || >=1.34.0", "v1.34.1"), Some(true));
        assert_eq!(fits(">=1.20.0, <1.30.0", "v1.34.1"), Some(false));
        assert!(below(">=1.99.0-0", "v1.34.4"));
        assert!(!below(">=1.20.0, <1.30.0", "v1.34.1"));
        assert!(below(">=1.20.0 <1.30.0 || >=1.36.0", "v1.19.2"));
    }

    #[test]
    fn deadlines_and_timeout() {
        let objs = vec![
            serde_json::json!({"kind": "Job", "metadata": {"annotations": {HOOK: "pre-install,pre-upgrade"}},
            "spec": {"activeDeadlineSeconds": 600}}),
        ];
        assert_eq!(hook_deadlines(&objs)["pre-upgrade"], 600);
        assert_eq!(default_timeout(&objs), Duration::from_secs(660));
        let c = hook_timeout(&Input {
            objects: objs,
            timeout: Duration::from_secs(300),
            ..Default::default()
        });
        assert_eq!(c.status, Status::Warn);
    }
}
