//! `apwiz fleet impact|status|upgrade`: the fleet flags → `core::ops::fleet` → a table per team
//! and environment (or JSON). Long work shows one progress line on stderr (on a terminal); Ctrl-C
//! stops it (helm and git killed, scratch, worktrees and half-made branches removed by their
//! guards), exit 130. `apwiz fleet` alone on a terminal hands the fleet to the TUI's fleet screen;
//! without one it prints the fleet's help (exit 2).
use std::collections::BTreeSet;
use std::io::Write;

use crate::cli::Outcome;
use crate::cli::args::{
    Cli, FleetArgs, FleetCli, FleetCommand, FleetImpactArgs, FleetStatusArgs, FleetUpgradeArgs,
};
use crate::cli::cmd::cluster::diff_text;
use crate::cli::cmd::wizard;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::fleet::impact::{Class, Impact};
use crate::core::fleet::status::Status;
use crate::core::ops::fleet::{self, Progress, Request, Source};

pub(crate) fn run(ctx: &Ctx, c: FleetCli) -> Result<Outcome> {
    let code = match c.command {
        Some(FleetCommand::Impact(a)) => impact(ctx, a),
        Some(FleetCommand::Status(a)) => status(ctx, a),
        Some(FleetCommand::Upgrade(a)) => upgrade(ctx, a),
        None if !ctx.json() && wizard::wanted(ctx) => {
            return Ok(Outcome::Fleet {
                session: ctx.session.clone(),
                request: request(&c.fleet),
                newest: c.newest,
            });
        }
        None => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            let help = cmd
                .find_subcommand_mut("fleet")
                .map(|f| f.render_help().to_string())
                .unwrap_or_default();
            eprintln!(
                "{help}\nerror: a command is needed: status, impact or upgrade (on a terminal, `apwiz fleet` alone opens the fleet screen)"
            );
            Ok(2)
        }
    };
    code.map(Outcome::Exit)
}

fn request(a: &FleetArgs) -> Request {
    Request {
        source: match &a.scan {
            Some(d) => Source::Scan(d.clone()),
            None => Source::File(a.fleet.clone()),
        },
        cache: a.cache.clone(),
        jobs: a.jobs,
        kube_version: a.kube_version.clone(),
        only: a.teams.clone(),
    }
}

/// A progress bar on stderr, one line rewritten in place (`[████░░░░] 3/8 rendering shop`);
/// nothing when stderr is not a terminal.
fn progress_line(p: Progress<'_>) {
    if !output::stderr_tty() {
        return;
    }
    const CELLS: usize = 20;
    let filled = (p.done * CELLS)
        .checked_div(p.total)
        .unwrap_or(0)
        .min(CELLS);
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r\x1b[K[{}{}] {}/{} {} {}",
        "█".repeat(filled),
        "░".repeat(CELLS - filled),
        p.done,
        p.total,
        p.phase,
        p.item
    );
    let _ = err.flush();
}

fn clear_progress() {
    if output::stderr_tty() {
        eprint!("\r\x1b[K");
    }
}

/// Runs `work` until it ends or Ctrl-C (then `None`: the future is dropped, its guards run).
fn cancellable<T>(
    ctx: &Ctx,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<Option<T>> {
    let r = ctx.block_on(async {
        tokio::select! {
            // Ctrl-C first: once it came, no further step of the work runs.
            biased;
            _ = tokio::signal::ctrl_c() => Ok(None),
            r = work => r.map(Some),
        }
    });
    clear_progress();
    r
}

fn env_name(e: &Option<String>) -> String {
    e.clone().unwrap_or_else(|| "-".into())
}

fn pin_text(h: &crate::core::fleet::teams::Header) -> String {
    h.pin
        .as_ref()
        .map(|p| p.version.clone())
        .unwrap_or_else(|| "-".into())
}

fn impact(ctx: &Ctx, a: FleetImpactArgs) -> Result<u8> {
    let diffs = a
        .diff
        .as_ref()
        .map(|d| d.iter().cloned().collect::<BTreeSet<_>>());
    let req = request(&a.fleet);
    let Some(result) = cancellable(
        ctx,
        fleet::impact(&ctx.session, &req, diffs, &progress_line),
    )?
    else {
        eprintln!("fleet impact: cancelled");
        return Ok(130);
    };
    if ctx.json() {
        print(&output::json(&serde_json::json!({
            "ok": !result.breaks(),
            "impact": result,
        })))?;
    } else {
        print(&impact_text(ctx, &result))?;
    }
    Ok(u8::from(result.breaks()))
}

fn class_role(c: Class) -> &'static str {
    match c {
        Class::Unchanged => "muted",
        Class::Changes => "ok",
        Class::Restarts | Class::FailsToday => "warning",
        Class::Recreates | Class::Breaks => "error",
    }
}

fn impact_text(ctx: &Ctx, r: &Impact) -> String {
    let s = &ctx.out;
    let mut rows = Vec::new();
    for t in &r.teams {
        if let Some(e) = &t.header.error {
            rows.push(vec![
                t.header.team.clone(),
                "-".into(),
                pin_text(&t.header),
                s.paint("error", "unreadable"),
                "-".into(),
                e.clone(),
            ]);
            continue;
        }
        for e in &t.environments {
            let detail = match e.class {
                Class::Breaks | Class::FailsToday => e.error.clone().unwrap_or_default(),
                Class::Recreates => e
                    .recreates
                    .iter()
                    .map(|i| format!("{} {}", i.object, i.path))
                    .collect::<Vec<_>>()
                    .join("; "),
                Class::Restarts => e.restarts.join(", "),
                _ => String::new(),
            };
            rows.push(vec![
                t.header.team.clone(),
                env_name(&e.env),
                pin_text(&t.header),
                s.paint(class_role(e.class), e.class.as_str()),
                format!("{}/{}", e.objects, e.fields),
                detail,
            ]);
        }
    }
    let mut out = format!(
        "fleet impact of {} {} ({}) on {} team(s)\n",
        r.candidate.name,
        r.candidate.version,
        r.candidate.source,
        r.teams.len()
    );
    out.push_str(&output::table(
        &["TEAM", "ENV", "PIN", "RESULT", "OBJECTS/FIELDS", "DETAIL"],
        &rows,
        s,
    ));
    for t in &r.teams {
        for e in &t.environments {
            if let Some(changes) = &e.changes {
                out.push_str(&format!("\ndiff {} {}:\n", t.header.team, env_name(&e.env)));
                for m in &e.migrated {
                    out.push_str(&format!("  migrated {m}\n"));
                }
                if changes.is_empty() {
                    out.push_str("  no changes\n");
                }
                out.push_str(&diff_text(changes, s));
                for i in &e.recreates {
                    out.push_str(&s.paint(
                        "error",
                        &format!("RECREATES {} {}: {}\n", i.object, i.path, i.why),
                    ));
                }
            }
        }
    }
    out.push('\n');
    for (env, c) in &r.summary {
        out.push_str(&format!(
            "changes {} of {} teams' {env}, restarts {}, recreates {}, breaks {}{}\n",
            c.changes,
            c.teams,
            c.restarts,
            c.recreates,
            c.breaks,
            if c.fails_today > 0 {
                format!(", {} fail on their pin already", c.fails_today)
            } else {
                String::new()
            }
        ));
    }
    if r.unreadable > 0 {
        out.push_str(&s.paint(
            "warning",
            &format!(
                "{} team(s) could not be read (see their rows)\n",
                r.unreadable
            ),
        ));
    }
    if r.version_label_restarts {
        out.push_str(&s.paint(
            "muted",
            "note: the chart's version labels sit in pod templates, so any version change restarts every workload's pods; the classes above leave them out\n",
        ));
    }
    out.push_str(&s.paint(
        "muted",
        &format!(
            "renders: {} by helm, {} from the cache, {} skipped (pinned to the candidate); helm {:.1} s, schema {:.1} s, policies {:.1} s (summed over tasks)\n",
            r.stats.renders,
            r.stats.cached,
            r.stats.skipped_same_chart,
            r.stats.helm_ms as f64 / 1000.0,
            r.stats.schema_ms as f64 / 1000.0,
            r.stats.policy_ms as f64 / 1000.0
        ),
    ));
    out
}

fn status(ctx: &Ctx, a: FleetStatusArgs) -> Result<u8> {
    let req = request(&a.fleet);
    let Some(result) = cancellable(
        ctx,
        fleet::status(&ctx.session, &req, a.newest.clone(), &progress_line),
    )?
    else {
        eprintln!("fleet status: cancelled");
        return Ok(130);
    };
    let attention = result.needs_attention();
    if ctx.json() {
        print(&output::json(&serde_json::json!({
            "ok": !attention,
            "status": result,
        })))?;
    } else {
        print(&status_text(ctx, &result))?;
    }
    Ok(if attention { 2 } else { 0 })
}

fn status_text(ctx: &Ctx, r: &Status) -> String {
    let s = &ctx.out;
    let mut rows = Vec::new();
    for t in &r.teams {
        let pin = match (&t.header.pin, &t.behind) {
            (Some(p), Some(b)) => s.paint("warning", &format!("{} ({b} behind)", p.version)),
            (Some(p), None) => p.version.clone(),
            (None, _) => "-".into(),
        };
        if let Some(e) = &t.header.error {
            rows.push(vec![
                t.header.team.clone(),
                "-".into(),
                pin,
                "-".into(),
                "-".into(),
                s.paint("error", e),
            ]);
            continue;
        }
        for e in &t.environments {
            let v = &e.validation;
            let policy = if v.errors > 0 {
                s.paint(
                    "error",
                    &format!("{} error(s), {} warning(s)", v.errors, v.warnings),
                )
            } else if v.warnings > 0 {
                s.paint("warning", &format!("{} warning(s)", v.warnings))
            } else {
                s.paint("ok", "ok")
            };
            let live = match &e.live {
                None => "-".into(),
                Some(l) if l.error.is_some() => s.paint("error", "unreadable"),
                Some(l) => format!(
                    "rev {} {} {}{}{}",
                    l.revision.unwrap_or_default(),
                    l.status.as_deref().unwrap_or("?"),
                    l.chart.as_deref().unwrap_or("?"),
                    l.commit
                        .as_deref()
                        .map(|c| format!(" git {c}"))
                        .unwrap_or_default(),
                    l.last_deployed
                        .as_deref()
                        .map(|d| format!(" {}", d.split('.').next().unwrap_or(d)))
                        .unwrap_or_default()
                ),
            };
            rows.push(vec![
                t.header.team.clone(),
                env_name(&e.env),
                pin.clone(),
                policy,
                live,
                s.paint("warning", &e.attention.join("; ")),
            ]);
        }
    }
    let mut out = format!(
        "fleet status: {} team(s), newest chart {}\n",
        r.teams.len(),
        r.newest
    );
    out.push_str(&output::table(
        &["TEAM", "ENV", "PIN", "POLICIES", "LIVE", "ATTENTION"],
        &rows,
        s,
    ));
    let n = r.teams.iter().filter(|t| t.needs_attention()).count();
    out.push_str(&if n == 0 {
        s.paint("ok", "nothing needs attention\n")
    } else {
        s.paint("warning", &format!("{n} team(s) need attention\n"))
    });
    out
}

fn upgrade(ctx: &Ctx, a: FleetUpgradeArgs) -> Result<u8> {
    let req = request(&a.fleet);
    let Some(outcomes) = cancellable(
        ctx,
        fleet::upgrade(&ctx.session, &req, a.to.as_deref(), &progress_line),
    )?
    else {
        eprintln!("fleet upgrade: cancelled (worktrees removed; branches committed so far stay)");
        return Ok(130);
    };
    let skipped = outcomes.iter().filter(|o| o.skipped.is_some()).count();
    if ctx.json() {
        print(&output::json(&serde_json::json!({
            "ok": skipped == 0,
            "teams": outcomes,
        })))?;
    } else {
        let s = &ctx.out;
        let mut out = String::new();
        for o in outcomes.iter().filter(|o| o.current) {
            out.push_str(&s.paint("muted", &format!("{}: on the version already\n", o.team)));
        }
        for o in outcomes.iter().filter(|o| o.branch.is_some()) {
            out.push_str(&format!(
                "{}: branch {} at {} (not pushed) in {}\n",
                o.team,
                s.paint("ok", o.branch.as_deref().unwrap_or_default()),
                o.commit.as_deref().unwrap_or_default(),
                o.repository.as_deref().unwrap_or_default()
            ));
        }
        for o in outcomes.iter().filter(|o| o.skipped.is_some()) {
            out.push_str(&s.paint(
                "warning",
                &format!(
                    "{}: skipped: {}\n",
                    o.team,
                    o.skipped.as_deref().unwrap_or_default()
                ),
            ));
        }
        out.push_str(&format!(
            "{} branch(es) made, {skipped} team(s) skipped\n",
            outcomes.iter().filter(|o| o.branch.is_some()).count()
        ));
        print(&out)?;
    }
    Ok(if skipped > 0 { 2 } else { 0 })
}
