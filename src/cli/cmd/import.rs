//! `apwiz import manifests`: a team's Kubernetes manifests → app-platform values written like
//! `apwiz new` writes them (minimal, `$schema` line, schema beside, atomic, never clobbering),
//! then the proof: the written values rendered by helm and compared with the input.
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::cli::args::{ImportCommand, ImportManifestsArgs};
use crate::cli::{Ctx, output, print};
use crate::core::check::pipeline;
use crate::core::error::{Error, Result};
use crate::core::import::proof::{self, Report};
use crate::core::import::{Note, lift, manifests};
use crate::core::inputs::{self, Request};
use crate::core::names;
use crate::core::scaffold::generate::{self, FileKind, GenFile};
use crate::core::scaffold::overrides;

/// The record of an import, beside the values (`.apwiz.yaml` is for `apwiz new`'s answers).
pub(crate) const RECORD_FILE: &str = ".apwiz-import.yaml";

pub(crate) fn run(ctx: &Ctx, c: ImportCommand) -> Result<u8> {
    match c {
        ImportCommand::Manifests(a) => manifests_cmd(ctx, a),
    }
}

fn manifests_cmd(ctx: &Ctx, a: ImportManifestsArgs) -> Result<u8> {
    let chart = ctx.session.chart()?;
    let objects = manifests::read_paths(&a.paths, &mut std::io::stdin())?;
    let imported = manifests::convert(objects);
    if imported.origins.is_empty() {
        return Err(Error::Usage(
            "no Deployment, StatefulSet, DaemonSet, Job, CronJob or ExternalName Service in the input".into(),
        ));
    }
    let release = match (&a.name, imported.origins.as_slice()) {
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
    names::check(&release).map_err(|why| Error::Usage(format!("--name {release:?}: {why}")))?;
    let mut imported = imported;
    manifests::strip_release_prefix(&mut imported, &release);
    let values = lift::minimal(imported.values.clone(), &chart.defaults.value);
    let header = format!(
        "# yaml-language-server: $schema={}\n\
         # {release}: imported by `apwiz import manifests`; only what differs from the {} chart defaults.\n",
        generate::SCHEMA_FILE,
        chart.meta.name,
    );
    let mut files = vec![GenFile {
        name: "values.yaml".into(),
        kind: FileKind::Base,
        text: overrides::new_file_text(&header, &values),
        header,
        values: values.clone(),
    }];
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
        text: record(ctx, &release, &a.paths, &imported.todos)?,
    });
    let planned = generate::plan(&a.out, &files, None, a.force)?;
    let written = generate::apply(&planned)?;

    // The proof: the written values as helm renders them.
    let req = Request {
        dir: a.out.clone(),
        release: Some(release.clone()),
        kube_version: a.kube_version.clone(),
        ..Request::default()
    };
    let inputs = inputs::resolve(&req, ctx.session.config.kube_version.as_deref())?;
    let session = ctx.session.clone();
    let rendered =
        ctx.block_on(async move { pipeline::render(session.checker(true).await?, inputs).await })?;
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
        return Ok(1);
    }
    let report = proof::prove(&imported, &rendered.objects, &chart.meta.name);
    let failed = !report.lossy.is_empty() && !a.allow_lossy;
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
        for (p, _) in &written {
            print(&format!(
                "{} {}\n",
                ctx.out.paint("ok", "wrote"),
                p.display()
            ))?;
        }
        print(&report_text(ctx, &report))?;
        let dir = a.out.display();
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

fn record(ctx: &Ctx, release: &str, paths: &[PathBuf], todos: &[String]) -> Result<String> {
    let pin = ctx.session.pin()?;
    let sources: Vec<String> = paths.iter().map(|p| display(p)).collect();
    let v = json!({
        "apiVersion": "apwiz.dev/v1",
        "kind": "Import",
        "name": release,
        "from": "manifests",
        "sources": sources,
        "chart": {"name": pin.name, "version": pin.version, "source": pin.source},
        "todo": todos,
    });
    Ok(format!(
        "# apwiz import record: what values.yaml was imported from. Render with\n\
         #   apwiz validate --dir <this directory> --release {release}\n{}",
        crate::core::values::yamlout::to_yaml(&v)
    ))
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
