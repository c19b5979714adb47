//! A team's project as a front end opens it: new (pre-filled with what the user already gave) or
//! an existing one found by its answers file. The CLI decides which; the wizard opens it.
use std::path::{Path, PathBuf};

use crate::core::base::error::Result;
use crate::core::inputs::answers::{self, Answers};
use crate::core::scaffold::questions::Given;

/// What the wizard opens.
#[derive(Debug, Clone)]
pub enum Start {
    /// A new project written to `out_dir`, pre-filled with `given` (flags of `apwiz new`).
    New { out_dir: PathBuf, given: Given },
    /// The project whose answers file is in `out_dir`.
    Edit { out_dir: PathBuf, answers: Answers },
}

/// The answers file of a project in `dir` (`dir/.apwiz.yaml` or `dir/deploy/.apwiz.yaml`).
pub(crate) fn find(dir: &Path) -> Option<PathBuf> {
    [
        dir.join(answers::FILE_NAME),
        dir.join("deploy").join(answers::FILE_NAME),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// The project whose answers file is `file`, opened for editing.
pub(crate) fn load(file: &Path) -> Result<Start> {
    let answers = Answers::load(file)?;
    let out_dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(Start::Edit { out_dir, answers })
}
