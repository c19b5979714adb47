//! Values files as Helm reads them, with source positions.
//!
//! Helm parses values with go-yaml v2 (YAML 1.1) through `sigs.k8s.io/yaml`, then converts the
//! result to JSON. This module reproduces that resolution on top of an event parser that gives
//! line numbers and scalar styles:
//! - plain `y/Y/yes/Yes/YES/on/On/ON/true/True/TRUE` → true, `n/N/no/No/NO/off/Off/OFF/false/…` → false;
//! - plain `~`, `null`, `Null`, `NULL` and empty → null;
//! - plain integers through Go's `strconv.ParseInt(s, 0, 64)` after removing `_`
//!   (`0644` octal, `0x1F` hex, `0b101` binary), then unsigned, then floats;
//! - quoted and block scalars, and `!!str`, stay strings; timestamps stay strings;
//! - map keys become strings (`true`, `1`, …) as `sigs.k8s.io/yaml` does; `<<` merges;
//! - several documents in one file are merged (Helm 4's `LoadValues`).
//!
//! A plain scalar that YAML 1.1 and YAML 1.2 read differently produces a [`Note`], so editors and
//! people who think in YAML 1.2 learn what Helm will see.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, StrInput, Tag};
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::core::values::merge::{merge_maps, same};
use crate::core::values::pointer::escape_pointer;

/// Deepest nesting accepted; deeper input is rejected rather than risking the stack.
const MAX_DEPTH: usize = 200;
/// Most nodes one file may expand to (aliases included): a guard against alias bombs.
/// A 500-service release is about 30,000; the bound keeps any one file well under 256 MB.
const MAX_NODES: usize = 500_000;

/// A position in a source file, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub line: usize,
    pub column: usize,
}

impl Loc {
    fn from_span(span: &Span) -> Self {
        Loc {
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }
}

/// Something worth telling about a file that still parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum NoteKind {
    /// A plain scalar that Helm (YAML 1.1) and YAML 1.2 tools read differently.
    Yaml11Value {
        raw: String,
        helm: Value,
        yaml12: Value,
    },
    /// A plain map key that Helm turns into a different string (`on:` → `"true"`).
    Yaml11Key { raw: String, helm: String },
    /// The same key twice in one map: the last one wins.
    DuplicateKey { key: String },
    /// More than one YAML document in a values file.
    MultipleDocuments { count: usize },
}

/// A [`NoteKind`] at a place in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// JSON pointer of the value.
    pub pointer: String,
    pub loc: Loc,
    pub kind: NoteKind,
}

/// A parse failure with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub loc: Loc,
    pub message: String,
}

impl YamlError {
    /// The core's error for this syntax error in `file` (file:line:column: message).
    pub(crate) fn in_file(self, file: impl Into<String>) -> crate::core::base::error::Error {
        crate::core::base::error::Error::Yaml {
            file: file.into(),
            line: self.loc.line,
            column: self.loc.column,
            message: self.message,
        }
    }
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.loc.line, self.loc.column, self.message)
    }
}

/// A parsed document: the value Helm sees, where each value sits, and notes.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub value: Value,
    /// JSON pointer → position of the key (for map entries) or the item (for list items).
    pub spans: HashMap<String, Loc>,
    pub notes: Vec<Note>,
}

impl Parsed {
    /// The position of the value at `pointer`, if this file sets it.
    pub(crate) fn loc(&self, pointer: &str) -> Option<Loc> {
        self.spans.get(pointer).copied()
    }
}

/// One document of a stream (rendered manifests), with the line it starts on.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub parsed: Parsed,
    pub start_line: usize,
}

/// Parses a values file: every document merged, the top level a map (empty file → `{}`).
pub fn parse_values(text: &str) -> Result<Parsed, YamlError> {
    let docs = parse_stream(text)?;
    let count = docs.len();
    let mut out = Parsed {
        value: Value::Object(Map::new()),
        ..Parsed::default()
    };
    for doc in docs {
        let Document { parsed, start_line } = doc;
        match parsed.value {
            Value::Null => {}
            Value::Object(map) => {
                let merged = merge_maps(std::mem::take(&mut out.value), Value::Object(map));
                out.value = merged;
                out.spans.extend(parsed.spans);
                out.notes.extend(parsed.notes);
            }
            other => {
                return Err(YamlError {
                    loc: Loc {
                        line: start_line,
                        column: 1,
                    },
                    message: format!(
                        "a values file must be a map of keys, this document is {}",
                        describe_type(&other)
                    ),
                });
            }
        }
    }
    if count > 1 {
        out.notes.push(Note {
            pointer: String::new(),
            loc: Loc { line: 1, column: 1 },
            kind: NoteKind::MultipleDocuments { count },
        });
    }
    Ok(out)
}

/// Parses every document of a stream separately (empty documents are skipped).
pub(crate) fn parse_stream(text: &str) -> Result<Vec<Document>, YamlError> {
    let mut b = Builder {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        spans: Vec::new(),
        notes: Vec::new(),
        nodes: 0,
    };
    let mut docs = Vec::new();
    loop {
        let (ev, span) = b.next()?;
        match ev {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                let start_line = span.start.line();
                b.anchors.clear();
                let (ev, span) = b.next()?;
                let value = if matches!(ev, Event::DocumentEnd) {
                    Value::Null
                } else {
                    let v = b.node(ev, span, String::new(), 0)?;
                    // Document end.
                    let (ev, span) = b.next()?;
                    if !matches!(ev, Event::DocumentEnd) {
                        return Err(err_at(&span, "expected the end of the document"));
                    }
                    v
                };
                let spans: HashMap<String, Loc> =
                    std::mem::take(&mut b.spans).into_iter().collect();
                let notes = std::mem::take(&mut b.notes);
                if !(value.is_null() && spans.len() <= 1) {
                    docs.push(Document {
                        parsed: Parsed {
                            value,
                            spans,
                            notes,
                        },
                        start_line,
                    });
                }
            }
            _ => return Err(err_at(&span, "unexpected YAML event")),
        }
    }
    Ok(docs)
}

/// A short name for a value's JSON type ("a string", "a map", …), for messages.
pub(crate) fn describe_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// How go-yaml v2 resolves a plain scalar.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Value(Value),
    /// The merge key `<<`.
    Merge,
    /// A float JSON cannot hold (NaN, ±infinity): Helm fails on it.
    NotJson(&'static str),
}

/// Resolves a plain scalar exactly as go-yaml v2's `resolve("", s)` followed by JSON conversion.
pub(crate) fn resolve_plain_yaml11(s: &str) -> Resolved {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Value(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Value(Value::Bool(false));
        }
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Value(Value::Null),
        ".nan" | ".NaN" | ".NAN" => return Resolved::NotJson("NaN"),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::NotJson("+infinity");
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::NotJson("-infinity"),
        "<<" => return Resolved::Merge,
        _ => {}
    }
    let first = s.as_bytes()[0];
    match first {
        b'.' => {
            if let Some(f) = go_parse_float(s) {
                return Resolved::Value(float_value(f));
            }
        }
        b'+' | b'-' | b'0'..=b'9' => {
            if looks_like_timestamp(s) {
                return Resolved::Value(Value::String(s.to_string()));
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some((neg, mag)) = go_parse_int_base0(&plain) {
                if neg {
                    if mag <= (i64::MAX as u128) + 1 {
                        let v = if mag == (i64::MAX as u128) + 1 {
                            i64::MIN
                        } else {
                            -(mag as i64)
                        };
                        return Resolved::Value(Value::Number(v.into()));
                    }
                } else if mag <= i64::MAX as u128 {
                    return Resolved::Value(Value::Number((mag as i64).into()));
                } else if mag <= u64::MAX as u128 && !plain.starts_with('+') {
                    return Resolved::Value(Value::Number((mag as u64).into()));
                }
            }
            if yaml_style_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return Resolved::Value(float_value(f));
            }
        }
        _ => {}
    }
    Resolved::Value(Value::String(s.to_string()))
}

/// Resolves a plain scalar by the YAML 1.2 core schema (what most editors and Rust/JS tools do).
pub(crate) fn resolve_plain_yaml12(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return Value::String(format!("<float {s}>")),
        _ => {}
    }
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = s.parse::<i64>() {
            return Value::Number(v.into());
        }
        if let Ok(f) = s.parse::<f64>() {
            return float_value(f);
        }
    }
    if let Some(h) = s.strip_prefix("0x")
        && !h.is_empty()
        && h.bytes().all(|b| b.is_ascii_hexdigit())
        && let Ok(v) = i64::from_str_radix(h, 16)
    {
        return Value::Number(v.into());
    }
    if let Some(o) = s.strip_prefix("0o")
        && !o.is_empty()
        && o.bytes().all(|b| (b'0'..=b'7').contains(&b))
        && let Ok(v) = i64::from_str_radix(o, 8)
    {
        return Value::Number(v.into());
    }
    if yaml_style_float(s)
        && let Ok(f) = s.parse::<f64>()
        && f.is_finite()
    {
        return float_value(f);
    }
    Value::String(s.to_string())
}

/// Whether two resolutions mean the same thing (numbers compared by value).
fn float_value(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms go-yaml reaches; out of range → None.
fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    // Rust also accepts "inf"/"nan"/"infinity"; Go does too, but go-yaml never gets here with
    // them except through the regex-checked path, so only finite decimal results count.
    if body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(f)
}

/// Go's `strconv.ParseInt(s, 0, 64)` syntax: sign, then `0x`/`0o`/`0b`/leading-`0` octal/decimal.
/// Returns (negative, magnitude) when the syntax is valid and the magnitude fits in u64.
fn go_parse_int_base0(s: &str) -> Option<(bool, u128)> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = rest.get(..2).map(str::to_ascii_lowercase);
    let (radix, digits) = match lower.as_deref() {
        Some("0x") => (16, &rest[2..]),
        Some("0o") => (8, &rest[2..]),
        Some("0b") => (2, &rest[2..]),
        _ if rest.len() > 1 && rest.starts_with('0') => (8, &rest[1..]),
        _ => (10, rest),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u128::from_str_radix(digits, radix).ok()?;
    (mag <= u64::MAX as u128).then_some((neg, mag))
}

/// go-yaml tries timestamps first for plain scalars that start with four digits and `-`; a
/// timestamp decoded into `interface{}` stays the original string, as does anything else of that
/// shape, so those scalars are always strings.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

fn err_at(span: &Span, message: impl Into<String>) -> YamlError {
    YamlError {
        loc: Loc::from_span(span),
        message: message.into(),
    }
}

struct Anchored {
    value: Value,
    /// Spans relative to the anchored node (pointer suffixes).
    spans: Vec<(String, Loc)>,
}

struct Builder<'a> {
    parser: Parser<'a, StrInput<'a>>,
    anchors: HashMap<usize, Anchored>,
    spans: Vec<(String, Loc)>,
    notes: Vec<Note>,
    nodes: usize,
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), YamlError> {
        match self.parser.next_event() {
            Some(Ok(pair)) => Ok(pair),
            Some(Err(e)) => {
                let m = e.marker();
                Err(YamlError {
                    loc: Loc {
                        line: m.line(),
                        column: m.col() + 1,
                    },
                    message: e.info().to_string(),
                })
            }
            None => Err(YamlError {
                loc: Loc { line: 1, column: 1 },
                message: "unexpected end of input".into(),
            }),
        }
    }

    fn count(&mut self, span: &Span, n: usize) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(err_at(
                span,
                format!("the document expands to more than {MAX_NODES} values (alias bomb?)"),
            ));
        }
        Ok(())
    }

    /// Builds the node that starts with `ev`, recording spans under `path`.
    fn node(
        &mut self,
        ev: Event<'a>,
        span: Span,
        path: String,
        depth: usize,
    ) -> Result<Value, YamlError> {
        if depth > MAX_DEPTH {
            return Err(err_at(
                &span,
                format!("values nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.count(&span, 1)?;
        let loc = Loc::from_span(&span);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let v = self.scalar(&text, style, tag.as_deref(), &span, &path)?;
                self.spans.push((path.clone(), loc));
                if anchor != 0 {
                    self.anchors.insert(
                        anchor,
                        Anchored {
                            value: v.clone(),
                            spans: vec![(String::new(), loc)],
                        },
                    );
                }
                Ok(v)
            }
            Event::Alias(id) => {
                let Some(n) = self.anchors.get(&id).map(|a| a.spans.len()) else {
                    return Err(err_at(&span, "unknown alias"));
                };
                // Counted before anything is copied: an alias bomb stops before it costs memory.
                self.count(&span, n)?;
                let a = &self.anchors[&id];
                let value = a.value.clone();
                let rel: Vec<(String, Loc)> = a.spans.clone();
                for (suffix, l) in rel {
                    self.spans.push((format!("{path}{suffix}"), l));
                }
                self.spans.push((path, loc));
                Ok(value)
            }
            Event::SequenceStart(anchor, _) => {
                let mark = self.spans.len();
                self.spans.push((path.clone(), loc));
                let mut items = Vec::new();
                loop {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    let p = format!("{path}/{}", items.len());
                    items.push(self.node(ev, span, p, depth + 1)?);
                }
                let v = Value::Array(items);
                if anchor != 0 {
                    self.remember(anchor, &v, mark, &path);
                }
                Ok(v)
            }
            Event::MappingStart(anchor, _) => {
                let mark = self.spans.len();
                self.spans.push((path.clone(), loc));
                let v = Value::Object(self.mapping(&path, depth)?);
                if anchor != 0 {
                    self.remember(anchor, &v, mark, &path);
                }
                Ok(v)
            }
            _ => Err(err_at(&span, "unexpected YAML event")),
        }
    }

    fn remember(&mut self, anchor: usize, v: &Value, mark: usize, path: &str) {
        let spans = self.spans[mark..]
            .iter()
            .filter_map(|(p, l)| p.strip_prefix(path).map(|s| (s.to_string(), *l)))
            .collect();
        self.anchors.insert(
            anchor,
            Anchored {
                value: v.clone(),
                spans,
            },
        );
    }

    fn mapping(&mut self, path: &str, depth: usize) -> Result<Map<String, Value>, YamlError> {
        let mut map = Map::new();
        let mut seen: HashMap<String, Loc> = HashMap::new();
        loop {
            let (kev, kspan) = self.next()?;
            if matches!(kev, Event::MappingEnd) {
                return Ok(map);
            }
            let kloc = Loc::from_span(&kspan);
            let key = match self.key(kev, &kspan)? {
                Key::Merge => {
                    let (vev, vspan) = self.next()?;
                    self.merge(&mut map, vev, vspan, path, depth)?;
                    continue;
                }
                Key::Name(k) => k,
            };
            let child = format!("{path}/{}", escape_pointer(&key));
            if let Some(n) = self.notes.last_mut()
                && n.pointer.is_empty()
                && n.loc == kloc
                && matches!(n.kind, NoteKind::Yaml11Key { .. })
            {
                n.pointer = child.clone();
            }
            if seen.insert(key.clone(), kloc).is_some() {
                self.notes.push(Note {
                    pointer: child.clone(),
                    loc: kloc,
                    kind: NoteKind::DuplicateKey { key: key.clone() },
                });
            }
            let (vev, vspan) = self.next()?;
            let v = self.node(vev, vspan, child.clone(), depth + 1)?;
            // The key's line is where people look for a value.
            self.spans.push((child, kloc));
            map.insert(key, v);
        }
    }

    /// Applies a `<<` merge: a map, an alias of a map, or a list of those (earlier ones win).
    fn merge(
        &mut self,
        map: &mut Map<String, Value>,
        ev: Event<'a>,
        span: Span,
        path: &str,
        depth: usize,
    ) -> Result<(), YamlError> {
        let bad = || {
            err_at(
                &span,
                "map merge requires map or sequence of maps as the value",
            )
        };
        match ev {
            Event::SequenceStart(..) => {
                let mut parts = Vec::new();
                loop {
                    let (ev, s) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    if !matches!(ev, Event::MappingStart(..) | Event::Alias(_)) {
                        return Err(bad());
                    }
                    match self.node(ev, s, path.to_string(), depth + 1)? {
                        Value::Object(m) => parts.push(m),
                        _ => return Err(bad()),
                    }
                }
                for m in parts.into_iter().rev() {
                    map.extend(m);
                }
                Ok(())
            }
            Event::MappingStart(..) | Event::Alias(_) => {
                match self.node(ev, span, path.to_string(), depth + 1)? {
                    Value::Object(m) => {
                        map.extend(m);
                        Ok(())
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    fn key(&mut self, ev: Event<'a>, span: &Span) -> Result<Key, YamlError> {
        let loc = Loc::from_span(span);
        let (value, raw_plain) = match ev {
            Event::Scalar(text, style, anchor, tag) => {
                if style == ScalarStyle::Plain && tag.is_none() && text == "<<" {
                    return Ok(Key::Merge);
                }
                let v = self.scalar(&text, style, tag.as_deref(), span, "")?;
                if anchor != 0 {
                    self.anchors.insert(
                        anchor,
                        Anchored {
                            value: v.clone(),
                            spans: Vec::new(),
                        },
                    );
                }
                let raw = (style == ScalarStyle::Plain && tag.is_none()).then(|| text.to_string());
                (v, raw)
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(a) => (a.value.clone(), None),
                None => return Err(err_at(span, "unknown alias")),
            },
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                return Err(err_at(
                    span,
                    "invalid map key: a map or list cannot be a key",
                ));
            }
            _ => return Err(err_at(span, "unexpected YAML event in a map key")),
        };
        let name = match &value {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    i.to_string()
                } else if let Some(u) = n.as_u64() {
                    u.to_string()
                } else {
                    go_format_float32(n.as_f64().unwrap_or(0.0))
                }
            }
            Value::Null => {
                return Err(err_at(
                    span,
                    "unsupported map key: null (write the key in quotes if you mean the text)",
                ));
            }
            _ => return Err(err_at(span, "invalid map key")),
        };
        if let Some(raw) = raw_plain
            && raw != name
        {
            self.notes.push(Note {
                pointer: String::new(),
                loc,
                kind: NoteKind::Yaml11Key {
                    raw,
                    helm: name.clone(),
                },
            });
        }
        Ok(Key::Name(name))
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: &Span,
        path: &str,
    ) -> Result<Value, YamlError> {
        if let Some(tag) = tag {
            return self.tagged_scalar(text, tag, span);
        }
        if style != ScalarStyle::Plain {
            return Ok(Value::String(text.to_string()));
        }
        match resolve_plain_yaml11(text) {
            Resolved::Value(v) => {
                let v12 = resolve_plain_yaml12(text);
                if !same(&v, &v12) {
                    self.notes.push(Note {
                        pointer: path.to_string(),
                        loc: Loc::from_span(span),
                        kind: NoteKind::Yaml11Value {
                            raw: text.to_string(),
                            helm: v.clone(),
                            yaml12: v12,
                        },
                    });
                }
                Ok(v)
            }
            Resolved::Merge => Ok(Value::String(text.to_string())),
            Resolved::NotJson(what) => Err(err_at(
                span,
                format!(
                    "`{text}` is the float {what}, which Helm cannot convert to JSON; quote it if you mean the text"
                ),
            )),
        }
    }

    fn tagged_scalar(&mut self, text: &str, tag: &Tag, span: &Span) -> Result<Value, YamlError> {
        let core = tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!";
        if !core {
            // Non-specific `!` and application tags: go-yaml keeps the text.
            return Ok(Value::String(text.to_string()));
        }
        let want = tag.suffix.as_str();
        let resolved = match resolve_plain_yaml11(text) {
            Resolved::Value(v) => v,
            Resolved::Merge => Value::String(text.to_string()),
            Resolved::NotJson(what) => {
                return Err(err_at(
                    span,
                    format!("`{text}` is the float {what}, which Helm cannot convert to JSON"),
                ));
            }
        };
        let fail = || {
            err_at(
                span,
                format!(
                    "cannot decode !!{} `{text}` as a !!{want}",
                    yaml_tag_of(&resolved)
                ),
            )
        };
        match want {
            "str" => Ok(Value::String(text.to_string())),
            "binary" => decode_base64(text)
                .map(Value::String)
                .ok_or_else(|| err_at(span, "!!binary value contains invalid base64 data")),
            "int" => match &resolved {
                Value::Number(n) if !n.is_f64() => Ok(resolved),
                _ => Err(fail()),
            },
            "float" => match &resolved {
                Value::Number(n) => Ok(float_value(n.as_f64().unwrap_or(0.0))),
                _ => Err(fail()),
            },
            "bool" => match &resolved {
                Value::Bool(_) => Ok(resolved),
                _ => Err(fail()),
            },
            "null" => match &resolved {
                Value::Null => Ok(resolved),
                _ => Err(fail()),
            },
            "timestamp" => Ok(Value::String(text.to_string())),
            _ => Ok(Value::String(text.to_string())),
        }
    }
}

enum Key {
    Merge,
    Name(String),
}

fn yaml_tag_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        _ => "str",
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`, used by `sigs.k8s.io/yaml` for float map keys.
fn go_format_float32(f: f64) -> String {
    let f32v = f as f32;
    if f32v.is_nan() {
        return ".nan".into();
    }
    if f32v.is_infinite() {
        return if f32v > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    // Shortest digits for f32, then Go's %g exponent rule (exp < -4 || exp >= digits count).
    let s = format!("{f32v:e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    // Shortest formatting decides with precision 6.
    if !(-4..6).contains(&exp) {
        let mut m = digits[..1].to_string();
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{esign}{:02}", exp.abs())
    } else if exp < 0 {
        format!("{sign}0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    } else {
        let e = exp as usize;
        if digits.len() > e + 1 {
            format!("{sign}{}.{}", &digits[..=e], &digits[e + 1..])
        } else {
            format!("{sign}{}{}", digits, "0".repeat(e + 1 - digits.len()))
        }
    }
}

fn decode_base64(s: &str) -> Option<String> {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let clean: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let mut acc = 0u32;
        let mut pad = 0;
        for &c in chunk {
            acc <<= 6;
            if c == b'=' {
                pad += 1;
            } else {
                acc |= T.iter().position(|&t| t == c)? as u32;
            }
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pad]);
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(s: &str) -> Value {
        parse_values(s).unwrap().value
    }

    #[test]
    fn yaml11_booleans_and_octal() {
        assert_eq!(
            v(
                "a: yes\nb: NO\nc: on\nd: 'no'\ne: 0644\nf: \"0644\"\ng: ~\nh: 1_000\ni: 0b101\nj: 08\n"
            ),
            json!({"a": true, "b": false, "c": true, "d": "no", "e": 420, "f": "0644", "g": null, "h": 1000, "i": 5, "j": 8.0})
        );
    }

    #[test]
    fn timestamps_and_keys_stay_strings() {
        assert_eq!(
            v("d: 2024-01-02\non: 1\n3: x\n"),
            json!({"d": "2024-01-02", "true": 1, "3": "x"})
        );
    }

    #[test]
    fn notes_for_differences() {
        let p = parse_values("a: yes\nb: true\nc: 0644\nd: 10\n").unwrap();
        let ptrs: Vec<_> = p.notes.iter().map(|n| n.pointer.as_str()).collect();
        assert_eq!(ptrs, vec!["/a", "/c"]);
        assert_eq!(p.loc("/c"), Some(Loc { line: 3, column: 1 }));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let p = parse_values("base: &b\n  a: 1\n  b: 2\nother:\n  <<: *b\n  b: 3\n").unwrap();
        assert_eq!(p.value["other"], json!({"a": 1, "b": 3}));
        assert!(p.loc("/other/a").is_some());
        // `y` is a YAML 1.1 boolean, so as a key it becomes "true".
        assert_eq!(v("y: 1\n"), json!({"true": 1}));
    }

    #[test]
    fn multi_documents_merge() {
        assert_eq!(v("a: 1\n---\nb: 2\n"), json!({"a": 1, "b": 2}));
        assert_eq!(v(""), json!({}));
    }

    #[test]
    fn errors_have_positions() {
        let e = parse_values("a: [1, 2\n").unwrap_err();
        assert!(e.loc.line >= 1);
        assert!(parse_values("- a\n").is_err());
        assert!(parse_values("a: .nan\n").is_err());
    }

    #[test]
    fn big_numbers() {
        assert_eq!(
            v("a: 18446744073709551615\nb: -9223372036854775808\nc: 1e999\n"),
            json!({"a": 18446744073709551615u64, "b": -9223372036854775808i64, "c": "1e999"})
        );
    }
}
