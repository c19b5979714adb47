//! The releases screen: the releases of a namespace (filtered with `/`), each opened as its
//! status or history, or uninstalled.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::core::release::Target;
use crate::core::release::releases::Release;
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{Cmd, OpsMsg, Shared};
use crate::tui::screens::history::history;
use crate::tui::screens::{Effect, Next, OpsScreen, block, op};
use crate::tui::style::Styles;
use crossterm::event::KeyEvent;

use crate::tui::component::{Ctx, Screen};
use crate::tui::project::Project;

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
    pub(crate) fn shown(&self) -> Vec<&Release> {
        match &self.releases {
            Some(Ok(v)) => v
                .iter()
                .filter(|r| self.filter.is_empty() || r.name.contains(&self.filter))
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl ReleasesScreen {
    /// A key's action: move, filter, open a release's status or history, uninstall one.
    fn on_action(&mut self, a: Action) -> Next {
        let n = self.shown().len();
        match a {
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Filter => {
                self.filtering = true;
                self.selected = 0;
            }
            Action::Uninstall => {
                let Some(rel) = self.shown().get(self.selected).map(|x| (*x).clone()) else {
                    return Next::Stay(Effect::Cmds(Vec::new()));
                };
                let mut target = self.target.clone();
                target.namespace = Some(rel.namespace.clone());
                let (screen, cmds) = op::uninstall_screen(target, &rel.name, None);
                return Next::Open(OpsScreen::Op(Box::new(screen)), cmds);
            }
            Action::Confirm | Action::History => {
                let Some(rel) = self.shown().get(self.selected).map(|x| (*x).clone()) else {
                    return Next::Stay(Effect::Cmds(Vec::new()));
                };
                let mut target = self.target.clone();
                target.namespace = Some(rel.namespace.clone());
                let (screen, cmds) = if a == Action::History {
                    history(target, &rel.name)
                } else {
                    op::status(target, &rel.name)
                };
                return Next::Open(screen, cmds);
            }
            Action::Close => return Next::Stay(Effect::Close),
            _ => return Next::Stay(Effect::Unhandled),
        }
        Next::Stay(Effect::Cmds(Vec::new()))
    }

    /// A key while typing the filter: characters, Backspace; Enter keeps it, Esc clears it.
    fn on_text(&mut self, key: crossterm::event::KeyEvent) {
        super::filter_key(&mut self.filter, &mut self.filtering, key);
        self.selected = 0;
    }

    /// A background result: the releases.
    fn on_msg(&mut self, m: OpsMsg) {
        if let OpsMsg::Releases(result) = m {
            self.releases = Some(result);
            self.selected = 0;
        }
    }
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

/// The header line.
pub(super) fn header(r: &ReleasesScreen, st: &Styles) -> Line<'static> {
    Line::from(vec![
        Span::styled("apwiz releases ", st.title),
        Span::raw(match &r.target.namespace {
            Some(ns) => format!("in {ns}"),
            None => "in the context's namespace".to_string(),
        }),
    ])
}

/// Draws the screen.
pub(super) fn draw(f: &mut Frame, area: Rect, r: &ReleasesScreen, st: &Styles) {
    let mut l = Vec::new();
    if r.filtering || !r.filter.is_empty() {
        l.push(Line::from(vec![
            Span::styled("/", st.accent),
            Span::raw(r.filter.clone()),
            Span::styled(
                if r.filtering {
                    "▏ (Enter keeps it, Esc clears it)"
                } else {
                    ""
                },
                st.muted,
            ),
        ]));
    }
    match &r.releases {
        None => l.push(Line::from(Span::styled(
            "reading the release records…",
            st.muted,
        ))),
        Some(Err(e)) => l.push(Line::from(Span::styled(e.clone(), st.error))),
        Some(Ok(all)) if all.is_empty() => l.push(Line::from(Span::styled(
            "no releases in this namespace: deploy one (:deploy <env>)",
            st.warning,
        ))),
        Some(Ok(_)) => {
            l.push(Line::from(Span::styled(
                format!(
                    " {:<15}{:<4}{:<16}{:<19}{:<6}{:<6}{}",
                    "NAME", "REV", "STATUS", "CHART", "APP", "READY", "UPDATED"
                ),
                st.title,
            )));
            for (i, x) in r.shown().iter().enumerate() {
                let sel = i == r.selected;
                let status_style = match x.status.as_str() {
                    "deployed" => st.ok,
                    "failed" => st.error,
                    s if s.starts_with("pending") => st.warning,
                    _ => Style::default(),
                };
                let (ready, all) = x.pods_ready;
                l.push(Line::from(vec![
                    Span::styled(if sel { "›" } else { " " }, st.accent),
                    Span::styled(
                        format!("{:<15}{:<4}", x.name, x.revision),
                        if sel { st.selected } else { Style::default() },
                    ),
                    Span::styled(format!("{:<16}", x.status), status_style),
                    Span::raw(format!("{:<19}{:<6}", x.chart, x.app_version)),
                    Span::styled(
                        format!("{:<6}", format!("{ready}/{all}")),
                        if ready < all { st.warning } else { st.ok },
                    ),
                    // `MM-DD HH:MM` of an RFC 3339 time (the list stays within 80 columns).
                    Span::styled(
                        x.updated
                            .get(5..16)
                            .map(|t| t.replace('T', " "))
                            .unwrap_or_else(|| x.updated.clone()),
                        st.muted,
                    ),
                ]));
            }
        }
    }
    f.render_widget(
        Paragraph::new(l)
            .wrap(Wrap { trim: false })
            .block(block(" releases ".to_string(), st)),
        area,
    );
}

impl Screen<OpsScreen> for ReleasesScreen {
    fn scope(&self) -> Scope {
        Scope::Releases
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
