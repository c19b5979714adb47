//! Step 1: the workload presets as a list (title and description), web-app first and selected,
//! then the imports (existing manifests, another chart's values: [`super::import`]); `/` filters
//! fuzzily (nucleo-matcher); `Enter` chooses.
use crossterm::event::{Event, KeyCode, KeyEvent};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::import::Kind;
use crate::core::inputs::presets::{Preset, PresetKind};
use crate::tui::component::{Ctx, Effect, Screen};
use crate::tui::keys::{Action, Scope};
use crate::tui::project::Project;
use crate::tui::style::Styles;

#[derive(Debug, Default)]
pub struct PresetStep {
    /// The filter text, while filtering (or kept after `Enter` on it).
    pub filter: Option<Input>,
    pub filtering: bool,
    /// The index into [`PresetStep::visible`].
    pub selected: usize,
}

/// The workload presets whose name, title or description match `filter`, best first.
pub(crate) fn matching<'a>(all: &'a [Preset], filter: &str) -> Vec<&'a Preset> {
    let workloads = all.iter().filter(|p| p.kind == PresetKind::Workload);
    if filter.trim().is_empty() {
        return workloads.collect();
    }
    let pattern = Pattern::parse(filter, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, &Preset)> = workloads
        .enumerate()
        .filter_map(|(i, p)| {
            let hay = format!("{} {} {}", p.name, p.title, p.description);
            pattern
                .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                .map(|s| (s, i, p))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, p)| p).collect()
}

/// The imports whose title or description match `filter` (all of them without one).
pub(crate) fn matching_imports(filter: &str) -> Vec<Kind> {
    if filter.trim().is_empty() {
        return Kind::ALL.to_vec();
    }
    let pattern = Pattern::parse(filter, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    Kind::ALL
        .into_iter()
        .filter(|k| {
            let hay = format!("import {}", k.title());
            pattern
                .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                .is_some()
        })
        .collect()
}

impl PresetStep {
    pub fn visible<'a>(&self, all: &'a [Preset]) -> Vec<&'a Preset> {
        matching(all, self.filter_text())
    }

    fn filter_text(&self) -> &str {
        self.filter.as_ref().map(|f| f.value()).unwrap_or("")
    }

    /// The imports offered after the presets (rows `visible().len()..`).
    pub fn imports(&self) -> Vec<Kind> {
        matching_imports(self.filter_text())
    }

    /// Selects `name` (when pre-filled or loaded).
    pub(crate) fn select(&mut self, all: &[Preset], name: &str) {
        if let Some(i) = self.visible(all).iter().position(|p| p.name == name) {
            self.selected = i;
        }
    }
}

impl Screen for PresetStep {
    fn scope(&self) -> Scope {
        Scope::List
    }

    fn in_text(&self) -> bool {
        self.filtering
    }

    fn enter(&mut self, project: &mut Project, ctx: &Ctx) {
        if let Some(p) = project.preset.clone() {
            self.select(ctx.presets, &p);
        }
    }

    fn action(&mut self, a: Action, project: &mut Project, ctx: &Ctx) -> Effect {
        let presets = self.visible(ctx.presets).len();
        let n = presets + self.imports().len();
        match a {
            Action::Filter => {
                self.filtering = true;
                self.filter.get_or_insert_with(Input::default);
                Effect::Handled
            }
            Action::Back if self.filtering => {
                self.filtering = false;
                self.filter = None;
                self.selected = 0;
                Effect::Handled
            }
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                Effect::Handled
            }
            Action::Down => {
                if self.selected + 1 < n {
                    self.selected += 1;
                }
                Effect::Handled
            }
            Action::Next if self.selected >= presets => {
                self.filtering = false;
                match self.imports().get(self.selected - presets) {
                    Some(k) => Effect::StartImport(*k),
                    None => Effect::Handled,
                }
            }
            Action::Next => {
                self.filtering = false;
                let Some(p) = self
                    .visible(ctx.presets)
                    .get(self.selected)
                    .map(|p| p.name.clone())
                else {
                    return Effect::Handled;
                };
                if project.preset.as_deref() != Some(p.as_str()) || project.fields.is_empty() {
                    project.preset = Some(p);
                    project.choose_preset(ctx.presets, ctx.chart);
                }
                Effect::Next
            }
            _ => Effect::Unhandled,
        }
    }

    fn key(&mut self, key: KeyEvent, _project: &mut Project, _ctx: &Ctx) -> Effect {
        if !self.filtering {
            if let KeyCode::Char(c) = key.code {
                // Typing in the list starts the filter.
                self.filtering = true;
                self.filter = Some(Input::new(c.to_string()));
                self.selected = 0;
                return Effect::Handled;
            }
            return Effect::Unhandled;
        }
        if let Some(f) = &mut self.filter
            && let Some(req) = to_input_request(&Event::Key(key))
        {
            f.handle(req);
            self.selected = 0;
            return Effect::Handled;
        }
        Effect::Unhandled
    }

    fn incomplete(&self, project: &Project) -> Option<String> {
        project.preset.is_none().then(|| "choose a preset".into())
    }

    fn draw(&self, f: &mut Frame, area: Rect, _project: &Project, ctx: &Ctx, st: &Styles) {
        let [top, list, desc] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(4),
        ])
        .areas(area);
        let header = match &self.filter {
            Some(fi) => Line::from(vec![
                Span::styled("/", st.accent),
                Span::raw(fi.value().to_string()),
                Span::styled(if self.filtering { "█" } else { "" }, st.accent),
            ]),
            None => Line::from(Span::styled(
                "Which kind of workload?  (/ to filter)",
                st.title,
            )),
        };
        f.render_widget(Paragraph::new(header), top);
        let visible = self.visible(ctx.presets);
        let imports = self.imports();
        let width = visible.iter().map(|p| p.name.len()).max().unwrap_or(8);
        let mut items: Vec<ListItem> = visible
            .iter()
            .map(|p| {
                ListItem::new(Line::from(vec![
                    Span::styled(format!("{:width$}  ", p.name), st.accent),
                    Span::raw(p.title.clone()),
                ]))
            })
            .collect();
        items.extend(imports.iter().map(|k| {
            ListItem::new(Line::from(vec![
                Span::styled(format!("{:width$}  ", "import"), st.accent),
                Span::raw(k.title()),
            ]))
        }));
        if items.is_empty() {
            f.render_widget(
                Paragraph::new(Span::styled("no preset matches the filter", st.warning)),
                list,
            );
        } else {
            let mut state = ListState::default().with_selected(Some(self.selected));
            f.render_stateful_widget(
                List::new(items)
                    .highlight_style(st.selected)
                    .highlight_symbol("› "),
                list,
                &mut state,
            );
        }
        let description = match visible.get(self.selected) {
            Some(p) => Some(p.description.clone()),
            None => imports
                .get(self.selected - visible.len().min(self.selected))
                .map(|k| k.description().to_string()),
        };
        if let Some(d) = description {
            f.render_widget(
                Paragraph::new(Span::styled(d, st.muted)).wrap(Wrap { trim: true }),
                desc,
            );
        }
    }
}
