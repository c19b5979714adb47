//! What `apwiz new` writes, once for both front ends: the files generated for a set of answers
//! (pinned to the chart at hand, the schema beside them) planned against the disk (existing files
//! updated three-way, keeping comments and hand edits), written, staged for a render before they
//! are written, and checked in process.
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::core::base::error::{Error, Result};
use crate::core::check::pipeline;
use crate::core::check::report::{Finding, Severity};
use crate::core::inputs::answers::{self, Answers};
use crate::core::inputs::{Inputs, ValuesFile};
use crate::core::scaffold::generate::{self, FileKind, GenFile, Outcome, Planned};
use crate::core::session::Session;

/// The files for `answers` in `out_dir` and the plan against the disk; `force` updates files
/// that already exist (the TUI's review shows every change before it is written, so it forces).
pub fn plan(
    session: &Session,
    answers: &Answers,
    out_dir: &Path,
    force: bool,
) -> Result<(Vec<GenFile>, Vec<Planned>)> {
    let chart = session.chart()?;
    let all = &session.presets;
    let mut answers = answers.clone();
    answers.chart = Some(session.pin()?);
    let schema_ref = generate::SCHEMA_FILE;
    let files = generate::generate(&chart, all, &answers, schema_ref)?;
    // What the answers already in the directory generated: the base of the three-way update.
    let old_answers = Answers::load(&out_dir.join(answers::FILE_NAME)).ok();
    let old = old_answers.and_then(|o| generate::generate(&chart, all, &o, schema_ref).ok());
    let planned = generate::plan(out_dir, &files, old.as_deref(), force)?;
    Ok((files, planned))
}

/// Writes the files for `answers` (planned again against the disk as it is now, updating).
pub fn write(
    session: &Session,
    answers: &Answers,
    out_dir: &Path,
) -> Result<Vec<(PathBuf, Outcome)>> {
    let (_, planned) = plan(session, answers, out_dir, true)?;
    generate::apply(&planned)
}

/// Writes what the plan would leave on disk into `scratch` (the files are never written into the
/// team's directory before the review) and returns the inputs of a render for `env`, with the
/// file names the team will see in messages.
pub(crate) fn stage(
    session: &Session,
    answers: &Answers,
    out_dir: &Path,
    env: Option<&str>,
    scratch: &Path,
) -> Result<Inputs> {
    let (files, planned) = plan(session, answers, out_dir, true)?;
    let mut texts = Vec::new();
    for (g, p) in files.iter().zip(&planned) {
        let text = match &p.text {
            Some(t) => t.clone(),
            None if staged(g, env) => {
                std::fs::read_to_string(&p.path).map_err(|e| Error::io(&p.path, e))?
            }
            None => continue,
        };
        texts.push((g, text));
    }
    stage_files(session, &texts, &answers.name, out_dir, env, scratch)
}

/// Whether a render for `env` reads `g` (values.yaml, and `env`'s own file).
fn staged(g: &GenFile, env: Option<&str>) -> bool {
    match &g.kind {
        FileKind::Base => true,
        FileKind::Env(e) => Some(e.as_str()) == env,
        FileKind::Answers | FileKind::Schema => false,
    }
}

/// Writes the files of `texts` a render for `env` reads into `scratch` and returns the inputs
/// of that render as `release`, with the names the team will see in `out_dir` (`new`'s files
/// before the review, an import's before it is written).
pub(crate) fn stage_files(
    session: &Session,
    texts: &[(&GenFile, String)],
    release: &str,
    out_dir: &Path,
    env: Option<&str>,
    scratch: &Path,
) -> Result<Inputs> {
    std::fs::create_dir_all(scratch).map_err(|e| Error::io(scratch, e))?;
    let mut values = Vec::new();
    for (g, text) in texts.iter().filter(|(g, _)| staged(g, env)) {
        let path = scratch.join(&g.name);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        values.push(ValuesFile {
            display: session.display(&out_dir.join(&g.name)),
            path,
        });
    }
    Ok(Inputs {
        files: values,
        sets: Vec::new(),
        release: release.to_string(),
        namespace: None,
        kube_version: session.config.kube_version.clone(),
        environment: env.map(str::to_string),
        dir: None,
        pin: None,
    })
}

/// The in-process checks on what was generated: base alone, and base + each environment; the
/// errors only, each once.
pub(crate) fn check_generated(
    session: &Session,
    files: &[GenFile],
    out_dir: &Path,
) -> Result<Vec<Finding>> {
    let chart = session.chart()?;
    let Some(schema) = session.schema()? else {
        return Ok(Vec::new());
    };
    let layer = |f: &GenFile| {
        let name = out_dir.join(&f.name).display().to_string();
        pipeline::layer_from_text(&name, &f.text).ok()
    };
    let Some(base) = files
        .iter()
        .find(|f| f.kind == FileKind::Base)
        .and_then(layer)
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let (_, found) = pipeline::check_in_process(&chart, Some(&schema), vec![base.clone()], &[]);
    out.extend(found);
    for f in files.iter().filter(|f| matches!(f.kind, FileKind::Env(_))) {
        if let Some(env) = layer(f) {
            let (_, found) =
                pipeline::check_in_process(&chart, Some(&schema), vec![base.clone(), env], &[]);
            out.extend(found);
        }
    }
    out.retain(|f| f.severity == Severity::Error);
    let mut seen = HashSet::new();
    out.retain(|f| seen.insert((f.file.clone(), f.line, f.message.clone())));
    Ok(out)
}
