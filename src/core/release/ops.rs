//! Operations: the helm command lines (flags picked once by Helm's major version) and running one
//! with the watcher started first, its stderr streamed as events, phases closed, the cause card
//! completed with helm's stderr, and the run record written.
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};
use tokio::sync::Notify;

use crate::core::base::error::{Error, Result};
use crate::core::base::helm::Helm;
use crate::core::release::Cluster;
use crate::core::release::cause::{self, CauseCard};
use crate::core::release::events::{Emitter, Kind, Phase, PhaseState};
use crate::core::release::runlog::{self, RunRecord};
use crate::core::release::watch::{self, Collected, HOOK, Watch};
use crate::core::release::{lease, records};

/// Flags of `apwiz deploy` that reach helm.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeployFlags {
    pub timeout: Duration,
    pub max_history: Option<u32>,
    pub description: Option<String>,
    /// `--no-hooks`: a values-only change (a canary's weight step).
    pub no_hooks: bool,
}

fn secs(d: Duration) -> String {
    format!("{}s", d.as_secs().max(1))
}

/// `helm upgrade --install` with wait and rollback on failure (`--rollback-on-failure` on Helm 4,
/// `--atomic` on Helm 3; bare `--wait` on both).
pub(crate) fn upgrade_argv(
    helm: &Helm,
    cluster: &Cluster,
    release: &str,
    chart: &str,
    files: &[PathBuf],
    sets: &[String],
    f: &DeployFlags,
) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "upgrade".into(),
        "--install".into(),
        release.into(),
        chart.into(),
    ];
    v.extend(cluster.helm_flags());
    for file in files {
        v.extend(["--values".into(), file.display().to_string()]);
    }
    for s in sets {
        v.extend(["--set".into(), s.clone()]);
    }
    v.push("--wait".into());
    v.push(
        if helm.version.major >= 4 {
            "--rollback-on-failure"
        } else {
            "--atomic"
        }
        .into(),
    );
    v.extend(["--timeout".into(), secs(f.timeout)]);
    if let Some(n) = f.max_history {
        v.extend(["--history-max".into(), n.to_string()]);
    }
    if let Some(d) = &f.description {
        v.extend(["--description".into(), d.clone()]);
    }
    if f.no_hooks {
        v.push("--no-hooks".into());
    }
    v
}

/// `helm rollback REL [REV] --wait`.
pub(crate) fn rollback_argv(
    cluster: &Cluster,
    release: &str,
    revision: Option<u64>,
    timeout: Duration,
) -> Vec<String> {
    let mut v: Vec<String> = vec!["rollback".into(), release.into()];
    if let Some(r) = revision {
        v.push(r.to_string());
    }
    v.extend(cluster.helm_flags());
    v.extend(["--wait".into(), "--timeout".into(), secs(timeout)]);
    v
}

/// `helm test REL`.
pub(crate) fn test_argv(cluster: &Cluster, release: &str, timeout: Duration) -> Vec<String> {
    let mut v: Vec<String> = vec!["test".into(), release.into()];
    v.extend(cluster.helm_flags());
    v.extend(["--timeout".into(), secs(timeout)]);
    v
}

/// `helm uninstall REL --wait`.
pub(crate) fn uninstall_argv(cluster: &Cluster, release: &str, timeout: Duration) -> Vec<String> {
    let mut v: Vec<String> = vec!["uninstall".into(), release.into()];
    v.extend(cluster.helm_flags());
    v.extend(["--wait".into(), "--timeout".into(), secs(timeout)]);
    v
}

/// A hook object of a render: name, kind, events, weight.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HookObject {
    pub name: String,
    pub kind: String,
    pub events: Vec<String>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
}

impl From<&records::Hook> for HookObject {
    /// A hook as the release record stores it.
    fn from(h: &records::Hook) -> Self {
        HookObject {
            name: h.name.clone(),
            kind: h.kind.clone(),
            events: h.events.clone(),
            weight: h.weight,
            delete_policies: h.delete_policies.clone(),
        }
    }
}

/// The hooks of rendered objects (or of a stored manifest's hooks), in Helm's order: weight,
/// then name.
pub(crate) fn hooks_of(objects: &[Value]) -> Vec<HookObject> {
    let mut out: Vec<HookObject> = objects
        .iter()
        .filter_map(|o| {
            let ann = &o["metadata"]["annotations"];
            let events = ann[HOOK].as_str()?;
            Some(HookObject {
                name: o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                kind: o["kind"].as_str().unwrap_or_default().to_string(),
                events: events.split(',').map(|e| e.trim().to_string()).collect(),
                weight: ann["helm.sh/hook-weight"]
                    .as_str()
                    .and_then(|w| w.trim().parse().ok())
                    .unwrap_or(0),
                delete_policies: ann["helm.sh/hook-delete-policy"]
                    .as_str()
                    .map(|p| p.split(',').map(|e| e.trim().to_string()).collect())
                    .unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by(|a, b| (a.weight, &a.name).cmp(&(b.weight, &b.name)));
    out
}

/// The watch spec for an operation whose hooks run on `pre`/`post` events.
pub(crate) fn watch_spec(
    cluster: &Cluster,
    release: &str,
    hooks: &[HookObject],
    pre: &str,
    post: &str,
    rollback_to: Option<u64>,
) -> watch::Spec {
    let on = |e: &str| -> Vec<String> {
        hooks
            .iter()
            .filter(|h| h.events.iter().any(|x| x == e))
            .map(|h| h.name.clone())
            .collect()
    };
    watch::Spec {
        release: release.into(),
        namespace: cluster.namespace.clone(),
        pre_hooks: on(pre),
        post_hooks: on(post),
        hook_names: hooks.iter().map(|h| h.name.clone()).collect(),
        rollback_to,
        log_timeout: Duration::from_secs(2),
        report_baseline: false,
    }
}

/// What an operation did.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Outcome {
    pub ok: bool,
    pub helm_exit: Option<i32>,
    pub helm_stdout: String,
    pub helm_stderr: String,
    pub collected: Collected,
    /// The cause card, with helm's stderr (a failure with no card from the cluster gets one
    /// from helm's message).
    pub cause: Option<CauseCard>,
    pub record: Option<PathBuf>,
    pub duration_ms: u64,
    /// The signal the front end was ended by ([`Leave`]), when it was.
    pub ended_by: Option<String>,
    /// What became of helm when the front end left: left running (and how to re-attach) or
    /// stopped with it.
    pub left: Option<String>,
}

/// Asks a running operation to stop waiting for helm because the front end is leaving (SIGTERM,
/// SIGHUP): helm is given a moment (it may have had the signal too), then left to run on; the
/// run record is written either way and says which.
#[derive(Default)]
pub(crate) struct Leave {
    notify: Notify,
    why: std::sync::Mutex<String>,
}

impl Leave {
    /// The front end leaves because of `why` (a signal's name).
    pub(crate) fn now(&self, why: &str) {
        *self.why.lock().unwrap_or_else(|p| p.into_inner()) = why.to_string();
        self.notify.notify_one();
    }

    fn why(&self) -> String {
        self.why.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Waits for the front end to leave (forever when it cannot).
async fn leaving(l: Option<&Arc<Leave>>) {
    match l {
        Some(l) => l.notify.notified().await,
        None => std::future::pending().await,
    }
}

/// How long helm may take to end after the front end was signalled, before it counts as left
/// running.
const HELM_GRACE: Duration = Duration::from_secs(1);

/// One operation to run.
pub(crate) struct Run<'a> {
    pub name: &'a str,
    pub cluster: &'a Cluster,
    pub helm: &'a Helm,
    pub argv: Vec<String>,
    pub spec: watch::Spec,
    /// The phase helm starts in.
    pub first_phase: Phase,
    pub plan: Value,
    pub emitter: Emitter,
    /// Where run records go (default: the state dir).
    pub state_dir: Option<PathBuf>,
    /// Helm may outlive apwiz (the TUI's detach): its own process group, not killed when the
    /// operation is dropped. The CLI keeps helm in its process group, so Ctrl-C reaches both.
    pub detachable: bool,
    /// Notified to interrupt helm cleanly (SIGINT: helm cancels, marks the release failed and,
    /// with rollback on failure, rolls it back) instead of killing it.
    pub interrupt: Option<Arc<Notify>>,
    /// Notified when the front end leaves (SIGTERM, SIGHUP): the run record is written and helm
    /// left running unless it ended with the signal.
    pub leave: Option<Arc<Leave>>,
}

/// Reads `path` as helm writes it, sending each line as an event, until helm has exited
/// (`exited`) and the file is read to its end; returns everything read.
async fn tail_lines(path: PathBuf, em: Emitter, exited: Arc<AtomicBool>) -> String {
    let mut all = String::new();
    let Ok(mut f) = tokio::fs::File::open(&path).await else {
        return all;
    };
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 8192];
    let send = |bytes: &[u8], all: &mut String| {
        let line = String::from_utf8_lossy(bytes).into_owned();
        all.push_str(&line);
        all.push('\n');
        em.send(Kind::Helm { line });
    };
    loop {
        let n = f.read(&mut chunk).await.unwrap_or(0);
        if n > 0 {
            pending.extend_from_slice(&chunk[..n]);
            while let Some(i) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=i).collect();
                send(&line[..line.len() - 1], &mut all);
            }
            continue;
        }
        // Read to the end after helm exited: nothing more will come.
        if exited.load(Ordering::Acquire) {
            if !pending.is_empty() {
                send(&pending, &mut all);
            }
            return all;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits for an interrupt (forever when there is none).
async fn interrupted(n: Option<&Arc<Notify>>) {
    match n {
        Some(n) => n.notified().await,
        None => std::future::pending().await,
    }
}

/// Asks a process to stop the way Ctrl-C in a terminal would.
fn send_sigint(pid: u32) -> std::io::Result<()> {
    let st = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()?;
    if st.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("kill -INT {pid}: {st}")))
    }
}

/// Takes the release's Lease (every operation but `helm test`), runs helm watched, releases the
/// Lease. A Lease another apwiz holds refuses the operation before anything changes.
pub(crate) async fn run(r: Run<'_>) -> Result<Outcome> {
    let guard = if r.name == "test" {
        None
    } else {
        take_lease(&r).await?
    };
    let holder = guard.as_ref().map(|(_, h)| h.clone());
    let result = run_helm(r, holder).await;
    if let Some((g, _)) = guard {
        g.release().await;
    }
    result
}

/// The Lease for `r` and who holds it now (`None`: the user may not use Leases; said as a notice).
async fn take_lease(r: &Run<'_>) -> Result<Option<(Box<lease::Guard>, lease::Holder)>> {
    let em = r.emitter.clone();
    let commit = r.plan["description"]
        .as_str()
        .filter(|d| d.starts_with("git "))
        .map(str::to_string);
    let holder = lease::Holder::me(r.name, commit);
    let lost = em.clone();
    match lease::acquire(r.cluster, &r.spec.release, &holder, move |m| lost.notice(m)).await? {
        lease::Taken::Held(g, warning) => {
            if let Some(w) = warning {
                em.notice(w);
            }
            Ok(Some((g, holder)))
        }
        lease::Taken::Unguarded(why) => {
            em.notice(why);
            Ok(None)
        }
        lease::Taken::Refused(refusal) => {
            // The card first (the screens show who holds it), then the error that ends the run.
            em.send(Kind::Failure(Box::new(refusal.card())));
            em.close_stream();
            Err(Error::Invalid(refusal.to_string()))
        }
    }
}

/// Starts the watcher, runs helm, streams its stderr, ends phases, writes the run record.
async fn run_helm(r: Run<'_>, holder: Option<lease::Holder>) -> Result<Outcome> {
    let em = r.emitter.clone();
    let started = jiff::Timestamp::now();
    let watch = Watch::start(
        r.cluster.client.clone(),
        r.spec.clone(),
        em.clone(),
        Duration::from_secs(5),
    )
    .await;
    em.enter(r.first_phase);
    // Helm's output goes to files beside the run records, read as they grow: a detached helm
    // (the TUI's `q q`) keeps writing where nobody reads, instead of dying on a closed pipe.
    let (out_path, err_path) = runlog::helm_output_paths(
        r.state_dir.as_deref(),
        &r.cluster.namespace,
        &r.spec.release,
        r.name,
    )?;
    let mut child = spawn_helm(&r, &out_path, &err_path)?;
    let exited = Arc::new(AtomicBool::new(false));
    let err_task = tokio::spawn(tail_lines(err_path.clone(), em.clone(), exited.clone()));
    let (status, ended_by) = wait_helm(&r, &mut child).await?;
    exited.store(true, Ordering::Release);
    let helm_stderr = err_task.await.unwrap_or_default();
    let helm_stdout = tokio::fs::read_to_string(&out_path)
        .await
        .unwrap_or_default();
    let left = ended_by
        .as_ref()
        .map(|why| left_message(&r, why, status.as_ref(), child.id(), &err_path));
    if status.is_some() {
        let _ = tokio::fs::remove_file(&out_path).await;
        let _ = tokio::fs::remove_file(&err_path).await;
    } else {
        // Left running: neither killed when dropped nor waited for; its output stays beside the
        // run records.
        std::mem::forget(child);
    }
    if let Some(l) = &left {
        em.notice(l.clone());
    }
    let ok = left.is_none() && status.is_some_and(|st| st.success());
    let helm_exit = status.and_then(|st| st.code());
    let killed = status.and_then(|st| std::os::unix::process::ExitStatusExt::signal(&st)).map(|sig| {
        format!(
            "helm was ended by signal {sig} before it finished: the release may be left pending-*; `apwiz status --release {} -n {}` says what recovers it",
            r.spec.release, r.spec.namespace
        )
    });
    if let Some(k) = &killed {
        em.notice(k.clone());
    }
    em.finish(if ok {
        PhaseState::Done
    } else {
        PhaseState::Failed
    });
    // Late events (deletions after success, a card's log read) still arrive for a moment.
    let collected = watch
        .stop(Duration::from_millis(if ok || left.is_some() {
            300
        } else {
            2500
        }))
        .await;
    let cause = if ok || left.is_some() {
        None
    } else {
        Some(failure_card(&r, &collected, killed, &helm_stderr))
    };
    em.send(Kind::Phase {
        phase: Phase::Done,
        state: if ok {
            PhaseState::Done
        } else {
            PhaseState::Failed
        },
        duration_ms: Some(em.elapsed_ms()),
    });
    let outcome = outcome_text(ok, left.is_some(), status.is_some(), ended_by.as_deref());
    let mut out = Outcome {
        ok,
        helm_exit,
        helm_stdout,
        helm_stderr,
        collected,
        cause,
        record: None,
        duration_ms: 0,
        ended_by,
        left,
    };
    out.record = write_record(r, started, holder, outcome, &out);
    em.close_stream();
    out.duration_ms = em.elapsed_ms();
    Ok(out)
}

/// Writes the run record of `r` (its `outcome` said in words; `None`: not written, said as a
/// notice).
fn write_record(
    r: Run<'_>,
    started: jiff::Timestamp,
    holder: Option<lease::Holder>,
    outcome: String,
    o: &Outcome,
) -> Option<PathBuf> {
    let em = &r.emitter;
    let rec = RunRecord {
        operation: r.name.into(),
        release: r.spec.release.clone(),
        namespace: r.cluster.namespace.clone(),
        context: r.cluster.context.clone(),
        started: started.to_string(),
        duration_ms: em.elapsed_ms(),
        helm_argv: runlog::redact_argv(&r.argv),
        plan: r.plan,
        helm_exit: o.helm_exit,
        helm_stderr: o.helm_stderr.clone(),
        ok: o.ok,
        outcome,
        phases: em
            .phases()
            .iter()
            .map(|(p, ms, s)| serde_json::json!({"phase": p, "durationMs": ms, "state": s}))
            .collect(),
        rows: o.collected.rows.clone(),
        logs: o.collected.logs.clone(),
        cause: o.cause.clone(),
        events: em.events(),
        holder,
    };
    match runlog::write(&rec, r.state_dir.as_deref()) {
        Ok(p) => Some(p),
        Err(e) => {
            em.notice(format!("run record not written: {e}"));
            None
        }
    }
}

/// Starts helm with `r`'s arguments, its output to the two files (`detachable`: in its own
/// process group, not killed when dropped).
fn spawn_helm(r: &Run<'_>, out_path: &PathBuf, err_path: &PathBuf) -> Result<Child> {
    let file = |p: &PathBuf| std::fs::File::create(p).map_err(|e| Error::io(p, e));
    let mut cmd = Command::new(&r.helm.path);
    cmd.args(&r.argv)
        .env("NO_COLOR", "1")
        .env("HELM_COLOR", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::from(file(out_path)?))
        .stderr(Stdio::from(file(err_path)?))
        .kill_on_drop(!r.detachable);
    if r.detachable {
        // Its own process group: the terminal's signals and hang-up are not helm's.
        cmd.process_group(0);
    }
    cmd.spawn()
        .map_err(|e| Error::Environment(format!("cannot run {}: {e}", r.helm.path.display())))
}

/// Waits for helm: its exit status (`None`: still running when apwiz left), and why apwiz left
/// (`None`: it did not). An interrupt is passed on to helm once, as SIGINT.
async fn wait_helm(
    r: &Run<'_>,
    child: &mut Child,
) -> Result<(Option<std::process::ExitStatus>, Option<String>)> {
    let em = &r.emitter;
    let mut asked = false;
    let mut ended_by = None;
    let helm_error = |e: std::io::Error| Error::Environment(format!("helm: {e}"));
    let status = loop {
        tokio::select! {
            st = child.wait() => break Some(st.map_err(helm_error)?),
            _ = leaving(r.leave.as_ref()), if ended_by.is_none() => {
                ended_by = r.leave.as_ref().map(|l| l.why());
                // A signal to the whole process group reached helm too: it may be ending.
                match tokio::time::timeout(HELM_GRACE, child.wait()).await {
                    Ok(st) => break Some(st.map_err(helm_error)?),
                    Err(_) => break None,
                }
            }
            _ = interrupted(r.interrupt.as_ref()), if !asked => {
                asked = true;
                match child.id().map(send_sigint) {
                    Some(Ok(())) => em.notice("interrupting helm (SIGINT): it cancels and marks the release failed"),
                    Some(Err(e)) => em.notice(format!("could not interrupt helm: {e}")),
                    None => {}
                }
            }
        }
    };
    Ok((status, ended_by))
}

/// What apwiz says when it left (`why`) before or with helm (`status`: `None` while helm goes on,
/// as `pid`, writing to `err_path`).
fn left_message(
    r: &Run<'_>,
    why: &str,
    status: Option<&std::process::ExitStatus>,
    pid: Option<u32>,
    err_path: &std::path::Path,
) -> String {
    let target = format!("--release {} -n {}", r.spec.release, r.spec.namespace);
    match status {
        None => format!(
            "apwiz ended by {why} while helm (pid {}, writing to {}) was working: helm goes on; re-attach with `apwiz status --watch {target}`, or read its outcome later with `apwiz status {target}`",
            pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
            err_path.display()
        ),
        Some(st) => format!(
            "apwiz ended by {why}, and helm with it ({st}): the release may be left pending-*; `apwiz status {target}` says what recovers it"
        ),
    }
}

/// The cause card of a failed run: the watcher's, else helm's own (the signal that `killed` it,
/// or its last `Error:` line); helm's stderr always attached.
fn failure_card(
    r: &Run<'_>,
    collected: &Collected,
    killed: Option<String>,
    helm_stderr: &str,
) -> CauseCard {
    let mut card = collected.cause.clone().unwrap_or_else(|| CauseCard {
        object: format!("release/{}", r.spec.release),
        reason: "HelmFailed".into(),
        message: killed.unwrap_or_else(|| {
            helm_stderr
                .lines()
                .rev()
                .find(|l| l.starts_with("Error:"))
                .unwrap_or("helm failed")
                .to_string()
        }),
        next_actions: cause::next_actions(
            &r.spec.release,
            &r.spec.namespace,
            r.spec.rollback_to,
            None,
        ),
        detected_ms: r.emitter.elapsed_ms(),
        ..Default::default()
    });
    card.helm_stderr = Some(helm_stderr.trim_end().to_string());
    card
}

/// The run record's outcome: left running or stopped when apwiz ended first (`left`; `exited`:
/// helm ended with it), else succeeded or failed.
fn outcome_text(ok: bool, left: bool, exited: bool, ended_by: Option<&str>) -> String {
    let why = ended_by.unwrap_or_default();
    match (left, exited) {
        (true, false) => format!("left running: apwiz ended by {why}"),
        (true, true) => format!("stopped: apwiz ended by {why}, helm with it"),
        _ if ok => "succeeded".into(),
        _ => "failed".into(),
    }
}
