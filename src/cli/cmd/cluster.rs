//! What the release commands share: connecting to the cluster from the flags, the release name,
//! event lines, the cause card, diffs and confirmations.
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::args::{ClusterArgs, ReleaseArgs};
use crate::cli::output::Styler;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::{Error, Result};
use crate::core::ops;
use crate::core::release::cause::CauseCard;
use crate::core::release::diff::Change;
use crate::core::release::events::{Kind, Phase, PhaseState, ReleaseEvent};
use crate::core::release::liveness;
use crate::core::release::prechecks::{Check, Status};
use crate::core::release::{Cluster, Target};

/// The cluster the flags name.
pub(crate) fn target(c: &ClusterArgs, namespace: Option<String>) -> Target {
    Target {
        kubeconfig: c.kubeconfig.clone(),
        context: c.context.clone(),
        namespace,
    }
}

/// The environment variable naming the control-plane script when apwiz runs outside its checkout.
pub(crate) const CONTROL_PLANE_ENV: &str = "APWIZ_CONTROL_PLANE";

/// The project's `scripts/control-plane.sh`: `$APWIZ_CONTROL_PLANE`, else the one of the checkout
/// the apwiz binary `exe` lives in (`<checkout>/target/<profile>/apwiz`).
pub(crate) fn find_control_plane(exe: &Path, env: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = env {
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Error::Environment(format!(
                "{CONTROL_PLANE_ENV}={} is not a file: point it at scripts/control-plane.sh of an apwiz checkout",
                p.display()
            )))
        };
    }
    exe.ancestors()
        .skip(1)
        .map(|d| d.join("scripts/control-plane.sh"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::Environment(format!(
                "--local needs the project's scripts/control-plane.sh, and apwiz ({}) does not run from a checkout of the project: \
                 set {CONTROL_PLANE_ENV}=<checkout>/scripts/control-plane.sh, or start a cluster yourself and pass --kubeconfig",
                exe.display()
            ))
        })
}

/// `--local`: starts the project's local control plane (or reuses the running one) with
/// `control-plane.sh up`, whose progress goes to stderr, and returns the kubeconfig it prints.
pub(crate) fn local_control_plane() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| {
        Error::Environment(format!("--local: cannot tell where apwiz runs from: {e}"))
    })?;
    let script = find_control_plane(&exe, std::env::var_os(CONTROL_PLANE_ENV).map(PathBuf::from))?;
    eprintln!("starting the local control plane: {} up", script.display());
    let out = std::process::Command::new(&script)
        .arg("up")
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Error::Environment(format!("cannot run {}: {e}", script.display())))?;
    if !out.status.success() {
        return Err(Error::Environment(format!(
            "{} up failed ({}): see its messages above (docs/control-plane.md lists what it needs)",
            script.display(),
            out.status
        )));
    }
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !path.is_file() {
        return Err(Error::Environment(format!(
            "{} up printed {:?}, which is not a kubeconfig file",
            script.display(),
            path.display().to_string()
        )));
    }
    Ok(path)
}

/// Connects to the cluster the flags name.
pub(crate) fn connect(ctx: &Ctx, c: &ClusterArgs, namespace: Option<String>) -> Result<Cluster> {
    let target = target(c, namespace);
    ctx.block_on(ops::target::cluster(&ctx.session, &target, None))
}

/// The release name the flags give (`--release`, else the team directory's).
pub(crate) fn release_name(a: &ReleaseArgs) -> Result<String> {
    ops::target::release(a.release.as_deref(), &a.dir)
}

/// One event as a line of text.
pub(crate) fn event_line(ev: &ReleaseEvent, s: &Styler) -> Option<String> {
    let t = s.paint("muted", &format!("{:>6.1}s", ev.at_ms as f64 / 1000.0));
    let body = match &ev.kind {
        Kind::Phase {
            phase,
            state,
            duration_ms,
        } => {
            let what = match (state, duration_ms) {
                (PhaseState::Done, Some(ms)) if *phase == Phase::Done => {
                    return Some(format!(
                        "{t}  {}",
                        s.paint(
                            "heading",
                            &format!("== finished in {:.1}s", *ms as f64 / 1000.0)
                        )
                    ));
                }
                (PhaseState::Failed, Some(ms)) if *phase == Phase::Done => {
                    return Some(format!(
                        "{t}  {}",
                        s.paint(
                            "error",
                            &format!("== failed after {:.1}s", *ms as f64 / 1000.0)
                        )
                    ));
                }
                (PhaseState::Started, _) => "started".to_string(),
                (PhaseState::Done, Some(ms)) => format!("done in {:.1}s", *ms as f64 / 1000.0),
                (PhaseState::Failed, Some(ms)) => s.paint(
                    "error",
                    &format!("failed after {:.1}s", *ms as f64 / 1000.0),
                ),
                (st, None) => format!("{st:?}").to_lowercase(),
            };
            format!(
                "{} {}",
                s.paint("heading", &format!("== {}", phase.as_str())),
                what
            )
        }
        Kind::Object {
            object,
            state,
            hook,
        } => {
            let hook = hook
                .as_ref()
                .map(|h| s.paint("muted", &format!("  [{h}]")))
                .unwrap_or_default();
            let role = if state.contains("fail") || state.contains("Failed") {
                "error"
            } else {
                "ok"
            };
            format!("{object}  {}{hook}", s.paint(role, state))
        }
        Kind::KubeEvent {
            kind,
            reason,
            object,
            message,
        } => {
            let role = if kind == "Warning" {
                "warning"
            } else {
                "muted"
            };
            format!("{} {reason} {object}: {message}", s.paint(role, kind))
        }
        Kind::Helm { line } => format!("{} {line}", s.paint("muted", "helm:")),
        Kind::Notice { message } => s.paint("warning", &format!("! {message}")),
        Kind::Connection {
            live: false,
            silent_ms,
            last_heard,
        } => s.paint(
            "warning",
            &format!(
                "! {} (helm goes on; apwiz keeps asking)",
                liveness::stall_words(*silent_ms, last_heard)
            ),
        ),
        Kind::Connection {
            live: true,
            silent_ms,
            ..
        } => s.paint("ok", &format!("✓ {}", liveness::resume_words(*silent_ms))),
        Kind::Logs(l) => match &l.unavailable {
            Some(why) => format!(
                "{} {}/{}: unavailable ({why})",
                s.paint("muted", "logs"),
                l.pod,
                l.container
            ),
            None => format!(
                "{} {}/{} ({} lines)\n{}",
                s.paint("muted", "logs"),
                l.pod,
                l.container,
                l.lines.len(),
                super::indent(&l.lines.join("\n"))
            ),
        },
        Kind::Failure(card) => return Some(format!("{t}  {}", card_text(card, s))),
    };
    Some(format!("{t}  {body}"))
}

/// A cause card as text (its lines indented four spaces, quoted lines six).
pub(crate) fn card_text(c: &CauseCard, s: &Styler) -> String {
    c.lines()
        .iter()
        .chain(&c.next_lines())
        .map(|l| {
            let pad = ["", "    ", "      "][usize::from(l.depth.min(2))];
            let text: String = l
                .segments
                .iter()
                .map(|(role, t)| {
                    if role.is_empty() {
                        t.clone()
                    } else {
                        s.paint(role, t)
                    }
                })
                .collect();
            format!("{pad}{text}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Prints one event (a JSON line with --format json).
pub(crate) fn print_event(ctx: &Ctx, ev: &ReleaseEvent) -> Result<()> {
    if ctx.json() {
        print(&format!(
            "{}\n",
            serde_json::to_string(ev).unwrap_or_default()
        ))
    } else if let Some(l) = event_line(ev, &ctx.out) {
        print(&format!("{l}\n"))
    } else {
        Ok(())
    }
}

/// Pre-check results as lines; Ok(false) when one failed.
pub(crate) fn print_checks(ctx: &Ctx, checks: &[Check]) -> Result<bool> {
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    if ctx.json() {
        print(&format!(
            "{}\n",
            json!({"event": "pre-checks", "ok": !failed, "checks": checks})
        ))?;
    } else {
        for c in checks {
            let (role, mark) = match c.status {
                Status::Pass => ("ok", "✓"),
                Status::Warn => ("warning", "!"),
                Status::Fail => ("error", "✗"),
            };
            print(&format!(
                "{} {:<16} {} {}\n",
                ctx.out.paint(role, mark),
                c.name,
                c.message,
                ctx.out.paint("muted", &format!("({} ms)", c.duration_ms))
            ))?;
        }
    }
    Ok(!failed)
}

/// A diff as text lines.
pub(crate) fn diff_text(changes: &[Change], s: &Styler) -> String {
    let mut out = String::new();
    for c in changes {
        match c {
            Change::Added { object } => out.push_str(&s.paint("ok", &format!("+ {object}\n"))),
            Change::Removed { object } => out.push_str(&s.paint("error", &format!("- {object}\n"))),
            Change::Changed { object, paths } => {
                out.push_str(&s.paint("warning", &format!("~ {object}\n")));
                for p in paths {
                    out.push_str(&format!("    {}: {}\n", p.path, p.values_text()));
                }
            }
        }
    }
    out
}

/// Asks `question` on a terminal; without one, `--yes` is required.
pub(crate) fn confirm(ctx: &Ctx, yes: bool, question: &str) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    let asker = crate::cli::prompts::Asker::new(ctx.global.non_interactive);
    if !asker.interactive {
        return Err(Error::Usage(format!(
            "{question} — no terminal to confirm on: pass --yes"
        )));
    }
    inquire::Confirm::new(question)
        .with_default(false)
        .prompt()
        .map_err(|e| Error::Usage(format!("not confirmed: {e}")))
}

/// Asks for the release name to be typed; without a terminal, `--yes` is required.
pub(crate) fn confirm_by_name(ctx: &Ctx, yes: bool, release: &str) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    let asker = crate::cli::prompts::Asker::new(ctx.global.non_interactive);
    if !asker.interactive {
        return Err(Error::Usage(format!(
            "uninstalling {release} needs its name typed on a terminal: pass --yes in scripts"
        )));
    }
    let typed = inquire::Text::new(&format!(
        "Type the release name ({release}) to uninstall it:"
    ))
    .prompt()
    .map_err(|e| Error::Usage(format!("not confirmed: {e}")))?;
    Ok(typed.trim() == release)
}

/// Runs an operation while printing its event stream as it comes.
/// SIGTERM and SIGHUP while it runs end it without waiting for helm: the run record is written
/// and a line says what became of helm (left running and how to re-attach, or stopped with
/// apwiz); [`exit_code`] is then 128 + the signal.
pub(crate) fn run_watched(
    ctx: &Ctx,
    mut run: crate::core::release::ops::Run<'_>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<ReleaseEvent>,
) -> Result<crate::core::release::ops::Outcome> {
    let leave = std::sync::Arc::new(crate::core::release::ops::Leave::default());
    run.leave = Some(leave.clone());
    ctx.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let signals = tokio::spawn(async move {
            let (Ok(mut term), Ok(mut hup)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) else {
                return;
            };
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = hup.recv() => "SIGHUP",
            };
            leave.now(name);
        });
        let printer = async {
            let mut res = Ok(());
            // A stall is repeated every second while it lasts: lines say it once.
            let mut stalled = false;
            while let Some(ev) = rx.recv().await {
                if let Kind::Connection { live, .. } = &ev.kind {
                    if !*live && stalled {
                        continue;
                    }
                    stalled = !*live;
                }
                if res.is_ok() {
                    res = print_event(ctx, &ev);
                }
            }
            res
        };
        let (outcome, printed) = tokio::join!(crate::core::release::ops::run(run), printer);
        signals.abort();
        printed?;
        outcome
    })
}

/// The exit code of an operation: 0 ok, 1 failed, 128 + the signal that ended apwiz (SIGHUP
/// 129, SIGTERM 143).
pub(crate) fn exit_code(o: &crate::core::release::ops::Outcome) -> u8 {
    match o.ended_by.as_deref() {
        Some("SIGHUP") => 129,
        Some("SIGTERM") => 143,
        Some(_) => 130,
        None if o.ok => 0,
        None => 1,
    }
}

/// The end of an operation: the cause card with helm's stderr (text), the run record, and a
/// JSON summary line.
pub(crate) fn print_outcome(
    ctx: &Ctx,
    what: &str,
    o: &crate::core::release::ops::Outcome,
) -> Result<()> {
    if ctx.json() {
        return print(&format!(
            "{}\n",
            json!({"event": "outcome", "operation": what, "ok": o.ok, "helmExit": o.helm_exit,
                   "cause": o.cause, "record": o.record, "durationMs": o.duration_ms})
        ));
    }
    let mut out = String::new();
    if let Some(c) = &o.cause {
        out.push_str(&card_text(c, &ctx.out));
        out.push('\n');
    }
    out.push_str(&if o.ok {
        ctx.out.paint(
            "ok",
            &format!("{what} succeeded in {:.1}s", o.duration_ms as f64 / 1000.0),
        )
    } else {
        ctx.out.paint(
            "error",
            &format!("{what} failed after {:.1}s", o.duration_ms as f64 / 1000.0),
        )
    });
    out.push('\n');
    if let Some(r) = &o.record {
        out.push_str(
            &ctx.out
                .paint("muted", &format!("run record: {}\n", r.display())),
        );
    }
    print(&out)
}

/// Prints render findings; Ok(1).
pub(crate) fn print_findings(ctx: &Ctx, f: &[crate::core::check::report::Finding]) -> Result<u8> {
    if ctx.json() {
        print(&output::json(&json!({"ok": false, "findings": f})))?;
    } else {
        for x in f {
            eprintln!("{}", output::finding_line(x, &ctx.err));
        }
    }
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_control_plane_script_is_found_from_the_checkout_or_the_environment() {
        let root = std::env::temp_dir().join(format!("apwiz-cp-{}", std::process::id()));
        let exe = root.join("repo/target/debug/apwiz");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        let err = find_control_plane(&exe, None).unwrap_err().to_string();
        assert!(
            err.contains("does not run from a checkout") && err.contains(CONTROL_PLANE_ENV),
            "{err}"
        );
        let script = root.join("repo/scripts/control-plane.sh");
        std::fs::create_dir_all(script.parent().unwrap()).unwrap();
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        assert_eq!(find_control_plane(&exe, None).unwrap(), script);
        let err = find_control_plane(&exe, Some(root.join("nope.sh")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("nope.sh is not a file"), "{err}");
        assert_eq!(
            find_control_plane(Path::new("/elsewhere/apwiz"), Some(script.clone())).unwrap(),
            script
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
