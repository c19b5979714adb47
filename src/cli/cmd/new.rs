//! `apwiz new`: a team's values files from a preset and answers. Answers come from flags, then
//! the answers file, then (on a terminal) prompts; the core decides what is still missing and
//! whether an answer is acceptable.
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::args::NewArgs;
use crate::cli::cmd::indent;
use crate::cli::prompts::Asker;
use crate::cli::{self, Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::base::names;
use crate::core::check::report::Finding;
use crate::core::inputs::answers::Answers;
use crate::core::inputs::presets::PresetKind;
use crate::core::ops;
use crate::core::scaffold::generate::{self, Outcome, Planned};
use crate::core::scaffold::overrides::Change;
use crate::core::scaffold::project::Start;
use crate::core::scaffold::questions::{self, Draft, Given};

pub(crate) fn run(ctx: &Ctx, a: NewArgs) -> Result<cli::Outcome> {
    // An unreadable chart fails before any prompt.
    ctx.session.chart()?;
    let all = &ctx.session.presets;
    let asker = Asker::new(ctx.global.non_interactive);
    let from_file = match &a.answers {
        Some(p) => Some(Answers::load(p)?),
        None => None,
    };
    let out_dir = a
        .out
        .clone()
        .or_else(|| {
            a.answers.as_ref().map(|p| match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            })
        })
        .unwrap_or_else(|| PathBuf::from("deploy"));
    let given = Given {
        preset: a.preset.clone(),
        name: a.name.clone(),
        image: a.image.clone(),
        environments: a.env.clone(),
        set: a.set.clone(),
        set_env: a.set_env.clone(),
    };
    if !a.prompt && !a.dry_run && !ctx.json() && super::wizard::wanted(ctx) {
        let start = match from_file {
            Some(answers) if given.preset.is_none() => Start::Edit { out_dir, answers },
            _ => Start::New { out_dir, given },
        };
        return super::wizard::open(ctx, start);
    }
    let mut draft = Draft::new(&given, from_file.as_ref())?;
    if draft.preset.is_none() && asker.interactive {
        let workloads: Vec<_> = all
            .iter()
            .filter(|p| p.kind == PresetKind::Workload)
            .collect();
        let options: Vec<String> = workloads
            .iter()
            .map(|p| format!("{} — {}", p.name, p.title))
            .collect();
        let chosen = asker.select("Which kind of workload?", options, "--preset")?;
        draft.preset = chosen.split(' ').next().map(str::to_string);
    }
    if draft.name.is_none() && asker.interactive {
        let default = names::from_dir(&ctx.session.cwd);
        draft.name = Some(asker.text(
            "Release name",
            Some(names::RULE),
            Some(&default),
            "--name <release-name>",
            names::check,
        )?);
    }
    if draft.environments.is_none() && asker.interactive {
        draft.environments = Some(asker.multi(
            "Environments (a values-<env>.yaml each)",
            questions::preset_names(all, PresetKind::Environment),
            "--env dev,staging,prod",
        )?);
    }
    let mut answers = draft.complete(all)?;
    // The preset's questions.
    for m in questions::missing_answers(all, &answers)? {
        let value = asker.question(&m.question, &m.flag)?;
        questions::record(&mut answers, &m, &value)?;
    }

    let (files, planned) = ops::new::plan(&ctx.session, &answers, &out_dir, a.force)?;
    if a.dry_run {
        print_plan(ctx, &planned)?;
        return Ok(cli::Outcome::Exit(0));
    }
    let results = generate::apply(&planned)?;
    let notes = ops::new::check_generated(&ctx.session, &files, &out_dir)?;
    print_results(ctx, &results, &notes, &answers, &out_dir)?;
    Ok(cli::Outcome::Exit(0))
}

/// What `--dry-run` would write.
fn print_plan(ctx: &Ctx, planned: &[Planned]) -> Result<()> {
    if ctx.json() {
        let items: Vec<_> = planned
            .iter()
            .map(|p| json!({"path": p.path, "write": p.text.is_some(), "exists": p.exists, "text": p.text}))
            .collect();
        print(&output::json(
            &json!({"ok": true, "dryRun": true, "files": items}),
        ))?;
    } else {
        for p in planned {
            let what = match (&p.text, p.exists) {
                (None, _) => "unchanged",
                (Some(_), false) => "would create",
                (Some(_), true) => "would update",
            };
            print(&format!("{} {}\n", what, p.path.display()))?;
            if let Some(t) = &p.text {
                print(&format!("{}\n", indent(t)))?;
            }
        }
    }
    Ok(())
}

/// What was written, the checks' errors on it, and what to run next.
fn print_results(
    ctx: &Ctx,
    results: &[(PathBuf, Outcome)],
    notes: &[Finding],
    answers: &Answers,
    out_dir: &Path,
) -> Result<()> {
    if ctx.json() {
        let items: Vec<_> = results
            .iter()
            .map(|(path, o)| match o {
                Outcome::Created => json!({"path": path, "outcome": "created"}),
                Outcome::Unchanged => json!({"path": path, "outcome": "unchanged"}),
                Outcome::Updated { backup, changes } => json!({
                    "path": path, "outcome": "updated", "backup": backup,
                    "changes": changes.iter().map(change_text).collect::<Vec<_>>()
                }),
            })
            .collect();
        print(&output::json(
            &json!({"ok": true, "files": items, "findings": notes}),
        ))?;
    } else {
        let s = &ctx.out;
        for f in notes {
            eprintln!(
                "{} {}",
                ctx.err.paint(
                    "warning",
                    "warning: the generated values do not pass the checks yet:"
                ),
                output::finding_line(f, &ctx.err)
            );
        }
        for (path, o) in results {
            let line = match o {
                Outcome::Created => format!("{} {}", s.paint("ok", "created"), path.display()),
                Outcome::Unchanged => {
                    format!("{} {}", s.paint("muted", "unchanged"), path.display())
                }
                Outcome::Updated { backup, changes } => {
                    let mut l = format!(
                        "{} {} (backup: {})",
                        s.paint("accent", "updated"),
                        path.display(),
                        backup.display()
                    );
                    for c in changes {
                        l.push_str(&format!("\n  {}", change_text(c)));
                    }
                    l
                }
            };
            print(&format!("{line}\n"))?;
        }
        let dir = out_dir.display();
        let env_hint = answers
            .environments
            .last()
            .map(|e| format!(" --env {e}"))
            .unwrap_or_default();
        print(&s.paint(
            "muted",
            &format!("next: apwiz validate --dir {dir}{env_hint}   ·   apwiz render --dir {dir}{env_hint} --summary\n"),
        ))?;
    }
    Ok(())
}

fn change_text(c: &Change) -> String {
    match c {
        Change::Set(p) => format!("set {p}"),
        Change::Removed(p) => format!("removed {p}"),
        Change::KeptHandEdit(p) => format!("kept your value of {p}"),
    }
}
