//! The leaves every layer may use: errors, text helpers, the release-name rule, the latest-wins
//! job slot, and the helm binary (located, version-checked, run).
pub(crate) mod error;
pub(crate) mod helm;
pub(crate) mod jobs;
pub(crate) mod names;
pub(crate) mod registry;
pub(crate) mod text;
