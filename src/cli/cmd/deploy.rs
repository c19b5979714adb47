//! `apwiz deploy`: validate (refuse on errors), pre-checks, the diff and a confirm (or `--yes`),
//! then `helm upgrade --install` with wait and rollback on failure while the watcher prints the
//! release's hooks, pods, workloads and events as lines; a cause card on failure, NOTES on success.
use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::cli::args::DeployArgs;
use crate::cli::cmd::{cluster, team_inputs};
use crate::cli::{Ctx, output, print};
use crate::core::check::pipeline;
use crate::core::error::Result;
use crate::core::release::events::{Emitter, Phase};
use crate::core::release::{diff, ops, prechecks, records};

/// `git -C dir describe`: the commit of the team's directory (`+dirty` with local changes).
pub(crate) fn git_commit(dir: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["-C"])
        .arg(dir)
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let commit = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let dirty = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["status", "--porcelain", "--", "."])
        .output()
        .ok()
        .is_some_and(|o| !o.stdout.is_empty());
    Some(format!("git {commit}{}", if dirty { "+dirty" } else { "" }))
}

pub(crate) fn run(ctx: &Ctx, a: DeployArgs) -> Result<u8> {
    let mut inputs = team_inputs(ctx, &a.values)?;
    let cl = cluster::connect(ctx, &a.cluster, inputs.namespace.clone())?;
    cl.require_writable("deploy")?;
    inputs.namespace = Some(cl.namespace.clone());
    let release = inputs.release.clone();
    let session = ctx.session.clone();
    let checker = ctx.block_on(session.checker(true))?;
    let helm = checker
        .helm
        .clone()
        .ok_or_else(crate::core::helm::not_found)?;

    // 1. validate: refuse on errors.
    let report = ctx.block_on(pipeline::validate(checker.clone(), inputs.clone()))?;
    if !report.ok {
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
        return Ok(1);
    }
    let rendered = ctx.block_on(pipeline::render(checker.clone(), inputs.clone()))?;
    if !rendered.findings.is_empty() {
        return cluster::print_findings(ctx, &rendered.findings);
    }
    let objects = cluster::values_of(&rendered);

    // 2. pre-checks, in parallel (with the history for a pending release).
    let timeout = a
        .timeout
        .map(Duration::from_secs)
        .unwrap_or_else(|| prechecks::default_timeout(&objects));
    let history = ctx.block_on(records::list(&cl, &release)).ok();
    let history = history.filter(|h| !h.revisions.is_empty());
    let input = prechecks::Input {
        objects: objects.clone(),
        kube_version: checker.chart.meta.kube_version.clone(),
        timeout,
        history: history.clone(),
    };
    if !ctx.json() {
        print(&format!(
            "{} {release} in {} (context {}, {})\n",
            ctx.out.paint("heading", "deploy"),
            cl.namespace,
            cl.context,
            if history.is_some() {
                "upgrade"
            } else {
                "install"
            }
        ))?;
    }
    let checks = ctx.block_on(prechecks::run(&cl, &input));
    if !cluster::print_checks(ctx, &checks)? {
        if !ctx.json() {
            eprintln!(
                "{}",
                ctx.err.paint("error", "not deploying: a pre-check failed")
            );
        }
        return Ok(1);
    }

    // 3. the diff against the live release, and a confirm.
    let upgrade = history.is_some();
    let live = if upgrade {
        ctx.block_on(records::open(&cl, &release, None))
            .map(|r| r.raw_manifest)
            .unwrap_or_default()
    } else {
        String::new()
    };
    let changes = diff::diff_manifests(&live, &rendered.manifests, &cl.namespace)?;
    if ctx.json() {
        print(&format!(
            "{}\n",
            json!({"event": "diff", "changes": changes})
        ))?;
    } else if changes.is_empty() {
        print("no changes to the manifests (hooks still run)\n")?;
    } else {
        print(&cluster::diff_text(&changes, &ctx.out))?;
    }
    if !cluster::confirm(
        ctx,
        a.yes,
        &format!("Deploy {release} to {}/{}?", cl.context, cl.namespace),
    )? {
        print("not deployed\n")?;
        return Ok(1);
    }

    // 4. helm, watched.
    let description = a
        .description
        .clone()
        .or_else(|| inputs.dir.as_deref().and_then(git_commit));
    let flags = ops::DeployFlags {
        timeout,
        max_history: Some(a.max_history),
        description: description.clone(),
    };
    let files: Vec<_> = inputs.files.iter().map(|f| f.path.clone()).collect();
    let sets: Vec<String> = inputs.sets.iter().map(|s| s.raw.clone()).collect();
    let argv = ops::upgrade_argv(
        &helm,
        &cl,
        &release,
        &checker.chart.path.display().to_string(),
        &files,
        &sets,
        &flags,
    );
    let hooks = ops::hooks_of(&objects);
    let event = if upgrade { "upgrade" } else { "install" };
    let rollback_to = history.as_ref().and_then(|h| {
        h.revisions
            .iter()
            .rev()
            .find(|r| r.status == "deployed")
            .map(|r| r.revision)
    });
    let spec = ops::watch_spec(
        &cl,
        &release,
        &hooks,
        &format!("pre-{event}"),
        &format!("post-{event}"),
        rollback_to,
    );
    let first = if spec.pre_hooks.is_empty() {
        Phase::ApplyAndWait
    } else {
        Phase::PreHooks
    };
    let (emitter, rx) = Emitter::new();
    let plan = json!({
        "event": event, "files": inputs.files.iter().map(|f| f.display.clone()).collect::<Vec<_>>(),
        "hooks": hooks, "changes": changes.len(), "timeoutSeconds": timeout.as_secs(),
        "description": description, "prechecks": checks,
    });
    let outcome = cluster::run_watched(
        ctx,
        ops::Run {
            name: "deploy",
            cluster: &cl,
            helm: &helm,
            argv,
            spec,
            first_phase: first,
            plan,
            emitter,
            state_dir: None,
        },
        rx,
    )?;
    if outcome.ok
        && !ctx.json()
        && let Ok(rec) = ctx.block_on(records::open(&cl, &release, None))
    {
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
    }
    cluster::print_outcome(ctx, "deploy", &outcome)?;
    Ok(if outcome.ok { 0 } else { 1 })
}
