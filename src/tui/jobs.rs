//! The only place that starts background work. Each [`Cmd`] becomes a task on the process's one
//! runtime; its result comes back as a [`Msg`] over the loop's channel. Renders + validations go
//! through one [`Latest`] slot: a newer request aborts the older one (killing its helm), and each
//! result carries its generation so the state can drop a stale one. The work itself is in plain
//! functions ([`plan`], [`review_files`], [`write`], [`stage`]) that tests call directly.
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use similar::{ChangeTag, TextDiff};
use tokio::sync::Notify;

use crate::core::base::error::{Error, Result};
use crate::core::base::jobs::Latest;
use crate::core::check::manifests::Object;
use crate::core::check::{netpol, pipeline};
use crate::core::inputs::Inputs;
use crate::core::inputs::answers::Answers;
use crate::core::ops;
use crate::core::ops::import::{Proof, Proven};
use crate::core::release::diff as rdiff;
use crate::core::release::events::{Emitter, ReleaseEvent};
use crate::core::release::{self, Cluster, Target, records};
use crate::core::scaffold::generate::Planned;
use crate::core::session::Session;
use crate::tui::highlight;
use crate::tui::msg::{
    After, Cmd, DiffLine, Msg, OpEnd, OpsMsg, RenderResult, ReviewFile, RevisionView, Shared,
    StatusHead,
};

/// The review of a plan: each file's diff against the disk.
pub fn review_files(session: &Session, planned: &[Planned]) -> Vec<ReviewFile> {
    planned
        .iter()
        .map(|p| {
            let old = if p.exists {
                std::fs::read_to_string(&p.path).unwrap_or_default()
            } else {
                String::new()
            };
            let new = p.text.clone().unwrap_or_else(|| old.clone());
            ReviewFile {
                display: session.display(&p.path),
                exists: p.exists,
                changed: p.text.is_some(),
                lines: diff(&old, &new),
            }
        })
        .collect()
}

/// The proven import in `proof` (a refused one has nothing to write).
fn proven(proof: &Shared<Proof>) -> Result<&Proven> {
    match &*proof.0 {
        Proof::Proven(p) => Ok(p),
        Proof::Refused(_) => Err(Error::Invalid(
            "the import was refused: nothing to write".into(),
        )),
    }
}

/// The review of a proven import's files against the disk (the wizard's review forces: it
/// shows every change before it is written).
pub fn plan_import(
    session: &Session,
    proof: &Shared<Proof>,
    out_dir: &Path,
) -> Result<Vec<ReviewFile>> {
    let planned = ops::import::plan(&proven(proof)?.files, out_dir, true)?;
    Ok(review_files(session, &planned))
}

/// Writes a proven import's files with the writer the wizard uses.
pub fn write_import(
    proof: &Shared<Proof>,
    out_dir: &Path,
) -> Result<Vec<(PathBuf, crate::core::scaffold::generate::Outcome)>> {
    ops::import::write(&proven(proof)?.files, out_dir, true)
}

/// A line diff with three lines of context (a new file: every line added).
pub(crate) fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    let d = TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    let total = old.lines().count();
    let mut shown_to = 0usize;
    for group in d.grouped_ops(3) {
        let Some(first) = group.first() else { continue };
        let start = first.old_range().start;
        if start > shown_to {
            out.push(DiffLine::Skipped(start - shown_to));
        }
        for op in &group {
            for change in d.iter_changes(op) {
                let t = change.value().trim_end_matches('\n').to_string();
                out.push(match change.tag() {
                    ChangeTag::Equal => DiffLine::Same(t),
                    ChangeTag::Insert => DiffLine::Added(t),
                    ChangeTag::Delete => DiffLine::Removed(t),
                });
            }
        }
        if let Some(last) = group.last() {
            shown_to = last.old_range().end;
        }
    }
    if out.is_empty() && total > 0 {
        out.push(DiffLine::Skipped(total));
    } else if shown_to < total && !out.is_empty() {
        out.push(DiffLine::Skipped(total - shown_to));
    }
    out
}

/// Renders and validates `inputs`, sending the render first (the tree updates as soon as helm
/// is done) and the report after. Helm missing: the pane says so and the in-process checks run.
pub(crate) async fn check(
    session: Arc<Session>,
    generation: u64,
    env: Option<String>,
    inputs: Inputs,
    tx: Sender<Msg>,
) {
    let send_render = |result| {
        let _ = tx.send(Msg::Rendered {
            generation,
            env: env.clone(),
            result,
        });
    };
    let checker = match session.checker(true).await {
        Ok(c) => c,
        Err(e) => {
            send_render(Err(e.to_string()));
            let result = match session.checker(false).await {
                Ok(c) => pipeline::validate(c, inputs)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(Msg::Validated {
                generation,
                env: env.clone(),
                result,
            });
            return;
        }
    };
    let t = Instant::now();
    let rendered = pipeline::render(checker.clone(), inputs.clone()).await;
    let millis = t.elapsed().as_secs_f64() * 1000.0;
    let namespace = inputs.namespace.clone().unwrap_or_else(|| "default".into());
    let result = match rendered {
        Ok(r) => {
            let objects = r.objects;
            let errors = r.findings.iter().map(|f| f.to_text()).collect();
            pipeline::off_thread(move || render_result(objects, millis, errors, &namespace))
                .await
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    send_render(result);
    let result = pipeline::validate(checker, inputs)
        .await
        .map_err(|e| e.to_string());
    let _ = tx.send(Msg::Validated {
        generation,
        env: env.clone(),
        result,
    });
}

/// Runs an operation while forwarding its event stream as messages; the stream is drained before
/// this returns, so the operation's end always comes after its last event.
pub(crate) async fn stream_op(
    run: release::ops::Run<'_>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<ReleaseEvent>,
    stream: u64,
    tx: &Sender<Msg>,
) -> Result<release::ops::Outcome> {
    let forward = async {
        while let Some(ev) = rx.recv().await {
            let _ = tx.send(Msg::Ops(OpsMsg::Release {
                stream,
                event: Box::new(ev),
            }));
        }
    };
    let (outcome, ()) = tokio::join!(release::ops::run(run), forward);
    outcome
}

/// Runs `p` (detachable, interruptible by `notify`, left by `leave` when apwiz is signalled)
/// while streaming its events.
async fn run_op<P: ops::Operation>(
    p: &P,
    (notify, leave): (Arc<Notify>, Arc<release::ops::Leave>),
    stream: u64,
    tx: &Sender<Msg>,
) -> std::result::Result<OpEnd, String> {
    let (em, rx) = Emitter::new();
    let mut run = p.run(em);
    run.interrupt = Some(notify);
    run.leave = Some(leave);
    run.detachable = true;
    match stream_op(run, rx, stream, tx).await {
        Ok(o) => Ok(op_end(o, p.reads_notes()).await),
        Err(e) => Err(e.to_string()),
    }
}

/// The end of an operation for the screen: after a successful deploy, the new revision and its
/// NOTES.
async fn op_end(o: release::ops::Outcome, after: Option<(&Cluster, &str)>) -> OpEnd {
    let mut end = OpEnd {
        ok: o.ok,
        cause: o.cause,
        record: o.record,
        revision: None,
        notes: None,
        left: o.left,
    };
    if o.ok
        && let Some((cluster, release)) = after
        && let Ok(rec) = records::open(cluster, release, None).await
    {
        end.revision = Some(rec.revision);
        end.notes = Some(rec.info.notes).filter(|n| !n.trim().is_empty());
    }
    end
}

/// A revision opened and diffed against another.
async fn open_revision(
    session: Arc<Session>,
    target: Target,
    release: String,
    revision: u64,
    against: u64,
) -> Result<RevisionView> {
    let cluster = ops::target::cluster(&session, &target, None).await?;
    let (a, b) = futures::try_join!(
        records::open(&cluster, &release, Some(against)),
        records::open(&cluster, &release, Some(revision))
    )?;
    let changes = rdiff::diff_manifests(&a.raw_manifest, &b.raw_manifest, &cluster.namespace)?;
    let only = |x: &[String], y: &[String]| -> Vec<String> {
        x.iter().filter(|k| !y.contains(k)).cloned().collect()
    };
    Ok(RevisionView {
        keys_added: only(&b.supplied_value_keys, &a.supplied_value_keys),
        keys_removed: only(&a.supplied_value_keys, &b.supplied_value_keys),
        revision,
        against,
        chart: format!("{}-{}", b.chart.name, b.chart.version),
        app_version: b.chart.app_version,
        description: b.info.description,
        changes,
    })
}

/// The status screen's work: the release's latest record, then its objects watched (the first
/// lists included) until `stop` is notified.
async fn watch_status(
    session: Arc<Session>,
    target: Target,
    release: String,
    stream: u64,
    stop: Arc<Notify>,
    tx: Sender<Msg>,
) {
    let (cluster, rec) = match ops::status::open(&session, &target, &release).await {
        Ok(x) => x,
        Err(e) => {
            let _ = tx.send(Msg::Ops(OpsMsg::StatusOpened {
                stream,
                result: Err(e.to_string()),
            }));
            return;
        }
    };
    let _ = tx.send(Msg::Ops(OpsMsg::StatusOpened {
        stream,
        result: Ok(StatusHead {
            revision: rec.revision,
            status: rec.info.status.clone(),
            chart: format!(
                "{}-{} (app {})",
                rec.chart.name, rec.chart.version, rec.chart.app_version
            ),
            description: rec.info.description.clone(),
            context: cluster.context.clone(),
            namespace: cluster.namespace.clone(),
            notes: rec.info.notes.clone(),
            read_only: cluster.read_only,
        }),
    }));
    let (em, mut rx) = Emitter::new();
    let watch = ops::status::watch(&cluster, &release, &rec, em).await;
    let forward = async {
        while let Some(ev) = rx.recv().await {
            let msg = Msg::Ops(OpsMsg::Release {
                stream,
                event: Box::new(ev),
            });
            if tx.send(msg).is_err() {
                break;
            }
        }
    };
    tokio::select! {
        _ = stop.notified() => {}
        _ = forward => {}
    }
    watch.stop(Duration::ZERO).await;
}

/// The fleet's progress as messages for the fleet screen.
fn fleet_progress(tx: &Sender<Msg>) -> impl Fn(ops::fleet::Progress<'_>) + Sync + '_ {
    move |p| {
        let _ = tx.send(Msg::Ops(OpsMsg::FleetProgress(
            crate::tui::msg::FleetProgress {
                phase: p.phase.to_string(),
                done: p.done,
                total: p.total,
                item: p.item.to_string(),
            },
        )));
    }
}

/// The spawner.
pub struct Jobs {
    session: Arc<Session>,
    runtime: tokio::runtime::Handle,
    tx: Sender<Msg>,
    latest: Latest,
    scratch: PathBuf,
    /// Interrupts the running operation's helm.
    interrupt: Option<Arc<Notify>>,
    /// Tells the running operation that apwiz is leaving (a signal): its run record is written.
    leave: Option<Arc<release::ops::Leave>>,
    /// Stops the status screen's watch.
    watch_stop: Option<Arc<Notify>>,
    /// The fleet screen's running work: notified, its future is dropped (helm and git killed,
    /// worktrees and half-made branches removed by their guards) on the thread that drives it.
    fleet: Option<(Arc<Notify>, std::thread::JoinHandle<()>)>,
    /// Fleet work stopped and still cleaning up (joined before the TUI exits).
    fleet_stopping: Vec<std::thread::JoinHandle<()>>,
}

impl Jobs {
    pub fn new(session: Arc<Session>, runtime: tokio::runtime::Handle, tx: Sender<Msg>) -> Jobs {
        let scratch = std::env::temp_dir().join(format!("apwiz-tui-{}", std::process::id()));
        Jobs {
            session,
            runtime,
            tx,
            latest: Latest::new(),
            scratch,
            interrupt: None,
            leave: None,
            watch_stop: None,
            fleet: None,
            fleet_stopping: Vec::new(),
        }
    }

    /// Starts `cmd` (`Quit` is the loop's, not a job): one arm per `Cmd`, each the call that
    /// starts its work; the one place the TUI spawns work, so every kind of work is seen here.
    pub fn run(&mut self, cmd: Cmd) {
        let _guard = self.runtime.enter();
        match cmd {
            Cmd::Quit => {}
            Cmd::Check {
                generation,
                answers,
                out_dir,
                env,
            } => self.check(generation, answers, out_dir, env),
            Cmd::Plan { answers, out_dir } => self.plan_new(answers, out_dir),
            Cmd::Write { answers, out_dir } => self.write_new(answers, out_dir),
            Cmd::Import(req) => self.prove_import(*req),
            Cmd::CheckImport {
                generation,
                proof,
                out_dir,
                env,
            } => self.check_import(generation, proof, out_dir, env),
            Cmd::PlanImport { proof, out_dir } => self.plan_imported(proof, out_dir),
            Cmd::WriteImport { proof, out_dir } => self.write_imported(proof, out_dir),
            Cmd::PlanDeploy(req) => self.plan_deploy(req),
            Cmd::RunDeploy { plan: p, stream } => self.spawn_op(p.0, stream),
            Cmd::PlanRollback {
                target,
                release,
                revision,
            } => self.plan_rollback(target, release, revision),
            Cmd::RunRollback { plan: p, stream } => self.spawn_op(p.0, stream),
            Cmd::PlanUninstall { target, release } => self.plan_uninstall(target, release),
            Cmd::RunUninstall { plan: p, stream } => self.spawn_op(p.0, stream),
            Cmd::RunTest {
                target,
                release,
                stream,
            } => self.run_test(target.0, release, stream),
            Cmd::Interrupt => self.interrupt(),
            Cmd::Leave(signal) => self.leave(signal),
            Cmd::Watch {
                target,
                release,
                stream,
            } => self.watch(target, release, stream),
            Cmd::StopWatch => self.stop_watch(),
            Cmd::CanaryStatus {
                target,
                release,
                service,
            } => self.canary_status(target, release, service),
            Cmd::After(After::WriteImage {
                file,
                service,
                image,
            }) => self.keep_promoted(file, service, image),
            Cmd::Releases { target } => self.releases(target),
            Cmd::History { target, release } => self.history(target, release),
            Cmd::OpenRevision {
                target,
                release,
                revision,
                against,
            } => self.revision(target, release, revision, against),
            Cmd::FleetStatus { request, newest } => self.fleet_status(request, newest),
            Cmd::FleetPlanUpgrade { request } => self.fleet_plan_upgrade(request),
            Cmd::FleetUpgrade { request } => self.fleet_upgrade(request),
            Cmd::FleetCancel => self.stop_fleet(false),
        }
    }

    /// Plans `apwiz new`'s files and their review against the disk.
    fn plan_new(&mut self, answers: Answers, out_dir: PathBuf) {
        let session = self.session.clone();
        self.blocking(Msg::Planned, move || {
            ops::new::plan(&session, &answers, &out_dir, true)
                .map(|(_, p)| review_files(&session, &p))
        });
    }

    /// Writes `apwiz new`'s files.
    fn write_new(&mut self, answers: Answers, out_dir: PathBuf) {
        let session = self.session.clone();
        self.blocking(Msg::Written, move || {
            ops::new::write(&session, &answers, &out_dir)
        });
    }

    /// Converts and proves an import.
    fn prove_import(&mut self, req: ops::import::Request) {
        let session = self.session.clone();
        self.reply(Msg::Imported, async move {
            ops::import::prove(&session, req).await.map(Shared::new)
        });
    }

    /// Stages the proven import's files, then renders and validates them.
    fn check_import(
        &mut self,
        generation: u64,
        proof: Shared<Proof>,
        out_dir: PathBuf,
        env: Option<String>,
    ) {
        let e = env.clone();
        let session = self.session.clone();
        self.check_staged(generation, env, move |dir| {
            ops::import::stage(&session, proven(&proof)?, &out_dir, e.as_deref(), dir)
        })
    }

    /// Plans the proven import's files and their review.
    fn plan_imported(&mut self, proof: Shared<Proof>, out_dir: PathBuf) {
        let session = self.session.clone();
        self.blocking(Msg::Planned, move || {
            plan_import(&session, &proof, &out_dir)
        });
    }

    /// Writes the proven import's files.
    fn write_imported(&mut self, proof: Shared<Proof>, out_dir: PathBuf) {
        self.blocking(Msg::Written, move || write_import(&proof, &out_dir))
    }

    /// Plans a deploy.
    fn plan_deploy(&mut self, req: Shared<ops::deploy::DeployRequest>) {
        let session = self.session.clone();
        self.reply(|r| Msg::Ops(OpsMsg::DeployPlanned(r)), async move {
            ops::deploy::plan_request(session, (*req.0).clone())
                .await
                .map(Shared::new)
        });
    }

    /// Opens a rollback (to `revision`, else the one before).
    fn plan_rollback(&mut self, target: Shared<Target>, release: String, revision: Option<u64>) {
        let session = self.session.clone();
        self.reply(|r| Msg::Ops(OpsMsg::RollbackPlanned(r)), async move {
            ops::rollback::open(&session, &target.0, release, revision, ops::TIMEOUT)
                .await
                .map(Shared::new)
        });
    }

    /// Opens an uninstall.
    fn plan_uninstall(&mut self, target: Shared<Target>, release: String) {
        let session = self.session.clone();
        self.reply(|r| Msg::Ops(OpsMsg::UninstallPlanned(r)), async move {
            ops::uninstall::open(&session, &target.0, release, ops::TIMEOUT)
                .await
                .map(Shared::new)
        });
    }

    /// Interrupts the running operation (helm cancels it).
    fn interrupt(&mut self) {
        if let Some(n) = &self.interrupt {
            n.notify_one();
        }
    }

    /// Tells the running operation the front end leaves on `signal`.
    fn leave(&mut self, signal: &'static str) {
        if let Some(l) = &self.leave {
            l.now(signal);
        }
    }

    /// Watches a release's status, stopping the watch before.
    fn watch(&mut self, target: Shared<Target>, release: String, stream: u64) {
        if let Some(old) = self.watch_stop.take() {
            old.notify_one();
        }
        let stop = Arc::new(Notify::new());
        self.watch_stop = Some(stop.clone());
        let tx = self.tx.clone();
        self.runtime.spawn(watch_status(
            self.session.clone(),
            (*target.0).clone(),
            release,
            stream,
            stop,
            tx,
        ));
    }

    /// Stops the status watch.
    fn stop_watch(&mut self) {
        if let Some(stop) = self.watch_stop.take() {
            stop.notify_one();
        }
    }

    /// Reads a canary's state.
    fn canary_status(&mut self, target: Shared<Target>, release: String, service: Option<String>) {
        let session = self.session.clone();
        self.reply(|r| Msg::Ops(OpsMsg::Canary(r)), async move {
            ops::canary::read(&session, &target.0, &release, service.as_deref()).await
        });
    }

    /// Writes the promoted `image` into the team's values file, said as a note.
    fn keep_promoted(&mut self, file: PathBuf, service: Option<String>, image: String) {
        let session = self.session.clone();
        self.blocking(
            |r| Msg::Note(r.unwrap_or_else(|e| format!("the promoted image was not written: {e}"))),
            move || {
                ops::canary::keep_promoted(&session, &file, service.as_deref(), &image)
                    .map(|k| k.note)
            },
        );
    }

    /// Lists the releases of the target's namespace.
    fn releases(&mut self, target: Shared<Target>) {
        let session = self.session.clone();
        self.reply(|r| Msg::Ops(OpsMsg::Releases(r)), async move {
            let cluster = ops::target::cluster(&session, &target.0, None).await?;
            release::releases::list(&cluster).await
        });
    }

    /// Reads a release's history.
    fn history(&mut self, target: Shared<Target>, release: String) {
        let session = self.session.clone();
        self.reply(|r| Msg::Ops(OpsMsg::History(r)), async move {
            let cluster = ops::target::cluster(&session, &target.0, None).await?;
            let helm = session.helm().await.ok();
            records::history(&cluster, helm.as_ref(), &release).await
        });
    }

    /// Opens a revision against another.
    fn revision(&mut self, target: Shared<Target>, release: String, revision: u64, against: u64) {
        let session = self.session.clone();
        self.reply(
            |r| Msg::Ops(OpsMsg::Revision(r)),
            open_revision(session, (*target.0).clone(), release, revision, against),
        );
    }

    /// The fleet's status, each team sent as it is read.
    fn fleet_status(&mut self, request: Shared<ops::fleet::Request>, newest: Option<String>) {
        let (session, tx) = (self.session.clone(), self.tx.clone());
        self.fleet_job(move || async move {
            let each = |index: usize, t: &crate::core::fleet::status::TeamStatus| {
                let _ = tx.send(Msg::Ops(OpsMsg::FleetTeam {
                    index,
                    team: Box::new(t.clone()),
                }));
            };
            let r =
                ops::fleet::status_each(&session, &request.0, newest, &fleet_progress(&tx), &each)
                    .await;
            let _ = tx.send(Msg::Ops(OpsMsg::FleetStatus(r.map_err(|e| e.to_string()))));
        })
    }

    /// Plans the fleet's chart upgrade.
    fn fleet_plan_upgrade(&mut self, request: Shared<ops::fleet::Request>) {
        let (session, tx) = (self.session.clone(), self.tx.clone());
        self.fleet_job(move || async move {
            let r = ops::fleet::plan_upgrade(&session, &request.0, None, &fleet_progress(&tx))
                .await
                .map(Shared::new)
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Ops(OpsMsg::FleetPlanned(r)));
        })
    }

    /// Upgrades the fleet's chart.
    fn fleet_upgrade(&mut self, request: Shared<ops::fleet::Request>) {
        let (session, tx) = (self.session.clone(), self.tx.clone());
        self.fleet_job(move || async move {
            let r = ops::fleet::upgrade(&session, &request.0, None, &fleet_progress(&tx))
                .await
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Ops(OpsMsg::FleetUpgraded(r)));
        })
    }

    /// Runs the fleet screen's work (`make` builds it), stopping the one before: only the
    /// newest runs. It is driven by a thread of its own on the runtime (`Handle::block_on`): the
    /// fleet's futures hold progress callbacks across awaits, which the compiler cannot prove
    /// `Send` for `spawn`.
    fn fleet_job<F, W>(&mut self, make: F)
    where
        F: FnOnce() -> W + Send + 'static,
        W: std::future::Future<Output = ()>,
    {
        self.stop_fleet(false);
        let stop = Arc::new(Notify::new());
        let (handle, notified) = (self.runtime.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            handle.block_on(async move {
                tokio::select! {
                    biased;
                    _ = notified.notified() => {}
                    _ = make() => {}
                }
            })
        });
        self.fleet = Some((stop, thread));
    }

    /// Stops the fleet's running work; `wait`: until its guards (and those of work stopped
    /// before) have cleaned up, else it cleans up in the background.
    fn stop_fleet(&mut self, wait: bool) {
        if let Some((stop, thread)) = self.fleet.take() {
            stop.notify_one();
            self.fleet_stopping.push(thread);
        }
        if wait {
            for t in self.fleet_stopping.drain(..) {
                let _ = t.join();
            }
        }
    }

    /// Runs `work` on the runtime and sends its result (errors as text) wrapped by `msg`.
    fn reply<T, F>(&self, msg: fn(std::result::Result<T, String>) -> Msg, work: F)
    where
        F: std::future::Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let tx = self.tx.clone();
        self.runtime.spawn(async move {
            let _ = tx.send(msg(work.await.map_err(|e| e.to_string())));
        });
    }

    /// Runs `work` on the runtime's blocking threads (it reads or writes files) and sends its
    /// result (errors as text) wrapped by `msg`.
    fn blocking<T, W, M>(&self, msg: M, work: W)
    where
        W: FnOnce() -> Result<T> + Send + 'static,
        M: FnOnce(std::result::Result<T, String>) -> Msg + Send + 'static,
        T: Send + 'static,
    {
        let tx = self.tx.clone();
        self.runtime.spawn_blocking(move || {
            let _ = tx.send(msg(work().map_err(|e| e.to_string())));
        });
    }

    /// Renders and validates the answers in the background through the [`Latest`] slot.
    fn check(&mut self, generation: u64, answers: Answers, out_dir: PathBuf, env: Option<String>) {
        let session = self.session.clone();
        let e = env.clone();
        self.check_staged(generation, env, move |dir| {
            ops::new::stage(&session, &answers, &out_dir, e.as_deref(), dir)
        });
    }

    /// Stages files with `stage` into a directory of the request's own, then renders and
    /// validates them through the [`Latest`] slot.
    fn check_staged<F>(&mut self, generation: u64, env: Option<String>, stage: F)
    where
        F: FnOnce(&Path) -> Result<Inputs> + Send + 'static,
    {
        let session = self.session.clone();
        let tx = self.tx.clone();
        // Each request renders from its own directory: an aborted one may still be reading its
        // files.
        let dir = self.scratch.join(generation.to_string());
        let old = generation
            .checked_sub(2)
            .map(|g| self.scratch.join(g.to_string()));
        self.latest.submit_with(
            async move {
                let staged = pipeline::off_thread(move || {
                    if let Some(o) = old {
                        let _ = std::fs::remove_dir_all(o);
                    }
                    stage(&dir)
                })
                .await;
                match staged {
                    Ok(Ok(inputs)) => check(session, generation, env, inputs, tx).await,
                    Ok(Err(err)) | Err(err) => {
                        let _ = tx.send(Msg::Rendered {
                            generation,
                            env: env.clone(),
                            result: Err(err.to_string()),
                        });
                        let _ = tx.send(Msg::Validated {
                            generation,
                            env,
                            result: Err(err.to_string()),
                        });
                    }
                }
            },
            |_, ()| {},
        );
    }

    /// Plans and runs `helm test`, streaming its events.
    fn run_test(&mut self, target: Arc<Target>, release: String, stream: u64) {
        let handles = self.op_handles();
        let session = self.session.clone();
        let tx = self.tx.clone();
        self.runtime.spawn(async move {
            let r = match ops::test::open(&session, &target, release, ops::TIMEOUT).await {
                Ok(p) => run_op(&p, handles, stream, &tx).await,
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(Msg::Ops(OpsMsg::OpFinished { stream, result: r }));
        });
    }

    /// Runs a planned operation detachable and interruptible, streaming its events tagged
    /// `stream`, then its end (with the new revision's NOTES when the operation reads them).
    fn spawn_op<P: ops::Operation + Send + Sync + 'static>(&mut self, p: Arc<P>, stream: u64) {
        let handles = self.op_handles();
        let tx = self.tx.clone();
        self.runtime.spawn(async move {
            let r = run_op(&*p, handles, stream, &tx).await;
            let _ = tx.send(Msg::Ops(OpsMsg::OpFinished { stream, result: r }));
        });
    }

    /// The new operation's interrupt and leave handles (kept to reach it later).
    fn op_handles(&mut self) -> (Arc<Notify>, Arc<release::ops::Leave>) {
        let notify = Arc::new(Notify::new());
        let leave = Arc::new(release::ops::Leave::default());
        self.interrupt = Some(notify.clone());
        self.leave = Some(leave.clone());
        (notify, leave)
    }

    /// Stops the running check and removes the scratch files.
    pub fn shutdown(&mut self) {
        self.latest.cancel();
        self.stop_fleet(true);
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// What the pane shows of a render, worked out with it (never while drawing): each object's
/// YAML, highlighted, and who may reach whom under its NetworkPolicies in `namespace` (helm's
/// `-n`), as `apwiz explain netpol` says it.
pub fn render_result(
    objects: Vec<Object>,
    millis: f64,
    errors: Vec<String>,
    namespace: &str,
) -> RenderResult {
    let yaml: Vec<String> = objects
        .iter()
        .map(|o| serde_yaml::to_string(&o.value).unwrap_or_default())
        .collect();
    let highlighted = yaml.iter().map(|y| highlight::yaml(y)).collect();
    let netpol = netpol::graph(objects.iter().map(|o| &o.value), namespace).lines();
    RenderResult {
        objects,
        yaml,
        highlighted,
        millis,
        errors,
        netpol,
    }
}
