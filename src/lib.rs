//! `apwiz` as a library: `core` knows the chart, presets, values, helm, schema and policies and
//! returns data; `cli` turns that data into a command-line program. The full-screen TUI (a later
//! issue) drives the same `core`.
#![warn(unreachable_pub)]

pub mod cli;
pub mod core;
