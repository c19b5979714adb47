//! The team manual (`chart/README.md`), generated with `handlebars` from the chart's schema and
//! defaults, the presets, and messages produced by running apwiz's own checks (so the
//! troubleshooting section shows exactly what people see). Deterministic: no helm, no clock.
use serde::Serialize;
use serde_json::Value;

use crate::core::base::error::{Error, Result};
use crate::core::base::helm::{self, ChartFailure};
use crate::core::base::text::humanize;
use crate::core::check::pipeline;
use crate::core::check::report::{Finding, Source};
use crate::core::check::schema::{self, SchemaCheck};
use crate::core::inputs::answers::{API_VERSION, Answers};
use crate::core::inputs::chart::Chart;
use crate::core::inputs::presets::{Preset, PresetKind};
use crate::core::scaffold::generate::{self, FileKind};
use crate::core::scaffold::questions;
use crate::core::values::layers::Merged;
use crate::core::values::yamlout;

const TEMPLATE: &str = include_str!("readme.md.hbs");

/// One row of the values reference.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    pub path: String,
    pub types: String,
    pub default: String,
    pub allowed: String,
    pub description: String,
    pub example: String,
}

#[derive(Serialize)]
struct PresetDoc {
    name: String,
    title: String,
    description: String,
    features: String,
    command: String,
    questions: Vec<QuestionDoc>,
    files: Vec<FileDoc>,
}

#[derive(Serialize)]
struct QuestionDoc {
    prompt: String,
    flag: String,
    required: bool,
    default: String,
}

#[derive(Serialize)]
struct FileDoc {
    name: String,
    text: String,
}

#[derive(Serialize)]
struct EnvDoc {
    name: String,
    title: String,
    description: String,
    file: String,
}

#[derive(Serialize)]
struct Trouble {
    title: String,
    cause: String,
    input: String,
    message: String,
    exit: u8,
}

#[derive(Serialize)]
struct Ctx {
    name: String,
    version: String,
    app_version: String,
    kube_version: String,
    description: String,
    workloads: Vec<PresetDoc>,
    environments: Vec<EnvDoc>,
    rows: Vec<Row>,
    troubles: Vec<Trouble>,
}

/// The whole README.
/// The team manual. `error_line` words an error the way the command line prints it (the manual
/// shows the CLI's messages; the core names settings, the front end words remedies).
pub(crate) fn readme(
    chart: &Chart,
    presets: &[Preset],
    error_line: &dyn Fn(&Error) -> String,
) -> Result<String> {
    let schema = chart.schema.as_ref().ok_or_else(|| {
        Error::Invalid(format!(
            "{} is missing: the values reference is generated from it",
            chart.file_display("values.schema.json")
        ))
    })?;
    let check = SchemaCheck::new(schema)?;
    // The manual names the chart's files the same way wherever apwiz runs.
    let mut chart = chart.clone();
    chart.display = "chart".into();
    chart.is_archive = false;
    let chart = &chart;
    let ctx = Ctx {
        name: chart.meta.name.clone(),
        version: chart.meta.version.clone(),
        app_version: chart.meta.app_version.clone().unwrap_or_default(),
        kube_version: chart
            .meta
            .kube_version
            .clone()
            .unwrap_or_else(|| "any".into()),
        description: chart
            .meta
            .description
            .clone()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        workloads: presets
            .iter()
            .filter(|p| p.kind == PresetKind::Workload)
            .map(|p| preset_doc(chart, presets, p))
            .collect::<Result<_>>()?,
        environments: presets
            .iter()
            .filter(|p| p.kind == PresetKind::Environment)
            .map(|p| EnvDoc {
                name: p.name.clone(),
                title: p.title.clone(),
                description: one_line(&p.description),
                file: p.chart_values.clone().unwrap_or_else(|| "—".into()),
            })
            .collect(),
        rows: reference(schema, &chart.effective_defaults()),
        troubles: troubles(chart, &check, error_line),
    };
    let mut hb = handlebars::Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    hb.register_template_string("readme", TEMPLATE)
        .map_err(|e| Error::Invalid(format!("README template: {e}")))?;
    let mut text = hb
        .render("readme", &ctx)
        .map_err(|e| Error::Invalid(format!("README template: {e}")))?;
    // The chart's own sections, chart/docs/*.md in name order (scripts/generate.py writes them
    // from a render: architecture diagrams, performance tuning), go before the values reference,
    // each listed in the contents under its "## " title. A chart without them (or an archive)
    // gets none.
    if let Ok(dir) = std::fs::read_dir(chart.path.join("docs")) {
        let mut files: Vec<_> = dir
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        files.sort();
        for file in files {
            let section = std::fs::read_to_string(&file)
                .map_err(|e| Error::Invalid(format!("{}: {e}", file.display())))?;
            let Some(title) = section.lines().find_map(|l| l.strip_prefix("## ")) else {
                continue;
            };
            let anchor: String = title
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' | '-' => Some('-'),
                    c if c.is_alphanumeric() => Some(c),
                    _ => None,
                })
                .collect();
            let toc = format!("- [{title}](#{anchor})\n- [Values reference](#values-reference)");
            text = text
                .replacen("- [Values reference](#values-reference)", &toc, 1)
                .replacen(
                    "\n## Values reference\n",
                    &format!("\n{}\n\n## Values reference\n", section.trim_end()),
                    1,
                );
        }
    }
    // One trailing newline, no trailing spaces: stable under editors and `git diff --check`.
    let mut out: String = text
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out.push('\n');
    Ok(out)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Example answers for a preset: every required question answered with its example.
pub fn example_answers(p: &Preset, all: &[Preset]) -> Result<Answers> {
    let mut a = Answers {
        api_version: API_VERSION.into(),
        preset: p.name.clone(),
        name: example_name(&p.name).into(),
        image: None,
        environments: all
            .iter()
            .filter(|e| e.kind == PresetKind::Environment)
            .map(|e| e.name.clone())
            .collect(),
        set: Vec::new(),
        env_set: Default::default(),
        chart: None,
    };
    for q in &p.questions {
        if !q.required || q.default.is_some() {
            continue;
        }
        let ex = q.example.clone().unwrap_or_else(|| "example".into());
        if q.path == "image" {
            a.image = Some(ex);
        } else {
            a.set.push(questions::answer_expr(&q.path, &ex)?);
        }
    }
    Ok(a)
}

fn example_name(preset: &str) -> &'static str {
    match preset {
        "web-app" | "microservices" => "shop",
        "api-gateway" => "gateway",
        "worker" => "mailer",
        "stateful-db" => "orders-db",
        "cache" => "sessions",
        "message-queue" => "events",
        "batch-cronjob" => "nightly-report",
        "one-off-job" => "shop-migrate",
        "node-agent" => "node-exporter",
        "external-service" => "billing-db",
        "function-runner" => "thumbnailer",
        _ => "app",
    }
}

/// The `apwiz new` command line for answers.
pub(crate) fn command_for(a: &Answers) -> String {
    let mut c = format!("apwiz new --preset {} --name {}", a.preset, a.name);
    if let Some(i) = &a.image {
        c.push_str(&format!(" --image {i}"));
    }
    if !a.environments.is_empty() {
        c.push_str(&format!(" --env {}", a.environments.join(",")));
    }
    for s in &a.set {
        let raw = &s.raw;
        if raw.contains([' ', '*', '"', '\'', '$']) {
            c.push_str(&format!(" --set '{raw}'"));
        } else {
            c.push_str(&format!(" --set {raw}"));
        }
    }
    c.push_str(" --out deploy/");
    c
}

fn preset_doc(chart: &Chart, all: &[Preset], p: &Preset) -> Result<PresetDoc> {
    let a = example_answers(p, all)?;
    let files = generate::generate(chart, all, &a, "../chart/values.schema.json")?;
    let shown: Vec<FileDoc> = files
        .iter()
        .filter(|f| {
            matches!(&f.kind, FileKind::Base) || matches!(&f.kind, FileKind::Env(e) if e == "prod")
        })
        .map(|f| FileDoc {
            name: format!("deploy/{}", f.name),
            text: f.text.trim_end().to_string(),
        })
        .collect();
    Ok(PresetDoc {
        name: p.name.clone(),
        title: p.title.clone(),
        description: one_line(&p.description),
        features: if p.features.is_empty() {
            "—".into()
        } else {
            p.features.join(", ")
        },
        command: command_for(&a),
        questions: p
            .questions
            .iter()
            .map(|q| QuestionDoc {
                prompt: q.prompt.clone(),
                flag: q.flag(None),
                required: q.required && q.default.is_none(),
                default: q.default.as_ref().map(yamlout::inline).unwrap_or_default(),
            })
            .collect(),
        files: shown,
    })
}

// ---------------------------------------------------------------------------------------------
// values reference

struct Walker<'a> {
    root: &'a Value,
    defaults: &'a Value,
    rows: Vec<Row>,
}

impl<'a> Walker<'a> {
    fn deref(&self, node: &'a Value) -> &'a Value {
        schema::deref(self.root, node)
    }

    fn types(&self, node: &'a Value) -> String {
        let t = self.deref(node);
        let mut names: Vec<String> = match t.get("type") {
            Some(Value::String(s)) => vec![type_word(s)],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(type_word).collect(),
            _ => Vec::new(),
        };
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = t.get(key).and_then(Value::as_array) {
                for b in branches {
                    let s = self.types(b);
                    if !s.is_empty() && !names.contains(&s) {
                        names.push(s);
                    }
                }
            }
        }
        if names.is_empty()
            && let Some(r) = schema::ref_name(node)
        {
            names.push(humanize(&r));
        }
        names.join(" or ")
    }

    fn allowed(&self, node: &'a Value) -> String {
        let t = self.deref(node);
        let mut parts = Vec::new();
        if let Some(e) = t.get("enum").and_then(Value::as_array) {
            parts.push(
                e.iter()
                    .map(|v| code(&yamlout::inline(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        let num = |k: &str| t.get(k).map(|v| v.to_string());
        match (num("minimum"), num("maximum")) {
            (Some(a), Some(b)) => parts.push(format!("{a}–{b}")),
            (Some(a), None) => parts.push(format!("≥ {a}")),
            (None, Some(b)) => parts.push(format!("≤ {b}")),
            _ => {}
        }
        if let Some(x) = num("exclusiveMinimum") {
            parts.push(format!("> {x}"));
        }
        if let Some(x) = num("exclusiveMaximum") {
            parts.push(format!("< {x}"));
        }
        match (num("minLength"), num("maxLength")) {
            (Some(a), Some(b)) => parts.push(format!("length {a}–{b}")),
            (Some(a), None) => parts.push(format!("length ≥ {a}")),
            (None, Some(b)) => parts.push(format!("length ≤ {b}")),
            _ => {}
        }
        match (num("minItems"), num("maxItems")) {
            (Some(a), Some(b)) => parts.push(format!("{a}–{b} items")),
            (Some(a), None) => parts.push(format!("≥ {a} items")),
            (None, Some(b)) => parts.push(format!("≤ {b} items")),
            _ => {}
        }
        if t.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
            parts.push("unique items".into());
        }
        if let Some(p) = t.get("pattern").and_then(Value::as_str) {
            match crate::core::check::schema::alternation(p) {
                Some(opts) => {
                    let s = opts.iter().map(|o| code(o)).collect::<Vec<_>>().join(", ");
                    if !parts.contains(&s) {
                        parts.push(s);
                    }
                }
                None => parts.push(format!("pattern {}", code(p))),
            }
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(branches) = t.get(key).and_then(Value::as_array) {
                for b in branches {
                    let s = self.allowed(b);
                    if !s.is_empty() && !parts.contains(&s) {
                        parts.push(s);
                    }
                }
            }
        }
        parts.join("; ")
    }

    fn row(&mut self, path: &str, pointer: Option<&str>, node: &'a Value) {
        let t = self.deref(node);
        let description = node
            .get("description")
            .or_else(|| t.get("description"))
            .and_then(Value::as_str)
            .map(one_line)
            .unwrap_or_default();
        let example = node
            .get("examples")
            .or_else(|| t.get("examples"))
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .map(|v| code(&yamlout::inline(v)))
            .unwrap_or_default();
        let default_v = pointer
            .and_then(|p| self.defaults.pointer(p))
            .or_else(|| node.get("default"))
            .or_else(|| t.get("default"));
        let default = match default_v {
            Some(Value::Object(m)) if !m.is_empty() => "see below".to_string(),
            Some(v) => code(&yamlout::inline(v)),
            None => "—".into(),
        };
        self.rows.push(Row {
            path: code(path),
            types: self.types(node),
            default,
            allowed: self.allowed(node),
            description,
            example,
        });
    }

    fn walk(&mut self, path: &str, pointer: Option<String>, node: &'a Value, depth: usize) {
        if depth > 12 {
            return;
        }
        let t = self.deref(node);
        let mut object_branches: Vec<&'a Value> = vec![t];
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = t.get(key).and_then(Value::as_array) {
                for b in branches {
                    object_branches.push(self.deref(b));
                }
            }
        }
        for branch in object_branches {
            if let Some(props) = branch.get("properties").and_then(Value::as_object) {
                for (k, sub) in props {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    let ptr = pointer.as_ref().map(|ptr| {
                        format!("{ptr}/{}", crate::core::values::pointer::escape_pointer(k))
                    });
                    self.row(&p, ptr.as_deref(), sub);
                    if path.is_empty() && k == "services" {
                        continue; // every service key is documented at the top level
                    }
                    self.walk(&p, ptr, sub, depth + 1);
                }
            }
            if let Some(extra) = branch.get("additionalProperties")
                && extra.is_object()
                && path != "services"
            {
                let ex = self.deref(extra);
                if ex.get("properties").is_some() {
                    let p = format!("{path}.<name>");
                    self.walk(&p, None, extra, depth + 1);
                }
            }
            if let Some(items) = branch.get("items")
                && items.is_object()
            {
                let it = self.deref(items);
                if it.get("properties").is_some() {
                    self.walk(&format!("{path}[]"), None, items, depth + 1);
                }
            }
        }
    }
}

fn type_word(s: &str) -> String {
    match s {
        "object" => "map",
        "array" => "list",
        other => other,
    }
    .to_string()
}

/// Markdown inline code that survives table cells.
fn code(s: &str) -> String {
    if s.is_empty() {
        return "`\"\"`".into();
    }
    let s = s.replace('|', "\\|");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// Every property of the schema, depth first, with defaults from the chart's values.
pub(crate) fn reference(schema: &Value, defaults: &Value) -> Vec<Row> {
    let mut w = Walker {
        root: schema,
        defaults,
        rows: Vec::new(),
    };
    w.walk("", Some(String::new()), schema, 0);
    for r in &mut w.rows {
        r.description = r
            .description
            .replace('|', "\\|")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
    }
    w.rows
}

// ---------------------------------------------------------------------------------------------
// troubleshooting

fn finding_for(chart: &Chart, check: &SchemaCheck, text: &str, pick: Source) -> Option<Finding> {
    let layer = match pipeline::layer_from_text("deploy/values.yaml", text) {
        Ok(l) => l,
        Err(f) => return Some(*f),
    };
    let (_, findings) = pipeline::check_in_process(chart, Some(check), vec![layer], &[]);
    findings.into_iter().find(|f| f.source == pick)
}

fn troubles(
    chart: &Chart,
    check: &SchemaCheck,
    error_line: &dyn Fn(&Error) -> String,
) -> Vec<Trouble> {
    let mut out = Vec::new();
    let mut values_case = |title: &str, cause: &str, input: &str, source: Source| {
        if let Some(f) = finding_for(chart, check, input, source) {
            out.push(Trouble {
                title: title.into(),
                cause: cause.into(),
                input: input.trim_end().into(),
                message: f.to_text(),
                exit: 1,
            });
        }
    };
    values_case(
        "A value that is not one of the allowed ones",
        "An enum value with a typo. apwiz suggests the closest allowed value.",
        "# yaml-language-server: $schema=../chart/values.schema.json\nimage: ghcr.io/acme/shop:1.4.2\nreplicas: 2\nworkloadType: deploymnet\n",
        Source::Schema,
    );
    values_case(
        "An unknown key",
        "A mistyped or misplaced key. The schema allows no unknown keys, so typos never pass silently.",
        "image: ghcr.io/acme/shop:1.4.2\nreplica: 3\n",
        Source::Schema,
    );
    values_case(
        "A number out of range",
        "A bound from the schema; the fix gives the allowed range.",
        "image: ghcr.io/acme/shop:1.4.2\nreplicas: 0\n",
        Source::Schema,
    );
    values_case(
        "A number in quotes",
        "Quoted, a number is a string; the schema wants the number.",
        "image: ghcr.io/acme/shop:1.4.2\nport: \"8080\"\n",
        Source::Schema,
    );
    values_case(
        "yes, no, on, off, NO: YAML 1.1 booleans",
        "Helm reads values as YAML 1.1, where unquoted yes/no/on/off/y/n (any case) are booleans and 0644 is octal. apwiz warns about every such value and explains errors they cause.",
        "image: ghcr.io/acme/shop:1.4.2\npodLabels:\n  country: NO\n",
        Source::Schema,
    );
    values_case(
        "Invalid YAML",
        "Indentation or syntax. Nothing else is checked until the file parses.",
        "image: ghcr.io/acme/shop:1.4.2\nreplicas: 3\n  port: 8080\n",
        Source::Yaml,
    );
    // A chart check at render time (the chart's own message, as helm prints it).
    let failure: ChartFailure = helm::parse_chart_message(
        Some("app-platform/templates/statefulset.yaml:2:4".into()),
        "persistence.enabled: a statefulset keeps its data in volumeClaimTemplates and needs persistence, got false. Set persistence.enabled: true (with size and storageClass), or use workloadType: deployment for a stateless service.",
    );
    let input =
        "image: postgres:16.4-alpine\nworkloadType: statefulset\npersistence:\n  enabled: false\n";
    if let Ok(layer) = pipeline::layer_from_text("deploy/values.yaml", input) {
        let merged = Merged::build(chart.defaults_layer(), vec![layer], &[]);
        out.push(Trouble {
            title: "A rule the schema cannot express".into(),
            cause: "The chart checks combinations of values while rendering (here: a statefulset needs storage). `apwiz validate` runs helm and points at the value.".into(),
            input: input.trim_end().into(),
            message: pipeline::failure_finding(&failure, Some(&merged), Source::Template).to_text(),
            exit: 1,
        });
    }
    let mut error_case = |title: &str, cause: &str, input: &str, e: Error| {
        out.push(Trouble {
            title: title.into(),
            cause: cause.into(),
            input: input.into(),
            message: error_line(&e),
            exit: e.kind().exit_code(),
        });
    };
    error_case(
        "A missing answer in scripts",
        "With --non-interactive (or without a terminal) apwiz never prompts; it names the flag that answers the question.",
        "apwiz new --non-interactive --preset web-app --name shop --image ghcr.io/acme/shop:1.4.2",
        Error::MissingAnswer {
            question: "Public host name".into(),
            flag: "--set ingress.host=shop.example.com".into(),
        },
    );
    error_case(
        "A file that already exists",
        "apwiz never overwrites without --force. With it, your comments, your keys and values you changed by hand are kept, and the old file is saved as .bak.",
        "apwiz new --answers deploy/.apwiz.yaml --set replicas=4",
        Error::WouldOverwrite {
            path: "deploy/values.yaml".into(),
        },
    );
    error_case(
        "helm is missing",
        "render and validate run helm: Helm 4, or Helm 3.21 and newer.",
        "apwiz validate --dir deploy",
        helm::not_found(),
    );
    out
}
