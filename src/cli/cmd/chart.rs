//! `apwiz chart export`: the chart built into apwiz, written out for plain helm.
use serde_json::json;

use crate::cli::args::ChartCommand;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::inputs::chart;

pub(crate) fn run(ctx: &Ctx, c: ChartCommand) -> Result<u8> {
    let ChartCommand::Export { dir, tgz } = c;
    let written = match &tgz {
        Some(file) => chart::export(file, true)?,
        None => chart::export(dir.as_deref().unwrap_or(std::path::Path::new(".")), false)?,
    };
    if ctx.json() {
        print(&output::json(&json!({"ok": true, "path": written})))?;
    } else {
        print(&format!(
            "{} {}\n",
            ctx.out.paint("ok", "wrote"),
            written.display()
        ))?;
    }
    Ok(0)
}
