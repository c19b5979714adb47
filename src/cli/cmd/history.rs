//! `apwiz history`: the release's revisions from Helm's release records (metadata only; no
//! revision body is decoded, no value shown), or from `helm history` when Secrets cannot be read.
use serde_json::json;

use crate::cli::args::ReleaseArgs;
use crate::cli::cmd::cluster;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::release::records;

pub(crate) fn run(ctx: &Ctx, a: ReleaseArgs) -> Result<u8> {
    let release = cluster::release_name(&a)?;
    let cl = cluster::connect(ctx, &a.cluster, a.namespace.clone())?;
    let session = ctx.session.clone();
    let h = ctx.block_on(async {
        match records::list(&cl, &release).await {
            Ok(h) => Ok(h),
            Err(e) => {
                let helm = session.helm().await?;
                let revisions = records::helm_history(&helm, &cl, &release).await?;
                Ok(records::History {
                    release: release.clone(),
                    namespace: cl.namespace.clone(),
                    source: records::Source::HelmHistory,
                    fallback_reason: Some(e.to_string()),
                    revisions,
                })
            }
        }
    })?;
    if h.revisions.is_empty() {
        return Err(records::not_found(&release, &cl.namespace));
    }
    if ctx.json() {
        print(&output::json(&json!({"ok": true, "history": h})))?;
        return Ok(0);
    }
    if let Some(why) = &h.fallback_reason {
        eprintln!(
            "{}",
            ctx.err.paint(
                "warning",
                &format!("release records not readable ({why}); from helm history")
            )
        );
    }
    let rows: Vec<Vec<String>> = h
        .revisions
        .iter()
        .map(|r| {
            let mut row = vec![r.revision.to_string(), r.status.clone(), r.updated.clone()];
            if h.source == records::Source::HelmHistory {
                row.push(r.chart.clone().unwrap_or_default());
                row.push(r.description.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    let headers: &[&str] = if h.source == records::Source::HelmHistory {
        &["REVISION", "STATUS", "UPDATED", "CHART", "DESCRIPTION"]
    } else {
        &["REVISION", "STATUS", "UPDATED"]
    };
    print(&output::table(headers, &rows, &ctx.out))?;
    Ok(0)
}
