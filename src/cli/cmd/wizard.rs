//! `apwiz` with no command, and `apwiz edit [DIR]`: the full-screen wizard (`tui`) on a terminal.
//! Without one (or with `--non-interactive`), `apwiz` alone asks for a command as before and
//! `edit` says how to do the same with flags.
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::CommandFactory;

use crate::cli::Ctx;
use crate::cli::args::{Cli, EditArgs};
use crate::core::error::{Error, Result};
use crate::core::scaffold::answers::{self, Answers};
use crate::core::scaffold::questions::Given;
use crate::tui::{self, Start};

/// Whether the wizard can open: interactive, stdin and stdout terminals of at least 60×20.
pub(crate) fn wanted(ctx: &Ctx) -> bool {
    if ctx.global.non_interactive
        || !std::io::stdin().is_terminal()
        || !std::io::stdout().is_terminal()
    {
        return false;
    }
    matches!(crossterm::terminal::size(), Ok((w, h)) if w >= tui::MIN_SIZE.0 && h >= tui::MIN_SIZE.1)
}

/// Runs the wizard.
pub(crate) fn open(ctx: &Ctx, start: Start) -> Result<u8> {
    tui::run(ctx.session.clone(), ctx.runtime.clone(), start)
}

/// `apwiz` alone: the wizard (editing the project here, if there is one), else the usage error.
pub(crate) fn run(ctx: &Ctx) -> Result<u8> {
    if !wanted(ctx) {
        let mut cmd = Cli::command();
        let e = cmd.error(
            clap::error::ErrorKind::MissingSubcommand,
            "a command is needed (on a terminal, `apwiz` alone opens the wizard)",
        );
        let _ = e.print();
        return Ok(2);
    }
    let start = match tui::find_project(&ctx.session.cwd) {
        Some(file) => load(&file)?,
        None => Start::New {
            out_dir: PathBuf::from("deploy"),
            given: Given::default(),
        },
    };
    open(ctx, start)
}

/// `apwiz edit [DIR]`.
pub(crate) fn edit(ctx: &Ctx, a: EditArgs) -> Result<u8> {
    let file = if a.dir.is_file() {
        Some(a.dir.clone())
    } else {
        tui::find_project(&a.dir)
    };
    let Some(file) = file else {
        return Err(Error::Usage(format!(
            "no {} in {} or its deploy/: run `apwiz new` first",
            answers::FILE_NAME,
            a.dir.display()
        )));
    };
    if !wanted(ctx) {
        return Err(Error::Usage(format!(
            "apwiz edit needs a terminal of at least 60×20; without one: apwiz new --answers {} --force [--set …]",
            file.display()
        )));
    }
    let start = load(&file)?;
    open(ctx, start)
}

fn load(file: &std::path::Path) -> Result<Start> {
    let answers = Answers::load(file)?;
    let out_dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(Start::Edit { out_dir, answers })
}
