//! The operation screen: a deploy, rollback, uninstall or `helm test` from plan to end (plan,
//! confirm, live view, cause card), and the status screen (the release's objects watched live).
//! The event stream is folded into a [`Board`] as it arrives.
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::core::check::report::Severity;
use crate::core::ops::deploy::{DeployPlan, DeployPlanning, DeployRequest};
use crate::core::ops::rollback::RollbackPlan;
use crate::core::ops::uninstall::UninstallPlan;
use crate::core::release::board::{Board, OPERATION_PHASES, ObjectRow, Step};
use crate::core::release::cause::{CardLine, CauseCard};
use crate::core::release::diff::Change;
use crate::core::release::events::Phase;
use crate::core::release::lease::Refusal;
use crate::core::release::ops::HookObject;
use crate::core::release::prechecks::{Check, Status};
use crate::core::release::{Target, watch};
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{After, Cmd, OpEnd, OpsMsg, Shared, StatusHead};
use crate::tui::screens::{Effect, Next, OpsScreen, block, next_stream, secs};
use crate::tui::style::Styles;
use crossterm::event::KeyEvent;

use crate::tui::component::{Ctx, Screen};
use crate::tui::project::Project;

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

    pub(crate) fn title(self) -> &'static str {
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

    /// After a signal ended the operation (helm left running or stopped with apwiz): what became
    /// of helm and the run record, for the restored terminal.
    pub fn left_lines(&self) -> Vec<String> {
        let Stage::Finished(end) = &self.stage else {
            return Vec::new();
        };
        let mut l: Vec<String> = end.left.iter().cloned().collect();
        match &end.record {
            Some(r) => l.push(format!("run record: {}", r.display())),
            None => l.push("run record: not written".into()),
        }
        l
    }

    /// The changes of the plan shown.
    pub(crate) fn changes(&self) -> &[Change] {
        match &self.stage {
            Stage::DeployPlan(p) => &p.changes,
            Stage::RollbackPlan(p) => &p.changes,
            _ => &[],
        }
    }
}

impl OpScreen {
    /// A key's action.
    fn on_action(&mut self, a: Action) -> Next {
        Next::Stay(op_action(self, a))
    }

    /// A key while typing the release name that confirms an uninstall: Enter confirms, Esc
    /// cancels.
    fn on_text(&mut self, key: crossterm::event::KeyEvent) -> Option<Effect> {
        use crossterm::event::KeyCode;
        match key.code {
            KeyCode::Char(c) => self.typed.push(c),
            KeyCode::Backspace => {
                self.typed.pop();
            }
            KeyCode::Enter => return Some(op_action(self, Action::Confirm)),
            KeyCode::Esc => return Some(Effect::Close),
            _ => {}
        }
        None
    }

    /// A background result: a plan, an event of this screen's stream, its end, the status head.
    fn on_msg(&mut self, m: OpsMsg) {
        match m {
            OpsMsg::DeployPlanned(r) => self.deploy_planned(r),
            OpsMsg::RollbackPlanned(r) => self.rollback_planned(r),
            OpsMsg::UninstallPlanned(r) => self.uninstall_planned(r),
            OpsMsg::Release { stream, event } if stream == self.stream => self.board.apply(&event),
            OpsMsg::OpFinished { stream, result } if stream == self.stream => self.finished(result),
            OpsMsg::StatusOpened { stream, result } if stream == self.stream => {
                self.status_opened(result)
            }
            _ => {}
        }
    }
    /// An uninstall's plan arrived.
    fn uninstall_planned(&mut self, r: Result<Shared<UninstallPlan>, String>) {
        let s = self;
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
    /// A deploy's plan arrived.
    fn deploy_planned(&mut self, r: Result<Shared<DeployPlanning>, String>) {
        let s = self;
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
    fn rollback_planned(&mut self, r: Result<Shared<RollbackPlan>, String>) {
        let s = self;
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
    /// The operation of stream `stream` ended.
    fn finished(&mut self, r: Result<OpEnd, String>) {
        let s = self;
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
    fn status_opened(&mut self, r: Result<StatusHead, String>) {
        let s = self;
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
pub(super) fn uninstall_screen(
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

pub(super) fn rollback_screen(
    target: Target,
    release: &str,
    revision: Option<u64>,
) -> (OpScreen, Vec<Cmd>) {
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

fn op_action(s: &mut OpScreen, a: Action) -> Effect {
    if a != Action::Interrupt {
        s.confirm_interrupt = false;
    }
    let detach = std::mem::take(&mut s.confirm_detach);
    match (a, &s.stage) {
        (Action::Confirm, _) => confirm(s),
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
        (Action::Test, Stage::Finished(_) | Stage::Watching(_)) if !s.read_only => {
            let next = test_screen(s.target.clone(), &s.release, Some(s));
            follow(s, next)
        }
        (Action::Close, Stage::Running) if detach => Effect::Close,
        (Action::Close, Stage::Running) => {
            s.confirm_detach = true;
            Effect::Cmds(Vec::new())
        }
        (Action::Close, _) => Effect::Close,
        _ => move_view(s, a),
    }
}

/// Enter on a plan: starts it (unless the context is read-only, the plan is blocked, or an
/// uninstall's release name was not typed).
fn confirm(s: &mut OpScreen) -> Effect {
    let planned = matches!(
        s.stage,
        Stage::DeployPlan(_) | Stage::RollbackPlan(_) | Stage::UninstallPlan(_)
    );
    if !planned {
        return Effect::Unhandled;
    }
    if s.read_only {
        return refuse(
            s,
            "this context is read-only (readOnlyContexts in the user config)",
        );
    }
    let why = match &s.stage {
        Stage::DeployPlan(p) => p.blocked(),
        // another apwiz holds the release's Lease: the same words as the plan's card
        Stage::RollbackPlan(p) => p.held.as_ref().map(|h| h.to_string()),
        Stage::UninstallPlan(p) if p.held.is_some() => p.held.as_ref().map(|h| h.to_string()),
        Stage::UninstallPlan(p) if s.typed != p.release => {
            Some(format!("type the release name ({}) to confirm", p.release))
        }
        _ => None,
    };
    if let Some(why) = why {
        return refuse(s, &why);
    }
    let stream = s.stream;
    let (spec, cmd) = match &s.stage {
        Stage::DeployPlan(p) => (
            p.spec.clone(),
            Cmd::RunDeploy {
                plan: Shared(p.clone()),
                stream,
            },
        ),
        Stage::RollbackPlan(p) => (
            p.spec.clone(),
            Cmd::RunRollback {
                plan: Shared(p.clone()),
                stream,
            },
        ),
        Stage::UninstallPlan(p) => (
            p.spec.clone(),
            Cmd::RunUninstall {
                plan: Shared(p.clone()),
                stream,
            },
        ),
        _ => return Effect::Unhandled,
    };
    start(s, &spec);
    Effect::Cmds(vec![cmd])
}

/// The keys that move around the screen: the panels, the plan's selection, the scroll.
fn move_view(s: &mut OpScreen, a: Action) -> Effect {
    match (a, &s.stage) {
        (Action::Logs, _) => {
            s.panel = if s.panel == Panel::Logs {
                Panel::Overview
            } else {
                Panel::Logs
            };
            s.scroll = 0;
        }
        (Action::NextPanel, _) => {
            s.panel = s.panel.next();
            s.scroll = 0;
        }
        (Action::Down, Stage::DeployPlan(_) | Stage::RollbackPlan(_)) => {
            s.selected = (s.selected + 1).min(s.changes().len().saturating_sub(1));
        }
        (Action::Up, Stage::DeployPlan(_) | Stage::RollbackPlan(_)) => {
            s.selected = s.selected.saturating_sub(1);
        }
        (Action::Down | Action::PageDown, _) => {
            s.scroll = s
                .scroll
                .saturating_add(if a == Action::Down { 1 } else { 10 });
        }
        (Action::Up | Action::PageUp, _) => {
            s.scroll = s
                .scroll
                .saturating_sub(if a == Action::Up { 1 } else { 10 });
        }
        _ => return Effect::Unhandled,
    }
    Effect::Cmds(Vec::new())
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

/// The header line.
pub(super) fn header(o: &OpScreen, st: &Styles) -> Line<'static> {
    let mut spans = vec![
        Span::styled(format!("apwiz {} ", o.op), st.title),
        Span::styled(o.release.clone(), st.accent),
    ];
    if !o.context.is_empty() {
        spans.push(Span::raw(format!(" → {}/{}", o.context, o.namespace)));
    }
    if let Some((from, to)) = o.revisions {
        spans.push(Span::styled(
            match from {
                Some(f) => format!(" · rev {f}→{to}"),
                None => format!(" · rev {to} (install)"),
            },
            st.muted,
        ));
    }
    if !o.chart.is_empty() {
        spans.push(Span::styled(format!(" · {}", o.chart), st.muted));
    }
    if !o.helm_version.is_empty() {
        spans.push(Span::styled(
            format!(" · helm {}", o.helm_version),
            st.muted,
        ));
    }
    if matches!(o.stage, Stage::Running | Stage::Finished(_)) {
        spans.push(Span::raw(format!(" · {}", secs(o.board.now_ms))));
    }
    if o.read_only {
        spans.push(Span::styled(" · read-only", st.warning));
    }
    if let Some(stale) = &o.board.stale {
        // First, so a narrow terminal shows it too.
        spans.insert(0, Span::styled(format!("{} · ", stale.words()), st.error));
    }
    if !o.board.reconnecting.is_empty() {
        // First, so a narrow terminal shows it too.
        spans.insert(
            0,
            Span::styled(
                format!(
                    "connection lost, reconnecting ({}) · ",
                    o.board.reconnecting.join(", ")
                ),
                st.error,
            ),
        );
    }
    Line::from(spans)
}

/// Draws the screen.
pub(super) fn draw(f: &mut Frame, area: Rect, o: &OpScreen, st: &Styles) {
    let lines = match (&o.stage, o.panel) {
        (Stage::Planning(what), _) => vec![Line::from(Span::styled(what.clone(), st.muted))],
        (Stage::Refused(why), _) => refused_lines(o, why, st),
        (Stage::DeployPlan(p), _) => deploy_plan_lines(o, p, st),
        (Stage::UninstallPlan(p), _) => uninstall_plan_lines(o, p, st),
        (Stage::RollbackPlan(p), _) => rollback_plan_lines(o, p, st),
        (_, Panel::Logs) => logs_lines(&o.board, st),
        (_, Panel::Events) => events_lines(&o.board, usize::MAX, st),
        (_, Panel::Helm) => {
            if o.board.helm.is_empty() {
                vec![Line::from(Span::styled(
                    "helm has printed nothing",
                    st.muted,
                ))]
            } else {
                o.board.helm.iter().map(|h| Line::raw(h.clone())).collect()
            }
        }
        (Stage::Running, Panel::Overview) => running_lines(o, st),
        (Stage::Watching(h), Panel::Overview) => watching_lines(o, h, st),
        (Stage::Finished(end), Panel::Overview) => finished_lines(o, end, st),
    };
    let title = match &o.stage {
        Stage::Planning(_) => format!(" {} · planning ", o.op),
        Stage::Refused(_) => format!(" {} · not started ", o.op),
        Stage::DeployPlan(_) | Stage::RollbackPlan(_) | Stage::UninstallPlan(_) => {
            format!(" {} · plan ", o.op)
        }
        Stage::Running => format!(" {} · running · {} ", o.op, o.panel.title()),
        Stage::Finished(e) if e.ok => format!(" {} · succeeded · {} ", o.op, o.panel.title()),
        Stage::Finished(_) => format!(" {} · failed · {} ", o.op, o.panel.title()),
        Stage::Watching(_) => format!(" status · watching · {} ", o.panel.title()),
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((o.scroll, 0))
            .block(block(title, st)),
        area,
    );
}

/// Why nothing runs: the card of a refusal (another apwiz holds the release's Lease), else the
/// reasons.
fn refused_lines(o: &OpScreen, why: &[String], st: &Styles) -> Vec<Line<'static>> {
    let mut l: Vec<Line> = match &o.board.cause {
        Some(card) => held_lines(card, st),
        None => why
            .iter()
            .enumerate()
            .map(|(i, w)| {
                Line::from(Span::styled(
                    w.clone(),
                    if i == 0 { st.error } else { st.warning },
                ))
            })
            .collect(),
    };
    l.push(Line::raw(""));
    l.push(Line::from(Span::styled(
        "nothing was changed in the cluster · q closes",
        st.muted,
    )));
    l
}

/// A deploy's plan: who holds the release (when another apwiz does), pre-checks, the diff, the
/// hooks, the timeout, the question.
fn deploy_plan_lines(o: &OpScreen, p: &DeployPlan, st: &Styles) -> Vec<Line<'static>> {
    let mut l = held_plan_lines(p.checks.iter().find_map(|c| c.held.as_deref()), st);
    l.extend(checks_lines(&p.checks, st));
    l.push(Line::raw(""));
    l.extend(changes_lines(&p.changes, o.selected, st));
    l.push(Line::raw(""));
    l.extend(hooks_plan_lines(&p.hooks, p.event, st));
    let warnings = p.report.findings.len();
    l.push(Line::from(vec![
        Span::styled("timeout ", st.title),
        Span::raw(format!("{}s", p.timeout.as_secs())),
        Span::styled(
            if warnings > 0 {
                format!(" · validation: {warnings} warning(s), no errors")
            } else {
                " · validation: clean".to_string()
            },
            st.muted,
        ),
    ]));
    l.push(Line::raw(""));
    l.push(match p.blocked() {
        Some(why) => Line::from(Span::styled(format!("✗ {why}"), st.error)),
        None => Line::from(vec![
            Span::styled("y", st.accent),
            Span::raw(format!(
                " {} {} to {}/{} · q cancels",
                p.event, p.release, p.cluster.context, p.cluster.namespace
            )),
        ]),
    });
    notices(&mut l, &o.board, st);
    l
}

/// An uninstall's plan: what goes, what stays, the delete hooks, the name to type.
fn uninstall_plan_lines(o: &OpScreen, p: &UninstallPlan, st: &Styles) -> Vec<Line<'static>> {
    let mut l = held_plan_lines(p.held.as_deref(), st);
    l.push(Line::from(vec![
        Span::styled("uninstall ", st.title),
        Span::raw(format!(
            "{} (revision {}) from {}/{}",
            p.release, p.revision, p.cluster.context, p.cluster.namespace
        )),
    ]));
    l.push(Line::raw(""));
    l.push(Line::from(Span::styled(
        format!("deleted ({})", p.deleted.len()),
        st.title,
    )));
    l.extend(
        p.deleted
            .iter()
            .map(|k| Line::from(Span::styled(format!(" - {k}"), st.error))),
    );
    l.push(Line::from(Span::styled(
        format!("kept by helm.sh/resource-policy: keep ({})", p.kept.len()),
        st.title,
    )));
    l.extend(
        p.kept
            .iter()
            .map(|k| Line::from(Span::styled(format!(" = {k}"), st.ok))),
    );
    l.extend(hooks_plan_lines(&p.hooks, "delete", st));
    l.push(Line::raw(""));
    l.push(match &p.held {
        Some(h) => Line::from(Span::styled(format!("✗ {h}"), st.error)),
        None => Line::from(vec![
            Span::raw(format!(
                "type the release name ({}) to confirm: ",
                p.release
            )),
            Span::styled(format!("{}▏", o.typed), st.accent),
        ]),
    });
    notices(&mut l, &o.board, st);
    l
}

/// A rollback's plan: the diff, the hooks, the question.
fn rollback_plan_lines(o: &OpScreen, p: &RollbackPlan, st: &Styles) -> Vec<Line<'static>> {
    let mut l = held_plan_lines(p.held.as_deref(), st);
    l.push(Line::from(vec![
        Span::styled("rollback ", st.title),
        Span::raw(format!(
            "revision {} ({}) → {}",
            p.from, p.from_status, p.to
        )),
    ]));
    l.push(Line::raw(""));
    l.extend(changes_lines(&p.changes, o.selected, st));
    l.push(Line::raw(""));
    l.extend(hooks_plan_lines(&p.hooks, "rollback", st));
    l.push(Line::raw(""));
    l.push(match &p.held {
        Some(h) => Line::from(Span::styled(format!("✗ {h}"), st.error)),
        None => Line::from(vec![
            Span::styled("y", st.accent),
            Span::raw(format!(
                " roll {} back to revision {} · q cancels",
                p.release, p.to
            )),
        ]),
    });
    notices(&mut l, &o.board, st);
    l
}

/// Helm runs: an early cause card, the live view, the questions of a second key.
fn running_lines(o: &OpScreen, st: &Styles) -> Vec<Line<'static>> {
    // A failure seen before helm has given up: the card first, helm still working.
    let mut l = Vec::new();
    if let Some(card) = &o.board.cause {
        l.extend(card_lines(card, None, st));
        l.push(Line::from(Span::styled(
            "  helm is still working (on failure it rolls back when its timeout ends): Ctrl-C twice interrupts it now",
            st.warning,
        )));
        l.push(Line::raw(""));
    }
    l.extend(live_lines(&o.board, st));
    if o.confirm_detach {
        l.insert(
            0,
            Line::from(Span::styled(
                format!(
                    "q again detaches: helm goes on without apwiz; re-attach with `apwiz status --watch --release {} -n {}` · Ctrl-C twice interrupts it instead",
                    o.release, o.namespace
                ),
                st.warning,
            )),
        );
    }
    if o.confirm_interrupt {
        l.insert(
            0,
            Line::from(Span::styled(
                "Ctrl-C again interrupts helm (it cancels and marks the release failed; a rollback follows); any other key goes on",
                st.warning,
            )),
        );
    }
    l
}

/// The status screen: the revision, the live view, the NOTES.
fn watching_lines(o: &OpScreen, h: &StatusHead, st: &Styles) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(vec![
        Span::styled(format!("revision {} ", h.revision), st.title),
        Span::styled(
            h.status.clone(),
            if h.status == "deployed" {
                st.ok
            } else {
                st.warning
            },
        ),
        Span::styled(format!(" · {}", h.description), st.muted),
    ])];
    l.push(match &o.board.stale {
        Some(_) => Line::from(Span::styled(
            "not live: the rows (greyed) are the last state heard, until the API server answers · t runs helm test · q closes",
            st.error,
        )),
        None => Line::from(Span::styled(
            "watching live: rows change as the cluster does · t runs helm test · q closes",
            st.muted,
        )),
    });
    l.push(Line::raw(""));
    l.extend(live_lines(&o.board, st));
    if !h.notes.trim().is_empty() {
        l.push(Line::raw(""));
        l.push(Line::from(Span::styled("NOTES", st.title)));
        l.extend(h.notes.lines().map(|x| Line::raw(x.to_string())));
    }
    l
}

/// The end: the cause card or the outcome, the live view, the NOTES, the run record.
fn finished_lines(o: &OpScreen, end: &OpEnd, st: &Styles) -> Vec<Line<'static>> {
    let mut l = Vec::new();
    match (&o.board.cause, end.ok) {
        (Some(card), false) => {
            l.extend(card_lines(card, o.rollback_to, st));
            l.push(Line::raw(""));
            l.extend(live_lines(&o.board, st));
        }
        _ => {
            l.push(Line::from(Span::styled(
                match (end.ok, end.revision) {
                    (true, Some(r)) => format!(
                        "✔ {} succeeded in {}: revision {r} deployed",
                        o.op,
                        secs(o.board.finished.map_or(o.board.now_ms, |f| f.duration_ms))
                    ),
                    (true, None) => format!(
                        "✔ {} succeeded in {}",
                        o.op,
                        secs(o.board.finished.map_or(o.board.now_ms, |f| f.duration_ms))
                    ),
                    (false, _) => format!("✗ {} failed", o.op),
                },
                if end.ok { st.ok } else { st.error },
            )));
            l.push(Line::raw(""));
            l.extend(live_lines(&o.board, st));
            if let Some(n) = &end.notes {
                l.push(Line::raw(""));
                l.push(Line::from(Span::styled("NOTES", st.title)));
                l.extend(n.lines().map(|x| Line::raw(x.to_string())));
            }
        }
    }
    if let Some(r) = &end.record {
        l.push(Line::from(Span::styled(
            format!("run record: {}", r.display()),
            st.muted,
        )));
    }
    l
}

fn notices(l: &mut Vec<Line<'static>>, b: &Board, st: &Styles) {
    for n in &b.notices {
        l.push(Line::from(Span::styled(format!("! {n}"), st.warning)));
    }
}

fn checks_lines(checks: &[Check], st: &Styles) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(Span::styled("pre-checks", st.title))];
    for c in checks {
        let (mark, style) = match c.status {
            Status::Pass => ("✔", st.ok),
            Status::Warn => ("!", st.warning),
            Status::Fail => ("✗", st.error),
        };
        // Another apwiz's Lease is worded as a card above the checks.
        let message = match &c.held {
            Some(h) => format!("held by {} (above)", h.holder.identity()),
            None => c.message.clone(),
        };
        l.push(Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::raw(format!("{:<16} ", c.name)),
            Span::raw(message),
            Span::styled(format!(" ({} ms)", c.duration_ms), st.muted),
        ]));
    }
    l
}

pub(super) fn changes_lines(
    changes: &[Change],
    selected: usize,
    st: &Styles,
) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(Span::styled(
        if changes.is_empty() {
            "changes: none to the manifests (hooks still run)".to_string()
        } else {
            format!("changes ({})", changes.len())
        },
        st.title,
    ))];
    for (i, c) in changes.iter().enumerate() {
        let (mark, style, object) = match c {
            Change::Added { object } => ("+", st.ok, object),
            Change::Removed { object } => ("-", st.error, object),
            Change::Changed { object, .. } => ("~", st.warning, object),
        };
        let sel = i == selected;
        l.push(Line::from(vec![
            Span::styled(if sel { "›" } else { " " }, st.accent),
            Span::styled(format!("{mark} "), style),
            Span::styled(
                object.to_string(),
                if sel { st.selected } else { Style::default() },
            ),
        ]));
        if sel && let Change::Changed { paths, .. } = c {
            for p in paths {
                l.push(Line::from(vec![
                    Span::raw("      "),
                    Span::styled(p.path.clone(), st.path),
                    Span::raw(format!(": {}", p.values_text())),
                ]));
            }
        }
    }
    l
}

/// The hooks that run on `op` (`install`, `upgrade`, `rollback`), by event, weight and name.
fn hooks_plan_lines(hooks: &[HookObject], op: &str, st: &Styles) -> Vec<Line<'static>> {
    let events = [format!("pre-{op}"), format!("post-{op}")];
    let runs = |h: &&HookObject| h.events.iter().any(|e| events.contains(e));
    if !hooks.iter().any(|h| runs(&h)) {
        return vec![Line::from(Span::styled(
            format!("hooks: none run on {op}"),
            st.title,
        ))];
    }
    let mut l = vec![Line::from(Span::styled(
        format!("hooks that run on {op} (weight, kind/name)"),
        st.title,
    ))];
    for e in &events {
        let names: Vec<String> = hooks
            .iter()
            .filter(|h| h.events.iter().any(|x| x == e))
            .map(|h| format!("{} {}/{}", h.weight, h.kind, h.name))
            .collect();
        if names.is_empty() {
            continue;
        }
        l.push(Line::from(vec![
            Span::styled(format!(" {e}: "), st.accent),
            Span::raw(names.join(" · ")),
        ]));
    }
    l
}

fn step_mark(s: Step, st: &Styles) -> Span<'static> {
    match s {
        Step::Done => Span::styled("✔", st.ok),
        Step::Running => Span::styled("▶", st.accent),
        Step::Waiting => Span::styled("○", st.muted),
        Step::Failed => Span::styled("✗", st.error),
    }
}

fn row_style(r: &ObjectRow, st: &Styles) -> Style {
    if r.failing() {
        st.error
    } else if r.healthy() {
        st.ok
    } else {
        Style::default()
    }
}

/// The live view: phases, hooks, workloads, pods, events.
fn live_lines(b: &Board, st: &Styles) -> Vec<Line<'static>> {
    let mut l = Vec::new();
    // A silent API server: the rows are what was heard last, greyed until it answers again.
    let grey = b.stale.is_some();
    let mut phases = vec![Span::styled("phases ", st.title)];
    let no_phases = b.phases.is_empty();
    for p in &b.phases {
        phases.push(step_mark(p.step, st));
        phases.push(Span::raw(format!(" {}", p.phase.as_str())));
        let d = match (p.step, p.duration_ms, p.started_ms) {
            (_, Some(ms), _) => format!(" {}", secs(ms)),
            (Step::Running, None, Some(at)) => format!(" {}", secs(b.now_ms.saturating_sub(at))),
            _ => String::new(),
        };
        phases.push(Span::styled(format!("{d}  "), st.muted));
    }
    if !no_phases {
        l.push(Line::from(phases));
    }
    let section = |l: &mut Vec<Line<'static>>, title: &str, rows: &[ObjectRow], hooks: bool| {
        if rows.is_empty() {
            return;
        }
        l.push(Line::from(Span::styled(title.to_string(), st.title)));
        for r in rows {
            let mut spans = if grey {
                vec![
                    Span::styled(format!(" {}/{} ", r.kind, r.name), st.muted),
                    Span::styled(r.state.clone(), st.muted),
                ]
            } else {
                vec![
                    Span::raw(format!(" {}/{} ", r.kind, r.name)),
                    Span::styled(r.state.clone(), row_style(r, st)),
                ]
            };
            if hooks {
                if let Some(h) = &r.hook {
                    spans.push(Span::styled(format!("  [{h}]"), st.muted));
                }
                if b.logs_saved(r) {
                    spans.push(Span::styled("  logs saved", st.info));
                }
            }
            if r.changes > 1 {
                spans.push(Span::styled(format!("  ({} changes)", r.changes), st.muted));
            }
            l.push(Line::from(spans));
        }
    };
    section(&mut l, "hooks", &b.hooks, true);
    section(&mut l, "workloads", &b.workloads, false);
    section(&mut l, "pods", &b.pods, false);
    if !b.events.is_empty() {
        l.extend(events_lines(b, 6, st));
    }
    notices(&mut l, b, st);
    l
}

fn events_lines(b: &Board, max: usize, st: &Styles) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(Span::styled(
        format!("events ({} warning(s))", b.warnings()),
        st.title,
    ))];
    for e in b.events.iter().take(max) {
        l.push(Line::from(vec![
            Span::styled(
                if e.warning { " Warning " } else { " Normal  " },
                if e.warning { st.warning } else { st.muted },
            ),
            Span::raw(format!("{} {}: {}", e.reason, e.object, e.message)),
            Span::styled(
                if e.count > 1 {
                    format!(" ×{}", e.count)
                } else {
                    String::new()
                },
                st.muted,
            ),
        ]));
    }
    if b.events.len() > max {
        l.push(Line::from(Span::styled(
            format!(" … {} more (Tab: events)", b.events.len() - max),
            st.muted,
        )));
    }
    l
}

fn logs_lines(b: &Board, st: &Styles) -> Vec<Line<'static>> {
    if b.logs.is_empty() {
        return vec![Line::from(Span::styled(
            "no logs captured yet: hook and test pods' logs are saved as soon as they end",
            st.muted,
        ))];
    }
    let mut l = Vec::new();
    for lg in &b.logs {
        l.push(Line::from(Span::styled(
            format!("{}/{}", lg.pod, lg.container),
            st.title,
        )));
        match &lg.unavailable {
            Some(why) => l.push(Line::from(Span::styled(
                format!("  unavailable: {why}"),
                st.muted,
            ))),
            None => l.extend(lg.lines.iter().map(|x| Line::raw(format!("  {x}")))),
        }
    }
    l
}

/// A card's lines as the screen draws them (indented by depth, styled by role).
fn styled(lines: Vec<CardLine>, st: &Styles) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|cl| {
            let mut spans = vec![Span::raw("  ".repeat(cl.depth as usize))];
            spans.extend(st.spans(cl.segments));
            Line::from(spans)
        })
        .collect()
}

/// Another apwiz holds the release's Lease: who, since when, and what to do (the card's own
/// next steps: no key of this screen helps).
fn held_lines(c: &CauseCard, st: &Styles) -> Vec<Line<'static>> {
    let mut l = styled(c.lines(), st);
    l.extend(styled(c.next_lines(), st));
    l
}

/// The top of a plan (deploy, rollback, uninstall) when another apwiz holds the release's
/// Lease: its card and a blank line; nothing otherwise.
fn held_plan_lines(held: Option<&Refusal>, st: &Styles) -> Vec<Line<'static>> {
    let Some(h) = held else {
        return Vec::new();
    };
    let mut l = held_lines(&h.card(), st);
    l.push(Line::raw(""));
    l
}

fn card_lines(c: &CauseCard, rollback_to: Option<u64>, st: &Styles) -> Vec<Line<'static>> {
    let mut l = styled(c.lines(), st);
    let mut next = Vec::new();
    if let Some(r) = rollback_to {
        next.push(Span::styled("  r", st.accent));
        next.push(Span::raw(format!(" roll back to revision {r} · ")));
    }
    next.push(Span::styled("l", st.accent));
    next.push(Span::raw(" full logs · "));
    next.push(Span::styled("Tab", st.accent));
    next.push(Span::raw(" events, helm"));
    l.push(Line::from(next));
    l
}

impl Screen<OpsScreen> for OpScreen {
    fn release(&self) -> Option<(&Target, &str)> {
        Some((&self.target, &self.release))
    }

    fn scope(&self) -> Scope {
        match self.stage {
            Stage::DeployPlan(_) | Stage::RollbackPlan(_) => Scope::Plan,
            Stage::UninstallPlan(_) => Scope::Uninstall,
            Stage::Running => Scope::Live,
            Stage::Planning(_) | Stage::Refused(_) | Stage::Finished(_) | Stage::Watching(_) => {
                Scope::Done
            }
        }
    }

    /// The release name that confirms an uninstall is typed.
    fn in_text(&self) -> bool {
        matches!(self.stage, Stage::UninstallPlan(_))
    }

    fn action(&mut self, a: Action, _project: &mut Project, _ctx: &Ctx) -> Effect {
        self.on_action(a).into()
    }

    fn key(&mut self, key: KeyEvent, _project: &mut Project, _ctx: &Ctx) -> Effect {
        self.on_text(key).unwrap_or(Effect::Unhandled)
    }

    fn update(&mut self, m: OpsMsg) -> Vec<Cmd> {
        self.on_msg(m);
        // The work to start now that the operation succeeded (taken once).
        match &self.stage {
            Stage::Finished(e) if e.ok => self.after.take().map(Cmd::After).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    super::module_parts!();
}
