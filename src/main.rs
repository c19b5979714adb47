//! `apwiz`: the binary. Parses the command line, starts the one async runtime, runs the command
//! through the CLI (which may hand a project over to the full-screen wizard: both front ends meet
//! only here), and maps the result to an exit code: 0 ok, 1 validation failed (or another
//! failure), 2 usage error, 3 environment problem (helm missing or too old, chart not found).
use std::process::ExitCode;

use apwiz::entry::{self as cli, Cli, ErrorKind, Format};
use clap::Parser;

fn main() -> ExitCode {
    let no_colour = !cli::colour_wanted(cli::stderr_tty());
    let hook = color_eyre::config::HookBuilder::default();
    let hook = if no_colour {
        hook.theme(color_eyre::config::Theme::new())
    } else {
        hook
    };
    // Panics (bugs) get a readable report; a failure to install it is not worth stopping for.
    let _ = hook.install();

    let parsed = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let json = parsed.global.format == Format::Json;
    // One runtime per process: helm calls, checks and (later) cluster watches share it.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(ErrorKind::Environment.exit_code());
        }
    };
    // The one place both front ends meet: the CLI may hand a project over to the wizard.
    let result = match cli::cli_run(parsed, runtime.handle().clone()) {
        Ok(cli::Outcome::Exit(code)) => Ok(code),
        Ok(cli::Outcome::Wizard { session, start }) => {
            cli::run_wizard(session, runtime.handle().clone(), *start)
        }
        Ok(cli::Outcome::Operation { session, intent }) => {
            cli::run_operation(session, runtime.handle().clone(), intent)
        }
        Ok(cli::Outcome::Fleet {
            session,
            request,
            newest,
        }) => cli::run_fleet(session, runtime.handle().clone(), request, newest),
        Err(e) => Err(e),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = e.kind().exit_code();
            // One line, whatever the error: a user's bad input or environment is never reported
            // as a crash (panics, which are bugs, get the full report from the hook above).
            if json {
                print!("{}", cli::error_json(&e));
            } else {
                eprintln!("{}", cli::error_line(&e));
            }
            ExitCode::from(code)
        }
    }
}
