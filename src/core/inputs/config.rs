//! The user's configuration (`~/.config/apwiz/config.yaml` on Linux, the platform's config
//! directory elsewhere, or `$APWIZ_CONFIG`): default theme, helm path, kube context and version.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::core::base::error::{Error, Result};

/// User settings; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Theme name (see `apwiz themes list`).
    #[serde(default)]
    pub theme: Option<String>,
    /// Path to the helm binary.
    #[serde(default)]
    pub helm: Option<PathBuf>,
    /// Kubernetes context for commands that talk to a cluster.
    #[serde(default)]
    pub kube_context: Option<String>,
    /// Kubernetes version `helm template` assumes offline.
    #[serde(default)]
    pub kube_version: Option<String>,
    /// Kube contexts where apwiz refuses operations that change the cluster (deploy, rollback,
    /// test, uninstall); history, status and diff still work.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_only_contexts: Vec<String>,
}

/// Where the config file lives: `$APWIZ_CONFIG`, else the platform config directory.
pub(crate) fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("APWIZ_CONFIG") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("dev", "apwiz", "apwiz")
        .map(|d| d.config_dir().join("config.yaml"))
}

/// Loads the config at `path`; a missing file is an empty config.
pub(crate) fn load(path: Option<&Path>) -> Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(Config::default()),
        Ok(text) => serde_yaml::from_str(&text).map_err(|e| {
            Error::Usage(format!("{}: not a valid apwiz config: {e}", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(Error::io(path, e)),
    }
}
