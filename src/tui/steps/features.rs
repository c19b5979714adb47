//! Step 3: the features. One toggle per optional feature of the chart (the table in
//! [`features`](crate::core::scaffold::features)), each with a one-line explanation; `Space`
//! toggles; an enabled feature's own fields open inline under it and are checked as typed; a
//! choice the chart refuses (backup on a deployment, a statefulset without persistence) is
//! explained on the feature's line. The preset's features start on. In a release of several
//! services (the microservices preset) each feature has a toggle per service (ingress only for
//! the web front end); the core says where a feature applies
//! ([`Feature::allowed_in`](crate::core::scaffold::features::Feature::allowed_in)).
use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::backend::crossterm::to_input_request;

use crate::tui::component::{Ctx, Effect, Screen};
use crate::tui::keys::{Action, Scope};
use crate::tui::project::Project;
use crate::tui::style::Styles;

/// A line the cursor can be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Feature `i`'s toggle.
    Toggle(usize),
    /// Feature `i`'s toggle in service `j` (a multi-service release).
    Service(usize, usize),
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
    for (i, fs) in project.features.iter().enumerate() {
        if fs.services.is_empty() {
            out.push(Cell::Toggle(i));
        } else {
            out.extend((0..fs.services.len()).map(|j| Cell::Service(i, j)));
        }
        if project.feature_active(i) {
            out.extend((0..project.feature_fields(i).len()).map(|k| Cell::Field(i, k)));
        }
    }
    out
}

/// The position of feature `i`'s first toggle in [`cells`].
fn first_cell(project: &Project, i: usize) -> Option<usize> {
    cells(project)
        .iter()
        .position(|c| matches!(c, Cell::Toggle(f) | Cell::Service(f, _) if *f == i))
}

impl FeatureStep {
    pub(crate) fn cell(&self, project: &Project) -> Option<Cell> {
        cells(project).get(self.focus).copied()
    }

    /// Puts the cursor on `name`'s toggle (tests and the palette).
    pub fn focus_feature(&mut self, project: &Project, name: &str) {
        if let Some(i) = project.features.iter().position(|f| f.feature.name == name)
            && let Some(c) = first_cell(project, i)
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

impl Screen for FeatureStep {
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

    fn action(&mut self, a: Action, project: &mut Project, _ctx: &Ctx) -> Effect {
        let n = cells(project).len().max(1);
        match a {
            Action::NextField => {
                self.move_to((self.focus + 1) % n, project);
                Effect::Handled
            }
            Action::PrevField => {
                self.move_to((self.focus + n - 1) % n, project);
                Effect::Handled
            }
            Action::Toggle => {
                if let Some(Cell::Service(i, j)) = self.cell(project) {
                    if let Err(why) = project.service_toggleable(i, j) {
                        let title = project.features[i].feature.title;
                        return Effect::Refused(format!("{title}: {why}"));
                    }
                    let s = &mut project.features[i].services[j];
                    s.on = !s.on;
                    return Effect::Changed;
                }
                let Some(Cell::Toggle(i)) = self.cell(project) else {
                    return Effect::Handled;
                };
                if let Err(why) = project.feature_toggleable(i) {
                    // Refused where it is chosen, with the chart's reason.
                    let title = project.features[i].feature.title;
                    return Effect::Refused(format!("{title}: {why}"));
                }
                let fs = &mut project.features[i];
                fs.on = !fs.on;
                Effect::Changed
            }
            Action::Back if self.editing => {
                self.editing = false;
                Effect::Handled
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
                            .or_else(|| first_cell(project, i));
                        if let Some(at) = at {
                            self.move_to(at, project);
                        }
                        Effect::Handled
                    }
                    None => Effect::Next,
                }
            }
            _ => Effect::Unhandled,
        }
    }

    fn key(&mut self, key: KeyEvent, project: &mut Project, _ctx: &Ctx) -> Effect {
        let Some(Cell::Field(i, k)) = self.cell(project) else {
            return Effect::Unhandled;
        };
        let Some(req) = to_input_request(&Event::Key(key)) else {
            return Effect::Unhandled;
        };
        let Some(field) = project.feature_field_mut(i, k) else {
            return Effect::Unhandled;
        };
        self.editing = true;
        match field.input.handle(req) {
            Some(r) if r.value => Effect::Changed,
            _ => Effect::Handled,
        }
    }

    fn incomplete(&self, project: &Project) -> Option<String> {
        (0..project.features.len()).find_map(|i| {
            project
                .feature_problem(i)
                .map(|why| format!("{}: {why}", project.features[i].feature.title))
        })
    }

    /// Kept whole: toggles and their fields are one list drawn in order with one cursor; the
    /// lines of each feature depend on the ones above (which are open).
    fn draw(&self, f: &mut Frame, area: Rect, project: &Project, _ctx: &Ctx, st: &Styles) {
        let wt = project.features_for.as_str();
        let focus = self.cell(project);
        let title_w = 18usize;
        // Every line with the cell it shows (the cursor's line is kept in view).
        let mut lines: Vec<(Option<Cell>, Line)> = Vec::new();
        let mut cursor: Option<(usize, usize)> = None;
        for (i, fs) in project.features.iter().enumerate() {
            if fs.services.is_empty() {
                lines.push((
                    Some(Cell::Toggle(i)),
                    toggle_line(project, i, focus, st, title_w),
                ));
            } else {
                service_lines(&mut lines, project, i, focus, st, title_w);
            }
            if project.feature_active(i) {
                for (k, field) in project.feature_fields(i).into_iter().enumerate() {
                    let focused = focus == Some(Cell::Field(i, k));
                    // The feature's short label (a preset question's prompt can be long).
                    // A service's own field (`services.web.ingress.host`) is named for it.
                    let svc = field
                        .path
                        .strip_prefix("services.")
                        .and_then(|r| r.split('.').next());
                    let short = fs
                        .feature
                        .fields
                        .iter()
                        .find(|ff| {
                            svc.map_or(field.path == ff.path, |s| {
                                field.path
                                    == crate::core::scaffold::features::in_service(s, ff.path)
                            })
                        })
                        .map_or(field.label.clone(), |ff| match svc {
                            Some(s) => format!("{s} {}", ff.label),
                            // In a multi-service release, the services inheriting it.
                            None if !fs.services.is_empty() => {
                                format!("{} {}", project.inheriting(i, ff.path).join(","), ff.label)
                            }
                            None => ff.label.to_string(),
                        });
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
        let per_service = project.features.iter().any(|fs| !fs.services.is_empty());
        let head = Line::from(vec![
            Span::styled("Features", st.title),
            Span::styled(
                if per_service {
                    " per service: Space toggles the one under the cursor".to_string()
                } else {
                    format!(" of this {wt}: Space toggles; the preset's start on")
                },
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

/// The line of a feature's one toggle: mark, title, and the explanation (or why not).
fn toggle_line(
    project: &Project,
    i: usize,
    focus: Option<Cell>,
    st: &Styles,
    title_w: usize,
) -> Line<'static> {
    let fs = &project.features[i];
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
    Line::from(spans)
}

/// The line of a feature with a toggle per service (`[x] web  [ ] api  [-] worker`), and under
/// it, when the cursor is on a service the chart refuses the feature in, why.
fn service_lines(
    lines: &mut Vec<(Option<Cell>, Line<'static>)>,
    project: &Project,
    i: usize,
    focus: Option<Cell>,
    st: &Styles,
    title_w: usize,
) {
    let fs = &project.features[i];
    let here = match focus {
        Some(Cell::Service(f, j)) if f == i => Some(j),
        _ => None,
    };
    let mut spans = vec![
        Span::styled(if here.is_some() { "› " } else { "  " }, st.title),
        Span::styled(
            format!("{:w$}", fs.feature.title, w = title_w + 4),
            st.accent,
        ),
    ];
    for (j, s) in fs.services.iter().enumerate() {
        let allowed = project.service_toggleable(i, j);
        let mark = match (&allowed, s.on) {
            (Err(_), _) => "[-]",
            (Ok(()), true) => "[x]",
            (Ok(()), false) => "[ ]",
        };
        let style = if here == Some(j) {
            st.selected
        } else if allowed.is_err() {
            st.muted
        } else if s.on {
            st.ok
        } else {
            ratatui::style::Style::default()
        };
        spans.push(Span::styled(format!("{mark} {}", s.service), style));
        spans.push(Span::raw("  "));
    }
    spans.push(Span::styled(fs.feature.explain, st.muted));
    lines.push((Some(Cell::Service(i, here.unwrap_or(0))), Line::from(spans)));
    if let Some(j) = here
        && let Err(why) = project.service_toggleable(i, j)
    {
        lines.push((
            None,
            Line::from(Span::styled(format!("      n/a: {why}"), st.muted)),
        ));
    }
}
