//! `apwiz presets list|show`.
use crate::cli::args::PresetsCommand;
use crate::cli::cmd::indent;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::{Error, Result};
use crate::core::base::text;
use crate::core::inputs::presets::PresetKind;
use crate::core::values::yamlout;

pub(crate) fn run(ctx: &Ctx, c: PresetsCommand) -> Result<u8> {
    let all = &ctx.session.presets;
    match c {
        PresetsCommand::List => {
            if ctx.json() {
                print(&output::json(&all))?;
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|p| {
                        vec![
                            p.name.clone(),
                            match p.kind {
                                PresetKind::Workload => "workload".into(),
                                PresetKind::Environment => "environment".into(),
                            },
                            p.title.clone(),
                            p.features.join(", "),
                        ]
                    })
                    .collect();
                print(&output::table(
                    &["NAME", "KIND", "TITLE", "FEATURES"],
                    &rows,
                    &ctx.out,
                ))?;
            }
        }
        PresetsCommand::Show { name } => {
            let p = all.iter().find(|p| p.name == name).ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
                let hint = text::did_you_mean(&name, names.iter().copied())
                    .map(|s| format!(" Did you mean \"{s}\"?"))
                    .unwrap_or_default();
                Error::Usage(format!(
                    "unknown preset \"{name}\".{hint} (one of: {})",
                    names.join(", ")
                ))
            })?;
            if ctx.json() {
                print(&output::json(p))?;
            } else {
                let s = &ctx.out;
                let mut t = format!(
                    "{} — {}\n{}\n",
                    s.paint("accent", &p.name),
                    p.title,
                    p.description
                );
                if !p.features.is_empty() {
                    t.push_str(&format!("features: {}\n", p.features.join(", ")));
                }
                if let Some(cv) = &p.chart_values {
                    t.push_str(&format!("values: the chart's {cv}\n"));
                }
                if !p.questions.is_empty() {
                    t.push_str("questions:\n");
                    for q in &p.questions {
                        let flag = if p.kind == PresetKind::Environment {
                            q.flag(Some(&p.name))
                        } else {
                            q.flag(None)
                        };
                        t.push_str(&format!(
                            "  {}{}  ({flag})\n",
                            q.prompt,
                            if q.required && q.default.is_none() {
                                " (required)"
                            } else {
                                ""
                            }
                        ));
                    }
                }
                if p.values.as_object().is_some_and(|m| !m.is_empty()) {
                    t.push_str("values:\n");
                    t.push_str(&indent(&yamlout::to_yaml(&p.values)));
                    t.push('\n');
                }
                for (env, v) in &p.environments {
                    t.push_str(&format!(
                        "values in {env}:\n{}\n",
                        indent(&yamlout::to_yaml(v))
                    ));
                }
                print(&t)?;
            }
        }
    }
    Ok(0)
}
