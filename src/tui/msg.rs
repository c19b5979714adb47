//! Messages into [`update`](super::app::update) and the commands it asks for. Messages come
//! from the terminal (keys, mouse, resize), the clock (ticks, for the debounce) and background
//! jobs (results, always tagged with the request's generation); commands go to
//! [`jobs`](super::jobs), the only place that starts background work.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::core::check::manifests::Object;
use crate::core::check::report::Report;
use crate::core::inputs::answers::Answers;
use crate::core::ops::deploy::{DeployPlan, DeployPlanning, DeployRequest};
use crate::core::ops::import::{Proof, Request as ImportRequest};
use crate::core::ops::rollback::RollbackPlan;
use crate::core::ops::uninstall::UninstallPlan;
use crate::core::release::Target;
use crate::core::release::cause::CauseCard;
use crate::core::release::diff::Change;
use crate::core::release::events::ReleaseEvent;
use crate::core::release::records::History;
use crate::core::release::releases::Release;
use crate::core::scaffold::generate::Outcome;

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The clock: fires the debounced check when its time has come.
    Tick(Instant),
    /// SIGINT, SIGTERM or SIGHUP from outside: quit (the terminal is restored by the loop; a
    /// running operation is first left, its run record written).
    Signal(&'static str),
    /// The render of request `generation` for environment `env`.
    Rendered {
        generation: u64,
        env: Option<String>,
        result: Result<RenderResult, String>,
    },
    /// The validation of request `generation`.
    Validated {
        generation: u64,
        env: Option<String>,
        result: Result<Report, String>,
    },
    /// What the review step would write.
    Planned(Result<Vec<ReviewFile>, String>),
    /// What was written.
    Written(Result<Vec<(PathBuf, Outcome)>, String>),
    /// What the work after an operation did (a line for the screen).
    Note(String),
    /// A background result for the screen over the wizard.
    Ops(OpsMsg),
    /// The import of the first screen proven (or refused, or failed).
    Imported(Result<Shared<Proof>, String>),
}

/// A background result for the screen over the wizard (its [`update`](crate::tui::screens::OpsScreen::update)).
#[derive(Debug)]
pub enum OpsMsg {
    /// A deploy's plan.
    DeployPlanned(Result<Shared<DeployPlanning>, String>),
    /// A rollback's plan.
    RollbackPlanned(Result<Shared<RollbackPlan>, String>),
    /// An event of the stream `stream` (an operation's, or the status screen's watch).
    Release {
        stream: u64,
        event: Box<ReleaseEvent>,
    },
    /// The operation of stream `stream` ended.
    OpFinished {
        stream: u64,
        result: Result<OpEnd, String>,
    },
    /// A release's history.
    History(Result<History, String>),
    /// A revision opened and diffed against the current one.
    Revision(Result<RevisionView, String>),
    /// The releases of a namespace.
    Releases(Result<Vec<Release>, String>),
    /// An uninstall's plan.
    UninstallPlanned(Result<Shared<UninstallPlan>, String>),
    /// A release's canary as the cluster has it.
    Canary(Result<crate::core::ops::canary::Status, String>),
    /// The status screen's release record (its watch's rows come as `Release` events).
    StatusOpened {
        stream: u64,
        result: Result<StatusHead, String>,
    },
    /// A step of the fleet screen's background work.
    FleetProgress(FleetProgress),
    /// One team's status, as soon as it is known (`index`: its place in the fleet).
    FleetTeam {
        index: usize,
        team: Box<crate::core::fleet::status::TeamStatus>,
    },
    /// The fleet's whole status.
    FleetStatus(Result<crate::core::fleet::status::Status, String>),
    /// What an upgrade of a team would do.
    FleetPlanned(Result<Shared<crate::core::ops::fleet::UpgradePlan>, String>),
    /// What the upgrade did.
    FleetUpgraded(Result<Vec<crate::core::fleet::upgrade::Outcome>, String>),
}

/// A step of the fleet's long work, as the core reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetProgress {
    pub phase: String,
    pub done: usize,
    pub total: usize,
    pub item: String,
}

/// A value handed between the update and the jobs as is: cloning shares it, and two are equal
/// when they are the same value (plans hold a cluster client, which has no equality).
#[derive(Debug)]
pub struct Shared<T>(pub Arc<T>);

impl<T> Shared<T> {
    pub fn new(v: T) -> Shared<T> {
        Shared(Arc::new(v))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A render for the side pane.
#[derive(Debug, Clone)]
pub struct RenderResult {
    pub objects: Vec<Object>,
    /// The YAML of each object, in the order of `objects`.
    pub yaml: Vec<String>,
    /// The same, highlighted (syntect): per line, runs of (colour, text).
    pub highlighted: Vec<crate::tui::highlight::Highlighted>,
    /// Wall time of the render, milliseconds.
    pub millis: f64,
    /// Template-time errors (also in the validation report).
    pub errors: Vec<String>,
    /// Who may reach whom under the render's NetworkPolicies, in the words of `apwiz explain
    /// netpol` (computed with the render, never while drawing).
    pub netpol: Vec<String>,
}

/// One file in the review: its diff against the disk.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewFile {
    /// As shown (relative to where apwiz started).
    pub display: String,
    pub exists: bool,
    /// `false`: the file on disk is already what the answers give.
    pub changed: bool,
    /// The diff (new files: every line added).
    pub lines: Vec<DiffLine>,
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Added(String),
    Removed(String),
    /// Unchanged lines left out.
    Skipped(usize),
}

/// How an operation ended, as the job reports it.
#[derive(Debug, Clone)]
pub struct OpEnd {
    pub ok: bool,
    pub cause: Option<CauseCard>,
    pub record: Option<PathBuf>,
    /// The new revision and its NOTES (after a successful deploy).
    pub revision: Option<u64>,
    pub notes: Option<String>,
    /// What became of helm when apwiz was signalled while it ran (left running, and how to
    /// re-attach, or stopped with apwiz).
    pub left: Option<String>,
}

/// A revision opened for the history's diff.
#[derive(Debug, Clone)]
pub struct RevisionView {
    pub revision: u64,
    pub against: u64,
    pub chart: String,
    pub app_version: String,
    pub description: String,
    pub changes: Vec<Change>,
    /// Top-level keys of the supplied values, added and removed between the two (their values are
    /// never read).
    pub keys_added: Vec<String>,
    pub keys_removed: Vec<String>,
}

/// What the status screen says of the release (from its latest record).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusHead {
    pub revision: u64,
    pub status: String,
    pub chart: String,
    pub description: String,
    pub context: String,
    pub namespace: String,
    pub notes: String,
    /// The context is read-only in the user config.
    pub read_only: bool,
}

/// Work that follows a successful operation.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    /// Write `image` into the team's values file (`service`'s image, or the top-level one).
    WriteImage {
        file: PathBuf,
        service: Option<String>,
        image: String,
    },
}

/// Work for [`jobs`](super::jobs).
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Render and validate these answers for `env` in the background (request `generation`).
    Check {
        generation: u64,
        answers: Answers,
        out_dir: PathBuf,
        env: Option<String>,
    },
    /// Work out the review: generated files against the disk.
    Plan {
        answers: Answers,
        out_dir: PathBuf,
    },
    /// Write the files.
    Write {
        answers: Answers,
        out_dir: PathBuf,
    },
    /// Plan a deploy (resolve the files, connect, validate, pre-check, diff).
    PlanDeploy(Shared<DeployRequest>),
    /// Run a planned deploy, streaming its events tagged `stream`.
    RunDeploy {
        plan: Shared<DeployPlan>,
        stream: u64,
    },
    /// Plan a rollback to `revision` (default: the previous deployed one).
    PlanRollback {
        target: Shared<Target>,
        release: String,
        revision: Option<u64>,
    },
    RunRollback {
        plan: Shared<RollbackPlan>,
        stream: u64,
    },
    /// Interrupt the running helm cleanly (SIGINT).
    Interrupt,
    /// apwiz was signalled (SIGTERM, SIGHUP, SIGINT from outside) while an operation runs: stop
    /// waiting for helm, write the run record, say what became of helm.
    Leave(&'static str),
    /// Read a release's history.
    History {
        target: Shared<Target>,
        release: String,
    },
    /// Open `revision` and diff it against `against`.
    OpenRevision {
        target: Shared<Target>,
        release: String,
        revision: u64,
        against: u64,
    },
    /// Watch a release (the status screen) until `StopWatch`.
    Watch {
        target: Shared<Target>,
        release: String,
        stream: u64,
    },
    StopWatch,
    /// Read a release's canary.
    CanaryStatus {
        target: Shared<Target>,
        release: String,
        service: Option<String>,
    },
    /// Work after a successful operation.
    After(After),
    /// Plan an uninstall.
    PlanUninstall {
        target: Shared<Target>,
        release: String,
    },
    RunUninstall {
        plan: Shared<UninstallPlan>,
        stream: u64,
    },
    /// List the releases of the target's namespace.
    Releases {
        target: Shared<Target>,
    },
    /// Plan and run `helm test`, streaming its events.
    RunTest {
        target: Shared<Target>,
        release: String,
        stream: u64,
    },
    /// Read, convert and prove an import (`core::ops::import::prove`).
    Import(Box<ImportRequest>),
    /// Render and validate a proven import's files for `env` (request `generation`).
    CheckImport {
        generation: u64,
        proof: Shared<Proof>,
        out_dir: PathBuf,
        env: Option<String>,
    },
    /// Work out the review of a proven import's files.
    PlanImport {
        proof: Shared<Proof>,
        out_dir: PathBuf,
    },
    /// Write a proven import's files.
    WriteImport {
        proof: Shared<Proof>,
        out_dir: PathBuf,
    },
    /// Read the fleet's status (the fleet screen), telling each team as it finishes.
    FleetStatus {
        request: Shared<crate::core::ops::fleet::Request>,
        newest: Option<String>,
    },
    /// Work out what upgrading the request's teams to the chart at hand would do.
    FleetPlanUpgrade {
        request: Shared<crate::core::ops::fleet::Request>,
    },
    /// Upgrade the request's teams (a branch and a commit each, never pushed).
    FleetUpgrade {
        request: Shared<crate::core::ops::fleet::Request>,
    },
    /// Stop the fleet's running work (its worktrees and half-made branches go with it).
    FleetCancel,
    /// Leave the loop.
    Quit,
}
