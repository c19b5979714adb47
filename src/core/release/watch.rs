//! The release watcher: watches of the namespace's Jobs, Pods and Events and of the release's
//! Deployments, StatefulSets and DaemonSets (`app.kubernetes.io/instance=<release>`), merged into
//! the operation's one ordered stream. Started, and its first lists done, before helm is spawned.
//!
//! Hook Jobs, their pods and test pods carry no Helm labels: Jobs and Pods are matched on the
//! chart's instance label, on the hook Job names of the render and on `job-name`; Events carry no
//! labels at all and are filtered here by the object they are about. Rows are keyed by UID
//! (`before-hook-creation` recreates hooks under the same name) and a row's state is sent only
//! when it changes, so a watch that reconnects and lists again adds no duplicate rows. A Job seen
//! Complete and then deleted (`hook-succeeded`) counts as a success.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event as KEvent, Pod};
use kube::api::LogParams;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use serde::Serialize;

use crate::core::release::cause::{self, CauseCard};
use crate::core::release::events::{Emitter, Kind, Logs, ObjectRef, Phase};
use crate::core::release::liveness::{self, Heard};

/// The annotation Helm puts on hooks.
pub const HOOK: &str = "helm.sh/hook";
/// The chart's instance label.
pub const INSTANCE: &str = "app.kubernetes.io/instance";

/// What to watch for.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub release: String,
    pub namespace: String,
    /// Hook Job names that run before the apply (pre-install / pre-upgrade / pre-rollback /
    /// pre-delete), from the render.
    pub pre_hooks: Vec<String>,
    /// Hook Job names that run after it.
    pub post_hooks: Vec<String>,
    /// Names of every hook object of the release (Jobs and Pods, tests included).
    pub hook_names: Vec<String>,
    /// For a cause card's next actions: the revision a rollback would return to.
    pub rollback_to: Option<u64>,
    /// How long a log read may take (under kwok no kubelet answers).
    pub log_timeout: Duration,
    /// Send the objects found by the first lists too (a status view shows what is there; an
    /// operation only what changes).
    pub report_baseline: bool,
}

/// A row's last state.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub object: ObjectRef,
    pub state: String,
    pub hook: Option<String>,
    /// A Job seen Complete, or a pod seen Succeeded.
    pub succeeded: bool,
    pub failed: bool,
    pub deleted: bool,
    /// Pods: when it started and how long it ran (from its status).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// What the watcher collected, for the operation's result and its run record.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Collected {
    /// Rows by UID, in order of first sight.
    pub rows: Vec<Row>,
    pub logs: Vec<Logs>,
    pub cause: Option<CauseCard>,
    pub reconnects: u32,
}

#[derive(Default)]
struct State {
    rows: BTreeMap<String, usize>,
    collected: Collected,
    /// Streams still in their first list (their objects are the baseline, not news).
    initial: HashSet<&'static str>,
    lost: HashSet<&'static str>,
    job_hooks: HashMap<String, String>,
    pre_done: HashSet<String>,
    seen_events: HashSet<String>,
    logs_taken: HashSet<String>,
    card_started: bool,
    /// Objects nobody has acted on yet, by UID: workloads whose newest generation no controller
    /// has observed, pods no scheduler has looked at.
    unacted: BTreeMap<String, Unacted>,
}

/// An object waiting for a controller or a scheduler to act on it.
struct Unacted {
    /// `Deployment/shop`, `Pod/shop-7c9d-x2k4`.
    object: String,
    /// Who should act: `None` a controller (kube-controller-manager), else the pod's scheduler.
    scheduler: Option<String>,
    /// Seconds (of a live API server) it has waited.
    waited: u64,
}

impl Unacted {
    /// The cause card's reason and message once it has waited too long.
    fn cause(&self) -> (String, String) {
        let (object, waited) = (&self.object, self.waited);
        match self.scheduler.as_deref() {
            None => (
                "NoControllerActing".into(),
                format!(
                    "no controller has acted on {object} for {waited} s: is kube-controller-manager running?"
                ),
            ),
            Some(s) => (
                "NoSchedulerActing".into(),
                format!(
                    "no scheduler has acted on {object} for {waited} s: is {} running?",
                    if s == DEFAULT_SCHEDULER {
                        "kube-scheduler".to_string()
                    } else {
                        format!("the scheduler {s} (the pod's schedulerName)")
                    }
                ),
            ),
        }
    }
}

/// A workload no controller has observed, or a pod no scheduler has bound or marked
/// unschedulable, for this long (counted while the API server answers) gets a cause card naming
/// kube-controller-manager or kube-scheduler.
pub const NO_CONTROLLER_AFTER: u64 = 15;

/// The scheduler of a pod that names none.
const DEFAULT_SCHEDULER: &str = "default-scheduler";

enum Seen {
    Job(Result<Event<Job>, watcher::Error>),
    Pod(Result<Event<Pod>, watcher::Error>),
    Deploy(Result<Event<Deployment>, watcher::Error>),
    Sts(Result<Event<StatefulSet>, watcher::Error>),
    Ds(Result<Event<DaemonSet>, watcher::Error>),
    Ev(Result<Event<KEvent>, watcher::Error>),
    /// A second passed (for [`NO_CONTROLLER_AFTER`]).
    Tick,
}

const STREAMS: [&str; 6] = [
    "jobs",
    "pods",
    "deployments",
    "statefulsets",
    "daemonsets",
    "events",
];

/// A running watcher.
pub struct Watch {
    task: tokio::task::JoinHandle<()>,
    /// Reports a silent API server ([`liveness`]).
    liveness: tokio::task::JoinHandle<()>,
    state: Arc<Mutex<State>>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
        self.liveness.abort();
    }
}

impl Watch {
    /// Starts watching and waits (at most `ready_within`) until every watch has listed once.
    pub(crate) async fn start(
        client: Client,
        spec: Spec,
        em: Emitter,
        ready_within: Duration,
    ) -> Watch {
        let state = Arc::new(Mutex::new(State {
            initial: STREAMS.iter().copied().collect(),
            ..Default::default()
        }));
        let ready = Arc::new(tokio::sync::Notify::new());
        let heard = Heard::default();
        let liveness = tokio::spawn(liveness::run(client.clone(), em.clone(), heard.clone()));
        let task = tokio::spawn(run(
            client,
            spec,
            em.clone(),
            state.clone(),
            ready.clone(),
            heard,
        ));
        let all_listed = || lock(&state).initial.is_empty();
        let wait = async {
            while !all_listed() {
                let n = ready.notified();
                if all_listed() {
                    break;
                }
                n.await;
            }
        };
        if tokio::time::timeout(ready_within, wait).await.is_err() {
            em.notice(format!(
                "the watches were not all listed within {:.0?}; events before that may be missing",
                ready_within
            ));
        }
        Watch {
            task,
            liveness,
            state,
        }
    }

    /// Lets late events arrive for `grace`, then stops and returns what was seen. A watch still
    /// reconnecting (the API server restarted) gets up to [`RELIST_WAIT`] more to list again, so
    /// the rows end in the cluster's final state.
    pub(crate) async fn stop(self, grace: Duration) -> Collected {
        tokio::time::sleep(grace).await;
        let deadline = tokio::time::Instant::now() + RELIST_WAIT;
        while !lock(&self.state).lost.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.task.abort();
        self.liveness.abort();
        lock(&self.state).collected.clone()
    }
}

/// How long [`Watch::stop`] waits for a reconnecting watch.
pub const RELIST_WAIT: Duration = Duration::from_secs(5);

/// Retry delays of a lost watch: 250 ms doubling to at most 2 s (kube's default grows to 30 s,
/// right for controllers, too slow for a person watching a deploy), from the start again once
/// the watch is back.
#[derive(Debug, Clone, Copy)]
struct Retry(Duration);

impl Default for Retry {
    fn default() -> Self {
        Retry(Duration::from_millis(250))
    }
}

impl Iterator for Retry {
    type Item = Duration;
    fn next(&mut self) -> Option<Duration> {
        let d = self.0;
        self.0 = (d * 2).min(Duration::from_secs(2));
        Some(d)
    }
}

impl kube::runtime::utils::Backoff for Retry {
    fn reset(&mut self) {
        *self = Retry::default();
    }
}

fn lock(s: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

async fn run(
    client: Client,
    spec: Spec,
    em: Emitter,
    state: Arc<Mutex<State>>,
    ready: Arc<tokio::sync::Notify>,
    heard: Heard,
) {
    let ns = spec.namespace.as_str();
    let sel = format!("{INSTANCE}={}", spec.release);
    let cfg = watcher::Config::default;
    let streams: Vec<BoxStream<'static, Seen>> = vec![
        watcher::watcher(Api::<Job>::namespaced(client.clone(), ns), cfg())
            .backoff(Retry::default())
            .map(Seen::Job)
            .boxed(),
        watcher::watcher(Api::<Pod>::namespaced(client.clone(), ns), cfg())
            .backoff(Retry::default())
            .map(Seen::Pod)
            .boxed(),
        watcher::watcher(
            Api::<Deployment>::namespaced(client.clone(), ns),
            cfg().labels(&sel),
        )
        .backoff(Retry::default())
        .map(Seen::Deploy)
        .boxed(),
        watcher::watcher(
            Api::<StatefulSet>::namespaced(client.clone(), ns),
            cfg().labels(&sel),
        )
        .backoff(Retry::default())
        .map(Seen::Sts)
        .boxed(),
        watcher::watcher(
            Api::<DaemonSet>::namespaced(client.clone(), ns),
            cfg().labels(&sel),
        )
        .backoff(Retry::default())
        .map(Seen::Ds)
        .boxed(),
        watcher::watcher(Api::<KEvent>::namespaced(client.clone(), ns), cfg())
            .backoff(Retry::default())
            .map(Seen::Ev)
            .boxed(),
        futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Some((Seen::Tick, ()))
        })
        .boxed(),
    ];
    let mut all = futures::stream::select_all(streams);
    let w = Watcher {
        client,
        spec,
        em,
        state,
        ready,
        heard,
    };
    while let Some(item) = all.next().await {
        match item {
            Seen::Job(e) => w.on("jobs", e, |w, j, init, del| w.job(j, init, del)),
            Seen::Pod(e) => w.on("pods", e, |w, p, init, del| w.pod(p, init, del)),
            Seen::Deploy(e) => w.on("deployments", e, |w, d, init, del| {
                let s = deployment_state(&d);
                let seen = d.status.as_ref().and_then(|s| s.observed_generation);
                w.workload("Deployment", &d, s, seen, init, del)
            }),
            Seen::Sts(e) => w.on("statefulsets", e, |w, d, init, del| {
                let s = statefulset_state(&d);
                let seen = d.status.as_ref().and_then(|s| s.observed_generation);
                w.workload("StatefulSet", &d, s, seen, init, del)
            }),
            Seen::Ds(e) => w.on("daemonsets", e, |w, d, init, del| {
                let s = daemonset_state(&d);
                let seen = d.status.as_ref().and_then(|s| s.observed_generation);
                w.workload("DaemonSet", &d, s, seen, init, del)
            }),
            Seen::Tick => w.idle_controllers(),
            Seen::Ev(e) => w.on("events", e, |w, ev, init, del| w.event(ev, init, del)),
        }
    }
}

struct Watcher {
    client: Client,
    spec: Spec,
    em: Emitter,
    state: Arc<Mutex<State>>,
    ready: Arc<tokio::sync::Notify>,
    heard: Heard,
}

impl Watcher {
    /// One item of one watch: errors become a notice (once per outage), a finished list ends the
    /// stream's baseline, objects go to `f(self, object, baseline, deleted)`.
    fn on<K>(
        &self,
        stream: &'static str,
        item: Result<Event<K>, watcher::Error>,
        f: impl Fn(&Self, K, bool, bool),
    ) {
        let ev = match item {
            Ok(ev) => {
                self.heard.touch();
                ev
            }
            Err(e) => {
                let first = lock(&self.state).lost.insert(stream);
                if first {
                    lock(&self.state).collected.reconnects += 1;
                    self.em
                        .notice(format!("watch of {stream} interrupted ({e}); reconnecting"));
                }
                return;
            }
        };
        let baseline = lock(&self.state).initial.contains(stream);
        match ev {
            Event::Init => {}
            Event::InitDone => {
                let (was_lost, now_ready) = {
                    let mut s = lock(&self.state);
                    let was_lost = s.lost.remove(stream);
                    s.initial.remove(stream);
                    (was_lost, s.initial.is_empty())
                };
                if was_lost {
                    self.em
                        .notice(format!("watch of {stream} reconnected and listed again"));
                }
                if now_ready {
                    self.ready.notify_waiters();
                }
            }
            Event::InitApply(o) => f(self, o, baseline, false),
            Event::Apply(o) => {
                let was_lost = lock(&self.state).lost.remove(stream);
                if was_lost {
                    self.em.notice(format!("watch of {stream} reconnected"));
                }
                f(self, o, false, false)
            }
            Event::Delete(o) => f(self, o, false, true),
        }
    }

    /// Records a row's state; sends it when it is news (not baseline) and changed.
    fn row(&self, object: ObjectRef, state: String, hook: Option<String>, baseline: bool) -> bool {
        let mut s = lock(&self.state);
        match s.rows.get(&object.uid).copied() {
            Some(i) => {
                let row = &mut s.collected.rows[i];
                if row.state == state {
                    return false;
                }
                row.state = state.clone();
            }
            None => {
                let i = s.collected.rows.len();
                s.rows.insert(object.uid.clone(), i);
                s.collected.rows.push(Row {
                    object: object.clone(),
                    state: state.clone(),
                    hook: hook.clone(),
                    succeeded: false,
                    failed: false,
                    deleted: false,
                    duration_ms: None,
                });
            }
        }
        drop(s);
        if !baseline || self.spec.report_baseline {
            self.em.send(Kind::Object {
                object,
                state,
                hook,
            });
        }
        !baseline
    }

    fn update_row(&self, uid: &str, f: impl FnOnce(&mut Row)) -> Option<Row> {
        let mut s = lock(&self.state);
        let i = *s.rows.get(uid)?;
        f(&mut s.collected.rows[i]);
        Some(s.collected.rows[i].clone())
    }

    fn job(&self, j: Job, baseline: bool, deleted: bool) {
        let name = j.name_any();
        let ours = j.labels().get(INSTANCE) == Some(&self.spec.release)
            || self.spec.hook_names.contains(&name);
        if !ours {
            return;
        }
        let hook = j.annotations().get(HOOK).cloned();
        if let Some(h) = &hook {
            lock(&self.state).job_hooks.insert(name.clone(), h.clone());
        }
        let object = ObjectRef {
            kind: "Job".into(),
            name: name.clone(),
            uid: j.uid().unwrap_or_default(),
        };
        let status = j.status.clone().unwrap_or_default();
        let cond = |t: &str| {
            status
                .conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == t && c.status == "True")
                .cloned()
        };
        let took = match (&status.start_time, &status.completion_time) {
            (Some(a), Some(b)) => Some(b.0.duration_since(a.0).as_secs_f64()),
            _ => None,
        };
        // A post hook appearing (or its previous run deleted by before-hook-creation) ends the
        // apply: say so before its row.
        if !baseline && self.spec.post_hooks.contains(&name) {
            self.em.enter(Phase::PostHooks);
        }
        if deleted {
            let row = self.update_row(&object.uid, |r| r.deleted = true);
            if let Some(r) = row
                && !baseline
            {
                let state = if r.succeeded {
                    "deleted after completing (counted as success)".to_string()
                } else if r.failed {
                    "deleted after failing".to_string()
                } else {
                    "deleted before completing".to_string()
                };
                self.row(object, state, hook, false);
            }
            return;
        }
        let (state, ok, failed) = if let Some(_c) = cond("Complete") {
            (
                match took {
                    Some(t) => format!("complete in {t:.1}s"),
                    None => "complete".into(),
                },
                true,
                false,
            )
        } else if let Some(c) = cond("Failed") {
            (
                format!(
                    "failed: {}: {}",
                    c.reason.clone().unwrap_or_default(),
                    c.message.clone().unwrap_or_default()
                ),
                false,
                true,
            )
        } else if status.active.unwrap_or(0) > 0 {
            ("running".into(), false, false)
        } else if status.start_time.is_some() {
            ("finishing".into(), false, false)
        } else {
            ("created".into(), false, false)
        };
        let news = self.row(object.clone(), state, hook.clone(), baseline);
        self.update_row(&object.uid, |r| {
            r.succeeded |= ok;
            r.failed |= failed;
            r.duration_ms = took.map(|t| (t * 1000.0) as u64);
        });
        if !news {
            return;
        }
        // Phases: the last pre hook completing starts the apply.
        if self.spec.pre_hooks.contains(&name) {
            if ok {
                let all = {
                    let mut s = lock(&self.state);
                    s.pre_done.insert(name.clone());
                    self.spec.pre_hooks.iter().all(|h| s.pre_done.contains(h))
                };
                if all {
                    self.em.enter(Phase::ApplyAndWait);
                }
            } else {
                self.em.enter(Phase::PreHooks);
            }
        }
        if failed && let Some(c) = cond("Failed") {
            self.card(
                format!("Job/{name}"),
                c.reason.unwrap_or_else(|| "Failed".into()),
                c.message.unwrap_or_default(),
                None,
                hook,
                None,
            );
        }
    }

    fn pod(&self, p: Pod, baseline: bool, deleted: bool) {
        let name = p.name_any();
        let job = p.labels().get("job-name").cloned();
        let ours = p.labels().get(INSTANCE) == Some(&self.spec.release)
            || self.spec.hook_names.contains(&name)
            || job
                .as_ref()
                .is_some_and(|j| self.spec.hook_names.contains(j));
        if !ours {
            return;
        }
        let hook = p.annotations().get(HOOK).cloned().or_else(|| {
            job.as_ref()
                .and_then(|j| lock(&self.state).job_hooks.get(j).cloned())
        });
        let object = ObjectRef {
            kind: "Pod".into(),
            name: name.clone(),
            uid: p.uid().unwrap_or_default(),
        };
        if !baseline
            && job
                .as_ref()
                .is_some_and(|j| self.spec.post_hooks.contains(j))
        {
            self.em.enter(Phase::PostHooks);
        }
        if deleted {
            self.waits(&object, None);
            let row = self.update_row(&object.uid, |r| r.deleted = true);
            if row.is_some() && !baseline {
                self.row(object, "deleted".into(), hook, false);
            }
            return;
        }
        let status = p.status.clone().unwrap_or_default();
        let phase = status.phase.clone().unwrap_or_else(|| "Pending".into());
        // No node, and no PodScheduled condition (a scheduler that looked at it and found no
        // node says so there): no scheduler has acted on it yet.
        let spec = p.spec.as_ref();
        let unscheduled = phase == "Pending"
            && spec.is_none_or(|s| s.node_name.is_none())
            && !status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "PodScheduled");
        let scheduler = spec
            .and_then(|s| s.scheduler_name.clone())
            .unwrap_or_else(|| DEFAULT_SCHEDULER.into());
        self.waits(&object, unscheduled.then_some(Some(scheduler)));
        let failure = cause::pod_failure(&p);
        let ready = status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        let state = match &failure {
            Some((reason, msg, _)) => format!("{phase}: {reason}: {msg}"),
            None if phase == "Running" && ready => "Running, ready".into(),
            None => phase.clone(),
        };
        let news = self.row(object.clone(), state, hook.clone(), baseline);
        let started = status.start_time.as_ref().map(|t| t.0);
        let finished = status
            .container_statuses
            .iter()
            .flatten()
            .filter_map(|c| c.state.as_ref()?.terminated.as_ref()?.finished_at.as_ref())
            .map(|t| t.0)
            .max();
        self.update_row(&object.uid, |r| {
            r.succeeded |= phase == "Succeeded";
            r.failed |= failure.is_some();
            if let (Some(a), Some(b)) = (started, finished) {
                r.duration_ms = Some(b.duration_since(a).as_millis().max(0) as u64);
            }
        });
        if !news {
            return;
        }
        let terminal = phase == "Succeeded" || phase == "Failed";
        if hook.is_some() && terminal {
            self.capture_logs(&p);
        }
        if let Some((reason, msg, container)) = failure {
            self.card(
                format!("Pod/{name}"),
                reason,
                msg,
                container,
                hook,
                Some(name),
            );
        }
    }

    fn workload<K: kube::Resource>(
        &self,
        kind: &str,
        o: &K,
        state: String,
        observed: Option<i64>,
        baseline: bool,
        deleted: bool,
    ) {
        let object = ObjectRef {
            kind: kind.into(),
            name: o.meta().name.clone().unwrap_or_default(),
            uid: o.meta().uid.clone().unwrap_or_default(),
        };
        // A generation no controller has observed yet starts (or keeps) its wait.
        let waiting = !deleted
            && o.meta()
                .generation
                .is_some_and(|g| observed.is_none_or(|seen| seen < g));
        self.waits(&object, waiting.then_some(None));
        let state = if deleted { "deleted".into() } else { state };
        let news = self.row(object, state, None, baseline);
        // The first change of a workload means helm is applying.
        if news && !deleted {
            let cur = self.em.current();
            if matches!(cur, Some(Phase::PreHooks)) && self.spec.pre_hooks.is_empty() {
                self.em.enter(Phase::ApplyAndWait);
            }
        }
    }

    fn event(&self, ev: KEvent, baseline: bool, deleted: bool) {
        if baseline || deleted {
            let key = format!("{}:{}", ev.uid().unwrap_or_default(), ev.count.unwrap_or(1));
            lock(&self.state).seen_events.insert(key);
            return;
        }
        let io = &ev.involved_object;
        let name = io.name.clone().unwrap_or_default();
        let uid = io.uid.clone().unwrap_or_default();
        let ours = lock(&self.state).rows.contains_key(&uid)
            || name.starts_with(&self.spec.release)
            || self.spec.hook_names.iter().any(|h| name.starts_with(h));
        if !ours {
            return;
        }
        let count = ev
            .series
            .as_ref()
            .and_then(|s| s.count)
            .or(ev.count)
            .unwrap_or(1);
        let key = format!("{}:{count}", ev.uid().unwrap_or_default());
        if !lock(&self.state).seen_events.insert(key) {
            return;
        }
        // An Event about a post hook (its Job or its pod) can arrive before the Job's own row:
        // the phase line comes first either way.
        if self.is_post_hook(io.kind.as_deref().unwrap_or_default(), &name) {
            self.em.enter(Phase::PostHooks);
        }
        let kind = ev.type_.clone().unwrap_or_else(|| "Normal".into());
        let reason = ev.reason.clone().unwrap_or_default();
        let message = ev.message.clone().unwrap_or_default();
        let object = format!("{}/{}", io.kind.clone().unwrap_or_default(), name);
        self.em.send(Kind::KubeEvent {
            kind: kind.clone(),
            reason: reason.clone(),
            object: object.clone(),
            message: message.clone(),
        });
        if kind == "Warning" && cause::EVENT_FAILURES.contains(&reason.as_str()) {
            let pod = (io.kind.as_deref() == Some("Pod")).then(|| name.clone());
            self.card(object, reason, message, None, None, pod);
        }
    }

    /// `object` waits for a controller (`Some(None)`), for the scheduler `Some(Some(name))`, or
    /// for nobody (`None`): a wait starts (or goes on), or ends.
    fn waits(&self, object: &ObjectRef, on: Option<Option<String>>) {
        let mut s = lock(&self.state);
        match on {
            Some(scheduler) => {
                s.unacted
                    .entry(object.uid.clone())
                    .or_insert_with(|| Unacted {
                        object: object.to_string(),
                        scheduler,
                        waited: 0,
                    });
            }
            None => {
                s.unacted.remove(&object.uid);
            }
        }
    }

    /// A second passed: workloads no controller has observed and pods no scheduler has looked at
    /// wait one more second, counted only while the API server answers (its own silence is
    /// reported by `liveness`); the first to reach [`NO_CONTROLLER_AFTER`] gets the cause card.
    fn idle_controllers(&self) {
        if self.heard.silent() >= Duration::from_secs(2) {
            return;
        }
        let due = {
            let mut s = lock(&self.state);
            let mut due = None;
            for u in s.unacted.values_mut() {
                u.waited += 1;
                if u.waited >= NO_CONTROLLER_AFTER && due.is_none() {
                    due = Some((u.object.clone(), u.cause()));
                }
            }
            due
        };
        if let Some((object, (reason, message))) = due {
            self.card(object, reason, message, None, None, None);
        }
    }

    /// A post hook's Job, or a pod of one (`<job>-<suffix>`).
    fn is_post_hook(&self, kind: &str, name: &str) -> bool {
        self.spec.post_hooks.iter().any(|h| match kind {
            "Job" => name == h,
            "Pod" => {
                name == h
                    || name
                        .strip_prefix(h.as_str())
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(|rest| !rest.is_empty() && !rest.contains('-'))
            }
            _ => false,
        })
    }

    /// The first failure becomes the cause card: logs of the failing container (bounded), then
    /// the card is sent.
    fn card(
        &self,
        object: String,
        reason: String,
        message: String,
        container: Option<String>,
        hook: Option<String>,
        pod: Option<String>,
    ) {
        {
            let mut s = lock(&self.state);
            if s.card_started {
                return;
            }
            s.card_started = true;
        }
        let detected_ms = self.em.elapsed_ms();
        let (client, ns, em, state) = (
            self.client.clone(),
            self.spec.namespace.clone(),
            self.em.clone(),
            self.state.clone(),
        );
        let next = cause::next_actions(
            &self.spec.release,
            &self.spec.namespace,
            self.spec.rollback_to,
            pod.as_deref(),
        );
        let timeout = self.spec.log_timeout;
        tokio::spawn(async move {
            let logs = match &pod {
                Some(p) => Some(
                    read_logs(
                        &client,
                        &ns,
                        p,
                        container.as_deref().unwrap_or(""),
                        20,
                        timeout,
                    )
                    .await,
                ),
                None => None,
            };
            let card = CauseCard {
                object,
                reason,
                message,
                container,
                hook,
                logs,
                helm_stderr: None,
                next_actions: next,
                detected_ms,
            };
            lock(&state).collected.cause = Some(card.clone());
            em.send(Kind::Failure(Box::new(card)));
        });
    }

    /// Reads a hook or test pod's logs once, as soon as it has run, so they survive its
    /// deletion.
    fn capture_logs(&self, p: &Pod) {
        let uid = p.uid().unwrap_or_default();
        if !lock(&self.state).logs_taken.insert(uid) {
            return;
        }
        let containers: Vec<String> = p
            .spec
            .iter()
            .flat_map(|s| {
                s.init_containers
                    .iter()
                    .flatten()
                    .chain(s.containers.iter())
            })
            .map(|c| c.name.clone())
            .collect();
        let (client, ns, em, state, name) = (
            self.client.clone(),
            self.spec.namespace.clone(),
            self.em.clone(),
            self.state.clone(),
            p.name_any(),
        );
        let timeout = self.spec.log_timeout;
        tokio::spawn(async move {
            for c in containers {
                let logs = read_logs(&client, &ns, &name, &c, 200, timeout).await;
                lock(&state).collected.logs.push(logs.clone());
                em.send(Kind::Logs(logs));
            }
        });
    }
}

/// The last `tail` lines of a container, bounded by `timeout`.
pub(crate) async fn read_logs(
    client: &Client,
    ns: &str,
    pod: &str,
    container: &str,
    tail: i64,
    timeout: Duration,
) -> Logs {
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    let lp = LogParams {
        container: (!container.is_empty()).then(|| container.to_string()),
        tail_lines: Some(tail),
        ..Default::default()
    };
    let mut out = Logs {
        pod: pod.to_string(),
        container: container.to_string(),
        lines: Vec::new(),
        unavailable: None,
    };
    match tokio::time::timeout(timeout, api.logs(pod, &lp)).await {
        Ok(Ok(text)) => out.lines = text.lines().map(str::to_string).collect(),
        Ok(Err(kube::Error::Api(s))) => {
            out.unavailable = Some(format!("the API server gave no logs: {}", s.message))
        }
        Ok(Err(e)) => out.unavailable = Some(format!("the API server gave no logs: {e}")),
        Err(_) => {
            out.unavailable = Some(format!(
                "no answer within {timeout:.0?} (is a kubelet serving this node?)"
            ))
        }
    }
    out
}

/// A Deployment's rollout state.
pub(crate) fn deployment_state(d: &Deployment) -> String {
    let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let st = d.status.clone().unwrap_or_default();
    let gen_ok = st.observed_generation >= d.metadata.generation;
    let (ready, updated, avail) = (
        st.ready_replicas.unwrap_or(0),
        st.updated_replicas.unwrap_or(0),
        st.available_replicas.unwrap_or(0),
    );
    if gen_ok && ready >= want && updated >= want && avail >= want {
        format!("ready {ready}/{want}")
    } else {
        format!("rolling out: updated {updated}/{want}, ready {ready}/{want}")
    }
}

/// A StatefulSet's rollout state.
pub(crate) fn statefulset_state(d: &StatefulSet) -> String {
    let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let st = d.status.clone().unwrap_or_default();
    let ready = st.ready_replicas.unwrap_or(0);
    let updated = st.updated_replicas.unwrap_or(0);
    let same_rev = st.update_revision.is_none() || st.current_revision == st.update_revision;
    if ready >= want && (same_rev || updated >= want) {
        format!("ready {ready}/{want}")
    } else {
        format!("rolling out: updated {updated}/{want}, ready {ready}/{want}")
    }
}

/// A DaemonSet's rollout state.
pub(crate) fn daemonset_state(d: &DaemonSet) -> String {
    let st = d.status.clone().unwrap_or_default();
    let want = st.desired_number_scheduled;
    let ready = st.number_ready;
    let updated = st.updated_number_scheduled.unwrap_or(0);
    if ready >= want && updated >= want {
        format!("ready {ready}/{want}")
    } else {
        format!("rolling out: updated {updated}/{want}, ready {ready}/{want}")
    }
}
