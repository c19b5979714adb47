//! Helm's values language: files read the way Helm reads them (YAML 1.1, with file:line of every
//! value), `--set` expressions, the layering of chart defaults, files and `--set`s, and YAML
//! written back. `pointer` and `merge` are leaves the others build on.
pub(crate) mod layers;
pub(crate) mod merge;
pub(crate) mod pointer;
pub(crate) mod read;
pub(crate) mod setexpr;
pub(crate) mod yamlout;
