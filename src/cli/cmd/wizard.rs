//! `apwiz` with no command, and `apwiz edit [DIR]`: on a terminal, the CLI hands the project over
//! to the full-screen wizard (the binary opens it: front ends never import each other). Without
//! one (or with `--non-interactive`), `apwiz` alone asks for a command as before and `edit` says
//! how to do the same with flags.
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::CommandFactory;

use crate::cli::args::{Cli, EditArgs};
use crate::cli::{Ctx, Outcome};
use crate::core::base::error::{Error, Result};
use crate::core::inputs::answers;
use crate::core::scaffold::project::{self, Start};
use crate::core::scaffold::questions::Given;

/// The smallest terminal the wizard draws in; smaller ones get the line prompts.
const MIN_SIZE: (u16, u16) = (60, 20);

/// Whether the wizard can open: interactive, stdin and stdout terminals of at least 60×20.
pub(crate) fn wanted(ctx: &Ctx) -> bool {
    if ctx.global.non_interactive
        || !std::io::stdin().is_terminal()
        || !std::io::stdout().is_terminal()
    {
        return false;
    }
    matches!(crossterm::terminal::size(), Ok((w, h)) if w >= MIN_SIZE.0 && h >= MIN_SIZE.1)
}

/// Hands `start` over to the wizard.
pub(crate) fn open(ctx: &Ctx, start: Start) -> Result<Outcome> {
    Ok(Outcome::Wizard {
        session: ctx.session.clone(),
        start: Box::new(start),
    })
}

/// `apwiz` alone: the wizard (editing the project here, if there is one), else the usage error.
pub(crate) fn run(ctx: &Ctx) -> Result<Outcome> {
    if !wanted(ctx) {
        let mut cmd = Cli::command();
        let e = cmd.error(
            clap::error::ErrorKind::MissingSubcommand,
            "a command is needed (on a terminal, `apwiz` alone opens the wizard)",
        );
        let _ = e.print();
        return Ok(Outcome::Exit(2));
    }
    let start = match project::find(&ctx.session.cwd) {
        Some(file) => project::load(&file)?,
        None => Start::New {
            out_dir: PathBuf::from("deploy"),
            given: Given::default(),
        },
    };
    open(ctx, start)
}

/// `apwiz edit [DIR]`.
pub(crate) fn edit(ctx: &Ctx, a: EditArgs) -> Result<Outcome> {
    let file = if a.dir.is_file() {
        Some(a.dir.clone())
    } else {
        project::find(&a.dir)
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
    let start = project::load(&file)?;
    open(ctx, start)
}
