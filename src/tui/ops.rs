//! The operation screens: a deploy (plan, confirm, live view, cause card), a rollback (its diff,
//! confirm, live view) and the release history (revisions, the diff of any revision against the
//! current one, a rollback from there). A component like the wizard's steps: its own state and
//! `update`, which never awaits; the cluster work leaves as [`Cmd`]s for
//! [`jobs`](super::jobs) and comes back as [`Msg`]s; the event stream is folded into a
//! [`Board`] as it arrives.
use std::path::PathBuf;
use std::sync::Arc;

use crate::core::canary;
use crate::core::check::report::Severity;
use crate::core::plan::{DeployPlan, DeployPlanning, DeployRequest, RollbackPlan, UninstallPlan};
use crate::core::release::board::{Board, OPERATION_PHASES, Step};
use crate::core::release::cause::CauseCard;
use crate::core::release::diff::Change;
use crate::core::release::events::{Phase, ReleaseEvent};
use crate::core::release::prechecks::Status;
use crate::core::release::records::History;
use crate::core::release::releases::Release;
use crate::core::release::{Target, watch};
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{Cmd, Shared};

/// How an operation ended, as the job reports it.
#[derive(Debug, Clone)]
pub struct OpEnd {
    pub ok: bool,
    pub cause: Option<CauseCard>,
    pub record: Option<PathBuf>,
    /// The new revision and its NOTES (after a successful deploy).
    pub revision: Option<u64>,
    pub notes: Option<String>,
}

/// A revision opened for the history's diff.
#[derive(Debug, Clone)]
pub struct RevisionView {
    pub revision: u64,
    pub against: u64,
    pub chart: String,
    pub app_version: String,
    pub description: String,
    pub changes: Vec<Change>,
    /// Top-level keys of the supplied values, added and removed between the two (their values are
    /// never read).
    pub keys_added: Vec<String>,
    pub keys_removed: Vec<String>,
}

/// What the status screen says of the release (from its latest record).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusHead {
    pub revision: u64,
    pub status: String,
    pub chart: String,
    pub description: String,
    pub context: String,
    pub namespace: String,
    pub notes: String,
    /// The context is read-only in the user config.
    pub read_only: bool,
}

/// Where an operation screen is.
#[derive(Debug, Clone)]
pub enum Stage {
    /// Waiting for the plan (validation, pre-checks, diff).
    Planning(String),
    /// Nothing to run: validation errors, a failed render or plan (the lines say why).
    Refused(Vec<String>),
    DeployPlan(Arc<DeployPlan>),
    RollbackPlan(Arc<RollbackPlan>),
    /// What an uninstall deletes and keeps; the release name is typed to confirm.
    UninstallPlan(Arc<UninstallPlan>),
    /// Helm runs; the board fills.
    Running,
    Finished(Box<OpEnd>),
    /// The status screen: the release's objects watched live, no operation running.
    Watching(Box<StatusHead>),
}

/// What the body shows besides the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Overview,
    Logs,
    Events,
    Helm,
}

impl Panel {
    fn next(self) -> Panel {
        match self {
            Panel::Overview => Panel::Logs,
            Panel::Logs => Panel::Events,
            Panel::Events => Panel::Helm,
            Panel::Helm => Panel::Overview,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Panel::Overview => "overview",
            Panel::Logs => "logs",
            Panel::Events => "events",
            Panel::Helm => "helm",
        }
    }
}

/// A deploy or rollback, from plan to end.
#[derive(Debug, Clone)]
pub struct OpScreen {
    /// `deploy` or `rollback`.
    pub op: &'static str,
    pub release: String,
    pub target: Target,
    pub stage: Stage,
    pub board: Board,
    /// Header facts, known once planned.
    pub context: String,
    pub namespace: String,
    pub revisions: Option<(Option<u64>, u64)>,
    pub chart: String,
    pub helm_version: String,
    /// The revision a rollback after a failure returns to.
    pub rollback_to: Option<u64>,
    pub panel: Panel,
    /// The selected change in a plan's diff.
    pub selected: usize,
    pub scroll: u16,
    /// Ctrl-C pressed once while helm runs: a second interrupts it.
    pub confirm_interrupt: bool,
    /// The user asked to interrupt helm.
    pub interrupting: bool,
    /// `q` pressed once while helm runs: a second detaches (helm goes on without apwiz).
    pub confirm_detach: bool,
    pub read_only: bool,
    /// The release name typed to confirm an uninstall.
    pub typed: String,
    /// What to do once the operation succeeded (a promoted canary's image into the team's file).
    pub after: Option<After>,
    /// The id its events carry: events of another stream (a watch still stopping, an earlier
    /// operation) are not this screen's.
    pub stream: u64,
}

/// A new stream id.
fn next_stream() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl OpScreen {
    fn new(op: &'static str, release: &str, target: Target, waiting: &str) -> OpScreen {
        OpScreen {
            stream: next_stream(),
            typed: String::new(),
            after: None,
            op,
            release: release.to_string(),
            target,
            stage: Stage::Planning(waiting.to_string()),
            board: Board::new(&OPERATION_PHASES),
            context: String::new(),
            namespace: String::new(),
            revisions: None,
            chart: String::new(),
            helm_version: String::new(),
            rollback_to: None,
            panel: Panel::Overview,
            selected: 0,
            scroll: 0,
            confirm_interrupt: false,
            interrupting: false,
            confirm_detach: false,
            read_only: false,
        }
    }

    pub fn running(&self) -> bool {
        matches!(self.stage, Stage::Running)
    }

    /// The changes of the plan shown.
    pub fn changes(&self) -> &[Change] {
        match &self.stage {
            Stage::DeployPlan(p) => &p.changes,
            Stage::RollbackPlan(p) => &p.changes,
            _ => &[],
        }
    }
}

/// The history of a release.
#[derive(Debug, Clone)]
pub struct HistoryScreen {
    pub release: String,
    pub target: Target,
    pub history: Option<Result<History, String>>,
    pub selected: usize,
    pub opened: Option<Result<RevisionView, String>>,
    pub scroll: u16,
    /// The revision marked with Space: Enter diffs the selected one against it (default: the
    /// current revision).
    pub marked: Option<u64>,
}

/// The releases of a namespace.
#[derive(Debug, Clone)]
pub struct ReleasesScreen {
    pub target: Target,
    pub releases: Option<Result<Vec<Release>, String>>,
    pub selected: usize,
    /// The filter typed after `/` (the list shows the names that contain it).
    pub filter: String,
    /// `/` pressed: characters go to the filter until Enter or Esc.
    pub filtering: bool,
}

impl ReleasesScreen {
    /// The releases shown (filtered).
    pub fn shown(&self) -> Vec<&Release> {
        match &self.releases {
            Some(Ok(v)) => v
                .iter()
                .filter(|r| self.filter.is_empty() || r.name.contains(&self.filter))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The screen over the wizard.
#[derive(Debug, Clone)]
pub enum OpsScreen {
    Op(Box<OpScreen>),
    History(Box<HistoryScreen>),
    Releases(Box<ReleasesScreen>),
    Canary(Box<CanaryScreen>),
}

/// What a key did to an operation screen.
pub enum Effect {
    /// Handled (maybe with work to start).
    Cmds(Vec<Cmd>),
    /// Close the screen.
    Close,
    /// Not an action here.
    Unhandled,
}

/// Work that follows a successful operation.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    /// Write `image` into the team's values file (`service`'s image, or the top-level one).
    WriteImage {
        file: PathBuf,
        service: Option<String>,
        image: String,
    },
}

/// The canary of a release: the set weight against the route's, both sides' pods, and keys that
/// step, promote or abort it (each a deploy with the canary's `--set`s, planned then confirmed).
#[derive(Debug, Clone)]
pub struct CanaryScreen {
    pub target: Target,
    /// The team's files the steps deploy.
    pub request: crate::core::inputs::Request,
    pub release: String,
    pub service: Option<String>,
    pub status: Option<Result<canary::Status, String>>,
    pub note: Option<String>,
}

/// The weights `+` and `-` move between.
pub const CANARY_LADDER: [u8; 4] = [5, 25, 50, 100];

/// The canary screen, loading.
pub fn canary_screen(
    target: Target,
    request: crate::core::inputs::Request,
    release: &str,
    service: Option<String>,
) -> (OpsScreen, Vec<Cmd>) {
    let cmd = Cmd::CanaryStatus {
        target: Shared::new(target.clone()),
        release: release.to_string(),
        service: service.clone(),
    };
    (
        OpsScreen::Canary(Box::new(CanaryScreen {
            target,
            request,
            release: release.to_string(),
            service,
            status: None,
            note: None,
        })),
        vec![cmd],
    )
}

impl CanaryScreen {
    /// A canary action as a deploy screen (`None` with a note when it cannot run now).
    fn act(&mut self, a: canary::Action) -> Option<(OpsScreen, Vec<Cmd>)> {
        let Some(Ok(st)) = &self.status else {
            self.note = Some("the canary's state is not read yet (r reads it again)".into());
            return None;
        };
        let sets = match canary::sets(&a, self.service.as_deref(), st) {
            Ok(s) => s,
            Err(e) => {
                self.note = Some(e.to_string());
                return None;
            }
        };
        // The canary's release, whatever the directory's name says.
        let mut request = self.request.clone();
        request.release = Some(self.release.clone());
        let req = DeployRequest {
            target: self.target.clone(),
            request,
            opts: crate::core::plan::DeployOptions {
                description: Some(format!("apwiz canary {}", a.name())),
                no_hooks: a.skips_hooks(),
                sets,
                max_history: Some(10),
                timeout: None,
            },
        };
        let (mut screen, cmds) = deploy(req, &self.release);
        if let OpsScreen::Op(o) = &mut screen {
            o.op = "canary";
            if a == canary::Action::Promote
                && let Some(image) = &st.canary_image
            {
                o.after = Some(After::WriteImage {
                    file: self.request.dir.join("values.yaml"),
                    service: self.service.clone(),
                    image: image.clone(),
                });
            }
        }
        Some((screen, cmds))
    }

    /// The next weight up or down the ladder from the route's.
    fn next_weight(&self, up: bool) -> Option<u8> {
        let Some(Ok(st)) = &self.status else {
            return None;
        };
        let now = st.set_weight.unwrap_or(st.route_weight()) as u8;
        if up {
            CANARY_LADDER.iter().copied().find(|w| *w > now)
        } else {
            CANARY_LADDER.iter().rev().copied().find(|w| *w < now)
        }
    }
}

/// A screen to come back to when the one opened from it closes (read again, not kept).
#[derive(Debug, Clone)]
pub enum Back {
    Status {
        target: Target,
        release: String,
    },
    History {
        target: Target,
        release: String,
    },
    Releases {
        target: Target,
    },
    Canary {
        target: Target,
        request: crate::core::inputs::Request,
        release: String,
        service: Option<String>,
    },
}

/// Opens the screen `b` again, with fresh data.
pub fn reopen(b: Back) -> (OpsScreen, Vec<Cmd>) {
    match b {
        Back::Status { target, release } => status(target, &release),
        Back::History { target, release } => history(target, &release),
        Back::Releases { target } => releases(target),
        Back::Canary {
            target,
            request,
            release,
            service,
        } => canary_screen(target, request, &release, service),
    }
}

/// A deploy screen, planning.
pub fn deploy(req: DeployRequest, release: &str) -> (OpsScreen, Vec<Cmd>) {
    let screen = OpScreen::new(
        "deploy",
        release,
        req.target.clone(),
        "planning: validating the files, running the pre-checks, reading the live release…",
    );
    (
        OpsScreen::Op(Box::new(screen)),
        vec![Cmd::PlanDeploy(Shared::new(req))],
    )
}

/// A status screen (watch mode), loading.
pub fn status(target: Target, release: &str) -> (OpsScreen, Vec<Cmd>) {
    let mut s = OpScreen::new(
        "status",
        release,
        target.clone(),
        "reading the release record and starting the watch…",
    );
    s.board = Board::new(&[]);
    let s_stream = s.stream;
    (
        OpsScreen::Op(Box::new(s)),
        vec![Cmd::Watch {
            target: Shared::new(target),
            release: release.to_string(),
            stream: s_stream,
        }],
    )
}

/// An uninstall, planning (what goes, what is kept, the delete hooks).
fn uninstall_screen(
    target: Target,
    release: &str,
    from: Option<&OpScreen>,
) -> (OpScreen, Vec<Cmd>) {
    let mut s = OpScreen::new(
        "uninstall",
        release,
        target.clone(),
        "reading the release record: what an uninstall deletes and keeps…",
    );
    if let Some(f) = from {
        s.context = f.context.clone();
        s.namespace = f.namespace.clone();
        s.read_only = f.read_only;
    }
    s.board.phases.retain(|p| p.phase != Phase::PreChecks);
    (
        s,
        vec![Cmd::PlanUninstall {
            target: Shared::new(target),
            release: release.to_string(),
        }],
    )
}

/// `helm test` on a release, watched.
fn test_screen(target: Target, release: &str, from: Option<&OpScreen>) -> (OpScreen, Vec<Cmd>) {
    let mut s = OpScreen::new("test", release, target.clone(), "");
    if let Some(f) = from {
        s.context = f.context.clone();
        s.namespace = f.namespace.clone();
        s.read_only = f.read_only;
    }
    s.board = Board::new(&[Phase::Tests]);
    s.stage = Stage::Running;
    let stream = s.stream;
    (
        s,
        vec![Cmd::RunTest {
            target: Shared::new(target),
            release: release.to_string(),
            stream,
        }],
    )
}

/// The releases screen, loading.
pub fn releases(target: Target) -> (OpsScreen, Vec<Cmd>) {
    (
        OpsScreen::Releases(Box::new(ReleasesScreen {
            target: target.clone(),
            releases: None,
            selected: 0,
            filter: String::new(),
            filtering: false,
        })),
        vec![Cmd::Releases {
            target: Shared::new(target),
        }],
    )
}

/// A history screen, loading.
pub fn history(target: Target, release: &str) -> (OpsScreen, Vec<Cmd>) {
    (
        OpsScreen::History(Box::new(HistoryScreen {
            release: release.to_string(),
            target: target.clone(),
            history: None,
            selected: 0,
            opened: None,
            scroll: 0,
            marked: None,
        })),
        vec![Cmd::History {
            target: Shared::new(target),
            release: release.to_string(),
        }],
    )
}

fn rollback_screen(target: Target, release: &str, revision: Option<u64>) -> (OpScreen, Vec<Cmd>) {
    let s = OpScreen::new(
        "rollback",
        release,
        target.clone(),
        "planning the rollback: reading both revisions…",
    );
    (
        s,
        vec![Cmd::PlanRollback {
            target: Shared::new(target),
            release: release.to_string(),
            revision,
        }],
    )
}

impl OpsScreen {
    /// The key scope where the cursor is.
    pub fn scope(&self) -> Scope {
        match self {
            OpsScreen::History(_) => Scope::History,
            OpsScreen::Releases(_) => Scope::Releases,
            OpsScreen::Canary(_) => Scope::Canary,
            OpsScreen::Op(s) => match s.stage {
                Stage::DeployPlan(_) | Stage::RollbackPlan(_) => Scope::Plan,
                Stage::UninstallPlan(_) => Scope::Uninstall,
                Stage::Running => Scope::Live,
                Stage::Planning(_)
                | Stage::Refused(_)
                | Stage::Finished(_)
                | Stage::Watching(_) => Scope::Done,
            },
        }
    }

    /// Whether the screen may be left without asking (no helm running).
    pub fn busy(&self) -> bool {
        matches!(self, OpsScreen::Op(s) if s.running())
    }

    /// A key's action on the screen.
    pub fn action(&mut self, a: Action) -> Effect {
        match self {
            OpsScreen::Op(s) => op_action(s, a),
            OpsScreen::History(h) => match history_action(h, a) {
                HistoryEffect::Effect(e) => e,
                HistoryEffect::Rollback(rev) => {
                    let (screen, cmds) = rollback_screen(h.target.clone(), &h.release, Some(rev));
                    *self = OpsScreen::Op(Box::new(screen));
                    Effect::Cmds(cmds)
                }
            },
            OpsScreen::Canary(c) => {
                let act = match a {
                    Action::StepUp | Action::StepDown => match c.next_weight(a == Action::StepUp) {
                        Some(w) => canary::Action::Step(w),
                        None => {
                            c.note = Some(format!(
                                "no further step that way (steps: {CANARY_LADDER:?}); p promotes, x aborts"
                            ));
                            return Effect::Cmds(Vec::new());
                        }
                    },
                    Action::Promote => canary::Action::Promote,
                    Action::Abort => canary::Action::Abort,
                    Action::Refresh => {
                        c.status = None;
                        return Effect::Cmds(vec![Cmd::CanaryStatus {
                            target: Shared::new(c.target.clone()),
                            release: c.release.clone(),
                            service: c.service.clone(),
                        }]);
                    }
                    Action::Close => return Effect::Close,
                    _ => return Effect::Unhandled,
                };
                match c.act(act) {
                    Some((screen, cmds)) => {
                        *self = screen;
                        Effect::Cmds(cmds)
                    }
                    None => Effect::Cmds(Vec::new()),
                }
            }
            OpsScreen::Releases(r) => {
                let n = r.shown().len();
                match a {
                    Action::Down => r.selected = (r.selected + 1).min(n.saturating_sub(1)),
                    Action::Up => r.selected = r.selected.saturating_sub(1),
                    Action::Filter => {
                        r.filtering = true;
                        r.selected = 0;
                    }
                    Action::Uninstall => {
                        let Some(rel) = r.shown().get(r.selected).map(|x| (*x).clone()) else {
                            return Effect::Cmds(Vec::new());
                        };
                        let mut target = r.target.clone();
                        target.namespace = Some(rel.namespace.clone());
                        let (screen, cmds) = uninstall_screen(target, &rel.name, None);
                        *self = OpsScreen::Op(Box::new(screen));
                        return Effect::Cmds(cmds);
                    }
                    Action::Confirm | Action::History => {
                        let Some(rel) = r.shown().get(r.selected).map(|x| (*x).clone()) else {
                            return Effect::Cmds(Vec::new());
                        };
                        let mut target = r.target.clone();
                        target.namespace = Some(rel.namespace.clone());
                        let (screen, cmds) = if a == Action::History {
                            history(target, &rel.name)
                        } else {
                            status(target, &rel.name)
                        };
                        *self = screen;
                        return Effect::Cmds(cmds);
                    }
                    Action::Close => return Effect::Close,
                    _ => return Effect::Unhandled,
                }
                Effect::Cmds(Vec::new())
            }
        }
    }

    /// Which screen this is: another after a key means the key opened a new one.
    pub fn ident(&self) -> (std::mem::Discriminant<OpsScreen>, u64) {
        let stream = match self {
            OpsScreen::Op(s) => s.stream,
            _ => 0,
        };
        (std::mem::discriminant(self), stream)
    }

    /// How to come back to this screen (the screens that only read: status, history, releases,
    /// canary; an operation's screen is not reopened).
    pub fn back(&self) -> Option<Back> {
        match self {
            OpsScreen::Op(s) if s.op == "status" => Some(Back::Status {
                target: s.target.clone(),
                release: s.release.clone(),
            }),
            OpsScreen::Op(_) => None,
            OpsScreen::History(h) => Some(Back::History {
                target: h.target.clone(),
                release: h.release.clone(),
            }),
            OpsScreen::Releases(r) => Some(Back::Releases {
                target: r.target.clone(),
            }),
            OpsScreen::Canary(c) => Some(Back::Canary {
                target: c.target.clone(),
                request: c.request.clone(),
                release: c.release.clone(),
                service: c.service.clone(),
            }),
        }
    }

    /// Whether typed characters are text here (the releases' filter after `/`, the release name
    /// that confirms an uninstall).
    pub fn in_text(&self) -> bool {
        match self {
            OpsScreen::Releases(r) => r.filtering,
            OpsScreen::Op(s) => matches!(s.stage, Stage::UninstallPlan(_)),
            OpsScreen::History(_) | OpsScreen::Canary(_) => false,
        }
    }

    /// A key while typing: characters, Backspace; for the filter Enter or Esc ends it, for an
    /// uninstall's confirmation Enter confirms and Esc cancels (the effect returned).
    pub fn text_key(&mut self, key: crossterm::event::KeyEvent) -> Option<Effect> {
        use crossterm::event::KeyCode;
        if let OpsScreen::Op(s) = self {
            match key.code {
                KeyCode::Char(c) => s.typed.push(c),
                KeyCode::Backspace => {
                    s.typed.pop();
                }
                KeyCode::Enter => return Some(op_action(s, Action::Confirm)),
                KeyCode::Esc => return Some(Effect::Close),
                _ => {}
            }
            return None;
        }
        let OpsScreen::Releases(r) = self else {
            return None;
        };
        match key.code {
            KeyCode::Char(c) => r.filter.push(c),
            KeyCode::Backspace => {
                r.filter.pop();
            }
            KeyCode::Esc => {
                r.filter.clear();
                r.filtering = false;
            }
            KeyCode::Enter => r.filtering = false,
            _ => {}
        }
        r.selected = 0;
        None
    }

    /// The canary's state arrived.
    pub fn canary_loaded(&mut self, r: Result<canary::Status, String>) {
        if let OpsScreen::Canary(c) = self {
            c.status = Some(r);
        }
    }

    /// The work to start now that the operation succeeded (taken once).
    pub fn take_after(&mut self) -> Option<After> {
        match self {
            OpsScreen::Op(s) if matches!(&s.stage, Stage::Finished(e) if e.ok) => s.after.take(),
            _ => None,
        }
    }

    /// A line for the screen (what the work after an operation did).
    pub fn note(&mut self, n: String) {
        if let OpsScreen::Op(s) = self {
            s.board.notices.push(n);
        }
    }

    /// An uninstall's plan arrived.
    pub fn uninstall_planned(&mut self, r: Result<Shared<UninstallPlan>, String>) {
        let OpsScreen::Op(s) = self else { return };
        s.stage = match r {
            Err(e) => Stage::Refused(vec![e]),
            Ok(p) => {
                s.context = p.0.cluster.context.clone();
                s.namespace = p.0.cluster.namespace.clone();
                s.read_only = p.0.cluster.read_only;
                s.helm_version = p.0.helm.version.to_string();
                s.typed.clear();
                Stage::UninstallPlan(p.0)
            }
        };
    }

    pub fn releases_loaded(&mut self, result: Result<Vec<Release>, String>) {
        if let OpsScreen::Releases(r) = self {
            r.releases = Some(result);
            r.selected = 0;
        }
    }

    /// A deploy's plan arrived.
    pub fn deploy_planned(&mut self, r: Result<Shared<DeployPlanning>, String>) {
        let OpsScreen::Op(s) = self else { return };
        s.stage = match r {
            Err(e) => Stage::Refused(vec![e]),
            Ok(p) => match &*p.0 {
                DeployPlanning::Invalid(report) => {
                    let mut lines = vec!["not deploying: the files have errors".to_string()];
                    lines.extend(
                        report
                            .findings
                            .iter()
                            .filter(|f| f.severity == Severity::Error)
                            .map(|f| f.to_text()),
                    );
                    Stage::Refused(lines)
                }
                DeployPlanning::RenderFailed(findings) => {
                    let mut lines = vec!["not deploying: helm template failed".to_string()];
                    lines.extend(findings.iter().map(|f| f.to_text()));
                    Stage::Refused(lines)
                }
                DeployPlanning::Ready(plan) => {
                    s.context = plan.cluster.context.clone();
                    s.namespace = plan.cluster.namespace.clone();
                    s.read_only = plan.cluster.read_only;
                    s.revisions = Some((plan.revision, plan.revision.map_or(1, |r| r + 1)));
                    s.chart = match &plan.app_version {
                        Some(a) => format!("{} (app {a})", plan.chart),
                        None => plan.chart.clone(),
                    };
                    s.helm_version = plan.helm_version.clone();
                    s.rollback_to = plan.rollback_to;
                    let checks_ms = plan.checks.iter().map(|c| c.duration_ms).max();
                    let failed = plan.checks.iter().any(|c| c.status == Status::Fail);
                    s.board.mark(
                        Phase::PreChecks,
                        if failed { Step::Failed } else { Step::Done },
                        checks_ms,
                    );
                    Stage::DeployPlan(Arc::new((**plan).clone()))
                }
            },
        };
        s.selected = 0;
        s.scroll = 0;
    }

    /// A rollback's plan arrived.
    pub fn rollback_planned(&mut self, r: Result<Shared<RollbackPlan>, String>) {
        let OpsScreen::Op(s) = self else { return };
        s.stage = match r {
            Err(e) => Stage::Refused(vec![e]),
            Ok(p) => {
                let plan = p.0.clone();
                s.context = plan.cluster.context.clone();
                s.namespace = plan.cluster.namespace.clone();
                s.read_only = plan.cluster.read_only;
                s.revisions = Some((Some(plan.from), plan.to));
                s.helm_version = plan.helm.version.to_string();
                // A rollback runs no pre-checks.
                s.board.phases.retain(|p| p.phase != Phase::PreChecks);
                Stage::RollbackPlan(plan)
            }
        };
        s.selected = 0;
    }

    /// An event of stream `stream`.
    pub fn event(&mut self, stream: u64, ev: &ReleaseEvent) {
        if let OpsScreen::Op(s) = self
            && s.stream == stream
        {
            s.board.apply(ev);
        }
    }

    /// The operation of stream `stream` ended.
    pub fn finished(&mut self, stream: u64, r: Result<OpEnd, String>) {
        let OpsScreen::Op(s) = self else { return };
        if s.stream != stream {
            return;
        }
        s.confirm_interrupt = false;
        match r {
            Ok(end) => {
                if let Some(c) = &end.cause {
                    s.board.set_cause(c.clone());
                }
                s.stage = Stage::Finished(Box::new(end));
            }
            Err(e) => s.stage = Stage::Refused(vec![format!("{} did not run: {e}", s.op)]),
        }
        s.scroll = 0;
    }

    /// The status screen's head arrived (the watch's rows follow as events).
    pub fn status_opened(&mut self, stream: u64, r: Result<StatusHead, String>) {
        let OpsScreen::Op(s) = self else { return };
        if s.stream != stream {
            return;
        }
        match r {
            Ok(h) => {
                s.context = h.context.clone();
                s.namespace = h.namespace.clone();
                s.chart = h.chart.clone();
                s.read_only = h.read_only;
                s.stage = Stage::Watching(Box::new(h));
            }
            Err(e) => s.stage = Stage::Refused(vec![e]),
        }
    }

    /// Whether the context is read-only (known once the screen has connected).
    pub fn read_only(&self) -> bool {
        matches!(self, OpsScreen::Op(s) if s.read_only)
    }

    /// Whether closing the screen must stop a watch.
    pub fn watching(&self) -> bool {
        matches!(self, OpsScreen::Op(s) if s.op == "status")
    }

    pub fn history_loaded(&mut self, r: Result<History, String>) {
        if let OpsScreen::History(h) = self {
            h.selected = r
                .as_ref()
                .map(|x| x.revisions.len().saturating_sub(1))
                .unwrap_or(0);
            h.history = Some(r);
        }
    }

    pub fn revision_opened(&mut self, r: Result<RevisionView, String>) {
        if let OpsScreen::History(h) = self {
            h.opened = Some(r);
            h.scroll = 0;
        }
    }
}

fn op_action(s: &mut OpScreen, a: Action) -> Effect {
    if a != Action::Interrupt {
        s.confirm_interrupt = false;
    }
    let detach = std::mem::take(&mut s.confirm_detach);
    match (a, &s.stage) {
        (Action::Confirm, Stage::DeployPlan(p)) => {
            if s.read_only {
                return refuse(
                    s,
                    "this context is read-only (readOnlyContexts in the user config)",
                );
            }
            if let Some(why) = p.blocked() {
                return refuse(s, &why);
            }
            let plan = p.clone();
            start(s, &plan.spec);
            Effect::Cmds(vec![Cmd::RunDeploy {
                plan: Shared(plan),
                stream: s.stream,
            }])
        }
        (Action::Confirm, Stage::RollbackPlan(p)) => {
            if s.read_only {
                return refuse(
                    s,
                    "this context is read-only (readOnlyContexts in the user config)",
                );
            }
            let plan = p.clone();
            start(s, &plan.spec);
            Effect::Cmds(vec![Cmd::RunRollback {
                plan: Shared(plan),
                stream: s.stream,
            }])
        }
        (Action::Interrupt, Stage::Running) => {
            if s.interrupting {
                return Effect::Cmds(Vec::new());
            }
            if s.confirm_interrupt {
                s.confirm_interrupt = false;
                s.interrupting = true;
                Effect::Cmds(vec![Cmd::Interrupt])
            } else {
                s.confirm_interrupt = true;
                Effect::Cmds(Vec::new())
            }
        }
        (Action::Rollback, Stage::Finished(end)) if !end.ok && !s.read_only => {
            let Some(to) = s.rollback_to else {
                return Effect::Unhandled;
            };
            let (screen, cmds) = rollback_screen(s.target.clone(), &s.release, Some(to));
            *s = screen;
            Effect::Cmds(cmds)
        }
        (Action::Uninstall, Stage::Finished(_) | Stage::Watching(_)) if !s.read_only => {
            let next = uninstall_screen(s.target.clone(), &s.release, Some(s));
            follow(s, next)
        }
        (Action::Confirm, Stage::UninstallPlan(p)) => {
            if s.read_only {
                return refuse(
                    s,
                    "this context is read-only (readOnlyContexts in the user config)",
                );
            }
            if s.typed != p.release {
                return refuse(
                    s,
                    &format!("type the release name ({}) to confirm", p.release),
                );
            }
            let plan = p.clone();
            start(s, &plan.spec);
            Effect::Cmds(vec![Cmd::RunUninstall {
                plan: Shared(plan),
                stream: s.stream,
            }])
        }
        (Action::Test, Stage::Finished(_) | Stage::Watching(_)) if !s.read_only => {
            let next = test_screen(s.target.clone(), &s.release, Some(s));
            follow(s, next)
        }
        (Action::Logs, _) => {
            s.panel = if s.panel == Panel::Logs {
                Panel::Overview
            } else {
                Panel::Logs
            };
            s.scroll = 0;
            Effect::Cmds(Vec::new())
        }
        (Action::NextPanel, _) => {
            s.panel = s.panel.next();
            s.scroll = 0;
            Effect::Cmds(Vec::new())
        }
        (Action::Down, Stage::DeployPlan(_) | Stage::RollbackPlan(_)) => {
            s.selected = (s.selected + 1).min(s.changes().len().saturating_sub(1));
            Effect::Cmds(Vec::new())
        }
        (Action::Up, Stage::DeployPlan(_) | Stage::RollbackPlan(_)) => {
            s.selected = s.selected.saturating_sub(1);
            Effect::Cmds(Vec::new())
        }
        (Action::Down | Action::PageDown, _) => {
            s.scroll = s
                .scroll
                .saturating_add(if a == Action::Down { 1 } else { 10 });
            Effect::Cmds(Vec::new())
        }
        (Action::Up | Action::PageUp, _) => {
            s.scroll = s
                .scroll
                .saturating_sub(if a == Action::Up { 1 } else { 10 });
            Effect::Cmds(Vec::new())
        }
        (Action::Close, Stage::Running) if detach => Effect::Close,
        (Action::Close, Stage::Running) => {
            s.confirm_detach = true;
            Effect::Cmds(Vec::new())
        }
        (Action::Close, _) => Effect::Close,
        _ => Effect::Unhandled,
    }
}

/// Replaces `s` with the screen it opens (stopping its watch when it was watching).
fn follow(s: &mut OpScreen, (screen, more): (OpScreen, Vec<Cmd>)) -> Effect {
    let mut cmds = if matches!(s.stage, Stage::Watching(_)) {
        vec![Cmd::StopWatch]
    } else {
        Vec::new()
    };
    *s = screen;
    cmds.extend(more);
    Effect::Cmds(cmds)
}

fn refuse(s: &mut OpScreen, why: &str) -> Effect {
    s.board.notices.push(format!("not started: {why}"));
    Effect::Cmds(Vec::new())
}

fn start(s: &mut OpScreen, spec: &watch::Spec) {
    s.stage = Stage::Running;
    s.panel = Panel::Overview;
    s.scroll = 0;
    // Phases that will not run (no hooks on that side) are left out of the live view.
    s.board.phases.retain(|p| match p.phase {
        Phase::PreHooks => !spec.pre_hooks.is_empty(),
        Phase::PostHooks => !spec.post_hooks.is_empty(),
        _ => true,
    });
}

enum HistoryEffect {
    Effect(Effect),
    Rollback(u64),
}

fn history_action(h: &mut HistoryScreen, a: Action) -> HistoryEffect {
    let n = match &h.history {
        Some(Ok(x)) => x.revisions.len(),
        _ => 0,
    };
    let cmds = |v: Vec<Cmd>| HistoryEffect::Effect(Effect::Cmds(v));
    match a {
        Action::Down => {
            h.selected = (h.selected + 1).min(n.saturating_sub(1));
            cmds(Vec::new())
        }
        Action::Up => {
            h.selected = h.selected.saturating_sub(1);
            cmds(Vec::new())
        }
        Action::PageDown => {
            h.scroll = h.scroll.saturating_add(10);
            cmds(Vec::new())
        }
        Action::PageUp => {
            h.scroll = h.scroll.saturating_sub(10);
            cmds(Vec::new())
        }
        Action::Confirm => {
            let Some(Ok(x)) = &h.history else {
                return cmds(Vec::new());
            };
            let (Some(sel), Some(cur)) = (x.revisions.get(h.selected), x.latest()) else {
                return cmds(Vec::new());
            };
            h.opened = None;
            cmds(vec![Cmd::OpenRevision {
                target: Shared::new(h.target.clone()),
                release: h.release.clone(),
                revision: sel.revision,
                against: h.marked.unwrap_or(cur.revision),
            }])
        }
        Action::Rollback => match &h.history {
            Some(Ok(x)) => match (x.revisions.get(h.selected), x.latest()) {
                (Some(sel), Some(cur)) if sel.revision != cur.revision => {
                    HistoryEffect::Rollback(sel.revision)
                }
                _ => cmds(Vec::new()),
            },
            _ => cmds(Vec::new()),
        },
        Action::Toggle => {
            if let Some(Ok(x)) = &h.history
                && let Some(sel) = x.revisions.get(h.selected)
            {
                h.marked = if h.marked == Some(sel.revision) {
                    None
                } else {
                    Some(sel.revision)
                };
            }
            cmds(Vec::new())
        }
        Action::Close => HistoryEffect::Effect(Effect::Close),
        _ => HistoryEffect::Effect(Effect::Unhandled),
    }
}
