//! The check pipeline as a background job, the way the TUI drives it: a burst of validations on
//! one `Latest` slot delivers only the newest result and kills the helm processes of the
//! superseded ones; and the CPU-bound policy evaluation runs off the async threads, so a timer
//! task on the same runtime keeps ticking while it runs.
//!
//! Real helm, real chart, real policies engine. The one stand-in: a shell wrapper around the real
//! helm that logs when each helm process starts and ends, since a killed process cannot report
//! itself.
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use apwiz::testing::core::base::helm;
use apwiz::testing::core::base::jobs::Latest;
use apwiz::testing::core::check::Checker;
use apwiz::testing::core::check::pipeline;
use apwiz::testing::core::check::policies::Policies;
use apwiz::testing::core::check::report::{Report, Source};
use apwiz::testing::core::check::schema::SchemaCheck;
use apwiz::testing::core::inputs::chart;
use apwiz::testing::core::inputs::{self, Inputs, Request};
use support::cli::{script, write};
use support::{KUBE_VERSION, copy_dir, helm as real_helm, repo, scratch};

fn checker(helm_path: &Path, policies: Option<Policies>) -> Checker {
    let c = chart::load(&repo().join("chart"), "chart").expect("chart loads");
    let schema = c
        .schema
        .as_ref()
        .map(|s| Arc::new(SchemaCheck::new(s).expect("schema compiles")));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let helm = rt
        .block_on(helm::locate(&helm::Locate {
            explicit: Some(helm_path.to_path_buf()),
            ..helm::Locate::default()
        }))
        .expect("helm");
    Checker {
        chart: Arc::new(c),
        schema,
        helm: Some(helm),
        policies_skipped: policies.is_none().then(|| "none in this test".into()),
        policies: policies.map(|p| Arc::new(std::sync::Mutex::new(p))),
    }
}

fn team(dir: &Path, values: &str) -> Inputs {
    write(dir, "values.yaml", values);
    inputs::resolve(
        &Request {
            dir: dir.to_path_buf(),
            release: Some("shop".into()),
            kube_version: Some(KUBE_VERSION.into()),
            ..Request::default()
        },
        None,
    )
    .expect("inputs")
}

/// The real helm behind a wrapper that logs `start PID` and, when helm returns, `end PID`.
fn logging_helm(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("helm.log");
    let wrapper = script(
        dir,
        "helm",
        &format!(
            "if [ \"$1\" = version ]; then exec {real} \"$@\"; fi\n\
             echo \"start $$\" >> {log}\n\
             sleep 0.4\n\
             {real} \"$@\"; rc=$?\n\
             echo \"end $$\" >> {log}\n\
             exit $rc",
            real = real_helm().display(),
            log = log.display()
        ),
    );
    (wrapper, log)
}

fn log_lines(log: &Path, what: &str) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix(what).map(|p| p.trim().to_string()))
        .collect()
}

fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

#[test]
fn a_burst_of_validations_delivers_only_the_last_and_kills_the_superseded_helms() {
    let dir = scratch("burst");
    let (wrapper, log) = logging_helm(&dir);
    let checker = checker(&wrapper, None);
    let inputs = team(&dir, "image: ghcr.io/acme/shop:1.4.2\nreplicas: 2\n");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let _guard = rt.enter();
    let (tx, rx) = std::sync::mpsc::channel::<(u64, Result<Report, String>)>();
    let mut slot = Latest::new();
    let submit = |slot: &mut Latest| {
        let tx = tx.clone();
        slot.submit_with(
            pipeline::validate(checker.clone(), inputs.clone()),
            move |generation, r| {
                let _ = tx.send((generation, r.map_err(|e| e.to_string())));
            },
        )
    };
    // The first request gets as far as running helm, so that superseding it has a helm to kill.
    submit(&mut slot);
    let start = Instant::now();
    while log_lines(&log, "start ").is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "helm never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let first_helms = log_lines(&log, "start ");
    // Nine more in a burst, as fast as keys arrive.
    let mut last = 0;
    for _ in 0..9 {
        last = submit(&mut slot);
    }
    assert_eq!(last, 10);

    let (generation, report) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the newest validation delivers");
    assert_eq!(generation, 10, "only the newest request may deliver");
    let report = report.expect("the validation runs");
    assert!(report.ok, "{:?}", report.findings);
    // Nothing else arrives: the superseded requests were aborted, not merely ignored.
    assert!(
        rx.recv_timeout(Duration::from_secs(2)).is_err(),
        "a superseded validation delivered a result"
    );

    let started = log_lines(&log, "start ");
    let ended = log_lines(&log, "end ");
    // The newest validation ran helm template to the end, and the chart's own lint unless an
    // earlier run remembered it (it is cached per chart version); nothing else did.
    assert!(
        (1..=2).contains(&ended.len()),
        "started {started:?}, ended {ended:?}"
    );
    for pid in &first_helms {
        assert!(
            !ended.contains(pid),
            "the first request's helm {pid} ran to the end"
        );
        assert!(
            !alive(pid),
            "the first request's helm {pid} still runs after it was superseded"
        );
    }
    for pid in started.iter().filter(|p| !ended.contains(p)) {
        assert!(!alive(pid), "superseded helm {pid} still runs");
    }
}

#[test]
fn policy_evaluation_does_not_stall_a_timer_on_the_same_runtime() {
    let dir = scratch("off-thread");
    // A deliberately expensive policy (a large comprehension per workload), so the evaluation
    // takes long enough for a stall to be visible.
    let policies = Policies::from_sources(&[(
        "policies/slow.rego".into(),
        "package main\n\nimport rego.v1\n\n\
         deny contains msg if {\n  input.kind == \"Deployment\"\n  \
         n := count([x | some x in numbers.range(1, 30000); x % 7 == 0])\n  \
         n < 0\n  msg := \"never\"\n}\n"
            .into(),
    )])
    .expect("policy compiles");
    let checker = checker(&real_helm(), Some(policies));
    let mut values = String::from("image: ghcr.io/acme/shop:1.4.2\nservices:\n");
    for i in 0..8 {
        values.push_str(&format!("  svc-{i}:\n    port: 80{i:02}\n"));
    }
    let inputs = team(&dir, &values);

    // One thread for everything async: if the evaluation ran on it, the ticker would stop.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ticks = Arc::new(AtomicU64::new(0));
    let gaps = Arc::new(std::sync::Mutex::new(Vec::<Duration>::new()));
    let report = rt.block_on(async {
        let (t, g) = (ticks.clone(), gaps.clone());
        let ticker = tokio::spawn(async move {
            let mut last = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(2)).await;
                let now = Instant::now();
                g.lock().expect("gaps").push(now - last);
                last = now;
                t.fetch_add(1, Ordering::Relaxed);
            }
        });
        let report = pipeline::validate(checker, inputs)
            .await
            .expect("validates");
        // Let the ticker take its next turn, so a stall just before this point is recorded.
        tokio::time::sleep(Duration::from_millis(20)).await;
        ticker.abort();
        report
    });
    let policy = report
        .checks
        .iter()
        .find(|c| c.source == Source::Policy)
        .expect("the policy check ran");
    assert!(policy.ran, "{:?}", report.checks);
    let policy_time = Duration::from_secs_f64(policy.millis / 1000.0);
    let longest_gap = gaps
        .lock()
        .expect("gaps")
        .iter()
        .copied()
        .max()
        .unwrap_or_default();
    // Ratios measured in this run, not wall-clock bounds: a stalled runtime would show a gap
    // as long as the whole evaluation.
    assert!(
        policy_time > Duration::from_millis(20),
        "the policy should be expensive enough to see a stall (took {policy_time:?})"
    );
    assert!(
        longest_gap * 3 < policy_time,
        "the timer stalled for {longest_gap:?} while the policies took {policy_time:?}"
    );
    assert!(ticks.load(Ordering::Relaxed) > 5);
}

/// The real helm behind a wrapper that logs each command (`template`, `lint`) it is given.
fn command_logging_helm(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("helm-commands.log");
    let wrapper = script(
        dir,
        "helm",
        &format!(
            "echo \"$1\" >> {log}\nexec {real} \"$@\"",
            real = real_helm().display(),
            log = log.display()
        ),
    );
    (wrapper, log)
}

/// A copy of the checkout's chart with `edit` applied to it.
fn broken_chart(dir: &Path, edit: impl Fn(&Path)) -> Checker {
    let copy = dir.join("chart");
    copy_dir(&repo().join("chart"), &copy);
    edit(&copy);
    let c = chart::load(&copy, "chart").expect("chart loads");
    Checker {
        chart: Arc::new(c),
        ..checker(&real_helm(), None)
    }
}

/// Comparable findings: (source, severity, rule, message), sorted.
fn found(r: &Report) -> Vec<String> {
    let mut v: Vec<String> = r
        .findings
        .iter()
        .map(|f| format!("{:?} {:?} {} | {}", f.source, f.severity, f.rule, f.message))
        .collect();
    v.sort();
    v
}

/// `helm lint --strict` once per chart version (the chart alone, cached; the team's own lint
/// only when its render could add to it) finds exactly what every team's own lint found, as it
/// ran before: compared on the chart with a good team and with two teams whose values are wrong
/// (names Kubernetes refuses; an ingress without a host, which fails the render), on a chart
/// whose Chart.yaml lacks what lint recommends (a chart-level finding), and on one with a
/// template whose object name Kubernetes refuses.
#[test]
fn linting_once_per_chart_finds_what_each_teams_lint_found() {
    let dir = scratch("lint-once");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (logging, log) = command_logging_helm(&dir);
    let good = checker(&logging, None);
    let no_icon = broken_chart(&dir.join("no-icon"), |c| {
        let p = c.join("Chart.yaml");
        let text = std::fs::read_to_string(&p).unwrap();
        let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("icon:")).collect();
        assert!(kept.len() < text.lines().count(), "the chart has an icon");
        std::fs::write(&p, kept.join("\n") + "\n").unwrap();
    });
    let bad_template = broken_chart(&dir.join("bad-template"), |c| {
        write(
            c,
            "templates/zz-broken.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Broken_Name\ndata: {}\n",
        );
    });
    let image = "image: ghcr.io/acme/shop:1.4.2\n";
    let cases = [
        ("good values", &good, format!("{image}replicas: 2\n")),
        (
            "a service name Kubernetes refuses",
            &good,
            format!("{image}services:\n  Web_1:\n    port: 80\n"),
        ),
        (
            "an ingress without a host",
            &good,
            format!("{image}ingress: {{enabled: true}}\n"),
        ),
        ("no icon", &no_icon, format!("{image}replicas: 2\n")),
        (
            "a template's bad name",
            &bad_template,
            format!("{image}replicas: 2\n"),
        ),
    ];
    let mut all = Vec::new();
    for (i, (what, checker, values)) in cases.iter().enumerate() {
        let inputs = team(&dir.join(format!("team-{i}")), values);
        let old = rt
            .block_on(pipeline::validate_linting_the_team(
                (*checker).clone(),
                inputs.clone(),
            ))
            .expect("validates");
        let new = rt
            .block_on(pipeline::validate((*checker).clone(), inputs))
            .expect("validates");
        assert_eq!(found(&new), found(&old), "{what}");
        assert_eq!((new.ok, new.errors), (old.ok, old.errors), "{what}");
        all.push((what, found(&new)));
    }
    // Each case says what it should, so the comparison is not between two empty lists.
    let has = |case: usize, text: &str| {
        assert!(
            all[case].1.iter().any(|f| f.contains(text)),
            "{}: no finding with {text:?} in {:#?}",
            all[case].0,
            all[case].1
        )
    };
    has(1, "\"test-release-Web_1\": metadata.name: Invalid value");
    has(2, "an enabled ingress needs a host name");
    has(3, "icon is recommended");
    has(4, "Broken_Name");
    assert!(
        all[0].1.iter().all(|f| !f.starts_with("Lint")),
        "{:?}",
        all[0].1
    );

    // A good team on a chart whose lint is remembered: helm template runs, no helm lint.
    std::fs::write(&log, "").unwrap();
    let inputs = team(&dir.join("team-again"), &format!("{image}replicas: 3\n"));
    let report = rt
        .block_on(pipeline::validate(good.clone(), inputs))
        .expect("validates");
    assert!(report.ok, "{:?}", report.findings);
    let commands = std::fs::read_to_string(&log).unwrap();
    let commands: Vec<&str> = commands.lines().filter(|c| *c != "version").collect();
    assert_eq!(commands, ["template"], "helm ran {commands:?}");
}
