//! The leaves every layer may use: errors, text helpers, the release-name rule, the latest-wins
//! job slot, and the helm binary (located, version-checked, run).
pub mod error;
pub mod helm;
pub mod jobs;
pub mod names;
pub mod registry;
pub(crate) mod text;
