//! `apwiz` as a library: `core` knows the chart, presets, values, helm, schema and policies and
//! returns data; `cli` turns that data into a command-line program; `tui` is the full-screen
//! wizard on the same `core`. Front ends never import each other.
#![warn(unreachable_pub)]

pub mod cli;
pub mod core;
pub mod tui;
