//! The operations, each written once: one module per workflow that both front ends run. A
//! command of the CLI turns its flags into the call here and prints what comes back; the TUI's
//! `jobs` turns a `Cmd` into the same call and sends the result back as a message.
//!
//! - [`target`]: which cluster, which release (the team directory and release-name rule live in
//!   [`inputs`](crate::core::inputs), the one place that resolves them).
//! - [`new`]: what `apwiz new` writes for a set of answers (the plan against the disk, the write,
//!   the staging of an unsaved plan for a render, the checks on what it generated).
//! - [`deploy`]: validate, render, pre-checks, the diff, helm's command line; the git commit the
//!   release's description records.
//! - [`canary`]: the canary's state and the deploy options of each step, promote included.
//! - [`rollback`], [`test`], [`uninstall`]: their plans, opened from a target.
//! - [`import`]: manifests or another chart's values → the files of an import, proven by a
//!   render and the checks before anything is written, and the report.
//! - [`fleet`]: the fleet opened, then impact, status or upgrade over every team.
//! - [`status`]: the snapshot of a release (record, workloads, warning events) and the watch
//!   of its objects.
//!
//! Top layer: it joins the check pipeline, the scaffold and the release engine.
pub(crate) mod canary;
pub(crate) mod deploy;
pub(crate) mod fleet;
pub(crate) mod import;
pub(crate) mod new;
pub(crate) mod pin;
pub(crate) mod rollback;
pub(crate) mod status;
pub(crate) mod target;
pub(crate) mod test;
pub(crate) mod uninstall;

use serde_json::Value;

use crate::core::base::helm::Helm;
use crate::core::release::events::{Emitter, Phase};
use crate::core::release::{Cluster, Target, ops, watch};

/// Helm's timeout for a rollback, a test or an uninstall when none is given (the CLI flags'
/// default, the TUI's).
pub(crate) const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// A planned operation: what to hand to [`ops::run`], and whether the new revision's NOTES are
/// worth reading afterwards.
pub(crate) trait Operation {
    fn run(&self, emitter: Emitter) -> ops::Run<'_>;
    /// The cluster and release whose new record to open after a success (a deploy's NOTES).
    fn reads_notes(&self) -> Option<(&Cluster, &str)> {
        None
    }
}

/// Helm's command line and the watch of a planned operation.
struct Helmed<'a> {
    name: &'a str,
    cluster: &'a Cluster,
    helm: &'a Helm,
    argv: &'a [String],
    spec: &'a watch::Spec,
    first_phase: Phase,
}

impl<'a> Helmed<'a> {
    /// The run (in the front end's process group, not interruptible: the TUI sets both) with
    /// `plan` for the run record.
    fn run(self, plan: Value, emitter: Emitter) -> ops::Run<'a> {
        ops::Run {
            name: self.name,
            cluster: self.cluster,
            helm: self.helm,
            argv: self.argv.to_vec(),
            spec: self.spec.clone(),
            first_phase: self.first_phase,
            plan,
            emitter,
            state_dir: None,
            interrupt: None,
            leave: None,
            detachable: false,
        }
    }
}

/// The phase helm starts in: the pre-hooks when there are any.
fn first_phase(spec: &watch::Spec) -> Phase {
    if spec.pre_hooks.is_empty() {
        Phase::ApplyAndWait
    } else {
        Phase::PreHooks
    }
}

/// What a command hands to an interactive front end: a deploy to plan, or a release to watch.
#[derive(Debug, Clone)]
pub enum Intent {
    Deploy {
        request: Box<deploy::DeployRequest>,
        release: String,
    },
    Watch {
        target: Target,
        release: String,
        /// The team's directory (for operations started from the screen: a canary step).
        dir: std::path::PathBuf,
    },
}
