//! `apwiz new`: the answers behind a team's directory, the minimal override files they generate,
//! and writing them safely (atomic, comment-preserving, never clobbering).
pub(crate) mod environments;
pub(crate) mod features;
pub(crate) mod generate;
pub(crate) mod overrides;
pub(crate) mod project;
pub(crate) mod questions;
