//! The fleet screen (`apwiz fleet` on a terminal): every team × environment of the fleet in one
//! list — pin and how far behind, the policies' errors and warnings, the live release and its
//! drift, what needs attention — read by the same core call as `apwiz fleet status`, in the
//! background; rows fill in as teams finish, under a progress line. `s` cycles the sort column,
//! `/` filters, Enter opens a team (pin, behind, findings by policy, live release, drift), `u`
//! plans that team's upgrade to the chart at hand (what `apwiz fleet upgrade --to` would do,
//! diffs included) and `y` makes it: one branch and commit, never pushed.
use std::cmp::Ordering;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::core::fleet::impact::Class;
use crate::core::fleet::status::{EnvStatus, Status, TeamStatus};
use crate::core::fleet::upgrade::{Outcome, Verdict};
use crate::core::ops::fleet::{Request, Source, UpgradePlan};
use crate::core::release::diff::Change;
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{Cmd, FleetProgress as Progress, OpsMsg, Shared};
use crate::tui::screens::{Effect, Next, OpsScreen, block};
use crate::tui::style::Styles;
use crossterm::event::KeyEvent;

use crate::tui::component::{Ctx, Screen};
use crate::tui::project::Project;

/// The columns the list sorts by, in the order `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Team,
    Env,
    /// Furthest behind first.
    Pin,
    /// Most policy errors (then warnings) first.
    Policies,
    /// Drift and unreadable releases first.
    Live,
    /// Most that needs attention first.
    Attention,
}

impl SortBy {
    pub const ALL: [SortBy; 6] = [
        SortBy::Team,
        SortBy::Env,
        SortBy::Pin,
        SortBy::Policies,
        SortBy::Live,
        SortBy::Attention,
    ];

    pub fn title(self) -> &'static str {
        match self {
            SortBy::Team => "team",
            SortBy::Env => "environment",
            SortBy::Pin => "furthest behind",
            SortBy::Policies => "policy errors",
            SortBy::Live => "drift",
            SortBy::Attention => "most attention",
        }
    }

    fn next(self) -> SortBy {
        let i = SortBy::ALL.iter().position(|s| *s == self).unwrap_or(0);
        SortBy::ALL[(i + 1) % SortBy::ALL.len()]
    }
}

/// Where an upgrade of one team stands.
#[derive(Debug, Clone)]
pub enum UpgradeStage {
    /// The impact being worked out.
    Planning,
    Planned(Result<Shared<UpgradePlan>, String>),
    /// `y` pressed: the worktree, the branch and the commit being made.
    Running,
    Done(Result<Vec<Outcome>, String>),
    /// Ctrl-C while planning or running: the work was dropped (worktree and branch with it).
    Cancelled,
}

/// What the screen shows.
#[derive(Debug, Clone)]
pub enum View {
    List,
    /// One team's detail.
    Detail(String),
    /// One team's upgrade.
    Upgrade {
        team: String,
        stage: UpgradeStage,
    },
}

/// One row of the list: a team × environment (a team that cannot be read: one row).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub team: String,
    pub env: String,
    pub pin: String,
    pub behind: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub live: String,
    pub drift: bool,
    pub live_error: bool,
    pub attention: Vec<String>,
}

/// The fleet screen.
#[derive(Debug, Clone)]
pub struct FleetScreen {
    pub request: Request,
    /// The version pins are compared with (`None`: the chart at hand's).
    pub newest: Option<String>,
    /// The teams known so far, in the fleet's order (`None`: not finished yet).
    pub teams: Vec<Option<TeamStatus>>,
    /// The status read whole (`None`: still reading), or why it could not be.
    pub done: Option<Result<String, String>>,
    pub progress: Option<Progress>,
    pub sort: SortBy,
    pub filter: String,
    pub filtering: bool,
    pub selected: usize,
    pub view: View,
    /// How far a team's detail or plan is scrolled.
    pub scroll: u16,
}

/// What a release says in the list's LIVE column.
fn live_text(e: &crate::core::fleet::status::EnvStatus) -> (String, bool, bool) {
    match &e.live {
        None => ("-".into(), false, false),
        Some(l) if l.error.is_some() => ("unreadable".into(), false, true),
        Some(l) => (
            format!(
                "rev {} {}",
                l.revision.unwrap_or_default(),
                if l.drift {
                    "drift"
                } else {
                    l.status.as_deref().unwrap_or("?")
                }
            ),
            l.drift,
            false,
        ),
    }
}

/// The rows of one team.
pub(crate) fn team_rows(t: &TeamStatus) -> Vec<Row> {
    let pin = t
        .header
        .pin
        .as_ref()
        .map(|p| p.version.clone())
        .unwrap_or_else(|| "-".into());
    if let Some(e) = &t.header.error {
        return vec![Row {
            team: t.header.team.clone(),
            env: "-".into(),
            pin,
            behind: None,
            errors: 0,
            warnings: 0,
            live: "-".into(),
            drift: false,
            live_error: false,
            attention: vec![e.clone()],
        }];
    }
    t.environments
        .iter()
        .map(|e| {
            let (live, drift, live_error) = live_text(e);
            let mut attention = e.attention.clone();
            if let Some(b) = &t.behind {
                attention.insert(0, format!("{b} behind"));
            }
            Row {
                team: t.header.team.clone(),
                env: e.env.clone().unwrap_or_else(|| "-".into()),
                pin: pin.clone(),
                behind: t.behind.clone(),
                errors: e.validation.errors,
                warnings: e.validation.warnings,
                live,
                drift,
                live_error,
                attention,
            }
        })
        .collect()
}

/// How far behind, as a number to sort by (major ≫ minor ≫ patch).
fn behind_rank(b: &Option<String>) -> u64 {
    let Some(b) = b else { return 0 };
    let mut words = b.split_whitespace();
    let n: u64 = words.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    match words.next() {
        Some("major") => n * 1_000_000,
        Some("minor") => n * 1_000,
        _ => n,
    }
}

fn compare(by: SortBy, a: &Row, b: &Row) -> Ordering {
    let first = match by {
        SortBy::Team => Ordering::Equal,
        SortBy::Env => a.env.cmp(&b.env),
        SortBy::Pin => behind_rank(&b.behind).cmp(&behind_rank(&a.behind)),
        SortBy::Policies => (b.errors, b.warnings).cmp(&(a.errors, a.warnings)),
        SortBy::Live => (b.drift, b.live_error).cmp(&(a.drift, a.live_error)),
        SortBy::Attention => b.attention.len().cmp(&a.attention.len()),
    };
    first
        .then_with(|| a.team.cmp(&b.team))
        .then_with(|| a.env.cmp(&b.env))
}

impl FleetScreen {
    /// Every row known so far, filtered and sorted as the list shows them.
    pub fn rows(&self) -> Vec<Row> {
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<Row> = self
            .teams
            .iter()
            .flatten()
            .flat_map(team_rows)
            .filter(|r| {
                needle.is_empty()
                    || r.team.to_lowercase().contains(&needle)
                    || r.env.to_lowercase().contains(&needle)
                    || r.attention
                        .iter()
                        .any(|a| a.to_lowercase().contains(&needle))
            })
            .collect();
        rows.sort_by(|a, b| compare(self.sort, a, b));
        rows
    }

    /// Whether the status is still being read.
    pub fn loading(&self) -> bool {
        self.done.is_none()
    }

    /// A team known so far, by name.
    pub fn team(&self, name: &str) -> Option<&TeamStatus> {
        self.teams.iter().flatten().find(|t| t.header.team == name)
    }

    /// The key scope of the view.
    pub fn scope(&self) -> Scope {
        match &self.view {
            View::List => Scope::Fleet,
            View::Detail(_) => Scope::FleetTeam,
            View::Upgrade { stage, .. } => match stage {
                UpgradeStage::Planning | UpgradeStage::Running => Scope::FleetRunning,
                UpgradeStage::Planned(Ok(_)) => Scope::FleetPlan,
                UpgradeStage::Planned(Err(_)) | UpgradeStage::Done(_) | UpgradeStage::Cancelled => {
                    Scope::FleetTeam
                }
            },
        }
    }

    /// The request of one team's upgrade (the fleet's, limited to `team`).
    fn one_team(&self, team: &str) -> Shared<Request> {
        let mut r = self.request.clone();
        r.only = vec![team.to_string()];
        Shared::new(r)
    }

    /// The team the cursor is on (list) or the one opened.
    fn current_team(&self) -> Option<String> {
        match &self.view {
            View::List => self.rows().get(self.selected).map(|r| r.team.clone()),
            View::Detail(t) | View::Upgrade { team: t, .. } => Some(t.clone()),
        }
    }

    /// A key's action: move, sort, filter, open a team, plan and make its upgrade, cancel, back.
    fn on_action(&mut self, a: Action) -> Next {
        let stay = |cmds: Vec<Cmd>| Next::Stay(Effect::Cmds(cmds));
        match (&self.view, a) {
            (View::List, Action::Down) => {
                let n = self.rows().len();
                self.selected = (self.selected + 1).min(n.saturating_sub(1));
            }
            (View::List, Action::Up) => self.selected = self.selected.saturating_sub(1),
            (View::List, Action::Sort) => {
                self.sort = self.sort.next();
                self.selected = 0;
            }
            (View::List, Action::Filter) => {
                self.filtering = true;
                self.selected = 0;
            }
            (View::List, Action::Refresh) if !self.loading() => {
                let (screen, cmds) = fleet(self.request.clone(), self.newest.clone());
                let sort = self.sort;
                *self = screen;
                self.sort = sort;
                return stay(cmds);
            }
            (View::List, Action::Confirm) => {
                if let Some(t) = self.current_team() {
                    self.view = View::Detail(t);
                    self.scroll = 0;
                }
            }
            (View::List, Action::Close) if !self.filter.is_empty() => {
                self.filter.clear();
                self.selected = 0;
            }
            (View::List, Action::Close) => return Next::Stay(Effect::Close),
            (View::List | View::Detail(_), Action::PlanUpgrade) => {
                let Some(team) = self.current_team() else {
                    return stay(Vec::new());
                };
                let request = self.one_team(&team);
                self.scroll = 0;
                self.view = View::Upgrade {
                    team,
                    stage: UpgradeStage::Planning,
                };
                return stay(vec![Cmd::FleetPlanUpgrade { request }]);
            }
            (
                View::Upgrade {
                    team,
                    stage: UpgradeStage::Planned(Ok(_)),
                },
                Action::Confirm,
            ) => {
                let request = self.one_team(team);
                let team = team.clone();
                self.view = View::Upgrade {
                    team,
                    stage: UpgradeStage::Running,
                };
                return stay(vec![Cmd::FleetUpgrade { request }]);
            }
            (
                View::Upgrade {
                    team,
                    stage: UpgradeStage::Planning | UpgradeStage::Running,
                },
                Action::Interrupt,
            ) => {
                let team = team.clone();
                self.view = View::Upgrade {
                    team,
                    stage: UpgradeStage::Cancelled,
                };
                return stay(vec![Cmd::FleetCancel]);
            }
            (View::Detail(_), Action::Close) => {
                self.view = View::List;
                self.scroll = 0;
            }
            (View::Upgrade { team, stage }, Action::Close)
                if !matches!(stage, UpgradeStage::Planning | UpgradeStage::Running) =>
            {
                self.view = View::Detail(team.clone());
                self.scroll = 0;
            }
            (View::Detail(_) | View::Upgrade { .. }, Action::Down) => {
                self.scroll = self.scroll.saturating_add(1)
            }
            (View::Detail(_) | View::Upgrade { .. }, Action::Up) => {
                self.scroll = self.scroll.saturating_sub(1)
            }
            (View::Detail(_) | View::Upgrade { .. }, Action::PageDown) => {
                self.scroll = self.scroll.saturating_add(10)
            }
            (View::Detail(_) | View::Upgrade { .. }, Action::PageUp) => {
                self.scroll = self.scroll.saturating_sub(10)
            }
            _ => return Next::Stay(Effect::Unhandled),
        }
        stay(Vec::new())
    }

    /// A key while typing the filter: characters, Backspace; Enter keeps it, Esc clears it.
    fn on_text(&mut self, key: crossterm::event::KeyEvent) {
        super::filter_key(&mut self.filter, &mut self.filtering, key);
        self.selected = 0;
    }

    /// A background result: progress, a team's status, the whole status, a plan, an upgrade.
    fn on_msg(&mut self, m: OpsMsg) {
        match m {
            OpsMsg::FleetProgress(p) => self.progress = Some(p),
            OpsMsg::FleetTeam { index, team } if self.loading() => {
                if self.teams.len() <= index {
                    self.teams.resize(index + 1, None);
                }
                self.teams[index] = Some(*team);
            }
            OpsMsg::FleetStatus(r) if self.loading() => {
                self.progress = None;
                self.done = Some(r.map(|s: Status| {
                    self.teams = s.teams.into_iter().map(Some).collect();
                    s.newest
                }));
            }
            OpsMsg::FleetPlanned(r) => {
                if let View::Upgrade { stage, .. } = &mut self.view
                    && matches!(stage, UpgradeStage::Planning)
                {
                    self.progress = None;
                    *stage = UpgradeStage::Planned(r);
                }
            }
            OpsMsg::FleetUpgraded(r) => {
                if let View::Upgrade { stage, .. } = &mut self.view
                    && matches!(stage, UpgradeStage::Running)
                {
                    self.progress = None;
                    *stage = UpgradeStage::Done(r);
                }
            }
            _ => {}
        }
    }

    /// Whether work of this screen runs in the background (the progress line shows).
    pub fn working(&self) -> bool {
        self.loading()
            || matches!(
                &self.view,
                View::Upgrade {
                    stage: UpgradeStage::Planning | UpgradeStage::Running,
                    ..
                }
            )
    }
}

/// The fleet screen, loading: the fleet's status read in the background.
pub(crate) fn fleet(request: Request, newest: Option<String>) -> (FleetScreen, Vec<Cmd>) {
    (
        FleetScreen {
            request: request.clone(),
            newest: newest.clone(),
            teams: Vec::new(),
            done: None,
            progress: None,
            sort: SortBy::Team,
            filter: String::new(),
            filtering: false,
            selected: 0,
            view: View::List,
            scroll: 0,
        },
        vec![Cmd::FleetStatus {
            request: Shared::new(request),
            newest,
        }],
    )
}

/// The header line.
pub(super) fn header(s: &FleetScreen, st: &Styles) -> Line<'static> {
    let source = match &s.request.source {
        Source::File(p) => p.display().to_string(),
        Source::Scan(d) => format!("--scan {}", d.display()),
    };
    let known = s.teams.iter().flatten().count();
    let mut text = format!("{source} · {known} team(s)");
    if let Some(Ok(newest)) = &s.done {
        text.push_str(&format!(" · newest chart {newest}"));
    }
    text.push_str(&format!(" · sort: {}", s.sort.title()));
    Line::from(vec![
        Span::styled("apwiz fleet ", st.title),
        Span::raw(text),
    ])
}

/// A progress bar of `width` cells and the step: `[████░░░░] 3/8 rendering shop`.
fn progress_line(p: &Progress, width: usize, st: &Styles) -> Line<'static> {
    let cells = 20usize.min(width / 3);
    let filled = (p.done * cells)
        .checked_div(p.total)
        .unwrap_or(0)
        .min(cells);
    Line::from(vec![
        Span::styled(
            format!("[{}{}]", "█".repeat(filled), "░".repeat(cells - filled)),
            st.accent,
        ),
        Span::raw(format!(" {}/{} {} ", p.done, p.total, p.phase)),
        Span::styled(p.item.clone(), st.muted),
    ])
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        let mut t: String = s.chars().take(w.saturating_sub(2)).collect();
        t.push_str("… ");
        t
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

fn list_lines(s: &FleetScreen, width: usize, st: &Styles) -> Vec<Line<'static>> {
    let mut l = Vec::new();
    if s.filtering || !s.filter.is_empty() {
        l.push(Line::from(vec![
            Span::styled("/", st.accent),
            Span::raw(s.filter.clone()),
            Span::styled(
                if s.filtering {
                    "▏ (Enter keeps it, Esc clears it)"
                } else {
                    ""
                },
                st.muted,
            ),
        ]));
    }
    match (&s.progress, &s.done) {
        (Some(p), None) => l.push(progress_line(p, width, st)),
        (None, None) => l.push(Line::from(Span::styled("reading the fleet…", st.muted))),
        (_, Some(Err(e))) => l.push(Line::from(Span::styled(e.clone(), st.error))),
        (_, Some(Ok(_))) => {}
    }
    let rows = s.rows();
    if rows.is_empty() {
        if s.done.is_some() {
            l.push(Line::from(Span::styled(
                if s.filter.is_empty() {
                    "no teams in the fleet"
                } else {
                    "no team or environment matches the filter"
                },
                st.warning,
            )));
        }
        return l;
    }
    l.push(Line::from(Span::styled(
        format!(
            " {}{}{}{}{}{}",
            pad("TEAM", 12),
            pad("ENV", 8),
            pad("PIN", 17),
            pad("POLICY", 8),
            pad("LIVE", 15),
            "ATTENTION"
        ),
        st.title,
    )));
    for (i, r) in rows.iter().enumerate() {
        let sel = i == s.selected;
        let pin = match &r.behind {
            Some(b) => format!("{} ({b})", r.pin),
            None => r.pin.clone(),
        };
        let (policies, pstyle) = if r.errors > 0 {
            (format!("{}E {}W", r.errors, r.warnings), st.error)
        } else if r.warnings > 0 {
            (format!("{}W", r.warnings), st.warning)
        } else if r.env == "-" && !r.attention.is_empty() {
            ("-".into(), st.muted)
        } else {
            ("ok".into(), st.ok)
        };
        let lstyle = if r.drift || r.live_error {
            st.error
        } else {
            Style::default()
        };
        l.push(Line::from(vec![
            Span::styled(if sel { "›" } else { " " }, st.accent),
            Span::styled(
                format!("{}{}", pad(&r.team, 12), pad(&r.env, 8)),
                if sel { st.selected } else { Style::default() },
            ),
            Span::styled(
                pad(&pin, 17),
                if r.behind.is_some() {
                    st.warning
                } else {
                    Style::default()
                },
            ),
            Span::styled(pad(&policies, 8), pstyle),
            Span::styled(pad(&r.live, 15), lstyle),
            Span::styled(r.attention.join("; "), st.warning),
        ]));
    }
    l
}

fn detail_lines(t: &TeamStatus, newest: Option<&str>, st: &Styles) -> Vec<Line<'static>> {
    let h = &t.header;
    let mut l = vec![Line::from(vec![
        Span::styled(h.team.clone(), st.title),
        Span::styled(
            format!(
                "  {}{}{}",
                h.repo,
                h.branch
                    .as_deref()
                    .map(|b| format!(" · branch {b}"))
                    .unwrap_or_default(),
                h.commit
                    .as_deref()
                    .map(|c| format!(" · commit {c}"))
                    .unwrap_or_default()
            ),
            st.muted,
        ),
    ])];
    if let Some(e) = &h.error {
        l.push(Line::from(Span::styled(
            format!("cannot be read: {e}"),
            st.error,
        )));
        return l;
    }
    if let Some(p) = &h.pin {
        let mut spans = vec![
            Span::raw(format!("pin {} {} ", p.name, p.version)),
            Span::styled(format!("from {}", p.source), st.muted),
        ];
        match (&t.behind, newest) {
            (Some(b), Some(n)) => {
                spans.push(Span::styled(format!(" · {b} behind {n}"), st.warning))
            }
            (None, Some(n)) => spans.push(Span::styled(format!(" · current ({n})"), st.ok)),
            _ => {}
        }
        l.push(Line::from(spans));
    }
    let pinned = h.pin.as_ref().map(|p| p.version.as_str());
    for e in &t.environments {
        l.extend(env_lines(e, pinned, st));
    }
    l
}

/// An environment's part of a team's detail: its policies, its live release, what needs
/// attention.
fn env_lines(e: &EnvStatus, pinned: Option<&str>, st: &Styles) -> Vec<Line<'static>> {
    let mut l = Vec::new();
    l.push(Line::raw(""));
    l.push(Line::from(Span::styled(
        e.env.clone().unwrap_or_else(|| "values.yaml".into()),
        st.title,
    )));
    let v = &e.validation;
    l.push(Line::from(vec![
        Span::raw("  policies: "),
        Span::styled(
            format!("{} error(s), {} warning(s)", v.errors, v.warnings),
            if v.errors > 0 {
                st.error
            } else if v.warnings > 0 {
                st.warning
            } else {
                st.ok
            },
        ),
    ]));
    for p in &v.policies {
        l.push(Line::from(vec![
            Span::raw("    "),
            Span::styled(p.rule.clone(), st.path),
            Span::styled(
                format!(
                    "  {}{}",
                    if p.errors > 0 {
                        format!("{} error(s) ", p.errors)
                    } else {
                        String::new()
                    },
                    if p.warnings > 0 {
                        format!("{} warning(s)", p.warnings)
                    } else {
                        String::new()
                    }
                ),
                if p.errors > 0 { st.error } else { st.warning },
            ),
        ]));
    }
    if let Some(first) = &v.first {
        l.push(Line::from(vec![
            Span::styled("    first: ", st.muted),
            Span::raw(first.clone()),
        ]));
    }
    live_lines(&mut l, e, pinned, st);
    // Drift has its line above.
    for a in e.attention.iter().filter(|a| !a.starts_with("drift:")) {
        l.push(Line::from(Span::styled(format!("  ! {a}"), st.warning)));
    }
    l
}

/// The live release of an environment (and its drift from the pin).
fn live_lines(l: &mut Vec<Line<'static>>, e: &EnvStatus, pinned: Option<&str>, st: &Styles) {
    match &e.live {
        None => l.push(Line::from(Span::styled(
            "  live: no context for this environment in the fleet file",
            st.muted,
        ))),
        Some(live) => {
            let mut spans = vec![Span::raw(format!(
                "  live: {}/{} ",
                live.context, live.namespace
            ))];
            match &live.error {
                Some(err) => spans.push(Span::styled(err.clone(), st.error)),
                None => spans.push(Span::raw(format!(
                    "rev {} {} {}{}{}",
                    live.revision.unwrap_or_default(),
                    live.status.as_deref().unwrap_or("?"),
                    live.chart.as_deref().unwrap_or("?"),
                    live.last_deployed
                        .as_deref()
                        .map(|d| format!(" · deployed {}", d.split('.').next().unwrap_or(d)))
                        .unwrap_or_default(),
                    live.commit
                        .as_deref()
                        .map(|c| format!(" · git {c}"))
                        .unwrap_or_default()
                ))),
            }
            l.push(Line::from(spans));
            if live.drift {
                l.push(Line::from(Span::styled(
                    format!(
                        "  drift: live {} ≠ pinned {}",
                        live.chart.as_deref().unwrap_or("?"),
                        pinned.unwrap_or("?")
                    ),
                    st.error,
                )));
            }
        }
    }
}

fn class_style(c: Class, st: &Styles) -> Style {
    match c {
        Class::Unchanged => st.muted,
        Class::Changes => st.ok,
        Class::Restarts | Class::FailsToday => st.warning,
        Class::Recreates | Class::Breaks => st.error,
    }
}

/// At most this many changed fields shown per object in the plan.
const FIELDS_SHOWN: usize = 4;

fn change_lines(changes: &[Change], st: &Styles) -> Vec<Line<'static>> {
    let show = |v: &Option<serde_json::Value>| match v {
        None => "(none)".to_string(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    };
    let mut l = Vec::new();
    for c in changes {
        let (mark, style) = match c {
            Change::Added { .. } => ("+", st.ok),
            Change::Removed { .. } => ("-", st.error),
            Change::Changed { .. } => ("~", st.warning),
        };
        l.push(Line::from(vec![
            Span::styled(format!("    {mark} "), style),
            Span::raw(c.object().to_string()),
        ]));
        if let Change::Changed { paths, .. } = c {
            for p in paths.iter().take(FIELDS_SHOWN) {
                l.push(Line::from(vec![
                    Span::raw("        "),
                    Span::styled(p.path.clone(), st.path),
                    Span::raw(format!(": {} → {}", show(&p.old), show(&p.new))),
                ]));
            }
            if paths.len() > FIELDS_SHOWN {
                l.push(Line::from(Span::styled(
                    format!("        … {} more field(s)", paths.len() - FIELDS_SHOWN),
                    st.muted,
                )));
            }
        }
    }
    l
}

fn plan_lines(p: &UpgradePlan, st: &Styles) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(Span::styled(
        format!(
            "what `apwiz fleet upgrade --to {} --teams …` would do (nothing is pushed):",
            p.version
        ),
        st.muted,
    ))];
    for t in &p.teams {
        l.push(match &t.verdict {
            Verdict::Moves { branch, repository } => Line::from(vec![
                Span::raw(format!("{}: a new branch ", t.impact.header.team)),
                Span::styled(branch.clone(), st.ok),
                Span::raw(format!(
                    " in {} from {}, one commit: the files moved to {} {}",
                    repository.display(),
                    t.from.as_deref().unwrap_or("?"),
                    p.chart,
                    p.version
                )),
            ]),
            Verdict::Current => Line::from(Span::styled(
                format!(
                    "{}: pinned to {} already, nothing to do",
                    t.impact.header.team, p.version
                ),
                st.muted,
            )),
            Verdict::Skips { why } => Line::from(Span::styled(
                format!("{}: skipped: {why}", t.impact.header.team),
                st.warning,
            )),
        });
        for e in &t.impact.environments {
            let mut spans = vec![
                Span::raw(format!("  {}: ", e.env.as_deref().unwrap_or("values.yaml"))),
                Span::styled(e.class.as_str().to_string(), class_style(e.class, st)),
                Span::raw(format!(" ({} object(s), {} field(s))", e.objects, e.fields)),
            ];
            if !e.restarts.is_empty() {
                spans.push(Span::styled(
                    format!(" restarts {}", e.restarts.join(", ")),
                    st.warning,
                ));
            }
            l.push(Line::from(spans));
            if let Some(err) = &e.error {
                l.push(Line::from(Span::styled(format!("    {err}"), st.error)));
            }
            for r in &e.recreates {
                l.push(Line::from(Span::styled(
                    format!("    recreates {} {}: {}", r.object, r.path, r.why),
                    st.error,
                )));
            }
            for m in &e.migrated {
                l.push(Line::from(Span::styled(
                    format!("    migrated {m}"),
                    st.info,
                )));
            }
            if let Some(changes) = &e.changes {
                l.extend(change_lines(changes, st));
            }
        }
    }
    l
}

fn upgrade_lines(
    s: &FleetScreen,
    team: &str,
    stage: &UpgradeStage,
    width: usize,
    st: &Styles,
) -> Vec<Line<'static>> {
    let mut l = Vec::new();
    let working = |what: &str| {
        let mut v = vec![Line::from(Span::styled(what.to_string(), st.muted))];
        if let Some(p) = &s.progress {
            v.push(progress_line(p, width, st));
        }
        v
    };
    match stage {
        UpgradeStage::Planning => l.extend(working(&format!(
            "working out what the upgrade does to {team} (rendering on both charts)…"
        ))),
        UpgradeStage::Planned(Err(e)) => {
            l.push(Line::from(Span::styled(e.clone(), st.error)));
        }
        UpgradeStage::Planned(Ok(p)) => l.extend(plan_lines(&p.0, st)),
        UpgradeStage::Running => l.extend(working(&format!(
            "making {team}'s branch: a worktree, upgrade-chart, one commit…"
        ))),
        UpgradeStage::Cancelled => l.push(Line::from(Span::styled(
            "cancelled: the work was stopped, its worktree and any half-made branch removed",
            st.warning,
        ))),
        UpgradeStage::Done(Err(e)) => l.push(Line::from(Span::styled(e.clone(), st.error))),
        UpgradeStage::Done(Ok(outcomes)) => {
            for o in outcomes {
                if let Some(b) = &o.branch {
                    l.push(Line::from(vec![
                        Span::raw(format!("{}: branch ", o.team)),
                        Span::styled(b.clone(), st.ok),
                        Span::raw(format!(
                            " at {} (not pushed) in {}",
                            o.commit.as_deref().unwrap_or_default(),
                            o.repository.as_deref().unwrap_or_default()
                        )),
                    ]));
                    if !o.written.is_empty() {
                        l.push(Line::from(Span::styled(
                            format!("  files: {}", o.written.join(", ")),
                            st.muted,
                        )));
                    }
                } else if o.current {
                    l.push(Line::from(Span::styled(
                        format!("{}: on the version already", o.team),
                        st.muted,
                    )));
                } else if let Some(why) = &o.skipped {
                    l.push(Line::from(Span::styled(
                        format!("{}: skipped: {why}", o.team),
                        st.warning,
                    )));
                }
            }
        }
    }
    l
}

/// Draws the screen.
pub(super) fn draw(f: &mut Frame, area: Rect, s: &FleetScreen, st: &Styles) {
    let width = area.width.saturating_sub(2) as usize;
    let newest = match &s.done {
        Some(Ok(n)) => Some(n.as_str()),
        _ => None,
    };
    let (title, lines) = match &s.view {
        View::List => (" fleet ".to_string(), list_lines(s, width, st)),
        View::Detail(team) => (
            format!(" {team} "),
            match s.team(team) {
                Some(t) => detail_lines(t, newest, st),
                None => vec![Line::from(Span::styled(
                    format!("{team}: not read yet"),
                    st.muted,
                ))],
            },
        ),
        View::Upgrade { team, stage } => (
            format!(" upgrade {team} "),
            upgrade_lines(s, team, stage, width, st),
        ),
    };
    // The list keeps the selected row in sight (its lines are cut, not wrapped, so a row is a
    // line); a detail or a plan wraps and scrolls.
    let p = match &s.view {
        View::List => {
            let above = lines.len().saturating_sub(s.rows().len());
            let at = above + s.selected;
            let h = area.height.saturating_sub(2) as usize;
            Paragraph::new(lines).scroll((at.saturating_sub(h.saturating_sub(1)) as u16, 0))
        }
        _ => Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((s.scroll, 0)),
    };
    f.render_widget(p.block(block(title, st)), area);
}

impl Screen<OpsScreen> for FleetScreen {
    fn scope(&self) -> Scope {
        FleetScreen::scope(self)
    }

    fn in_text(&self) -> bool {
        self.filtering
    }

    fn action(&mut self, a: Action, _project: &mut Project, _ctx: &Ctx) -> Effect {
        self.on_action(a).into()
    }

    fn key(&mut self, key: KeyEvent, _project: &mut Project, _ctx: &Ctx) -> Effect {
        self.on_text(key);
        Effect::Unhandled
    }

    super::module_parts!(update);
}
