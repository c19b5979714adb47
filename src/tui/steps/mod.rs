//! The wizard's steps, one component each: a step owns its state, handles the actions and keys
//! routed to it, and draws itself (drawing only reads). The app routes; it never reaches into a
//! step's state.
pub(crate) mod envs;
pub(crate) mod features;
pub(crate) mod form;
pub(crate) mod import;
pub(crate) mod preset;
pub(crate) mod review;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::core::inputs::chart::Chart;
use crate::core::inputs::presets::Preset;
use crate::tui::keys::{Action, Scope};
use crate::tui::project::Project;
use crate::tui::style::Styles;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StepId {
    Preset,
    Workload,
    Features,
    Environments,
    Review,
}

impl StepId {
    pub const ALL: [StepId; 5] = [
        StepId::Preset,
        StepId::Workload,
        StepId::Features,
        StepId::Environments,
        StepId::Review,
    ];

    pub(crate) fn title(self) -> &'static str {
        match self {
            StepId::Preset => "Preset",
            StepId::Workload => "Workload",
            StepId::Features => "Features",
            StepId::Environments => "Environments",
            StepId::Review => "Review",
        }
    }

    pub(crate) fn next(self) -> Option<StepId> {
        let i = Self::ALL.iter().position(|s| *s == self)?;
        Self::ALL.get(i + 1).copied()
    }

    pub(crate) fn prev(self) -> Option<StepId> {
        let i = Self::ALL.iter().position(|s| *s == self)?;
        i.checked_sub(1).map(|i| Self::ALL[i])
    }
}

/// What the environment of a step offers: the presets and (once found) the chart.
pub struct Ctx<'a> {
    pub presets: &'a [Preset],
    pub chart: Option<&'a Chart>,
}

/// What handling an action or key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not for this step: the app handles it (or nobody does).
    Unhandled,
    /// Handled; nothing else to do.
    Handled,
    /// The answers changed: check them again (debounced).
    Changed,
    /// The step is done: go on.
    Next,
    /// Write the files (the review).
    Write,
    /// Refused, with the reason for the status line (a feature the workload cannot have).
    Refused(String),
    /// The first screen's import chosen instead of a preset.
    StartImport(import::Kind),
    /// Run this import in the background.
    Import(Box<crate::core::ops::import::Request>),
}

/// A step of the wizard.
pub trait Step {
    /// The key scope where the cursor is.
    fn scope(&self) -> Scope;
    /// Whether the cursor is in a text field (plain characters are text there).
    fn in_text(&self) -> bool;
    /// Called when the step is entered.
    fn enter(&mut self, _project: &mut Project, _ctx: &Ctx) {}
    fn action(&mut self, a: Action, project: &mut Project, ctx: &Ctx) -> Outcome;
    /// A key no binding took (text input).
    fn key(&mut self, _key: KeyEvent, _project: &mut Project, _ctx: &Ctx) -> Outcome {
        Outcome::Unhandled
    }
    /// Why the step is not complete yet, if it is not.
    fn incomplete(&self, project: &Project) -> Option<String>;
    fn draw(&self, f: &mut Frame, area: Rect, project: &Project, ctx: &Ctx, st: &Styles);
}
