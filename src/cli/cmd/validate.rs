//! `apwiz validate`: the team's files through every check (files, schema, chart rules at render
//! time, policies, helm lint) into one report.
use crate::cli::args::ValidateArgs;
use crate::cli::cmd::team_inputs;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::check::pipeline;

pub(crate) fn run(ctx: &Ctx, a: ValidateArgs) -> Result<u8> {
    let inputs = team_inputs(ctx, &a.values)?;
    let session = ctx.session.clone();
    let with_helm = !a.no_helm;
    let report = ctx.block_on(async move {
        pipeline::validate(session.checker(with_helm).await?, inputs).await
    })?;
    if ctx.json() {
        print(&output::json(&report))?;
    } else {
        print(&output::report_text(&report, &ctx.out))?;
    }
    Ok(if report.ok { 0 } else { 1 })
}
