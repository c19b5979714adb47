//! The wizard end to end in tmux (a bare pty will not do: crossterm asks the terminal for the
//! cursor position): onboard a web-app by keys and validate every environment; quitting with
//! unsaved answers asks; Ctrl-C, SIGTERM and a panic leave the terminal restored; on the local
//! control plane, deploy from the wizard, detach and re-attach. Skipped, with
//! the reason printed, only when tmux is not installed.
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::tmux::{SESSION, Tmux};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn helm() -> PathBuf {
    std::env::var_os("APWIZ_HELM")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".tools/bin/helm"))
}

impl Tmux {
    /// The session, once its shell has printed its prompt.
    fn start(name: &str, dir: &Path) -> Option<Tmux> {
        let t = Tmux::new_session(&format!("e2e-{name}"), dir)?;
        t.wait_for("READY$", "the shell prompt");
        Some(t)
    }

    fn wait_for(&self, needle: &str, what: &str) -> String {
        self.wait_long(needle, what, Duration::from_secs(20))
    }

    /// Starts apwiz in the pane's shell.
    fn apwiz(&self, args: &str, extra_env: &str) {
        let line = format!(
            "env APWIZ_CONFIG={cfg} APWIZ_CHART={chart} APWIZ_HELM={helm} {extra_env} {bin} {args}; echo EX\"\"IT=$?",
            cfg = repo().join("target/no-such-apwiz-config.yaml").display(),
            chart = repo().join("chart").display(),
            helm = helm().display(),
            bin = env!("CARGO_BIN_EXE_apwiz"),
        );
        self.text(&line);
        self.keys(&["Enter"]);
    }

    /// From the preset list to written files: web-app, an image and a host, every step's
    /// defaults, then the review's Enter.
    fn onboard_web_app(&self) {
        self.wait_for("web-app", "the preset list");
        self.keys(&["Enter"]);
        self.wait_for("Container image", "the workload form");
        self.text("ghcr.io/acme/shop:1.4.2");
        self.keys(&["Tab"]);
        self.text("shop.example.com");
        self.keys(&["Enter"]);
        self.wait_for("Features of this deployment", "the features");
        self.keys(&["Enter"]);
        self.wait_for("Replicas", "the environments");
        self.keys(&["Enter"]);
        self.wait_for("(new)", "the review");
        self.keys(&["Enter"]);
        self.wait_for("created", "the files written");
    }

    /// After apwiz exits: the shell prompt is back and the terminal is in cooked mode.
    fn assert_restored(&self) {
        self.wait_for("EXIT=", "apwiz to exit");
        self.text("stty -a | tr ' ' '\\n' | grep -x -e -icanon -e icanon -e echo -e -echo | tr '\\n' ' '; echo STTY-DONE");
        self.keys(&["Enter"]);
        let s = self.wait_for("STTY-DONE\n", "stty");
        let last = s
            .lines()
            .rev()
            .find(|l| l.contains("icanon"))
            .unwrap_or_default()
            .to_string();
        assert!(
            last.contains("icanon") && !last.contains("-icanon"),
            "raw mode left on: {s}"
        );
        assert!(
            last.contains("echo") && !last.contains("-echo"),
            "echo left off: {s}"
        );
        assert!(!s.contains("Preset ›") || s.contains("READY$"), "{s}");
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = repo()
        .join("target/tui-e2e")
        .join(format!("{name}-{}", std::process::id()))
        .join("shop");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn onboard_web_app_by_keys_then_validate_every_environment() {
    let dir = scratch("onboard");
    let Some(t) = Tmux::start("onboard", &dir) else {
        return;
    };
    t.apwiz("", "");
    t.onboard_web_app();
    t.keys(&["q"]);
    t.assert_restored();
    validate_every_environment(&dir);
}

#[test]
fn onboard_stateful_db_with_persistence_toggled_and_sized() {
    let dir = scratch("stateful");
    let Some(t) = Tmux::start("stateful", &dir) else {
        return;
    };
    t.apwiz("", "");
    t.wait_for("web-app", "the preset list");
    t.keys(&["/"]);
    t.text("stateful-db");
    t.keys(&["Enter"]);
    t.wait_for("Disk size", "the workload form");
    t.keys(&["Enter"]);
    t.wait_for("Features of this statefulset", "the features");
    // Ingress, monitoring, then persistence: off (the chart's rule shows), on, sized.
    t.keys(&["Down", "Down", "Space"]);
    t.wait_for("needs persistence", "the statefulset rule");
    t.keys(&["Space", "Tab", "BSpace", "BSpace", "BSpace", "BSpace"]);
    t.text("20Gi");
    let s = t.wait_for("20Gi", "the size typed");
    assert!(!s.contains("needs persistence"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("Replicas", "the environments");
    t.keys(&["Enter"]);
    t.wait_for("(new)", "the review");
    t.keys(&["Enter"]);
    t.wait_for("created", "the files written");
    t.keys(&["q"]);
    t.assert_restored();
    let values = std::fs::read_to_string(dir.join("deploy/values.yaml")).unwrap();
    assert!(values.contains("size: 20Gi"), "{values}");
    validate_every_environment(&dir);
}

/// `apwiz validate` passes for every environment of the files written in `dir/deploy`.
fn validate_every_environment(dir: &std::path::Path) {
    for env in ["dev", "staging", "prod"] {
        validate(dir, &["--env", env]);
    }
}

/// `apwiz validate --dir deploy ARGS` in `dir` passes.
fn validate(dir: &std::path::Path, args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_apwiz"))
        .args(["validate", "--dir", "deploy"])
        .args(args)
        .current_dir(dir)
        .env(
            "APWIZ_CONFIG",
            repo().join("target/no-such-apwiz-config.yaml"),
        )
        .env("APWIZ_CHART", repo().join("chart"))
        .env("APWIZ_HELM", helm())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn quit_with_unsaved_answers_asks() {
    let dir = scratch("quit");
    let Some(t) = Tmux::start("quit", &dir) else {
        return;
    };
    t.apwiz("", "");
    t.wait_for("web-app", "the preset list");
    t.keys(&["Enter"]);
    t.wait_for("Container image", "the workload form");
    t.text("img:1");
    t.keys(&["Escape", "q"]);
    t.wait_for("Quit anyway?", "the question");
    t.keys(&["n"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!t.screen().contains("EXIT="), "n stays");
    t.keys(&["q", "y"]);
    t.assert_restored();
    assert!(!dir.join("deploy").exists(), "nothing written");
}

#[test]
fn ctrl_c_sigterm_and_a_panic_restore_the_terminal() {
    let dir = scratch("restore");
    let Some(t) = Tmux::start("restore", &dir) else {
        return;
    };
    // Ctrl-C with nothing typed quits at once, with status 130 as shells expect.
    t.apwiz("", "");
    t.wait_for("web-app", "the preset list");
    t.keys(&["C-c"]);
    t.assert_restored();
    let s = t.screen();
    assert!(s.contains("EXIT=130"), "Ctrl-C ends with 130: {s}");
    // A panic.
    t.text("clear");
    t.keys(&["Enter"]);
    t.apwiz("", "APWIZ_TUI_TEST_PANIC=1");
    t.wait_for("web-app", "the preset list");
    t.keys(&["F12"]);
    t.assert_restored();
    let s = t.screen();
    assert!(
        s.contains("EXIT=") && !s.contains("EXIT=0"),
        "a panic is a failure: {s}"
    );
    // SIGTERM from outside.
    t.text("clear");
    t.keys(&["Enter"]);
    t.apwiz("", "");
    t.wait_for("web-app", "the preset list");
    let o = t
        .cmd(&["display-message", "-p", "-t", SESSION, "#{pane_pid}"])
        .output()
        .unwrap();
    let shell = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let pids = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
    for pid in String::from_utf8_lossy(&pids.stdout).split_whitespace() {
        let _ = Command::new("kill").args(["-TERM", pid]).status();
    }
    t.assert_restored();
    let s = t.screen();
    assert!(s.contains("EXIT=143"), "SIGTERM ends with 143: {s}");
}

/// The whole path on the local control plane: onboard a web-app with the wizard, write, `d`
/// deploys it (plan, `y`, the live view until ready); then a pre-upgrade hook that fails shows
/// the cause card, `r` plans the rollback and `y` runs it; `:history` lists the revisions.
#[test]
fn onboard_then_deploy_see_a_failing_hook_and_roll_back_on_the_control_plane() {
    let dir = scratch("deploy");
    let ns = support::fresh_namespace("tui-deploy");
    // The wizard deploys to the kubeconfig's current context and namespace: a copy of the
    // control plane's kubeconfig pointed at this test's namespace.
    let kubeconfig = dir.parent().unwrap().join("kubeconfig.yaml");
    std::fs::copy(support::kubeconfig(), &kubeconfig).unwrap();
    let k = kubeconfig.to_str().unwrap();
    let r = support::kubectl_in(
        &[
            "config",
            "set-context",
            "--current",
            "--namespace",
            &ns,
            "--kubeconfig",
            k,
        ],
        None,
    );
    assert!(r.ok, "{}", r.stderr);
    let Some(t) = Tmux::start("deploy", &dir) else {
        return;
    };
    let state = dir.parent().unwrap().join("state");
    t.apwiz(
        "",
        &format!("KUBECONFIG={k} APWIZ_STATE_DIR={}", state.display()),
    );
    t.onboard_web_app();
    // d: the plan for the pane's environment (dev), against the empty namespace.
    t.keys(&["d"]);
    let plan = t.wait_long(
        "install shop to",
        "the deploy plan",
        Duration::from_secs(60),
    );
    assert!(
        plan.contains("pre-checks") && plan.contains("+ Deployment/shop"),
        "{plan}"
    );
    t.keys(&["y"]);
    let done = t.wait_long("deploy · succeeded", "the deploy", Duration::from_secs(120));
    assert!(done.contains("revision 1 deployed"), "{done}");
    let ready = t.wait_for("Running, ready", "a ready pod");
    assert!(ready.contains("Deployment/shop ready"), "{ready}");
    t.keys(&["q"]);
    t.wait_for("Review", "back in the wizard");

    // A pre-upgrade hook whose pod fails (kwok's pod-fail stage), added by hand to values.yaml.
    let values = dir.join("deploy/values.yaml");
    let mut text = std::fs::read_to_string(&values).unwrap();
    text.push_str(
        "hooks:\n  prepare:\n    events: [pre-upgrade]\n    command: [sh, -c, echo preparing]\n    backoffLimit: 0\n    deletePolicy: [before-hook-creation]\n    podAnnotations:\n      apwiz.test/fail: \"true\"\n",
    );
    std::fs::write(&values, text).unwrap();
    t.keys(&[":"]);
    t.text("deploy dev");
    t.keys(&["Enter"]);
    let plan = t.wait_long(
        "upgrade shop to",
        "the upgrade plan",
        Duration::from_secs(60),
    );
    assert!(plan.contains("pre-upgrade: 0 Job/shop-prepare"), "{plan}");
    t.keys(&["y"]);
    let failed = t.wait_long("✗ cause:", "the cause card", Duration::from_secs(120));
    assert!(failed.contains("shop-prepare"), "{failed}");
    t.wait_long("deploy · failed", "helm's end", Duration::from_secs(120));
    t.keys(&["r"]);
    t.wait_long(
        "roll shop back to revision 1",
        "the rollback plan",
        Duration::from_secs(60),
    );
    t.keys(&["y"]);
    t.wait_long(
        "rollback · succeeded",
        "the rollback",
        Duration::from_secs(120),
    );
    t.keys(&[":"]);
    t.text("history");
    t.keys(&["Enter"]);
    let h = t.wait_for("deployed", "the history");
    assert!(h.contains("failed") || h.contains("superseded"), "{h}");
    // :status watches the release live: its ready pod is listed from the first lists.
    t.keys(&[":"]);
    t.text("status");
    t.keys(&["Enter"]);
    let st = t.wait_for("Running, ready", "the status screen's pods");
    assert!(
        st.contains("status · watching") && st.contains("NOTES"),
        "{st}"
    );
    // q goes back to the screen :status was opened from (the history, read again), then q
    // again to the wizard.
    t.keys(&["q"]);
    t.wait_for("history of shop", "back in the history");
    t.keys(&["q"]);
    t.wait_for("Review", "back in the wizard");
    t.keys(&["q"]);
    t.assert_restored();
    // The run records of the three operations are there, none with a secret in it.
    let records = std::fs::read_dir(state.join("runs").join(&ns).join("shop"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(records, 3, "deploy, failed deploy, rollback");
}

/// The edit flow by keys: a project made by `apwiz new` without a terminal, commented by hand;
/// `apwiz edit deploy` changes prod's replicas and writes: only that line of values-prod.yaml changes
/// (and the answers file), the comments survive; then `apwiz` in the project with the same
/// answers writes and leaves every file byte-identical.
#[test]
fn edit_an_existing_project_changes_one_line_and_keeps_comments() {
    /// Every file under `dir`, path → bytes.
    fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
        let mut out = std::collections::BTreeMap::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
        out
    }
    /// The lines that differ between two texts of the same length in lines.
    fn changed_lines(a: &str, b: &str) -> Vec<(String, String)> {
        assert_eq!(a.lines().count(), b.lines().count(), "{a}\n---\n{b}");
        a.lines()
            .zip(b.lines())
            .filter(|(x, y)| x != y)
            .map(|(x, y)| (x.to_string(), y.to_string()))
            .collect()
    }

    let dir = scratch("edit");
    support::cli::new_web_app(&dir).expect(0);
    let project = dir.join("deploy");
    // The team's comments, by hand: a line of its own in each file, one at the end of a line.
    let base = project.join("values.yaml");
    let prod = project.join("values-prod.yaml");
    let base_text = std::fs::read_to_string(&base).unwrap();
    let base_text = format!("{base_text}# team: the host is owned by the platform team\n");
    std::fs::write(&base, &base_text).unwrap();
    let prod_text = std::fs::read_to_string(&prod).unwrap();
    assert!(prod_text.contains("\nreplicas: 3\n"), "{prod_text}");
    let prod_text = prod_text.replace(
        "\nreplicas: 3\n",
        "\n# team: prod scales with the shop's traffic\nreplicas: 3\n",
    );
    std::fs::write(&prod, &prod_text).unwrap();
    let before = tree(&project);

    let Some(t) = Tmux::start("edit", &dir) else {
        return;
    };
    t.apwiz("edit deploy", "");
    t.wait_for("Container image", "the project's workload form");
    t.keys(&["Enter"]);
    t.wait_for("Features of this deployment", "the features");
    t.keys(&["Enter"]);
    t.wait_for("Environments: a values-<env>.yaml each", "the environments");
    // The toggles of dev, staging and prod, then the replicas of dev, staging, prod.
    t.keys(&["Tab", "Tab", "Tab", "Tab", "Tab", "BSpace"]);
    t.text("5");
    t.wait_for("prod Replicas:", "prod's replicas in focus");
    t.keys(&["Enter"]);
    let review = t.wait_for("(changed)", "the review");
    assert!(review.contains("+ replicas: 5"), "{review}");
    t.keys(&["Enter"]);
    t.wait_for("written ·", "the files written");
    t.keys(&["q"]);
    t.assert_restored();

    let after = tree(&project);
    let prod_after = std::fs::read_to_string(&prod).unwrap();
    assert_eq!(
        changed_lines(&prod_text, &prod_after),
        [("replicas: 3".to_string(), "replicas: 5".to_string())],
        "{prod_after}"
    );
    assert!(prod_after.contains("# team: prod scales with the shop's traffic\nreplicas: 5\n"));
    for (path, bytes) in &before {
        let name = path.to_string_lossy();
        if name == "values-prod.yaml" || name == ".apwiz.yaml" {
            continue;
        }
        assert!(after.get(path) == Some(bytes), "{name} changed");
    }
    let answers = std::fs::read_to_string(project.join(".apwiz.yaml")).unwrap();
    assert!(answers.contains("- replicas=5"), "{answers}");
    // The backups of the two files updated, and nothing else new.
    let new: Vec<_> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    assert_eq!(
        new,
        [
            Path::new(".apwiz.yaml.bak"),
            Path::new("values-prod.yaml.bak")
        ],
        "{new:?}"
    );

    // `apwiz` in the team's directory opens the project in deploy/; the same answers written
    // again change no byte.
    t.text("clear");
    t.keys(&["Enter"]);
    t.apwiz("", "");
    t.wait_for("Container image", "the project's workload form");
    t.keys(&["C-s"]);
    let review = t.wait_for("(unchanged)", "the review");
    assert!(!review.contains("(changed)"), "{review}");
    t.keys(&["Enter"]);
    t.wait_for("written ·", "the files written");
    t.keys(&["q"]);
    t.assert_restored();
    let again = tree(&project);
    let differ: Vec<_> = again
        .keys()
        .chain(after.keys())
        .filter(|p| again.get(*p) != after.get(*p))
        .collect();
    assert!(
        differ.is_empty(),
        "a re-run with the same answers changed {differ:?}"
    );
}

/// Detach and re-attach on the local control plane: a deploy whose pod waits for a node label;
/// `q` twice leaves apwiz while helm goes on (its own process group); `apwiz status --watch`
/// re-attaches and shows the pod become ready once the label is there, and the release deployed.
#[test]
fn detach_from_a_running_deploy_then_reattach_with_status_watch() {
    let dir = scratch("detach");
    let ns = support::fresh_namespace("tui-detach");
    let label = format!("apwiz.test/detach-{}", std::process::id());
    std::fs::write(
        dir.join("values.yaml"),
        format!(
            "image: ghcr.io/acme/web:1.0.0\nreplicas: 1\nport: 8080\ntests:\n  enabled: false\nnodeSelector:\n  {label}: go\n"
        ),
    )
    .unwrap();
    let Some(t) = Tmux::start("detach", &dir) else {
        return;
    };
    let k = support::kubeconfig().to_str().unwrap().to_string();
    let state = dir.parent().unwrap().join("state");
    let env = format!("KUBECONFIG={k} APWIZ_STATE_DIR={}", state.display());
    t.apwiz(&format!("deploy --release det -n {ns} --timeout 120"), &env);
    t.wait_long("install det to", "the plan", Duration::from_secs(60));
    t.keys(&["y"]);
    // The pod cannot be scheduled yet: the card says so while helm waits.
    t.wait_long(
        "FailedScheduling",
        "the scheduling warning",
        Duration::from_secs(60),
    );
    t.keys(&["q"]);
    let asked = t.wait_for("q again detaches", "the detach question");
    assert!(
        asked.contains("apwiz status --watch --release det"),
        "{asked}"
    );
    t.keys(&["q"]);
    t.assert_restored();
    // helm goes on without apwiz: the release is being installed.
    let st = support::cli::apwiz_env(
        &dir,
        &["status", "--release", "det", "-n", &ns, "--format", "json"],
        &[("KUBECONFIG", &k)],
    );
    assert_eq!(
        st.json()["status"],
        "pending-install",
        "helm was stopped with apwiz: {}{}",
        st.stdout,
        st.stderr
    );
    // Re-attach, then let the pod be scheduled: the status screen shows it ready.
    t.apwiz(&format!("status --watch --release det -n {ns}"), &env);
    t.wait_for("status · watching", "the status screen");
    let (ok, _, err) = support::kubectl(&["label", "node", "node-000001", &format!("{label}=go")]);
    assert!(ok, "{err}");
    let ready = t.wait_long("Running, ready", "the pod ready", Duration::from_secs(90));
    assert!(ready.contains("Pod/det-"), "{ready}");
    t.keys(&["q"]);
    t.assert_restored();
    let _ = support::kubectl(&["label", "node", "node-000001", &format!("{label}-")]);
    // helm saw the rollout through: revision 1 deployed.
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let st = support::cli::apwiz_env(
            &dir,
            &["status", "--release", "det", "-n", &ns, "--format", "json"],
            &[("KUBECONFIG", &k)],
        );
        if st.json()["status"] == "deployed" {
            break;
        }
        assert!(Instant::now() < end, "never deployed: {}", st.stdout);
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Import from the first screen: "Import existing manifests", the gRPC fixture's directory
/// typed, the report with its figure beside the pane rendering the imported values (a real
/// helm render through the TUI's jobs), the review, the write; then `apwiz validate` passes on
/// the written files.
#[test]
fn import_grpc_manifests_from_the_first_screen_then_validate() {
    let dir = scratch("import");
    let manifests = dir.parent().unwrap().join("grpc-microservices");
    std::fs::create_dir_all(&manifests).unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/import/apps/grpc-microservices.yaml"),
        manifests.join("all.yaml"),
    )
    .unwrap();
    let Some(t) = Tmux::start("import", &dir) else {
        return;
    };
    t.apwiz("", "");
    t.wait_for("web-app", "the preset list");
    // The imports follow the presets: the last row is the values' import, the one above it
    // the manifests'.
    t.keys(&["Down"; 20]);
    t.keys(&["Up"]);
    t.wait_for(
        "Kubernetes YAML your team applies",
        "the import's description",
    );
    t.keys(&["Enter"]);
    t.wait_for("Enter imports", "the import's paths");
    t.text(&manifests.display().to_string());
    t.keys(&["Enter"]);
    let s = t.wait_long("% exact", "the import's report", Duration::from_secs(90));
    assert!(s.contains("Service/frontend"), "{s}");
    t.wait_long(
        "objects · render",
        "the pane's render of the imported values",
        Duration::from_secs(60),
    );
    t.wait_for("Deployment/frontend", "the rendered objects in the pane");
    t.keys(&["Enter"]);
    t.wait_for("(new)", "the review");
    t.keys(&["Enter"]);
    t.wait_for("created", "the files written");
    t.keys(&["q"]);
    t.wait_for("EXIT=0", "apwiz to exit");
    let deploy = dir.join("deploy");
    let values = std::fs::read_to_string(deploy.join("values.yaml")).unwrap();
    assert!(
        values.contains("imported by `apwiz import manifests`"),
        "{values}"
    );
    assert!(deploy.join(".apwiz-import.yaml").is_file());
    validate(&dir, &["--release", "grpc-microservices"]);
}
