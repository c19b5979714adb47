//! The core: data in, data out. Nothing here prints, prompts, reads the terminal or exits; every
//! failure is an [`Error`] value and every check result a [`check::report::Finding`].
//!
//! Layers, lowest first (a module imports only from its own layer's leaves or lower layers):
//! 1. leaves: `error`, `text`, `names`, `values::{pointer, merge}`;
//! 2. the values language: `values::{read, setexpr, layers, yamlout}`;
//! 3. inputs on disk: `chart`, `presets`, `config`, `themes`, `scaffold::answers`, `inputs`;
//! 4. engines: `helm`, `check` (the pipeline), `scaffold` (`new`), `jobs`;
//! 5. aggregators: `session` (one per process), `docs`.
pub mod canary;
pub mod chart;
pub mod check;
pub(crate) mod config;
pub mod docs;
pub mod error;
pub mod gitops;
pub mod helm;
pub mod import;
pub mod inputs;
pub mod jobs;
pub mod names;
pub mod plan;
pub mod presets;
pub mod release;
pub mod scaffold;
pub mod session;
pub(crate) mod text;
pub(crate) mod themes;
pub mod upgrade;
pub mod values;

pub use error::{Error, ErrorKind, Result};
