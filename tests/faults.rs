//! Faults injected on the real control plane, by process id: two deploys of one release started
//! together (the release's Lease lets exactly one run), helm SIGKILLed mid-upgrade (the stuck
//! revision reported and recovered with one action, the history kept), a context whose server
//! refuses connections or credentials (one line, exit 3), and kube-apiserver frozen with
//! SIGSTOP for 8 s (`control-plane.sh freeze`) under a line-mode deploy and under
//! `status --watch` in tmux: the stall is reported while the server is frozen and cleared after
//! it continues; kube-controller-manager frozen and kube-scheduler stopped under deploys: the
//! cause card names them while helm goes on; the deploy screen (tmux) signalled with SIGTERM,
//! SIGHUP and SIGINT. The measured detection and recovery times are printed (not asserted: the
//! machine is shared). Freezes run on a control plane of this test binary's own
//! (`.cluster/kwok-faults-h<major>`), so no other test sees the frozen server; freezes stay
//! under 10 s (controller-manager and scheduler exit when they cannot renew their leader lease
//! for 10 s).
mod support;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use support::cli::{Run, apwiz_env, write};
use support::cluster::{OwnCluster, control_plane};
use support::tmux::{SESSION, Tmux};
use support::{fresh_namespace, kubeconfig, kubectl, scratch};

fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// apwiz on `kc` with run records in the team's directory.
fn apwiz_on(kc: &Path, dir: &Path, args: &[&str]) -> Run {
    let state = dir.join("state");
    apwiz_env(
        dir,
        args,
        &[
            ("KUBECONFIG", kc.to_str().expect("utf-8")),
            ("APWIZ_STATE_DIR", state.to_str().expect("utf-8")),
        ],
    )
}

/// `apwiz <sub> --release web -n <ns> <rest…>` on `kc`, expecting exit `code`.
fn web(kc: &Path, dir: &Path, ns: &str, args: &[&str], code: i32) -> Run {
    let mut all = vec![args[0], "--release", "web", "-n", ns];
    all.extend_from_slice(&args[1..]);
    apwiz_on(kc, dir, &all).expect(code)
}

/// A running apwiz whose stdout lines arrive with their epoch-ms time of arrival.
struct Live {
    child: std::process::Child,
    rx: mpsc::Receiver<(i64, String)>,
    lines: Vec<(i64, String)>,
}

impl Live {
    fn start(kc: &Path, dir: &Path, args: &[&str]) -> Live {
        let mut child = Command::new(env!("CARGO_BIN_EXE_apwiz"))
            .current_dir(dir)
            .args(args)
            .env("NO_COLOR", "1")
            .env("APWIZ_NON_INTERACTIVE", "1")
            .env("APWIZ_CHART", support::chart())
            .env("APWIZ_HELM", support::helm())
            .env("APWIZ_CONFIG", dir.join("no-such-config.yaml"))
            .env("APWIZ_STATE_DIR", dir.join("state"))
            .env("KUBECONFIG", kc)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run apwiz");
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send((epoch_ms(), line));
            }
        });
        Live {
            child,
            rx,
            lines: Vec::new(),
        }
    }

    /// Waits (bounded) for a line `pred` accepts; returns its time of arrival.
    fn wait_line(&mut self, what: &str, within: Duration, pred: impl Fn(&str) -> bool) -> i64 {
        if let Some((t, _)) = self.lines.iter().find(|(_, l)| pred(l)) {
            return *t;
        }
        let end = Instant::now() + within;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((t, l)) => {
                    let hit = pred(&l);
                    self.lines.push((t, l));
                    if hit {
                        return t;
                    }
                }
                Err(_) => panic!("waited for {what}; apwiz printed:\n{}", self.text()),
            }
        }
    }

    fn text(&self) -> String {
        self.lines
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits for the exit; (code, stdout, stderr).
    fn finish(mut self) -> (i32, String, String) {
        let status = self.child.wait().expect("wait apwiz");
        // The reader ends with stdout.
        while let Ok(x) = self.rx.recv_timeout(Duration::from_secs(5)) {
            self.lines.push(x);
        }
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        (status.code().unwrap_or(-1), self.text(), err)
    }
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// A team directory whose pods wait for a node labelled `label=go` (so helm is still waiting
/// while the test injects its fault), or not when `label` is None.
fn team(name: &str, tag: &str, label: Option<&str>) -> PathBuf {
    let dir = scratch(name);
    values(&dir, tag, label);
    dir
}

fn values(dir: &Path, tag: &str, label: Option<&str>) {
    let wait = label
        .map(|l| format!("nodeSelector:\n  {l}: go\n"))
        .unwrap_or_default();
    write(
        dir,
        "values.yaml",
        &format!(
            "image: ghcr.io/acme/web:{tag}\nreplicas: 1\nport: 8080\ntests:\n  enabled: false\n{wait}"
        ),
    );
}

#[test]
fn two_deploys_of_one_release_started_together_exactly_one_runs_the_other_names_the_holder() {
    let ns = fresh_namespace("faults-lease");
    let label = format!("apwiz.test/lease-{}", std::process::id());
    let dir = team("faults-lease", "1.0.0", Some(&label));
    let args = [
        "deploy",
        "--release",
        "web",
        "-n",
        &ns,
        "--yes",
        "--timeout",
        "180",
    ];
    let a = Live::start(kubeconfig(), &dir, &args);
    let b = Live::start(kubeconfig(), &dir, &args);
    let pids = [a.child.id(), b.child.id()];
    // The loser exits on its own; the winner waits for the node label.
    let end = Instant::now() + Duration::from_secs(120);
    let mut runs = [Some(a), Some(b)];
    let (loser, out, err) = loop {
        let done = runs.iter_mut().position(|r| {
            r.as_mut()
                .is_some_and(|r| r.child.try_wait().ok().flatten().is_some())
        });
        if let Some(i) = done {
            let (code, out, err) = runs[i].take().unwrap().finish();
            assert_ne!(code, 0, "both deploys ran:\n{out}\n{err}");
            break (i, out, err);
        }
        assert!(
            Instant::now() < end,
            "neither deploy was refused within 120 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let winner = runs[1 - loser].take().expect("the other deploy");
    let said = format!("{out}\n{err}");
    println!("the refused deploy said:\n{said}");
    assert!(
        said.contains("is being changed by another apwiz: deploy by ")
            && said.contains(&format!("(pid {}", pids[1 - loser]))
            && said.contains(" since "),
        "the refusal does not name the holder (pid {}):\n{said}",
        pids[1 - loser]
    );
    // The Lease is there while the winner runs, and names the same holder.
    let (ok, lease, e) = kubectl(&["-n", &ns, "get", "lease", "apwiz-release-web", "-o", "json"]);
    assert!(ok, "{e}");
    let lease: Value = serde_json::from_str(&lease).expect("lease json");
    assert_eq!(
        lease["metadata"]["annotations"]["apwiz.dev/pid"],
        pids[1 - loser].to_string(),
        "{lease}"
    );
    let node = "node-000002";
    let (ok, _, e) = kubectl(&["label", "node", node, &format!("{label}=go")]);
    assert!(ok, "{e}");
    let (code, out, err) = winner.finish();
    let _ = kubectl(&["label", "node", node, &format!("{label}-")]);
    assert_eq!(code, 0, "the winner failed:\n{out}\n{err}");
    assert!(out.contains("deploy succeeded"), "{out}");
    // Released afterwards; the winner's run record names who ran it.
    let (ok, _, _) = kubectl(&["-n", &ns, "get", "lease", "apwiz-release-web"]);
    assert!(!ok, "the Lease outlived the deploy");
    let record = out
        .lines()
        .find_map(|l| l.strip_prefix("run record: "))
        .expect("run record line");
    let rec: Value =
        serde_json::from_str(&std::fs::read_to_string(record).expect("read record")).unwrap();
    assert_eq!(rec["holder"]["pid"], pids[1 - loser], "{}", rec["holder"]);
    assert!(!rec["holder"]["host"].as_str().unwrap().is_empty());
}

/// `apwiz deploy --format json` of release web, started and waited for (bounded) until its pod
/// is Pending: helm is then waiting for the rollout.
fn deploy_waiting(kc: &Path, dir: &Path, ns: &str) -> Live {
    let args = [
        "deploy",
        "--release",
        "web",
        "-n",
        ns,
        "--yes",
        "--timeout",
        "240",
        "--format",
        "json",
    ];
    let mut d = Live::start(kc, dir, &args);
    d.wait_line("the pod pending", Duration::from_secs(120), |l| {
        serde_json::from_str::<Value>(l).is_ok_and(|e| {
            e["event"] == "object" && e["object"]["kind"] == "Pod" && e["state"] == "Pending"
        })
    });
    d
}

#[test]
fn helm_killed_mid_upgrade_is_reported_stuck_and_recovered_with_one_action() {
    let ns = fresh_namespace("faults-kill");
    let label = format!("apwiz.test/kill-{}", std::process::id());
    let dir = team("faults-kill", "1.0.0", None);
    let kc = kubeconfig();
    web(kc, &dir, &ns, &["deploy", "--yes"], 0);
    // Revision 2 waits for a node label that never comes: helm is mid-upgrade when killed.
    values(&dir, "1.0.1", Some(&label));
    let up = deploy_waiting(kc, &dir, &ns);
    let helm = child_named(up.child.id(), "helm");
    let st = Command::new("kill")
        .args(["-KILL", &helm.to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
    let (code, out, err) = up.finish();
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("helm was ended by signal 9"),
        "the kill is not said:\n{out}"
    );
    // The next status says which revision is stuck, that no helm runs for it, and what recovers it.
    let st = web(kc, &dir, &ns, &["status"], 0);
    println!("{}", st.stdout);
    assert!(
        st.stdout
            .contains("revision 2 is stuck in pending-upgrade since ")
            && st.stdout.contains("no helm for it runs on this machine")
            && st
                .stdout
                .contains("apwiz deploy --recover --yes --release web")
            && st.stdout.contains("rolls back to revision 1"),
        "{}",
        st.stdout
    );
    let js = web(kc, &dir, &ns, &["status", "--format", "json"], 0).json();
    assert_eq!(js["stuck"]["revision"], 2, "{js}");
    assert_eq!(js["stuck"]["recovery"]["action"], "rollback", "{js}");
    assert_eq!(js["stuck"]["recovery"]["to"], 1, "{js}");
    // A plain deploy is refused with the same words; --recover is the one confirmed action.
    values(&dir, "1.0.2", None);
    let r = web(kc, &dir, &ns, &["deploy", "--yes"], 1);
    assert!(
        r.stdout
            .contains("✗ pending-release  revision 2 is stuck in pending-upgrade"),
        "{}",
        r.stdout
    );
    let r = web(kc, &dir, &ns, &["deploy", "--recover"], 2);
    assert!(r.stderr.contains("pass --yes"), "{}", r.stderr);
    let r = web(kc, &dir, &ns, &["deploy", "--recover", "--yes"], 0);
    assert!(
        r.stdout.contains(
            "recovering: roll web back from revision 2 (pending-upgrade) to 1, then deploy"
        ) && r.stdout.contains("rollback succeeded")
            && r.stdout.contains("deploy succeeded"),
        "{}",
        r.stdout
    );
    // Nothing of the history is lost: 1 and the stuck 2 stay, 3 is the rollback, 4 the deploy.
    let h = web(kc, &dir, &ns, &["history", "--format", "json"], 0).json();
    let revs: Vec<(u64, String)> = h["history"]["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| {
            (
                r["revision"].as_u64().unwrap(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(revs.len(), 4, "{revs:?}");
    assert_eq!(revs[1], (2, "pending-upgrade".to_string()), "{revs:?}");
    assert_eq!(revs[3], (4, "deployed".to_string()), "{revs:?}");
    // Nothing stuck any more: the next deploy needs no recovery.
    let st = web(kc, &dir, &ns, &["status"], 0);
    assert!(!st.stdout.contains("stuck"), "{}", st.stdout);
}

#[test]
fn a_context_whose_server_refuses_connections_or_the_token_is_one_line_and_exit_3() {
    let dir = scratch("faults-refused");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let kc = write(
        &dir,
        "refused.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\n\
             contexts:\n- name: gone\n  context:\n    cluster: gone\n    user: me\nusers:\n- name: me\n  user:\n    token: abc\n"
        ),
    );
    for args in [
        vec!["status", "--release", "web"],
        vec!["history", "--release", "web"],
        vec!["rollback", "--release", "web", "--yes"],
    ] {
        let r = apwiz_on(&kc, &dir, &args).expect(3);
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {}", r.stderr);
        assert!(
            lines[0].contains("context \"gone\"")
                && lines[0].contains(&format!("https://127.0.0.1:{port}"))
                && lines[0].contains("cannot reach the API server"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    // The real server with a token it does not know: credentials rejected, named as such.
    let real = std::fs::read_to_string(kubeconfig()).expect("kubeconfig");
    let server = real
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("server line")
        .to_string();
    let kc = write(
        &dir,
        "expired.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: old\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    insecure-skip-tls-verify: true\n\
             contexts:\n- name: old\n  context:\n    cluster: c\n    user: me\nusers:\n- name: me\n  user:\n    token: expired-or-revoked\n"
        ),
    );
    let r = apwiz_on(&kc, &dir, &["status", "--release", "web"]).expect(3);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("context \"old\"")
            && r.stderr.contains(&server)
            && r.stderr.contains("401 Unauthorized"),
        "{}",
        r.stderr
    );
}

/// Freezes `component` of the cluster in `dir` for `secs` (blocking); (stopped, continued) in
/// epoch ms.
fn freeze(dir: &Path, component: &str, secs: &str) -> (i64, i64) {
    let out = control_plane(dir, &["freeze", component, secs]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "freeze: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let at = |w: &str| -> i64 {
        text.lines()
            .find_map(|l| l.strip_prefix(w))
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or_else(|| panic!("no '{w}' in: {text}"))
    };
    (at("stopped "), at("continued "))
}

/// What a freeze measured.
struct Measured {
    detected_ms: i64,
    recovered_ms: i64,
}

fn report(what: &str, m: &Measured) {
    println!(
        "{what}: stall reported {:.1} s after SIGSTOP, cleared {:.1} s after SIGCONT",
        m.detected_ms as f64 / 1000.0,
        m.recovered_ms as f64 / 1000.0
    );
}

/// kube-apiserver frozen 8 s under a line-mode deploy, then under `status --watch`, then
/// kube-controller-manager frozen and kube-scheduler stopped under deploys (one cluster of its
/// own for all of them).
#[test]
fn a_frozen_api_server_or_controller_manager_or_a_stopped_scheduler_is_reported() {
    let cluster = OwnCluster::up("faults");
    let ns = format!("faults-freeze-h{}", support::helm_major());
    cluster.kubectl(&["create", "namespace", &ns]);
    let label = "apwiz.test/freeze";
    let dir = team("faults-freeze", "1.0.0", Some(label));
    let m = deploy_under_freeze(&cluster, &dir, &ns, label);
    report("deploy --format json", &m);
    let m = status_watch_under_freeze(&cluster, &dir, &ns);
    report("status --watch (tmux)", &m);
    let secs = controller_manager_frozen(&cluster, &ns);
    println!(
        "kube-controller-manager frozen: the card named it {:.1} s after the Deployment appeared",
        secs as f64 / 1000.0
    );
    let secs = scheduler_stopped(&cluster, &ns);
    println!(
        "kube-scheduler stopped: the card named it {:.1} s after the pod appeared",
        secs as f64 / 1000.0
    );
}

/// kube-scheduler stopped (SIGTERM by its pid, `control-plane.sh stop`) while a deploy creates
/// its pod: the pod stays Pending with no node and no event, and the cause card names the
/// scheduler while helm goes on; once it is started again (`start-missing`), the deploy ends
/// well. Returns the card's arrival after the pod's first row, in ms.
fn scheduler_stopped(cluster: &OwnCluster, ns: &str) -> i64 {
    let dir = scratch("faults-sched");
    values(&dir, "1.0.0", None);
    start_missing(cluster);
    let out = cluster.script(&["stop", "kube-scheduler"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut d, appeared, carded, card) =
        deploy_until_card(cluster, &dir, ns, "sched", "Pod", "NoSchedulerActing");
    assert!(
        card.contains("no scheduler has acted on Pod/sched-")
            && card.contains(" for 15 s: is kube-scheduler running?"),
        "{card}"
    );
    // helm still waits: the deploy has not ended.
    assert!(
        d.child.try_wait().expect("wait").is_none(),
        "the deploy ended with the card:\n{}",
        d.text()
    );
    start_missing(cluster);
    let (code, out, err) = d.finish();
    assert_eq!(code, 0, "helm did not go on:\n{out}\n{err}");
    carded - appeared
}

/// kube-controller-manager frozen (22 s) while a deploy creates a Deployment: no ReplicaSet
/// comes, and the cause card names the controller manager while helm goes on; once it runs
/// again (started anew if it exited for its lost leader lease), the deploy ends well.
fn controller_manager_frozen(cluster: &OwnCluster, ns: &str) -> i64 {
    let dir = scratch("faults-kcm");
    values(&dir, "1.0.0", None);
    // The API server's freeze before may have cost it its leader lease.
    start_missing(cluster);
    let freezer = {
        let d = cluster.dir.clone();
        std::thread::spawn(move || freeze(&d, "kube-controller-manager", "22"))
    };
    std::thread::sleep(Duration::from_millis(500));
    let (mut d, appeared, carded, card) =
        deploy_until_card(cluster, &dir, ns, "ctl", "Deployment", "NoControllerActing");
    let (_, continued) = freezer.join().expect("freezer");
    assert!(
        card.contains("no controller has acted on Deployment/ctl for 15 s: is kube-controller-manager running?"),
        "{card}"
    );
    assert!(
        carded < continued,
        "the card came after the freeze:\n{}",
        d.text()
    );
    // It may exit a moment after SIGCONT (its leader lease lost): start it again then.
    let end = Instant::now() + Duration::from_secs(30);
    while Instant::now() < end && d.child.try_wait().expect("wait").is_none() {
        if !cluster
            .script(&["pid", "kube-controller-manager"])
            .status
            .success()
        {
            start_missing(cluster);
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let (code, out, err) = d.finish();
    assert_eq!(code, 0, "helm did not go on:\n{out}\n{err}");
    carded - appeared
}

/// Starts whichever component of `cluster` is not running (one a freeze cost its leader lease).
fn start_missing(cluster: &OwnCluster) {
    let out = cluster.script(&["start-missing"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A line-mode deploy of `release` on `cluster`, waited for (bounded) until the first row of a
/// `kind`, then until its cause card with `reason`: (the deploy, the row's and the card's arrival
/// in epoch ms, the card's line).
fn deploy_until_card(
    cluster: &OwnCluster,
    dir: &Path,
    ns: &str,
    release: &str,
    kind: &str,
    reason: &str,
) -> (Live, i64, i64, String) {
    let args = [
        "deploy",
        "--release",
        release,
        "-n",
        ns,
        "--yes",
        "--timeout",
        "180",
        "--format",
        "json",
    ];
    let mut d = Live::start(&cluster.kubeconfig, dir, &args);
    let appeared = d.wait_line(&format!("the {kind} row"), Duration::from_secs(90), |l| {
        serde_json::from_str::<Value>(l)
            .is_ok_and(|e| e["event"] == "object" && e["object"]["kind"] == kind)
    });
    let carded = d.wait_line("the cause card", Duration::from_secs(60), |l| {
        serde_json::from_str::<Value>(l)
            .is_ok_and(|e| e["event"] == "failure" && e["reason"] == reason)
    });
    let card = d
        .lines
        .iter()
        .find(|(t, _)| *t == carded)
        .map(|(_, l)| l.clone())
        .unwrap_or_default();
    (d, appeared, carded, card)
}

fn deploy_under_freeze(cluster: &OwnCluster, dir: &Path, ns: &str, label: &str) -> Measured {
    let mut d = deploy_waiting(&cluster.kubeconfig, dir, ns);
    let (stopped, continued) = freeze(&cluster.dir, "kube-apiserver", "8");
    let is = |live: bool| {
        move |l: &str| {
            serde_json::from_str::<Value>(l)
                .is_ok_and(|e| e["event"] == "connection" && e["live"] == live)
        }
    };
    let stall = d.wait_line("the stall line", Duration::from_secs(30), is(false));
    let back = d.wait_line("the resume line", Duration::from_secs(60), is(true));
    // Let the pod be scheduled: helm's outcome is still reported after the silence.
    cluster.kubectl(&["label", "node", "node-000000", &format!("{label}=go")]);
    let (code, out, err) = d.finish();
    assert_eq!(code, 0, "{out}\n{err}");
    let events = json_lines(&out);
    let stalls: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "connection" && e["live"] == false)
        .collect();
    assert_eq!(stalls.len(), 1, "lines say a stall once:\n{out}");
    assert!(
        stalls[0]["silent_ms"].as_u64().unwrap_or(0) >= 3000,
        "{}",
        stalls[0]
    );
    assert!(
        stall > stopped && stall < continued,
        "the stall was not reported while the server was frozen (stopped {stopped}, stall line {stall}, continued {continued}):\n{out}"
    );
    assert!(back > continued, "resumed before SIGCONT?\n{out}");
    let last = events.last().expect("an outcome");
    assert_eq!(last["event"], "outcome", "{out}");
    assert_eq!(last["ok"], true, "{out}");
    Measured {
        detected_ms: stall - stopped,
        recovered_ms: back - continued,
    }
}

impl Tmux {
    fn line(&self, text: &str) {
        for args in [
            vec!["send-keys", "-t", SESSION, "-l", text],
            vec!["send-keys", "-t", SESSION, "Enter"],
        ] {
            assert!(self.cmd(&args).status().expect("tmux").success());
        }
    }

    /// Polls the screen until `pred`; (epoch ms, screen).
    fn until(&self, what: &str, within: Duration, pred: impl Fn(&str) -> bool) -> (i64, String) {
        let end = Instant::now() + within;
        loop {
            let s = self.screen();
            if pred(&s) {
                return (epoch_ms(), s);
            }
            assert!(Instant::now() < end, "waited for {what}; the screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

const STALL: &str = "no answer from the API server for";

fn status_watch_under_freeze(cluster: &OwnCluster, dir: &Path, ns: &str) -> Measured {
    let Some(t) = Tmux::new_session("faults", dir) else {
        return Measured {
            detected_ms: -1,
            recovered_ms: -1,
        };
    };
    t.line(&format!(
        "env APWIZ_CONFIG={} APWIZ_CHART={} APWIZ_HELM={} KUBECONFIG={} {} status --watch --release web -n {ns}",
        dir.join("no-such-config.yaml").display(),
        support::chart().display(),
        support::helm().display(),
        cluster.kubeconfig.display(),
        env!("CARGO_BIN_EXE_apwiz"),
    ));
    t.until(
        "the status screen with its rows",
        Duration::from_secs(60),
        |s| s.contains("status · watching") && s.contains("Deployment/web"),
    );
    // Freeze in the background while the screen is watched.
    let freezer = {
        let dir = cluster.dir.clone();
        std::thread::spawn(move || freeze(&dir, "kube-apiserver", "8"))
    };
    let (stall, frozen) = t.until("the stall in the header", Duration::from_secs(30), |s| {
        s.contains(STALL)
    });
    assert!(
        frozen.contains("showing the state at") && frozen.contains("Deployment/web"),
        "the rows must stay (greyed) while the server is silent:\n{frozen}"
    );
    let (back, live) = t.until("the screen live again", Duration::from_secs(60), |s| {
        !s.contains(STALL) && s.contains("watching live")
    });
    let (stopped, continued) = freezer.join().expect("freezer");
    assert!(
        live.contains("Deployment/web"),
        "the rows emptied after the silence:\n{live}"
    );
    assert!(
        stall > stopped && stall < continued,
        "the stall was not shown while the server was frozen (stopped {stopped}, shown {stall}, continued {continued}):\n{frozen}"
    );
    assert!(back > continued, "shown live before SIGCONT?\n{live}");
    t.line("q");
    Measured {
        detected_ms: stall - stopped,
        recovered_ms: back - continued,
    }
}

#[test]
fn sigterm_of_a_line_mode_deploy_writes_the_run_record_and_says_helm_goes_on() {
    let ns = fresh_namespace("faults-term");
    let label = format!("apwiz.test/term-{}", std::process::id());
    let dir = team("faults-term", "1.0.0", Some(&label));
    let d = deploy_waiting(kubeconfig(), &dir, &ns);
    let st = Command::new("kill")
        .args(["-TERM", &d.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
    let (code, out, err) = d.finish();
    assert_eq!(code, 143, "{out}\n{err}");
    let events = json_lines(&out);
    let said = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .find(|m| m.starts_with("apwiz ended by SIGTERM while helm (pid "))
        .unwrap_or_else(|| panic!("what became of helm is not said:\n{out}"));
    assert!(
        said.contains("re-attach with `apwiz status --watch --release web -n"),
        "{said}"
    );
    let last = events.last().expect("outcome");
    let rec: Value = serde_json::from_str(
        &std::fs::read_to_string(last["record"].as_str().expect("a run record")).expect("read"),
    )
    .expect("json");
    assert_eq!(
        rec["outcome"], "left running: apwiz ended by SIGTERM",
        "{rec}"
    );
    // helm goes on: stop it (it is this test's).
    let pid = said["apwiz ended by SIGTERM while helm (pid ".len()..]
        .split(',')
        .next()
        .expect("pid")
        .to_string();
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "helm {pid} is gone"
    );
    let _ = Command::new("kill").args(["-KILL", &pid]).status();
}

impl Tmux {
    /// What the terminal shows now, wrapped lines joined (a long path stays one line).
    fn joined(&self) -> String {
        let o = self
            .cmd(&["capture-pane", "-p", "-J", "-t", SESSION])
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// A tmux format of the pane (`#{pane_pid}`, `#{alternate_on}`).
    fn pane(&self, format: &str) -> String {
        let o = self
            .cmd(&["display-message", "-p", "-t", SESSION, format])
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }
}

/// The shell line that runs `apwiz <args>` on `kc` in the team's directory `dir` (run records
/// in `dir/state`), then prints `exit=<status>`.
fn apwiz_line(dir: &Path, kc: &Path, args: &str) -> String {
    format!(
        "env APWIZ_CONFIG={} APWIZ_CHART={} APWIZ_HELM={} APWIZ_STATE_DIR={} KUBECONFIG={} {} {args}; echo \"exit=$?\"",
        dir.join("no-such-config.yaml").display(),
        support::chart().display(),
        support::helm().display(),
        dir.join("state").display(),
        kc.display(),
        env!("CARGO_BIN_EXE_apwiz"),
    )
}

/// The pid of a child of `parent` whose command name starts with `comm` (bounded wait).
fn child_named(parent: u32, comm: &str) -> u32 {
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid …
            let Some((name, rest)) = stat.split_once(") ") else {
                continue;
            };
            let ppid = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok());
            if ppid == Some(parent) && name.contains(&format!("({comm}")) {
                return pid;
            }
        }
        assert!(Instant::now() < end, "no {comm} child of {parent}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The deploy screen in a real terminal (tmux), signalled from outside while helm waits for a
/// node label that never comes: SIGTERM, SIGHUP and SIGINT each leave the alternate screen and
/// give the shell back, write the run record (helm left running), print what became of helm
/// and how to re-attach, and exit 143, 129 and 130.
#[test]
fn signals_to_the_deploy_screen_restore_the_terminal_write_the_record_and_leave_helm_running() {
    let label = format!("apwiz.test/tui-signal-{}", std::process::id());
    let dir = team("faults-tui-signal", "1.0.0", Some(&label));
    let Some(t) = Tmux::new_session("faults-signal", &dir) else {
        return;
    };
    let shell: u32 = t.pane("#{pane_pid}").parse().expect("pane pid");
    for (sig, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let ns = fresh_namespace(&format!("faults-sig{}", sig.to_lowercase()));
        t.line("clear");
        t.until("a clear screen", Duration::from_secs(10), |s| {
            s.trim() == "READY$"
        });
        t.line(&apwiz_line(
            &dir,
            kubeconfig(),
            &format!("deploy --release web -n {ns} --timeout 120"),
        ));
        t.until("the deploy's plan", Duration::from_secs(120), |s| {
            s.contains("deploy · plan") && s.contains("· q cancels")
        });
        assert!(
            t.cmd(&["send-keys", "-t", SESSION, "y"])
                .status()
                .expect("tmux")
                .success()
        );
        t.until("helm running", Duration::from_secs(60), |s| {
            s.contains("deploy · running")
        });
        let apwiz = child_named(shell, "apwiz");
        let helm = child_named(apwiz, "helm");
        assert_eq!(t.pane("#{alternate_on}"), "1", "the screen is not up");
        let st = Command::new("kill")
            .args([&format!("-{sig}"), &apwiz.to_string()])
            .status()
            .expect("kill");
        assert!(st.success());
        let (_, screen) = t.until("the shell back", Duration::from_secs(30), |s| {
            s.contains(&format!("exit={code}"))
        });
        let joined = t.joined();
        // The alternate screen is left, the shell's prompt is back after the exit status.
        assert_eq!(t.pane("#{alternate_on}"), "0", "{screen}");
        assert!(
            screen
                .lines()
                .skip_while(|l| !l.contains(&format!("exit={code}")))
                .any(|l| l.starts_with("READY$")),
            "no prompt after the exit:\n{screen}"
        );
        let said = joined
            .lines()
            .find(|l| l.starts_with(&format!("apwiz ended by SIG{sig} while helm (pid {helm},")))
            .unwrap_or_else(|| panic!("what became of helm is not said:\n{joined}"));
        assert!(
            said.contains(&format!(
                "helm goes on; re-attach with `apwiz status --watch --release web -n {ns}`"
            )),
            "{said}"
        );
        let record = joined
            .lines()
            .find_map(|l| l.strip_prefix("run record: "))
            .unwrap_or_else(|| panic!("no run record line:\n{joined}"));
        let rec: Value = serde_json::from_str(
            &std::fs::read_to_string(record.trim()).expect("read the run record"),
        )
        .expect("json");
        assert_eq!(
            rec["outcome"],
            format!("left running: apwiz ended by SIG{sig}"),
            "{rec}"
        );
        println!("SIG{sig}: exit {code}, {said}");
        // helm went on without apwiz: stop it (it is this test's).
        assert!(
            Path::new(&format!("/proc/{helm}")).exists(),
            "helm {helm} is gone"
        );
        let _ = Command::new("kill")
            .args(["-KILL", &helm.to_string()])
            .status();
    }
}

/// The release web's Lease in `ns` as another apwiz holding it would write it (alice on build-7,
/// pid 4121, git 1a2b3c4d5e6f, since 2026-12-06 14:03:07 UTC), renewed now, valid `secs`.
fn hold_as_alice(ns: &str, secs: u32) {
    let now = Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%S.%6NZ"])
        .output()
        .expect("date");
    let now = String::from_utf8_lossy(&now.stdout).trim().to_string();
    let lease = format!(
        "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: apwiz-release-web\n  namespace: {ns}\n  annotations:\n    \
         apwiz.dev/user: alice\n    apwiz.dev/host: build-7\n    apwiz.dev/pid: \"4121\"\n    apwiz.dev/operation: deploy\n    \
         apwiz.dev/commit: git 1a2b3c4d5e6f\n    apwiz.dev/since: \"2026-12-06T14:03:07Z\"\n\
         spec:\n  holderIdentity: alice@build-7 pid 4121\n  leaseDurationSeconds: {secs}\n  acquireTime: \"{now}\"\n  renewTime: \"{now}\"\n"
    );
    let r = support::kubectl_in(&["apply", "-f", "-"], Some(&lease));
    assert!(r.ok, "{}", r.stderr);
}

/// The release web's Lease in `ns` is still the one [`hold_as_alice`] wrote.
fn still_alices(ns: &str) {
    let (ok, out, e) = kubectl(&[
        "-n",
        ns,
        "get",
        "lease",
        "apwiz-release-web",
        "-o",
        "jsonpath={.spec.holderIdentity}",
    ]);
    assert!(ok, "{e}");
    assert_eq!(out.trim(), "alice@build-7 pid 4121");
}

/// A rollback and an uninstall of a release whose Lease another apwiz holds (line mode, with and
/// without --yes): the plan names the holder and since when, nothing is asked, exit 1, and the
/// release and the other apwiz's Lease are as they were.
#[test]
fn a_rollback_or_uninstall_of_a_release_another_apwiz_holds_names_the_holder_and_runs_nothing() {
    let ns = fresh_namespace("faults-held-ops");
    let dir = team("faults-held-ops", "1.0.0", None);
    let kc = kubeconfig();
    web(kc, &dir, &ns, &["deploy", "--yes"], 0);
    values(&dir, "1.0.1", None);
    web(kc, &dir, &ns, &["deploy", "--yes"], 0);
    // Long enough for every command below to see it held.
    hold_as_alice(&ns, 600);
    let refusal = format!(
        "release web in {ns} is being changed by another apwiz: deploy by alice@build-7 (pid 4121, git 1a2b3c4d5e6f) since 2026-12-06 14:03:07 UTC"
    );
    for (args, not) in [
        (&["rollback"][..], "not rolled back: "),
        (&["rollback", "--yes"][..], "not rolled back: "),
        (&["uninstall"][..], "not uninstalled: "),
        (&["uninstall", "--yes"][..], "not uninstalled: "),
    ] {
        let r = web(kc, &dir, &ns, args, 1);
        println!("{args:?}:\n{}{}", r.stdout, r.stderr);
        for part in [
            "held by another apwiz",
            "deploy by alice on build-7 (pid 4121), git commit 1a2b3c4d5e6f, since 2026-12-06 14:03:07 UTC",
        ] {
            assert!(r.stdout.contains(part), "{args:?}: {part}:\n{}", r.stdout);
        }
        assert!(
            r.stderr.contains(&format!("{not}{refusal}")),
            "{args:?}:\n{}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("pass --yes"),
            "{args:?} asked:\n{}",
            r.stderr
        );
    }
    // Nothing ran: still revision 2, deployed; the Lease still alice's.
    let st = web(kc, &dir, &ns, &["status", "--format", "json"], 0);
    let v = st.json();
    assert_eq!(
        (&v["revision"], &v["status"]),
        (&json!(2), &json!("deployed")),
        "{v}"
    );
    still_alices(&ns);
}

/// The deploy screen (tmux) of a release whose Lease another apwiz holds (alice on build-7, made
/// with kubectl as that apwiz would): the plan shows who holds it, with the git commit and since
/// when, `y` starts nothing, and nothing is installed.
#[test]
fn the_deploy_screen_of_a_release_another_apwiz_holds_names_the_holder_and_starts_nothing() {
    let ns = fresh_namespace("faults-held");
    let dir = team("faults-held", "1.0.0", None);
    let Some(t) = Tmux::new_session("faults-held", &dir) else {
        return;
    };
    hold_as_alice(&ns, 30);
    t.line(&apwiz_line(
        &dir,
        kubeconfig(),
        &format!("deploy --release web -n {ns}"),
    ));
    let (_, plan) = t.until("the plan", Duration::from_secs(120), |s| {
        s.contains("deploy · plan") && s.contains("held by another apwiz")
    });
    println!("{plan}");
    for part in [
        "✗ cause: release web in faults-held-h",
        "deploy by alice on build-7 (pid 4121), git commit 1a2b3c4d5e6f, since 2026-12-06",
        "operation-lease  held by alice@build-7 pid 4121 (above)",
    ] {
        assert!(plan.contains(part), "{part}:\n{plan}");
    }
    for k in ["y", "q"] {
        assert!(
            t.cmd(&["send-keys", "-t", SESSION, k])
                .status()
                .expect("tmux")
                .success()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    t.until("the shell back", Duration::from_secs(30), |s| {
        s.contains("exit=0")
    });
    // Nothing was installed, and the other apwiz's Lease is untouched.
    let (ok, _, _) = kubectl(&["-n", &ns, "get", "deployment", "web"]);
    assert!(!ok, "the deploy ran");
    still_alices(&ns);
}
