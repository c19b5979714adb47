//! `apwiz diff`: the live release's manifests against a new render of the team's files, object
//! by object and path by path, Secret values redacted. Exit 0 no changes, 2 changes, 1 error
//! (Terraform's `-detailed-exitcode` convention).
use serde_json::json;

use crate::cli::args::DiffArgs;
use crate::cli::cmd::{cluster, team_inputs};
use crate::cli::{Ctx, error_line, output, print};
use crate::core::base::error::Result;
use crate::core::check::pipeline;
use crate::core::release::{diff, records};

pub(crate) fn run(ctx: &Ctx, a: DiffArgs) -> Result<u8> {
    match changes(ctx, &a) {
        Ok(Some(c)) => {
            if ctx.json() {
                print(&output::json(
                    &json!({"ok": true, "changed": !c.is_empty(), "changes": c}),
                ))?;
            } else {
                print(&cluster::diff_text(&c, &ctx.out))?;
            }
            Ok(if c.is_empty() { 0 } else { 2 })
        }
        Ok(None) => Ok(1),
        Err(e) => {
            if ctx.json() {
                print(&crate::cli::error_json(&e))?;
            } else {
                eprintln!("{}", error_line(&e));
            }
            Ok(1)
        }
    }
}

/// The changes, or None when the render failed (its findings printed).
fn changes(ctx: &Ctx, a: &DiffArgs) -> Result<Option<Vec<diff::Change>>> {
    let mut inputs = team_inputs(ctx, &a.values)?;
    let cl = cluster::connect(ctx, &a.cluster, inputs.namespace.clone())?;
    inputs.namespace = Some(cl.namespace.clone());
    let release = inputs.release.clone();
    let session = ctx.session.clone();
    let (rendered, live) = ctx.block_on(async {
        let r = pipeline::render(session.checker(true).await?, inputs).await?;
        let live = match records::open(&cl, &release, None).await {
            Ok(rec) => rec.raw_manifest,
            Err(crate::core::Error::Usage(_)) => String::new(),
            Err(e) => return Err(e),
        };
        Ok((r, live))
    })?;
    if !rendered.findings.is_empty() {
        cluster::print_findings(ctx, &rendered.findings)?;
        return Ok(None);
    }
    Ok(Some(diff::diff_manifests(
        &live,
        &rendered.manifests,
        &cl.namespace,
    )?))
}
