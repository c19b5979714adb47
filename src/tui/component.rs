//! The one shape of every screen of the TUI, as gitui's components: each wizard step
//! ([`steps`](super::steps)) and each screen over the wizard ([`screens`](super::screens)) is a
//! type that implements [`Screen`]. A screen owns its state, answers the keys routed to it
//! (`action` for bound keys, `key` for text), takes the background results meant for it
//! (`update`, never awaiting), and draws itself (`header`, `draw`: drawing only reads). The
//! app ([`app`](super::app)) routes through the trait and acts on the one [`Effect`] type.
use std::convert::Infallible;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::core::inputs::chart::Chart;
use crate::core::inputs::presets::Preset;
use crate::core::release::Target;
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{Cmd, OpsMsg};
use crate::tui::project::Project;
use crate::tui::style::Styles;

/// What the environment of a screen offers: the presets and (once found) the chart.
pub struct Ctx<'a> {
    pub presets: &'a [Preset],
    pub chart: Option<&'a Chart>,
}

/// What handling an action or key did. `S` is what a screen may open in its place (the screens
/// over the wizard: another of them; the wizard's steps open none).
pub enum Effect<S = Infallible> {
    /// Not for this screen: the app handles it (or nobody does).
    Unhandled,
    /// Handled; nothing else to do.
    Handled,
    /// Handled, with work to start.
    Cmds(Vec<Cmd>),
    /// The answers changed: check them again (debounced).
    Changed,
    /// The step is done: go on.
    Next,
    /// Write the files (the review).
    Write,
    /// Refused, with the reason for the status line (a feature the workload cannot have).
    Refused(String),
    /// The first screen's import chosen instead of a preset.
    StartImport(crate::tui::steps::import_kind::Kind),
    /// Run this import in the background.
    Import(Box<crate::core::ops::import::Request>),
    /// Another screen replaces this one (with the work that loads it).
    Open(Box<S>, Vec<Cmd>),
    /// Close the screen.
    Close,
}

/// A screen of the TUI: a wizard step or a screen over the wizard (`S`: what it may open).
pub trait Screen<S = Infallible> {
    /// The key scope where the cursor is.
    fn scope(&self) -> Scope;
    /// Whether the cursor is in a text field (plain characters are text there).
    fn in_text(&self) -> bool {
        false
    }
    /// Called when the screen is entered (the wizard's steps).
    fn enter(&mut self, _project: &mut Project, _ctx: &Ctx) {}
    /// A bound key's action.
    fn action(&mut self, a: Action, project: &mut Project, ctx: &Ctx) -> Effect<S>;
    /// A key no binding took (text input).
    fn key(&mut self, _key: KeyEvent, _project: &mut Project, _ctx: &Ctx) -> Effect<S> {
        Effect::Unhandled
    }
    /// A background result (results meant for another screen are dropped); the work that
    /// follows.
    fn update(&mut self, _m: OpsMsg) -> Vec<Cmd> {
        Vec::new()
    }
    /// Why the screen is not complete yet, if it is not (the wizard's steps).
    fn incomplete(&self, _project: &Project) -> Option<String> {
        None
    }
    /// The release the screen is about, and where it runs (`None`: the wizard's).
    fn release(&self) -> Option<(&Target, &str)> {
        None
    }
    /// The screen's own header line (`None`: the wizard's header).
    fn header(&self, _st: &Styles) -> Option<Line<'static>> {
        None
    }
    fn draw(&self, f: &mut Frame, area: Rect, project: &Project, ctx: &Ctx, st: &Styles);
}
