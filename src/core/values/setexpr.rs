//! `--set` expressions, parsed and typed as Helm's `strvals` does for the common forms:
//! `a.b.c=value`, several separated by commas, `\.` and `\,` escapes, list items `a[0]=x`,
//! lists `a={x,y}`. Values: `true`/`false` (any case) → booleans, `null` → null, integers without
//! a leading zero → numbers, anything else a string.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::core::base::error::{Error, Result};
use crate::core::values::pointer::pointer_from_segments;

/// One segment of a `--set` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// One parsed `--set` argument (which may hold several assignments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SetExpr {
    pub raw: String,
    #[serde(skip)]
    pub assignments: Vec<(Vec<Seg>, Value)>,
}

impl TryFrom<String> for SetExpr {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        SetExpr::parse(&s)
    }
}

impl From<SetExpr> for String {
    fn from(s: SetExpr) -> String {
        s.raw
    }
}

impl std::fmt::Display for SetExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Largest list index accepted (Helm's own limit is 65536).
const MAX_INDEX: usize = 65_536;

impl SetExpr {
    /// Parses `a.b=1,c=x`.
    pub fn parse(raw: &str) -> Result<SetExpr> {
        let mut assignments = Vec::new();
        for part in split_unescaped(raw, ',', true) {
            if part.is_empty() {
                continue;
            }
            let Some((k, v)) = split_once_unescaped(&part, '=') else {
                return Err(Error::Usage(format!(
                    "--set {raw}: `{part}` has no `=`; write --set path.to.key=value"
                )));
            };
            let path = parse_path(&k).map_err(|m| Error::Usage(format!("--set {raw}: {m}")))?;
            let value = if v.starts_with('{') && v.ends_with('}') && v.len() >= 2 {
                Value::Array(
                    split_unescaped(&v[1..v.len() - 1], ',', false)
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .map(|s| typed_value(&unescape(&s)))
                        .collect(),
                )
            } else {
                typed_value(&unescape(&v))
            };
            assignments.push((path, value));
        }
        if assignments.is_empty() {
            return Err(Error::Usage(format!(
                "--set {raw:?}: nothing to set; write --set path.to.key=value"
            )));
        }
        Ok(SetExpr {
            raw: raw.to_string(),
            assignments,
        })
    }

    /// Applies the assignments to `target` (a map), creating maps and lists on the way.
    pub(crate) fn apply(&self, target: &mut Value) {
        for (path, value) in &self.assignments {
            set_path(target, path, value.clone());
        }
    }

    /// The JSON pointers this expression sets.
    pub(crate) fn pointers(&self) -> Vec<String> {
        self.assignments
            .iter()
            .map(|(p, _)| {
                let segs: Vec<String> = p
                    .iter()
                    .map(|s| match s {
                        Seg::Key(k) => k.clone(),
                        Seg::Index(i) => i.to_string(),
                    })
                    .collect();
                pointer_from_segments(&segs)
            })
            .collect()
    }

    /// The dotted paths this expression sets, as written.
    pub(crate) fn paths(&self) -> Vec<String> {
        self.assignments
            .iter()
            .map(|(p, _)| path_to_string(p))
            .collect()
    }
}

/// A path as dotted text.
pub(crate) fn path_to_string(p: &[Seg]) -> String {
    let mut s = String::new();
    for seg in p {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(&k.replace('.', "\\."));
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Helm's `typedVal` for `--set`.
pub(crate) fn typed_value(v: &str) -> Value {
    if v.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if v.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if v.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    if v == "0" {
        return Value::Number(0.into());
    }
    if !v.is_empty()
        && !v.starts_with('0')
        && let Ok(i) = v.parse::<i64>()
    {
        return Value::Number(i.into());
    }
    Value::String(v.to_string())
}

/// Parses a dotted path with `\.` escapes and `[n]` indexes.
pub(crate) fn parse_path(k: &str) -> std::result::Result<Vec<Seg>, String> {
    let mut out = Vec::new();
    for part in split_unescaped(k, '.', false) {
        let part_un = unescape(&part);
        let (name, rest) = match part_un.find('[') {
            Some(i) if part_un.ends_with(']') => (&part_un[..i], &part_un[i..]),
            _ => (part_un.as_str(), ""),
        };
        if name.is_empty() && rest.is_empty() {
            return Err(format!("empty key in `{k}`"));
        }
        if !name.is_empty() {
            out.push(Seg::Key(name.to_string()));
        }
        let mut r = rest;
        while let Some(stripped) = r.strip_prefix('[') {
            let Some(end) = stripped.find(']') else {
                return Err(format!("unterminated `[` in `{k}`"));
            };
            let idx: usize = stripped[..end]
                .parse()
                .map_err(|_| format!("`[{}]` in `{k}` is not a list index", &stripped[..end]))?;
            if idx > MAX_INDEX {
                return Err(format!(
                    "list index {idx} in `{k}` is larger than {MAX_INDEX}"
                ));
            }
            out.push(Seg::Index(idx));
            r = &stripped[end + 1..];
        }
    }
    if out.is_empty() {
        return Err(format!("empty key in `{k}`"));
    }
    Ok(out)
}

/// Sets `value` at `path` inside `target`, creating maps and lists as needed.
pub(crate) fn set_path(target: &mut Value, path: &[Seg], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *target = value;
        return;
    };
    match first {
        Seg::Key(k) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(m) = target {
                let child = m.entry(k.clone()).or_insert(Value::Null);
                if rest.is_empty() {
                    *child = value;
                } else {
                    set_path(child, rest, value);
                }
            }
        }
        Seg::Index(i) => {
            if !target.is_array() {
                *target = Value::Array(Vec::new());
            }
            if let Value::Array(a) = target {
                while a.len() <= *i {
                    a.push(Value::Null);
                }
                if rest.is_empty() {
                    a[*i] = value;
                } else {
                    set_path(&mut a[*i], rest, value);
                }
            }
        }
    }
}

fn split_unescaped(s: &str, sep: char, respect_braces: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '{' if respect_braces => {
                depth += 1;
                cur.push(c);
            }
            '}' if respect_braces => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            c if c == sep && depth == 0 => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn split_once_unescaped(s: &str, sep: char) -> Option<(String, String)> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
        } else if c == sep {
            return Some((s[..i].to_string(), s[i + 1..].to_string()));
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_applies() {
        let mut v = json!({"a": {"keep": 1}});
        SetExpr::parse("a.b=1,c=true,d=0644,e={x,y},f[1]=z,g\\.h=null")
            .unwrap()
            .apply(&mut v);
        assert_eq!(
            v,
            json!({"a": {"keep": 1, "b": 1}, "c": true, "d": "0644", "e": ["x", "y"], "f": [null, "z"], "g.h": null})
        );
    }

    #[test]
    fn rejects_garbage() {
        assert!(SetExpr::parse("novalue").is_err());
        assert!(SetExpr::parse("a[x]=1").is_err());
        assert!(SetExpr::parse("=1").is_err());
    }
}
