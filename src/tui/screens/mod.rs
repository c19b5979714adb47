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

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::core::release::Target;
use crate::tui::component::{Ctx, Screen};
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{Cmd, OpsMsg};
use crate::tui::project::Project;
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

/// What a key did to a screen over the wizard (it may open another).
pub type Effect = crate::tui::component::Effect<OpsScreen>;

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

/// The parts of a [`Screen`] impl every screen over the wizard shares: its module's `header`
/// and `draw` functions; with `update`, results that start no work.
macro_rules! module_parts {
    () => {
        fn header(&self, st: &$crate::tui::style::Styles) -> Option<ratatui::text::Line<'static>> {
            Some(header(self, st))
        }

        fn draw(
            &self,
            f: &mut ratatui::Frame,
            area: ratatui::layout::Rect,
            _project: &$crate::tui::project::Project,
            _ctx: &$crate::tui::component::Ctx,
            st: &$crate::tui::style::Styles,
        ) {
            draw(f, area, self, st)
        }
    };
    (update) => {
        fn update(&mut self, m: $crate::tui::msg::OpsMsg) -> Vec<$crate::tui::msg::Cmd> {
            self.on_msg(m);
            Vec::new()
        }

        super::module_parts!();
    };
}
use module_parts;

/// What a screen's key leads to: an effect on it, or another screen that replaces it.
pub(crate) enum Next {
    Stay(Effect),
    Open(OpsScreen, Vec<Cmd>),
}

impl From<Next> for Effect {
    fn from(n: Next) -> Effect {
        match n {
            Next::Stay(e) => e,
            Next::Open(screen, cmds) => Effect::Open(Box::new(screen), cmds),
        }
    }
}

impl OpsScreen {
    /// The screen on display, as the component it is: every call below goes through this
    /// (a new screen: its variant above and its line here).
    fn screen(&self) -> &dyn Screen<OpsScreen> {
        match self {
            OpsScreen::Op(s) => s.as_ref(),
            OpsScreen::History(s) => s.as_ref(),
            OpsScreen::Releases(s) => s.as_ref(),
            OpsScreen::Canary(s) => s.as_ref(),
            OpsScreen::Fleet(s) => s.as_ref(),
        }
    }

    fn screen_mut(&mut self) -> &mut dyn Screen<OpsScreen> {
        match self {
            OpsScreen::Op(s) => s.as_mut(),
            OpsScreen::History(s) => s.as_mut(),
            OpsScreen::Releases(s) => s.as_mut(),
            OpsScreen::Canary(s) => s.as_mut(),
            OpsScreen::Fleet(s) => s.as_mut(),
        }
    }

    /// The key scope where the cursor is.
    pub(crate) fn scope(&self) -> Scope {
        self.screen().scope()
    }

    /// Whether the screen may be left without asking (no helm running).
    pub(crate) fn busy(&self) -> bool {
        matches!(self, OpsScreen::Op(s) if s.running())
    }

    /// A key's action on the screen (it may open another in its place).
    pub fn action(&mut self, a: Action, project: &mut Project, ctx: &Ctx) -> Effect {
        let e = self.screen_mut().action(a, project, ctx);
        self.replace(e)
    }

    /// A key while typing (the filter of a list, the release name that confirms an uninstall).
    pub(crate) fn key(&mut self, key: KeyEvent, project: &mut Project, ctx: &Ctx) -> Effect {
        let e = self.screen_mut().key(key, project, ctx);
        self.replace(e)
    }

    /// Puts the screen an effect opens in this one's place.
    fn replace(&mut self, e: Effect) -> Effect {
        match e {
            Effect::Open(screen, cmds) => {
                *self = *screen;
                Effect::Cmds(cmds)
            }
            e => e,
        }
    }

    /// A background result for the screen (results of another screen's work are dropped); the
    /// work that follows, if any.
    pub(crate) fn update(&mut self, m: OpsMsg) -> Vec<Cmd> {
        self.screen_mut().update(m)
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

    /// The release the screen is about, and where it runs (`None`: the wizard's).
    pub(crate) fn release(&self) -> Option<(&Target, &str)> {
        self.screen().release()
    }

    /// Whether typed characters are text here (the releases' filter after `/`, the release name
    /// that confirms an uninstall).
    pub(crate) fn in_text(&self) -> bool {
        self.screen().in_text()
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
    pub(crate) fn draw(
        &self,
        f: &mut Frame,
        (header, body): (Rect, Rect),
        project: &Project,
        ctx: &Ctx,
        st: &Styles,
    ) {
        let screen = self.screen();
        if let Some(line) = screen.header(st) {
            f.render_widget(Paragraph::new(line), header);
        }
        screen.draw(f, body, project, ctx, st);
    }
}
