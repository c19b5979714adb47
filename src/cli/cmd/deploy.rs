//! `apwiz deploy`: validate (refuse on errors), pre-checks, the diff and a confirm (or `--yes`),
//! then `helm upgrade --install` with wait and rollback on failure while the watcher prints the
//! release's hooks, pods, workloads and events as lines; a cause card on failure, NOTES on success.
use std::time::Duration;

use serde_json::json;

use crate::cli::args::DeployArgs;
use crate::cli::cmd::{cluster, request, team_inputs, wizard};
use crate::cli::{Ctx, Outcome, output, print};
use crate::core::base::error::Result;
use crate::core::ops::deploy::{self, DeployOptions, DeployPlanning, DeployRequest};
use crate::core::ops::{Intent, Operation};
use crate::core::release::events::Emitter;
use crate::core::release::records;

/// `apwiz deploy`: on a terminal (no `--yes`, no JSON, not `--non-interactive`) the TUI's deploy
/// screen, else lines.
pub(crate) fn run(ctx: &Ctx, mut a: DeployArgs) -> Result<Outcome> {
    if a.local {
        a.cluster.kubeconfig = Some(cluster::local_control_plane()?);
    }
    if !a.yes && !ctx.json() && wizard::wanted(ctx) {
        // Resolved here so that a bad flag is a one-line error before the screen opens.
        let inputs = team_inputs(ctx, &a.values)?;
        return Ok(Outcome::Operation {
            session: ctx.session.clone(),
            intent: Intent::Deploy {
                release: inputs.release.clone(),
                request: Box::new(DeployRequest {
                    target: cluster::target(&a.cluster, inputs.namespace.clone()),
                    request: request(&a.values),
                    opts: options(&a),
                }),
            },
        });
    }
    lines(ctx, a).map(Outcome::Exit)
}

fn options(a: &DeployArgs) -> DeployOptions {
    DeployOptions {
        timeout: a.timeout.map(Duration::from_secs),
        max_history: Some(a.max_history),
        description: a.description.clone(),
        ..DeployOptions::default()
    }
}

fn lines(ctx: &Ctx, a: DeployArgs) -> Result<u8> {
    let req = DeployRequest {
        target: cluster::target(&a.cluster, a.values.namespace.clone()),
        request: request(&a.values),
        opts: options(&a),
    };
    // 1–3. validate (refuse on errors), render, pre-checks, the diff against the live release.
    let planning = ctx.block_on(deploy::plan_request(ctx.session.clone(), req))?;
    execute(ctx, planning, a.yes, "deploy").map(|(code, _)| code)
}

/// Prints a deploy's plan (the validation report when it has errors, the pre-checks, the
/// diff), asks (or `yes`), runs helm watched and prints the outcome; `what` names it
/// ("deploy", "canary step"). Returns the exit code and, when helm ran, whether it succeeded.
pub(super) fn execute(
    ctx: &Ctx,
    planning: DeployPlanning,
    yes: bool,
    what: &str,
) -> Result<(u8, Option<bool>)> {
    let p = match planning {
        DeployPlanning::Invalid(report) => {
            if ctx.json() {
                print(&output::json(
                    &json!({"ok": false, "event": "validate", "report": report}),
                ))?;
            } else {
                print(&output::report_text(&report, &ctx.out))?;
                eprintln!(
                    "{}",
                    ctx.err
                        .paint("error", "not deploying: fix the errors above first")
                );
            }
            return Ok((1, None));
        }
        DeployPlanning::RenderFailed(findings) => {
            return cluster::print_findings(ctx, &findings).map(|c| (c, None));
        }
        DeployPlanning::Ready(p) => p,
    };
    if !ctx.json() {
        print(&format!(
            "{} {} in {} (context {}, {})\n",
            ctx.out.paint("heading", what),
            p.release,
            p.cluster.namespace,
            p.cluster.context,
            p.event
        ))?;
    }
    if !cluster::print_checks(ctx, &p.checks)? {
        if !ctx.json() {
            eprintln!(
                "{}",
                ctx.err.paint("error", "not deploying: a pre-check failed")
            );
        }
        return Ok((1, None));
    }
    if ctx.json() {
        print(&format!(
            "{}\n",
            json!({"event": "diff", "changes": p.changes})
        ))?;
    } else if p.changes.is_empty() {
        print("no changes to the manifests (hooks still run)\n")?;
    } else {
        print(&cluster::diff_text(&p.changes, &ctx.out))?;
    }
    if !cluster::confirm(
        ctx,
        yes,
        &format!(
            "{} {} to {}/{}?",
            what, p.release, p.cluster.context, p.cluster.namespace
        ),
    )? {
        print("not deployed\n")?;
        return Ok((1, None));
    }

    // 4. helm, watched.
    let (emitter, rx) = Emitter::new();
    let outcome = cluster::run_watched(ctx, p.run(emitter), rx)?;
    if outcome.ok
        && !ctx.json()
        && let Ok(rec) = ctx.block_on(records::open(&p.cluster, &p.release, None))
    {
        print(&format!("revision {} {}\n", rec.revision, rec.info.status))?;
        if !rec.info.notes.trim().is_empty() {
            print(&format!(
                "{}\n{}\n",
                ctx.out.paint("heading", "NOTES"),
                rec.info.notes.trim_end()
            ))?;
        }
    }
    cluster::print_outcome(ctx, what, &outcome)?;
    Ok((if outcome.ok { 0 } else { 1 }, Some(outcome.ok)))
}
