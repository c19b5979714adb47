//! The core: data in, data out. Nothing here prints, prompts, reads the terminal or exits; every
//! failure is a [`Error`] value and every check result a [`report::Finding`].
pub mod answers;
pub mod chart;
pub mod config;
pub mod docs;
pub mod error;
pub mod helm;
pub mod layers;
pub mod manifests;
pub mod newproj;
pub mod overrides;
pub mod policies;
pub mod presets;
pub mod report;
pub mod schema;
pub mod setexpr;
pub mod themes;
pub mod validate;
pub mod values;
pub mod yamlout;

pub use error::{Error, ErrorKind, Result};
