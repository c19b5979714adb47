//! The core: data in, data out. Nothing here prints, prompts, reads the terminal or exits; every
//! failure is an [`Error`] value and every check result a [`check::report::Finding`].
//!
//! Layers, lowest first, one folder each (a module imports only from its own layer or lower
//! layers; `tests/architecture.rs` checks that no import circle forms):
//! 1. [`base`]: `error`, `text`, `names`, `jobs` (the latest-wins slot), `helm` (the binary);
//! 2. [`values`]: the values language (`pointer`, `merge`, `read`, `setexpr`, `layers`,
//!    `yamlout`);
//! 3. [`inputs`]: what is on disk (`chart`, `presets`, `config`, `themes`, `answers`) and the
//!    resolution of a team's files into one `Inputs`;
//! 4. engines: [`check`] (the pipeline), [`scaffold`] (`new`), [`release`] (helm run and
//!    watched), [`import`], [`gitops`], [`upgrade`], [`fleet`] (every team at once);
//! 5. aggregators: [`session`] (one per process), [`docs`];
//! 6. [`ops`]: one module per operation, the workflows both front ends run.
pub(crate) mod base;
pub(crate) mod check;
pub(crate) mod docs;
pub(crate) mod fleet;
pub(crate) mod gitops;
pub(crate) mod import;
pub(crate) mod inputs;
pub(crate) mod ops;
pub(crate) mod release;
pub(crate) mod scaffold;
pub(crate) mod session;
pub(crate) mod upgrade;
pub(crate) mod values;

pub(crate) use base::error::{Error, Result};
