//! Layered values, merged exactly as Helm merges them, with provenance.
//!
//! Helm merges `-f` files in order (maps merge key by key, everything else replaces, `null` is kept
//! and replaces), applies `--set`, then coalesces the result over the chart's `values.yaml`: a
//! user `null` removes a chart default, chart-default `null`s are dropped. [`Merged::locate`] maps a
//! JSON pointer in the merged values back to the file and line that set it, following the
//! chart's `services.<name>` inheritance from the top level when a service does not set a key.
use serde_json::{Map, Value};

use crate::core::values::merge::{coalesce, merge_maps};
use crate::core::values::pointer::{pointer_from_segments, pointer_segments};
use crate::core::values::read::{Loc, Parsed};
use crate::core::values::setexpr::SetExpr;

/// Where a layer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    /// The chart's own `values.yaml`.
    ChartDefaults,
    /// A values file (`-f`).
    File,
    /// `--set` expressions.
    Set,
}

/// One layer of values.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The name shown in messages: a path as the user gave it, or `--set`.
    pub name: String,
    pub kind: LayerKind,
    pub parsed: Parsed,
}

/// Where a merged value was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    pub layer: usize,
    pub file: String,
    pub loc: Option<Loc>,
    pub kind: LayerKind,
    /// False when only an enclosing value (or the inherited top-level key) was found.
    pub exact: bool,
}

/// The merged values and the layers they came from.
#[derive(Debug, Clone)]
pub struct Merged {
    /// `layers[0]` is the chart defaults; then files in order; then `--set`, if any.
    pub layers: Vec<Layer>,
    /// The user's layers merged (before the chart defaults), as Helm passes them to the chart.
    pub user: Value,
    /// What the templates and the schema see.
    pub values: Value,
}

impl Merged {
    /// Merges `files` and `sets` over `defaults` as Helm does.
    pub(crate) fn build(defaults: Layer, files: Vec<Layer>, sets: &[SetExpr]) -> Merged {
        let mut user = Value::Object(Map::new());
        for f in &files {
            user = merge_maps(user, f.parsed.value.clone());
        }
        let mut layers = Vec::with_capacity(files.len() + 2);
        layers.push(defaults);
        layers.extend(files);
        if !sets.is_empty() {
            let mut parsed = Parsed::default();
            for (i, s) in sets.iter().enumerate() {
                s.apply(&mut user);
                for p in s.pointers() {
                    parsed.spans.insert(
                        p,
                        Loc {
                            line: i + 1,
                            column: 1,
                        },
                    );
                }
            }
            layers.push(Layer {
                name: "--set".into(),
                kind: LayerKind::Set,
                parsed,
            });
        }
        let values = coalesce(user.clone(), &layers[0].parsed.value);
        Merged {
            layers,
            user,
            values,
        }
    }

    /// The file and line that set the value at `pointer` (or its nearest enclosing value).
    pub(crate) fn locate(&self, pointer: &str) -> Option<Located> {
        let segs = pointer_segments(pointer);
        let mut candidates = vec![pointer.to_string()];
        if segs.len() > 2 && segs[0] == "services" {
            candidates.push(pointer_from_segments(&segs[2..]));
        }
        for (i, c) in candidates.iter().enumerate() {
            if let Some(l) = self.find_exact(c) {
                return Some(Located { exact: i == 0, ..l });
            }
        }
        for n in (0..segs.len()).rev() {
            let p = pointer_from_segments(&segs[..n]);
            if let Some(l) = self.find_exact(&p) {
                return Some(Located { exact: false, ..l });
            }
        }
        None
    }

    /// Only the team's layers (not the chart defaults), for values the user set.
    pub(crate) fn locate_user(&self, pointer: &str) -> Option<Located> {
        self.locate(pointer)
            .filter(|l| l.kind != LayerKind::ChartDefaults)
    }

    fn find_exact(&self, pointer: &str) -> Option<Located> {
        self.layers.iter().enumerate().rev().find_map(|(i, l)| {
            l.parsed.loc(pointer).map(|loc| Located {
                layer: i,
                file: l.name.clone(),
                loc: (l.kind != LayerKind::Set).then_some(loc),
                kind: l.kind,
                exact: true,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::values::read::parse_values;
    use serde_json::json;

    fn layer(name: &str, kind: LayerKind, text: &str) -> Layer {
        Layer {
            name: name.into(),
            kind,
            parsed: parse_values(text).unwrap(),
        }
    }

    #[test]
    fn helm_merge_rules() {
        let d = layer(
            "chart/values.yaml",
            LayerKind::ChartDefaults,
            "a: 1\nm:\n  x: 1\n  y: 2\nl: [1, 2]\nn: ~\n",
        );
        let f1 = layer("v.yaml", LayerKind::File, "m:\n  x: 5\nl: [3]\n");
        let f2 = layer("v-prod.yaml", LayerKind::File, "m:\n  y: null\nz: null\n");
        let m = Merged::build(d, vec![f1, f2], &[]);
        assert_eq!(
            m.values,
            json!({"m": {"x": 5}, "l": [3], "z": null, "a": 1})
        );
        let l = m.locate("/m/x").unwrap();
        assert_eq!((l.file.as_str(), l.loc.unwrap().line), ("v.yaml", 2));
        let l = m.locate("/a").unwrap();
        assert_eq!(l.kind, LayerKind::ChartDefaults);
    }

    #[test]
    fn services_inherit_location() {
        let d = layer("chart/values.yaml", LayerKind::ChartDefaults, "port: 80\n");
        let f = layer(
            "v.yaml",
            LayerKind::File,
            "port: 0\nservices:\n  api:\n    image: x\n",
        );
        let m = Merged::build(d, vec![f], &[]);
        let l = m.locate("/services/api/port").unwrap();
        assert_eq!(l.loc.unwrap().line, 1);
        assert!(!l.exact);
    }
}
