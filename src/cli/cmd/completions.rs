//! `apwiz completions SHELL`.
use clap::CommandFactory;

use crate::cli::args::Cli;
use crate::cli::print;
use crate::core::base::error::Result;

pub(crate) fn run(shell: clap_complete::Shell) -> Result<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "apwiz", &mut buf);
    print(&String::from_utf8_lossy(&buf))?;
    Ok(0)
}
