//! Step 3: the features. One toggle per optional feature of the chart (the table in
//! [`features`](crate::core::scaffold::features)), each with a one-line explanation; `Space`
//! toggles; an enabled feature's own fields open inline under it and are checked as typed; a
//! choice the chart refuses (backup on a deployment, a statefulset without persistence) is
//! explained on the feature's line. The preset's features start on.
use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::backend::crossterm::to_input_request;

use super::{Ctx, Outcome, Step};
use crate::tui::keys::{Action, Scope};
use crate::tui::project::Project;
use crate::tui::view::style::Styles;

/// A line the cursor can be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Feature `i`'s toggle.
    Toggle(usize),
    /// Field `k` of feature `i` (on only).
    Field(usize, usize),
}

#[derive(Debug, Default)]
pub struct FeatureStep {
    pub focus: usize,
    /// The cursor is in a field (plain characters are text).
    pub editing: bool,
}

/// The cells in order: each toggle, then the fields of an enabled feature.
pub fn cells(project: &Project) -> Vec<Cell> {
    let mut out = Vec::new();
    for i in 0..project.features.len() {
        out.push(Cell::Toggle(i));
        if project.feature_active(i) {
            out.extend((0..project.feature_fields(i).len()).map(|k| Cell::Field(i, k)));
        }
    }
    out
}

impl FeatureStep {
    pub fn cell(&self, project: &Project) -> Option<Cell> {
        cells(project).get(self.focus).copied()
    }

    /// Puts the cursor on `name`'s toggle (tests and the palette).
    pub fn focus_feature(&mut self, project: &Project, name: &str) {
        if let Some(i) = project.features.iter().position(|f| f.feature.name == name)
            && let Some(c) = cells(project).iter().position(|c| *c == Cell::Toggle(i))
        {
            self.focus = c;
            self.editing = false;
        }
    }

    fn move_to(&mut self, i: usize, project: &Project) {
        self.focus = i;
        self.editing = matches!(self.cell(project), Some(Cell::Field(..)));
    }
}

impl Step for FeatureStep {
    fn scope(&self) -> Scope {
        Scope::Toggles
    }

    fn in_text(&self) -> bool {
        self.editing
    }

    fn enter(&mut self, project: &mut Project, ctx: &Ctx) {
        if let Some(chart) = ctx.chart {
            project.prefill_features(ctx.presets, chart);
        }
        self.focus = 0;
        self.editing = false;
    }

    fn action(&mut self, a: Action, project: &mut Project, _ctx: &Ctx) -> Outcome {
        let n = cells(project).len().max(1);
        match a {
            Action::NextField => {
                self.move_to((self.focus + 1) % n, project);
                Outcome::Handled
            }
            Action::PrevField => {
                self.move_to((self.focus + n - 1) % n, project);
                Outcome::Handled
            }
            Action::Toggle => {
                let Some(Cell::Toggle(i)) = self.cell(project) else {
                    return Outcome::Handled;
                };
                if let Err(why) = project.feature_toggleable(i) {
                    // Refused where it is chosen, with the chart's reason.
                    let title = project.features[i].feature.title;
                    return Outcome::Refused(format!("{title}: {why}"));
                }
                let fs = &mut project.features[i];
                fs.on = !fs.on;
                Outcome::Changed
            }
            Action::Back if self.editing => {
                self.editing = false;
                Outcome::Handled
            }
            Action::Next => {
                let problem =
                    (0..project.features.len()).find(|i| project.feature_problem(*i).is_some());
                match problem {
                    Some(i) => {
                        // The cursor goes to the first field with a problem, else the toggle.
                        let at = cells(project)
                            .iter()
                            .position(|c| match c {
                                Cell::Field(j, k) if *j == i => {
                                    project.feature_fields(i)[*k].check().is_err()
                                }
                                _ => false,
                            })
                            .or_else(|| cells(project).iter().position(|c| *c == Cell::Toggle(i)));
                        if let Some(at) = at {
                            self.move_to(at, project);
                        }
                        Outcome::Handled
                    }
                    None => Outcome::Next,
                }
            }
            _ => Outcome::Unhandled,
        }
    }

    fn key(&mut self, key: KeyEvent, project: &mut Project, _ctx: &Ctx) -> Outcome {
        let Some(Cell::Field(i, k)) = self.cell(project) else {
            return Outcome::Unhandled;
        };
        let Some(req) = to_input_request(&Event::Key(key)) else {
            return Outcome::Unhandled;
        };
        let Some(field) = project.feature_field_mut(i, k) else {
            return Outcome::Unhandled;
        };
        self.editing = true;
        match field.input.handle(req) {
            Some(r) if r.value => Outcome::Changed,
            _ => Outcome::Handled,
        }
    }

    fn incomplete(&self, project: &Project) -> Option<String> {
        (0..project.features.len()).find_map(|i| {
            project
                .feature_problem(i)
                .map(|why| format!("{}: {why}", project.features[i].feature.title))
        })
    }

    fn draw(&self, f: &mut Frame, area: Rect, project: &Project, _ctx: &Ctx, st: &Styles) {
        let wt = project.features_for.as_str();
        let focus = self.cell(project);
        let title_w = 18usize;
        // Every line with the cell it shows (the cursor's line is kept in view).
        let mut lines: Vec<(Option<Cell>, Line)> = Vec::new();
        let mut cursor: Option<(usize, usize)> = None;
        for (i, fs) in project.features.iter().enumerate() {
            let allowed = project.feature_toggleable(i);
            let focused = focus == Some(Cell::Toggle(i));
            let mark = match (&allowed, fs.on) {
                (Err(_), _) => "[-]",
                (Ok(()), true) => "[x]",
                (Ok(()), false) => "[ ]",
            };
            let marker = if focused { "› " } else { "  " };
            let mut spans = vec![
                Span::styled(marker, st.title),
                Span::styled(
                    mark,
                    if focused {
                        st.selected
                    } else if fs.on {
                        st.ok
                    } else {
                        st.muted
                    },
                ),
                Span::raw(" "),
                Span::styled(
                    format!("{:title_w$}", fs.feature.title),
                    if allowed.is_ok() { st.accent } else { st.muted },
                ),
            ];
            match &allowed {
                Err(why) => {
                    spans.push(Span::styled(format!("n/a: {why}"), st.muted));
                }
                _ => {
                    // On by the preset in some environments only: say where.
                    if fs.on && !fs.preset_envs.is_empty() && !fs.recorded() {
                        spans.push(Span::styled(
                            format!("{} only · ", fs.preset_envs.join(", ")),
                            st.info,
                        ));
                    }
                    spans.push(Span::raw(fs.feature.explain));
                }
            }
            lines.push((Some(Cell::Toggle(i)), Line::from(spans)));
            if project.feature_active(i) {
                for (k, field) in project.feature_fields(i).into_iter().enumerate() {
                    let focused = focus == Some(Cell::Field(i, k));
                    // The feature's short label (a preset question's prompt can be long).
                    let short = fs
                        .feature
                        .fields
                        .iter()
                        .find(|ff| ff.path == field.path)
                        .map_or(field.label.as_str(), |ff| ff.label);
                    let label = format!(
                        "{}{:w$}",
                        if focused { "    › " } else { "      " },
                        short,
                        w = title_w - 2
                    );
                    let x = label.chars().count() + 1;
                    let width = (area.width as usize).saturating_sub(x + 1).max(1);
                    let scroll = field.input.visual_scroll(width);
                    let shown: String = field.value().chars().skip(scroll).take(width).collect();
                    let mut spans = vec![
                        Span::styled(label, if focused { st.title } else { st.muted }),
                        Span::raw(" "),
                        Span::styled(
                            shown,
                            match (focused, field.check()) {
                                (true, _) => st.selected,
                                (false, Err(_)) => st.error,
                                _ => ratatui::style::Style::default(),
                            },
                        ),
                    ];
                    if focused
                        && field.check().is_ok()
                        && let Some(h) = &field.help
                    {
                        spans.push(Span::styled(format!("  {h}"), st.muted));
                    }
                    if focused && self.editing {
                        cursor = Some((
                            lines.len(),
                            x + field.input.visual_cursor().saturating_sub(scroll),
                        ));
                    }
                    lines.push((Some(Cell::Field(i, k)), Line::from(spans)));
                }
            }
            if let Some(why) = project.feature_problem(i) {
                lines.push((
                    None,
                    Line::from(Span::styled(format!("      ✗ {why}"), st.error)),
                ));
            }
        }
        let head = Line::from(vec![
            Span::styled("Features", st.title),
            Span::styled(
                format!(" of this {wt}: Space toggles; the preset's start on"),
                st.muted,
            ),
        ]);
        f.render_widget(
            Paragraph::new(head),
            Rect::new(area.x, area.y, area.width, 1),
        );
        let room = area.height.saturating_sub(2) as usize;
        let at = lines
            .iter()
            .position(|(c, _)| c.is_some() && *c == focus)
            .unwrap_or(0);
        // Keep the focused line and its problem line in view.
        let first = (at + 2).saturating_sub(room);
        for (row, (_, line)) in lines.iter().skip(first).take(room).enumerate() {
            f.render_widget(
                Paragraph::new(line.clone()),
                Rect::new(area.x, area.y + 2 + row as u16, area.width, 1),
            );
        }
        if let Some((line, x)) = cursor
            && line >= first
            && line < first + room
        {
            f.set_cursor_position(Position::new(
                (area.x + x as u16).min(area.right().saturating_sub(1)),
                area.y + 2 + (line - first) as u16,
            ));
        }
    }
}
