//! What the first screen may import instead of a preset (its own file: the one
//! [`Effect`](crate::tui::component::Effect) names it).

/// What is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Kubernetes manifests (`apwiz import manifests`).
    Manifests,
    /// Another chart's values file (`apwiz import values`).
    Values,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Manifests, Kind::Values];

    pub fn title(self) -> &'static str {
        match self {
            Kind::Manifests => "Import existing manifests",
            Kind::Values => "Import a chart's values",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Kind::Manifests => {
                "Kubernetes YAML your team applies today (a file, a directory, a kustomize directory, helm template output) → values for this chart, names and ports kept, proven by a render before anything is written"
            }
            Kind::Values => {
                "A values file written for another chart (helm create, bitnami, app-template) → values for this chart, each key taken, changed on purpose or reported"
            }
        }
    }
}
