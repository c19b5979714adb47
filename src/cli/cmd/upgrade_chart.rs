//! `apwiz upgrade-chart`: what moving the team to another chart version changes (migrated keys,
//! the render diff per environment, breaking changes), then the files and the pin written.
//! `--check` writes nothing: exit 2 when the team is behind, 0 when current.
use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use crate::cli::args::UpgradeChartArgs;
use crate::cli::cmd::cluster;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::{Error, Result, Setting};
use crate::core::inputs::answers::{self, Answers};
use crate::core::inputs::chart::{self, Chart};
use crate::core::inputs::team_dir;
use crate::core::upgrade::{self, Plan};

/// The chart to move to, and the source the new pin records.
async fn target(ctx: &Ctx, a: &UpgradeChartArgs, pin_source: &str) -> Result<(Chart, String)> {
    let s = &ctx.session;
    let chosen = ctx.global.chart.as_deref();
    // A team on a registry's chart moves within that registry unless --chart says otherwise.
    let remote = match chosen {
        Some(c) => chart::remote(c).map(str::to_string),
        None => chart::remote(Path::new(pin_source)).map(str::to_string),
    };
    if let Some(reference) = remote {
        let version = a.to.as_deref().or(ctx.global.chart_version.as_deref());
        return Ok((s.other_chart(&reference, version).await?, reference));
    }
    let at_hand = s.chart()?;
    if let Some(to) = &a.to
        && *to != at_hand.meta.version
    {
        return Err(Error::needs(
            Setting::Chart,
            format!(
                "--to {to}: the chart at hand ({}) is {} {}; choose the chart of version {to}",
                at_hand.display, at_hand.meta.name, at_hand.meta.version
            ),
        ));
    }
    Ok(((*at_hand).clone(), s.pin()?.source))
}

pub(crate) fn run(ctx: &Ctx, a: UpgradeChartArgs) -> Result<u8> {
    let dir = team_dir(&a.dir);
    let display = ctx
        .session
        .display(&std::fs::canonicalize(&dir).unwrap_or(dir.clone()));
    let answers = Answers::load(&dir.join(answers::FILE_NAME))?;
    let pin = answers.chart.clone().ok_or_else(|| {
        Error::Usage(format!(
            "{}/{} pins no chart (written before pins): add `chart: {{name: app-platform, version: <the version the files were written for>, source: built-in}}` to it",
            display,
            answers::FILE_NAME
        ))
    })?;
    let environments = match &a.env {
        Some(e) if !answers.environments.contains(e) => {
            return Err(Error::Usage(format!(
                "--env {e}: {display}/{} lists {}",
                answers::FILE_NAME,
                answers.environments.join(", ")
            )));
        }
        Some(e) => vec![e.clone()],
        None => answers.environments.clone(),
    };
    let kube_version = a
        .kube_version
        .clone()
        .or_else(|| ctx.session.config.kube_version.clone());
    let session = ctx.session.clone();
    let (plan, new) = ctx.block_on(async {
        let (new, new_source) = target(ctx, &a, &pin.source).await?;
        let from = a.from.clone().unwrap_or_else(|| pin.source.clone());
        let old = session
            .other_chart(&from, Some(&pin.version))
            .await
            .map_err(|e| {
                Error::Environment(format!(
                        "the chart the team is pinned to ({} {} from {from}) cannot be loaded for the render diff: {e}; pass --from with that chart",
                        pin.name, pin.version
                    ))
            })?;
        if old.meta.version != pin.version {
            return Err(Error::Environment(format!(
                "{from} is {} {} now, not the pinned {}: pass --from with the chart of version {}",
                old.meta.name, old.meta.version, pin.version, pin.version
            )));
        }
        let new = Arc::new(new);
        let plan = upgrade::plan(upgrade::Request {
            dir: dir.clone(),
            display: display.clone(),
            pin: pin.clone(),
            old: Arc::new(old),
            new: new.clone(),
            new_source,
            helm: session.helm().await?,
            environments,
            release: answers.name.clone(),
            namespace: a.namespace.clone(),
            kube_version,
        })
        .await?;
        Ok::<_, Error>((plan, new))
    })?;
    let findings: Vec<_> = plan
        .environments
        .iter()
        .flat_map(|e| e.findings.iter().cloned())
        .collect();
    let apply = plan.behind && !a.check && findings.is_empty();
    let applied = if apply {
        Some(upgrade::apply(&plan, &dir, &display, &new)?)
    } else {
        None
    };
    if ctx.json() {
        print(&output::json(&json!({
            "ok": findings.is_empty(),
            "plan": plan,
            "written": applied.as_ref().map(|w| &w.written),
        })))?;
    } else {
        print(&plan_text(ctx, &plan))?;
        if !findings.is_empty() {
            cluster::print_findings(ctx, &findings)?;
            eprintln!("the files do not render with both charts: nothing written");
        }
        match &applied {
            Some(w) => print(&format!(
                "moved to {} {}; wrote {}\n",
                plan.to.name,
                plan.to.version,
                w.written.join(", ")
            ))?,
            None if !plan.behind => print(&format!(
                "{display} is on {} {} already\n",
                plan.to.name, plan.to.version
            ))?,
            None if a.check => print(&format!(
                "{display} is behind: pinned to {} {}, the chart is {} (run `apwiz upgrade-chart` without --check)\n",
                plan.from.name, plan.from.version, plan.to.version
            ))?,
            None => {}
        }
    }
    Ok(if a.check && plan.behind {
        2
    } else if !findings.is_empty() {
        1
    } else {
        0
    })
}

fn plan_text(ctx: &Ctx, plan: &Plan) -> String {
    let s = &ctx.out;
    let mut out = format!(
        "upgrade-chart: {} {} ({}) → {} {} ({})\n",
        plan.from.name,
        plan.from.version,
        plan.from.source,
        plan.to.name,
        plan.to.version,
        plan.to.source
    );
    let moved: Vec<_> = plan.files.iter().filter(|f| !f.moves.is_empty()).collect();
    if moved.is_empty() {
        out.push_str("keys: nothing to migrate\n");
    }
    for f in moved {
        out.push_str(&format!("keys: {}\n", f.file));
        for m in &f.moves {
            out.push_str(&format!("    {m}\n"));
        }
    }
    for e in &plan.environments {
        let env = e.env.as_deref().unwrap_or("values.yaml");
        if e.changes.is_empty() && e.findings.is_empty() {
            out.push_str(&format!("render diff ({env}): no changes\n"));
            continue;
        }
        out.push_str(&format!("render diff ({env}):\n"));
        out.push_str(&cluster::diff_text(&e.changes, s));
        for b in &e.breaking {
            out.push_str(&s.paint(
                "error",
                &format!("BREAKING {} {}: {}\n", b.object, b.path, b.why),
            ));
        }
    }
    out
}
