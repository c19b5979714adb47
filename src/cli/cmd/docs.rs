//! `apwiz docs`: the team manual (`chart/README.md`) from the schema, the defaults and the presets.
use serde_json::json;

use crate::cli::args::DocsArgs;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::{Error, Result};
use crate::core::docs;
use crate::core::scaffold::overrides;

pub(crate) fn run(ctx: &Ctx, a: DocsArgs) -> Result<u8> {
    let chart = ctx.session.chart()?;
    if chart.is_archive && a.out.is_none() && !a.stdout {
        return Err(Error::Usage(
            "the chart is an archive: pass --out FILE or --stdout".into(),
        ));
    }
    let text = docs::readme(&chart, &ctx.session.presets, &crate::cli::error_line)?;
    if a.stdout {
        print(&text)?;
        return Ok(0);
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| chart.path.join("README.md"));
    let current = std::fs::read_to_string(&out).ok();
    if a.check {
        let fresh = current.as_deref() == Some(text.as_str());
        if ctx.json() {
            print(&output::json(
                &json!({"ok": fresh, "path": out, "stale": !fresh}),
            ))?;
        } else if fresh {
            print(&format!(
                "{} {} is up to date\n",
                ctx.out.paint("ok", "ok:"),
                out.display()
            ))?;
        } else {
            eprintln!(
                "{} {} is stale: run `apwiz docs` and commit the result",
                ctx.err.paint("error", "error:"),
                out.display()
            );
        }
        return Ok(if fresh { 0 } else { 1 });
    }
    let changed = current.as_deref() != Some(text.as_str());
    if changed {
        overrides::write_atomic(&out, &text)?;
    }
    if ctx.json() {
        print(&output::json(
            &json!({"ok": true, "path": out, "changed": changed}),
        ))?;
    } else {
        print(&format!(
            "{} {}\n",
            if changed {
                ctx.out.paint("ok", "wrote")
            } else {
                ctx.out.paint("muted", "unchanged")
            },
            out.display()
        ))?;
    }
    Ok(0)
}
