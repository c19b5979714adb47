//! Step 4: the review. The files to be written, each as a diff against what is on disk (new
//! files in full, the `$schema` line included); `Enter` (or `Ctrl-S`) writes. Nothing is written
//! before this step.
use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::core::scaffold::generate::Outcome as Written;
use crate::tui::component::{Ctx, Effect, Screen};
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{DiffLine, ReviewFile};
use crate::tui::project::Project;
use crate::tui::style::Styles;

#[derive(Debug, Default)]
pub struct ReviewStep {
    /// The plan (`None`: being worked out).
    pub files: Option<Result<Vec<ReviewFile>, String>>,
    pub scroll: u16,
    /// The files as written, once written.
    pub written: Option<Result<Vec<(PathBuf, Written)>, String>>,
    /// A write is under way.
    pub writing: bool,
}

impl ReviewStep {
    fn lines(&self, st: &Styles) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        if let Some(w) = &self.written {
            match w {
                Ok(list) => {
                    for (p, o) in list {
                        let (what, style) = match o {
                            Written::Created => ("created", st.ok),
                            Written::Unchanged => ("unchanged", st.muted),
                            Written::Updated { .. } => ("updated", st.accent),
                        };
                        out.push(Line::from(vec![
                            Span::styled(format!("{what:>9} "), style),
                            Span::styled(p.display().to_string(), st.path),
                        ]));
                    }
                    out.push(Line::from(Span::styled(
                        "written · q quits · apwiz validate --dir <dir> --env <env> checks them",
                        st.ok,
                    )));
                }
                Err(e) => out.push(Line::from(Span::styled(
                    format!("✗ not written: {e}"),
                    st.error,
                ))),
            }
            out.push(Line::raw(""));
        }
        match &self.files {
            None => out.push(Line::from(Span::styled(
                "working out what to write…",
                st.muted,
            ))),
            Some(Err(e)) => out.push(Line::from(Span::styled(format!("✗ {e}"), st.error))),
            Some(Ok(files)) => {
                for file in files {
                    let what = match (file.exists, file.changed) {
                        (false, _) => ("new", st.ok),
                        (true, true) => ("changed", st.accent),
                        (true, false) => ("unchanged", st.muted),
                    };
                    out.push(Line::from(vec![
                        Span::styled(format!("── {} ", file.display), st.path),
                        Span::styled(format!("({})", what.0), what.1),
                    ]));
                    for l in &file.lines {
                        out.push(match l {
                            DiffLine::Same(t) => Line::from(Span::raw(format!("  {t}"))),
                            DiffLine::Added(t) => Line::from(Span::styled(format!("+ {t}"), st.ok)),
                            DiffLine::Removed(t) => {
                                Line::from(Span::styled(format!("- {t}"), st.error))
                            }
                            DiffLine::Skipped(n) => Line::from(Span::styled(
                                format!("  … {n} unchanged lines"),
                                st.muted,
                            )),
                        });
                    }
                }
            }
        }
        out
    }
}

impl Screen for ReviewStep {
    fn scope(&self) -> Scope {
        Scope::Review
    }

    fn in_text(&self) -> bool {
        false
    }

    fn enter(&mut self, _project: &mut Project, _ctx: &Ctx) {
        self.files = None;
        self.scroll = 0;
        self.written = None;
    }

    fn action(&mut self, a: Action, _project: &mut Project, _ctx: &Ctx) -> Effect {
        match a {
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(10),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::Write | Action::Review | Action::Next => {
                if self.writing || !matches!(self.files, Some(Ok(_))) {
                    return Effect::Handled;
                }
                self.writing = true;
                return Effect::Write;
            }
            _ => return Effect::Unhandled,
        }
        Effect::Handled
    }

    fn incomplete(&self, _project: &Project) -> Option<String> {
        None
    }

    fn draw(&self, f: &mut Frame, area: Rect, project: &Project, _ctx: &Ctx, st: &Styles) {
        let mut lines = vec![
            Line::from(vec![
                Span::styled("Review: ", st.title),
                Span::raw(if project.out_dir.is_dir() {
                    "updates to the files"
                } else {
                    "new files"
                }),
                Span::styled("   Enter writes", st.muted),
            ]),
            Line::raw(""),
        ];
        lines.extend(self.lines(st));
        f.render_widget(Paragraph::new(lines).scroll((self.scroll, 0)), area);
    }
}
