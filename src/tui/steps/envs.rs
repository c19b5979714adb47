//! Step 3: the environments. A compact table with one column per environment: whether it gets
//! a file (`Space`), then what differs per environment (replicas, CPU and memory requests and
//! limits; the host when the preset has one: the rows are the core's
//! [`environments::fields`](crate::core::scaffold::environments::fields)), prefilled with what
//! each gets from the environment presets, checked as typed with the file writer's rule.
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

/// A cell of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Whether environment `col` gets a file.
    Toggle(usize),
    /// Field `row` of environment `col`.
    Field { row: usize, col: usize },
}

#[derive(Debug, Default)]
pub struct EnvStep {
    pub focus: usize,
    pub editing: bool,
}

/// The cells, row by row: the toggles, then each field of each chosen environment.
pub fn cells(project: &Project) -> Vec<Cell> {
    let cols = project.environments.len();
    let mut out: Vec<Cell> = (0..cols).map(Cell::Toggle).collect();
    let rows = project.env_fields.values().map(Vec::len).max().unwrap_or(0);
    for row in 0..rows {
        for (col, (env, on)) in project.environments.iter().enumerate() {
            if *on && project.env_fields.get(env).is_some_and(|f| row < f.len()) {
                out.push(Cell::Field { row, col });
            }
        }
    }
    out
}

impl EnvStep {
    fn cell(&self, project: &Project) -> Option<Cell> {
        cells(project).get(self.focus).copied()
    }
}

impl Screen for EnvStep {
    fn scope(&self) -> Scope {
        Scope::Toggles
    }

    fn in_text(&self) -> bool {
        self.editing
    }

    fn enter(&mut self, project: &mut Project, ctx: &Ctx) {
        if let Some(chart) = ctx.chart {
            project.prefill_environments(ctx.presets, chart);
        }
        self.focus = 0;
        self.editing = false;
    }

    fn action(&mut self, a: Action, project: &mut Project, _ctx: &Ctx) -> Effect {
        let n = cells(project).len().max(1);
        let move_to = |s: &mut EnvStep, i: usize, project: &Project| {
            s.focus = i;
            s.editing = matches!(s.cell(project), Some(Cell::Field { .. }));
        };
        match a {
            Action::NextField => {
                move_to(self, (self.focus + 1) % n, project);
                Effect::Handled
            }
            Action::PrevField => {
                move_to(self, (self.focus + n - 1) % n, project);
                Effect::Handled
            }
            Action::Toggle => match self.cell(project) {
                Some(Cell::Toggle(col)) => {
                    if let Some((_, on)) = project.environments.get_mut(col) {
                        *on = !*on;
                    }
                    Effect::Changed
                }
                _ => Effect::Handled,
            },
            Action::Back if self.editing => {
                self.editing = false;
                Effect::Handled
            }
            Action::Next => {
                if let Some(why) = self.incomplete(project) {
                    let _ = why;
                    if let Some(i) = cells(project).iter().position(|c| match c {
                        Cell::Field { row, col } => project
                            .env_fields
                            .get(&project.environments[*col].0)
                            .and_then(|f| f.get(*row))
                            .is_some_and(|f| f.check().is_err()),
                        _ => false,
                    }) {
                        move_to(self, i, project);
                    }
                    Effect::Handled
                } else {
                    Effect::Next
                }
            }
            _ => Effect::Unhandled,
        }
    }

    fn key(&mut self, key: KeyEvent, project: &mut Project, _ctx: &Ctx) -> Effect {
        let Some(Cell::Field { row, col }) = self.cell(project) else {
            return Effect::Unhandled;
        };
        let env = project.environments[col].0.clone();
        let Some(field) = project
            .env_fields
            .get_mut(&env)
            .and_then(|f| f.get_mut(row))
        else {
            return Effect::Unhandled;
        };
        let Some(req) = to_input_request(&Event::Key(key)) else {
            return Effect::Unhandled;
        };
        self.editing = true;
        match field.input.handle(req) {
            Some(r) if r.value => Effect::Changed,
            _ => Effect::Handled,
        }
    }

    fn incomplete(&self, project: &Project) -> Option<String> {
        if project.chosen_environments().is_empty() {
            return Some("choose at least one environment".into());
        }
        for (env, fs) in &project.env_fields {
            if !project.chosen_environments().contains(env) {
                continue;
            }
            for f in fs {
                if let Err(why) = f.check() {
                    return Some(format!("{env} {}: {why}", f.label));
                }
            }
        }
        None
    }

    fn draw(&self, f: &mut Frame, area: Rect, project: &Project, _ctx: &Ctx, st: &Styles) {
        f.render_widget(
            Paragraph::new(Span::styled(
                "Environments: a values-<env>.yaml each, with what differs",
                st.title,
            )),
            area,
        );
        let grid = Grid::new(area, project);
        let focus = self.cell(project);
        let mut y = area.y + 2;
        grid.put(f, area.x, y, grid.label_w, Span::styled("", st.muted));
        for (col, (env, _)) in project.environments.iter().enumerate() {
            let span = Span::styled(env.clone(), st.title);
            grid.put(f, grid.x_of(col), y, grid.col_w, span);
        }
        y += 1;
        grid.put(f, area.x, y, grid.label_w, Span::styled("file", st.accent));
        for (col, (_, on)) in project.environments.iter().enumerate() {
            let text = if *on { "[x] yes" } else { "[ ] no" };
            let style = if focus == Some(Cell::Toggle(col)) {
                st.selected
            } else if *on {
                st.ok
            } else {
                st.muted
            };
            let w = grid.col_w.saturating_sub(1);
            grid.put(f, grid.x_of(col), y, w, Span::styled(text, style));
        }
        y += 1;
        let (y, error, help) = self.draw_fields(f, &grid, y, project, st);
        let line = match error {
            Some(e) => Span::styled(format!("✗ {e}"), st.error),
            None => Span::styled(
                help.unwrap_or_else(|| {
                    "prefilled from the environment presets; change what differs".into()
                }),
                st.muted,
            ),
        };
        grid.put(f, area.x, y + 1, area.width, line);
    }
}

impl EnvStep {
    /// The field rows of the grid from `y` (a row per field, a column per environment); the
    /// row after them, the first field's error and the focused field's help.
    fn draw_fields(
        &self,
        f: &mut Frame,
        grid: &Grid,
        mut y: u16,
        project: &Project,
        st: &Styles,
    ) -> (u16, Option<String>, Option<String>) {
        let area = grid.area;
        let focus = self.cell(project);
        let rows = project.env_fields.values().map(Vec::len).max().unwrap_or(0);
        let mut error: Option<String> = None;
        let mut help: Option<String> = None;
        for row in 0..rows {
            let label = project
                .env_fields
                .values()
                .find_map(|fs| fs.get(row))
                .map(|f| f.label.clone())
                .unwrap_or_default();
            grid.put(f, area.x, y, grid.label_w, Span::styled(label, st.accent));
            for (col, (env, on)) in project.environments.iter().enumerate() {
                let Some(field) = project.env_fields.get(env).and_then(|fs| fs.get(row)) else {
                    continue;
                };
                let w = grid.col_w.saturating_sub(1);
                let focused = focus == Some(Cell::Field { row, col });
                if !on {
                    grid.put(f, grid.x_of(col), y, w, Span::styled("—", st.muted));
                    continue;
                }
                let scroll = field.input.visual_scroll(w as usize);
                let shown: String = field
                    .value()
                    .chars()
                    .skip(scroll)
                    .take(w as usize)
                    .collect();
                let style = match (focused, field.check()) {
                    (true, _) => st.selected,
                    (false, Err(_)) => st.error,
                    (false, Ok(())) => ratatui::style::Style::default(),
                };
                let text = format!("{shown:w$}", w = w as usize);
                grid.put(f, grid.x_of(col), y, w, Span::styled(text, style));
                if focused && let Some(h) = &field.help {
                    help = Some(format!("{env} {}: {h}", field.label));
                }
                if focused && self.editing && y < area.bottom() {
                    let cx =
                        grid.x_of(col) + field.input.visual_cursor().saturating_sub(scroll) as u16;
                    f.set_cursor_position(Position::new(cx.min(area.right().saturating_sub(1)), y));
                }
                if let Err(why) = field.check() {
                    error.get_or_insert(format!("{env} {}: {why}", field.label));
                }
            }
            y += 1;
        }
        (y, error, help)
    }
}

/// The grid's layout: the label column, then a column per environment.
struct Grid {
    area: Rect,
    label_w: u16,
    col_w: u16,
}

impl Grid {
    fn new(area: Rect, project: &Project) -> Grid {
        // As wide as the longest row label (a service's own rows are named for it), within reason.
        let label_w = project
            .env_fields
            .values()
            .flatten()
            .map(|f| f.label.chars().count() as u16 + 1)
            .max()
            .unwrap_or(10)
            .clamp(10, 16);
        let cols = project.environments.len().max(1) as u16;
        let col_w = (area.width.saturating_sub(label_w) / cols).clamp(6, 30);
        Grid {
            area,
            label_w,
            col_w,
        }
    }

    fn x_of(&self, col: usize) -> u16 {
        self.area.x + self.label_w + col as u16 * self.col_w
    }

    /// `span` at (`x`, `y`), `w` wide, clipped to the area.
    fn put(&self, f: &mut Frame, x: u16, y: u16, w: u16, span: Span) {
        let area = self.area;
        if y < area.bottom() && x < area.right() {
            let w = w.min(area.right() - x);
            f.render_widget(Paragraph::new(Line::from(span)), Rect::new(x, y, w, 1));
        }
    }
}
