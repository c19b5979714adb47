//! The platform team's view of every team (`apwiz fleet`): the fleet's repositories
//! ([`spec`]: `fleet.yaml` or a scanned directory), read through git into a cache outside any
//! work tree ([`git`], [`teams`]), rendered through a bounded, content-hashed helm pool
//! ([`render`]); what a candidate chart does to each team × environment ([`impact`]); pins,
//! policies and live drift ([`status`]); one upgrade commit per team ([`upgrade`]).
//!
//! A team that cannot be read is that team's row with the reason, never a failed run.
pub(crate) mod git;
pub(crate) mod impact;
pub(crate) mod render;
pub(crate) mod spec;
pub(crate) mod status;
pub(crate) mod teams;
pub(crate) mod upgrade;

use std::path::PathBuf;

/// The fleet's cache (mirrors, snapshots, renders): `$XDG_CACHE_HOME/apwiz/fleet`
/// (`~/.cache/apwiz/fleet`), unless the caller names another.
pub(crate) fn default_cache() -> PathBuf {
    directories::ProjectDirs::from("dev", "apwiz", "apwiz")
        .map(|d| d.cache_dir().join("fleet"))
        .unwrap_or_else(|| std::env::temp_dir().join("apwiz-fleet"))
}
