//! One [`Finding`] type for every check (YAML, schema, templates, policies, lint) and the
//! [`Report`] that collects them. Serialisable as the `--format json` output.
use serde::Serialize;
use serde_json::Value;

use crate::core::values::layers::{LayerKind, Located};
use crate::core::values::read::Loc;

/// Which check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Reading the files (syntax, YAML 1.1 meanings, duplicate keys).
    Yaml,
    /// `values.schema.json`, in-process.
    Schema,
    /// `helm template`: the chart's own checks at render time.
    Template,
    /// Rego policies on the rendered objects, in-process.
    Policy,
    /// `helm lint --strict`.
    Lint,
}

impl Source {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Source::Yaml => "yaml",
            Source::Schema => "schema",
            Source::Template => "template",
            Source::Policy => "policy",
            Source::Lint => "lint",
        }
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One problem (or note) found by one check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub source: Source,
    pub severity: Severity,
    /// Where in the values: a dotted path (`services.api.port`, `.` for the whole file); for
    /// policies, the object (`Deployment/shop`).
    pub path: String,
    /// The file the value was set in (as the user named it), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The offending value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The rule: a schema keyword and location, a policy and its rule, a lint check.
    pub rule: String,
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// For findings about rendered objects: `Kind/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The value comes from the chart's own defaults, not from the team's files.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub chart_default: bool,
}

impl Finding {
    /// A finding with the required parts; the rest start empty.
    pub fn new(
        source: Source,
        severity: Severity,
        path: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let path = path.into();
        Finding {
            source,
            severity,
            path: if path.is_empty() { ".".into() } else { path },
            file: None,
            line: None,
            column: None,
            value: None,
            rule: rule.into(),
            message: message.into(),
            fix: None,
            object: None,
            chart_default: false,
        }
    }

    /// Places the finding at `loc` in `file`. The one place a finding gets its file:line.
    pub(crate) fn at(&mut self, file: impl Into<String>, loc: Option<Loc>) {
        self.file = Some(file.into());
        self.line = loc.map(|l| l.line);
        self.column = loc.map(|l| l.column);
    }

    /// Places the finding where a value was found in the layered values (when it was).
    pub(crate) fn place(&mut self, located: Option<Located>) {
        if let Some(l) = located {
            self.chart_default = l.kind == LayerKind::ChartDefaults;
            self.at(l.file, l.loc);
        }
    }

    /// The finding's one line as segments, each with the theme role that styles it (`path`,
    /// `error`, `warning`, `info`, `accent` for the fix, `muted`; `""` for plain text). The CLI
    /// paints them into text, the TUI into styled spans: the same words in both.
    pub(crate) fn segments(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        let role = self.severity.as_str();
        if let Some(loc) = self.location() {
            out.push(("path", loc));
            if self.chart_default {
                out.push(("muted", " (chart default)".into()));
            }
            out.push(("", " ".into()));
        } else if let Some(obj) = &self.object
            && !self.message.starts_with(obj.as_str())
        {
            out.push(("path", obj.clone()));
            out.push(("", ": ".into()));
        }
        match self.severity {
            Severity::Error => out.push((role, self.message.clone())),
            Severity::Warning => {
                out.push((role, "warning: ".into()));
                out.push(("", self.message.clone()));
            }
            Severity::Info => {
                out.push((role, "info: ".into()));
                out.push(("", self.message.clone()));
            }
        }
        if let Some(fix) = &self.fix {
            out.push(("", " ".into()));
            out.push(("accent", fix.clone()));
        }
        let tag = match self.source {
            Source::Policy => format!("[policy {}]", self.rule),
            Source::Lint => "[helm lint]".to_string(),
            other => format!("[{}]", other.as_str()),
        };
        out.push(("", " ".into()));
        out.push(("muted", tag));
        out
    }

    /// The finding as one line of text; `paint(role, text)` colours the segments that have a role.
    pub(crate) fn to_text_with(&self, paint: &dyn Fn(&str, &str) -> String) -> String {
        self.segments()
            .into_iter()
            .map(|(role, text)| {
                if role.is_empty() {
                    text
                } else {
                    paint(role, &text)
                }
            })
            .collect()
    }

    /// The finding as one line of plain text.
    pub(crate) fn to_text(&self) -> String {
        self.to_text_with(&|_, t| t.to_string())
    }

    /// The `file:line` prefix of the text form, if the location is known.
    pub(crate) fn location(&self) -> Option<String> {
        match (&self.file, self.line) {
            (Some(f), Some(l)) => Some(format!("{f}:{l}")),
            (Some(f), None) => Some(f.clone()),
            _ => None,
        }
    }
}

/// One check as run (or skipped) for a report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub source: Source,
    pub ran: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Wall time in milliseconds.
    pub millis: f64,
    pub errors: usize,
    pub warnings: usize,
}

/// Everything `validate` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    /// The environment validated, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The values files, in the order Helm applies them.
    pub files: Vec<String>,
    pub checks: Vec<Check>,
    pub findings: Vec<Finding>,
    /// Rendered objects checked by the policies.
    pub objects: usize,
    /// Timings for the benchmark: in-process checks against the helm calls.
    pub timings: Timings,
}

/// Wall times in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub parse: f64,
    pub schema: f64,
    pub policies: f64,
    pub in_process: f64,
    pub helm_template: f64,
    pub helm_lint: f64,
    pub total: f64,
}

impl Report {
    /// Sorts findings (errors first, then by source, file and line) and fills in the counts.
    pub fn finish(&mut self) {
        self.findings.sort_by(|a, b| {
            (a.severity, a.source, &a.file, a.line, &a.path, &a.message)
                .cmp(&(b.severity, b.source, &b.file, b.line, &b.path, &b.message))
        });
        self.findings.dedup();
        self.errors = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        self.warnings = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        for c in &mut self.checks {
            c.errors = self
                .findings
                .iter()
                .filter(|f| f.source == c.source && f.severity == Severity::Error)
                .count();
            c.warnings = self
                .findings
                .iter()
                .filter(|f| f.source == c.source && f.severity == Severity::Warning)
                .count();
        }
        self.ok = self.errors == 0;
    }
}
