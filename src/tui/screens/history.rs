//! The history screen: a release's revisions, the diff of any revision against the current one
//! (or a marked one), and a rollback from there.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::core::release::Target;
use crate::core::release::diff::Change;
use crate::core::release::records::History;
use crate::tui::component::{Ctx, Screen};
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{Cmd, OpsMsg, RevisionView, Shared};
use crate::tui::project::Project;
use crate::tui::screens::op::changes_lines;
use crate::tui::screens::{Effect, Next, OpsScreen, block, op};
use crate::tui::style::Styles;

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

impl HistoryScreen {
    /// A key's action: move, mark, diff a revision, roll back to it.
    fn on_action(&mut self, a: Action) -> Next {
        match history_action(self, a) {
            HistoryEffect::Effect(e) => Next::Stay(e),
            HistoryEffect::Rollback(rev) => {
                let (screen, cmds) =
                    op::rollback_screen(self.target.clone(), &self.release, Some(rev));
                Next::Open(OpsScreen::Op(Box::new(screen)), cmds)
            }
        }
    }

    /// A background result: the history, or a revision opened.
    fn on_msg(&mut self, m: OpsMsg) {
        match m {
            OpsMsg::History(r) => {
                self.selected = r
                    .as_ref()
                    .map(|x| x.revisions.len().saturating_sub(1))
                    .unwrap_or(0);
                self.history = Some(r);
            }
            OpsMsg::Revision(r) => {
                self.opened = Some(r);
                self.scroll = 0;
            }
            _ => {}
        }
    }
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

/// The header line.
pub(super) fn header(h: &HistoryScreen, st: &Styles) -> Line<'static> {
    Line::from(vec![
        Span::styled("apwiz history ", st.title),
        Span::styled(h.release.clone(), st.accent),
    ])
}

/// Draws the screen.
pub(super) fn draw(f: &mut Frame, area: Rect, h: &HistoryScreen, st: &Styles) {
    let mut l = Vec::new();
    match &h.history {
        None => l.push(Line::from(Span::styled(
            "reading the release records…",
            st.muted,
        ))),
        Some(Err(e)) => l.push(Line::from(Span::styled(e.clone(), st.error))),
        Some(Ok(x)) if x.revisions.is_empty() => l.push(Line::from(Span::styled(
            format!(
                "no release {} in namespace {}: deploy it first (:deploy <env>)",
                x.release, x.namespace
            ),
            st.warning,
        ))),
        Some(Ok(x)) => {
            l.push(Line::from(Span::styled(
                format!(
                    "{:<5}{:<27}{:<18}{}",
                    "REV", "UPDATED", "STATUS", "DESCRIPTION"
                ),
                st.title,
            )));
            for (i, r) in x.revisions.iter().enumerate() {
                let sel = i == h.selected;
                let style = match r.status.as_str() {
                    "deployed" => st.ok,
                    s if s.starts_with("pending") || s == "failed" => st.warning,
                    _ => Style::default(),
                };
                let mark = if h.marked == Some(r.revision) {
                    "*"
                } else if sel {
                    "›"
                } else {
                    " "
                };
                l.push(Line::from(vec![
                    Span::styled(mark, st.accent),
                    Span::styled(
                        format!("{:<4}{:<27}", r.revision, r.updated),
                        if sel { st.selected } else { Style::default() },
                    ),
                    Span::styled(format!("{:<18}", r.status), style),
                    Span::styled(r.description.clone().unwrap_or_default(), st.muted),
                ]));
            }
            l.push(Line::raw(""));
            match &h.opened {
                None => l.push(Line::from(Span::styled(
                    "Enter diffs the selected revision against the current one (Space marks another to diff against) · r rolls back to it",
                    st.muted,
                ))),
                Some(Err(e)) => l.push(Line::from(Span::styled(e.clone(), st.error))),
                Some(Ok(v)) => {
                    l.push(Line::from(vec![
                        Span::styled(format!("revision {} ", v.revision), st.title),
                        Span::raw(format!(
                            "{} (app {}) · {}",
                            v.chart, v.app_version, v.description
                        )),
                    ]));
                    l.push(Line::from(Span::styled(
                        if h.marked == Some(v.against) {
                            format!("against the marked revision {}:", v.against)
                        } else {
                            format!("against the current revision {}:", v.against)
                        },
                        st.muted,
                    )));
                    if !v.keys_added.is_empty() || !v.keys_removed.is_empty() {
                        let mut spans = vec![Span::styled(
                            "values (top-level keys only; values are never shown): ",
                            st.muted,
                        )];
                        for k in &v.keys_added {
                            spans.push(Span::styled(format!("+{k} "), st.ok));
                        }
                        for k in &v.keys_removed {
                            spans.push(Span::styled(format!("-{k} "), st.error));
                        }
                        l.push(Line::from(spans));
                    }
                    l.extend(changes_lines(&v.changes, usize::MAX, st));
                    for c in &v.changes {
                        if let Change::Changed { object, paths } = c {
                            for p in paths {
                                l.push(Line::from(vec![
                                    Span::raw(format!("  {object} ")),
                                    Span::styled(p.path.clone(), st.path),
                                ]));
                            }
                        }
                    }
                }
            }
        }
    }
    f.render_widget(
        Paragraph::new(l)
            .wrap(Wrap { trim: false })
            .scroll((h.scroll, 0))
            .block(block(format!(" history of {} ", h.release), st)),
        area,
    );
}

impl Screen<OpsScreen> for HistoryScreen {
    fn release(&self) -> Option<(&Target, &str)> {
        Some((&self.target, &self.release))
    }

    fn scope(&self) -> Scope {
        Scope::History
    }

    fn action(&mut self, a: Action, _project: &mut Project, _ctx: &Ctx) -> Effect {
        self.on_action(a).into()
    }

    super::module_parts!(update);
}
