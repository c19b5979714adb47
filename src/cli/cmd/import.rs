//! `apwiz import manifests` and `apwiz import values`: the flags → `core::ops::import` (read,
//! convert, prove in a scratch directory before anything is written), then the files written like
//! `apwiz new` writes them (minimal, `$schema` line, schema beside, import record, atomic, never
//! clobbering) and the report: for manifests the proof (the render compared with the input object
//! by object), for a values file each source key taken, changed on purpose or not expressible.
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::args::{ImportCommand, ImportOutArgs, ValuesFrom};
use crate::cli::{Ctx, output, print};
use crate::core::base::error::{Error, Result};
use crate::core::import::Note;
use crate::core::import::charts::Convention;
use crate::core::import::proof::Report;
use crate::core::ops::import::{self as op, Proof, Source};
use crate::core::scaffold::generate;

pub(crate) fn run(ctx: &Ctx, c: ImportCommand) -> Result<u8> {
    let (source, envs, out) = match c {
        ImportCommand::Manifests(a) => (Source::Manifests(a.paths), a.envs, a.out),
        ImportCommand::Values(a) => {
            let from = match a.from {
                ValuesFrom::HelmCreate => Convention::HelmCreate,
                ValuesFrom::Bitnami => Convention::Bitnami,
                ValuesFrom::AppTemplate => Convention::AppTemplate,
            };
            (Source::Values { file: a.file, from }, a.envs, a.out)
        }
    };
    let reads_stdin = match &source {
        Source::Manifests(paths) => paths.iter().any(|p| p == Path::new("-")),
        Source::Values { file, .. } => file == Path::new("-"),
    };
    let mut stdin = String::new();
    if reads_stdin {
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut stdin)
            .map_err(|e| Error::io("<stdin>", e))?;
    }
    let req = op::Request {
        source,
        envs,
        name: out.name.clone(),
        kube_version: out.kube_version.clone(),
        stdin,
    };
    let session = ctx.session.clone();
    let proof = ctx.block_on(async move { op::prove(&session, req).await })?;
    let proven = match proof {
        Proof::Proven(p) => p,
        Proof::Refused(errors) => {
            if ctx.json() {
                print(&output::json(
                    &json!({"ok": false, "written": false, "findings": errors}),
                ))?;
            } else {
                for f in &errors {
                    eprintln!("{}", output::finding_line(f, &ctx.err));
                }
                eprintln!("error: the imported values do not validate; nothing was written");
            }
            return Ok(1);
        }
    };
    let written = op::write(&proven.files, &out.out, out.force)?;
    finish(ctx, &out, &proven.release, &written, &proven.report)
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
        let (exact, changed, lossy) = report.counted();
        print(&output::json(&json!({
            "ok": !failed,
            "release": release,
            "files": files,
            "shareExact": (report.share_exact() * 1000.0).round() / 1000.0,
            "fields": {"compared": exact + changed + lossy, "exact": exact, "changed": changed, "lossy": lossy},
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

/// The report as text: the fields counted (exact), the rest listed per object and field, then
/// what was not imported, the warnings and what to do.
fn report_text(ctx: &Ctx, r: &Report) -> String {
    let s = &ctx.out;
    let (exact, changed, lossy) = r.counted();
    let mut out = format!(
        "\n{} {exact} of {} field(s) reproduced exactly ({:.1}%): {changed} changed on purpose, {lossy} not expressible\n",
        s.paint("ok", "reproduced:"),
        exact + changed + lossy,
        r.share_exact() * 100.0
    );
    if let Some(ratio) = r.ratio {
        out.push_str(&format!(
            "  values written: {:.0}% of the manifests' lines\n",
            ratio * 100.0
        ));
    }
    let line = |n: &Note| {
        let mut l = format!("  {} {}: {}", n.object, n.field, n.message);
        if let Some(h) = &n.hatch {
            l.push_str(&format!("\n      keep it: {h}"));
        }
        l.push('\n');
        l
    };
    let (added, changed): (Vec<&Note>, Vec<&Note>) = r.changed.iter().partition(|n| n.added);
    if !changed.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("accent", "changed by the platform on purpose:")
        ));
        changed.iter().for_each(|n| out.push_str(&line(n)));
    }
    if !added.is_empty() {
        // Said once per kind of addition, with the objects it applies to (not counted).
        out.push_str(&format!(
            "{}\n",
            s.paint("muted", "added by the platform (not counted):")
        ));
        let mut groups: Vec<(&str, &str, Vec<&str>)> = Vec::new();
        for n in &added {
            match groups
                .iter_mut()
                .find(|g| g.0 == n.field && g.1 == n.message)
            {
                Some(g) => g.2.push(&n.object),
                None => groups.push((&n.field, &n.message, vec![&n.object])),
            }
        }
        for (field, message, objects) in groups {
            let what = if field == "(added)" {
                message.to_string()
            } else {
                format!("{field}: {message}")
            };
            out.push_str(&format!("  {what}\n      on {}\n", objects.join(", ")));
        }
    }
    if !r.lossy.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("error", "could not be expressed:")
        ));
        r.lossy.iter().for_each(|n| out.push_str(&line(n)));
    }
    if !r.skipped.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("muted", "not imported (on purpose):")
        ));
        r.skipped.iter().for_each(|n| out.push_str(&line(n)));
    }
    if !r.warnings.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("warning", "warnings of the checks:")
        ));
        r.warnings
            .iter()
            .for_each(|w| out.push_str(&format!("  {w}\n")));
    }
    if !r.todos.is_empty() {
        out.push_str(&format!("{}\n", s.paint("warning", "to do:")));
        r.todos
            .iter()
            .for_each(|t| out.push_str(&format!("  {t}\n")));
    }
    out
}
