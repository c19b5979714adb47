//! The command line (clap, derive).
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Terminal wizard and CLI for the app-platform Helm chart.
///
/// Exit codes: 0 ok, 1 validation failed (or another failure), 2 usage error (bad flags, a
/// missing answer, a file that would be overwritten), 3 environment problem (helm missing or too
/// old, chart not found).
#[derive(Parser, Debug)]
#[command(name = "apwiz", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// No command on a terminal: the full-screen wizard (an existing project opens for editing).
    #[command(subcommand)]
    pub command: Option<Command>,
}

const EXIT_CODES: &str =
    "Exit codes: 0 ok · 1 validation failed · 2 usage error · 3 environment problem (helm, chart)";

/// Flags every command takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Never prompt: a missing answer fails at once, naming the flag to pass.
    #[arg(long, global = true, env = "APWIZ_NON_INTERACTIVE", value_parser = clap::builder::BoolishValueParser::new())]
    pub non_interactive: bool,
    /// Output for people (text) or scripts (json).
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The helm binary (default: user config, .tools/bin/helm, then PATH; Helm 4 preferred).
    #[arg(long, global = true, env = "APWIZ_HELM", value_name = "PATH")]
    pub helm: Option<PathBuf>,
    /// The chart: a directory, a .tgz archive, or oci://HOST/PATH/NAME[:VERSION] fetched by helm
    /// (default: ./chart or the nearest parent's, else the chart built into apwiz).
    #[arg(
        long,
        global = true,
        env = "APWIZ_CHART",
        value_name = "PATH|ARCHIVE|OCI"
    )]
    pub chart: Option<PathBuf>,
    /// The version of an oci:// chart (default: the newest in the registry); for a chart on disk,
    /// the version it must have.
    #[arg(
        long,
        global = true,
        env = "APWIZ_CHART_VERSION",
        value_name = "VERSION"
    )]
    pub chart_version: Option<String>,
    /// Colour theme for text output (see `apwiz themes list`).
    #[arg(long, global = true, env = "APWIZ_THEME")]
    pub theme: Option<String>,
    /// The user config file (default: the platform config dir, apwiz/config.yaml).
    #[arg(long, global = true, env = "APWIZ_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// Output format.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a team's values files from a preset and answers (on a terminal: the wizard).
    New(NewArgs),
    /// Open an existing project (its .apwiz.yaml) in the wizard.
    Edit(EditArgs),
    /// Render the manifests with helm.
    Render(RenderArgs),
    /// Check values: schema, chart checks at render time, policies, helm lint --strict.
    Validate(ValidateArgs),
    /// Regenerate the team manual (chart/README.md) from the schema and the presets.
    Docs(DocsArgs),
    /// List or show presets.
    #[command(subcommand)]
    Presets(PresetsCommand),
    /// List colour themes.
    #[command(subcommand)]
    Themes(ThemesCommand),
    /// The chart built into apwiz: write it out for plain helm.
    #[command(subcommand)]
    Chart(ChartCommand),
    /// Install or upgrade the release: validate, pre-checks, diff and confirm, then helm upgrade
    /// --install with wait and rollback on failure, watching hooks, pods and events live (on a
    /// terminal the full-screen deploy screen; with --yes, --format json or no terminal, lines).
    Deploy(DeployArgs),
    /// A canary in the same release (the chart's canary values; a deployment with route.enabled):
    /// start it, step its weight, promote it or abort it, each an upgrade watched like a deploy;
    /// status shows the set weight against the route's and both sides' pods.
    #[command(subcommand)]
    Canary(CanaryCommand),
    /// The live release's manifests against a new render (exit 0 none, 2 changes, 1 error).
    Diff(DiffArgs),
    /// Pin each image tag an environment renders to its registry digest in values-<env>.yaml.
    Pin(PinArgs),
    /// Roll the release back to a revision (default: the previous one), after a diff and a confirm.
    Rollback(RollbackArgs),
    /// The release's revisions (from Helm's release records; values never shown).
    History(ReleaseArgs),
    /// Revision, state, hooks' last runs, workload readiness and warning events (--watch: live, full
    /// screen; also how to re-attach to a release while helm works on it).
    Status(StatusArgs),
    /// Run the release's tests (helm test), with each test pod's phase, duration and logs.
    Test(TestArgs),
    /// Uninstall the release: what goes, what `helm.sh/resource-policy: keep` keeps, the delete
    /// hooks; type the release name to confirm (or --yes).
    Uninstall(UninstallArgs),
    /// Import a team's existing Kubernetes manifests, or its values for another chart, as
    /// app-platform values, with a report of what changes.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Move the team to another chart version: renamed keys migrated in its files (comments
    /// kept), the render diff per environment (breaking changes called out), then the new pin.
    UpgradeChart(UpgradeChartArgs),
    /// Write GitOps objects for the team: Argo CD Applications (or, with --appset, an
    /// ApplicationSet over many teams' directories) or Flux OCIRepository + HelmRelease, per
    /// environment, on the pinned OCI chart and the team's values files in git.
    Gitops(GitopsArgs),
    /// The platform team's view of every team in fleet.yaml (or --scan DIR): what a candidate
    /// chart does to each team × environment (impact), pins, policies and live drift (status).
    /// No command on a terminal: the fleet screen (sortable, filterable, a team's detail, `u`
    /// plans its upgrade).
    Fleet(FleetCli),
    /// Explain what a render means: `explain netpol` prints who may reach whom under the
    /// rendered NetworkPolicies.
    #[command(subcommand)]
    Explain(ExplainCommand),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct NewArgs {
    /// The workload preset (see `apwiz presets list`).
    #[arg(long)]
    pub preset: Option<String>,
    /// The release name (lowercase letters, digits, '-').
    #[arg(long)]
    pub name: Option<String>,
    /// The container image, repository:tag.
    #[arg(long)]
    pub image: Option<String>,
    /// Environments to write a file for, comma-separated (dev,staging,prod).
    #[arg(long, value_delimiter = ',')]
    pub env: Option<Vec<String>>,
    /// A value for values.yaml: path.to.key=value (repeatable; Helm's --set syntax).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// A value for one environment's file: ENV:path.to.key=value (repeatable).
    #[arg(long = "set-env", value_name = "ENV:PATH=VALUE")]
    pub set_env: Vec<String>,
    /// Read answers from this file (.apwiz.yaml); flags given as well override them.
    #[arg(long)]
    pub answers: Option<PathBuf>,
    /// Output directory (default: the answers file's directory, else ./deploy).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Update existing files (hand-written comments and keys are kept; a .bak copy is written).
    #[arg(long)]
    pub force: bool,
    /// Show what would be written, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Ask with line prompts instead of opening the full-screen wizard.
    #[arg(long)]
    pub prompt: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct EditArgs {
    /// The project: a directory holding .apwiz.yaml (or deploy/.apwiz.yaml), or the file itself.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// Where the values come from (shared by render and validate).
#[derive(Args, Debug, Clone, Default)]
pub struct ValuesArgs {
    /// The team's directory (values.yaml, values-<env>.yaml, .apwiz.yaml).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The environment: adds values-<env>.yaml after values.yaml.
    #[arg(long)]
    pub env: Option<String>,
    /// Values files instead of the directory's (repeatable, applied in order).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Extra values on top: path.to.key=value (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// The release name (default: the name in .apwiz.yaml, else the directory's name).
    #[arg(long)]
    pub release: Option<String>,
    /// The namespace helm renders for.
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// The Kubernetes version helm assumes (default: the user config, else helm's own).
    #[arg(long)]
    pub kube_version: Option<String>,
}

/// `apwiz explain`'s subcommands.
#[derive(Subcommand, Debug)]
pub enum ExplainCommand {
    /// Who may reach whom, on which ports, under the NetworkPolicies helm renders for the
    /// team's files: between the release's pods, from outside (ingress controller, monitoring,
    /// other namespaces, addresses) and out of it (DNS, dependencies, external CIDRs and hosts).
    #[command(after_help = NETPOL_HELP)]
    Netpol(RenderValuesArgs),
}

/// The values of a render, and nothing else.
#[derive(Args, Debug, Clone, Default)]
pub struct RenderValuesArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
}

const NETPOL_HELP: &str = "\
The graph comes from the rendered NetworkPolicies (helm's result is the truth), evaluated by the
rules of the Kubernetes API: a connection is allowed when the sender's egress and the receiver's
ingress both allow it, and a pod no policy selects is open that way. No cluster is contacted.
Peers outside the release are the ones the policies name (namespaces, address blocks, any
address); ipBlocks are taken as addresses outside the cluster.

Examples:
  apwiz explain netpol --env prod             # the prod graph of the team in .
  apwiz explain netpol --env prod --format json
  apwiz explain netpol -f values.yaml -f values-prod.yaml --set networkPolicy.enabled=true";

#[derive(Args, Debug, Clone, Default)]
pub struct RenderArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Print kind, name and service of each object instead of the manifests.
    #[arg(long)]
    pub summary: bool,
}

/// `apwiz pin`'s flags.
#[derive(Args, Debug, Clone, Default)]
#[command(after_help = PIN_HELP)]
pub struct PinArgs {
    /// The environment whose file gets the digests (values-<env>.yaml).
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// The team's directory (default: ., or deploy/ when . holds no values.yaml).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Only report images without a digest (exit 2 when there are any); no registry contacted.
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,
    /// Resolve the digests and print the file instead of writing it.
    #[arg(long)]
    pub dry_run: bool,
    /// Plain http for every registry (localhost and 127.0.0.1 registries always are).
    #[arg(long)]
    pub plain_http: bool,
}

const PIN_HELP: &str = "\
Each main image's tag (and the helm test and dependsOn wait images) is resolved through the
registry's OCI distribution API and written as image.digest (services.<name>.image.digest) into
the team's values-<env>.yaml, with a comment saying the tag and the day; the file's other
comments are kept. All images are resolved first: on any failure nothing is written. A digest
the team wrote itself is left alone. Credentials: ~/.docker/config.json auths.

Examples:
  apwiz pin --env prod                 # resolve and write
  apwiz pin --env prod --check         # exit 2 when an image has no digest
  apwiz pin --env prod --dry-run       # print the file it would write
  apwiz pin --env prod --plain-http    # a registry without TLS (localhost is always plain)";

#[derive(Args, Debug, Clone, Default)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// The policies directory (default: policies/ next to the chart).
    #[arg(long, value_name = "DIR")]
    pub policies: Option<PathBuf>,
    /// Only the in-process checks (files and schema): no helm template, policies or lint.
    #[arg(long)]
    pub no_helm: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct DocsArgs {
    /// Where to write the manual (default: README.md in the chart directory).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Do not write: fail (exit 1) when the file differs from what would be generated.
    #[arg(long)]
    pub check: bool,
    /// Print to stdout instead of writing.
    #[arg(long)]
    pub stdout: bool,
}

#[derive(Subcommand, Debug, Clone)]
pub enum PresetsCommand {
    /// List the presets.
    List,
    /// Show one preset: metadata, questions, values.
    Show {
        /// The preset name.
        name: String,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum ChartCommand {
    /// Write the built-in chart: unpacked into DIR/app-platform/, or as an archive with --tgz.
    ///
    /// Examples: `apwiz chart export vendor/` then `helm install shop vendor/app-platform -f deploy/values.yaml`;
    /// `apwiz chart export --tgz app-platform.tgz`.
    Export {
        /// The directory to unpack into (default: the current directory).
        #[arg(conflicts_with = "tgz")]
        dir: Option<PathBuf>,
        /// Write the archive itself to this file instead.
        #[arg(long, value_name = "FILE")]
        tgz: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum ThemesCommand {
    /// List the themes.
    List,
}

/// Which cluster: the same kubeconfig and context go to helm.
#[derive(Args, Debug, Clone, Default)]
pub struct ClusterArgs {
    /// The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kube context (default: the user config's kubeContext, else the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

/// Which release, for the commands that need no values files.
#[derive(Args, Debug, Clone, Default)]
pub struct ReleaseArgs {
    /// The team's directory (its .apwiz.yaml names the release).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The release name (default: the name in .apwiz.yaml, else the directory's name).
    #[arg(long)]
    pub release: Option<String>,
    /// The namespace (default: the context's, else default).
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Args, Debug, Clone, Default)]
pub struct DeployArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Do not ask: deploy after the diff (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Helm's per-operation timeout, in seconds (default: the longest hook deadline + 60, at
    /// least 300).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Revisions helm keeps.
    #[arg(long, default_value_t = 10)]
    pub max_history: u32,
    /// The revision's description (default: the git commit of the team's directory).
    #[arg(long)]
    pub description: Option<String>,
    /// Deploy to the project's local control plane: runs `scripts/control-plane.sh up` (of the
    /// checkout apwiz was built in, or $APWIZ_CONTROL_PLANE), which starts it or reuses the
    /// running one, and uses the kubeconfig it prints.
    #[arg(long, conflicts_with_all = ["kubeconfig", "context"])]
    pub local: bool,
    /// Recover a release a killed helm left pending-*: roll back to the last deployed revision
    /// (the history is kept) or, for a first install, uninstall it, then deploy. Refused while a
    /// helm for it still runs on this machine or another apwiz holds its Lease. Lines only.
    #[arg(long)]
    pub recover: bool,
    /// With --env prod: pin tag-only images to their registry digests first (`apwiz pin --env
    /// prod`), without asking. Without it a terminal asks; --yes says so and deploys the tags.
    #[arg(long)]
    pub pin: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct DiffArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Args, Debug, Clone, Default)]
pub struct RollbackArgs {
    /// The revision to return to (default: the one before the current).
    pub revision: Option<u64>,
    #[command(flatten)]
    pub release: ReleaseArgs,
    /// Do not ask.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Helm's timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

#[derive(Args, Debug, Clone, Default)]
pub struct StatusArgs {
    #[command(flatten)]
    pub release: ReleaseArgs,
    /// A past revision instead of the latest.
    #[arg(long)]
    pub revision: Option<u64>,
    /// Watch the release live in the full-screen view (on a terminal): hooks, workloads, pods
    /// and events as they change. Also how to re-attach to a release while helm works on it.
    #[arg(long, short = 'w')]
    pub watch: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct TestArgs {
    #[command(flatten)]
    pub release: ReleaseArgs,
    /// Helm's timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

#[derive(Args, Debug, Clone, Default)]
pub struct UninstallArgs {
    #[command(flatten)]
    pub release: ReleaseArgs,
    /// Do not ask for the release name.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Helm's timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ImportCommand {
    /// Kubernetes YAML (files, directories, - for stdin) → values.yaml, then a report comparing
    /// what the chart renders with the input (exit 1 when something could not be expressed).
    Manifests(ImportManifestsArgs),
    /// A values file written for another chart (helm create, bitnami, app-template) → values.yaml,
    /// with a report of each key: taken, changed on purpose, or not expressible (exit 1 then);
    /// for helm create, its own chart rendered with the file is compared with ours as well.
    Values(ImportValuesArgs),
}

/// The chart conventions `apwiz import values` reads.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValuesFrom {
    /// `helm create`'s scaffold (replicaCount, image.repository/tag, service.port, ingress.hosts…).
    #[default]
    HelmCreate,
    /// bitnami's charts (image.registry, containerPorts, extraEnvVars, resourcesPreset…).
    Bitnami,
    /// bjw-s' app-template (controllers.<name>.containers.<name>, service.<name>.ports…).
    AppTemplate,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ImportValuesArgs {
    /// The values file (- for stdin).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The conventions the file was written for.
    #[arg(long, value_enum)]
    pub from: ValuesFrom,
    /// An environment's file of the same chart, layered over FILE: written as values-ENV.yaml
    /// with only what it changes (repeatable: --env prod=values-prod.yaml).
    #[arg(long = "env", value_name = "ENV=FILE")]
    pub envs: Vec<String>,
    #[command(flatten)]
    pub out: ImportOutArgs,
}

/// Where and how an import writes (shared by `import manifests` and `import values`).
#[derive(Args, Debug, Clone, Default)]
pub struct ImportOutArgs {
    /// Output directory.
    #[arg(long, default_value = "deploy")]
    pub out: PathBuf,
    /// The release name (default: the one workload's name, or the file's fullnameOverride or
    /// nameOverride; required with several services).
    #[arg(long)]
    pub name: Option<String>,
    /// Replace existing files (a .bak copy is written).
    #[arg(long)]
    pub force: bool,
    /// Exit 0 even when something could not be expressed.
    #[arg(long)]
    pub allow_lossy: bool,
    /// The Kubernetes version helm assumes for the proof's render.
    #[arg(long)]
    pub kube_version: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ImportManifestsArgs {
    /// Files, directories (read recursively; a kustomize directory is built with `kustomize
    /// build` or `kubectl kustomize`), or - for stdin; multi-document, kind: List, the output of
    /// helm template or kustomize build.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// An environment's manifests (an overlay directory, or rendered files): written as
    /// values-ENV.yaml with only what differs from the shared values.yaml (repeatable:
    /// --env dev=overlays/dev --env prod=overlays/production).
    #[arg(long = "env", value_name = "ENV=PATH")]
    pub envs: Vec<String>,
    #[command(flatten)]
    pub out: ImportOutArgs,
}

#[derive(Args, Debug, Clone, Default)]
pub struct UpgradeChartArgs {
    /// The team's directory (its .apwiz.yaml pins the chart; default: ., else deploy/).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The version to move to (default: the chart at hand, from --chart, ./chart or the one built
    /// into apwiz; for a team pinned to an oci:// chart, the registry's newest).
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// The chart the team is on, when its pin's source is gone (a directory, archive or oci://).
    #[arg(long, value_name = "PATH|OCI")]
    pub from: Option<String>,
    /// Change nothing: show what would change, exit 2 when the team is behind, 0 when current.
    #[arg(long)]
    pub check: bool,
    /// Only this environment's render diff (default: every environment in .apwiz.yaml).
    #[arg(long)]
    pub env: Option<String>,
    /// The namespace helm renders for.
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// The Kubernetes version helm assumes (default: the user config, else helm's own).
    #[arg(long)]
    pub kube_version: Option<String>,
}

/// The GitOps controller `apwiz gitops` writes for.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GitopsTool {
    #[default]
    Argocd,
    Flux,
}

#[derive(Args, Debug, Clone, Default)]
pub struct GitopsArgs {
    /// argocd or flux.
    #[arg(value_enum)]
    pub tool: GitopsTool,
    /// The team's directory (its .apwiz.yaml names the release, environments and chart pin).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Environments, comma-separated (default: every one in .apwiz.yaml).
    #[arg(long, value_delimiter = ',')]
    pub env: Vec<String>,
    /// Where to write (default: gitops/<tool>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The team's git repository (default: the directory's `origin` remote).
    #[arg(long, value_name = "URL")]
    pub repo_url: Option<String>,
    /// The revision the controller tracks.
    #[arg(long, default_value = "main")]
    pub revision: String,
    /// The team directory inside the repository (default: from git).
    #[arg(long, value_name = "P")]
    pub path: Option<String>,
    /// The namespace the release goes to (default: <release>-<env>).
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// The namespace of the GitOps objects (default: argocd, or flux-system).
    #[arg(long, value_name = "NS")]
    pub gitops_namespace: Option<String>,
    /// Argo CD only: an ApplicationSet per environment over every team directory matching this
    /// path pattern in the repository (e.g. teams/*/deploy), each Application on its own pin.
    #[arg(long, value_name = "TEAMS_GLOB")]
    pub appset: Option<String>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum CanaryCommand {
    /// Turn the canary on: --image IMAGE (or --tag TAG of the service's image) at --weight W.
    Start(CanaryStartArgs),
    /// Send WEIGHT percent (0–100) of the route's requests to the canary (no hooks run).
    Step(CanaryStepArgs),
    /// The canary's image becomes the service's (written into the team's values.yaml, comments
    /// kept) and the canary goes.
    Promote(CanaryArgs),
    /// The canary goes; all traffic back to stable (no hooks run).
    Abort(CanaryArgs),
    /// The set weight against the route's, the stable and canary pods, warnings.
    Status(CanaryArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct CanaryArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The service under `services:` (default: the top-level one).
    #[arg(long)]
    pub service: Option<String>,
    /// Do not ask (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Helm's timeout in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct CanaryStartArgs {
    #[command(flatten)]
    pub canary: CanaryArgs,
    /// The canary's image (a full reference).
    #[arg(long, conflicts_with = "tag", required_unless_present = "tag")]
    pub image: Option<String>,
    /// Or only another tag of the service's image.
    #[arg(long)]
    pub tag: Option<String>,
    /// Percent of the route's requests for the canary at first.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub weight: u8,
}

#[derive(Args, Debug, Clone, Default)]
pub struct CanaryStepArgs {
    #[command(flatten)]
    pub canary: CanaryArgs,
    /// Percent of the route's requests for the canary (0–100).
    #[arg(value_parser = clap::value_parser!(u8).range(0..=100))]
    pub weight: u8,
}

/// `apwiz fleet [COMMAND]`: the fleet's flags here open the fleet screen (no command).
#[derive(Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct FleetCli {
    #[command(subcommand)]
    pub command: Option<FleetCommand>,
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// The newest chart version pins are compared with (default: the chart at hand's).
    #[arg(long, value_name = "VERSION")]
    pub newest: Option<String>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum FleetCommand {
    /// Render every team × environment with its pinned chart and with the candidate (--chart,
    /// else the chart at hand) and classify: unchanged, changes, restarts (pod template),
    /// recreates (immutable fields), breaks (render, schema or a policy fails). Exit 1 when a
    /// team breaks: the chart repository's CI gate.
    #[command(after_help = FLEET_IMPACT_HELP)]
    Impact(FleetImpactArgs),
    /// Per team and environment: the pin and how far behind the newest, the policies' verdict
    /// on today's render, and (with `environments:` contexts in fleet.yaml) the live release:
    /// revision, status, live vs pinned chart (drift), last deploy and its git commit.
    /// Exit 2 when something needs attention.
    Status(FleetStatusArgs),
    /// Move each team to the chart at hand (--chart; --to says which version it must be): per
    /// team, `upgrade-chart` in a git worktree on a new branch apwiz/<chart>-<version> from the
    /// team's branch, committed with the render diff summary in the message. Never pushes;
    /// prints the branches made. A team that would break is skipped and listed (exit 2).
    Upgrade(FleetUpgradeArgs),
}

#[derive(Args, Debug, Clone)]
pub struct FleetUpgradeArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// The version to move to: the chart at hand must be it.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
}

const FLEET_IMPACT_HELP: &str = "Examples:
  apwiz fleet impact --chart chart/                       # the chart in this checkout
  apwiz fleet impact --chart oci://registry.example.com/charts/app-platform:0.3.0
  apwiz fleet impact --scan ~/src --diff shop             # every .apwiz.yaml below ~/src; shop's diff

Repositories are mirrored into the cache (--cache, default ~/.cache/apwiz/fleet) and read at
their branch's commit: a team's own clone and working tree are never touched. Renders are cached
by a content hash of helm, chart and values; a team pinned to the candidate itself is not
rendered. See docs/fleet.md for fleet.yaml.";

/// Which fleet, and how to read it.
#[derive(Args, Debug, Clone)]
pub struct FleetArgs {
    /// The fleet file: teams as {repo: PATH|URL, branch, dir, name}, optional environments
    /// with kube contexts (docs/fleet.md).
    #[arg(long, default_value = "fleet.yaml", value_name = "FILE")]
    pub fleet: PathBuf,
    /// Instead of a fleet file: every .apwiz.yaml below DIR (each in its git repository).
    #[arg(long, value_name = "DIR")]
    pub scan: Option<PathBuf>,
    /// Only these teams (comma-separated names).
    #[arg(long, value_delimiter = ',', value_name = "TEAMS")]
    pub teams: Vec<String>,
    /// Where mirrors, snapshots and renders are cached.
    #[arg(long, env = "APWIZ_FLEET_CACHE", value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// helm processes at once (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// The Kubernetes version helm renders for (default: fleet.yaml's kubeVersion, the user
    /// config's, else helm's own).
    #[arg(long)]
    pub kube_version: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct FleetImpactArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Print the full diff of these teams (comma-separated; no value: every team).
    #[arg(long, value_delimiter = ',', num_args = 0.., value_name = "TEAMS")]
    pub diff: Option<Vec<String>>,
}

#[derive(Args, Debug, Clone)]
pub struct FleetStatusArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// The newest chart version pins are compared with (default: the chart at hand's).
    #[arg(long, value_name = "VERSION")]
    pub newest: Option<String>,
}
