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

use crate::core::check::pipeline;
use crate::core::error::{Error, Result};
use crate::core::inputs::{Inputs, ValuesFile};
use crate::core::jobs::Latest;
use crate::core::plan;
use crate::core::release::diff as rdiff;
use crate::core::release::events::{Emitter, ReleaseEvent};
use crate::core::release::watch::Watch;
use crate::core::release::{self, Cluster, Target, ops, records};
use crate::core::scaffold::answers::{self, Answers};
use crate::core::scaffold::generate::{self, FileKind, GenFile, Outcome, Planned};
use crate::core::session::Session;
use crate::tui::highlight;
use crate::tui::msg::{Cmd, DiffLine, Msg, RenderResult, ReviewFile, Shared};
use crate::tui::ops::{After, OpEnd, RevisionView, StatusHead};

/// Helm's timeout for a rollback, a test or an uninstall started from the TUI (the CLI's
/// defaults).
const ROLLBACK_TIMEOUT: Duration = Duration::from_secs(300);
const TEST_TIMEOUT: Duration = Duration::from_secs(300);

/// What `apwiz new` would write for `answers` into `out_dir`: the generated files and the plan
/// against the disk (existing files updated three-way, keeping comments and hand edits).
pub fn plan(
    session: &Session,
    answers: &Answers,
    out_dir: &Path,
) -> Result<(Vec<GenFile>, Vec<Planned>)> {
    let chart = session.chart()?;
    let all = &session.presets;
    // The same files `apwiz new` writes: pinned to the chart at hand, schema beside them.
    let mut answers = answers.clone();
    answers.chart = Some(session.pin()?);
    let schema_ref = generate::SCHEMA_FILE;
    let files = generate::generate(&chart, all, &answers, schema_ref)?;
    let old_answers = Answers::load(&out_dir.join(answers::FILE_NAME)).ok();
    let old = old_answers.and_then(|o| generate::generate(&chart, all, &o, schema_ref).ok());
    // The review shows every change before it is written: updating is what the user asked for.
    let planned = generate::plan(out_dir, &files, old.as_deref(), true)?;
    Ok((files, planned))
}

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

/// A line diff with three lines of context (a new file: every line added).
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
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

/// Writes the files for `answers` (planned again against the disk as it is now).
pub fn write(
    session: &Session,
    answers: &Answers,
    out_dir: &Path,
) -> Result<Vec<(PathBuf, Outcome)>> {
    let (_, planned) = plan(session, answers, out_dir)?;
    generate::apply(&planned)
}

/// Writes what the plan would leave on disk into `scratch` (the files are never written into the
/// team's directory before the review) and returns the inputs of a render for `env`, with the
/// file names the team will see in messages.
pub fn stage(
    session: &Session,
    answers: &Answers,
    out_dir: &Path,
    env: Option<&str>,
    scratch: &Path,
) -> Result<Inputs> {
    let (files, planned) = plan(session, answers, out_dir)?;
    std::fs::create_dir_all(scratch).map_err(|e| Error::io(scratch, e))?;
    let mut values = Vec::new();
    for (g, p) in files.iter().zip(&planned) {
        let wanted = match &g.kind {
            FileKind::Base => true,
            FileKind::Env(e) => Some(e.as_str()) == env,
            FileKind::Answers | FileKind::Schema => false,
        };
        if !wanted {
            continue;
        }
        let text = match &p.text {
            Some(t) => t.clone(),
            None => std::fs::read_to_string(&p.path).map_err(|e| Error::io(&p.path, e))?,
        };
        let path = scratch.join(&g.name);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        values.push(ValuesFile {
            display: session.display(&out_dir.join(&g.name)),
            path,
        });
    }
    Ok(Inputs {
        files: values,
        sets: Vec::new(),
        release: answers.name.clone(),
        namespace: None,
        kube_version: session.config.kube_version.clone(),
        environment: env.map(str::to_string),
        dir: None,
        pin: None,
    })
}

/// Renders and validates `inputs`, sending the render first (the tree updates as soon as helm
/// is done) and the report after. Helm missing: the pane says so and the in-process checks run.
pub async fn check(
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
    let result = match rendered {
        Ok(r) => {
            let objects = r.objects;
            let errors = r.findings.iter().map(|f| f.to_text()).collect();
            pipeline::off_thread(move || {
                let yaml: Vec<String> = objects
                    .iter()
                    .map(|o| serde_yaml::to_string(&o.value).unwrap_or_default())
                    .collect();
                let highlighted = yaml.iter().map(|y| highlight::yaml(y)).collect();
                RenderResult {
                    objects,
                    yaml,
                    highlighted,
                    millis,
                    errors,
                }
            })
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
pub async fn stream_op(
    run: ops::Run<'_>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<ReleaseEvent>,
    stream: u64,
    tx: &Sender<Msg>,
) -> Result<ops::Outcome> {
    let forward = async {
        while let Some(ev) = rx.recv().await {
            let _ = tx.send(Msg::Release {
                stream,
                event: Box::new(ev),
            });
        }
    };
    let (outcome, ()) = tokio::join!(ops::run(run), forward);
    outcome
}

/// The cluster of `target` and the located helm; `writes` names an operation a read-only
/// context refuses.
async fn connect(
    session: &Session,
    target: &Target,
    writes: Option<&str>,
) -> Result<(Cluster, crate::core::helm::Helm)> {
    let cluster = release::connect(target, &session.config).await?;
    if let Some(op) = writes {
        cluster.require_writable(op)?;
    }
    Ok((cluster, session.helm().await?))
}

/// Runs `p` (detachable, interruptible by `notify`) while streaming its events.
async fn run_op<P: plan::Operation>(
    p: &P,
    notify: Arc<Notify>,
    stream: u64,
    tx: &Sender<Msg>,
) -> std::result::Result<OpEnd, String> {
    let (em, rx) = Emitter::new();
    let mut run = p.run(em);
    run.interrupt = Some(notify);
    run.detachable = true;
    match stream_op(run, rx, stream, tx).await {
        Ok(o) => Ok(op_end(o, p.reads_notes()).await),
        Err(e) => Err(e.to_string()),
    }
}

/// The end of an operation for the screen: after a successful deploy, the new revision and its
/// NOTES.
async fn op_end(o: ops::Outcome, after: Option<(&Cluster, &str)>) -> OpEnd {
    let mut end = OpEnd {
        ok: o.ok,
        cause: o.cause,
        record: o.record,
        revision: None,
        notes: None,
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
    let cluster = release::connect(&target, &session.config).await?;
    let (a, b) = futures::try_join!(
        records::open(&cluster, &release, Some(against)),
        records::open(&cluster, &release, Some(revision))
    )?;
    let changes = rdiff::diff_manifests(&a.raw_manifest, &b.raw_manifest, &cluster.namespace)?;
    Ok(RevisionView {
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
    let opened = async {
        let cluster = release::connect(&target, &session.config).await?;
        let rec = records::open(&cluster, &release, None).await?;
        Ok::<_, Error>((cluster, rec))
    }
    .await;
    let (cluster, rec) = match opened {
        Ok(x) => x,
        Err(e) => {
            let _ = tx.send(Msg::StatusOpened {
                stream,
                result: Err(e.to_string()),
            });
            return;
        }
    };
    let hooks: Vec<ops::HookObject> = rec.hooks.iter().map(ops::HookObject::from).collect();
    let mut spec = ops::watch_spec(&cluster, &release, &hooks, "", "", None);
    spec.pre_hooks.clear();
    spec.report_baseline = true;
    let _ = tx.send(Msg::StatusOpened {
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
        }),
    });
    let (em, mut rx) = Emitter::new();
    let watch = Watch::start(cluster.client.clone(), spec, em, Duration::from_secs(5)).await;
    let forward = async {
        while let Some(ev) = rx.recv().await {
            let msg = Msg::Release {
                stream,
                event: Box::new(ev),
            };
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

/// The spawner.
pub struct Jobs {
    session: Arc<Session>,
    runtime: tokio::runtime::Handle,
    tx: Sender<Msg>,
    latest: Latest,
    scratch: PathBuf,
    /// Interrupts the running operation's helm.
    interrupt: Option<Arc<Notify>>,
    /// Stops the status screen's watch.
    watch_stop: Option<Arc<Notify>>,
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
            watch_stop: None,
        }
    }

    /// Starts `cmd` (`Quit` is the loop's, not a job).
    pub fn run(&mut self, cmd: Cmd) {
        let _guard = self.runtime.enter();
        let session = self.session.clone();
        let tx = self.tx.clone();
        match cmd {
            Cmd::Quit => {}
            Cmd::Check {
                generation,
                answers,
                out_dir,
                env,
            } => {
                // Each request renders from its own directory: an aborted one may still be
                // reading its files.
                let dir = self.scratch.join(generation.to_string());
                let old = generation
                    .checked_sub(2)
                    .map(|g| self.scratch.join(g.to_string()));
                self.latest.submit_with(
                    async move {
                        let s2 = session.clone();
                        let (a, d, e) = (answers, out_dir, env.clone());
                        let staged = pipeline::off_thread(move || {
                            if let Some(o) = old {
                                let _ = std::fs::remove_dir_all(o);
                            }
                            stage(&s2, &a, &d, e.as_deref(), &dir)
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
            Cmd::Plan { answers, out_dir } => {
                self.runtime.spawn_blocking(move || {
                    let r = plan(&session, &answers, &out_dir)
                        .map(|(_, p)| review_files(&session, &p))
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Planned(r));
                });
            }
            Cmd::PlanDeploy(req) => {
                self.runtime.spawn(async move {
                    let r = plan::deploy_request(session, (*req.0).clone())
                        .await
                        .map(Shared::new)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::DeployPlanned(r));
                });
            }
            Cmd::RunDeploy { plan: p, stream } => self.spawn_op(p.0, stream),
            Cmd::PlanRollback {
                target,
                release,
                revision,
            } => {
                self.runtime.spawn(async move {
                    let r = async {
                        let (cluster, helm) =
                            connect(&session, &target.0, Some("rollback")).await?;
                        plan::rollback(cluster, helm, release, revision, ROLLBACK_TIMEOUT).await
                    }
                    .await
                    .map(Shared::new)
                    .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::RollbackPlanned(r));
                });
            }
            Cmd::RunRollback { plan: p, stream } => self.spawn_op(p.0, stream),
            Cmd::Watch {
                target,
                release,
                stream,
            } => {
                if let Some(old) = self.watch_stop.take() {
                    old.notify_one();
                }
                let stop = Arc::new(Notify::new());
                self.watch_stop = Some(stop.clone());
                self.runtime.spawn(watch_status(
                    session,
                    (*target.0).clone(),
                    release,
                    stream,
                    stop,
                    tx,
                ));
            }
            Cmd::CanaryStatus {
                target,
                release,
                service,
            } => {
                self.runtime.spawn(async move {
                    let r = async {
                        let (cluster, helm) = connect(&session, &target.0, None).await?;
                        crate::core::canary::status(&cluster, &helm, &release, service.as_deref())
                            .await
                    }
                    .await
                    .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Canary(r));
                });
            }
            Cmd::After(After::WriteImage {
                file,
                service,
                image,
            }) => {
                self.runtime.spawn_blocking(move || {
                    let note = match crate::core::canary::write_promoted_image(
                        &file,
                        service.as_deref(),
                        &image,
                    ) {
                        Ok(true) => format!(
                            "{}: image is now {image} (so the next deploy keeps it)",
                            session.display(&file)
                        ),
                        Ok(false) => {
                            format!("{} already has image {image}", session.display(&file))
                        }
                        Err(e) => format!("the promoted image was not written: {e}"),
                    };
                    let _ = tx.send(Msg::Note(note));
                });
            }
            Cmd::PlanUninstall { target, release } => {
                self.runtime.spawn(async move {
                    let r = async {
                        let (cluster, helm) =
                            connect(&session, &target.0, Some("uninstall")).await?;
                        plan::uninstall(cluster, helm, release, ROLLBACK_TIMEOUT).await
                    }
                    .await
                    .map(Shared::new)
                    .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::UninstallPlanned(r));
                });
            }
            Cmd::RunUninstall { plan: p, stream } => self.spawn_op(p.0, stream),
            Cmd::Releases { target } => {
                self.runtime.spawn(async move {
                    let r = async {
                        let cluster = release::connect(&target.0, &session.config).await?;
                        release::releases::list(&cluster).await
                    }
                    .await
                    .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Releases(r));
                });
            }
            Cmd::StopWatch => {
                if let Some(stop) = self.watch_stop.take() {
                    stop.notify_one();
                }
            }
            Cmd::RunTest {
                target,
                release,
                stream,
            } => {
                let notify = Arc::new(Notify::new());
                self.interrupt = Some(notify.clone());
                self.runtime.spawn(async move {
                    let planned = async {
                        let (cluster, helm) = connect(&session, &target.0, Some("test")).await?;
                        plan::test(cluster, helm, release, TEST_TIMEOUT).await
                    }
                    .await;
                    let r = match planned {
                        Ok(p) => run_op(&p, notify, stream, &tx).await,
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = tx.send(Msg::OpFinished { stream, result: r });
                });
            }
            Cmd::Interrupt => {
                if let Some(n) = &self.interrupt {
                    n.notify_one();
                }
            }
            Cmd::History { target, release } => {
                self.runtime.spawn(async move {
                    let r = async {
                        let cluster = release::connect(&target.0, &session.config).await?;
                        let helm = session.helm().await.ok();
                        records::history(&cluster, helm.as_ref(), &release).await
                    }
                    .await
                    .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::History(r));
                });
            }
            Cmd::OpenRevision {
                target,
                release,
                revision,
                against,
            } => {
                self.runtime.spawn(async move {
                    let r = open_revision(session, (*target.0).clone(), release, revision, against)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Revision(r));
                });
            }
            Cmd::Write { answers, out_dir } => {
                self.runtime.spawn_blocking(move || {
                    let r = write(&session, &answers, &out_dir).map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Written(r));
                });
            }
        }
    }

    /// Runs a planned operation detachable and interruptible, streaming its events tagged
    /// `stream`, then its end (with the new revision's NOTES when the operation reads them).
    fn spawn_op<P: plan::Operation + Send + Sync + 'static>(&mut self, p: Arc<P>, stream: u64) {
        let notify = Arc::new(Notify::new());
        self.interrupt = Some(notify.clone());
        let tx = self.tx.clone();
        self.runtime.spawn(async move {
            let r = run_op(&*p, notify, stream, &tx).await;
            let _ = tx.send(Msg::OpFinished { stream, result: r });
        });
    }

    /// Stops the running check and removes the scratch files.
    pub fn shutdown(&mut self) {
        self.latest.cancel();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}
