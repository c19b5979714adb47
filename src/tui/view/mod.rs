//! Drawing: a pure function of the state. Never waits, never changes the state. The frame is a
//! header (the steps), the wizard and the side pane (side by side at ≥ 100 columns, one at a time
//! below that), a status line and the footer generated from the keymap; overlays on top.
pub(crate) mod pane;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::{Overlay, State};
use crate::tui::keys;
use crate::tui::steps::StepId;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, s: &State) {
    let area = f.area();
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let st = &s.styles;
    if let Some(o) = &s.ops {
        o.draw(f, (header, body), &s.project, &s.ctx(), st);
    } else if s.pane_beside() {
        let [wiz, pane_area] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(body);
        draw_wizard(f, wiz, s);
        pane::draw(f, pane_area, s);
    } else if s.show_pane {
        pane::draw(f, body, s);
    } else {
        draw_wizard(f, body, s);
    }
    if s.ops.is_none() {
        draw_header(f, header, s);
    }
    let line = match (&s.status, s.step_ref().incomplete(&s.project)) {
        (Some(m), _) => Line::from(Span::styled(m.clone(), st.warning)),
        _ if s.ops.is_some() => Line::raw(""),
        (None, Some(why)) if s.step != StepId::Preset => {
            Line::from(Span::styled(format!("to go on: {why}"), st.muted))
        }
        _ if s.dirty => Line::from(Span::styled(
            "unsaved answers: ^S reviews and writes",
            st.muted,
        )),
        _ => Line::raw(""),
    };
    f.render_widget(Paragraph::new(line), status);
    draw_footer(f, footer, s);
    match &s.overlay {
        Some(Overlay::Help) => draw_help(f, area, s),
        Some(Overlay::Palette(input)) => {
            let w = area.width.min(60);
            let r = Rect::new(
                area.x + (area.width - w) / 2,
                area.y + area.height / 3,
                w,
                3,
            );
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(":", st.accent),
                    Span::raw(input.value().to_string()),
                ]))
                .block(Block::default().borders(Borders::ALL).title(
                    " command: write · quit · env · theme · preset · deploy <env> · history ",
                )),
                r,
            );
            f.set_cursor_position((r.x + 2 + input.visual_cursor() as u16, r.y + 1));
        }
        Some(Overlay::ConfirmQuit) => {
            let w = area.width.min(56);
            let r = Rect::new(
                area.x + (area.width - w) / 2,
                area.y + area.height / 3,
                w,
                4,
            );
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(vec![
                    Line::from(Span::styled(
                        "Unsaved answers: nothing has been written.",
                        st.warning,
                    )),
                    Line::from("Quit anyway? y quits · any other key stays"),
                ])
                .block(Block::default().borders(Borders::ALL).title(" quit? ")),
                r,
            );
        }
        None => {}
    }
}

fn draw_header(f: &mut Frame, area: Rect, s: &State) {
    let st = &s.styles;
    let mut spans = vec![Span::styled(
        if s.editing { "apwiz edit " } else { "apwiz " },
        st.title,
    )];
    for (i, id) in StepId::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", st.muted));
        }
        let style = if *id == s.step {
            st.selected
        } else if *id < s.step {
            st.ok
        } else {
            st.muted
        };
        spans.push(Span::styled(format!("{}.{}", i + 1, id.title()), style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_wizard(f: &mut Frame, area: Rect, s: &State) {
    let st = &s.styles;
    let border = if s.focus_pane { st.muted } else { st.accent };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(format!(" {} ", s.step.title()), st.title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let ctx = s.ctx();
    s.step_ref().draw(f, inner, &s.project, &ctx, st);
}

fn draw_footer(f: &mut Frame, area: Rect, s: &State) {
    let st = &s.styles;
    let items = match &s.overlay {
        Some(Overlay::Help) => vec![("any key", "close")],
        Some(Overlay::Palette(_)) => vec![("Enter", "run"), ("Esc", "cancel")],
        Some(Overlay::ConfirmQuit) => vec![("y", "quit"), ("n", "stay")],
        // Under an operation only its own keys and help work; a read-only context hides the
        // ones that would change the cluster.
        None if s.ops.is_some() => {
            let read_only = s.ops.as_ref().is_some_and(|o| o.read_only());
            let mut v = keys::footer_where(&s.scopes()[..1], false, |bd| {
                !(read_only && keys::changes_cluster(bd))
            });
            v.push(("?", "help"));
            v
        }
        None => keys::footer(&s.scopes(), s.in_text()),
    };
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (k, h) in items {
        let w = k.chars().count() + h.chars().count() + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(
            k,
            st.accent.add_modifier(ratatui::style::Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(" {h}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_help(f: &mut Frame, area: Rect, s: &State) {
    let st = &s.styles;
    let w = area.width.saturating_sub(4).min(76);
    let h = area.height.saturating_sub(2);
    let r = Rect::new(area.x + (area.width - w) / 2, area.y + 1, w, h);
    f.render_widget(Clear, r);
    let mut lines = Vec::new();
    for (scope, bindings) in keys::help(s.ops.is_some()) {
        lines.push(Line::from(Span::styled(scope.title(), st.title)));
        let mut row: Vec<Span> = Vec::new();
        let mut used = 0usize;
        for (k, h) in bindings {
            let item = format!("{k} {h}");
            let width = item.chars().count() + 3;
            if used + width > w.saturating_sub(4) as usize && !row.is_empty() {
                lines.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
            used += width;
            row.push(Span::raw("  "));
            row.push(Span::styled(k, st.accent));
            row.push(Span::raw(format!(" {h} ")));
        }
        if !row.is_empty() {
            lines.push(Line::from(row));
        }
    }
    lines.push(Line::from(Span::styled(
        "In a text field, letters are text: Esc leaves the field. Theme: ^T or :theme <name>.",
        st.muted,
    )));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" keys (?) ")),
        r,
    );
}
