//! Helm's values language: files read the way Helm reads them (YAML 1.1, with file:line of every
//! value), `--set` expressions, the layering of chart defaults, files and `--set`s, and YAML
//! written back. `pointer` and `merge` are leaves the others build on.
pub mod layers;
pub mod merge;
pub mod pointer;
pub mod read;
pub mod setexpr;
pub mod yamlout;
