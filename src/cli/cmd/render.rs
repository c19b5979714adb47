//! `apwiz render`: the manifests helm renders for the team's files (or a summary of them).
use serde_json::json;

use crate::cli::args::RenderArgs;
use crate::cli::cmd::team_inputs;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::check::pipeline;
use crate::core::check::report::Finding;

pub(crate) fn run(ctx: &Ctx, a: RenderArgs) -> Result<u8> {
    let inputs = team_inputs(ctx, &a.values)?;
    let session = ctx.session.clone();
    let r =
        ctx.block_on(async move { pipeline::render(session.checker(true).await?, inputs).await })?;
    if !r.findings.is_empty() {
        return print_findings(ctx, &r.findings);
    }
    if a.summary {
        if ctx.json() {
            print(&output::json(&json!({"ok": true, "objects": r.objects})))?;
        } else {
            let rows: Vec<Vec<String>> = r
                .objects
                .iter()
                .map(|o| {
                    vec![
                        o.kind.clone(),
                        o.name.clone(),
                        o.service.clone().unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            print(&output::table(
                &["KIND", "NAME", "SERVICE"],
                &rows,
                &ctx.out,
            ))?;
        }
    } else if ctx.json() {
        let docs: Vec<_> = r.objects.iter().map(|o| &o.value).collect();
        print(&output::json(&json!({"ok": true, "objects": docs})))?;
    } else {
        print(&r.manifests)?;
    }
    Ok(0)
}

/// A render's findings (JSON on stdout, text on stderr); exit status 1.
pub(super) fn print_findings(ctx: &Ctx, findings: &[Finding]) -> Result<u8> {
    if ctx.json() {
        print(&output::json(&json!({"ok": false, "findings": findings})))?;
    } else {
        for f in findings {
            eprintln!("{}", output::finding_line(f, &ctx.err));
        }
    }
    Ok(1)
}
