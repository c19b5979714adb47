//! `apwiz import manifests` and `apwiz import values`: a team's Kubernetes manifests, or a values
//! file written for another chart, → app-platform values written like `apwiz new` writes them
//! (minimal, `$schema` line, schema beside, import record, atomic, never clobbering), rendered by
//! helm; then the report: for manifests the proof (the render compared with the input object by
//! object), for a values file each source key taken, changed on purpose or not expressible.
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::cli::args::{
    ImportCommand, ImportManifestsArgs, ImportOutArgs, ImportValuesArgs, ValuesFrom,
};
use crate::cli::{Ctx, output, print};
use crate::core::base::error::{Error, Result};
use crate::core::base::helm;
use crate::core::base::names;
use crate::core::check::manifests::Object;
use crate::core::check::pipeline;
use crate::core::import::charts::{self, Convention};
use crate::core::import::proof::{self, Report};
use crate::core::import::{Note, Part, lift, manifests};
use crate::core::inputs::{self, Request};
use crate::core::scaffold::generate::{self, FileKind, GenFile};
use crate::core::scaffold::overrides;
use crate::core::values::merge::coalesce;
use crate::core::values::pointer::path_to_pointer;
use crate::core::values::read::parse_values;

/// The record of an import, beside the values (`.apwiz.yaml` is for `apwiz new`'s answers).
pub(crate) const RECORD_FILE: &str = ".apwiz-import.yaml";

pub(crate) fn run(ctx: &Ctx, c: ImportCommand) -> Result<u8> {
    match c {
        ImportCommand::Manifests(a) => manifests_cmd(ctx, a),
        ImportCommand::Values(a) => values_cmd(ctx, a),
    }
}

fn manifests_cmd(ctx: &Ctx, a: ImportManifestsArgs) -> Result<u8> {
    let objects = manifests::read_paths(&a.paths, &mut std::io::stdin())?;
    let mut imported = manifests::convert(objects);
    if imported.origins.is_empty() {
        return Err(Error::Usage(
            "no Deployment, StatefulSet, DaemonSet, Job, CronJob or ExternalName Service in the input".into(),
        ));
    }
    let release = match (&a.out.name, imported.origins.as_slice()) {
        (Some(n), _) => n.clone(),
        (None, [one]) => one
            .workload
            .iter()
            .chain(&one.services)
            .next()
            .and_then(|id| id.split_once('/'))
            .map(|(_, n)| n.to_string())
            .unwrap_or_default(),
        (None, _) => {
            return Err(Error::Usage(
                "several workloads: name the release with --name <release-name> (objects are named <release>-<service>)".into(),
            ));
        }
    };
    manifests::strip_release_prefix(&mut imported, &release);
    let sources: Vec<String> = a.paths.iter().map(|p| display(p)).collect();
    let import = Import {
        from: "manifests",
        release,
        values: imported.values.clone(),
        envs: Vec::new(),
        sources,
        todos: imported.todos.clone(),
    };
    let Some((written, objects)) = write_and_render(ctx, &a.out, &import)? else {
        return Ok(1);
    };
    let report = proof::prove(&imported, &objects, &ctx.session.chart()?.meta.name);
    finish(ctx, &a.out, &import.release, &written, &report)
}

fn values_cmd(ctx: &Ctx, a: ImportValuesArgs) -> Result<u8> {
    let from = match a.from {
        ValuesFrom::HelmCreate => Convention::HelmCreate,
        ValuesFrom::Bitnami => Convention::Bitnami,
        ValuesFrom::AppTemplate => Convention::AppTemplate,
    };
    let (name, source) = read_values(&a.file)?;
    let named = a.out.name.clone().or_else(|| {
        ["fullnameOverride", "nameOverride"]
            .iter()
            .filter_map(|k| source.get(*k).and_then(Value::as_str))
            .find(|n| !n.is_empty())
            .map(str::to_string)
    });
    // helm create's chart is in helm itself: the file is read over its defaults (what the team
    // left out, that chart fills), and the chart's render is the proof's input.
    let scaffold = match (&named, from) {
        (Some(release), Convention::HelmCreate) if a.file != Path::new("-") => {
            Some(HelmCreate::new(ctx, release)?)
        }
        _ => None,
    };
    let base = match &scaffold {
        Some(s) => coalesce(source.clone(), &s.defaults),
        None => source.clone(),
    };
    let mut converted = charts::convert(from, &base, &name);
    if scaffold.is_some() {
        converted.notes = of_file(converted.notes, &source);
    }
    let several = converted.values.get("services").is_some();
    let release = match named {
        Some(n) if a.out.name.is_some() || !several => n,
        _ => {
            return Err(Error::Usage(format!(
                "name the release with --name <release-name>{}",
                if several {
                    " (several controllers: objects are named <release>-<controller>)"
                } else {
                    " (the file sets neither fullnameOverride nor nameOverride)"
                }
            )));
        }
    };
    let mut notes = converted.notes.clone();
    let mut todos = converted.todos.clone();
    let mut envs = Vec::new();
    let mut sources = vec![display(&a.file)];
    let chart = ctx.session.chart()?;
    for e in &a.envs {
        let Some((env, file)) = e.split_once('=') else {
            return Err(Error::Usage(format!(
                "--env {e:?}: write ENV=FILE, e.g. --env prod=values-prod.yaml"
            )));
        };
        names::check(env).map_err(|why| Error::Usage(format!("--env {env:?}: {why}")))?;
        let file = PathBuf::from(file);
        let (file_name, over) = read_values(&file)?;
        // Helm layers the environment's file over the base: convert the two together.
        let merged = coalesce(over.clone(), &source);
        let conv = charts::convert(from, &merged, &file_name);
        let own = charts::leaves(&over);
        notes.extend(conv.notes.into_iter().filter(|n| {
            own.iter().any(|l| {
                n.field == *l
                    || l.starts_with(&format!("{}.", n.field))
                    || n.field.starts_with(&format!("{l}."))
            })
        }));
        for t in conv.todos {
            if !todos.contains(&t) {
                todos.push(t);
            }
        }
        envs.push((
            env.to_string(),
            lift::environment(&converted.values, &conv.values, &chart.defaults.value),
        ));
        sources.push(display(&file));
    }
    let import = Import {
        from: from.name(),
        release,
        values: converted.values.clone(),
        envs,
        sources,
        todos: todos.clone(),
    };
    let Some((written, objects)) = write_and_render(ctx, &a.out, &import)? else {
        return Ok(1);
    };
    let mut report = Report {
        exact: Vec::new(),
        changed: Vec::new(),
        lossy: Vec::new(),
        todos,
    };
    if let Some(s) = &scaffold {
        let text = s.render(ctx, &a.file, a.out.kube_version.clone())?;
        let inputs: Vec<_> = manifests::read_text("helm create", &text)?
            .into_iter()
            .filter(|i| {
                i.value
                    .pointer("/metadata/annotations/helm.sh~1hook")
                    .is_none()
            })
            .collect();
        let mut rendered = manifests::convert(inputs);
        rendered.notes.clear();
        rendered.todos.clear();
        notes.extend(proof::prove(&rendered, &objects, &chart.meta.name).all());
    }
    for n in notes {
        match n.part {
            Part::Exact => report.exact.push(n),
            Part::Changed => report.changed.push(n),
            Part::Lossy => report.lossy.push(n),
        }
    }
    finish(ctx, &a.out, &import.release, &written, &report)
}

/// The report's lines about keys the team's file itself holds (not the defaults it is read over).
fn of_file(notes: Vec<Note>, file: &Value) -> Vec<Note> {
    let own = charts::leaves(file);
    notes
        .into_iter()
        .filter(|n| {
            file.pointer(&path_to_pointer(&n.field)).is_some()
                || own.iter().any(|l| {
                    n.field == *l
                        || l.starts_with(&format!("{}.", n.field))
                        || n.field.starts_with(&format!("{l}."))
                })
        })
        .collect()
}

/// `helm create <release>` in a scratch directory (removed when dropped): its default values,
/// and its render with a team's file by the same helm.
struct HelmCreate {
    scratch: PathBuf,
    chart: PathBuf,
    release: String,
    defaults: Value,
}

impl HelmCreate {
    fn new(ctx: &Ctx, release: &str) -> Result<HelmCreate> {
        let scratch = std::env::temp_dir().join(format!(
            "apwiz-helm-create-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&scratch).map_err(|e| Error::io(&scratch, e))?;
        // Named like the release, the chart names its objects like the release.
        let mut s = HelmCreate {
            chart: scratch.join(release),
            scratch,
            release: release.to_string(),
            defaults: Value::Null,
        };
        let session = ctx.session.clone();
        let argv = vec!["create".into(), s.chart.to_string_lossy().into_owned()];
        let created = ctx.block_on(async move { session.helm().await?.run(argv).await })?;
        if !created.success {
            return Err(Error::Environment(format!(
                "helm create failed: {}",
                created.stderr.trim()
            )));
        }
        s.defaults = read_values(&s.chart.join("values.yaml"))?.1;
        Ok(s)
    }

    fn render(&self, ctx: &Ctx, file: &Path, kube_version: Option<String>) -> Result<String> {
        let session = ctx.session.clone();
        let args = helm::Args {
            release: self.release.clone(),
            chart: self.chart.clone(),
            namespace: None,
            value_files: vec![file.to_path_buf()],
            sets: Vec::new(),
            kube_version,
            skip_schema: false,
        };
        let out = ctx.block_on(async move { session.helm().await?.template(&args).await })?;
        if !out.success {
            return Err(Error::Usage(format!(
                "{}: helm create's own chart does not render with it: {}",
                display(file),
                out.stderr.trim()
            )));
        }
        Ok(out.stdout)
    }
}

impl Drop for HelmCreate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// The files written, with what happened to each.
type Written = Vec<(PathBuf, generate::Outcome)>;

/// What an import writes.
struct Import {
    /// `manifests`, or the convention of the values file.
    from: &'static str,
    release: String,
    /// The values as converted (reduced to the minimal file here).
    values: Value,
    /// Environment files: the environment and what it changes over the base.
    envs: Vec<(String, Value)>,
    sources: Vec<String>,
    todos: Vec<String>,
}

/// Writes values.yaml (minimal, `$schema` line), the schema and the import record like
/// `apwiz new` (atomic, never clobbering without --force), then renders them with helm. `None`
/// when the render has findings (printed).
fn write_and_render(
    ctx: &Ctx,
    o: &ImportOutArgs,
    import: &Import,
) -> Result<Option<(Written, Vec<Object>)>> {
    let chart = ctx.session.chart()?;
    let release = &import.release;
    names::check(release).map_err(|why| Error::Usage(format!("--name {release:?}: {why}")))?;
    let values = lift::minimal(import.values.clone(), &chart.defaults.value);
    let header = format!(
        "# yaml-language-server: $schema={}\n\
         # {release}: imported by `apwiz import {}`; only what differs from the {} chart defaults.\n",
        generate::SCHEMA_FILE,
        if import.from == "manifests" {
            "manifests".to_string()
        } else {
            format!("values --from {}", import.from)
        },
        chart.meta.name,
    );
    let mut files = vec![GenFile {
        name: "values.yaml".into(),
        kind: FileKind::Base,
        text: overrides::new_file_text(&header, &values),
        header,
        values: values.clone(),
    }];
    for (env, over) in &import.envs {
        let header = format!(
            "# yaml-language-server: $schema={}\n# {release}, environment {env}: layered over values.yaml (apwiz validate --env {env}).\n",
            generate::SCHEMA_FILE
        );
        files.push(GenFile {
            name: format!("values-{env}.yaml"),
            kind: FileKind::Env(env.clone()),
            text: overrides::new_file_text(&header, over),
            header,
            values: over.clone(),
        });
    }
    if let Some(schema) = &chart.schema_text {
        files.push(GenFile {
            name: generate::SCHEMA_FILE.into(),
            kind: FileKind::Schema,
            header: String::new(),
            values: Value::Object(Map::new()),
            text: schema.clone(),
        });
    }
    files.push(GenFile {
        name: RECORD_FILE.into(),
        kind: FileKind::Answers,
        header: String::new(),
        values: Value::Object(Map::new()),
        text: record(ctx, import)?,
    });
    let planned = generate::plan(&o.out, &files, None, o.force)?;
    let written = generate::apply(&planned)?;

    // The proof: the written values as helm renders them.
    let req = Request {
        dir: o.out.clone(),
        release: Some(release.clone()),
        kube_version: o.kube_version.clone(),
        ..Request::default()
    };
    let mut rendered = None;
    for env in std::iter::once(None).chain(import.envs.iter().map(|(e, _)| Some(e.clone()))) {
        let req = Request { env, ..req.clone() };
        let inputs = inputs::resolve(&req, ctx.session.config.kube_version.as_deref())?;
        let session = ctx.session.clone();
        let r =
            ctx.block_on(
                async move { pipeline::render(session.checker(true).await?, inputs).await },
            )?;
        let failed = !r.findings.is_empty();
        if rendered.is_none() || failed {
            rendered = Some(r);
        }
        if failed {
            break;
        }
    }
    let Some(rendered) = rendered else {
        return Ok(None);
    };
    if !rendered.findings.is_empty() {
        if ctx.json() {
            print(&output::json(
                &json!({"ok": false, "findings": rendered.findings}),
            ))?;
        } else {
            for f in &rendered.findings {
                eprintln!("{}", output::finding_line(f, &ctx.err));
            }
        }
        return Ok(None);
    }
    Ok(Some((written, rendered.objects)))
}

/// Prints what was written and the report; exit 1 when something could not be expressed,
/// unless --allow-lossy.
fn finish(
    ctx: &Ctx,
    o: &ImportOutArgs,
    release: &str,
    written: &[(PathBuf, generate::Outcome)],
    report: &Report,
) -> Result<u8> {
    let failed = !report.lossy.is_empty() && !o.allow_lossy;
    if ctx.json() {
        let files: Vec<_> = written
            .iter()
            .map(|(p, o)| json!({"path": p, "outcome": format!("{o:?}").to_lowercase()}))
            .collect();
        print(&output::json(&json!({
            "ok": !failed,
            "release": release,
            "files": files,
            "shareExact": (report.share_exact() * 1000.0).round() / 1000.0,
            "report": report,
        })))?;
    } else {
        for (p, _) in written {
            print(&format!(
                "{} {}\n",
                ctx.out.paint("ok", "wrote"),
                p.display()
            ))?;
        }
        print(&report_text(ctx, report))?;
        let dir = o.out.display();
        print(&ctx.out.paint(
            "muted",
            &format!("next: apwiz validate --dir {dir} --release {release}\n"),
        ))?;
        if failed {
            eprintln!(
                "error: {} field(s) could not be expressed; pass --allow-lossy to accept that",
                report.lossy.len()
            );
        }
    }
    Ok(u8::from(failed))
}

fn record(ctx: &Ctx, import: &Import) -> Result<String> {
    let pin = ctx.session.pin()?;
    let release = &import.release;
    let v = json!({
        "apiVersion": "apwiz.dev/v1",
        "kind": "Import",
        "name": release,
        "from": import.from,
        "sources": import.sources,
        "chart": {"name": pin.name, "version": pin.version, "source": pin.source},
        "todo": import.todos,
    });
    Ok(format!(
        "# apwiz import record: what values.yaml was imported from. Render with\n\
         #   apwiz validate --dir <this directory> --release {release}\n{}",
        crate::core::values::yamlout::to_yaml(&v)
    ))
}

/// A values file (`-` for stdin): its name for the report and its values.
fn read_values(file: &Path) -> Result<(String, Value)> {
    let (name, text) = if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Error::io("<stdin>", e))?;
        ("values.yaml".to_string(), text)
    } else {
        let text = std::fs::read_to_string(file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Usage(format!("{}: no such file", file.display()))
            } else {
                Error::io(file, e)
            }
        })?;
        let name = file
            .file_name()
            .map_or("values.yaml".into(), |n| n.to_string_lossy().into_owned());
        (name, text)
    };
    let v = parse_values(&text)
        .map_err(|e| {
            Error::Usage(format!(
                "{}:{}: not valid YAML: {}",
                display(file),
                e.loc.line,
                e.message
            ))
        })?
        .value;
    Ok((name, v))
}

fn display(p: &Path) -> String {
    if p == Path::new("-") {
        "<stdin>".into()
    } else {
        p.display().to_string()
    }
}

/// The three parts of the report as text (exact fields counted, the rest listed).
pub(crate) fn report_text(ctx: &Ctx, r: &Report) -> String {
    let s = &ctx.out;
    let mut out = format!(
        "\n{} {} field(s) reproduced exactly ({:.0}%)\n",
        s.paint("ok", "reproduced:"),
        r.exact.len(),
        r.share_exact() * 100.0
    );
    let line = |n: &Note| {
        let mut l = format!("  {} {}: {}", n.object, n.field, n.message);
        if let Some(h) = &n.hatch {
            l.push_str(&format!("\n      keep it: {h}"));
        }
        l.push('\n');
        l
    };
    if !r.changed.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("accent", "changed by the platform on purpose:")
        ));
        r.changed.iter().for_each(|n| out.push_str(&line(n)));
    }
    if !r.lossy.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("error", "could not be expressed:")
        ));
        r.lossy.iter().for_each(|n| out.push_str(&line(n)));
    }
    if !r.todos.is_empty() {
        out.push_str(&format!("{}\n", s.paint("warning", "to do:")));
        r.todos
            .iter()
            .for_each(|t| out.push_str(&format!("  {t}\n")));
    }
    out
}
