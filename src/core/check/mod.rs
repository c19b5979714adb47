//! The check pipeline: a team's layered values through the schema (in-process), `helm template`,
//! the policies (in-process) and `helm lint`, into one [`report::Report`] of findings located at
//! file:line.
pub(crate) mod lint;
pub(crate) mod manifests;
pub(crate) mod netpol;
pub(crate) mod pipeline;
pub(crate) mod policies;
pub(crate) mod report;
pub(crate) mod schema;

use std::sync::{Arc, Mutex};

use crate::core::base::helm::Helm;
use crate::core::inputs::chart::Chart;

/// Everything a check run needs besides its inputs: compiled once per session, cheap to clone
/// into each background run.
#[derive(Debug, Clone)]
pub struct Checker {
    pub chart: Arc<Chart>,
    /// The compiled `values.schema.json` (`None`: the chart has none).
    pub schema: Option<Arc<schema::SchemaCheck>>,
    /// `None`: the helm-based checks are skipped (`--no-helm`).
    pub helm: Option<Helm>,
    /// The compiled policies, reused across runs (one evaluation at a time).
    pub policies: Option<Arc<Mutex<policies::Policies>>>,
    /// Why there are no policies, when there are none.
    pub policies_skipped: Option<String>,
}
