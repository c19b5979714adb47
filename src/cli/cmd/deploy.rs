//! `apwiz deploy`: validate (refuse on errors), pre-checks, the diff and a confirm (or `--yes`),
//! then `helm upgrade --install` with wait and rollback on failure while the watcher prints the
//! release's hooks, pods, workloads and events as lines; a cause card on failure, NOTES on success.
use std::time::Duration;

use serde_json::json;

use crate::cli::args::DeployArgs;
use crate::cli::cmd::{cluster, request, team_inputs, wizard};
use crate::cli::{Ctx, Outcome, output, print};
use crate::core::base::error::{Error, Result};
use crate::core::check::report::{Finding, Report, Severity};
use crate::core::ops::deploy::{self, DeployOptions, DeployPlanning, DeployRequest};
use crate::core::ops::pin::{self, PinRequest};
use crate::core::ops::{self, Intent, Operation};
use crate::core::release::events::Emitter;
use crate::core::release::stuck::{self, Recovery};
use crate::core::release::{lease, records};

/// `apwiz deploy`: on a terminal (no `--yes`, no JSON, not `--non-interactive`) the TUI's deploy
/// screen, else lines.
pub(crate) fn run(ctx: &Ctx, mut a: DeployArgs) -> Result<Outcome> {
    if a.local {
        a.cluster.kubeconfig = Some(cluster::local_control_plane()?);
    }
    if !a.yes && !a.recover && !ctx.json() && wizard::wanted(ctx) {
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
    offer_pin(ctx, &a)?;
    let req = DeployRequest {
        target: cluster::target(&a.cluster, a.values.namespace.clone()),
        request: request(&a.values),
        opts: options(&a),
    };
    // 1–3. validate (refuse on errors), render, pre-checks, the diff against the live release.
    let planning = ctx.block_on(deploy::plan_request(ctx.session.clone(), req.clone()))?;
    if a.recover
        && let DeployPlanning::Ready(p) = &planning
    {
        if let Some(code) = recover(ctx, p, a.yes)? {
            return Ok(code);
        }
        // Recovered (or nothing to recover): plan again on the release as it is now.
        let planning = ctx.block_on(deploy::plan_request(ctx.session.clone(), req))?;
        return execute(ctx, planning, true, "deploy").map(|(code, _)| code);
    }
    execute(ctx, planning, a.yes, "deploy").map(|(code, _)| code)
}

/// `--recover`: a release a killed helm left `pending-*` is rolled back to its last deployed
/// revision (or, never deployed, uninstalled), watched like any operation, after one confirm
/// that also covers the deploy that follows. `Some(code)` when the deploy must not follow.
fn recover(ctx: &Ctx, p: &deploy::DeployPlan, yes: bool) -> Result<Option<u8>> {
    let history = ctx.block_on(records::list(&p.cluster, &p.release))?;
    let Some(stuck) = stuck::of(&history) else {
        print(&format!(
            "{} is not stuck (its newest revision is not pending-*): nothing to recover\n",
            p.release
        ))?;
        return Ok(None);
    };
    if stuck.running() {
        return Err(Error::Usage(format!(
            "not recovering {}: {}",
            p.release,
            stuck.describe()
        )));
    }
    if let Some(refusal) = ctx
        .block_on(lease::read(&p.cluster, &p.release))?
        .refusal(&p.release, &p.cluster.namespace)
    {
        return Err(Error::Invalid(format!("not recovering: {refusal}")));
    }
    print(&format!(
        "{} {}\n",
        ctx.out.paint("warning", "!"),
        stuck.describe()
    ))?;
    let what = match stuck.recovery {
        Recovery::Rollback { to } => format!(
            "roll {} back from revision {} ({}) to {to}, then deploy",
            p.release, stuck.revision, stuck.status
        ),
        Recovery::Reinstall => format!(
            "uninstall {} (revision {} never deployed), then deploy it again",
            p.release, stuck.revision
        ),
    };
    if yes {
        print(&format!("recovering: {what}\n"))?;
    }
    if !cluster::confirm(
        ctx,
        yes,
        &format!(
            "Recover: {what} ({}/{})?",
            p.cluster.context, p.cluster.namespace
        ),
    )? {
        print("not recovered\n")?;
        return Ok(Some(1));
    }
    let (emitter, rx) = Emitter::new();
    let (name, outcome) = match stuck.recovery {
        Recovery::Rollback { to } => {
            let rp = ctx.block_on(ops::rollback::plan(
                p.cluster.clone(),
                p.helm.clone(),
                p.release.clone(),
                Some(to),
                p.timeout,
            ))?;
            ("rollback", cluster::run_watched(ctx, rp.run(emitter), rx)?)
        }
        Recovery::Reinstall => {
            let up = ctx.block_on(ops::uninstall::plan(
                p.cluster.clone(),
                p.helm.clone(),
                p.release.clone(),
                p.timeout,
            ))?;
            ("uninstall", cluster::run_watched(ctx, up.run(emitter), rx)?)
        }
    };
    cluster::print_outcome(ctx, name, &outcome)?;
    Ok((!outcome.ok).then_some(1))
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
    print_warnings(ctx, &p.report)?;
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
    Ok((cluster::exit_code(&outcome), Some(outcome.ok)))
}

/// The validation warnings of a plan (a deploy goes on with them; the TUI's plan lists them
/// too): one line each, or one JSON event.
fn print_warnings(ctx: &Ctx, report: &Report) -> Result<()> {
    let warnings: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect();
    if warnings.is_empty() {
        return Ok(());
    }
    if ctx.json() {
        return print(&format!(
            "{}\n",
            json!({"event": "warnings", "findings": warnings})
        ));
    }
    let mut text = format!(
        "{} {} validation warning{} (deploying anyway):\n",
        ctx.out.paint("warning", "!"),
        warnings.len(),
        if warnings.len() == 1 { "" } else { "s" }
    );
    for f in warnings {
        text.push_str(&format!("  {}\n", output::finding_line(f, &ctx.out)));
    }
    print(&text)
}

/// `--env prod` with images that have a tag and no digest: says so, then pins them first
/// (`--pin`, or yes to the question on a terminal) or deploys the tags as they are (`--yes`
/// never pins silently; it says it goes on). Only for the team's directory (not `-f` files),
/// where `apwiz pin` writes `values-prod.yaml`.
fn offer_pin(ctx: &Ctx, a: &DeployArgs) -> Result<()> {
    if a.values.env.as_deref() != Some("prod") || !a.values.values.is_empty() {
        return Ok(());
    }
    let mut req = PinRequest {
        dir: a.values.dir.clone(),
        env: "prod".into(),
        plain_http: false,
        check: true,
        dry_run: false,
    };
    let session = ctx.session.clone();
    // a team directory the check cannot read is the deploy's to report, with its own words
    let Ok(found) = ctx.block_on(async { pin::pin(&session, &req).await }) else {
        return Ok(());
    };
    if found.unpinned() == 0 {
        return Ok(());
    }
    let tags: Vec<&str> = found
        .images
        .iter()
        .filter(|i| i.digest.is_none())
        .map(|i| i.reference.as_str())
        .collect();
    let pin_now = if a.pin {
        true
    } else if a.yes || ctx.json() {
        false
    } else {
        print(&format!(
            "{} {}: {} image(s) with a tag and no digest: {}\n",
            ctx.out.paint("warning", "!"),
            found.file,
            tags.len(),
            tags.join(", ")
        ))?;
        cluster::confirm(
            ctx,
            false,
            "pin them to their registry digests first (apwiz pin --env prod)?",
        )?
    };
    if ctx.json() {
        print(&format!(
            "{}\n",
            json!({"event": "unpinned", "file": found.file, "images": tags, "pin": pin_now})
        ))?;
    } else if !pin_now && a.yes {
        print(&format!(
            "{} {}: {} image(s) with a tag and no digest ({}); deploying the tags as they are \
             (--yes does not pin: pass --pin, or run `apwiz pin --env prod` first)\n",
            ctx.out.paint("warning", "!"),
            found.file,
            tags.len(),
            tags.join(", ")
        ))?;
    } else if a.pin {
        print(&format!(
            "{}: pinning {} (--pin)\n",
            found.file,
            tags.join(", ")
        ))?;
    }
    if !pin_now {
        return Ok(());
    }
    req.check = false;
    let out = ctx.block_on(async { pin::pin(&session, &req).await })?;
    if !ctx.json() {
        print(&super::pin::text(ctx, &req, &out))?;
    }
    Ok(())
}
