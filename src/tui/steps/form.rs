//! Step 2: the workload form. The release name and the preset's questions as text fields,
//! required empty ones first with the cursor in the first; each field checked as it is typed with
//! the rule the file writer applies, the message under the field.
use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::backend::crossterm::to_input_request;

use crate::tui::component::{Ctx, Effect, Screen};
use crate::tui::keys::{Action, Scope};
use crate::tui::project::{Field, Project};
use crate::tui::style::Styles;

#[derive(Debug, Default)]
pub struct FormStep {
    pub focus: usize,
    /// The cursor is in the focused field (plain characters are text).
    pub editing: bool,
}

/// Draws one field (label, value with cursor, message) at `y`; returns the lines used.
pub(crate) fn draw_field(
    f: &mut Frame,
    area: Rect,
    y: u16,
    field: &Field,
    focused: bool,
    editing: bool,
    st: &Styles,
) -> u16 {
    if y + 2 > area.height {
        return 0;
    }
    let label_w = 22.min(area.width / 3);
    let marker = if focused { "› " } else { "  " };
    let label = format!("{marker}{:w$}", field.label, w = label_w as usize);
    let label: String = label.chars().take(label_w as usize + 2).collect();
    let value_w = area.width.saturating_sub(label_w + 3) as usize;
    let scroll = field.input.visual_scroll(value_w.max(1));
    let shown: String = field.value().chars().skip(scroll).take(value_w).collect();
    let value_style = if focused && editing {
        st.selected
    } else {
        ratatui::style::Style::default()
    };
    let row = Rect::new(area.x, area.y + y, area.width, 1);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(label, if focused { st.title } else { st.accent }),
            Span::raw(" "),
            Span::styled(format!("{shown:value_w$}"), value_style),
        ])),
        row,
    );
    if focused && editing {
        let x = area.x + label_w + 3 + (field.input.visual_cursor().saturating_sub(scroll)) as u16;
        f.set_cursor_position(Position::new(
            x.min(area.right().saturating_sub(1)),
            area.y + y,
        ));
    }
    let msg = match field.check() {
        Err(why) => Span::styled(format!("✗ {why}"), st.error),
        Ok(()) => match &field.help {
            Some(h) if focused => Span::styled(h.clone(), st.muted),
            _ => Span::styled("✓", st.ok),
        },
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(" ".repeat(label_w as usize + 3)),
            msg,
        ])),
        Rect::new(area.x, area.y + y + 1, area.width, 1),
    );
    2
}

impl Screen for FormStep {
    fn scope(&self) -> Scope {
        Scope::Form
    }

    fn in_text(&self) -> bool {
        self.editing
    }

    fn enter(&mut self, project: &mut Project, _ctx: &Ctx) {
        self.focus = project
            .fields
            .iter()
            .position(|f| f.value().trim().is_empty())
            .or_else(|| project.first_invalid())
            .unwrap_or(0);
        self.editing = true;
    }

    fn action(&mut self, a: Action, project: &mut Project, _ctx: &Ctx) -> Effect {
        let n = project.fields.len().max(1);
        match a {
            Action::NextField => {
                self.focus = (self.focus + 1) % n;
                self.editing = true;
                Effect::Handled
            }
            Action::PrevField => {
                self.focus = (self.focus + n - 1) % n;
                self.editing = true;
                Effect::Handled
            }
            Action::Back if self.editing => {
                self.editing = false;
                Effect::Handled
            }
            Action::Next => match project.first_invalid() {
                Some(i) => {
                    self.focus = i;
                    self.editing = true;
                    Effect::Handled
                }
                None => Effect::Next,
            },
            _ => Effect::Unhandled,
        }
    }

    fn key(&mut self, key: KeyEvent, project: &mut Project, _ctx: &Ctx) -> Effect {
        let Some(field) = project.fields.get_mut(self.focus) else {
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
        project.first_invalid().map(|i| {
            format!(
                "{}: {}",
                project.fields[i].label,
                project.fields[i].check().unwrap_err()
            )
        })
    }

    fn draw(&self, f: &mut Frame, area: Rect, project: &Project, ctx: &Ctx, st: &Styles) {
        let title = project
            .workload(ctx.presets)
            .map(|p| format!("{} — {}", p.name, p.title))
            .unwrap_or_default();
        f.render_widget(Paragraph::new(Span::styled(title, st.title)), area);
        // Keep the focused field visible on short screens.
        let per = 2u16;
        let room = (area.height.saturating_sub(2) / per).max(1) as usize;
        let first = self.focus.saturating_sub(room.saturating_sub(1));
        let mut y = 2;
        for (i, field) in project.fields.iter().enumerate().skip(first) {
            let used = draw_field(f, area, y, field, i == self.focus, self.editing, st);
            if used == 0 {
                break;
            }
            y += used;
        }
    }
}
