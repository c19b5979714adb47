//! The side pane: status line, the object tree (kind / name, grouped by service), the selected
//! object's highlighted YAML (or, `n`, who may reach whom under the render's NetworkPolicies), and
//! the validation panel in the words `apwiz validate` prints.
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tui_tree_widget::{Tree, TreeItem, TreeState};

use crate::tui::app::State;
use crate::tui::pane::PaneView;

pub(crate) fn draw(f: &mut Frame, area: Rect, s: &State) {
    let st = &s.styles;
    let pane = &s.pane;
    let border = if s.focus_pane { st.accent } else { st.muted };
    let title = format!(
        " render · {}{} ",
        pane.env.as_deref().unwrap_or("no environment"),
        match pane.view {
            PaneView::Objects => "",
            PaneView::Network => " · network",
        }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(title, st.title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [status, tree, yaml, findings] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Percentage(30),
        Constraint::Percentage(40),
        Constraint::Percentage(30),
    ])
    .areas(inner);
    f.render_widget(
        Paragraph::new(Span::styled(pane.status(), st.muted)),
        status,
    );

    // Why there is nothing to show, if so.
    let message: Option<(String, Style)> = if let Some(e) = &s.chart_error {
        Some((format!("no chart: {e}"), st.error))
    } else if let Some(why) = &pane.incomplete {
        Some((format!("not rendered yet: {why}"), st.warning))
    } else {
        match &pane.render {
            None if s.project.preset.is_none() => Some((
                "choose a preset to see what the chart creates".into(),
                st.muted,
            )),
            None => Some(("rendering…".into(), st.muted)),
            Some(Err(e)) => Some((format!("helm: {e}"), st.error)),
            Some(Ok(_)) => None,
        }
    };
    match (&pane.render, message) {
        (_, Some((m, style))) => {
            f.render_widget(
                Paragraph::new(Span::styled(m, style)).wrap(Wrap { trim: true }),
                tree,
            );
        }
        (Some(Ok(r)), None) if pane.view == PaneView::Network => {
            draw_network(f, tree.union(yaml), s, r);
        }
        (Some(Ok(r)), None) => {
            draw_tree(f, tree, s, r);
            draw_yaml(f, yaml, s, r);
        }
        _ => {}
    }
    draw_findings(f, findings, s);
}

fn draw_tree(f: &mut Frame, area: Rect, s: &State, r: &crate::tui::msg::RenderResult) {
    let st = &s.styles;
    let order = s.pane.order();
    let mut groups: Vec<(String, Vec<TreeItem<'static, String>>)> = Vec::new();
    for i in &order {
        let o = &r.objects[*i];
        let svc = o.service.clone().unwrap_or_else(|| "(release)".into());
        let leaf = TreeItem::new_leaf(i.to_string(), format!("{}/{}", o.kind, o.name));
        match groups.iter_mut().find(|(g, _)| *g == svc) {
            Some((_, items)) => items.push(leaf),
            None => groups.push((svc, vec![leaf])),
        }
    }
    let mut items = Vec::new();
    let mut state = TreeState::default();
    let selected = s.pane.selected_index();
    for (svc, leaves) in groups {
        let id = format!("svc:{svc}");
        if let Some(sel) = selected
            && leaves.iter().any(|l| l.identifier() == &sel.to_string())
        {
            state.select(vec![id.clone(), sel.to_string()]);
        }
        state.open(vec![id.clone()]);
        if let Ok(item) = TreeItem::new(id, svc, leaves) {
            items.push(item);
        }
    }
    if let Ok(tree) = Tree::new(&items) {
        let tree = tree
            .highlight_style(st.selected)
            .node_closed_symbol("▸ ")
            .node_open_symbol("▾ ");
        f.render_stateful_widget(tree, area, &mut state);
    }
}

fn draw_yaml(f: &mut Frame, area: Rect, s: &State, r: &crate::tui::msg::RenderResult) {
    let st = &s.styles;
    let Some(i) = s.pane.selected_index() else {
        return;
    };
    let colour = st.colour && !st.name.contains("light") && st.name != "mono";
    let lines: Vec<Line> = match r.highlighted.get(i) {
        Some(h) => h
            .iter()
            .map(|runs| {
                Line::from(
                    runs.iter()
                        .map(|(c, t)| match (colour, c) {
                            (true, Some((r, g, b))) => {
                                Span::styled(t.clone(), Style::default().fg(Color::Rgb(*r, *g, *b)))
                            }
                            _ => Span::raw(t.clone()),
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .collect(),
        None => r
            .yaml
            .get(i)
            .map(|y| y.lines().map(|l| Line::raw(l.to_string())).collect())
            .unwrap_or_default(),
    };
    f.render_widget(
        Paragraph::new(lines).scroll((s.pane.scroll, 0)).block(
            Block::default()
                .borders(Borders::TOP)
                .border_style(st.muted),
        ),
        area,
    );
}

/// Who may reach whom under the render's NetworkPolicies: the lines the render job worked out
/// (`apwiz explain netpol`'s words), section titles styled.
fn draw_network(f: &mut Frame, area: Rect, s: &State, r: &crate::tui::msg::RenderResult) {
    let st = &s.styles;
    let lines: Vec<Line> = r
        .netpol
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 || l.ends_with(':') {
                Line::from(Span::styled(l.clone(), st.title))
            } else if l.starts_with("not isolated") || l.starts_with("no NetworkPolicy") {
                Line::from(Span::styled(l.clone(), st.warning))
            } else {
                Line::raw(l.clone())
            }
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((s.pane.scroll, 0)),
        area,
    );
}

fn draw_findings(f: &mut Frame, area: Rect, s: &State) {
    let st = &s.styles;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(st.muted)
        .title(Span::styled(" validation ", st.title));
    let lines: Vec<Line> = match &s.pane.report {
        None => vec![Line::from(Span::styled("not checked yet", st.muted))],
        Some(Err(e)) => vec![Line::from(Span::styled(
            format!("not checked: {e}"),
            st.error,
        ))],
        Some(Ok(_)) => {
            let findings = s.pane.findings();
            if findings.is_empty() {
                vec![Line::from(Span::styled("✓ no errors, no warnings", st.ok))]
            } else {
                findings.iter().map(|fi| line_of(fi, st)).collect()
            }
        }
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// A finding in the words `apwiz validate` prints, painted with the theme's roles.
fn line_of(
    fi: &crate::core::check::report::Finding,
    st: &crate::tui::style::Styles,
) -> Line<'static> {
    Line::from(st.spans(fi.segments()))
}
