//! The keymap, as data: one table of bindings, each with the scope it works in, the key, the
//! action and a line of help. The footer and the `?` overlay are generated from it, and
//! [`action`] looks keys up in it, so the three can never drift apart.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Palette,
    Back,
    Next,
    Review,
    FocusPane,
    NextEnv,
    CycleTheme,
    TogglePane,
    Up,
    Down,
    NextField,
    PrevField,
    Toggle,
    Filter,
    PageUp,
    PageDown,
    Write,
    /// Go ahead with the plan shown (deploy, roll back); in the history, open a revision.
    Confirm,
    /// Close an operation screen (back to the wizard, or quit when it opened alone).
    Close,
    /// Interrupt helm (asked twice).
    Interrupt,
    Rollback,
    Logs,
    NextPanel,
    /// Deploy the files just written.
    Deploy,
    /// Run `helm test`.
    Test,
    /// Open the selected release's history.
    History,
    /// Plan an uninstall (the name is typed to confirm).
    Uninstall,
    /// A canary's weight one step up or down the ladder.
    StepUp,
    StepDown,
    Promote,
    Abort,
    /// Read the state again.
    Refresh,
    /// Sort the list by the next column.
    Sort,
    /// Plan an upgrade of the team to the chart at hand (confirmed before anything is made).
    PlanUpgrade,
    /// The render pane: the objects ⇄ who may reach whom (NetworkPolicies).
    PaneView,
}

/// Where a binding works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere (unless an overlay is open).
    Global,
    /// A list to choose from (presets).
    List,
    /// A form of text fields.
    Form,
    /// A list of toggles (environments, features).
    Toggles,
    /// The review of the files.
    Review,
    /// The side pane, when it has the focus.
    Pane,
    /// The side pane showing the network graph (who may talk to whom), when it has the focus.
    PaneNetwork,
    /// An operation's plan, before confirming.
    Plan,
    /// An operation running.
    Live,
    /// An operation ended (or refused).
    Done,
    /// A release's history.
    History,
    /// The releases of a namespace.
    Releases,
    /// An uninstall's plan: the release name is typed to confirm.
    Uninstall,
    /// A release's canary.
    Canary,
    /// The fleet's teams × environments.
    Fleet,
    /// One team of the fleet (its detail, or an upgrade's plan or result).
    FleetTeam,
    /// A team's upgrade planned: confirm or cancel.
    FleetPlan,
    /// The fleet's work running (an upgrade's plan, or the upgrade).
    FleetRunning,
    /// An import's report (the first screen's import, once run).
    Import,
}

impl Scope {
    pub(crate) fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::List => "Lists",
            Scope::Form => "Forms",
            Scope::Toggles => "Toggles",
            Scope::Review => "Review",
            Scope::Pane => "Side pane",
            Scope::PaneNetwork => "Side pane: network",
            Scope::Plan => "Deploy/rollback plan",
            Scope::Live => "Operation running",
            Scope::Done => "Operation ended",
            Scope::History => "History",
            Scope::Releases => "Releases",
            Scope::Uninstall => "Uninstall",
            Scope::Canary => "Canary",
            Scope::Fleet => "Fleet",
            Scope::FleetTeam => "Fleet: a team",
            Scope::FleetPlan => "Fleet: an upgrade's plan",
            Scope::FleetRunning => "Fleet: work running",
            Scope::Import => "Import report",
        }
    }
}

/// One binding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binding {
    pub scope: Scope,
    pub code: KeyCode,
    pub mods: KeyModifiers,
    /// How the footer and the help name the key.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
    /// Shown in the footer (the rest only in the help overlay).
    pub footer: bool,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

const fn b(
    scope: Scope,
    code: KeyCode,
    mods: KeyModifiers,
    label: &'static str,
    action: Action,
    help: &'static str,
    footer: bool,
) -> Binding {
    Binding {
        scope,
        code,
        mods,
        label,
        action,
        help,
        footer,
    }
}

/// Every binding. Order: the footer shows them in this order, scope by scope.
pub(crate) const KEYMAP: &[Binding] = &[
    b(
        Scope::Import,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Next,
        "review & write",
        true,
    ),
    b(
        Scope::Import,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "scroll",
        true,
    ),
    b(
        Scope::Import,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "scroll back",
        false,
    ),
    b(
        Scope::List,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Next,
        "choose",
        true,
    ),
    b(
        Scope::List,
        KeyCode::Char('/'),
        NONE,
        "/",
        Action::Filter,
        "filter",
        true,
    ),
    b(
        Scope::List,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "previous",
        false,
    ),
    b(
        Scope::List,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "next",
        false,
    ),
    b(
        Scope::List,
        KeyCode::Char('k'),
        NONE,
        "k",
        Action::Up,
        "previous",
        false,
    ),
    b(
        Scope::List,
        KeyCode::Char('j'),
        NONE,
        "j",
        Action::Down,
        "next",
        false,
    ),
    b(
        Scope::Form,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Next,
        "next step",
        true,
    ),
    b(
        Scope::Form,
        KeyCode::Tab,
        NONE,
        "Tab",
        Action::NextField,
        "next field",
        true,
    ),
    b(
        Scope::Form,
        KeyCode::BackTab,
        SHIFT,
        "S-Tab",
        Action::PrevField,
        "previous field",
        false,
    ),
    b(
        Scope::Form,
        KeyCode::Down,
        NONE,
        "↓",
        Action::NextField,
        "next field",
        false,
    ),
    b(
        Scope::Form,
        KeyCode::Up,
        NONE,
        "↑",
        Action::PrevField,
        "previous field",
        false,
    ),
    b(
        Scope::Toggles,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Next,
        "next step",
        true,
    ),
    b(
        Scope::Toggles,
        KeyCode::Char(' '),
        NONE,
        "Space",
        Action::Toggle,
        "toggle",
        true,
    ),
    b(
        Scope::Toggles,
        KeyCode::Tab,
        NONE,
        "Tab",
        Action::NextField,
        "next field",
        true,
    ),
    b(
        Scope::Toggles,
        KeyCode::BackTab,
        SHIFT,
        "S-Tab",
        Action::PrevField,
        "previous field",
        false,
    ),
    b(
        Scope::Toggles,
        KeyCode::Down,
        NONE,
        "↓",
        Action::NextField,
        "next",
        false,
    ),
    b(
        Scope::Toggles,
        KeyCode::Up,
        NONE,
        "↑",
        Action::PrevField,
        "previous",
        false,
    ),
    b(
        Scope::Review,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Write,
        "write the files",
        true,
    ),
    b(
        Scope::Review,
        KeyCode::Char('s'),
        CTRL,
        "^S",
        Action::Write,
        "write the files",
        false,
    ),
    b(
        Scope::Review,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "scroll down",
        false,
    ),
    b(
        Scope::Review,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "scroll up",
        false,
    ),
    b(
        Scope::Review,
        KeyCode::PageDown,
        NONE,
        "PgDn",
        Action::PageDown,
        "page down",
        false,
    ),
    b(
        Scope::Review,
        KeyCode::PageUp,
        NONE,
        "PgUp",
        Action::PageUp,
        "page up",
        false,
    ),
    b(
        Scope::Pane,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "next object",
        true,
    ),
    b(
        Scope::Pane,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "previous object",
        true,
    ),
    b(
        Scope::Pane,
        KeyCode::PageDown,
        NONE,
        "PgDn",
        Action::PageDown,
        "scroll the YAML",
        true,
    ),
    b(
        Scope::Pane,
        KeyCode::PageUp,
        NONE,
        "PgUp",
        Action::PageUp,
        "scroll the YAML",
        false,
    ),
    b(
        Scope::Pane,
        KeyCode::Char('n'),
        NONE,
        "n",
        Action::PaneView,
        "network",
        true,
    ),
    b(
        Scope::PaneNetwork,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "scroll",
        true,
    ),
    b(
        Scope::PaneNetwork,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "scroll back",
        true,
    ),
    b(
        Scope::PaneNetwork,
        KeyCode::Char('n'),
        NONE,
        "n",
        Action::PaneView,
        "objects",
        true,
    ),
    b(
        Scope::Global,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Back,
        "back",
        true,
    ),
    b(
        Scope::Global,
        KeyCode::Char('s'),
        CTRL,
        "^S",
        Action::Review,
        "review & write",
        true,
    ),
    b(
        Scope::Global,
        KeyCode::Char('w'),
        CTRL,
        "^W",
        Action::FocusPane,
        "wizard ⇄ pane",
        true,
    ),
    b(
        Scope::Global,
        KeyCode::Char('e'),
        CTRL,
        "^E",
        Action::NextEnv,
        "next environment",
        true,
    ),
    b(
        Scope::Global,
        KeyCode::Char('?'),
        NONE,
        "?",
        Action::Help,
        "help",
        true,
    ),
    b(
        Scope::Global,
        KeyCode::Char('q'),
        NONE,
        "q",
        Action::Quit,
        "quit",
        true,
    ),
    b(
        Scope::Global,
        KeyCode::Char('c'),
        CTRL,
        "^C",
        Action::Quit,
        "quit",
        false,
    ),
    b(
        Scope::Global,
        KeyCode::Char(':'),
        NONE,
        ":",
        Action::Palette,
        "command palette",
        false,
    ),
    b(
        Scope::Global,
        KeyCode::Char('t'),
        CTRL,
        "^T",
        Action::CycleTheme,
        "next theme",
        false,
    ),
    b(
        Scope::Global,
        KeyCode::Char('p'),
        CTRL,
        "^P",
        Action::TogglePane,
        "show/hide the pane (narrow)",
        false,
    ),
    b(
        Scope::Global,
        KeyCode::PageDown,
        NONE,
        "PgDn",
        Action::PageDown,
        "scroll the pane",
        false,
    ),
    b(
        Scope::Global,
        KeyCode::PageUp,
        NONE,
        "PgUp",
        Action::PageUp,
        "scroll the pane",
        false,
    ),
    b(
        Scope::Review,
        KeyCode::Char('d'),
        NONE,
        "d",
        Action::Deploy,
        "deploy the written files",
        true,
    ),
    b(
        Scope::Plan,
        KeyCode::Char('y'),
        NONE,
        "y",
        Action::Confirm,
        "go ahead",
        true,
    ),
    b(
        Scope::Plan,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Confirm,
        "go ahead",
        false,
    ),
    b(
        Scope::Plan,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "next change",
        true,
    ),
    b(
        Scope::Plan,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "previous change",
        false,
    ),
    b(
        Scope::Plan,
        KeyCode::Char('q'),
        NONE,
        "q",
        Action::Close,
        "cancel",
        true,
    ),
    b(
        Scope::Plan,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Close,
        "cancel",
        false,
    ),
    b(
        Scope::Live,
        KeyCode::Char('c'),
        CTRL,
        "^C",
        Action::Interrupt,
        "interrupt helm (twice)",
        true,
    ),
    b(
        Scope::Live,
        KeyCode::Char('l'),
        NONE,
        "l",
        Action::Logs,
        "logs",
        true,
    ),
    b(
        Scope::Live,
        KeyCode::Tab,
        NONE,
        "Tab",
        Action::NextPanel,
        "logs · events · helm",
        true,
    ),
    b(
        Scope::Live,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "scroll",
        false,
    ),
    b(
        Scope::Live,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "scroll",
        false,
    ),
    b(
        Scope::Live,
        KeyCode::PageDown,
        NONE,
        "PgDn",
        Action::PageDown,
        "page down",
        false,
    ),
    b(
        Scope::Live,
        KeyCode::PageUp,
        NONE,
        "PgUp",
        Action::PageUp,
        "page up",
        false,
    ),
    b(
        Scope::Live,
        KeyCode::Char('q'),
        NONE,
        "q",
        Action::Close,
        "detach (twice; helm goes on)",
        true,
    ),
    b(
        Scope::Done,
        KeyCode::Char('r'),
        NONE,
        "r",
        Action::Rollback,
        "roll back (after a failure)",
        true,
    ),
    b(
        Scope::Done,
        KeyCode::Char('t'),
        NONE,
        "t",
        Action::Test,
        "helm test",
        true,
    ),
    b(
        Scope::Done,
        KeyCode::Char('l'),
        NONE,
        "l",
        Action::Logs,
        "logs",
        true,
    ),
    b(
        Scope::Done,
        KeyCode::Tab,
        NONE,
        "Tab",
        Action::NextPanel,
        "logs · events · helm",
        true,
    ),
    b(
        Scope::Done,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "scroll",
        false,
    ),
    b(
        Scope::Done,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "scroll",
        false,
    ),
    b(
        Scope::Done,
        KeyCode::PageDown,
        NONE,
        "PgDn",
        Action::PageDown,
        "page down",
        false,
    ),
    b(
        Scope::Done,
        KeyCode::PageUp,
        NONE,
        "PgUp",
        Action::PageUp,
        "page up",
        false,
    ),
    b(
        Scope::Done,
        KeyCode::Char('q'),
        NONE,
        "q",
        Action::Close,
        "close",
        true,
    ),
    b(
        Scope::Done,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Close,
        "close",
        false,
    ),
    b(
        Scope::History,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Confirm,
        "diff against the current revision",
        true,
    ),
    b(
        Scope::History,
        KeyCode::Char('r'),
        NONE,
        "r",
        Action::Rollback,
        "roll back to it",
        true,
    ),
    b(
        Scope::History,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "next revision",
        false,
    ),
    b(
        Scope::History,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "previous revision",
        false,
    ),
    b(
        Scope::History,
        KeyCode::PageDown,
        NONE,
        "PgDn",
        Action::PageDown,
        "scroll the diff",
        false,
    ),
    b(
        Scope::History,
        KeyCode::PageUp,
        NONE,
        "PgUp",
        Action::PageUp,
        "scroll the diff",
        false,
    ),
    b(
        Scope::History,
        KeyCode::Char('q'),
        NONE,
        "q",
        Action::Close,
        "close",
        true,
    ),
    b(
        Scope::History,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Close,
        "close",
        false,
    ),
    b(
        Scope::Releases,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Confirm,
        "status (live)",
        true,
    ),
    b(
        Scope::Releases,
        KeyCode::Char('h'),
        NONE,
        "h",
        Action::History,
        "history",
        true,
    ),
    b(
        Scope::Releases,
        KeyCode::Char('/'),
        NONE,
        "/",
        Action::Filter,
        "filter",
        true,
    ),
    b(
        Scope::Releases,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "next",
        false,
    ),
    b(
        Scope::Releases,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "previous",
        false,
    ),
    b(
        Scope::Releases,
        KeyCode::Char('q'),
        NONE,
        "q",
        Action::Close,
        "close",
        true,
    ),
    b(
        Scope::Releases,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Close,
        "close",
        false,
    ),
    b(
        Scope::Done,
        KeyCode::Char('u'),
        NONE,
        "u",
        Action::Uninstall,
        "uninstall…",
        false,
    ),
    b(
        Scope::Releases,
        KeyCode::Char('u'),
        NONE,
        "u",
        Action::Uninstall,
        "uninstall…",
        false,
    ),
    b(
        Scope::Uninstall,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Confirm,
        "uninstall (the name typed)",
        true,
    ),
    b(
        Scope::Uninstall,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Close,
        "cancel",
        true,
    ),
    b(
        Scope::Canary,
        KeyCode::Char('+'),
        NONE,
        "+",
        Action::StepUp,
        "more to the canary (5→25→50→100)",
        true,
    ),
    b(
        Scope::Canary,
        KeyCode::Char('-'),
        NONE,
        "-",
        Action::StepDown,
        "less to the canary",
        true,
    ),
    b(
        Scope::Canary,
        KeyCode::Char('p'),
        NONE,
        "p",
        Action::Promote,
        "promote",
        true,
    ),
    b(
        Scope::Canary,
        KeyCode::Char('x'),
        NONE,
        "x",
        Action::Abort,
        "abort",
        true,
    ),
    b(
        Scope::Canary,
        KeyCode::Char('r'),
        NONE,
        "r",
        Action::Refresh,
        "read again",
        true,
    ),
    b(
        Scope::Canary,
        KeyCode::Char('q'),
        NONE,
        "q",
        Action::Close,
        "close",
        true,
    ),
    b(
        Scope::Canary,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Close,
        "close",
        false,
    ),
    b(
        Scope::History,
        KeyCode::Char(' '),
        NONE,
        "Space",
        Action::Toggle,
        "mark: Enter diffs against it",
        true,
    ),
    b(
        Scope::Fleet,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Confirm,
        "open",
        true,
    ),
    b(
        Scope::Fleet,
        KeyCode::Char('/'),
        NONE,
        "/",
        Action::Filter,
        "filter",
        true,
    ),
    b(
        Scope::Fleet,
        KeyCode::Char('s'),
        NONE,
        "s",
        Action::Sort,
        "sort",
        true,
    ),
    b(
        Scope::Fleet,
        KeyCode::Char('u'),
        NONE,
        "u",
        Action::PlanUpgrade,
        "plan an upgrade",
        true,
    ),
    b(
        Scope::Fleet,
        KeyCode::Char('r'),
        NONE,
        "r",
        Action::Refresh,
        "read again",
        true,
    ),
    b(
        Scope::Fleet,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "next",
        false,
    ),
    b(
        Scope::Fleet,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "previous",
        false,
    ),
    b(
        Scope::Fleet,
        KeyCode::Char('j'),
        NONE,
        "j",
        Action::Down,
        "next",
        false,
    ),
    b(
        Scope::Fleet,
        KeyCode::Char('k'),
        NONE,
        "k",
        Action::Up,
        "previous",
        false,
    ),
    b(
        Scope::Fleet,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Close,
        "clear the filter, else close",
        false,
    ),
    b(
        Scope::FleetTeam,
        KeyCode::Char('u'),
        NONE,
        "u",
        Action::PlanUpgrade,
        "plan an upgrade",
        true,
    ),
    b(
        Scope::FleetTeam,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Close,
        "back",
        true,
    ),
    b(
        Scope::FleetTeam,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "scroll",
        false,
    ),
    b(
        Scope::FleetTeam,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "scroll",
        false,
    ),
    b(
        Scope::FleetTeam,
        KeyCode::PageDown,
        NONE,
        "PgDn",
        Action::PageDown,
        "page down",
        false,
    ),
    b(
        Scope::FleetTeam,
        KeyCode::PageUp,
        NONE,
        "PgUp",
        Action::PageUp,
        "page up",
        false,
    ),
    b(
        Scope::FleetPlan,
        KeyCode::Char('y'),
        NONE,
        "y",
        Action::Confirm,
        "make the branch",
        true,
    ),
    b(
        Scope::FleetPlan,
        KeyCode::Enter,
        NONE,
        "Enter",
        Action::Confirm,
        "make the branch",
        false,
    ),
    b(
        Scope::FleetPlan,
        KeyCode::Esc,
        NONE,
        "Esc",
        Action::Close,
        "cancel",
        true,
    ),
    b(
        Scope::FleetPlan,
        KeyCode::Down,
        NONE,
        "↓",
        Action::Down,
        "scroll",
        false,
    ),
    b(
        Scope::FleetPlan,
        KeyCode::Up,
        NONE,
        "↑",
        Action::Up,
        "scroll",
        false,
    ),
    b(
        Scope::FleetPlan,
        KeyCode::PageDown,
        NONE,
        "PgDn",
        Action::PageDown,
        "page down",
        true,
    ),
    b(
        Scope::FleetPlan,
        KeyCode::PageUp,
        NONE,
        "PgUp",
        Action::PageUp,
        "page up",
        false,
    ),
    b(
        Scope::FleetRunning,
        KeyCode::Char('c'),
        CTRL,
        "^C",
        Action::Interrupt,
        "cancel (nothing left behind)",
        true,
    ),
];

/// Whether a binding is a plain character (text in a text field).
fn is_char(bd: &Binding) -> bool {
    matches!(bd.code, KeyCode::Char(_)) && !bd.mods.contains(KeyModifiers::CONTROL)
}

fn matches(bd: &Binding, key: &KeyEvent) -> bool {
    if bd.code != key.code {
        return false;
    }
    match bd.code {
        // Terminals differ in whether they report SHIFT with a shifted character.
        KeyCode::Char(_) => {
            key.modifiers.difference(KeyModifiers::SHIFT) == bd.mods.difference(KeyModifiers::SHIFT)
        }
        KeyCode::BackTab => true,
        _ => key.modifiers == bd.mods,
    }
}

/// The action of `key` in `scopes` (first scope first); in a text field, plain characters are
/// text and act nowhere.
pub(crate) fn action(scopes: &[Scope], key: &KeyEvent, in_text: bool) -> Option<Action> {
    scopes.iter().find_map(|s| {
        KEYMAP
            .iter()
            .filter(|bd| bd.scope == *s && !(in_text && is_char(bd)))
            .find(|bd| matches(bd, key))
            .map(|bd| bd.action)
    })
}

/// The footer for `scopes`: the keys that work there, one per action.
pub(crate) fn footer(scopes: &[Scope], in_text: bool) -> Vec<(&'static str, &'static str)> {
    footer_where(scopes, in_text, |_| true)
}

/// Whether a binding changes the cluster (hidden on a read-only context, as k9s's
/// `--readonly` hides them).
pub(crate) fn changes_cluster(bd: &Binding) -> bool {
    matches!(
        (bd.scope, bd.action),
        (Scope::Plan | Scope::Uninstall, Action::Confirm)
            | (Scope::Review, Action::Deploy)
            | (
                _,
                Action::Rollback
                    | Action::Test
                    | Action::Uninstall
                    | Action::StepUp
                    | Action::StepDown
                    | Action::Promote
                    | Action::Abort
            )
    )
}

/// The footer, keeping only the bindings `keep` accepts.
pub(crate) fn footer_where(
    scopes: &[Scope],
    in_text: bool,
    keep: impl Fn(&Binding) -> bool,
) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    let mut seen: Vec<Action> = Vec::new();
    for s in scopes {
        for bd in KEYMAP
            .iter()
            .filter(|bd| bd.scope == *s && bd.footer && keep(bd))
        {
            if in_text && is_char(bd) || seen.contains(&bd.action) {
                continue;
            }
            seen.push(bd.action);
            out.push((bd.label, bd.help));
        }
    }
    if in_text {
        out.push(("Esc", "leave the field"));
    }
    out
}

/// The scopes of the wizard's screens, and of the operation screens.
pub(crate) const WIZARD_SCOPES: [Scope; 8] = [
    Scope::Global,
    Scope::List,
    Scope::Form,
    Scope::Toggles,
    Scope::Review,
    Scope::Pane,
    Scope::PaneNetwork,
    Scope::Import,
];
pub(crate) const OPS_SCOPES: [Scope; 11] = [
    Scope::Plan,
    Scope::Live,
    Scope::Done,
    Scope::History,
    Scope::Releases,
    Scope::Uninstall,
    Scope::Canary,
    Scope::Fleet,
    Scope::FleetTeam,
    Scope::FleetPlan,
    Scope::FleetRunning,
];

/// The help overlay: every binding of the wizard's scopes (or of the operation screens', when
/// one is open) grouped by scope.
pub(crate) fn help(ops: bool) -> Vec<(Scope, Vec<(&'static str, &'static str)>)> {
    let scopes: &[Scope] = if ops { &OPS_SCOPES } else { &WIZARD_SCOPES };
    scopes
        .iter()
        .map(|s| {
            (
                *s,
                KEYMAP
                    .iter()
                    .filter(|bd| bd.scope == *s)
                    .map(|bd| (bd.label, bd.help))
                    .collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_keep_characters() {
        let q = KeyEvent::new(KeyCode::Char('q'), NONE);
        assert_eq!(
            action(&[Scope::Form, Scope::Global], &q, false),
            Some(Action::Quit)
        );
        assert_eq!(action(&[Scope::Form, Scope::Global], &q, true), None);
        let c = KeyEvent::new(KeyCode::Char('c'), CTRL);
        assert_eq!(
            action(&[Scope::Form, Scope::Global], &c, true),
            Some(Action::Quit)
        );
    }

    #[test]
    fn help_covers_every_scope_once() {
        let all: Vec<Scope> = WIZARD_SCOPES.iter().chain(&OPS_SCOPES).copied().collect();
        for bd in KEYMAP {
            assert_eq!(
                all.iter().filter(|s| **s == bd.scope).count(),
                1,
                "{:?}",
                bd.scope
            );
        }
    }

    #[test]
    fn every_footer_key_is_bound() {
        for s in [
            Scope::List,
            Scope::Form,
            Scope::Toggles,
            Scope::Review,
            Scope::Pane,
            Scope::PaneNetwork,
            Scope::Plan,
            Scope::Live,
            Scope::Done,
            Scope::History,
            Scope::Releases,
            Scope::Uninstall,
            Scope::Canary,
            Scope::Fleet,
            Scope::FleetTeam,
            Scope::FleetPlan,
            Scope::FleetRunning,
            Scope::Import,
        ] {
            for (label, _) in footer(&[s, Scope::Global], false) {
                assert!(KEYMAP.iter().any(|b| b.label == label), "{label}");
            }
        }
    }
}
