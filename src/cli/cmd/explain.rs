//! `apwiz explain netpol`: who may reach whom under the NetworkPolicies helm renders for the
//! team's files, from the core's evaluator (`core::check::netpol`).
use serde_json::{Value, json};

use crate::cli::args::{ExplainCommand, RenderValuesArgs};
use crate::cli::cmd::{render, team_inputs};
use crate::cli::{Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::check::{netpol, pipeline};

pub(crate) fn run(ctx: &Ctx, c: ExplainCommand) -> Result<u8> {
    match c {
        ExplainCommand::Netpol(a) => netpol_graph(ctx, a),
    }
}

fn netpol_graph(ctx: &Ctx, a: RenderValuesArgs) -> Result<u8> {
    let inputs = team_inputs(ctx, &a.values)?;
    let namespace = inputs.namespace.clone().unwrap_or_else(|| "default".into());
    let session = ctx.session.clone();
    let r =
        ctx.block_on(async move { pipeline::render(session.checker(true).await?, inputs).await })?;
    if !r.findings.is_empty() {
        return render::print_findings(ctx, &r.findings);
    }
    let objects: Vec<&Value> = r.objects.iter().map(|o| &o.value).collect();
    let graph = netpol::graph(objects.iter().copied(), &namespace);
    if ctx.json() {
        print(&output::json(&json!({"ok": true, "graph": graph})))?;
    } else {
        print(&graph.to_string())?;
    }
    Ok(0)
}
