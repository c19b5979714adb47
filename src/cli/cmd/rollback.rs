//! `apwiz rollback [REV]`: the diff of the current revision against the target first, a confirm
//! (or `--yes`), then `helm rollback --wait` watched like a deploy.
use std::time::Duration;

use serde_json::json;

use crate::cli::args::RollbackArgs;
use crate::cli::cmd::cluster;
use crate::cli::{Ctx, print};
use crate::core::base::error::Result;
use crate::core::ops::{self, Operation};
use crate::core::release::events::Emitter;
use crate::core::release::lease::Refusal;

pub(crate) fn run(ctx: &Ctx, a: RollbackArgs) -> Result<u8> {
    let release = cluster::release_name(&a.release)?;
    let target = cluster::target(&a.release.cluster, a.release.namespace.clone());
    let p = ctx.block_on(ops::rollback::open(
        &ctx.session,
        &target,
        release,
        a.revision,
        Duration::from_secs(a.timeout),
    ))?;
    if ctx.json() {
        print(&format!(
            "{}\n",
            json!({"event": "diff", "from": p.from, "to": p.to, "changes": p.changes, "held": p.held})
        ))?;
    } else {
        print(&format!(
            "rollback {}: revision {} ({}) → {}\n",
            p.release, p.from, p.from_status, p.to
        ))?;
        print(&if p.changes.is_empty() {
            "no changes to the manifests\n".to_string()
        } else {
            cluster::diff_text(&p.changes, &ctx.out)
        })?;
    }
    if let Some(code) = refused_if_held(ctx, p.held.as_deref(), "rolled back")? {
        return Ok(code);
    }
    if !cluster::confirm(
        ctx,
        a.yes,
        &format!("Roll {} back to revision {}?", p.release, p.to),
    )? {
        print("not rolled back\n")?;
        return Ok(1);
    }
    let (emitter, rx) = Emitter::new();
    let outcome = cluster::run_watched(ctx, p.run(emitter), rx)?;
    cluster::print_outcome(ctx, "rollback", &outcome)?;
    Ok(cluster::exit_code(&outcome))
}

/// Another apwiz holds the release's Lease (the plan read it): its card (who, since when, what to
/// do) and the refusal in the deploy's words, exit 1 before anything is asked, `--yes` or not.
pub(super) fn refused_if_held(ctx: &Ctx, held: Option<&Refusal>, not: &str) -> Result<Option<u8>> {
    let Some(h) = held else {
        return Ok(None);
    };
    if !ctx.json() {
        print(&format!("{}\n", cluster::card_text(&h.card(), &ctx.out)))?;
    }
    eprintln!("{}", ctx.err.paint("error", &format!("not {not}: {h}")));
    Ok(Some(1))
}
