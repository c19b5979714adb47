//! `apwiz new`: the answers behind a team's directory, the minimal override files they generate,
//! and writing them safely (atomic, comment-preserving, never clobbering).
pub mod environments;
pub mod features;
pub mod generate;
pub mod overrides;
pub mod project;
pub mod questions;
