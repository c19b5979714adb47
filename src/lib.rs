//! `apwiz` as a library: `core` knows the chart, presets, values, helm, schema and policies and
//! returns data; `cli` turns that data into a command-line program; `tui` is the full-screen
//! wizard on the same `core`. Front ends never import each other.
// Dead code and a `pub` not reachable from outside fail the build of the library (these are
// crate attributes rather than Cargo.toml `[lints]`, which would reach the test crates' shared
// support modules too). The compiler reports dead code among crate-private items; the `pub`
// items of `core` and `tui` that tests use are exported and so not analysed.
#![deny(dead_code, unreachable_pub)]

mod cli;
mod core;
#[doc(hidden)]
pub mod testing;
mod tui;

/// What the binary (`src/main.rs`, the one place the two front ends meet) calls.
pub mod entry {
    pub use crate::cli::args::{Cli, Format};
    pub use crate::cli::output::{colour_wanted, stderr_tty};
    pub use crate::cli::{Outcome, error_json, error_line, run as cli_run};
    pub use crate::core::base::error::ErrorKind;
    pub use crate::tui::{run as run_wizard, run_fleet, run_operation};
}
