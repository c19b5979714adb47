//! The wizard's steps, one [`Screen`](crate::tui::component::Screen) each: a step owns its
//! state, handles the actions and keys routed to it, and draws itself (drawing only reads). The
//! app routes; it never reaches into a step's state.
pub(crate) mod envs;
pub(crate) mod features;
pub(crate) mod form;
pub(crate) mod import;
pub(crate) mod import_kind;
pub(crate) mod preset;
pub(crate) mod review;

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

/// The steps are screens: the trait every screen implements, under the name the steps knew.
pub use crate::tui::component::Screen as Step;
