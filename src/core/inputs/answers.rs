//! The answers behind a generated directory (`.apwiz.yaml`): enough to reproduce every file.
//! `apwiz new --answers deploy/.apwiz.yaml` reads them back; a changed answer updates the files.
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::core::base::error::{Error, Result};
use crate::core::values::setexpr::SetExpr;

/// The answers file's name inside the output directory.
pub(crate) const FILE_NAME: &str = ".apwiz.yaml";
/// The format version written to `apiVersion`.
pub(crate) const API_VERSION: &str = "apwiz.dev/v1";

/// What a team answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Answers {
    #[serde(default = "api_version")]
    pub api_version: String,
    /// The workload preset.
    pub preset: String,
    /// The release name (also the base of every object name).
    pub name: String,
    /// The container image (`repository:tag`), if the preset's own default is not wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Environments with their own file, in order.
    #[serde(default)]
    pub environments: Vec<String>,
    /// `--set` answers for the base file, in order (later ones win).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<SetExpr>,
    /// `--set-env` answers per environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env_set: BTreeMap<String, Vec<SetExpr>>,
    /// The chart these files were written for: render, validate and deploy use that version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartPin>,
}

/// The chart a team's files are pinned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChartPin {
    pub name: String,
    pub version: String,
    /// Where it came from: `built-in` (inside apwiz), a directory, an archive, or `oci://…`.
    pub source: String,
}

fn api_version() -> String {
    API_VERSION.to_string()
}

impl Answers {
    /// Reads an answers file.
    pub fn load(path: &Path) -> Result<Answers> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Usage(format!("answers file {} not found", path.display()))
            } else {
                Error::io(path, e)
            }
        })?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// Parses answers from text (`name` names the file in messages).
    pub(crate) fn parse(name: &str, text: &str) -> Result<Answers> {
        let a: Answers = serde_yaml::from_str(text)
            .map_err(|e| Error::Usage(format!("{name}: not a valid answers file: {e}")))?;
        if a.api_version != API_VERSION {
            return Err(Error::Usage(format!(
                "{name}: apiVersion {} is not supported (expected {API_VERSION})",
                a.api_version
            )));
        }
        Ok(a)
    }

    /// The file's text, with a header saying how to use it.
    pub(crate) fn to_text(&self) -> Result<String> {
        let body = serde_yaml::to_string(self)
            .map_err(|e| Error::Invalid(format!("cannot write answers: {e}")))?;
        Ok(format!(
            "# apwiz answers: `apwiz new --answers {FILE_NAME} --force` (run in this directory)\n\
             # regenerates the values files here; change an answer to update them.\n{body}"
        ))
    }

    /// The `--set` answers for environment `env`.
    pub(crate) fn env_sets(&self, env: &str) -> &[SetExpr] {
        self.env_set.get(env).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether any `--set` answer (base, or `env`'s) sets the dotted path `path`.
    pub(crate) fn answers_path(&self, path: &str, env: Option<&str>) -> bool {
        let sets: &[SetExpr] = match env {
            Some(e) => self.env_sets(e),
            None => &self.set,
        };
        sets.iter().any(|s| s.paths().iter().any(|p| p == path))
    }
}
