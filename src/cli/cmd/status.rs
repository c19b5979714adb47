//! `apwiz status`: the latest (or a chosen) revision from its release record (values redacted),
//! its hooks' last runs, the workloads' readiness now and recent warning events.
use serde_json::json;

use crate::cli::args::StatusArgs;
use crate::cli::cmd::{cluster, indent, wizard};
use crate::cli::{Ctx, Outcome, output, print};
use crate::core::base::error::{Error, Result};
use crate::core::inputs::team_dir;
use crate::core::ops::{Intent, status};
use crate::core::release::{records, stuck};

/// `apwiz status`; with `--watch` on a terminal, the TUI's status screen.
pub(crate) fn run(ctx: &Ctx, a: StatusArgs) -> Result<Outcome> {
    if a.watch {
        if !wizard::wanted(ctx) || ctx.json() {
            return Err(Error::Usage(
                "apwiz status --watch needs a terminal of at least 60×20 (without one: apwiz status, or apwiz history)".into(),
            ));
        }
        let release = cluster::release_name(&a.release)?;
        return Ok(Outcome::Operation {
            session: ctx.session.clone(),
            intent: Intent::Watch {
                target: cluster::target(&a.release.cluster, a.release.namespace.clone()),
                release,
                dir: team_dir(&a.release.dir),
            },
        });
    }
    once(ctx, a).map(Outcome::Exit)
}

fn once(ctx: &Ctx, a: StatusArgs) -> Result<u8> {
    let release = cluster::release_name(&a.release)?;
    let cl = cluster::connect(ctx, &a.release.cluster, a.release.namespace.clone())?;
    let status::Snapshot {
        record: rec,
        workloads: loads,
        warnings: warns,
    } = ctx.block_on(status::snapshot(&cl, &release, a.revision))?;
    // A helm killed mid-operation left the newest revision pending-*: say so, and what recovers it.
    let stuck = ctx
        .block_on(records::list(&cl, &release))
        .ok()
        .and_then(|h| stuck::of(&h));
    if ctx.json() {
        let wl: Vec<_> = loads
            .iter()
            .map(|(o, s)| json!({"object": o, "state": s}))
            .collect();
        print(&output::json(&json!({
            "ok": true,
            "release": rec.name, "namespace": rec.namespace, "revision": rec.revision,
            "status": rec.info.status, "description": rec.info.description,
            "lastDeployed": rec.info.last_deployed,
            "chart": rec.chart, "suppliedValueKeys": rec.supplied_value_keys,
            "hooks": rec.hooks, "workloads": wl, "warnings": warns,
            "stuck": stuck.as_ref().map(|s| json!({
                "revision": s.revision, "status": s.status, "since": s.since,
                "helmPids": s.helms, "recovery": s.recovery,
                "message": s.describe(), "offer": (!s.running()).then(|| s.offer()),
            })),
        })))?;
        return Ok(0);
    }
    let mut out = format!(
        "{} revision {} {} ({}), {} {}\n",
        ctx.out.paint("heading", &rec.name),
        rec.revision,
        ctx.out.paint(
            if rec.info.status == "deployed" {
                "ok"
            } else {
                "warning"
            },
            &rec.info.status
        ),
        rec.info.description,
        rec.chart.name,
        rec.chart.version
    );
    out.push_str(&format!(
        "last deployed {}; namespace {}\n",
        rec.info.last_deployed, rec.namespace
    ));
    out.push_str(&format!(
        "values: supplied keys {} (values are not shown)\n",
        if rec.supplied_value_keys.is_empty() {
            "none".to_string()
        } else {
            rec.supplied_value_keys.join(", ")
        }
    ));
    if !rec.hooks.is_empty() {
        out.push_str("hooks (last runs):\n");
        let rows: Vec<Vec<String>> = rec
            .hooks
            .iter()
            .map(|h| {
                vec![
                    format!("{}/{}", h.kind, h.name),
                    h.events.join(","),
                    if h.last_run.phase.is_empty() {
                        "never ran".into()
                    } else {
                        h.last_run.phase.clone()
                    },
                    h.last_run.started_at.clone(),
                ]
            })
            .collect();
        out.push_str(&indent(&output::table(
            &["HOOK", "EVENTS", "LAST RUN", "STARTED"],
            &rows,
            &ctx.out,
        )));
        out.push('\n');
    }
    out.push_str("workloads:\n");
    if loads.is_empty() {
        out.push_str("    none\n");
    }
    for (o, s) in &loads {
        out.push_str(&format!("    {o}  {s}\n"));
    }
    if !warns.is_empty() {
        out.push_str("warning events:\n");
        for w in &warns {
            out.push_str(&format!("    {}\n", ctx.out.paint("warning", w)));
        }
    }
    if let Some(s) = &stuck {
        out.push_str(&ctx.out.paint("warning", &format!("! {}\n", s.describe())));
        if !s.running() {
            out.push_str(&format!("  recover: {}\n", s.offer()));
        }
    }
    print(&out)?;
    Ok(0)
}
