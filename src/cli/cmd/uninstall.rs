//! `apwiz uninstall`: what will be deleted, what `helm.sh/resource-policy: keep` keeps, which
//! delete hooks run; the release name typed to confirm (or `--yes`); `helm uninstall --wait`
//! watched.
use std::time::Duration;

use serde_json::json;

use crate::cli::args::UninstallArgs;
use crate::cli::cmd::cluster;
use crate::cli::{Ctx, print};
use crate::core::base::error::Result;
use crate::core::ops::{self, Operation};
use crate::core::release::events::Emitter;

pub(crate) fn run(ctx: &Ctx, a: UninstallArgs) -> Result<u8> {
    let release = cluster::release_name(&a.release)?;
    let target = cluster::target(&a.release.cluster, a.release.namespace.clone());
    let p = ctx.block_on(ops::uninstall::open(
        &ctx.session,
        &target,
        release,
        Duration::from_secs(a.timeout),
    ))?;
    if ctx.json() {
        print(&format!(
            "{}\n",
            json!({"event": "plan", "deleted": p.deleted, "kept": p.kept, "hooks": p.hooks, "held": p.held})
        ))?;
    } else {
        let mut out = format!(
            "uninstall {} (revision {}) from {}/{}\n",
            p.release, p.revision, p.cluster.context, p.cluster.namespace
        );
        out.push_str(&format!("deleted ({}):\n", p.deleted.len()));
        for k in &p.deleted {
            out.push_str(&format!("    - {k}\n"));
        }
        out.push_str(&format!(
            "kept by helm.sh/resource-policy: keep ({}):\n",
            p.kept.len()
        ));
        for k in &p.kept {
            out.push_str(&format!("    = {k}\n"));
        }
        out.push_str(&format!("delete hooks ({}):\n", p.hooks.len()));
        for h in &p.hooks {
            out.push_str(&format!(
                "    {}/{} [{}]\n",
                h.kind,
                h.name,
                h.events.join(",")
            ));
        }
        print(&out)?;
    }
    if let Some(code) = super::rollback::refused_if_held(ctx, p.held.as_deref(), "uninstalled")? {
        return Ok(code);
    }
    if !cluster::confirm_by_name(ctx, a.yes, &p.release)? {
        print("not uninstalled: the name did not match\n")?;
        return Ok(1);
    }
    let (emitter, rx) = Emitter::new();
    let outcome = cluster::run_watched(ctx, p.run(emitter), rx)?;
    cluster::print_outcome(ctx, "uninstall", &outcome)?;
    Ok(cluster::exit_code(&outcome))
}
