//! `apwiz import`: a team's existing Kubernetes manifests → app-platform values, and the proof of
//! what the chart renders from them.
//!
//! - [`manifests`]: reading YAML (files, directories, stdin, multi-document, `kind: List`) and
//!   turning workloads, Services, Ingresses, HTTPRoutes, HPAs, PDBs, ConfigMaps mounted as
//!   files, ServiceMonitors, NetworkPolicies and Roles into service keys;
//! - [`charts`]: values files written for another chart's conventions (`helm create`, bitnami,
//!   app-template) turned into service keys, every source key accounted for;
//! - [`lift`]: the values reduced to what differs from the chart's defaults, with what several
//!   services share lifted into the top level when that makes the file shorter;
//! - [`proof`]: the rendered objects compared with the input object by object, in three parts
//!   (reproduced exactly, changed by the platform on purpose, could not be expressed).
//!
//! Engine layer: uses the values language (`values::read`) and the leaves; writing and rendering
//! are the front end's calls into `scaffold::overrides` and `check::pipeline`.
pub(crate) mod charts;
pub(crate) mod fields;
pub(crate) mod lift;
pub(crate) mod manifests;
pub(crate) mod network;
pub(crate) mod objects;
pub(crate) mod proof;
pub(crate) mod read;

use serde::Serialize;

/// Which part of the report a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Part {
    /// The render has the field exactly as the input.
    Exact,
    /// The platform changes it on purpose (the reason says why).
    Changed,
    /// The values cannot express it.
    Lossy,
    /// An input object left out of the release on purpose (a Secret, a claim holding data, a
    /// cluster object): listed with why, not a field of the comparison.
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Note {
    pub part: Part,
    /// `Kind/name` of the input object.
    pub object: String,
    /// The field compared (`image`, `env.DB_URL`, `spec.ports`, …).
    pub field: String,
    /// What happened (the reason, for changed and lossy lines; empty when exact).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// How to keep it anyway, if there is a way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hatch: Option<String>,
    /// What the platform adds that the input never set: said, not counted in the figure.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub added: bool,
}

impl Note {
    pub(crate) fn new(part: Part, object: &str, field: &str, message: impl Into<String>) -> Note {
        Note {
            part,
            object: object.to_string(),
            field: field.to_string(),
            message: message.into(),
            hatch: None,
            added: false,
        }
    }

    pub(crate) fn added(mut self) -> Note {
        self.added = true;
        self
    }

    pub(crate) fn hatch(mut self, h: impl Into<String>) -> Note {
        self.hatch = Some(h.into());
        self
    }
}
