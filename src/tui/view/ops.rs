//! Drawing the operation screens: the plan (pre-checks, the diff with the selected object's
//! paths, the hooks by event and weight, the timeout), the live view (phases with ✔/▶/○ and
//! durations, hooks, workloads, pods, events with warnings first), the cause card on failure, and
//! the history. Only draws: every fact comes from the state.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::core::canary;
use crate::core::release::board::{Board, ObjectRow, Step};
use crate::core::release::cause::CauseCard;
use crate::core::release::diff::Change;
use crate::core::release::ops::HookObject;
use crate::core::release::prechecks::{Check, Status};
use crate::tui::ops::{
    CanaryScreen, HistoryScreen, OpScreen, OpsScreen, Panel, ReleasesScreen, Stage,
};
use crate::tui::view::style::Styles;

/// The header line of an operation screen.
pub fn header(s: &OpsScreen, st: &Styles) -> Line<'static> {
    match s {
        OpsScreen::Canary(c) => Line::from(vec![
            Span::styled("apwiz canary ", st.title),
            Span::styled(c.release.clone(), st.accent),
            Span::raw(
                c.service
                    .as_ref()
                    .map(|x| format!(" service {x}"))
                    .unwrap_or_default(),
            ),
        ]),
        OpsScreen::Releases(r) => Line::from(vec![
            Span::styled("apwiz releases ", st.title),
            Span::raw(match &r.target.namespace {
                Some(ns) => format!("in {ns}"),
                None => "in the context's namespace".to_string(),
            }),
        ]),
        OpsScreen::History(h) => Line::from(vec![
            Span::styled("apwiz history ", st.title),
            Span::styled(h.release.clone(), st.accent),
        ]),
        OpsScreen::Op(o) => {
            let mut spans = vec![
                Span::styled(format!("apwiz {} ", o.op), st.title),
                Span::styled(o.release.clone(), st.accent),
            ];
            if !o.context.is_empty() {
                spans.push(Span::raw(format!(" → {}/{}", o.context, o.namespace)));
            }
            if let Some((from, to)) = o.revisions {
                spans.push(Span::styled(
                    match from {
                        Some(f) => format!(" · rev {f}→{to}"),
                        None => format!(" · rev {to} (install)"),
                    },
                    st.muted,
                ));
            }
            if !o.chart.is_empty() {
                spans.push(Span::styled(format!(" · {}", o.chart), st.muted));
            }
            if !o.helm_version.is_empty() {
                spans.push(Span::styled(
                    format!(" · helm {}", o.helm_version),
                    st.muted,
                ));
            }
            if matches!(o.stage, Stage::Running | Stage::Finished(_)) {
                spans.push(Span::raw(format!(" · {}", secs(o.board.now_ms))));
            }
            if o.read_only {
                spans.push(Span::styled(" · read-only", st.warning));
            }
            Line::from(spans)
        }
    }
}

/// Draws the screen's body.
pub fn draw(f: &mut Frame, area: Rect, s: &OpsScreen, st: &Styles) {
    match s {
        OpsScreen::Op(o) => draw_op(f, area, o, st),
        OpsScreen::History(h) => draw_history(f, area, h, st),
        OpsScreen::Releases(r) => draw_releases(f, area, r, st),
        OpsScreen::Canary(c) => draw_canary(f, area, c, st),
    }
}

fn draw_canary(f: &mut Frame, area: Rect, c: &CanaryScreen, st: &Styles) {
    let mut l = Vec::new();
    match &c.status {
        None => l.push(Line::from(Span::styled(
            "reading the canary: Deployments, pods, the HTTPRoute, the release's values…",
            st.muted,
        ))),
        Some(Err(e)) => l.push(Line::from(Span::styled(e.clone(), st.error))),
        Some(Ok(s)) => {
            if s.on() {
                let set = s
                    .set_weight
                    .map(|w| format!("{w}%"))
                    .unwrap_or_else(|| "?".into());
                l.push(Line::from(vec![
                    Span::styled("weight ", st.title),
                    Span::raw(format!("set {set} · the route sends ")),
                    Span::styled(format!("{}%", s.route_weight()), st.accent),
                    Span::raw(" to the canary"),
                ]));
                // A bar of the route's split: stable ░, canary █.
                let width = 40usize;
                let canary = (s.route_weight() as usize * width).div_ceil(100).min(width);
                l.push(Line::from(vec![
                    Span::styled("░".repeat(width - canary), st.muted),
                    Span::styled("█".repeat(canary), st.accent),
                ]));
            } else {
                l.push(Line::from(Span::styled(
                    "no canary running: all traffic to stable (start one with apwiz canary start --image IMAGE)",
                    st.muted,
                )));
            }
            l.push(Line::raw(""));
            let side = |name: &str, image: &Option<String>, pods: &[canary::PodRow]| {
                let mut out = vec![Line::from(vec![
                    Span::styled(format!("{name:<8}"), st.title),
                    Span::raw(image.clone().unwrap_or_else(|| "-".into())),
                ])];
                for p in pods {
                    out.push(Line::from(vec![
                        Span::raw(format!("  {} ", p.name)),
                        Span::styled(
                            if p.ready { "ready" } else { "not ready" },
                            if p.ready { st.ok } else { st.warning },
                        ),
                        Span::styled(
                            format!(" · {} · {} restarts", p.phase, p.restarts),
                            if p.restarts > 0 { st.warning } else { st.muted },
                        ),
                    ]));
                }
                out
            };
            l.extend(side("stable", &s.stable_image, &s.stable_pods));
            if s.on() {
                l.extend(side("canary", &s.canary_image, &s.canary_pods));
            }
            for w in &s.warnings {
                l.push(Line::from(Span::styled(format!("! {w}"), st.warning)));
            }
            l.push(Line::raw(""));
            l.push(Line::from(Span::styled(
                format!(
                    "+/- step the weight ({:?}) · p promote · x abort: each is a deploy, planned then confirmed",
                    crate::tui::ops::CANARY_LADDER
                ),
                st.muted,
            )));
        }
    }
    if let Some(n) = &c.note {
        l.push(Line::from(Span::styled(format!("! {n}"), st.warning)));
    }
    f.render_widget(
        Paragraph::new(l)
            .wrap(Wrap { trim: false })
            .block(block(" canary ".to_string(), st)),
        area,
    );
}

fn draw_releases(f: &mut Frame, area: Rect, r: &ReleasesScreen, st: &Styles) {
    let mut l = Vec::new();
    if r.filtering || !r.filter.is_empty() {
        l.push(Line::from(vec![
            Span::styled("/", st.accent),
            Span::raw(r.filter.clone()),
            Span::styled(
                if r.filtering {
                    "▏ (Enter keeps it, Esc clears it)"
                } else {
                    ""
                },
                st.muted,
            ),
        ]));
    }
    match &r.releases {
        None => l.push(Line::from(Span::styled(
            "reading the release records…",
            st.muted,
        ))),
        Some(Err(e)) => l.push(Line::from(Span::styled(e.clone(), st.error))),
        Some(Ok(all)) if all.is_empty() => l.push(Line::from(Span::styled(
            "no releases in this namespace: deploy one (:deploy <env>)",
            st.warning,
        ))),
        Some(Ok(_)) => {
            l.push(Line::from(Span::styled(
                format!(
                    " {:<15}{:<4}{:<16}{:<19}{:<6}{:<6}{}",
                    "NAME", "REV", "STATUS", "CHART", "APP", "READY", "UPDATED"
                ),
                st.title,
            )));
            for (i, x) in r.shown().iter().enumerate() {
                let sel = i == r.selected;
                let status_style = match x.status.as_str() {
                    "deployed" => st.ok,
                    "failed" => st.error,
                    s if s.starts_with("pending") => st.warning,
                    _ => Style::default(),
                };
                let (ready, all) = x.pods_ready;
                l.push(Line::from(vec![
                    Span::styled(if sel { "›" } else { " " }, st.accent),
                    Span::styled(
                        format!("{:<15}{:<4}", x.name, x.revision),
                        if sel { st.selected } else { Style::default() },
                    ),
                    Span::styled(format!("{:<16}", x.status), status_style),
                    Span::raw(format!("{:<19}{:<6}", x.chart, x.app_version)),
                    Span::styled(
                        format!("{:<6}", format!("{ready}/{all}")),
                        if ready < all { st.warning } else { st.ok },
                    ),
                    // `MM-DD HH:MM` of an RFC 3339 time (the list stays within 80 columns).
                    Span::styled(
                        x.updated
                            .get(5..16)
                            .map(|t| t.replace('T', " "))
                            .unwrap_or_else(|| x.updated.clone()),
                        st.muted,
                    ),
                ]));
            }
        }
    }
    f.render_widget(
        Paragraph::new(l)
            .wrap(Wrap { trim: false })
            .block(block(" releases ".to_string(), st)),
        area,
    );
}

fn secs(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

fn block(title: String, st: &Styles) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(st.accent)
        .title(Span::styled(title, st.title))
}

fn draw_op(f: &mut Frame, area: Rect, o: &OpScreen, st: &Styles) {
    let lines = match (&o.stage, o.panel) {
        (Stage::Planning(what), _) => vec![Line::from(Span::styled(what.clone(), st.muted))],
        (Stage::Refused(why), _) => {
            let mut l: Vec<Line> = why
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    Line::from(Span::styled(
                        w.clone(),
                        if i == 0 { st.error } else { st.warning },
                    ))
                })
                .collect();
            l.push(Line::raw(""));
            l.push(Line::from(Span::styled(
                "nothing was changed in the cluster · q closes",
                st.muted,
            )));
            l
        }
        (Stage::DeployPlan(p), _) => {
            let mut l = checks_lines(&p.checks, st);
            l.push(Line::raw(""));
            l.extend(changes_lines(&p.changes, o.selected, st));
            l.push(Line::raw(""));
            l.extend(hooks_plan_lines(&p.hooks, p.event, st));
            let warnings = p.report.findings.len();
            l.push(Line::from(vec![
                Span::styled("timeout ", st.title),
                Span::raw(format!("{}s", p.timeout.as_secs())),
                Span::styled(
                    if warnings > 0 {
                        format!(" · validation: {warnings} warning(s), no errors")
                    } else {
                        " · validation: clean".to_string()
                    },
                    st.muted,
                ),
            ]));
            l.push(Line::raw(""));
            l.push(match p.blocked() {
                Some(why) => Line::from(Span::styled(format!("✗ {why}"), st.error)),
                None => Line::from(vec![
                    Span::styled("y", st.accent),
                    Span::raw(format!(
                        " {} {} to {}/{} · q cancels",
                        p.event, p.release, p.cluster.context, p.cluster.namespace
                    )),
                ]),
            });
            notices(&mut l, &o.board, st);
            l
        }
        (Stage::UninstallPlan(p), _) => {
            let mut l = vec![Line::from(vec![
                Span::styled("uninstall ", st.title),
                Span::raw(format!(
                    "{} (revision {}) from {}/{}",
                    p.release, p.revision, p.cluster.context, p.cluster.namespace
                )),
            ])];
            l.push(Line::raw(""));
            l.push(Line::from(Span::styled(
                format!("deleted ({})", p.deleted.len()),
                st.title,
            )));
            l.extend(
                p.deleted
                    .iter()
                    .map(|k| Line::from(Span::styled(format!(" - {k}"), st.error))),
            );
            l.push(Line::from(Span::styled(
                format!("kept by helm.sh/resource-policy: keep ({})", p.kept.len()),
                st.title,
            )));
            l.extend(
                p.kept
                    .iter()
                    .map(|k| Line::from(Span::styled(format!(" = {k}"), st.ok))),
            );
            l.extend(hooks_plan_lines(&p.hooks, "delete", st));
            l.push(Line::raw(""));
            l.push(Line::from(vec![
                Span::raw(format!(
                    "type the release name ({}) to confirm: ",
                    p.release
                )),
                Span::styled(format!("{}▏", o.typed), st.accent),
            ]));
            notices(&mut l, &o.board, st);
            l
        }
        (Stage::RollbackPlan(p), _) => {
            let mut l = vec![Line::from(vec![
                Span::styled("rollback ", st.title),
                Span::raw(format!(
                    "revision {} ({}) → {}",
                    p.from, p.from_status, p.to
                )),
            ])];
            l.push(Line::raw(""));
            l.extend(changes_lines(&p.changes, o.selected, st));
            l.push(Line::raw(""));
            l.extend(hooks_plan_lines(&p.hooks, "rollback", st));
            l.push(Line::raw(""));
            l.push(Line::from(vec![
                Span::styled("y", st.accent),
                Span::raw(format!(
                    " roll {} back to revision {} · q cancels",
                    p.release, p.to
                )),
            ]));
            notices(&mut l, &o.board, st);
            l
        }
        (_, Panel::Logs) => logs_lines(&o.board, st),
        (_, Panel::Events) => events_lines(&o.board, usize::MAX, st),
        (_, Panel::Helm) => {
            if o.board.helm.is_empty() {
                vec![Line::from(Span::styled(
                    "helm has printed nothing",
                    st.muted,
                ))]
            } else {
                o.board.helm.iter().map(|h| Line::raw(h.clone())).collect()
            }
        }
        (Stage::Running, Panel::Overview) => {
            // A failure seen before helm has given up: the card first, helm still working.
            let mut l = Vec::new();
            if let Some(card) = &o.board.cause {
                l.extend(card_lines(card, None, st));
                l.push(Line::from(Span::styled(
                    "  helm is still working (on failure it rolls back when its timeout ends): Ctrl-C twice interrupts it now",
                    st.warning,
                )));
                l.push(Line::raw(""));
            }
            l.extend(live_lines(&o.board, st));
            if o.confirm_detach {
                l.insert(
                    0,
                    Line::from(Span::styled(
                        format!(
                            "q again detaches: helm goes on without apwiz; re-attach with `apwiz status --watch --release {} -n {}` · Ctrl-C twice interrupts it instead",
                            o.release, o.namespace
                        ),
                        st.warning,
                    )),
                );
            }
            if o.confirm_interrupt {
                l.insert(
                    0,
                    Line::from(Span::styled(
                        "Ctrl-C again interrupts helm (it cancels and marks the release failed; a rollback follows); any other key goes on",
                        st.warning,
                    )),
                );
            }
            l
        }
        (Stage::Watching(h), Panel::Overview) => {
            let mut l = vec![Line::from(vec![
                Span::styled(format!("revision {} ", h.revision), st.title),
                Span::styled(
                    h.status.clone(),
                    if h.status == "deployed" {
                        st.ok
                    } else {
                        st.warning
                    },
                ),
                Span::styled(format!(" · {}", h.description), st.muted),
            ])];
            l.push(Line::from(Span::styled(
                "watching live: rows change as the cluster does · t runs helm test · q closes",
                st.muted,
            )));
            l.push(Line::raw(""));
            l.extend(live_lines(&o.board, st));
            if !h.notes.trim().is_empty() {
                l.push(Line::raw(""));
                l.push(Line::from(Span::styled("NOTES", st.title)));
                l.extend(h.notes.lines().map(|x| Line::raw(x.to_string())));
            }
            l
        }
        (Stage::Finished(end), Panel::Overview) => {
            let mut l = Vec::new();
            match (&o.board.cause, end.ok) {
                (Some(card), false) => {
                    l.extend(card_lines(card, o.rollback_to, st));
                    l.push(Line::raw(""));
                    l.extend(live_lines(&o.board, st));
                }
                _ => {
                    l.push(Line::from(Span::styled(
                        match (end.ok, end.revision) {
                            (true, Some(r)) => format!(
                                "✔ {} succeeded in {}: revision {r} deployed",
                                o.op,
                                secs(o.board.finished.map_or(o.board.now_ms, |f| f.duration_ms))
                            ),
                            (true, None) => format!(
                                "✔ {} succeeded in {}",
                                o.op,
                                secs(o.board.finished.map_or(o.board.now_ms, |f| f.duration_ms))
                            ),
                            (false, _) => format!("✗ {} failed", o.op),
                        },
                        if end.ok { st.ok } else { st.error },
                    )));
                    l.push(Line::raw(""));
                    l.extend(live_lines(&o.board, st));
                    if let Some(n) = &end.notes {
                        l.push(Line::raw(""));
                        l.push(Line::from(Span::styled("NOTES", st.title)));
                        l.extend(n.lines().map(|x| Line::raw(x.to_string())));
                    }
                }
            }
            if let Some(r) = &end.record {
                l.push(Line::from(Span::styled(
                    format!("run record: {}", r.display()),
                    st.muted,
                )));
            }
            l
        }
    };
    let title = match &o.stage {
        Stage::Planning(_) => format!(" {} · planning ", o.op),
        Stage::Refused(_) => format!(" {} · not started ", o.op),
        Stage::DeployPlan(_) | Stage::RollbackPlan(_) | Stage::UninstallPlan(_) => {
            format!(" {} · plan ", o.op)
        }
        Stage::Running => format!(" {} · running · {} ", o.op, o.panel.title()),
        Stage::Finished(e) if e.ok => format!(" {} · succeeded · {} ", o.op, o.panel.title()),
        Stage::Finished(_) => format!(" {} · failed · {} ", o.op, o.panel.title()),
        Stage::Watching(_) => format!(" status · watching · {} ", o.panel.title()),
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((o.scroll, 0))
            .block(block(title, st)),
        area,
    );
}

fn notices(l: &mut Vec<Line<'static>>, b: &Board, st: &Styles) {
    for n in &b.notices {
        l.push(Line::from(Span::styled(format!("! {n}"), st.warning)));
    }
}

fn checks_lines(checks: &[Check], st: &Styles) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(Span::styled("pre-checks", st.title))];
    for c in checks {
        let (mark, style) = match c.status {
            Status::Pass => ("✔", st.ok),
            Status::Warn => ("!", st.warning),
            Status::Fail => ("✗", st.error),
        };
        l.push(Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::raw(format!("{:<16} ", c.name)),
            Span::raw(c.message.clone()),
            Span::styled(format!(" ({} ms)", c.duration_ms), st.muted),
        ]));
    }
    l
}

fn changes_lines(changes: &[Change], selected: usize, st: &Styles) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(Span::styled(
        if changes.is_empty() {
            "changes: none to the manifests (hooks still run)".to_string()
        } else {
            format!("changes ({})", changes.len())
        },
        st.title,
    ))];
    for (i, c) in changes.iter().enumerate() {
        let (mark, style, object) = match c {
            Change::Added { object } => ("+", st.ok, object),
            Change::Removed { object } => ("-", st.error, object),
            Change::Changed { object, .. } => ("~", st.warning, object),
        };
        let sel = i == selected;
        l.push(Line::from(vec![
            Span::styled(if sel { "›" } else { " " }, st.accent),
            Span::styled(format!("{mark} "), style),
            Span::styled(
                object.to_string(),
                if sel { st.selected } else { Style::default() },
            ),
        ]));
        if sel && let Change::Changed { paths, .. } = c {
            let show = |v: &Option<serde_json::Value>| match v {
                None => "(none)".to_string(),
                Some(v) => serde_json::to_string(v).unwrap_or_default(),
            };
            for p in paths {
                l.push(Line::from(vec![
                    Span::raw("      "),
                    Span::styled(p.path.clone(), st.path),
                    Span::raw(format!(": {} → {}", show(&p.old), show(&p.new))),
                ]));
            }
        }
    }
    l
}

/// The hooks that run on `op` (`install`, `upgrade`, `rollback`), by event, weight and name.
fn hooks_plan_lines(hooks: &[HookObject], op: &str, st: &Styles) -> Vec<Line<'static>> {
    let events = [format!("pre-{op}"), format!("post-{op}")];
    let runs = |h: &&HookObject| h.events.iter().any(|e| events.contains(e));
    if !hooks.iter().any(|h| runs(&h)) {
        return vec![Line::from(Span::styled(
            format!("hooks: none run on {op}"),
            st.title,
        ))];
    }
    let mut l = vec![Line::from(Span::styled(
        format!("hooks that run on {op} (weight, kind/name)"),
        st.title,
    ))];
    for e in &events {
        let names: Vec<String> = hooks
            .iter()
            .filter(|h| h.events.iter().any(|x| x == e))
            .map(|h| format!("{} {}/{}", h.weight, h.kind, h.name))
            .collect();
        if names.is_empty() {
            continue;
        }
        l.push(Line::from(vec![
            Span::styled(format!(" {e}: "), st.accent),
            Span::raw(names.join(" · ")),
        ]));
    }
    l
}

fn step_mark(s: Step, st: &Styles) -> Span<'static> {
    match s {
        Step::Done => Span::styled("✔", st.ok),
        Step::Running => Span::styled("▶", st.accent),
        Step::Waiting => Span::styled("○", st.muted),
        Step::Failed => Span::styled("✗", st.error),
    }
}

fn row_style(r: &ObjectRow, st: &Styles) -> Style {
    if r.failing() {
        st.error
    } else if r.healthy() {
        st.ok
    } else {
        Style::default()
    }
}

/// The live view: phases, hooks, workloads, pods, events.
fn live_lines(b: &Board, st: &Styles) -> Vec<Line<'static>> {
    let mut l = Vec::new();
    let mut phases = vec![Span::styled("phases ", st.title)];
    let no_phases = b.phases.is_empty();
    for p in &b.phases {
        phases.push(step_mark(p.step, st));
        phases.push(Span::raw(format!(" {}", p.phase.as_str())));
        let d = match (p.step, p.duration_ms, p.started_ms) {
            (_, Some(ms), _) => format!(" {}", secs(ms)),
            (Step::Running, None, Some(at)) => format!(" {}", secs(b.now_ms.saturating_sub(at))),
            _ => String::new(),
        };
        phases.push(Span::styled(format!("{d}  "), st.muted));
    }
    if !no_phases {
        l.push(Line::from(phases));
    }
    let section = |l: &mut Vec<Line<'static>>, title: &str, rows: &[ObjectRow], hooks: bool| {
        if rows.is_empty() {
            return;
        }
        l.push(Line::from(Span::styled(title.to_string(), st.title)));
        for r in rows {
            let mut spans = vec![
                Span::raw(format!(" {}/{} ", r.kind, r.name)),
                Span::styled(r.state.clone(), row_style(r, st)),
            ];
            if hooks {
                if let Some(h) = &r.hook {
                    spans.push(Span::styled(format!("  [{h}]"), st.muted));
                }
                if b.logs_saved(r) {
                    spans.push(Span::styled("  logs saved", st.info));
                }
            }
            if r.changes > 1 {
                spans.push(Span::styled(format!("  ({} changes)", r.changes), st.muted));
            }
            l.push(Line::from(spans));
        }
    };
    section(&mut l, "hooks", &b.hooks, true);
    section(&mut l, "workloads", &b.workloads, false);
    section(&mut l, "pods", &b.pods, false);
    if !b.events.is_empty() {
        l.extend(events_lines(b, 6, st));
    }
    notices(&mut l, b, st);
    l
}

fn events_lines(b: &Board, max: usize, st: &Styles) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(Span::styled(
        format!("events ({} warning(s))", b.warnings()),
        st.title,
    ))];
    for e in b.events.iter().take(max) {
        l.push(Line::from(vec![
            Span::styled(
                if e.warning { " Warning " } else { " Normal  " },
                if e.warning { st.warning } else { st.muted },
            ),
            Span::raw(format!("{} {}: {}", e.reason, e.object, e.message)),
            Span::styled(
                if e.count > 1 {
                    format!(" ×{}", e.count)
                } else {
                    String::new()
                },
                st.muted,
            ),
        ]));
    }
    if b.events.len() > max {
        l.push(Line::from(Span::styled(
            format!(" … {} more (Tab: events)", b.events.len() - max),
            st.muted,
        )));
    }
    l
}

fn logs_lines(b: &Board, st: &Styles) -> Vec<Line<'static>> {
    if b.logs.is_empty() {
        return vec![Line::from(Span::styled(
            "no logs captured yet: hook and test pods' logs are saved as soon as they end",
            st.muted,
        ))];
    }
    let mut l = Vec::new();
    for lg in &b.logs {
        l.push(Line::from(Span::styled(
            format!("{}/{}", lg.pod, lg.container),
            st.title,
        )));
        match &lg.unavailable {
            Some(why) => l.push(Line::from(Span::styled(
                format!("  unavailable: {why}"),
                st.muted,
            ))),
            None => l.extend(lg.lines.iter().map(|x| Line::raw(format!("  {x}")))),
        }
    }
    l
}

fn card_lines(c: &CauseCard, rollback_to: Option<u64>, st: &Styles) -> Vec<Line<'static>> {
    let mut l = vec![
        Line::from(Span::styled(
            format!("✗ cause: {} — {}", c.object, c.reason),
            st.error,
        )),
        Line::raw(format!("  {}", c.message)),
    ];
    if let Some(h) = &c.hook {
        l.push(Line::from(Span::styled(format!("  hook: {h}"), st.muted)));
    }
    l.push(Line::from(Span::styled(
        format!("  seen after {}", secs(c.detected_ms)),
        st.muted,
    )));
    if let Some(lg) = &c.logs {
        match &lg.unavailable {
            Some(why) => l.push(Line::from(Span::styled(
                format!("  logs of {}: unavailable ({why})", lg.container),
                st.muted,
            ))),
            None => {
                l.push(Line::from(Span::styled(
                    format!("  last {} log lines of {}:", lg.lines.len(), lg.container),
                    st.title,
                )));
                l.extend(lg.lines.iter().map(|x| Line::raw(format!("    {x}"))));
            }
        }
    }
    if let Some(e) = &c.helm_stderr
        && !e.trim().is_empty()
    {
        if e.contains("has been rolled back") {
            l.push(Line::from(Span::styled(
                "  helm has already rolled the release back (rollback on failure)",
                st.info,
            )));
        }
        l.push(Line::from(Span::styled("  helm said:", st.title)));
        l.extend(e.lines().map(|x| Line::raw(format!("    {x}"))));
    }
    let mut next = Vec::new();
    if let Some(r) = rollback_to {
        next.push(Span::styled("  r", st.accent));
        next.push(Span::raw(format!(" roll back to revision {r} · ")));
    }
    next.push(Span::styled("l", st.accent));
    next.push(Span::raw(" full logs · "));
    next.push(Span::styled("Tab", st.accent));
    next.push(Span::raw(" events, helm"));
    l.push(Line::from(next));
    l
}

fn draw_history(f: &mut Frame, area: Rect, h: &HistoryScreen, st: &Styles) {
    let mut l = Vec::new();
    match &h.history {
        None => l.push(Line::from(Span::styled(
            "reading the release records…",
            st.muted,
        ))),
        Some(Err(e)) => l.push(Line::from(Span::styled(e.clone(), st.error))),
        Some(Ok(x)) if x.revisions.is_empty() => l.push(Line::from(Span::styled(
            format!(
                "no release {} in namespace {}: deploy it first (:deploy <env>)",
                x.release, x.namespace
            ),
            st.warning,
        ))),
        Some(Ok(x)) => {
            l.push(Line::from(Span::styled(
                format!(
                    "{:<5}{:<27}{:<18}{}",
                    "REV", "UPDATED", "STATUS", "DESCRIPTION"
                ),
                st.title,
            )));
            for (i, r) in x.revisions.iter().enumerate() {
                let sel = i == h.selected;
                let style = match r.status.as_str() {
                    "deployed" => st.ok,
                    s if s.starts_with("pending") || s == "failed" => st.warning,
                    _ => Style::default(),
                };
                l.push(Line::from(vec![
                    Span::styled(if sel { "›" } else { " " }, st.accent),
                    Span::styled(
                        format!("{:<4}{:<27}", r.revision, r.updated),
                        if sel { st.selected } else { Style::default() },
                    ),
                    Span::styled(format!("{:<18}", r.status), style),
                    Span::styled(r.description.clone().unwrap_or_default(), st.muted),
                ]));
            }
            l.push(Line::raw(""));
            match &h.opened {
                None => l.push(Line::from(Span::styled(
                    "Enter diffs the selected revision against the current one · r rolls back to it",
                    st.muted,
                ))),
                Some(Err(e)) => l.push(Line::from(Span::styled(e.clone(), st.error))),
                Some(Ok(v)) => {
                    l.push(Line::from(vec![
                        Span::styled(format!("revision {} ", v.revision), st.title),
                        Span::raw(format!(
                            "{} (app {}) · {}",
                            v.chart, v.app_version, v.description
                        )),
                    ]));
                    l.push(Line::from(Span::styled(
                        format!("against the current revision {}:", v.against),
                        st.muted,
                    )));
                    l.extend(changes_lines(&v.changes, usize::MAX, st));
                    for c in &v.changes {
                        if let Change::Changed { object, paths } = c {
                            for p in paths {
                                l.push(Line::from(vec![
                                    Span::raw(format!("  {object} ")),
                                    Span::styled(p.path.clone(), st.path),
                                ]));
                            }
                        }
                    }
                }
            }
        }
    }
    f.render_widget(
        Paragraph::new(l)
            .wrap(Wrap { trim: false })
            .scroll((h.scroll, 0))
            .block(block(format!(" history of {} ", h.release), st)),
        area,
    );
}
