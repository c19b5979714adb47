//! One operation per release at a time: a `coordination.k8s.io/v1` Lease named for the release
//! (`apwiz-release-<release>`) in its namespace, taken before helm changes anything, renewed while
//! helm runs and deleted afterwards. A second apwiz deploy, rollback or uninstall of the release
//! is refused with who holds it (user, host, pid, operation, git commit) and since when. A Lease
//! whose holder stopped renewing it (`LEASE_SECONDS` after its last renewal), or whose holder
//! process on this very machine is gone (apwiz killed), is taken over with a warning. The Lease
//! is apwiz's own: plain helm never looks at it.
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::Api;
use kube::api::{DeleteParams, PostParams, Preconditions};
use serde::Serialize;

use crate::core::base::error::{Error, Result};
use crate::core::release::Cluster;

/// How long a Lease stays valid after its last renewal.
pub(crate) const LEASE_SECONDS: i32 = 30;
/// How often a held Lease is renewed.
pub(crate) const RENEW_EVERY: Duration = Duration::from_secs(10);

const ANN: &str = "apwiz.dev/";

/// The Lease's name for a release.
pub(crate) fn name(release: &str) -> String {
    format!("apwiz-release-{release}")
}

/// Who runs an operation (what the Lease's annotations and the run record say).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Holder {
    pub user: String,
    pub host: String,
    pub pid: u32,
    pub operation: String,
    /// The git commit the release's description records (`git 1a2b3c…`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// RFC 3339: when the Lease was taken.
    pub since: String,
}

impl Holder {
    /// This process, about to run `operation`.
    pub(crate) fn me(operation: &str, commit: Option<String>) -> Holder {
        Holder {
            user: user(),
            host: hostname(),
            pid: std::process::id(),
            operation: operation.into(),
            commit,
            since: jiff::Timestamp::now().to_string(),
        }
    }

    /// `user@host` and pid: the Lease's `holderIdentity`.
    pub(crate) fn identity(&self) -> String {
        format!("{}@{} pid {}", self.user, self.host, self.pid)
    }

    /// One line: `deploy by alice@build-7 (pid 4121, git 1a2b3c) since 14:03:07 UTC`.
    pub(crate) fn describe(&self) -> String {
        let commit = self
            .commit
            .as_ref()
            .map(|c| format!(", {c}"))
            .unwrap_or_default();
        format!(
            "{} by {}@{} (pid {}{commit}) since {}",
            self.operation,
            self.user,
            self.host,
            self.pid,
            self.since_utc()
        )
    }

    /// When the Lease was taken: `2026-12-06 14:03:07 UTC`.
    pub fn since_utc(&self) -> String {
        self.since
            .parse::<jiff::Timestamp>()
            .map(|t| format!("{} UTC", t.strftime("%Y-%m-%d %H:%M:%S")))
            .unwrap_or_else(|_| self.since.clone())
    }

    fn annotations(&self) -> std::collections::BTreeMap<String, String> {
        let mut m = std::collections::BTreeMap::new();
        m.insert(format!("{ANN}user"), self.user.clone());
        m.insert(format!("{ANN}host"), self.host.clone());
        m.insert(format!("{ANN}pid"), self.pid.to_string());
        m.insert(format!("{ANN}operation"), self.operation.clone());
        m.insert(format!("{ANN}since"), self.since.clone());
        if let Some(c) = &self.commit {
            m.insert(format!("{ANN}commit"), c.clone());
        }
        m
    }

    fn from_lease(l: &Lease) -> Holder {
        let a = l.metadata.annotations.clone().unwrap_or_default();
        let get = |k: &str| a.get(&format!("{ANN}{k}")).cloned();
        Holder {
            user: get("user").unwrap_or_else(|| "unknown".into()),
            host: get("host").unwrap_or_else(|| "unknown".into()),
            pid: get("pid").and_then(|p| p.parse().ok()).unwrap_or(0),
            operation: get("operation").unwrap_or_else(|| "an operation".into()),
            commit: get("commit"),
            since: get("since").unwrap_or_default(),
        }
    }
}

/// The user's name: `$USER`, `$LOGNAME`, else the passwd entry of this process's uid.
pub(crate) fn user() -> String {
    if let Some(u) = ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|u| !u.is_empty()))
    {
        return u;
    }
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().next().map(str::to_string))
        });
    let Some(uid) = uid else {
        return "unknown".into();
    };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|p| {
            p.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() > 2 && f[2] == uid).then(|| f[0].to_string())
            })
        })
        .unwrap_or_else(|| format!("uid {uid}"))
}

/// The machine's name (`/proc/sys/kernel/hostname`, else `$HOSTNAME`).
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// Whether a process `pid` runs on this machine.
fn alive(pid: u32) -> bool {
    pid > 0 && std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// What the Lease of a release says now.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum State {
    /// No Lease, or an empty one: free.
    Free,
    /// Held and renewed: another operation runs.
    Held {
        holder: Holder,
        /// Seconds since its last renewal.
        renewed_ago: i64,
    },
    /// Held by someone who is gone (not renewed for `LEASE_SECONDS`, or a dead process on this
    /// machine): it may be taken over.
    Stale { holder: Holder, why: String },
}

impl State {
    /// The refusal of a second operation while this one is held.
    pub(crate) fn refusal(&self, release: &str, namespace: &str) -> Option<Refusal> {
        match self {
            State::Held {
                holder,
                renewed_ago,
            } => Some(Refusal {
                release: release.into(),
                namespace: namespace.into(),
                holder: holder.clone(),
                renewed_ago: *renewed_ago,
            }),
            _ => None,
        }
    }
}

/// A second operation refused because another apwiz holds the release's Lease: who holds it,
/// since when. Worded once, as one line (its `Display`: errors, pre-checks) and as a cause
/// card ([`Refusal::card`]: the event stream, the screens).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusal {
    pub release: String,
    pub namespace: String,
    pub holder: Holder,
    /// Seconds since the holder last renewed the Lease.
    pub renewed_ago: i64,
}

/// One line: `release web in shop is being changed by another apwiz: deploy by … since …
/// (Lease shop/apwiz-release-web, renewed 3 s ago). Wait for it to end; …`.
impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (release, namespace) = (&self.release, &self.namespace);
        write!(
            f,
            "release {release} in {namespace} is being changed by another apwiz: {} (Lease {namespace}/{}, renewed {} s ago). \
             Wait for it to end; if that machine is gone, its Lease expires {LEASE_SECONDS} s after its last renewal",
            self.holder.describe(),
            name(release),
            self.renewed_ago,
        )
    }
}

impl Refusal {
    /// The refusal as a cause card: the holder's operation, user, host, pid, git commit and
    /// since when, and what to do (known before anything ran: no detection time).
    pub fn card(&self) -> crate::core::release::cause::CauseCard {
        let h = &self.holder;
        let since = h.since_utc();
        let target = format!("--release {} -n {}", self.release, self.namespace);
        crate::core::release::cause::CauseCard {
            object: format!("release {} in {}", self.release, self.namespace),
            reason: format!(
                "held by another apwiz (Lease {}/{})",
                self.namespace,
                name(&self.release)
            ),
            message: format!(
                "{} by {} on {} (pid {}), git commit {}, since {since}; its Lease was renewed {} s ago. Nothing was changed: one operation per release at a time",
                h.operation,
                h.user,
                h.host,
                h.pid,
                h.commit
                    .as_deref()
                    .map(|c| c.trim_start_matches("git ").to_string())
                    .unwrap_or_else(|| "not known".into()),
                self.renewed_ago,
            ),
            next_actions: vec![
                format!(
                    "apwiz status --watch {target}   # that {} live; try again once it has ended",
                    h.operation
                ),
                format!(
                    "# if {} is gone, its Lease expires {LEASE_SECONDS} s after its last renewal and the next operation takes it over",
                    h.host
                ),
            ],
            ..Default::default()
        }
    }
}

fn state_of(l: &Lease, now: jiff::Timestamp) -> State {
    let spec = l.spec.clone().unwrap_or_default();
    if spec.holder_identity.as_deref().unwrap_or("").is_empty() {
        return State::Free;
    }
    let holder = Holder::from_lease(l);
    let duration = i64::from(spec.lease_duration_seconds.unwrap_or(LEASE_SECONDS));
    let renewed = spec
        .renew_time
        .as_ref()
        .or(spec.acquire_time.as_ref())
        .map(|t| t.0);
    let ago = renewed
        .map(|t| now.duration_since(t).as_secs())
        .unwrap_or(i64::MAX);
    if ago > duration {
        return State::Stale {
            why: format!("not renewed for {ago} s"),
            holder,
        };
    }
    if holder.host == hostname() && !alive(holder.pid) {
        return State::Stale {
            why: format!("its process {} is gone from this machine", holder.pid),
            holder,
        };
    }
    State::Held {
        holder,
        renewed_ago: ago.max(0),
    }
}

fn api(cluster: &Cluster) -> Api<Lease> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

/// Reads the release's Lease (nothing changed).
pub(crate) async fn read(cluster: &Cluster, release: &str) -> Result<State> {
    match api(cluster).get_opt(&name(release)).await {
        Ok(None) => Ok(State::Free),
        Ok(Some(l)) => Ok(state_of(&l, jiff::Timestamp::now())),
        Err(e) => Err(Error::Environment(format!(
            "reading Lease {}/{}: {e}",
            cluster.namespace,
            name(release)
        ))),
    }
}

/// Who holds the release's Lease when another apwiz does (what a rollback's or an uninstall's
/// plan shows, refusing its `y`, as the deploy's `operation-lease` pre-check does). A Lease that
/// cannot be read refuses nothing here: taking it before helm runs decides.
pub(crate) async fn held(cluster: &Cluster, release: &str) -> Option<Box<Refusal>> {
    read(cluster, release)
        .await
        .ok()?
        .refusal(release, &cluster.namespace)
        .map(Box::new)
}

fn lease_for(release: &str, holder: &Holder, resource_version: Option<String>) -> Lease {
    let now = MicroTime(jiff::Timestamp::now());
    Lease {
        metadata: ObjectMeta {
            name: Some(name(release)),
            resource_version,
            labels: Some(
                [
                    (
                        "app.kubernetes.io/managed-by".to_string(),
                        "apwiz".to_string(),
                    ),
                    (
                        "app.kubernetes.io/instance".to_string(),
                        release.to_string(),
                    ),
                ]
                .into(),
            ),
            annotations: Some(holder.annotations()),
            ..Default::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(holder.identity()),
            lease_duration_seconds: Some(LEASE_SECONDS),
            acquire_time: Some(now.clone()),
            renew_time: Some(now),
            ..Default::default()
        }),
    }
}

/// A Lease this process holds: renewed in the background until [`Guard::release`] (or, when
/// dropped without it, left to expire).
pub(crate) struct Guard {
    cluster: Cluster,
    release: String,
    identity: String,
    renewer: tokio::task::JoinHandle<()>,
}

/// How taking the Lease went.
pub(crate) enum Taken {
    /// Held by this process now; a warning when a stale one was taken over.
    Held(Box<Guard>, Option<String>),
    /// The API server forbids Leases to this user: the operation runs without the guard.
    Unguarded(String),
    /// Another apwiz holds it: the operation must not run.
    Refused(Box<Refusal>),
}

/// Takes the release's Lease for `holder`, or refuses (naming the holder). `on_lost` is
/// called (once) when a renewal finds the Lease taken by someone else.
pub(crate) async fn acquire(
    cluster: &Cluster,
    release: &str,
    holder: &Holder,
    on_lost: impl Fn(String) + Send + 'static,
) -> Result<Taken> {
    let api = api(cluster);
    let pp = PostParams::default();
    let lease_ref = format!("Lease {}/{}", cluster.namespace, name(release));
    let mut warning = None;
    // Twice at most: a create that loses to another, then the takeover of a stale one.
    for _ in 0..3 {
        match api.create(&pp, &lease_for(release, holder, None)).await {
            Ok(_) => {
                return Ok(Taken::Held(
                    Box::new(guard(cluster, release, holder, on_lost)),
                    warning,
                ));
            }
            Err(kube::Error::Api(s)) if s.code == 403 => {
                return Ok(Taken::Unguarded(format!(
                    "cannot take {lease_ref} ({}): running without the one-operation-per-release guard",
                    s.message
                )));
            }
            Err(kube::Error::Api(s)) if s.code == 409 => {}
            Err(e) => return Err(Error::Environment(format!("taking {lease_ref}: {e}"))),
        }
        let Some(current) = api
            .get_opt(&name(release))
            .await
            .map_err(|e| Error::Environment(format!("reading {lease_ref}: {e}")))?
        else {
            continue; // deleted meanwhile: create again
        };
        let state = state_of(&current, jiff::Timestamp::now());
        if let Some(refusal) = state.refusal(release, &cluster.namespace) {
            return Ok(Taken::Refused(Box::new(refusal)));
        }
        if let State::Stale { holder: old, why } = &state {
            warning = Some(format!(
                "took over {lease_ref} from {} ({why})",
                old.describe()
            ));
        }
        let rv = current.metadata.resource_version.clone();
        match api
            .replace(&name(release), &pp, &lease_for(release, holder, rv))
            .await
        {
            Ok(_) => {
                return Ok(Taken::Held(
                    Box::new(guard(cluster, release, holder, on_lost)),
                    warning,
                ));
            }
            // Someone else took it between our read and our write: read again.
            Err(kube::Error::Api(s)) if s.code == 409 => continue,
            Err(e) => return Err(Error::Environment(format!("taking over {lease_ref}: {e}"))),
        }
    }
    Err(Error::Environment(format!(
        "{lease_ref} kept changing while apwiz tried to take it: another operation is starting; try again"
    )))
}

fn guard(
    cluster: &Cluster,
    release: &str,
    holder: &Holder,
    on_lost: impl Fn(String) + Send + 'static,
) -> Guard {
    let api = api(cluster);
    let n = name(release);
    let identity = holder.identity();
    let id = identity.clone();
    let renewer = tokio::spawn(async move {
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            // A renewal that cannot reach the API server is tried again at the next tick.
            let Ok(Some(mut l)) = api.get_opt(&n).await else {
                continue;
            };
            let spec = l.spec.get_or_insert_with(Default::default);
            if spec.holder_identity.as_deref() != Some(id.as_str()) {
                on_lost(format!(
                    "the Lease {n} was taken by {}: another operation may now change this release",
                    spec.holder_identity.clone().unwrap_or_default()
                ));
                return;
            }
            spec.renew_time = Some(MicroTime(jiff::Timestamp::now()));
            let _ = api.replace(&n, &PostParams::default(), &l).await;
        }
    });
    Guard {
        cluster: cluster.clone(),
        release: release.to_string(),
        identity,
        renewer,
    }
}

impl Guard {
    /// Stops renewing and deletes the Lease if this process still holds it (bounded: an API
    /// server that does not answer leaves it to expire).
    pub(crate) async fn release(self) {
        self.renewer.abort();
        let api = api(&self.cluster);
        let n = name(&self.release);
        let work = async {
            let Ok(Some(l)) = api.get_opt(&n).await else {
                return;
            };
            let ours = l.spec.as_ref().and_then(|s| s.holder_identity.as_deref())
                == Some(self.identity.as_str());
            if ours {
                let dp = DeleteParams {
                    preconditions: Some(Preconditions {
                        uid: l.metadata.uid.clone(),
                        resource_version: l.metadata.resource_version.clone(),
                    }),
                    ..Default::default()
                };
                let _ = api.delete(&n, &dp).await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(5), work).await;
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: &Holder, renewed_secs_ago: i64) -> Lease {
        let mut l = lease_for("shop", holder, None);
        let t = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(renewed_secs_ago);
        l.spec.as_mut().unwrap().renew_time = Some(MicroTime(t));
        l
    }

    #[test]
    fn a_renewed_lease_is_held_an_old_one_stale_a_dead_local_pid_stale() {
        let now = jiff::Timestamp::now();
        let mut h = Holder::me("deploy", Some("git 1a2b3c".into()));
        h.host = "elsewhere".into();
        match state_of(&lease(&h, 3), now) {
            State::Held {
                holder,
                renewed_ago,
            } => {
                assert_eq!(holder, h);
                assert!((2..=4).contains(&renewed_ago), "{renewed_ago}");
            }
            s => panic!("{s:?}"),
        }
        let refusal = state_of(&lease(&h, 3), now)
            .refusal("shop", "apps")
            .unwrap()
            .to_string();
        assert!(
            refusal.contains("deploy by ")
                && refusal.contains("@elsewhere (pid ")
                && refusal.contains("git 1a2b3c")
                && refusal.contains(" since "),
            "{refusal}"
        );
        assert!(matches!(state_of(&lease(&h, 45), now), State::Stale { .. }));
        // On this machine, with a pid that is not running: stale at once.
        let mut gone = Holder::me("deploy", None);
        gone.pid = u32::MAX - 1;
        match state_of(&lease(&gone, 1), now) {
            State::Stale { why, .. } => assert!(why.contains("is gone"), "{why}"),
            s => panic!("{s:?}"),
        }
        let mut free = lease(&h, 1);
        free.spec.as_mut().unwrap().holder_identity = None;
        assert_eq!(state_of(&free, now), State::Free);
    }
}
