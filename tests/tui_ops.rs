//! The operation screens without a cluster: the deploy screen's states (plan, running, failed
//! with the cause card, succeeded), the rollback offered after a failure, the interrupt asked
//! twice, and the history with a revision diff, driven through the one `update` and drawn with
//! ratatui's TestBackend + insta at 80×24 and 160×48.
//!
//! The event streams are recorded, not invented: `tests/fixtures/streams/*.jsonl` are the JSON
//! lines `apwiz deploy --format json --yes` printed on the project's control plane (a web
//! deployment with a pre and a post hook; then the same with the pre hook's pod failing). The
//! plan is built by hand: planning needs a cluster, and the plan's parts each come from the
//! engine's own types (a kube client that is never called stands in for the connection).
mod tui_common;

use std::time::Duration;

use apwiz::testing::core::base::helm::{Helm, Version};
use apwiz::testing::core::check::report::{Report, Timings};
use apwiz::testing::core::ops::deploy::{DeployPlan, DeployPlanning, DeployRequest};
use apwiz::testing::core::release::cause::CauseCard;
use apwiz::testing::core::release::diff::{Change, PathChange};
use apwiz::testing::core::release::events::{Phase, ReleaseEvent};
use apwiz::testing::core::release::ops::HookObject;
use apwiz::testing::core::release::prechecks::{Check, Status};
use apwiz::testing::core::release::records::{History, Revision, Source};
use apwiz::testing::core::release::releases::Release;
use apwiz::testing::core::release::{Cluster, Target, watch};
use apwiz::testing::tui::app::{State, update};
use apwiz::testing::tui::msg::{After, OpEnd, OpsMsg, RevisionView, StatusHead};
use apwiz::testing::tui::msg::{Cmd, Msg, Shared};
use apwiz::testing::tui::screens::{self as ops, OpsScreen, Stage};
use apwiz::testing::tui::view;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use tui_common::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn screen(state: &mut State, w: u16, h: u16) -> String {
    update(state, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, state)).unwrap();
    format!("{}", t.backend())
}

fn snap_all(name: &str, state: &mut State) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(state, w, h));
    }
}

/// A recorded stream: its events and the operation's outcome line.
fn stream(name: &str) -> (Vec<ReleaseEvent>, Value) {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/streams").join(name))
        .expect("recorded stream");
    let mut events = Vec::new();
    let mut outcome = Value::Null;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        if v["event"] == "outcome" {
            outcome = v;
        } else {
            events.push(serde_json::from_value(v).expect("a release event"));
        }
    }
    (events, outcome)
}

/// A cluster value that is never connected to (the screens only read its names).
fn cluster(rt: &tokio::runtime::Runtime, read_only: bool) -> Cluster {
    let _g = rt.enter();
    let config = kube::Config::new("https://127.0.0.1:6443".parse().unwrap());
    Cluster {
        client: kube::Client::try_from(config).unwrap(),
        kubeconfig: None,
        context: "kwok-apwiz".into(),
        namespace: "shop".into(),
        server: "https://127.0.0.1:6443".into(),
        read_only,
    }
}

fn plan(rt: &tokio::runtime::Runtime, read_only: bool, failing_check: bool) -> DeployPlan {
    let check = |name: &'static str, status: Status, message: &str, ms: u64| Check {
        name,
        status,
        message: message.into(),
        duration_ms: ms,
        held: None,
    };
    let hooks = vec![
        HookObject {
            name: "web-prepare".into(),
            kind: "Job".into(),
            events: vec!["pre-install".into(), "pre-upgrade".into()],
            weight: 0,
            delete_policies: vec!["before-hook-creation".into()],
        },
        HookObject {
            name: "web-announce".into(),
            kind: "Job".into(),
            events: vec!["post-install".into(), "post-upgrade".into()],
            weight: 5,
            delete_policies: vec!["before-hook-creation".into()],
        },
    ];
    let cl = cluster(rt, read_only);
    DeployPlan {
        release: "web".into(),
        helm: helm4(),
        event: "upgrade",
        revision: Some(3),
        rollback_to: Some(3),
        chart: "app-platform-0.1.0".into(),
        app_version: Some("0.1.0".into()),
        helm_version: "v4.3.1".into(),
        report: Report {
            ok: true,
            errors: 0,
            warnings: 0,
            environment: Some("dev".into()),
            files: vec!["values.yaml".into(), "values-dev.yaml".into()],
            checks: Vec::new(),
            findings: Vec::new(),
            objects: 7,
            timings: Timings::default(),
        },
        checks: vec![
            check("api-server", Status::Pass, "v1.34.4 fits >=1.28.0-0", 6),
            check("namespace", Status::Pass, "shop exists", 58),
            if failing_check {
                check(
                    "kinds-served",
                    Status::Fail,
                    "ServiceMonitor (monitoring.coreos.com/v1) is not served: install the Prometheus Operator's CRDs or turn monitoring off",
                    12,
                )
            } else {
                check("kinds-served", Status::Pass, "4 kinds served", 12)
            },
            check(
                "hook-timeout",
                Status::Pass,
                "--timeout 660s outlasts every hook deadline",
                0,
            ),
        ],
        changes: vec![
            Change::Changed {
                object: "Deployment/web".into(),
                paths: vec![PathChange {
                    path: "spec.template.spec.containers[0].image".into(),
                    old: Some(json!("ghcr.io/acme/web:1.0.0")),
                    new: Some(json!("ghcr.io/acme/web:1.1.0")),
                    hidden: false,
                }],
            },
            Change::Added {
                object: "PodDisruptionBudget/web".into(),
            },
        ],
        spec: watch::Spec {
            release: "web".into(),
            namespace: "shop".into(),
            pre_hooks: vec!["web-prepare".into()],
            post_hooks: vec!["web-announce".into()],
            hook_names: hooks.iter().map(|h| h.name.clone()).collect(),
            rollback_to: Some(3),
            log_timeout: Duration::from_secs(2),
            report_baseline: false,
        },
        hooks,
        timeout: Duration::from_secs(660),
        argv: vec!["upgrade".into(), "--install".into(), "web".into()],
        first_phase: Phase::PreHooks,
        record: Value::Null,
        cluster: cl,
    }
}

/// A state with the deploy screen open (as `apwiz deploy` opens it) and `plan` arrived.
fn planned(name: &str, p: DeployPlan) -> (apwiz::testing::core::session::Session, State) {
    let s = session();
    let mut st = new_state(&s, &scratch(name));
    let (screen, cmds) = ops::deploy(DeployRequest::default(), "web");
    assert!(matches!(cmds.as_slice(), [Cmd::PlanDeploy(_)]), "{cmds:?}");
    st.ops = Some(screen);
    st.ops_alone = true;
    update(
        &mut st,
        Msg::Ops(OpsMsg::DeployPlanned(Ok(Shared::new(
            DeployPlanning::Ready(Box::new(p)),
        )))),
    );
    (s, st)
}

fn feed(st: &mut State, events: &[ReleaseEvent]) {
    let stream = op(st).stream;
    for e in events {
        let msg = Msg::Ops(OpsMsg::Release {
            stream,
            event: Box::new(e.clone()),
        });
        assert!(update(st, msg).is_empty());
    }
}

fn finish(st: &mut State, end: OpEnd) {
    let stream = op(st).stream;
    update(
        st,
        Msg::Ops(OpsMsg::OpFinished {
            stream,
            result: Ok(end),
        }),
    );
}

fn end_of(outcome: &Value) -> OpEnd {
    OpEnd {
        ok: outcome["ok"] == true,
        cause: serde_json::from_value::<Option<CauseCard>>(outcome["cause"].clone()).unwrap(),
        record: outcome["record"].as_str().map(Into::into),
        revision: None,
        notes: None,
        left: None,
    }
}

fn op(st: &State) -> &ops::OpScreen {
    match &st.ops {
        Some(OpsScreen::Op(o)) => o,
        other => panic!("no operation screen: {other:?}"),
    }
}

#[test]
fn deploy_plan_confirm_live_and_success() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_s, mut st) = planned("ops-success", plan(&rt, false, false));
    snap_all("deploy_plan", &mut st);
    // ? shows the operation screens' keys (from the keymap); any key closes it.
    update(&mut st, key(KeyCode::Char('?')));
    snap_all("help_ops", &mut st);
    update(&mut st, key(KeyCode::Esc));
    assert!(st.overlay.is_none() && st.ops.is_some());
    // ↓ selects the next change; its paths are shown only when it is a change.
    update(&mut st, key(KeyCode::Down));
    assert_eq!(op(&st).selected, 1);
    update(&mut st, key(KeyCode::Up));
    let cmds = update(&mut st, key(KeyCode::Char('y')));
    assert!(
        matches!(cmds.as_slice(), [Cmd::RunDeploy { stream, .. }] if *stream == op(&st).stream),
        "{cmds:?}"
    );
    assert!(op(&st).running());

    let (events, outcome) = stream("install.jsonl");
    // Events of another stream (a watch still stopping, an earlier operation) are not shown.
    update(
        &mut st,
        Msg::Ops(OpsMsg::Release {
            stream: 0,
            event: Box::new(events[3].clone()),
        }),
    );
    assert!(op(&st).board.hooks.is_empty() && op(&st).board.seq == 0);
    let half = events.len() / 2;
    feed(&mut st, &events[..half]);
    snap_all("deploy_running", &mut st);
    // q while helm runs asks first: a second q detaches (helm goes on), any other key stays.
    assert!(update(&mut st, key(KeyCode::Char('q'))).is_empty());
    assert!(!st.quit && op(&st).confirm_detach);
    snap_all("deploy_confirm_detach", &mut st);
    update(&mut st, key(KeyCode::Down));
    assert!(!op(&st).confirm_detach);
    feed(&mut st, &events[half..]);
    // A replayed event (a watch that reconnected) adds no row.
    let rows = op(&st).board.hooks.len() + op(&st).board.pods.len();
    feed(&mut st, &events[3..6]);
    assert_eq!(rows, op(&st).board.hooks.len() + op(&st).board.pods.len());
    let mut end = end_of(&outcome);
    assert!(end.ok);
    end.revision = Some(4);
    end.notes = Some("app-platform 0.1.0 is installed as release web in namespace shop.".into());
    finish(&mut st, end);
    snap_all("deploy_succeeded", &mut st);
    // Tab shows the events, then helm's lines.
    update(&mut st, key(KeyCode::Tab));
    update(&mut st, key(KeyCode::Tab));
    assert_eq!(op(&st).panel, ops::Panel::Events);
    // No rollback after a success; q closes (and quits: the screen opened alone).
    assert!(update(&mut st, key(KeyCode::Char('r'))).is_empty());
    let cmds = update(&mut st, key(KeyCode::Char('q')));
    assert_eq!(cmds, vec![Cmd::Quit]);
}

#[test]
fn failed_hook_shows_the_cause_card_and_r_plans_the_rollback() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_s, mut st) = planned("ops-failed", plan(&rt, false, false));
    update(&mut st, key(KeyCode::Enter));
    let (events, outcome) = stream("fail.jsonl");
    feed(&mut st, &events);
    // The card arrives with the stream, before helm has ended.
    assert!(op(&st).board.cause.is_some());
    let end = end_of(&outcome);
    assert!(!end.ok);
    assert!(
        end.cause
            .as_ref()
            .and_then(|c| c.helm_stderr.as_ref())
            .is_some(),
        "the outcome's card carries helm's stderr"
    );
    finish(&mut st, end);
    snap_all("deploy_failed", &mut st);
    // l: the logs panel.
    update(&mut st, key(KeyCode::Char('l')));
    assert_eq!(op(&st).panel, ops::Panel::Logs);
    snap_all("deploy_failed_logs", &mut st);
    // r: the rollback to the last deployed revision is planned (nothing runs before y).
    let cmds = update(&mut st, key(KeyCode::Char('r')));
    match cmds.as_slice() {
        [
            Cmd::PlanRollback {
                release, revision, ..
            },
        ] => {
            assert_eq!(release, "web");
            assert_eq!(*revision, Some(3));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(op(&st).op, "rollback");
    assert!(matches!(op(&st).stage, Stage::Planning(_)));

    // Another apwiz holds the release meanwhile: the rollback's plan names who and since when,
    // and y starts nothing (the deploy's words).
    let held = held_by_alice();
    let rp = apwiz::testing::core::ops::rollback::RollbackPlan {
        release: "web".into(),
        cluster: cluster(&rt, false),
        helm: helm4(),
        from: 4,
        from_status: "failed".into(),
        to: 3,
        changes: Vec::new(),
        hooks: Vec::new(),
        timeout: Duration::from_secs(300),
        argv: vec!["rollback".into(), "web".into(), "3".into()],
        spec: watch::Spec::default(),
        first_phase: Phase::ApplyAndWait,
        held: Some(Box::new(held.clone())),
    };
    update(
        &mut st,
        Msg::Ops(OpsMsg::RollbackPlanned(Ok(Shared::new(rp)))),
    );
    let shown = screen(&mut st, 160, 48);
    assert_shows_alice_holds(&shown);
    assert!(!shown.contains("y roll web back"), "{shown}");
    assert!(update(&mut st, key(KeyCode::Char('y'))).is_empty());
    assert!(matches!(op(&st).stage, Stage::RollbackPlan(_)));
    assert_eq!(op(&st).board.notices, vec![format!("not started: {held}")]);
}

#[test]
fn q_twice_detaches_from_a_running_deploy() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_s, mut st) = planned("ops-detach", plan(&rt, false, false));
    update(&mut st, key(KeyCode::Char('y')));
    assert!(update(&mut st, key(KeyCode::Char('q'))).is_empty());
    // Opened alone (`apwiz deploy`): detaching quits apwiz; helm was started detachable.
    assert_eq!(update(&mut st, key(KeyCode::Char('q'))), vec![Cmd::Quit]);
    assert!(st.quit);
}

#[test]
fn a_lost_watch_shows_a_banner_until_it_has_listed_again() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_s, mut st) = planned("ops-reconnect", plan(&rt, false, false));
    update(&mut st, key(KeyCode::Char('y')));
    let notice = |seq: u64, m: &str| ReleaseEvent {
        seq,
        at_ms: seq * 100,
        kind: apwiz::testing::core::release::events::Kind::Notice {
            message: m.to_string(),
        },
    };
    feed(
        &mut st,
        &[notice(
            1,
            "watch of pods interrupted (connection refused); reconnecting",
        )],
    );
    snap_all("deploy_reconnecting", &mut st);
    feed(
        &mut st,
        &[notice(2, "watch of pods reconnected and listed again")],
    );
    assert!(!screen(&mut st, 80, 24).contains("reconnecting (pods)"));
    // A silent API server during the deploy: the header says so first.
    feed(
        &mut st,
        &[ReleaseEvent {
            seq: 3,
            at_ms: 9_000,
            kind: apwiz::testing::core::release::events::Kind::Connection {
                live: false,
                silent_ms: 5_200,
                last_heard: "2026-12-06T14:03:07Z".into(),
            },
        }],
    );
    snap_all("deploy_stale", &mut st);
}

#[test]
fn ctrl_c_asks_then_interrupts_helm_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_s, mut st) = planned("ops-interrupt", plan(&rt, false, false));
    update(&mut st, key(KeyCode::Char('y')));
    assert!(
        update(&mut st, ctrl('c')).is_empty(),
        "the first Ctrl-C asks"
    );
    assert!(op(&st).confirm_interrupt);
    snap_all("deploy_confirm_interrupt", &mut st);
    // Any other key goes on.
    update(&mut st, key(KeyCode::Down));
    assert!(!op(&st).confirm_interrupt);
    update(&mut st, ctrl('c'));
    assert_eq!(update(&mut st, ctrl('c')), vec![Cmd::Interrupt]);
    assert!(update(&mut st, ctrl('c')).is_empty(), "asked once only");
    assert!(update(&mut st, ctrl('c')).is_empty());
    assert!(!st.quit, "Ctrl-C never quits while helm runs");
}

#[test]
fn a_failed_pre_check_or_a_read_only_context_refuses_to_start() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_s, mut st) = planned("ops-check-fails", plan(&rt, false, true));
    snap_all("deploy_plan_check_failed", &mut st);
    assert!(update(&mut st, key(KeyCode::Char('y'))).is_empty());
    assert!(matches!(op(&st).stage, Stage::DeployPlan(_)));
    assert!(op(&st).board.notices[0].contains("kinds-served"));

    let (_s, mut st) = planned("ops-read-only", plan(&rt, true, false));
    // A read-only context hides the keys that change the cluster (k9s's --readonly).
    let shown = screen(&mut st, 160, 48);
    assert!(
        !shown.contains("y go ahead") && shown.contains("q cancel"),
        "{shown}"
    );
    assert!(update(&mut st, key(KeyCode::Char('y'))).is_empty());
    assert!(op(&st).board.notices[0].contains("read-only"));
}

#[test]
fn validation_errors_are_shown_and_nothing_runs() {
    let s = session();
    let mut st = new_state(&s, &scratch("ops-invalid"));
    let (screen, _) = ops::deploy(DeployRequest::default(), "web");
    st.ops = Some(screen);
    update(
        &mut st,
        Msg::Ops(OpsMsg::DeployPlanned(Err(
            "no context \"prod\" in the kubeconfig (contexts there: kwok-apwiz)".into(),
        ))),
    );
    snap_all("deploy_refused", &mut st);
    // Opened over the wizard: q goes back to it.
    assert!(update(&mut st, key(KeyCode::Char('q'))).is_empty());
    assert!(st.ops.is_none() && !st.quit);
}

#[test]
fn history_lists_revisions_diffs_one_and_offers_its_rollback() {
    let s = session();
    let mut st = new_state(&s, &scratch("ops-history"));
    let (screen, cmds) = ops::history(Target::default(), "web");
    assert!(matches!(cmds.as_slice(), [Cmd::History { .. }]));
    st.ops = Some(screen);
    let rev = |n: u64, status: &str, at: &str| Revision {
        revision: n,
        status: status.into(),
        updated: at.into(),
        secret: Some(format!("sh.helm.release.v1.web.v{n}")),
        chart: None,
        description: None,
    };
    update(
        &mut st,
        Msg::Ops(OpsMsg::History(Ok(History {
            release: "web".into(),
            namespace: "shop".into(),
            source: Source::ReleaseSecrets,
            fallback_reason: None,
            revisions: vec![
                rev(1, "superseded", "2026-11-30T16:11:51Z"),
                rev(2, "failed", "2026-11-30T16:11:55Z"),
                rev(3, "deployed", "2026-11-30T16:12:03Z"),
            ],
        }))),
    );
    // The newest revision is selected; Enter on it diffs it with itself, so go to 1 first.
    update(&mut st, key(KeyCode::Up));
    update(&mut st, key(KeyCode::Up));
    let cmds = update(&mut st, key(KeyCode::Enter));
    match cmds.as_slice() {
        [
            Cmd::OpenRevision {
                revision, against, ..
            },
        ] => assert_eq!((*revision, *against), (1, 3)),
        other => panic!("{other:?}"),
    }
    update(
        &mut st,
        Msg::Ops(OpsMsg::Revision(Ok(RevisionView {
            revision: 1,
            against: 3,
            chart: "app-platform-0.1.0".into(),
            app_version: "0.1.0".into(),
            description: "Install complete".into(),
            changes: vec![Change::Changed {
                object: "Deployment/web".into(),
                paths: vec![PathChange {
                    path: "spec.replicas".into(),
                    old: Some(json!(3)),
                    new: Some(json!(2)),
                    hidden: false,
                }],
            }],
            keys_added: vec![],
            keys_removed: vec!["hooks".into()],
        }))),
    );
    snap_all("history_diff", &mut st);
    // Space marks revision 1; Enter on revision 2 diffs it against 1 instead of the current.
    update(&mut st, key(KeyCode::Char(' ')));
    update(&mut st, key(KeyCode::Down));
    let cmds = update(&mut st, key(KeyCode::Enter));
    assert!(
        matches!(
            cmds.as_slice(),
            [Cmd::OpenRevision {
                revision: 2,
                against: 1,
                ..
            }]
        ),
        "{cmds:?}"
    );
    update(&mut st, key(KeyCode::Up));
    let cmds = update(&mut st, key(KeyCode::Char('r')));
    assert!(
        matches!(
            cmds.as_slice(),
            [Cmd::PlanRollback {
                revision: Some(1),
                ..
            }]
        ),
        "{cmds:?}"
    );
}

#[test]
fn status_watches_the_release_and_t_runs_its_tests() {
    let s = session();
    let mut st = new_state(&s, &scratch("ops-status"));
    let (screen, cmds) = ops::status(Target::default(), "web");
    assert!(matches!(cmds.as_slice(), [Cmd::Watch { .. }]), "{cmds:?}");
    st.ops = Some(screen);
    st.ops_alone = true;
    let id = op(&st).stream;
    update(
        &mut st,
        Msg::Ops(OpsMsg::StatusOpened {
            stream: id,
            result: Ok(StatusHead {
                revision: 4,
                status: "deployed".into(),
                chart: "app-platform-0.1.0 (app 0.1.0)".into(),
                description: "Upgrade complete".into(),
                context: "kwok-apwiz".into(),
                namespace: "shop".into(),
                notes: "app-platform 0.1.0 is installed as release web in namespace shop.".into(),
                read_only: false,
            }),
        }),
    );
    // The watch's rows: the workload and pods of a recorded deploy.
    let (events, _) = stream("install.jsonl");
    let rows: Vec<ReleaseEvent> = events
        .into_iter()
        .filter(|e| {
            matches!(&e.kind, apwiz::testing::core::release::events::Kind::Object { object, .. }
                if object.kind != "Job" && !object.name.contains("prepare") && !object.name.contains("announce"))
        })
        .collect();
    feed(&mut st, &rows);
    snap_all("status_watching", &mut st);
    stale_then_live(&mut st, rows.iter().map(|e| e.seq).max().unwrap_or(0));
    // t: the watch stops and the tests run on a screen of their own.
    let cmds = update(&mut st, key(KeyCode::Char('t')));
    assert!(
        matches!(cmds.as_slice(), [Cmd::StopWatch, Cmd::RunTest { release, .. }] if release == "web"),
        "{cmds:?}"
    );
    assert_eq!(op(&st).op, "test");
    assert_ne!(op(&st).stream, id);
}

/// A silent API server (the watcher's `Connection` events): the header says for how long and
/// since when, the rows are greyed and the "watching live" line says it is not; the resume
/// takes all of it away and keeps the rows.
fn stale_then_live(st: &mut State, seq: u64) {
    use apwiz::testing::core::release::events::Kind;
    let conn = |seq: u64, live: bool, silent_ms: u64| ReleaseEvent {
        seq,
        at_ms: 60_000 + seq,
        kind: Kind::Connection {
            live,
            silent_ms,
            last_heard: "2026-12-06T14:03:07.250Z".into(),
        },
    };
    feed(
        st,
        &[conn(seq + 1, false, 3_100), conn(seq + 2, false, 12_400)],
    );
    snap_all("status_stale", st);
    let text = screen(st, 160, 48);
    assert!(
        text.contains("no answer from the API server for 12 s · showing the state at 14:03:07 UTC")
            && text.contains("Deployment/web"),
        "{text}"
    );
    // The rows are drawn in the muted style while stale.
    update(st, Msg::Resize(160, 48));
    let mut t = Terminal::new(TestBackend::new(160, 48)).unwrap();
    t.draw(|f| view::draw(f, st)).unwrap();
    let buf = t.backend().buffer().clone();
    let muted = st.styles.muted;
    let row_y = (0..48)
        .find(|y| {
            (0..160)
                .map(|x| buf[(x, *y)].symbol().to_string())
                .collect::<String>()
                .contains(" Deployment/web ")
        })
        .expect("the workload row");
    let x = (0..160)
        .find(|x| buf[(*x, row_y)].symbol() == "D")
        .expect("its first letter");
    assert_eq!(
        buf[(x, row_y)].fg,
        muted.fg.unwrap_or_default(),
        "the row is not greyed"
    );
    feed(st, &[conn(seq + 3, true, 12_900)]);
    let text = screen(st, 160, 48);
    assert!(
        !text.contains("no answer from the API server")
            && text.contains("watching live")
            && text.contains("Deployment/web")
            && text.contains("the API server answers again after 12.9 s of silence: live"),
        "{text}"
    );
}

#[test]
fn releases_list_filters_and_opens_a_status() {
    let s = session();
    let mut st = new_state(&s, &scratch("ops-releases"));
    let (screen, cmds) = ops::releases(Target::default());
    assert!(matches!(cmds.as_slice(), [Cmd::Releases { .. }]));
    st.ops = Some(screen);
    let rel = |name: &str, rev: u64, status: &str, ready: (usize, usize)| Release {
        name: name.into(),
        namespace: "shop".into(),
        revision: rev,
        status: status.into(),
        updated: "2026-11-30T16:12:03Z".into(),
        chart: "app-platform-0.1.0".into(),
        app_version: "0.1.0".into(),
        pods_ready: ready,
    };
    update(
        &mut st,
        Msg::Ops(OpsMsg::Releases(Ok(vec![
            rel("cart", 7, "deployed", (3, 3)),
            rel("catalogue", 2, "failed", (0, 2)),
            rel("web", 4, "pending-upgrade", (1, 2)),
        ]))),
    );
    snap_all("releases", &mut st);
    // `/` filters: letters are the filter's (q does not close), Enter keeps it.
    update(&mut st, key(KeyCode::Char('/')));
    assert!(st.in_text());
    for m in chars("cat") {
        update(&mut st, m);
    }
    update(&mut st, key(KeyCode::Char('q')));
    assert!(st.ops.is_some(), "q is text while filtering");
    update(&mut st, key(KeyCode::Backspace));
    update(&mut st, key(KeyCode::Enter));
    assert!(!st.in_text());
    snap_all("releases_filtered", &mut st);
    // u: an uninstall is planned for the selected release.
    let mut probe = st.ops.clone();
    if let Some(o) = probe.as_mut() {
        let mut project = st.project.clone();
        let e = o.action(
            apwiz::testing::tui::keys::Action::Uninstall,
            &mut project,
            &st.ctx(),
        );
        assert!(
            matches!(e, ops::Effect::Cmds(ref c) if matches!(c.as_slice(), [Cmd::PlanUninstall { release, .. }] if release == "catalogue"))
        );
    }
    // Enter: the release's status, live, in its namespace.
    let cmds = update(&mut st, key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Cmd::Watch { release, target, .. }]
            if release == "catalogue" && target.0.namespace.as_deref() == Some("shop")),
        "{cmds:?}"
    );
}

#[test]
fn uninstall_asks_for_the_release_name_typed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = session();
    let mut st = new_state(&s, &scratch("ops-uninstall"));
    let (screen, _) = ops::status(Target::default(), "web");
    st.ops = Some(screen);
    let id = op(&st).stream;
    update(
        &mut st,
        Msg::Ops(OpsMsg::StatusOpened {
            stream: id,
            result: Ok(StatusHead {
                revision: 4,
                status: "deployed".into(),
                chart: "app-platform-0.1.0".into(),
                description: String::new(),
                context: "kwok-apwiz".into(),
                namespace: "shop".into(),
                notes: String::new(),
                read_only: false,
            }),
        }),
    );
    let cmds = update(&mut st, key(KeyCode::Char('u')));
    assert!(
        matches!(cmds.as_slice(), [Cmd::StopWatch, Cmd::PlanUninstall { release, .. }] if release == "web"),
        "{cmds:?}"
    );
    let plan = apwiz::testing::core::ops::uninstall::UninstallPlan {
        release: "web".into(),
        cluster: cluster(&rt, false),
        helm: helm4(),
        revision: 4,
        deleted: vec!["Deployment/web".into(), "Service/web".into()],
        kept: vec!["PersistentVolumeClaim/web-data".into()],
        hooks: vec![HookObject {
            name: "web-export".into(),
            kind: "Job".into(),
            events: vec!["pre-delete".into()],
            weight: 0,
            delete_policies: vec![],
        }],
        argv: vec!["uninstall".into(), "web".into()],
        spec: watch::Spec::default(),
        first_phase: Phase::PreHooks,
        held: None,
    };
    update(
        &mut st,
        Msg::Ops(OpsMsg::UninstallPlanned(Ok(Shared::new(plan.clone())))),
    );
    assert!(st.in_text(), "the name is typed");
    // q and y are letters of the name here, not keys.
    for m in chars("wey") {
        update(&mut st, m);
    }
    assert!(
        update(&mut st, key(KeyCode::Enter)).is_empty(),
        "a wrong name"
    );
    assert!(op(&st).board.notices[0].contains("type the release name (web)"));
    update(&mut st, key(KeyCode::Backspace));
    update(&mut st, key(KeyCode::Char('b')));
    snap_all("uninstall_plan", &mut st);
    let cmds = update(&mut st, key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Cmd::RunUninstall { stream, .. }] if *stream == op(&st).stream),
        "{cmds:?}"
    );

    // Another apwiz holds the release: the plan names who and since when, and the typed name
    // starts nothing (the deploy's words).
    let (watching, _) = ops::status(Target::default(), "web");
    st.ops = Some(watching);
    update(&mut st, key(KeyCode::Char('u')));
    let held = held_by_alice();
    let plan = apwiz::testing::core::ops::uninstall::UninstallPlan {
        held: Some(Box::new(held.clone())),
        ..plan
    };
    update(
        &mut st,
        Msg::Ops(OpsMsg::UninstallPlanned(Ok(Shared::new(plan)))),
    );
    let shown = crate::screen(&mut st, 160, 48);
    assert_shows_alice_holds(&shown);
    for m in chars("web") {
        update(&mut st, m);
    }
    assert!(
        update(&mut st, key(KeyCode::Enter)).is_empty(),
        "held: nothing runs"
    );
    assert_eq!(
        op(&st).board.notices,
        vec![format!("not started: {held}")],
        "the refusal's own words"
    );
}

#[test]
fn canary_steps_promotes_and_comes_back() {
    use apwiz::testing::core::ops::canary::{PodRow, Status};
    let s = session();
    let mut st = new_state(&s, &scratch("ops-canary"));
    // Opened from a status screen: closing what the canary opens comes back here, then there.
    let (status_screen, _) = ops::status(Target::default(), "web");
    st.ops = Some(status_screen);
    let request = apwiz::testing::core::inputs::Request {
        dir: scratch("ops-canary-team"),
        ..Default::default()
    };
    let cmds = update(
        &mut st,
        Msg::Key(crossterm::event::KeyEvent::from(KeyCode::Char(':'))),
    );
    assert!(cmds.is_empty());
    for m in chars("canary") {
        update(&mut st, m);
    }
    let cmds = update(&mut st, key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Cmd::StopWatch, Cmd::CanaryStatus { release, .. }] if release == "web"),
        "{cmds:?}"
    );
    // The screen reads the team's files from the request it was given.
    if let Some(OpsScreen::Canary(c)) = st.ops.as_mut() {
        c.request = request.clone();
    }
    let pod = |name: &str, restarts: i32| PodRow {
        name: name.into(),
        phase: "Running".into(),
        ready: true,
        restarts,
    };
    update(
        &mut st,
        Msg::Ops(OpsMsg::Canary(Ok(Status {
            release: "web".into(),
            service: None,
            set_weight: Some(5),
            route: vec![("web".into(), 95), ("web-canary".into(), 5)],
            stable_image: Some("ghcr.io/acme/web:1.0.0".into()),
            canary_image: Some("ghcr.io/acme/web:1.1.0".into()),
            stable_pods: vec![
                pod("web-6b7b67b869-vbnrm", 0),
                pod("web-6b7b67b869-48ksm", 0),
            ],
            canary_pods: vec![pod("web-canary-5c8cc7c944-djvjv", 2)],
            warnings: vec!["canary pod web-canary-5c8cc7c944-djvjv ready (2 restarts)".into()],
        }))),
    );
    snap_all("canary", &mut st);
    // -: no step below 5 %; the note says what can be done.
    assert!(update(&mut st, key(KeyCode::Char('-'))).is_empty());
    // +: a deploy of the team's files with the canary's sets, no hooks, planned first.
    let cmds = update(&mut st, key(KeyCode::Char('+')));
    match cmds.as_slice() {
        [Cmd::PlanDeploy(req)] => {
            assert_eq!(
                req.0.opts.sets,
                vec![
                    "canary.enabled=true",
                    "canary.weight=25",
                    "canary.image=ghcr.io/acme/web:1.1.0"
                ]
            );
            assert!(req.0.opts.no_hooks);
            assert_eq!(req.0.request.release.as_deref(), Some("web"));
            assert_eq!(req.0.request.dir, request.dir);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(op(&st).op, "canary");
    // q on the plan: back to the canary (read again), then to the status (watched again).
    let cmds = update(&mut st, key(KeyCode::Char('q')));
    assert!(
        matches!(cmds.as_slice(), [Cmd::CanaryStatus { .. }]),
        "{cmds:?}"
    );
    assert!(matches!(st.ops, Some(OpsScreen::Canary(_))));
    let cmds = update(&mut st, key(KeyCode::Char('q')));
    assert!(matches!(cmds.as_slice(), [Cmd::Watch { .. }]), "{cmds:?}");
    let cmds = update(&mut st, key(KeyCode::Char('q')));
    assert_eq!(cmds, vec![Cmd::StopWatch]);
    assert!(st.ops.is_none(), "then the wizard");
}

#[test]
fn a_promotion_writes_the_image_once_it_succeeded() {
    use apwiz::testing::core::ops::canary::Status;
    let s = session();
    let mut st = new_state(&s, &scratch("ops-promote"));
    let dir = scratch("ops-promote-team");
    let (screen, _) = ops::canary_screen(
        Target::default(),
        apwiz::testing::core::inputs::Request {
            dir: dir.clone(),
            ..Default::default()
        },
        "web",
        None,
    );
    st.ops = Some(screen);
    update(
        &mut st,
        Msg::Ops(OpsMsg::Canary(Ok(Status {
            release: "web".into(),
            set_weight: Some(50),
            stable_image: Some("ghcr.io/acme/web:1.0.0".into()),
            canary_image: Some("ghcr.io/acme/web:1.1.0".into()),
            ..Status::default()
        }))),
    );
    let cmds = update(&mut st, key(KeyCode::Char('p')));
    assert!(
        matches!(cmds.as_slice(), [Cmd::PlanDeploy(r)] if r.0.opts.sets == vec!["image=ghcr.io/acme/web:1.1.0", "canary.enabled=false"]),
        "{cmds:?}"
    );
    // The operation fails: nothing is written.
    let id = op(&st).stream;
    let failed = OpEnd {
        ok: false,
        cause: None,
        record: None,
        revision: None,
        notes: None,
        left: None,
    };
    let cmds = update(
        &mut st,
        Msg::Ops(OpsMsg::OpFinished {
            stream: id,
            result: Ok(failed),
        }),
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    // The same screen again, succeeding: the image goes into the team's values.yaml.
    let cmds = update(&mut st, key(KeyCode::Char('q')));
    assert!(matches!(cmds.as_slice(), [Cmd::CanaryStatus { .. }]));
    update(
        &mut st,
        Msg::Ops(OpsMsg::Canary(Ok(Status {
            release: "web".into(),
            canary_image: Some("ghcr.io/acme/web:1.1.0".into()),
            stable_image: Some("ghcr.io/acme/web:1.0.0".into()),
            ..Status::default()
        }))),
    );
    update(&mut st, key(KeyCode::Char('p')));
    let id = op(&st).stream;
    let ok = OpEnd {
        ok: true,
        cause: None,
        record: None,
        revision: Some(9),
        notes: None,
        left: None,
    };
    let cmds = update(
        &mut st,
        Msg::Ops(OpsMsg::OpFinished {
            stream: id,
            result: Ok(ok),
        }),
    );
    assert_eq!(
        cmds,
        vec![Cmd::After(After::WriteImage {
            file: dir.join("values.yaml"),
            service: None,
            image: "ghcr.io/acme/web:1.1.0".into(),
        })]
    );
}

/// The helm the hand-made plans name (never run).
fn helm4() -> Helm {
    Helm {
        path: "helm".into(),
        version: Version {
            major: 4,
            minor: 3,
            patch: 1,
        },
    }
}

/// A plan of a release alice's apwiz holds, as drawn: who, since when, the refusal.
fn assert_shows_alice_holds(shown: &str) {
    for part in [
        "held by another apwiz",
        "deploy by alice on build-7 (pid 4121), git commit 1a2b3c4d5e6f, since 2026-12-06 14:03:07 UTC",
        "✗ release web in shop is being changed by another apwiz",
    ] {
        assert!(shown.contains(part), "{part}:\n{shown}");
    }
}

/// Another apwiz's Lease on the release, as `operation-lease` reads it.
fn held_by_alice() -> apwiz::testing::core::release::lease::Refusal {
    use apwiz::testing::core::release::lease::{Holder, Refusal};
    Refusal {
        release: "web".into(),
        namespace: "shop".into(),
        holder: Holder {
            user: "alice".into(),
            host: "build-7".into(),
            pid: 4121,
            operation: "deploy".into(),
            commit: Some("git 1a2b3c4d5e6f".into()),
            since: "2026-12-06T14:03:07Z".into(),
        },
        renewed_ago: 3,
    }
}

#[test]
fn a_release_another_apwiz_holds_shows_who_holds_it_since_when_and_nothing_starts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Held when planned: the plan says who holds it, and y starts nothing.
    let mut p = plan(&rt, false, false);
    let held = held_by_alice();
    p.checks.push(Check {
        name: "operation-lease",
        status: Status::Fail,
        message: held.to_string(),
        duration_ms: 9,
        held: Some(Box::new(held.clone())),
    });
    let (_s, mut st) = planned("ops-lease-plan", p);
    snap_all("deploy_plan_lease_held", &mut st);
    let shown = screen(&mut st, 160, 48);
    for part in [
        "held by another apwiz",
        "deploy by alice on build-7 (pid 4121)",
        "git commit 1a2b3c4d5e6f",
        "since 2026-12-06 14:03:07 UTC",
    ] {
        assert!(shown.contains(part), "{part}:\n{shown}");
    }
    assert!(update(&mut st, key(KeyCode::Char('y'))).is_empty());
    assert!(matches!(op(&st).stage, Stage::DeployPlan(_)));
    assert!(op(&st).board.notices[0].contains("operation-lease"));

    // Taken between the plan and y (a rollback or an uninstall, which plan no pre-checks, are
    // refused the same way): the run's refusal card, then its end.
    let (_s, mut st) = planned("ops-lease-run", plan(&rt, false, false));
    let cmds = update(&mut st, key(KeyCode::Char('y')));
    assert!(
        matches!(cmds.as_slice(), [Cmd::RunDeploy { .. }]),
        "{cmds:?}"
    );
    let id = op(&st).stream;
    let card: ReleaseEvent = serde_json::from_value(json!({
        "seq": 1, "at_ms": 40, "event": "failure",
        "object": held.card().object, "reason": held.card().reason,
        "message": held.card().message, "next_actions": held.card().next_actions,
        "detected_ms": 0
    }))
    .expect("a failure event");
    update(
        &mut st,
        Msg::Ops(OpsMsg::Release {
            stream: id,
            event: Box::new(card),
        }),
    );
    update(
        &mut st,
        Msg::Ops(OpsMsg::OpFinished {
            stream: id,
            result: Err(held.to_string()),
        }),
    );
    assert!(matches!(op(&st).stage, Stage::Refused(_)));
    snap_all("deploy_lease_refused", &mut st);
    let shown = screen(&mut st, 160, 48);
    assert!(
        shown.contains("deploy by alice on build-7 (pid 4121), git commit 1a2b3c4d5e6f, since 2026-12-06 14:03:07 UTC")
            && shown.contains("apwiz status --watch --release web -n shop")
            && shown.contains("nothing was changed in the cluster"),
        "{shown}"
    );
}

#[test]
fn a_pod_no_scheduler_acts_on_shows_its_card_while_helm_goes_on() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_s, mut st) = planned("ops-no-scheduler", plan(&rt, false, false));
    let cmds = update(&mut st, key(KeyCode::Char('y')));
    assert!(
        matches!(cmds.as_slice(), [Cmd::RunDeploy { .. }]),
        "{cmds:?}"
    );
    // As the watcher words it (tests/faults.rs sees it on the control plane).
    let events: Vec<ReleaseEvent> = [
        json!({"seq": 1, "at_ms": 50, "event": "phase", "phase": "apply-and-wait", "state": "started"}),
        json!({"seq": 2, "at_ms": 900, "event": "object",
               "object": {"kind": "Pod", "name": "web-7c9d-x2k4", "uid": "u1"}, "state": "Pending"}),
        json!({"seq": 3, "at_ms": 15900, "event": "failure", "object": "Pod/web-7c9d-x2k4",
               "reason": "NoSchedulerActing",
               "message": "no scheduler has acted on Pod/web-7c9d-x2k4 for 15 s: is kube-scheduler running?",
               "next_actions": [], "detected_ms": 15900}),
    ]
    .into_iter()
    .map(|v| serde_json::from_value(v).expect("an event"))
    .collect();
    feed(&mut st, &events);
    assert!(matches!(op(&st).stage, Stage::Running));
    let shown = screen(&mut st, 160, 48);
    assert!(
        shown.contains("✗ cause: Pod/web-7c9d-x2k4 — NoSchedulerActing")
            && shown.contains(
                "no scheduler has acted on Pod/web-7c9d-x2k4 for 15 s: is kube-scheduler running?"
            )
            && shown.contains("helm is still working"),
        "{shown}"
    );
}
