//! The command-line front end: a dispatch table from parsed arguments to one file per command
//! (`cmd/`), each of which turns its flags into a core call and the result into text or JSON.
//! A command returns an exit code (0 ok, 1 validation failed) or a core error (the binary maps its
//! kind to 1, 2 or 3, [`exit_code`]).
pub(crate) mod args;
pub(crate) mod output;
pub(crate) mod prompts;

mod cmd;

use std::io::Write;
use std::sync::Arc;

use serde_json::json;

use crate::core::base::error::{Error, ErrorKind, Result, Setting};
use crate::core::session::{Options, Session};

use args::{Cli, Command, Format, Global};
use output::Styler;

/// Everything a command needs from its surroundings: the session (config, theme, chart, helm,
/// policies, found once), the global flags, the stylers and the one async runtime.
pub(crate) struct Ctx {
    pub global: Global,
    pub session: Arc<Session>,
    /// Styles for stdout.
    pub out: Styler,
    /// Styles for stderr.
    pub err: Styler,
    pub runtime: tokio::runtime::Handle,
}

impl Ctx {
    /// Opens the session for `global`'s flags (and a command's `--policies`).
    pub(crate) fn new(
        global: Global,
        policies: Option<std::path::PathBuf>,
        runtime: tokio::runtime::Handle,
    ) -> Result<Ctx> {
        let session = Session::open(Options {
            config: global.config.clone(),
            theme: global.theme.clone(),
            chart: global.chart.clone(),
            chart_version: global.chart_version.clone(),
            helm: global.helm.clone(),
            policies,
        })?;
        runtime.block_on(session.fetch_chart())?;
        let json = global.format == Format::Json;
        let out = Styler::new(
            Some(&session.theme),
            !json && output::colour_wanted(output::stdout_tty()),
        );
        let err = Styler::new(
            Some(&session.theme),
            output::colour_wanted(output::stderr_tty()),
        );
        Ok(Ctx {
            global,
            session: Arc::new(session),
            out,
            err,
            runtime,
        })
    }

    fn json(&self) -> bool {
        self.global.format == Format::Json
    }

    /// Runs `f` on the process's runtime.
    fn block_on<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(f)
    }
}

/// Prints to stdout; a closed pipe (`| head`) is not an error worth reporting.
fn print(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("<stdout>", e)),
    }
}

/// How a command ends: with an exit code, or by handing a project to the full-screen wizard,
/// which the binary opens (front ends never import each other).
pub enum Outcome {
    Exit(u8),
    Wizard {
        session: Arc<Session>,
        start: Box<crate::core::scaffold::project::Start>,
    },
    /// `apwiz deploy` or `apwiz status --watch` on a terminal: the TUI's operation screen.
    Operation {
        session: Arc<Session>,
        intent: crate::core::ops::Intent,
    },
    /// `apwiz fleet` on a terminal: the TUI's fleet screen.
    Fleet {
        session: Arc<Session>,
        request: crate::core::ops::fleet::Request,
        newest: Option<String>,
    },
}

/// Runs the command.
pub fn run(cli: Cli, runtime: tokio::runtime::Handle) -> Result<Outcome> {
    let policies = match &cli.command {
        Some(Command::Validate(a)) => a.policies.clone(),
        _ => None,
    };
    let ctx = Ctx::new(cli.global, policies, runtime)?;
    let Some(command) = cli.command else {
        return cmd::wizard::run(&ctx);
    };
    let code = match command {
        Command::New(a) => return cmd::new::run(&ctx, a),
        Command::Edit(a) => return cmd::wizard::edit(&ctx, a),
        Command::Render(a) => cmd::render::run(&ctx, a),
        Command::Validate(a) => cmd::validate::run(&ctx, a),
        Command::Docs(a) => cmd::docs::run(&ctx, a),
        Command::Presets(c) => cmd::presets::run(&ctx, c),
        Command::Themes(c) => cmd::themes::run(&ctx, c),
        Command::Chart(c) => cmd::chart::run(&ctx, c),
        Command::Deploy(a) => return cmd::deploy::run(&ctx, a),
        Command::Canary(c) => cmd::canary::run(&ctx, c),
        Command::Diff(a) => cmd::diff::run(&ctx, a),
        Command::Pin(a) => cmd::pin::run(&ctx, a),
        Command::Rollback(a) => cmd::rollback::run(&ctx, a),
        Command::History(a) => cmd::history::run(&ctx, a),
        Command::Status(a) => return cmd::status::run(&ctx, a),
        Command::Test(a) => cmd::test::run(&ctx, a),
        Command::Uninstall(a) => cmd::uninstall::run(&ctx, a),
        Command::Import(c) => cmd::import::run(&ctx, c),
        Command::UpgradeChart(a) => cmd::upgrade_chart::run(&ctx, a),
        Command::Gitops(a) => cmd::gitops::run(&ctx, a),
        Command::Fleet(c) => return cmd::fleet::run(&ctx, c),
        Command::Explain(c) => cmd::explain::run(&ctx, c),
        Command::Completions { shell } => cmd::completions::run(shell),
    };
    code.map(Outcome::Exit)
}

/// An error's message with its remedy worded for the command line (the core names the setting).
pub(crate) fn error_message(e: &Error) -> String {
    let remedy = match (e.remedy(), e) {
        (Some(Setting::Force), Error::WouldOverwrite { path }) => format!(
            "pass --force to update it (comments and hand-written keys are kept, a backup is written to {}.bak)",
            path.display()
        ),
        (Some(Setting::Helm), _) => "pass --helm <path>".into(),
        (Some(Setting::Chart), _) => {
            "pass --chart <path|archive|oci://…> (or set APWIZ_CHART)".into()
        }
        (Some(Setting::Dir), _) => "pass --dir <directory>, or name files with -f".into(),
        (Some(Setting::Force), _) => "pass --force".into(),
        (None, _) => return e.to_string(),
    };
    format!("{e}; {remedy}")
}

/// The text form of an error, as the binary prints it.
pub fn error_line(e: &Error) -> String {
    format!("error: {}", error_message(e))
}

/// The JSON form of an error.
pub fn error_json(e: &Error) -> String {
    let kind = match e.kind() {
        ErrorKind::Usage => "usage",
        ErrorKind::Environment => "environment",
        ErrorKind::Failure => "failure",
    };
    output::json(&json!({"ok": false, "error": {
        "kind": kind, "message": error_message(e), "exitCode": e.kind().exit_code()
    }}))
}
