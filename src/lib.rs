//! `apwiz` as a library: `core` knows the chart, presets, values, helm, schema and policies and
//! returns data; `cli` turns that data into a command-line program; `tui` is the full-screen
//! wizard on the same `core`. Front ends never import each other.
// Dead code and a `pub` not reachable from outside fail the build of the library (these are
// crate attributes rather than Cargo.toml `[lints]`, which would reach the test crates' shared
// support modules too). The compiler reports dead code among crate-private items; the `pub`
// items of `core` and `tui` that tests use are exported and so not analysed.
#![deny(dead_code, unreachable_pub)]

pub mod cli;
pub mod core;
pub mod tui;
