//! `apwiz uninstall`: what will be deleted, what `helm.sh/resource-policy: keep` keeps, which
//! delete hooks run; the release name typed to confirm (or `--yes`); `helm uninstall --wait`
//! watched.
use std::time::Duration;

use serde_json::json;

use crate::cli::args::UninstallArgs;
use crate::cli::cmd::cluster;
use crate::cli::{Ctx, print};
use crate::core::error::Result;
use crate::core::release::events::{Emitter, Phase};
use crate::core::release::{diff, ops, records};

pub(crate) fn run(ctx: &Ctx, a: UninstallArgs) -> Result<u8> {
    let release = cluster::release_name(&a.release)?;
    let cl = cluster::connect(ctx, &a.release.cluster, a.release.namespace.clone())?;
    cl.require_writable("uninstall")?;
    let helm = ctx.block_on(ctx.session.helm())?;
    let rec = ctx.block_on(records::open(&cl, &release, None))?;
    let objects = diff::objects(&rec.raw_manifest, &cl.namespace)?;
    let (kept, deleted): (Vec<_>, Vec<_>) = objects.iter().partition(|(_, v)| {
        v["metadata"]["annotations"]["helm.sh/resource-policy"].as_str() == Some("keep")
    });
    let hooks: Vec<ops::HookObject> = rec
        .hooks
        .iter()
        .filter(|h| {
            h.events
                .iter()
                .any(|e| e == "pre-delete" || e == "post-delete")
        })
        .map(ops::HookObject::from)
        .collect();
    let kept_names: Vec<&String> = kept.iter().map(|(k, _)| *k).collect();
    let deleted_names: Vec<&String> = deleted.iter().map(|(k, _)| *k).collect();
    if ctx.json() {
        print(&format!(
            "{}\n",
            json!({"event": "plan", "deleted": deleted_names, "kept": kept_names, "hooks": hooks})
        ))?;
    } else {
        let mut out = format!(
            "uninstall {release} (revision {}) from {}/{}\n",
            rec.revision, cl.context, cl.namespace
        );
        out.push_str(&format!("deleted ({}):\n", deleted_names.len()));
        for k in &deleted_names {
            out.push_str(&format!("    - {k}\n"));
        }
        out.push_str(&format!(
            "kept by helm.sh/resource-policy: keep ({}):\n",
            kept_names.len()
        ));
        for k in &kept_names {
            out.push_str(&format!("    = {k}\n"));
        }
        out.push_str(&format!("delete hooks ({}):\n", hooks.len()));
        for h in &hooks {
            out.push_str(&format!(
                "    {}/{} [{}]\n",
                h.kind,
                h.name,
                h.events.join(",")
            ));
        }
        print(&out)?;
    }
    if !cluster::confirm_by_name(ctx, a.yes, &release)? {
        print("not uninstalled: the name did not match\n")?;
        return Ok(1);
    }
    let spec = ops::watch_spec(&cl, &release, &hooks, "pre-delete", "post-delete", None);
    let first = if spec.pre_hooks.is_empty() {
        Phase::ApplyAndWait
    } else {
        Phase::PreHooks
    };
    let (emitter, rx) = Emitter::new();
    let outcome = cluster::run_watched(
        ctx,
        ops::Run {
            name: "uninstall",
            cluster: &cl,
            helm: &helm,
            argv: ops::uninstall_argv(&cl, &release, Duration::from_secs(a.timeout)),
            spec,
            first_phase: first,
            plan: json!({"revision": rec.revision, "deleted": deleted_names, "kept": kept_names, "hooks": hooks}),
            emitter,
            state_dir: None,
            interrupt: None,
        },
        rx,
    )?;
    cluster::print_outcome(ctx, "uninstall", &outcome)?;
    Ok(if outcome.ok { 0 } else { 1 })
}
