//! Writing values as YAML that means the same thing to Helm (YAML 1.1) and to editors (YAML 1.2):
//! block style, two-space indents, and quotes around any string either reading would not take as
//! that string (`"yes"`, `"NO"`, `"0644"`, `"1_000"`, `"on"`, `""`, …).
use serde_json::Value;

use crate::core::values::read::{Resolved, resolve_plain_yaml11, resolve_plain_yaml12};

/// The values as a YAML document body (no `---`), ending with a newline; `{}` when empty.
pub(crate) fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => emit_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => emit_seq(a, 0, &mut out),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

/// A scalar or empty collection on one line.
pub(crate) fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", key(k), inline(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// A string as a YAML scalar: plain when that is unambiguous, double-quoted otherwise.
pub(crate) fn scalar(s: &str) -> String {
    if needs_quotes(s) {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    } else {
        s.to_string()
    }
}

/// A map key, quoted when needed.
pub(crate) fn key(k: &str) -> String {
    scalar(k)
}

/// Whether `s` written plain would be read as something other than this string by YAML 1.1 or
/// YAML 1.2, or would not parse as a plain scalar at all.
pub(crate) fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    if resolve_plain_yaml11(s) != Resolved::Value(Value::String(s.to_string())) {
        return true;
    }
    if resolve_plain_yaml12(s) != Value::String(s.to_string()) {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-x`, `:x`, `?x` are plain in some positions but not all; quote them all.
        return true;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    if s.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return true;
    }
    // Flow indicators would break inline lists; quote them everywhere for one simple rule.
    if s.contains(['{', '}', '[', ']', ',']) {
        return true;
    }
    false
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

fn block_string(s: &str) -> Option<String> {
    if !s.contains('\n')
        || s.starts_with([' ', '\t', '\n'])
        || s.chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{feff}')
        || s.lines().any(|l| l.ends_with([' ', '\t']))
    {
        return None;
    }
    let chomp = if s.ends_with("\n\n") {
        "+"
    } else if s.ends_with('\n') {
        ""
    } else {
        "-"
    };
    Some(format!("|{chomp}"))
}

fn emit_value_after_key(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            emit_map(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            emit_seq(a, indent + 2, out);
        }
        Value::String(s) => {
            if let Some(header) = block_string(s) {
                out.push(' ');
                out.push_str(&header);
                out.push('\n');
                let body = s.strip_suffix('\n').unwrap_or(s);
                let body = if header == "|+" {
                    s.strip_suffix('\n').unwrap_or(s)
                } else {
                    body
                };
                for line in body.split('\n') {
                    if !line.is_empty() {
                        pad(out, indent + 2);
                        out.push_str(line);
                    }
                    out.push('\n');
                }
            } else {
                out.push(' ');
                out.push_str(&scalar(s));
                out.push('\n');
            }
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn emit_map(m: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (k, v) in m {
        pad(out, indent);
        out.push_str(&key(k));
        out.push(':');
        emit_value_after_key(v, indent, out);
    }
}

fn emit_seq(a: &[Value], indent: usize, out: &mut String) {
    for v in a {
        pad(out, indent);
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                // First key on the dash line, the rest aligned under it.
                let mut first = true;
                for (k, val) in m {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        pad(out, indent + 2);
                    }
                    out.push_str(&key(k));
                    out.push(':');
                    emit_value_after_key(val, indent + 2, out);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                emit_seq(inner, indent + 2, out);
            }
            other => {
                if let Value::String(s) = other
                    && block_string(s).is_some()
                {
                    emit_value_after_key(other, indent, out);
                } else {
                    out.push(' ');
                    out.push_str(&inline(other));
                    out.push('\n');
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::values::read::parse_values;
    use serde_json::json;

    #[test]
    fn round_trips_through_helm_reading() {
        let v = json!({
            "a": "yes", "b": "NO", "c": "0644", "d": "", "e": "1_000", "f": "plain text",
            "g": {"h": [1, "on", {"i": "x: y", "j": [true, null]}], "k": {}},
            "l": "multi\nline\n", "m": "no newline\nat end", "n": 1.5, "o": "#comment",
            "p": "2024-01-01", "q": [[1, 2], []], "r": "a\n\n", "s": "-dash", "on": 1
        });
        let text = to_yaml(&v);
        let back = parse_values(&text).unwrap().value;
        assert_eq!(back, v, "{text}");
    }
}
