//! The side pane's state: the live render for the environment in focus (objects grouped by
//! service, the selected object's YAML) and the validation report. Results arrive as messages;
//! only the newest request's are kept (the app compares generations before calling in here).
use crate::core::check::report::{Report, Severity};
use crate::tui::keys::Action;
use crate::tui::msg::RenderResult;

/// What the pane shows between its status line and the validation panel.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum PaneView {
    /// The object tree and the selected object's YAML.
    #[default]
    Objects,
    /// Who may reach whom under the render's NetworkPolicies (`apwiz explain netpol`).
    Network,
}

#[derive(Debug, Default)]
pub struct Pane {
    /// The objects or the network graph.
    pub view: PaneView,
    /// The environment rendered.
    pub env: Option<String>,
    pub render: Option<Result<RenderResult, String>>,
    pub report: Option<Result<Report, String>>,
    /// A check is under way (the shown results may be older).
    pub running: bool,
    /// Why nothing can be rendered yet (an answer is missing or wrong).
    pub incomplete: Option<String>,
    /// The selected object: an index into [`Pane::order`].
    pub selected: usize,
    /// The YAML's (or the graph's) scroll offset.
    pub scroll: u16,
}

impl Pane {
    pub(crate) fn set_render(&mut self, r: Result<RenderResult, String>) {
        // Keep the selection on the same object when it is still there.
        let old = self.selected_id();
        self.render = Some(r);
        let order = self.order();
        self.selected = old
            .and_then(|id| {
                order
                    .iter()
                    .position(|i| self.objects().get(*i).map(|o| o.id()) == Some(id.clone()))
            })
            .unwrap_or(0);
    }

    fn objects(&self) -> &[crate::core::check::manifests::Object] {
        match &self.render {
            Some(Ok(r)) => &r.objects,
            _ => &[],
        }
    }

    /// The objects' indices in display order: grouped by service (in order of appearance).
    pub(crate) fn order(&self) -> Vec<usize> {
        let objects = self.objects();
        let mut services: Vec<Option<&str>> = Vec::new();
        for o in objects {
            if !services.contains(&o.service.as_deref()) {
                services.push(o.service.as_deref());
            }
        }
        let mut out = Vec::new();
        for s in services {
            out.extend(
                objects
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.service.as_deref() == s)
                    .map(|(i, _)| i),
            );
        }
        out
    }

    /// The selected object's index into the render's objects.
    pub(crate) fn selected_index(&self) -> Option<usize> {
        self.order().get(self.selected).copied()
    }

    fn selected_id(&self) -> Option<String> {
        self.selected_index()
            .and_then(|i| self.objects().get(i))
            .map(|o| o.id())
    }

    /// Handles a pane action; `false` when it is not one.
    pub(crate) fn action(&mut self, a: Action) -> bool {
        let n = self.order().len();
        match (a, self.view) {
            (Action::PaneView, view) => {
                self.view = match view {
                    PaneView::Objects => PaneView::Network,
                    PaneView::Network => PaneView::Objects,
                };
                self.scroll = 0;
                return true;
            }
            // The graph is one text: the arrows scroll it.
            (Action::Down, PaneView::Network) => {
                self.scroll = self.scroll.saturating_add(1);
                return true;
            }
            (Action::Up, PaneView::Network) => {
                self.scroll = self.scroll.saturating_sub(1);
                return true;
            }
            _ => {}
        }
        match a {
            Action::Down | Action::NextField => {
                if self.selected + 1 < n {
                    self.selected += 1;
                    self.scroll = 0;
                }
            }
            Action::Up | Action::PrevField => {
                self.selected = self.selected.saturating_sub(1);
                self.scroll = 0;
            }
            Action::PageDown => self.scroll = self.scroll.saturating_add(10),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            _ => return false,
        }
        true
    }

    /// The one-line status: objects, errors, warnings, render time.
    pub(crate) fn status(&self) -> String {
        let mut parts = Vec::new();
        if let Some(env) = &self.env {
            parts.push(env.clone());
        }
        match &self.render {
            Some(Ok(r)) => {
                parts.push(format!("{} objects", r.objects.len()));
                parts.push(format!("render {:.0} ms", r.millis));
            }
            Some(Err(_)) => parts.push("not rendered".into()),
            None => {}
        }
        if let Some(Ok(rep)) = &self.report {
            parts.push(format!("{} errors", rep.errors));
            parts.push(format!("{} warnings", rep.warnings));
        }
        if self.running {
            parts.push("checking…".into());
        }
        parts.join(" · ")
    }

    /// Findings worth showing (errors and warnings), in the report's order.
    pub(crate) fn findings(&self) -> Vec<&crate::core::check::report::Finding> {
        match &self.report {
            Some(Ok(r)) => r
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Info)
                .collect(),
            _ => Vec::new(),
        }
    }
}
