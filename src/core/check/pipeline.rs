//! `render` and `validate`: the team's layered files through every check, into one [`Report`].
//!
//! 1. the files, read as Helm reads them (syntax errors, YAML 1.1 surprises, duplicate keys);
//! 2. the merged values against the schema, in-process;
//! 3. `helm template` (schema check skipped: done above), whose failures carry a value path;
//! 4. the policies on every rendered object, in-process;
//! 5. `helm lint --strict`, run alongside the template call.
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;

use crate::core::base::error::{Error, Result};
use crate::core::base::helm;
use crate::core::check::Checker;
use crate::core::check::lint;
use crate::core::check::manifests::{self, Object};
use crate::core::check::policies::Policies;
use crate::core::check::report::{Check, Finding, Report, Severity, Source, Timings};
use crate::core::check::schema::SchemaCheck;
use crate::core::inputs::chart::Chart;
use crate::core::inputs::{Inputs, ValuesFile};
use crate::core::values::layers::{Layer, LayerKind, Merged};
use crate::core::values::pointer::{pointer_from_segments, pointer_to_path};
use crate::core::values::read::{Loc, NoteKind, describe_type, parse_values};
use crate::core::values::setexpr::SetExpr;
use crate::core::values::yamlout;

/// Reads and parses the files; a file that does not parse becomes an error finding.
pub(crate) fn read_layers(files: &[ValuesFile]) -> Result<(Vec<Layer>, Vec<Finding>)> {
    let mut layers = Vec::new();
    let mut findings = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f.path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Usage(format!("values file {} not found", f.display))
            } else {
                Error::io(&f.path, e)
            }
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                findings.push(not_utf8(&f.display, e.as_bytes(), e.utf8_error()));
                continue;
            }
        };
        match layer_from_text(&f.display, &text) {
            Ok(l) => layers.push(l),
            Err(finding) => findings.push(*finding),
        }
    }
    Ok((layers, findings))
}

/// The finding for a file that is not UTF-8 text, at the line of the first bad byte.
fn not_utf8(display: &str, bytes: &[u8], e: std::str::Utf8Error) -> Finding {
    let at = e.valid_up_to();
    let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
    let column = 1 + at
        - bytes[..at]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
    unreadable(
        display,
        Loc { line, column },
        format!(
            "the file is not UTF-8 text: byte 0x{:02x} at offset {at} cannot start a character.",
            bytes.get(at).copied().unwrap_or(0)
        ),
        "Save the file as UTF-8 (Helm reads values as UTF-8); check it is the values file you meant.",
    )
}

/// The error finding for a file that cannot be read as values, at `loc`.
fn unreadable(display: &str, loc: Loc, message: String, fix: &str) -> Finding {
    let mut f = Finding::new(Source::Yaml, Severity::Error, ".", "yaml syntax", message);
    f.at(display, Some(loc));
    f.fix = Some(fix.into());
    f
}

/// One file's text as a layer, or the finding that says why it does not parse.
pub fn layer_from_text(display: &str, text: &str) -> std::result::Result<Layer, Box<Finding>> {
    match parse_values(text) {
        Ok(parsed) => Ok(Layer {
            name: display.to_string(),
            kind: LayerKind::File,
            parsed,
        }),
        Err(e) => Err(Box::new(unreadable(
            display,
            e.loc,
            format!(
                "the file is not valid YAML: {}.",
                e.message.trim_end_matches('.')
            ),
            "Fix the YAML at this line (indentation, a missing `:` or quote).",
        ))),
    }
}

/// Warnings about what Helm will read differently from what the file seems to say.
pub(crate) fn note_findings(merged: &Merged) -> Vec<Finding> {
    let mut out = Vec::new();
    for layer in merged.layers.iter().filter(|l| l.kind == LayerKind::File) {
        for n in &layer.parsed.notes {
            let (path, message, fix, value) = match &n.kind {
                NoteKind::Yaml11Value { raw, helm, yaml12 } => {
                    let path = pointer_to_path(&n.pointer);
                    let helm_s = yamlout::inline(helm);
                    let y12 = match yaml12 {
                        Value::String(s) => format!("the string \"{s}\""),
                        other => format!(
                            "{} {}",
                            describe_type(other)
                                .trim_start_matches("a ")
                                .trim_start_matches("an "),
                            yamlout::inline(other)
                        ),
                    };
                    let fix = match helm {
                        Value::Bool(_) => format!(
                            "Write {helm_s} if you mean the boolean, or \"{raw}\" in quotes for the text."
                        ),
                        Value::Number(_) => format!(
                            "Write {helm_s} if you mean that number, or \"{raw}\" in quotes for the text."
                        ),
                        _ => format!("Write \"{raw}\" in quotes if you mean the text."),
                    };
                    (
                        path.clone(),
                        format!(
                            "{path}: {raw} means {} to Helm (YAML 1.1) but {y12} to YAML 1.2 tools and editors.",
                            describe_helm(helm)
                        ),
                        fix,
                        Some(helm.clone()),
                    )
                }
                NoteKind::Yaml11Key { raw, helm } => (
                    pointer_to_path(&n.pointer),
                    format!("the key {raw} is read by Helm (YAML 1.1) as \"{helm}\"."),
                    format!("Write \"{raw}\" in quotes to keep the key as written."),
                    None,
                ),
                NoteKind::DuplicateKey { key } => {
                    let path = pointer_to_path(&n.pointer);
                    (
                        path.clone(),
                        format!(
                            "{path}: the key \"{key}\" appears more than once in the same map; Helm keeps the last one."
                        ),
                        "Remove the duplicate.".into(),
                        None,
                    )
                }
                NoteKind::MultipleDocuments { count } => (
                    ".".into(),
                    format!(
                        "the file has {count} YAML documents; Helm 4 merges them, Helm 3 reads only the first."
                    ),
                    "Keep one document per values file.".into(),
                    None,
                ),
            };
            let mut f = Finding::new(Source::Yaml, Severity::Warning, path, "yaml 1.1", message);
            if matches!(n.kind, NoteKind::DuplicateKey { .. }) {
                f.rule = "duplicate key".into();
            } else if matches!(n.kind, NoteKind::MultipleDocuments { .. }) {
                f.rule = "multiple documents".into();
            }
            f.fix = Some(fix);
            f.value = value;
            f.at(layer.name.clone(), Some(n.loc));
            out.push(f);
        }
    }
    out
}

fn describe_helm(v: &Value) -> String {
    match v {
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Null => "null".into(),
        other => yamlout::inline(other),
    }
}

/// The in-process checks on already-read layers: notes and schema. Used by `validate` and by
/// anything that wants fast feedback (the TUI, the fuzz test).
pub fn check_in_process(
    chart: &Chart,
    schema: Option<&SchemaCheck>,
    files: Vec<Layer>,
    sets: &[SetExpr],
) -> (Merged, Vec<Finding>) {
    let merged = Merged::build(chart.defaults_layer(), files, sets);
    let mut findings = note_findings(&merged);
    if let Some(s) = schema {
        findings.extend(s.check(&merged));
    }
    (merged, findings)
}

/// A template-time failure as a finding, located in the team's files.
pub(crate) fn failure_finding(
    f: &helm::ChartFailure,
    merged: Option<&Merged>,
    source: Source,
) -> Finding {
    match &f.path {
        Some(path) => {
            let message = format!(
                "{path}: {}, got {}.",
                f.problem.as_deref().unwrap_or(""),
                f.value
                    .as_ref()
                    .map(|v| serde_json::to_string(v).unwrap_or_default())
                    .unwrap_or_default()
            );
            let mut finding = Finding::new(
                source,
                Severity::Error,
                path.clone(),
                format!(
                    "chart check ({})",
                    f.template.as_deref().unwrap_or("templates")
                ),
                message,
            );
            finding.fix = f.fix.clone();
            finding.value = f.value.clone();
            if let Some(m) = merged {
                let segs: Vec<&str> = path.split('.').collect();
                finding.place(m.locate(&pointer_from_segments(&segs)));
            }
            finding
        }
        None => {
            let mut finding = Finding::new(
                source,
                Severity::Error,
                ".",
                "helm template",
                f.message.clone(),
            );
            finding.fix =
                Some("See the message above; `apwiz render` shows the full helm output.".into());
            finding
        }
    }
}

/// Findings from `helm lint --strict` output (warnings count as errors under --strict).
pub(crate) fn lint_findings(out: &helm::Output, merged: Option<&Merged>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        let line = line.trim();
        let (severity, rest) = if let Some(r) = line.strip_prefix("[ERROR] ") {
            (Severity::Error, r)
        } else if let Some(r) = line.strip_prefix("[WARNING] ") {
            (Severity::Error, r)
        } else if let Some(r) = line.strip_prefix("[INFO] ") {
            (Severity::Info, r)
        } else {
            continue;
        };
        let (target, msg) = rest.split_once(": ").unwrap_or(("", rest));
        if let Some(after) = msg.strip_prefix("execution error at (")
            && let Some(close) = after.find("): ")
        {
            let failure =
                helm::parse_chart_message(Some(after[..close].to_string()), &after[close + 3..]);
            let mut f = failure_finding(&failure, merged, Source::Lint);
            f.severity = severity;
            findings.push(f);
            continue;
        }
        let mut f = Finding::new(
            Source::Lint,
            severity,
            ".",
            format!(
                "helm lint ({})",
                if target.is_empty() { "chart" } else { target }
            ),
            msg.to_string(),
        );
        if line.starts_with("[WARNING]") {
            f.fix = Some(
                "helm lint --strict fails on warnings; fix the chart or the values it names."
                    .into(),
            );
        }
        findings.push(f);
    }
    if !out.success && findings.iter().all(|f| f.severity != Severity::Error) {
        let mut f = Finding::new(
            Source::Lint,
            Severity::Error,
            ".",
            "helm lint",
            format!(
                "helm lint failed: {}",
                first_error_line(&out.stderr, &out.stdout)
            ),
        );
        f.fix = Some(
            "Run the helm lint command shown by --format json (argv) to see the full output."
                .into(),
        );
        findings.push(f);
    }
    findings
}

fn first_error_line(stderr: &str, stdout: &str) -> String {
    stderr
        .lines()
        .chain(stdout.lines())
        .find(|l| l.starts_with("Error:"))
        .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("no output")
        .trim()
        .to_string()
}

/// Helm's warnings on stderr (values it ignored, e.g. a table overwritten by a scalar).
fn helm_warnings(stderr: &str) -> Vec<Finding> {
    stderr
        .lines()
        .filter(|l| {
            let l = l.to_lowercase();
            (l.contains("warning:") || l.contains("level=warn")) && !l.contains("funcmap fail")
        })
        .map(|l| {
            let mut f = Finding::new(
                Source::Template,
                Severity::Warning,
                ".",
                "helm warning",
                l.trim().to_string(),
            );
            f.fix = Some("Helm ignored part of the values; check the key it names.".into());
            f
        })
        .collect()
}

/// The result of `render`.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    pub manifests: String,
    pub objects: Vec<Object>,
    pub findings: Vec<Finding>,
}

fn helm_args(chart: &Chart, inputs: &Inputs, skip_schema: bool) -> helm::Args {
    helm::Args {
        release: inputs.release.clone(),
        chart: chart.path.clone(),
        namespace: inputs.namespace.clone(),
        value_files: inputs.files.iter().map(|f| f.path.clone()).collect(),
        sets: inputs.sets.iter().map(|s| s.raw.clone()).collect(),
        kube_version: inputs.kube_version.clone(),
        skip_schema,
    }
}

/// Runs `helm template` on the inputs (Helm's own schema check included). Owned inputs: the
/// future is `'static`, so a [`Latest`](crate::core::base::jobs::Latest) slot can run and supersede it.
pub(crate) async fn render(checker: Checker, inputs: Inputs) -> Result<Rendered> {
    let helm = checker.helm.clone().ok_or_else(helm::not_found)?;
    let chart = checker.chart.clone();
    let (files, sets) = (inputs.files.clone(), inputs.sets.clone());
    let (mut findings, merged) = off_thread(move || -> Result<_> {
        let (layers, findings) = read_layers(&files)?;
        let merged = findings
            .is_empty()
            .then(|| Merged::build(chart.defaults_layer(), layers, &sets));
        Ok((findings, merged))
    })
    .await??;
    let chart = &checker.chart;
    let output = helm.template(&helm_args(chart, &inputs, false)).await?;
    let mut objects = Vec::new();
    if output.success {
        objects = manifests::parse(&output.stdout).map_err(|(loc, msg)| {
            Error::Invalid(format!(
                "helm printed manifests that do not parse (line {}): {msg}",
                loc.line
            ))
        })?;
    } else if output
        .stderr
        .contains("don't meet the specifications of the schema")
        && let (Some(schema), Some(m)) = (&checker.schema, merged.clone())
    {
        // Helm's own schema check failed: say it with files and lines.
        let schema = schema.clone();
        findings.extend(off_thread(move || schema.check(&m)).await?);
        if findings.is_empty() {
            findings.push(Finding::new(
                Source::Template,
                Severity::Error,
                ".",
                "helm schema check",
                first_error_line(&output.stderr, &output.stdout),
            ));
        }
    } else {
        for failure in helm::parse_failures(&output.stderr) {
            findings.push(failure_finding(&failure, merged.as_ref(), Source::Template));
        }
        if findings.is_empty() {
            findings.push(template_failure(&output));
        }
    }
    Ok(Rendered {
        manifests: output.stdout,
        objects,
        findings,
    })
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs every check and returns one report. Owned inputs: the future is `'static`, so a
/// [`Latest`](crate::core::base::jobs::Latest) slot can run it and drop it when a newer request comes
/// (dropping kills its helm processes). Parsing, the schema and the policies run on the blocking
/// pool, never on an async worker thread.
///
/// `helm lint --strict` runs once per chart version (the chart alone, [`lint::chart_lint`]);
/// the team's own lint only when its render could add to what the chart's lint says
/// ([`lint::team_lint_needed`]) — the findings are those of the team's own lint either way.
pub async fn validate(checker: Checker, inputs: Inputs) -> Result<Report> {
    validate_with(checker, inputs, LintScope::Chart).await
}

/// [`validate`] with the team's own `helm lint --strict` every time (the way it ran before
/// lint was split by what it depends on): the reference the split is compared with in
/// tests/check_jobs.rs.
pub async fn validate_linting_the_team(checker: Checker, inputs: Inputs) -> Result<Report> {
    validate_with(checker, inputs, LintScope::Team).await
}

/// Which `helm lint` a validation runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum LintScope {
    /// The chart alone (cached), the team's own only when its render needs it.
    Chart,
    /// The team's own, always.
    Team,
}

async fn validate_with(checker: Checker, inputs: Inputs, scope: LintScope) -> Result<Report> {
    let total = Instant::now();
    let mut report = Report {
        ok: true,
        errors: 0,
        warnings: 0,
        environment: inputs.environment.clone(),
        files: inputs.files.iter().map(|f| f.display.clone()).collect(),
        checks: Vec::new(),
        findings: Vec::new(),
        objects: 0,
        timings: Timings::default(),
    };
    let stage = {
        let (chart, schema) = (checker.chart.clone(), checker.schema.clone());
        let (files, sets) = (inputs.files.clone(), inputs.sets.clone());
        off_thread(move || in_process(&chart, schema.as_deref(), &files, &sets)).await??
    };
    let mut timings = stage.timings;
    report.findings = stage.findings;
    report.checks = stage.checks;
    let Some(merged) = stage.merged else {
        for s in [Source::Template, Source::Policy, Source::Lint] {
            report
                .checks
                .push(skipped(s, "a values file does not parse"));
        }
        timings.total = ms(total.elapsed());
        report.timings = timings;
        report.finish();
        return Ok(report);
    };

    match &checker.helm {
        None => {
            for s in [Source::Template, Source::Policy, Source::Lint] {
                report.checks.push(skipped(s, "--no-helm"));
            }
        }
        Some(helm) => {
            helm_checks(
                &checker,
                &inputs,
                scope,
                helm,
                merged,
                &mut report,
                &mut timings,
            )
            .await?
        }
    }
    timings.in_process = timings.parse + timings.schema + timings.policies;
    timings.total = ms(total.elapsed());
    report.timings = timings;
    report.finish();
    Ok(report)
}

/// The checks that need helm: `helm template` and `helm lint` side by side, the policies on
/// the render, the team's own lint when `scope` and the render call for it, and what lint adds
/// to the template's findings.
async fn helm_checks(
    checker: &Checker,
    inputs: &Inputs,
    scope: LintScope,
    helm: &helm::Helm,
    merged: Merged,
    report: &mut Report,
    timings: &mut Timings,
) -> Result<()> {
    let args = helm_args(&checker.chart, inputs, true);
    let (tpl, lint) = match scope {
        LintScope::Chart => tokio::join!(helm.template(&args), lint::chart_lint(helm, &args)),
        LintScope::Team => tokio::join!(helm.template(&args), helm.lint(&args)),
    };
    let tpl = tpl?;
    let mut lint = lint?;
    timings.helm_template = ms(tpl.duration);
    timings.helm_lint = ms(lint.duration);
    report
        .checks
        .push(ran(Source::Template, timings.helm_template));
    report.findings.extend(helm_warnings(&tpl.stderr));
    let merged = Arc::new(merged);
    // The render's objects, when it succeeded and parsed (for the lint decision).
    let (objects, parsed) = if tpl.success {
        policies_on_render(checker, &tpl.stdout, merged.clone(), report, timings).await?
    } else {
        template_failed(checker, &tpl, &merged, report);
        (Vec::new(), false)
    };
    if scope == LintScope::Chart {
        let needed = if parsed {
            lint::team_lint_needed(&lint, &objects, &inputs.release)
        } else {
            Some("the render failed".into())
        };
        if needed.is_some() {
            let own = helm.lint(&args).await?;
            timings.helm_lint += ms(own.duration);
            lint = own;
        }
    }
    // Lint repeats template failures; keep only what it adds.
    let template_msgs: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.source == Source::Template)
        .map(|f| f.message.clone())
        .collect();
    report.findings.extend(
        lint_findings(&lint, Some(&merged))
            .into_iter()
            .filter(|f| !template_msgs.contains(&f.message)),
    );
    report.checks.push(ran(Source::Lint, timings.helm_lint));
    Ok(())
}

/// The render parsed into objects and the policies run on it (off the async workers); returns
/// the objects and whether the render parsed.
async fn policies_on_render(
    checker: &Checker,
    stdout: &str,
    merged: Arc<Merged>,
    report: &mut Report,
    timings: &mut Timings,
) -> Result<(Vec<Object>, bool)> {
    let policies = checker.policies.clone();
    let stdout = stdout.to_string();
    let after = off_thread(move || after_render(&stdout, policies.as_deref(), &merged)).await?;
    report.objects = after.objects.len();
    report.findings.extend(after.findings);
    timings.policies += after.millis;
    report.checks.push(match (&checker.policies, after.parsed) {
        (Some(_), true) => ran(Source::Policy, timings.policies),
        (Some(_), false) => skipped(Source::Policy, "nothing rendered"),
        (None, _) => no_policies(checker),
    });
    Ok((after.objects, after.parsed))
}

/// `helm template` failed: its failures as findings at their values (its first error line when
/// it names none), and the policies skipped.
fn template_failed(checker: &Checker, tpl: &helm::Output, merged: &Merged, report: &mut Report) {
    let failures = helm::parse_failures(&tpl.stderr);
    if failures.is_empty() {
        report.findings.push(template_failure(tpl));
    }
    for f in failures {
        report
            .findings
            .push(failure_finding(&f, Some(merged), Source::Template));
    }
    report.checks.push(match &checker.policies {
        Some(_) => skipped(Source::Policy, "nothing rendered"),
        None => no_policies(checker),
    });
}

/// `helm template` failed naming no value: its first error line.
fn template_failure(out: &helm::Output) -> Finding {
    Finding::new(
        Source::Template,
        Severity::Error,
        ".",
        "helm template",
        format!(
            "helm template failed: {}",
            first_error_line(&out.stderr, &out.stdout)
        ),
    )
}

/// The policy check skipped because there are none (and why, when the checker says).
fn no_policies(checker: &Checker) -> Check {
    skipped(
        Source::Policy,
        checker.policies_skipped.as_deref().unwrap_or("no policies"),
    )
}

/// What the in-process stage found: the merged values (`None` when a file does not parse).
struct InProcess {
    merged: Option<Merged>,
    findings: Vec<Finding>,
    checks: Vec<Check>,
    timings: Timings,
}

/// Files read as Helm reads them, merged, their YAML 1.1 notes and the schema check.
fn in_process(
    chart: &Chart,
    schema: Option<&SchemaCheck>,
    files: &[ValuesFile],
    sets: &[SetExpr],
) -> Result<InProcess> {
    let mut timings = Timings::default();
    let t = Instant::now();
    let (layers, parse_errors) = read_layers(files)?;
    timings.parse = ms(t.elapsed());
    let yaml_check = |millis| Check {
        source: Source::Yaml,
        ran: true,
        skipped: None,
        millis,
        errors: 0,
        warnings: 0,
    };
    if !parse_errors.is_empty() {
        return Ok(InProcess {
            merged: None,
            findings: parse_errors,
            checks: vec![
                yaml_check(timings.parse),
                skipped(Source::Schema, "a values file does not parse"),
            ],
            timings,
        });
    }
    let t = Instant::now();
    let merged = Merged::build(chart.defaults_layer(), layers, sets);
    let mut findings = note_findings(&merged);
    timings.parse += ms(t.elapsed());
    let mut checks = vec![yaml_check(timings.parse)];
    let t = Instant::now();
    match schema {
        Some(s) => {
            findings.extend(s.check(&merged));
            timings.schema = ms(t.elapsed());
            checks.push(ran(Source::Schema, timings.schema));
        }
        None => checks.push(skipped(
            Source::Schema,
            "the chart has no values.schema.json",
        )),
    }
    Ok(InProcess {
        merged: Some(merged),
        findings,
        checks,
        timings,
    })
}

/// What the stage after `helm template` found.
struct AfterRender {
    /// Whether the output parsed into objects.
    parsed: bool,
    objects: Vec<Object>,
    findings: Vec<Finding>,
    millis: f64,
}

/// The rendered manifests parsed, and the policies evaluated on them (when there are any).
fn after_render(stdout: &str, policies: Option<&Mutex<Policies>>, merged: &Merged) -> AfterRender {
    let t = Instant::now();
    let mut findings = Vec::new();
    let objects = match manifests::parse(stdout) {
        Ok(o) => o,
        Err((loc, msg)) => {
            let mut f = Finding::new(
                Source::Template,
                Severity::Error,
                ".",
                "rendered YAML",
                format!(
                    "the rendered manifests do not parse (line {} of the output): {msg}",
                    loc.line
                ),
            );
            f.fix =
                Some("Run apwiz render to see the output; the chart produced invalid YAML.".into());
            findings.push(f);
            return AfterRender {
                parsed: false,
                objects: Vec::new(),
                findings,
                millis: ms(t.elapsed()),
            };
        }
    };
    if let Some(p) = policies {
        // A poisoned lock means an evaluation panicked earlier; the engine is still usable.
        let mut engine = p.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut found = engine.evaluate(&objects);
        for f in &mut found {
            locate_policy_finding(f, &objects, merged);
        }
        findings.extend(found);
    }
    AfterRender {
        parsed: true,
        objects,
        findings,
        millis: ms(t.elapsed()),
    }
}

/// Runs CPU-bound work on tokio's blocking pool, so async workers (and a TUI's timers) keep going.
pub(crate) async fn off_thread<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Invalid(format!("internal error: a check stopped unexpectedly: {e}")))
}

/// Points a policy finding at the value its fix names (`fix: set security.runAsUser …`), in the
/// service's own keys or the inherited top-level ones.
fn locate_policy_finding(f: &mut Finding, objects: &[Object], merged: &Merged) {
    let Some(fix) = f.message.split("fix: ").nth(1) else {
        return;
    };
    let key = fix
        .split_whitespace()
        .skip_while(|w| !matches!(*w, "set" | "keep" | "remove" | "add"))
        .nth(1);
    let Some(key) = key.map(|k| k.trim_end_matches([':', ',', '.', ';'])) else {
        return;
    };
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
    {
        return;
    }
    let service = objects
        .iter()
        .find(|o| Some(o.id()) == f.object)
        .and_then(|o| o.service.clone());
    let mut segs: Vec<&str> = Vec::new();
    if let Some(svc) = service.as_deref()
        && merged.values.pointer(&format!("/services/{svc}")).is_some()
    {
        segs.extend(["services", svc]);
    }
    segs.extend(key.split('.'));
    if let Some(l) = merged.locate_user(&pointer_from_segments(&segs)) {
        f.at(l.file, l.loc);
    }
}

fn ran(source: Source, millis: f64) -> Check {
    Check {
        source,
        ran: true,
        skipped: None,
        millis,
        errors: 0,
        warnings: 0,
    }
}

fn skipped(source: Source, why: &str) -> Check {
    Check {
        source,
        ran: false,
        skipped: Some(why.to_string()),
        millis: 0.0,
        errors: 0,
        warnings: 0,
    }
}
