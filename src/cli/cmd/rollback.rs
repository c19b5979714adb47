//! `apwiz rollback [REV]`: the diff of the current revision against the target first, a confirm
//! (or `--yes`), then `helm rollback --wait` watched like a deploy.
use std::time::Duration;

use serde_json::json;

use crate::cli::args::RollbackArgs;
use crate::cli::cmd::cluster;
use crate::cli::{Ctx, print};
use crate::core::error::{Error, Result};
use crate::core::release::events::{Emitter, Phase};
use crate::core::release::{diff, ops, records};

pub(crate) fn run(ctx: &Ctx, a: RollbackArgs) -> Result<u8> {
    let release = cluster::release_name(&a.release)?;
    let cl = cluster::connect(ctx, &a.release.cluster, a.release.namespace.clone())?;
    cl.require_writable("rollback")?;
    let helm = ctx.block_on(ctx.session.helm())?;
    let history = ctx.block_on(records::list(&cl, &release))?;
    let current = history
        .latest()
        .ok_or_else(|| records::not_found(&release, &cl.namespace))?
        .clone();
    let target = match a.revision {
        Some(n) => n,
        None => history
            .revisions
            .iter()
            .rev()
            .find(|r| {
                r.revision < current.revision
                    && (r.status == "deployed" || r.status == "superseded")
            })
            .map(|r| r.revision)
            .ok_or_else(|| {
                Error::Usage(format!("{release} has no earlier revision to roll back to"))
            })?,
    };
    let (cur, tgt) = ctx.block_on(async {
        futures::try_join!(
            records::open(&cl, &release, Some(current.revision)),
            records::open(&cl, &release, Some(target))
        )
    })?;
    let changes = diff::diff_manifests(&cur.raw_manifest, &tgt.raw_manifest, &cl.namespace)?;
    if ctx.json() {
        print(&format!(
            "{}\n",
            json!({"event": "diff", "from": current.revision, "to": target, "changes": changes})
        ))?;
    } else {
        print(&format!(
            "rollback {release}: revision {} ({}) → {target}\n",
            current.revision, current.status
        ))?;
        print(&if changes.is_empty() {
            "no changes to the manifests\n".to_string()
        } else {
            cluster::diff_text(&changes, &ctx.out)
        })?;
    }
    if !cluster::confirm(
        ctx,
        a.yes,
        &format!("Roll {release} back to revision {target}?"),
    )? {
        print("not rolled back\n")?;
        return Ok(1);
    }
    // The target's hooks run on rollback.
    let hooks: Vec<ops::HookObject> = tgt.hooks.iter().map(ops::HookObject::from).collect();
    let spec = ops::watch_spec(&cl, &release, &hooks, "pre-rollback", "post-rollback", None);
    let first = if spec.pre_hooks.is_empty() {
        Phase::ApplyAndWait
    } else {
        Phase::PreHooks
    };
    let (emitter, rx) = Emitter::new();
    let timeout = Duration::from_secs(a.timeout);
    let outcome = cluster::run_watched(
        ctx,
        ops::Run {
            name: "rollback",
            cluster: &cl,
            helm: &helm,
            argv: ops::rollback_argv(&cl, &release, Some(target), timeout),
            spec,
            first_phase: first,
            plan: json!({"from": current.revision, "to": target, "changes": changes.len()}),
            emitter,
            state_dir: None,
        },
        rx,
    )?;
    cluster::print_outcome(ctx, "rollback", &outcome)?;
    Ok(if outcome.ok { 0 } else { 1 })
}
