//! Text and JSON output: findings, reports, tables, with colours from the theme (none when
//! `NO_COLOR` is set, the output is not a terminal, or the format is JSON).
use std::collections::BTreeMap;
use std::io::IsTerminal;

use serde::Serialize;

use crate::core::check::report::{Finding, Report};
use crate::core::inputs::themes::Theme;

/// Applies a theme's colours, or nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Styler {
    codes: BTreeMap<String, String>,
}

impl Styler {
    /// A styler for `theme` if colour is wanted on this stream.
    pub(crate) fn new(theme: Option<&Theme>, want_colour: bool) -> Self {
        let mut codes = BTreeMap::new();
        if want_colour && let Some(t) = theme {
            for (role, spec) in &t.colors {
                if let Some(c) = sgr(spec) {
                    codes.insert(role.clone(), c);
                }
            }
        }
        Styler { codes }
    }

    /// `text` in the colour of `role`.
    pub(crate) fn paint(&self, role: &str, text: &str) -> String {
        match self.codes.get(role) {
            Some(c) if !text.is_empty() => format!("\x1b[{c}m{text}\x1b[0m"),
            _ => text.to_string(),
        }
    }
}

/// Whether colour is wanted: `NO_COLOR` unset or empty, and `is_tty`.
pub fn colour_wanted(is_tty: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && is_tty
}

/// Whether stdout is a terminal.
pub(crate) fn stdout_tty() -> bool {
    std::io::stdout().is_terminal()
}

/// Whether stderr is a terminal.
pub fn stderr_tty() -> bool {
    std::io::stderr().is_terminal()
}

/// A colour spec (`red bold`, `#rrggbb`, `bright-cyan`, `none bold`) as SGR parameters.
pub(crate) fn sgr(spec: &str) -> Option<String> {
    let mut parts = Vec::new();
    for word in spec.split_whitespace() {
        let w = word.to_ascii_lowercase();
        let code = match w.as_str() {
            "none" | "default" => continue,
            "bold" => "1".to_string(),
            "dim" => "2".to_string(),
            "italic" => "3".to_string(),
            "underline" => "4".to_string(),
            _ => {
                if let Some(hex) = w.strip_prefix('#') {
                    if hex.len() != 6 {
                        continue;
                    }
                    let n = u32::from_str_radix(hex, 16).ok()?;
                    format!("38;2;{};{};{}", n >> 16, (n >> 8) & 0xff, n & 0xff)
                } else {
                    let (bright, name) = match w.strip_prefix("bright-") {
                        Some(n) => (true, n),
                        None => (false, w.as_str()),
                    };
                    let idx = [
                        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
                    ]
                    .iter()
                    .position(|c| *c == name)?;
                    ((if bright { 90 } else { 30 }) + idx).to_string()
                }
            }
        };
        parts.push(code);
    }
    (!parts.is_empty()).then(|| parts.join(";"))
}

/// One finding as a line of text (plain when `s` has no colours).
pub(crate) fn finding_line(f: &Finding, s: &Styler) -> String {
    f.to_text_with(&|role, text| s.paint(role, text))
}

/// The report as text: each finding, then a summary.
pub(crate) fn report_text(r: &Report, s: &Styler) -> String {
    let mut out = String::new();
    for f in &r.findings {
        out.push_str(&finding_line(f, s));
        out.push('\n');
    }
    let checks: Vec<String> = r
        .checks
        .iter()
        .map(|c| {
            if c.ran {
                format!("{} {}", c.source.as_str(), c.errors)
            } else {
                format!(
                    "{} skipped ({})",
                    c.source.as_str(),
                    c.skipped.as_deref().unwrap_or("")
                )
            }
        })
        .collect();
    let env = r
        .environment
        .as_deref()
        .map(|e| format!(" for {e}"))
        .unwrap_or_default();
    let summary = if r.ok {
        s.paint(
            "ok",
            &format!(
                "ok: {} valid{env}{}",
                r.files.join(" + "),
                if r.warnings > 0 {
                    format!(", {} warning{}", r.warnings, plural(r.warnings))
                } else {
                    String::new()
                }
            ),
        )
    } else {
        s.paint(
            "error",
            &format!(
                "failed: {} error{}, {} warning{} in {}{env}",
                r.errors,
                plural(r.errors),
                r.warnings,
                plural(r.warnings),
                r.files.join(" + ")
            ),
        )
    };
    out.push_str(&summary);
    out.push_str(&s.paint(
        "muted",
        &format!(" (errors by check: {})", checks.join(", ")),
    ));
    out.push('\n');
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A simple left-aligned table.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>], s: &Styler) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| {
        let n = cells.len();
        cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                if i + 1 == n {
                    c
                } else {
                    let pad = widths[i].saturating_sub(c.chars().count());
                    format!("{c}{}", " ".repeat(pad + 2))
                }
            })
            .collect::<String>()
    };
    out.push_str(&s.paint(
        "muted",
        &line(headers.iter().map(|h| h.to_string()).collect()),
    ));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.clone()));
        out.push('\n');
    }
    out
}

/// Pretty JSON with a trailing newline.
pub(crate) fn json<T: Serialize>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
