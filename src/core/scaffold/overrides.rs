//! Minimal override files and writing them safely.
//!
//! - [`diff`]: the smallest values that, layered over `base` the way Helm layers values, give
//!   `target` (maps merge, other values replace, `null` removes).
//! - [`update_text`]: a three-way update of a file the team may have edited: what apwiz generated
//!   last time (from the old answers), what the file holds now, and what apwiz generates now.
//!   Values the team changed by hand, keys they added and every comment survive
//!   (comment-preserving editing with `yaml-edit`).
//! - [`write_atomic`]: temp file in the same directory, fsync, rename; [`backup`] keeps a copy.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::core::base::error::{Error, Result};
use crate::core::values::merge::same;
use crate::core::values::read::parse_values;
use crate::core::values::setexpr::{Seg, set_path};
use crate::core::values::yamlout;

/// The smallest override of `base` that yields `target` under Helm's layering.
pub(crate) fn diff(base: &Value, target: &Value) -> Value {
    diff_inner(base, target).unwrap_or_else(|| Value::Object(Map::new()))
}

fn diff_inner(base: &Value, target: &Value) -> Option<Value> {
    match (base, target) {
        (Value::Object(b), Value::Object(t)) => {
            let mut out = Map::new();
            for (k, tv) in t {
                match b.get(k) {
                    Some(bv) => {
                        if let Some(d) = diff_inner(bv, tv) {
                            out.insert(k.clone(), d);
                        }
                    }
                    None => {
                        out.insert(k.clone(), tv.clone());
                    }
                }
            }
            for k in b.keys() {
                if !t.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        (b, t) if same(b, t) => None,
        (_, t) => Some(t.clone()),
    }
}

/// A new file: `header` comment lines, then the values (nothing but the header when empty).
pub(crate) fn new_file_text(header: &str, values: &Value) -> String {
    let mut out = String::from(header);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if values.as_object().is_some_and(|m| !m.is_empty()) {
        out.push_str(&yamlout::to_yaml(values));
    }
    out
}

/// One change applied by [`update_text`], for reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Set(String),
    Removed(String),
    /// A value the team changed by hand was kept although apwiz would write another.
    KeptHandEdit(String),
}

/// Updates `existing` (a file the team may have edited) to the newly generated `new`, given what
/// apwiz generated before (`old`, when known). Returns the new text and the changes.
pub fn update_text(
    existing: &str,
    old: Option<&Value>,
    new: &Value,
) -> Result<(String, Vec<Change>)> {
    let current = parse_values(existing)
        .map_err(|e| {
            Error::Invalid(format!(
                "the existing file does not parse ({e}); fix or remove it"
            ))
        })?
        .value;
    let mut ops = Vec::new();
    plan_ops(&mut Vec::new(), &current, old, new, &mut ops);
    if ops.is_empty() {
        return Ok((existing.to_string(), Vec::new()));
    }
    let mut expected = current.clone();
    for op in &ops {
        match op {
            Op::Set(p, v) => set_path(&mut expected, &keys(p), v.clone()),
            Op::Remove(p) => remove_at(&mut expected, p),
            Op::Keep(_) => {}
        }
    }
    let has_mapping = current.as_object().is_some_and(|m| !m.is_empty());
    let text = if has_mapping {
        let doc = yaml_edit::Document::from_str(existing)
            .map_err(|e| Error::Invalid(format!("the existing file cannot be edited: {e}")))?;
        let root = doc
            .as_mapping()
            .ok_or_else(|| Error::Invalid("the existing file is not a map".into()))?;
        for op in &ops {
            match op {
                Op::Set(p, v) => edit_set(&root, p, v)?,
                Op::Remove(p) => edit_remove(&root, p),
                Op::Keep(_) => {}
            }
        }
        doc.to_string()
    } else {
        // Only comments (or `{}`): keep the comments, append the values.
        let comments: String = existing
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        new_file_text(&comments, &expected)
    };
    gives(
        &text,
        &expected,
        "editing the existing file did not give the expected values; nothing written (rerun without the file, or report a bug)",
    )?;
    let changes = ops
        .into_iter()
        .map(|op| match op {
            Op::Set(p, _) => Change::Set(dotted(&p)),
            Op::Remove(p) => Change::Removed(dotted(&p)),
            Op::Keep(p) => Change::KeptHandEdit(dotted(&p)),
        })
        .collect();
    Ok((text, changes))
}

enum Op {
    Set(Vec<String>, Value),
    Remove(Vec<String>),
    Keep(Vec<String>),
}

fn dotted(p: &[String]) -> String {
    p.join(".")
}

/// Walks `new` (and `old`) against `current` and records the edits a three-way merge needs.
fn plan_ops(
    path: &mut Vec<String>,
    current: &Value,
    old: Option<&Value>,
    new: &Value,
    ops: &mut Vec<Op>,
) {
    match (current, new) {
        (Value::Object(cur), Value::Object(nw)) if !nw.is_empty() || path.is_empty() => {
            let old_map = old.and_then(Value::as_object);
            for (k, nv) in nw {
                path.push(k.clone());
                let ov = old_map.and_then(|m| m.get(k));
                match cur.get(k) {
                    Some(cv) => plan_ops(path, cv, ov, nv, ops),
                    None => ops.push(Op::Set(path.clone(), nv.clone())),
                }
                path.pop();
            }
            // Keys apwiz generated before and no longer does: remove them if untouched.
            if let Some(om) = old_map {
                for (k, ov) in om {
                    if nw.contains_key(k) {
                        continue;
                    }
                    if let Some(cv) = cur.get(k) {
                        path.push(k.clone());
                        remove_untouched(path, cv, ov, ops);
                        path.pop();
                    }
                }
            }
        }
        (cv, nv) => {
            if same(cv, nv) {
                return;
            }
            match old {
                // The team changed what apwiz wrote and the answer did not change: keep theirs.
                Some(ov) if same(ov, nv) && !same(cv, ov) => ops.push(Op::Keep(path.clone())),
                _ => ops.push(Op::Set(path.clone(), nv.clone())),
            }
        }
    }
}

fn remove_untouched(path: &mut Vec<String>, cur: &Value, old: &Value, ops: &mut Vec<Op>) {
    if same(cur, old) {
        ops.push(Op::Remove(path.clone()));
        return;
    }
    if let (Value::Object(c), Value::Object(o)) = (cur, old) {
        for (k, ov) in o {
            if let Some(cv) = c.get(k) {
                path.push(k.clone());
                remove_untouched(path, cv, ov, ops);
                path.pop();
            }
        }
    }
}

/// A path of map keys as `--set` path segments.
fn keys(path: &[String]) -> Vec<Seg> {
    path.iter().cloned().map(Seg::Key).collect()
}

fn remove_at(v: &mut Value, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if let Value::Object(m) = v {
        if rest.is_empty() {
            m.shift_remove(first);
        } else if let Some(child) = m.get_mut(first) {
            remove_at(child, rest);
            if child.as_object().is_some_and(Map::is_empty) {
                m.shift_remove(first);
            }
        }
    }
}

/// A value as a `yaml-edit` node, through apwiz's own quoting rules.
fn node_text(v: &Value) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => yamlout::to_yaml(v),
        Value::Array(a) if !a.is_empty() => yamlout::to_yaml(v),
        other => yamlout::inline(other),
    }
}

fn edit_set(root: &yaml_edit::Mapping, path: &[String], v: &Value) -> Result<()> {
    let Some((last, parents)) = path.split_last() else {
        return Ok(());
    };
    let mut m = root.clone();
    for (i, seg) in parents.iter().enumerate() {
        match m.get_mapping(seg.as_str()) {
            Some(child) => m = child,
            None => {
                // Create the rest of the path in one go.
                let mut nested = v.clone();
                for s in path[i + 1..].iter().rev() {
                    let mut mm = Map::new();
                    mm.insert(s.clone(), nested);
                    nested = Value::Object(mm);
                }
                return put(&m, seg, &nested);
            }
        }
    }
    put(&m, last, v)
}

fn put(m: &yaml_edit::Mapping, key: &str, v: &Value) -> Result<()> {
    let text = node_text(v);
    let doc = yaml_edit::Document::from_str(&text)
        .map_err(|e| Error::Invalid(format!("cannot build YAML for {key}: {e}")))?;
    if let Some(map) = doc.as_mapping() {
        m.set(key, map);
    } else if let Some(seq) = doc.as_sequence() {
        m.set(key, seq);
    } else if let Some(s) = doc.as_scalar() {
        m.set(key, s);
    } else {
        m.set(key, &doc);
    }
    Ok(())
}

fn edit_remove(root: &yaml_edit::Mapping, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut chain = vec![root.clone()];
    for seg in parents {
        match chain.last().and_then(|m| m.get_mapping(seg.as_str())) {
            Some(child) => chain.push(child),
            None => return,
        }
    }
    if let Some(m) = chain.last() {
        m.remove(last.as_str());
    }
    // Drop parents left empty by the removal.
    for i in (1..chain.len()).rev() {
        if chain[i].is_empty() {
            chain[i - 1].remove(parents[i - 1].as_str());
        } else {
            break;
        }
    }
}

/// One key move in a team's file: `from` renamed to `to` (a path of map keys), or removed
/// (`to: None`). Used by `apwiz upgrade-chart` for the chart's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyMove {
    pub from: Vec<String>,
    pub to: Option<Vec<String>>,
}

/// Applies `moves` to a file's text, keeping every comment and the layout: a rename within one
/// map renames the key in place (its comments and position stay); a move to another map sets the
/// value there and removes it here; a removal drops the key. Moves whose `from` is not in the
/// file are skipped. Returns the new text and the moves that applied.
pub(crate) fn move_keys(existing: &str, moves: &[KeyMove]) -> Result<(String, Vec<KeyMove>)> {
    let current = parse_values(existing)
        .map_err(|e| Error::Invalid(format!("the file does not parse ({e}); fix it first")))?
        .value;
    let mut expected = current.clone();
    let mut applied = Vec::new();
    for m in moves {
        let Some(v) = get_at(&expected, &m.from).cloned() else {
            continue;
        };
        remove_at(&mut expected, &m.from);
        if let Some(to) = &m.to {
            set_path(&mut expected, &keys(to), v.clone());
        }
        applied.push((m.clone(), v));
    }
    if applied.is_empty() {
        return Ok((existing.to_string(), Vec::new()));
    }
    let doc = yaml_edit::Document::from_str(existing)
        .map_err(|e| Error::Invalid(format!("the file cannot be edited: {e}")))?;
    let root = doc
        .as_mapping()
        .ok_or_else(|| Error::Invalid("the file is not a map".into()))?;
    for (m, v) in &applied {
        let (last, parents) = m.from.split_last().expect("a move names a key");
        match &m.to {
            Some(to) if to.len() == m.from.len() && to[..to.len() - 1] == *parents => {
                let mut map = root.clone();
                for seg in parents {
                    map = map
                        .get_mapping(seg.as_str())
                        .ok_or_else(|| Error::Invalid(format!("{seg} is not a map")))?;
                }
                map.rename_key(last.as_str(), to[to.len() - 1].as_str());
            }
            Some(to) => {
                edit_set(&root, to, v)?;
                edit_remove(&root, &m.from);
            }
            None => edit_remove(&root, &m.from),
        }
    }
    let text = doc.to_string();
    gives(
        &text,
        &expected,
        "moving keys did not give the expected values; nothing written (move them by hand, or report a bug)",
    )?;
    Ok((text, applied.into_iter().map(|(m, _)| m).collect()))
}

/// Checks that an edited text reads back as `expected`; `mismatch` says what went wrong if not.
fn gives(text: &str, expected: &Value, mismatch: &str) -> Result<()> {
    let check = parse_values(text)
        .map_err(|e| {
            Error::Invalid(format!(
                "editing produced unreadable YAML ({e}); nothing written"
            ))
        })?
        .value;
    if same(&check, expected) {
        Ok(())
    } else {
        Err(Error::Invalid(mismatch.into()))
    }
}

fn get_at<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.as_object()?.get(k))
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, flushed to
/// disk, then renamed over the target.
pub fn write_atomic(path: &Path, contents: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "file".into());
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(
            ".{name}.apwiz-{}-{attempt}.tmp",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1
            }
            Err(e) => return Err(Error::io(&tmp, e)),
        }
    };
    let res = file
        .write_all(contents.as_bytes())
        .and_then(|_| file.sync_all())
        .and_then(|_| {
            drop(file);
            std::fs::rename(&tmp, path)
        });
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Copies `path` to `path.bak` (replacing an older backup); returns the backup's path.
pub(crate) fn backup(path: &Path) -> Result<PathBuf> {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    let bak = PathBuf::from(name);
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let s = String::from_utf8_lossy(&text).to_string();
    write_atomic(&bak, &s)?;
    Ok(bak)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minimal_diff() {
        let base = json!({"a": 1, "m": {"x": 1, "y": 2}, "l": [1], "gone": true});
        let target = json!({"a": 1, "m": {"x": 1, "y": 3}, "l": [1, 2], "new": "v"});
        assert_eq!(
            diff(&base, &target),
            json!({"m": {"y": 3}, "l": [1, 2], "new": "v", "gone": null})
        );
    }

    #[test]
    fn three_way_keeps_hand_edits_and_comments() {
        let old = json!({"replicas": 2, "ingress": {"host": "a.example.com"}, "gone": 1});
        let existing = "# header\nreplicas: 5 # raised by hand\ningress:\n  host: a.example.com\n  # team note\n  className: nginx\ngone: 1\nteam: added\n";
        let new = json!({"replicas": 2, "ingress": {"host": "b.example.com"}});
        let (text, changes) = update_text(existing, Some(&old), &new).unwrap();
        assert!(text.contains("# header"));
        assert!(text.contains("replicas: 5 # raised by hand"));
        assert!(text.contains("host: b.example.com"));
        assert!(text.contains("# team note"));
        assert!(text.contains("className: nginx"));
        assert!(text.contains("team: added"));
        assert!(!text.contains("gone"));
        assert!(changes.contains(&Change::KeptHandEdit("replicas".into())));
    }

    #[test]
    fn comment_only_file_gets_values() {
        let (text, _) = update_text("# just a header\n", None, &json!({"a": "yes"})).unwrap();
        assert_eq!(text, "# just a header\na: \"yes\"\n");
    }
}
