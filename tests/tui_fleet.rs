//! The fleet screen (`apwiz fleet` on a terminal). Its states — loading with rows filling in,
//! the list, sorted, filtered, a team's detail, an upgrade's plan and its result — driven through
//! the one `update` and drawn with ratatui's TestBackend + insta at 80×24 and 160×48; its keys as
//! state tests. The data of those is built here from the core's own types (`Status`,
//! `TeamImpact`, `Verdict`): a real run's commit hashes and scratch paths change every time, and
//! the snapshots must not. The real thing runs end to end in tmux: real git repositories made by
//! the test, the real core and helm, a team's upgrade planned and made from the screen (a branch
//! and a commit in the team's repository, nothing pushed, no worktree left).
mod support;

use std::path::PathBuf;
use std::time::Duration;

use apwiz::testing::core::fleet::impact::{Class, EnvImpact, TeamImpact};
use apwiz::testing::core::fleet::status::{
    EnvStatus, Live, PolicyCount, Status, TeamStatus, Validation,
};
use apwiz::testing::core::fleet::teams::Header;
use apwiz::testing::core::fleet::upgrade::{Outcome, Verdict};
use apwiz::testing::core::inputs::answers::ChartPin;
use apwiz::testing::core::ops::fleet::{PlannedTeam, Request, Source, UpgradePlan};
use apwiz::testing::core::release::diff::{Change, PathChange};
use apwiz::testing::core::session::{Options, Session};
use apwiz::testing::tui::app::{State, update};
use apwiz::testing::tui::keys::Scope;
use apwiz::testing::tui::msg::{Cmd, FleetProgress as Progress, Msg, OpsMsg, Shared};
use apwiz::testing::tui::screens::OpsScreen;
use apwiz::testing::tui::screens::fleet::{FleetScreen, SortBy, UpgradeStage, View};
use apwiz::testing::tui::view;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::fleet::{candidate, fleet_file, git, shop_team, worker_team};
use support::tmux::Tmux;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn session() -> Session {
    Session::open(Options {
        config: Some(support::repo().join("target/no-such-apwiz-config.yaml")),
        theme: None,
        chart: Some(support::chart()),
        chart_version: None,
        helm: None,
        policies: None,
    })
    .expect("session")
}

fn request() -> Request {
    Request {
        source: Source::File(PathBuf::from("fleet.yaml")),
        cache: None,
        jobs: None,
        kube_version: None,
        only: Vec::new(),
    }
}

/// The fleet screen alone, as `apwiz fleet` opens it.
fn opened() -> (State, Vec<Cmd>) {
    apwiz::testing::tui::fleet_state(&session(), request(), None, false).expect("fleet state")
}

fn screen_text(st: &mut State, w: u16, h: u16) -> String {
    update(st, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, st)).unwrap();
    format!("{}", t.backend())
}

fn snap_all(name: &str, st: &mut State) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen_text(st, w, h));
    }
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn keys(st: &mut State, codes: &[KeyCode]) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for c in codes {
        cmds.extend(update(st, key(*c)));
    }
    cmds
}

fn typed(st: &mut State, s: &str) {
    for c in s.chars() {
        update(st, key(KeyCode::Char(c)));
    }
}

fn fleet(st: &State) -> &FleetScreen {
    match &st.ops {
        Some(OpsScreen::Fleet(f)) => f,
        other => panic!("not the fleet screen: {other:?}"),
    }
}

fn pin(v: &str) -> ChartPin {
    ChartPin {
        name: "app-platform".into(),
        version: v.into(),
        source: "oci://registry.example.com/charts/app-platform".into(),
    }
}

fn header(team: &str, v: Option<&str>, error: Option<&str>) -> Header {
    Header {
        team: team.into(),
        repo: format!("/src/{team}"),
        branch: Some("main".into()),
        commit: error.is_none().then(|| "1a2b3c4d5e6f".to_string()),
        pin: v.map(pin),
        error: error.map(str::to_string),
    }
}

fn env(name: &str, errors: usize, warnings: usize, live: Option<Live>) -> EnvStatus {
    let mut attention = Vec::new();
    if errors > 0 {
        attention.push(format!("{errors} policy/render error(s)"));
    }
    if let Some(l) = &live
        && l.drift
    {
        attention.push(format!(
            "drift: live {} ≠ pinned 0.1.0",
            l.chart.as_deref().unwrap_or("?")
        ));
    }
    let mut policies = Vec::new();
    if errors > 0 {
        policies.push(PolicyCount {
            rule: "containers-have-limits".into(),
            errors,
            warnings: 0,
        });
    }
    if warnings > 0 {
        policies.push(PolicyCount {
            rule: "probes-are-set".into(),
            errors: 0,
            warnings,
        });
    }
    EnvStatus {
        env: Some(name.into()),
        validation: Validation {
            errors,
            warnings,
            first: (errors > 0).then(|| {
                "Deployment/queue: containers-have-limits: container queue has no memory limit"
                    .to_string()
            }),
            policies,
        },
        live,
        attention,
    }
}

fn live(chart: &str, drift: bool) -> Live {
    Live {
        context: "kwok-apwiz".into(),
        namespace: "shop-prod".into(),
        revision: Some(4),
        status: Some("deployed".into()),
        chart: Some(format!("app-platform-{chart}")),
        drift,
        last_deployed: Some("2026-12-01T09:30:12.123Z".into()),
        commit: Some("1a2b3c4d5e6f".into()),
        error: None,
    }
}

/// Three teams: shop behind with drift in prod, queue current with a policy error, ghost
/// unreadable.
fn teams() -> Vec<TeamStatus> {
    vec![
        TeamStatus {
            header: header("shop", Some("0.1.0"), None),
            behind: Some("1 minor".into()),
            environments: vec![
                env("dev", 0, 0, None),
                env("prod", 0, 2, Some(live("0.0.9", true))),
            ],
        },
        TeamStatus {
            header: header("queue", Some("0.2.0"), None),
            behind: None,
            environments: vec![env("dev", 1, 0, None), env("prod", 0, 0, None)],
        },
        TeamStatus {
            header: header("ghost", None, Some("repository /src/ghost does not exist")),
            behind: None,
            environments: Vec::new(),
        },
    ]
}

fn loaded() -> State {
    let (mut st, _) = opened();
    update(
        &mut st,
        Msg::Ops(OpsMsg::FleetStatus(Ok(Status {
            newest: "0.2.0".into(),
            teams: teams(),
        }))),
    );
    st
}

/// The shown rows as `team env`.
fn shown(st: &State) -> Vec<String> {
    fleet(st)
        .rows()
        .iter()
        .map(|r| format!("{} {}", r.team, r.env))
        .collect()
}

#[test]
fn loading_shows_progress_and_rows_fill_in_as_teams_finish() {
    let (mut st, cmds) = opened();
    assert!(st.ops_alone);
    assert!(
        matches!(cmds.as_slice(), [Cmd::FleetStatus { request, newest: None }] if request.0.source == Source::File("fleet.yaml".into())),
        "{cmds:?}"
    );
    // The second team of three finished first: its rows are there, in place.
    update(
        &mut st,
        Msg::Ops(OpsMsg::FleetProgress(Progress {
            phase: "checking".into(),
            done: 1,
            total: 3,
            item: "queue".into(),
        })),
    );
    update(
        &mut st,
        Msg::Ops(OpsMsg::FleetTeam {
            index: 1,
            team: Box::new(teams().remove(1)),
        }),
    );
    assert!(fleet(&st).loading());
    assert_eq!(shown(&st), ["queue dev", "queue prod"]);
    snap_all("fleet_loading", &mut st);
    update(
        &mut st,
        Msg::Ops(OpsMsg::FleetStatus(Ok(Status {
            newest: "0.2.0".into(),
            teams: teams(),
        }))),
    );
    assert!(!fleet(&st).loading());
    assert_eq!(
        shown(&st),
        [
            "ghost -",
            "queue dev",
            "queue prod",
            "shop dev",
            "shop prod"
        ]
    );
    snap_all("fleet_list", &mut st);
}

#[test]
fn a_fleet_that_cannot_be_read_says_why() {
    let (mut st, _) = opened();
    update(
        &mut st,
        Msg::Ops(OpsMsg::FleetStatus(Err(
            "fleet.yaml:4:5: teams[1]: unknown field brnach".into(),
        ))),
    );
    let text = screen_text(&mut st, 80, 24);
    assert!(
        text.contains("fleet.yaml:4:5: teams[1]: unknown field brnach"),
        "{text}"
    );
}

#[test]
fn s_cycles_the_sort_column() {
    let mut st = loaded();
    assert_eq!(fleet(&st).sort, SortBy::Team);
    let order: Vec<SortBy> = (0..6)
        .map(|_| {
            keys(&mut st, &[KeyCode::Char('s')]);
            fleet(&st).sort
        })
        .collect();
    assert_eq!(
        order,
        [
            SortBy::Env,
            SortBy::Pin,
            SortBy::Policies,
            SortBy::Live,
            SortBy::Attention,
            SortBy::Team
        ]
    );
    keys(&mut st, &[KeyCode::Char('s'), KeyCode::Char('s')]);
    assert_eq!(fleet(&st).sort, SortBy::Pin);
    assert_eq!(shown(&st)[..2], ["shop dev", "shop prod"], "behind first");
    keys(&mut st, &[KeyCode::Char('s')]);
    assert_eq!(
        shown(&st)[..2],
        ["queue dev", "shop prod"],
        "errors, then warnings"
    );
    keys(&mut st, &[KeyCode::Char('s')]);
    assert_eq!(shown(&st)[0], "shop prod", "drift first");
    keys(&mut st, &[KeyCode::Char('s')]);
    assert_eq!(fleet(&st).sort, SortBy::Attention);
    assert_eq!(shown(&st)[0], "shop prod", "behind and drift: two things");
    for _ in 0..4 {
        keys(&mut st, &[KeyCode::Char('s')]);
    }
    assert_eq!(fleet(&st).sort, SortBy::Policies);
    snap_all("fleet_sorted", &mut st);
}

#[test]
fn slash_filters_and_esc_clears_then_closes() {
    let mut st = loaded();
    keys(&mut st, &[KeyCode::Char('/')]);
    assert!(st.in_text());
    // Letters are the filter's: q does not quit, s does not sort.
    typed(&mut st, "prodq");
    assert!(!st.quit);
    assert_eq!(fleet(&st).sort, SortBy::Team);
    keys(&mut st, &[KeyCode::Backspace, KeyCode::Enter]);
    assert!(!st.in_text());
    assert_eq!(shown(&st), ["queue prod", "shop prod"]);
    snap_all("fleet_filtered", &mut st);
    // The filter matches what needs attention too.
    keys(&mut st, &[KeyCode::Char('/')]);
    for _ in 0..4 {
        keys(&mut st, &[KeyCode::Backspace]);
    }
    typed(&mut st, "drift");
    keys(&mut st, &[KeyCode::Enter]);
    assert_eq!(shown(&st), ["shop prod"]);
    // Esc clears the filter first, then closes the screen (alone: apwiz quits).
    assert!(keys(&mut st, &[KeyCode::Esc]).is_empty());
    assert_eq!(shown(&st).len(), 5);
    let cmds = keys(&mut st, &[KeyCode::Esc]);
    assert!(st.quit && cmds.contains(&Cmd::Quit), "{cmds:?}");
}

#[test]
fn enter_opens_a_team_and_esc_comes_back() {
    let mut st = loaded();
    // Down past the unreadable team and queue to shop's dev row.
    keys(&mut st, &[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
    keys(&mut st, &[KeyCode::Enter]);
    assert!(matches!(&fleet(&st).view, View::Detail(t) if t == "shop"));
    assert_eq!(st.scopes()[0], Scope::FleetTeam);
    let text = screen_text(&mut st, 160, 48);
    for want in [
        "pin app-platform 0.1.0",
        "1 minor behind 0.2.0",
        "probes-are-set",
        "drift: live app-platform-0.0.9 ≠ pinned 0.1.0",
        "rev 4 deployed app-platform-0.0.9",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    snap_all("fleet_detail", &mut st);
    keys(&mut st, &[KeyCode::Esc]);
    assert!(matches!(fleet(&st).view, View::List));
    assert!(!st.quit);
    // The unreadable team's detail is its reason.
    let mut probe = loaded();
    keys(&mut probe, &[KeyCode::Enter]);
    let text = screen_text(&mut probe, 80, 24);
    assert!(
        text.contains("cannot be read: repository /src/ghost does not exist"),
        "{text}"
    );
}

fn plan() -> UpgradePlan {
    let dev = EnvImpact {
        env: Some("dev".into()),
        class: Class::Restarts,
        objects: 1,
        fields: 2,
        restarts: vec!["Deployment/shop".into()],
        recreates: Vec::new(),
        error: None,
        migrated: vec!["probes.liveness → probes.livenessProbe".into()],
        changes: Some(vec![Change::Changed {
            object: "Deployment/shop".into(),
            paths: vec![PathChange {
                path: "spec.template.spec.containers[0].livenessProbe.periodSeconds".into(),
                old: Some(10.into()),
                new: Some(20.into()),
                hidden: false,
            }],
        }]),
    };
    let mut prod = dev.clone();
    prod.env = Some("prod".into());
    UpgradePlan {
        chart: "app-platform".into(),
        version: "0.2.0".into(),
        teams: vec![PlannedTeam {
            impact: TeamImpact {
                header: header("shop", Some("0.1.0"), None),
                environments: vec![dev, prod],
            },
            verdict: Verdict::Moves {
                branch: "apwiz/app-platform-0.2.0".into(),
                repository: "/src/shop".into(),
            },
            from: Some("1a2b3c4d5e6f".into()),
        }],
    }
}

#[test]
fn u_plans_the_teams_upgrade_y_makes_it_and_ctrl_c_cancels() {
    let mut st = loaded();
    keys(&mut st, &[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
    let cmds = keys(&mut st, &[KeyCode::Char('u')]);
    assert!(
        matches!(cmds.as_slice(), [Cmd::FleetPlanUpgrade { request }] if request.0.only == ["shop"]),
        "{cmds:?}"
    );
    assert_eq!(st.scopes()[0], Scope::FleetRunning);
    // Nothing is made before the plan is confirmed: y does nothing while planning.
    assert!(keys(&mut st, &[KeyCode::Char('y')]).is_empty());
    update(
        &mut st,
        Msg::Ops(OpsMsg::FleetProgress(Progress {
            phase: "rendering".into(),
            done: 1,
            total: 2,
            item: "shop".into(),
        })),
    );
    snap_all("fleet_upgrade_planning", &mut st);
    update(
        &mut st,
        Msg::Ops(OpsMsg::FleetPlanned(Ok(Shared::new(plan())))),
    );
    assert_eq!(st.scopes()[0], Scope::FleetPlan);
    snap_all("fleet_upgrade_plan", &mut st);
    let cmds = keys(&mut st, &[KeyCode::Char('y')]);
    assert!(
        matches!(cmds.as_slice(), [Cmd::FleetUpgrade { request }] if request.0.only == ["shop"]),
        "{cmds:?}"
    );
    // Running: Esc does not leave, Ctrl-C cancels (the job drops the work and its worktree).
    assert!(keys(&mut st, &[KeyCode::Esc]).is_empty());
    assert!(matches!(
        &fleet(&st).view,
        View::Upgrade {
            stage: UpgradeStage::Running,
            ..
        }
    ));
    let mut cancelled = with_screen_of(&st);
    let cmds = update(
        &mut cancelled,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(cmds, [Cmd::FleetCancel]);
    assert!(
        !cancelled.quit,
        "Ctrl-C cancels the upgrade, it does not quit"
    );
    assert!(matches!(
        &fleet(&cancelled).view,
        View::Upgrade {
            stage: UpgradeStage::Cancelled,
            ..
        }
    ));
    // Done: the branch made, never pushed.
    update(
        &mut st,
        Msg::Ops(OpsMsg::FleetUpgraded(Ok(vec![Outcome {
            team: "shop".into(),
            branch: Some("apwiz/app-platform-0.2.0".into()),
            repository: Some("/src/shop".into()),
            commit: Some("9f8e7d6c5b4a".into()),
            skipped: None,
            written: vec!["deploy/.apwiz.yaml".into(), "deploy/values.yaml".into()],
            current: false,
        }]))),
    );
    snap_all("fleet_upgrade_done", &mut st);
    keys(&mut st, &[KeyCode::Esc]);
    assert!(matches!(&fleet(&st).view, View::Detail(t) if t == "shop"));
}

/// A state with the same fleet screen as `st` (the wizard under it fresh).
fn with_screen_of(st: &State) -> State {
    let (mut other, _) = opened();
    other.ops = st.ops.clone();
    other
}

// --- end to end, in tmux, on real git repositories -------------------------------------------

#[test]
fn the_fleet_screen_end_to_end_on_real_repositories() {
    let root = support::scratch("tui-fleet");
    let shop = shop_team(&root);
    let queue = worker_team(&root, "queue");
    fleet_file(&root, &["shop", "queue"]);
    // The candidate: the checkout's chart as 0.2.0.
    let next = candidate(&root, "next", &[]);
    let queue_head = git(&queue, &["rev-parse", "HEAD"]);

    let Some(t) = Tmux::new_session("fleet", &root) else {
        return;
    };
    t.wait_long("READY$", "the shell prompt", Duration::from_secs(20));
    t.text(&format!(
        "env NO_COLOR=1 APWIZ_CONFIG={cfg} APWIZ_CHART={chart} APWIZ_HELM={helm} APWIZ_FLEET_CACHE={cache} {bin} fleet; echo EX\"\"IT=$?",
        cfg = root.join("no-such-config.yaml").display(),
        chart = next.display(),
        helm = support::helm().display(),
        cache = root.join("cache").display(),
        bin = env!("CARGO_BIN_EXE_apwiz"),
    ));
    t.keys(&["Enter"]);
    // Read whole: both teams' rows, 1 minor behind the chart at hand.
    let s = t.wait_long(
        "newest chart 0.2.0",
        "the fleet read whole",
        Duration::from_secs(180),
    );
    assert!(s.contains("0.1.0 (1 minor)"), "{s}");
    assert!(s.contains("queue") && s.contains("shop"), "{s}");
    // Filtered to queue.
    t.keys(&["/"]);
    t.text("que");
    t.keys(&["Enter"]);
    let s = t.wait_long("/que", "the filter", Duration::from_secs(10));
    assert!(!s.contains("›shop") && !s.contains(" shop "), "{s}");
    // The team's detail.
    t.keys(&["Enter"]);
    t.wait_long(
        "pin app-platform 0.1.0",
        "queue's detail",
        Duration::from_secs(10),
    );
    // u: the plan, nothing made yet.
    t.keys(&["u"]);
    let s = t.wait_long(
        "a new branch apwiz/app-platform-0.2.0",
        "the upgrade's plan",
        Duration::from_secs(180),
    );
    assert!(s.contains("nothing is pushed"), "{s}");
    assert!(git(&queue, &["branch", "--list", "apwiz/*"]).is_empty());
    // y: the branch and its commit.
    t.keys(&["y"]);
    t.wait_long("(not pushed)", "the upgrade made", Duration::from_secs(180));
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    t.wait_long("EXIT=0", "apwiz quit", Duration::from_secs(20));

    let log = git(
        &queue,
        &["log", "--format=%P %s", "-1", "apwiz/app-platform-0.2.0"],
    );
    assert!(
        log.starts_with(queue_head.trim()) && log.contains("Move to app-platform 0.2.0"),
        "{log}"
    );
    assert_eq!(git(&queue, &["rev-parse", "HEAD"]), queue_head);
    assert!(git(&queue, &["status", "--porcelain"]).is_empty());
    assert_eq!(git(&queue, &["worktree", "list"]).lines().count(), 1);
    assert!(git(&queue, &["remote"]).is_empty(), "nothing pushed");
    // Only the team chosen moved.
    assert!(git(&shop, &["branch", "--list", "apwiz/*"]).is_empty());
}

#[test]
fn the_screens_cancel_drops_a_real_upgrade_and_leaves_nothing_behind() {
    let root = support::scratch("tui-fleet-cancel");
    let names = ["alpha", "beta", "gamma"];
    for name in names {
        worker_team(&root, name);
    }
    fleet_file(&root, &names);
    let next = candidate(&root, "next", &[]);
    let session = std::sync::Arc::new(
        Session::open(Options {
            config: Some(root.join("no-such-config.yaml")),
            theme: None,
            chart: Some(next.clone()),
            chart_version: None,
            helm: Some(support::helm()),
            policies: None,
        })
        .expect("session"),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut jobs = apwiz::testing::tui::jobs::Jobs::new(session, rt.handle().clone(), tx);
    let cache = root.join("cache");
    let request = Request {
        source: Source::File(root.join("fleet.yaml")),
        cache: Some(cache.clone()),
        jobs: Some(2),
        kube_version: None,
        only: Vec::new(),
    };
    // What `y` starts; cancelled (Ctrl-C's Cmd) while the first team's worktree exists.
    jobs.run(Cmd::FleetUpgrade {
        request: Shared::new(request),
    });
    let end = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        let made = std::fs::read_dir(cache.join("worktrees"))
            .map(|d| d.count())
            .unwrap_or(0);
        if made > 0 {
            break;
        }
        if let Ok(Msg::Ops(OpsMsg::FleetUpgraded(r))) = rx.try_recv() {
            panic!("the upgrade ended before a worktree was seen: {r:?}");
        }
        assert!(std::time::Instant::now() < end, "no worktree appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    jobs.run(Cmd::FleetCancel);
    // Quitting waits for the dropped work's guards.
    jobs.shutdown();
    let upgraded = rx
        .try_iter()
        .any(|m| matches!(m, Msg::Ops(OpsMsg::FleetUpgraded(_))));
    assert!(!upgraded, "a cancelled upgrade reports no result");
    for name in names {
        let repo = root.join(name);
        assert_eq!(
            git(&repo, &["worktree", "list"]).lines().count(),
            1,
            "{name}"
        );
        for b in git(
            &repo,
            &["branch", "--list", "--format=%(refname:short)", "apwiz/*"],
        )
        .lines()
        {
            let log = git(&repo, &["log", "--format=%s", "-1", b]);
            assert!(
                log.contains("Move to app-platform 0.2.0"),
                "{name}: a half-made branch {b}: {log}"
            );
        }
        assert!(git(&repo, &["status", "--porcelain"]).is_empty(), "{name}");
    }
    let left = std::fs::read_dir(cache.join("worktrees"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "worktrees left in the cache");
}
