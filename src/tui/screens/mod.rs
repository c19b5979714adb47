//! The screens over the wizard, one component shape each: a module per screen holds its state,
//! its constructor (the screen loading, with the `Cmd`s that fetch its data), `action(Action)`
//! for its keys, `update(OpsMsg)` for the background results that come back (never awaiting),
//! and `header`/`draw` (draw only). [`OpsScreen`] is the one screen shown; this module routes to
//! it: keys from [`app`](crate::tui::app), results from `Msg::Ops`.
//!
//! - [`op`]: a deploy, rollback, uninstall or `helm test` from plan to end, and the status watch;
//! - [`history`]: a release's revisions, diffs between them, a rollback;
//! - [`releases`]: the releases of a namespace;
//! - [`canary`]: a release's canary and its steps;
//! - [`fleet`]: every team × environment of a fleet, a team's detail, its upgrade.
pub(crate) mod canary;
pub(crate) mod fleet;
pub mod history;
pub(crate) mod op;
pub mod releases;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::core::release::Target;
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{After, Cmd, OpsMsg};
use crate::tui::style::Styles;

pub(crate) use canary::CanaryScreen;
pub use canary::canary_screen;
pub(crate) use fleet::FleetScreen;
pub(crate) use history::HistoryScreen;
pub use history::history;
pub use op::{OpScreen, Panel, Stage, deploy, status};
pub(crate) use releases::ReleasesScreen;
pub use releases::releases;

/// The screen over the wizard.
#[derive(Debug, Clone)]
pub enum OpsScreen {
    Op(Box<OpScreen>),
    History(Box<HistoryScreen>),
    Releases(Box<ReleasesScreen>),
    Canary(Box<CanaryScreen>),
    Fleet(Box<FleetScreen>),
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
pub(crate) fn reopen(b: Back) -> (OpsScreen, Vec<Cmd>) {
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

/// A new stream id.
fn next_stream() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Milliseconds as seconds with a tenth.
fn secs(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

/// A key while a list's filter is typed (after `/`): characters, Backspace; Enter keeps the
/// filter, Esc clears it. Either ends the typing.
fn filter_key(filter: &mut String, filtering: &mut bool, key: crossterm::event::KeyEvent) {
    use crossterm::event::KeyCode;
    match key.code {
        KeyCode::Char(c) => filter.push(c),
        KeyCode::Backspace => {
            filter.pop();
        }
        KeyCode::Esc => {
            filter.clear();
            *filtering = false;
        }
        KeyCode::Enter => *filtering = false,
        _ => {}
    }
}

/// A bordered block titled `title`.
fn block(title: String, st: &Styles) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(st.accent)
        .title(Span::styled(title, st.title))
}

/// What a screen's key leads to: an effect on it, or another screen that replaces it.
pub(crate) enum Next {
    Stay(Effect),
    Open(OpsScreen, Vec<Cmd>),
}

impl OpsScreen {
    /// The key scope where the cursor is.
    pub(crate) fn scope(&self) -> Scope {
        match self {
            OpsScreen::History(_) => Scope::History,
            OpsScreen::Releases(_) => Scope::Releases,
            OpsScreen::Canary(_) => Scope::Canary,
            OpsScreen::Fleet(f) => f.scope(),
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
    pub(crate) fn busy(&self) -> bool {
        matches!(self, OpsScreen::Op(s) if s.running())
    }

    /// A key's action on the screen (it may open another in its place).
    pub fn action(&mut self, a: Action) -> Effect {
        let next = match self {
            OpsScreen::Op(s) => s.action(a),
            OpsScreen::History(h) => h.action(a),
            OpsScreen::Releases(r) => r.action(a),
            OpsScreen::Canary(c) => c.action(a),
            OpsScreen::Fleet(f) => f.action(a),
        };
        match next {
            Next::Stay(e) => e,
            Next::Open(screen, cmds) => {
                *self = screen;
                Effect::Cmds(cmds)
            }
        }
    }

    /// A background result for the screen (results of another screen's work are dropped); the
    /// work that follows, if any.
    pub(crate) fn update(&mut self, m: OpsMsg) -> Vec<Cmd> {
        match self {
            OpsScreen::Op(s) => {
                s.update(m);
                return self.take_after().map(Cmd::After).into_iter().collect();
            }
            OpsScreen::History(h) => h.update(m),
            OpsScreen::Releases(r) => r.update(m),
            OpsScreen::Canary(c) => c.update(m),
            OpsScreen::Fleet(f) => f.update(m),
        }
        Vec::new()
    }

    /// Which screen this is: another after a key means the key opened a new one.
    pub(crate) fn ident(&self) -> (std::mem::Discriminant<OpsScreen>, u64) {
        let stream = match self {
            OpsScreen::Op(s) => s.stream,
            _ => 0,
        };
        (std::mem::discriminant(self), stream)
    }

    /// How to come back to this screen (the screens that only read: status, history, releases,
    /// canary; an operation's screen is not reopened).
    pub(crate) fn back(&self) -> Option<Back> {
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
            // Nothing opens over it.
            OpsScreen::Fleet(_) => None,
        }
    }

    /// Whether typed characters are text here (the releases' filter after `/`, the release name
    /// that confirms an uninstall).
    pub(crate) fn in_text(&self) -> bool {
        match self {
            OpsScreen::Releases(r) => r.filtering,
            OpsScreen::Op(s) => matches!(s.stage, Stage::UninstallPlan(_)),
            OpsScreen::Fleet(f) => f.filtering,
            OpsScreen::History(_) | OpsScreen::Canary(_) => false,
        }
    }

    /// A key while typing: characters, Backspace; for the filter Enter or Esc ends it, for an
    /// uninstall's confirmation Enter confirms and Esc cancels (the effect returned).
    pub(crate) fn text_key(&mut self, key: crossterm::event::KeyEvent) -> Option<Effect> {
        match self {
            OpsScreen::Op(s) => s.text_key(key),
            OpsScreen::Releases(r) => {
                r.text_key(key);
                None
            }
            OpsScreen::Fleet(f) => {
                f.text_key(key);
                None
            }
            OpsScreen::History(_) | OpsScreen::Canary(_) => None,
        }
    }

    /// The work to start now that the operation succeeded (taken once).
    pub(crate) fn take_after(&mut self) -> Option<After> {
        match self {
            OpsScreen::Op(s) if matches!(&s.stage, Stage::Finished(e) if e.ok) => s.after.take(),
            _ => None,
        }
    }

    /// A line for the screen (what the work after an operation did).
    pub(crate) fn note(&mut self, n: String) {
        if let OpsScreen::Op(s) = self {
            s.board.notices.push(n);
        }
    }

    /// Whether the context is read-only (known once the screen has connected).
    pub(crate) fn read_only(&self) -> bool {
        matches!(self, OpsScreen::Op(s) if s.read_only)
    }

    /// Whether closing the screen must stop a watch.
    pub(crate) fn watching(&self) -> bool {
        matches!(self, OpsScreen::Op(s) if s.op == "status")
    }

    /// Draws the header line into `header` and the body into `body`.
    pub(crate) fn draw(&self, f: &mut Frame, header: Rect, body: Rect, st: &Styles) {
        let line = match self {
            OpsScreen::Op(o) => op::header(o, st),
            OpsScreen::History(h) => history::header(h, st),
            OpsScreen::Releases(r) => releases::header(r, st),
            OpsScreen::Canary(c) => canary::header(c, st),
            OpsScreen::Fleet(s) => fleet::header(s, st),
        };
        f.render_widget(Paragraph::new(line), header);
        match self {
            OpsScreen::Op(o) => op::draw(f, body, o, st),
            OpsScreen::History(h) => history::draw(f, body, h, st),
            OpsScreen::Releases(r) => releases::draw(f, body, r, st),
            OpsScreen::Canary(c) => canary::draw(f, body, c, st),
            OpsScreen::Fleet(s) => fleet::draw(f, body, s, st),
        }
    }
}
