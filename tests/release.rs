//! apwiz's release operations on the real control plane (kube-apiserver, controller-manager,
//! scheduler, etcd; kwok plays the kubelets): deploy with hooks shown in order, diff, history,
//! status, rollback, test, uninstall, pre-checks and failures with a cause card.
//!
//! kwok runs no containers: Job pods and `helm test` pods succeed, and a pod annotated
//! `apwiz.test/fail: "true"` fails with exit code 1 (scripts/control-plane/kwok.yaml). That
//! annotation is how failure paths are driven here; an image that does not exist would NOT fail
//! under kwok. No kubelet answers, so pod logs are "unavailable" and the tests check that apwiz
//! says so (and records the attempt) rather than any log text.
//!
//! Run with Helm 4 (default) and Helm 3 (`APWIZ_HELM=.tools/bin/helm3`); namespaces carry the
//! major version, so both can run against one cluster.
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::{Run, apwiz_env, write};
use support::cluster::OwnCluster;
use support::{fresh_namespace as namespace, kubeconfig, kubectl, scratch};

/// A team directory with the values every test starts from: one deployment, a pre and a post
/// hook (kept after success so rows stay visible), and a value that must never be printed.
fn team(name: &str) -> PathBuf {
    let dir = scratch(name);
    write(
        &dir,
        "values.yaml",
        "image: ghcr.io/acme/web:1.0.0\nreplicas: 1\nport: 8080\nservice:\n  port: 80\n\
         env:\n  API_TOKEN: hunter2-never-print-me\n\
         hooks:\n  prepare:\n    events: [pre-install, pre-upgrade]\n    command: [sh, -c, echo preparing]\n    deletePolicy: [before-hook-creation]\n\
         \x20 announce:\n    events: [post-install, post-upgrade]\n    command: [sh, -c, echo done]\n    deletePolicy: [before-hook-creation]\n",
    );
    dir
}

/// Runs apwiz against the cluster, with run records in the team's directory.
fn apwiz(dir: &Path, args: &[&str]) -> Run {
    let state = dir.join("state");
    apwiz_env(
        dir,
        args,
        &[
            ("KUBECONFIG", kubeconfig().to_str().expect("utf-8")),
            ("APWIZ_STATE_DIR", state.to_str().expect("utf-8")),
        ],
    )
}

fn run_records(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("state")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let text = std::fs::read_to_string(&p).expect("read run record");
                assert!(
                    !text.contains("hunter2"),
                    "a value leaked into {}",
                    p.display()
                );
                out.push(serde_json::from_str(&text).expect("run record is JSON"));
            }
        }
    }
    out.sort_by_key(|r: &Value| r["started"].as_str().unwrap_or_default().to_string());
    out
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn history(dir: &Path, ns: &str) -> Vec<(u64, String)> {
    let h = apwiz(
        dir,
        &["history", "--release", "web", "-n", ns, "--format", "json"],
    )
    .expect(0);
    let text = h.stdout.clone();
    assert!(!text.contains("hunter2"), "history printed a value: {text}");
    h.json()["history"]["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| {
            (
                r["revision"].as_u64().unwrap(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn deploy_shows_hooks_in_order_then_diff_history_status_and_rollback() {
    let ns = namespace("rel-flow");
    let dir = team("rel-flow");
    let r = apwiz(&dir, &["deploy", "--release", "web", "-n", &ns, "--yes"]).expect(0);
    let out = &r.stdout;
    // Phases as Helm runs them, each with a duration, and the hooks' rows in between.
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("no {s:?} in:\n{out}"));
    assert!(at("✓ api-server") < at("== pre-hooks started"), "{out}");
    // (the hook's row: the plan's validation warnings name the Job before it runs)
    assert!(
        at("== pre-hooks started") < at("Job/web-prepare  "),
        "{out}"
    );
    assert!(
        at("Job/web-prepare  complete") < at("== apply + wait started"),
        "{out}"
    );
    assert!(
        at("== apply + wait started") < at("== post-hooks started"),
        "{out}"
    );
    // The hook's own row (an Event about the Job may be watched a moment before the Job is).
    assert!(
        at("== post-hooks started") < at("Job/web-announce  created"),
        "{out}"
    );
    assert!(out.contains("== pre-hooks done in "), "{out}");
    assert!(out.contains("NOTES"), "{out}");
    assert!(!out.contains("hunter2"), "{out}");

    // No change: empty diff, exit 0. One changed value: exactly that path, exit 2.
    let d = apwiz(&dir, &["diff", "--release", "web", "-n", &ns]).expect(0);
    assert_eq!(d.stdout.trim(), "", "{}", d.stdout);
    let d = apwiz(
        &dir,
        &[
            "diff",
            "--release",
            "web",
            "-n",
            &ns,
            "--set",
            "replicas=2",
            "--format",
            "json",
        ],
    )
    .expect(2);
    let changes = d.json()["changes"].clone();
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes}");
    assert_eq!(changes[0]["object"], "Deployment/web");
    let paths: Vec<&str> = changes[0]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["spec.replicas"]);

    apwiz(
        &dir,
        &[
            "deploy",
            "--release",
            "web",
            "-n",
            &ns,
            "--yes",
            "--set",
            "replicas=2",
            "--description",
            "two replicas",
        ],
    )
    .expect(0);
    assert_eq!(
        history(&dir, &ns),
        vec![(1, "superseded".into()), (2, "deployed".into())]
    );

    let s = apwiz(
        &dir,
        &["status", "--release", "web", "-n", &ns, "--format", "json"],
    )
    .expect(0);
    assert!(!s.stdout.contains("hunter2"), "{}", s.stdout);
    let s = s.json();
    assert_eq!(s["revision"], 2);
    assert_eq!(s["status"], "deployed");
    assert_eq!(s["description"], "two replicas");
    let hooks: Vec<&str> = s["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["events"][0] != "test")
        .map(|h| h["last_run"]["phase"].as_str().unwrap())
        .collect();
    // The pre and post hooks ran (the test pod runs only with `apwiz test`).
    assert!(
        hooks.len() == 2 && hooks.iter().all(|p| *p == "Succeeded"),
        "{s}"
    );
    assert_eq!(s["workloads"][0]["state"], "ready 2/2", "{s}");

    let rb = apwiz(
        &dir,
        &["rollback", "1", "--release", "web", "-n", &ns, "--yes"],
    )
    .expect(0);
    assert!(rb.stdout.contains("spec.replicas: 2 → 1"), "{}", rb.stdout);
    assert_eq!(
        history(&dir, &ns).last().unwrap(),
        &(3, "deployed".to_string())
    );

    let records = run_records(&dir);
    let ops: Vec<&str> = records
        .iter()
        .map(|r| r["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, vec!["deploy", "deploy", "rollback"]);
    assert!(records.iter().all(|r| r["ok"] == true));
    assert!(
        records[0]["phases"].as_array().unwrap().len() >= 3,
        "{}",
        records[0]["phases"]
    );
}

#[test]
fn a_failing_pre_upgrade_hook_gives_a_cause_card_and_the_release_rolls_back() {
    let ns = namespace("rel-fail");
    let dir = team("rel-fail");
    apwiz(&dir, &["deploy", "--release", "web", "-n", &ns, "--yes"]).expect(0);
    // The hook's pod fails with exit code 1 (kwok's pod-fail stage); hook-failed deletes it.
    write(
        &dir,
        "values-broken.yaml",
        "hooks:\n  prepare:\n    backoffLimit: 0\n    deletePolicy: [before-hook-creation, hook-failed]\n    podAnnotations:\n      apwiz.test/fail: \"true\"\n",
    );
    let r = apwiz(
        &dir,
        &[
            "deploy",
            "--release",
            "web",
            "-n",
            &ns,
            "--env",
            "broken",
            "--yes",
            "--format",
            "json",
        ],
    )
    .expect(1);
    let events = json_lines(&r.stdout);
    let card = events
        .iter()
        .find(|e| e["event"] == "failure")
        .unwrap_or_else(|| panic!("no cause card:\n{}\n{}", r.stdout, r.stderr));
    assert!(
        card["object"]
            .as_str()
            .unwrap()
            .starts_with("Pod/web-prepare"),
        "{card}"
    );
    assert!(
        card["message"]
            .as_str()
            .unwrap()
            .contains("exited with code 1"),
        "{card}"
    );
    assert_eq!(card["hook"], "pre-install,pre-upgrade");
    // Seen from the cluster, before helm's own report.
    let helm_error = events
        .iter()
        .find(|e| e["event"] == "helm" && e["line"].as_str().unwrap_or_default().contains("Error"))
        .expect("helm's error line");
    assert!(
        card["seq"].as_u64() < helm_error["seq"].as_u64(),
        "card after helm's error: {card} {helm_error}"
    );
    let outcome = events.last().unwrap();
    assert_eq!(outcome["event"], "outcome");
    assert!(
        outcome["cause"]["helm_stderr"]
            .as_str()
            .unwrap()
            .contains("pre-upgrade"),
        "{outcome}"
    );
    assert!(
        outcome["cause"]["next_actions"][0]
            .as_str()
            .unwrap()
            .contains("apwiz rollback 1"),
        "{outcome}"
    );

    // Rolled back: revision 1's objects serve again.
    let h = history(&dir, &ns);
    assert_eq!(h.last().unwrap().1, "deployed", "{h:?}");
    assert!(h.iter().any(|(_, s)| s == "failed"), "{h:?}");
    let (ok, dep, _) = kubectl(&[
        "get",
        "deployment",
        "web",
        "-n",
        &ns,
        "-o",
        "jsonpath={.status.readyReplicas}",
    ]);
    assert!(ok && dep == "1", "deployment not serving: {dep}");

    // The failed hook's pod is gone (hook-failed), but the run record has its row, its exit and
    // the attempt to read its logs (no kubelet here, so the API had none to give).
    let rec = run_records(&dir).pop().unwrap();
    assert_eq!(rec["ok"], false);
    let logs = rec["logs"].as_array().unwrap();
    assert!(
        logs.iter()
            .any(|l| l["pod"].as_str().unwrap().starts_with("web-prepare")),
        "{rec}"
    );
    assert!(
        rec["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["object"]["kind"] == "Pod" && r["failed"] == true),
        "{rec}"
    );
}

#[test]
fn prechecks_refuse_a_missing_storage_class_a_missing_crd_and_a_pending_release() {
    let ns = namespace("rel-pre");
    let dir = team("rel-pre");
    let r = apwiz(
        &dir,
        &[
            "deploy",
            "--release",
            "web",
            "-n",
            &ns,
            "--yes",
            "--set",
            "persistence.enabled=true",
            "--set",
            "persistence.storageClass=gold",
        ],
    )
    .expect(1);
    assert!(
        r.stdout.contains("✗ storage-classes") && r.stdout.contains("gold"),
        "{}",
        r.stdout
    );
    // A kind no CRD serves (the shared cluster may have the monitoring and Gateway API CRDs, so
    // a tiny chart of its own renders an example.apwiz.dev Widget).
    let chart = scratch("rel-pre-chart");
    write(
        &chart,
        "Chart.yaml",
        "apiVersion: v2\nname: tiny\nversion: 0.1.0\n",
    );
    write(&chart, "values.yaml", "{}\n");
    write(
        &chart,
        "templates/widget.yaml",
        "apiVersion: example.apwiz.dev/v1\nkind: Widget\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    let tiny = scratch("rel-pre-tiny");
    write(&tiny, "values.yaml", "{}\n");
    let r = apwiz_env(
        &tiny,
        &["deploy", "--release", "web", "-n", &ns, "--yes"],
        &[
            ("KUBECONFIG", kubeconfig().to_str().expect("utf-8")),
            ("APWIZ_CHART", chart.to_str().expect("utf-8")),
        ],
    )
    .expect(1);
    assert!(
        r.stdout.contains("✗ kinds-served") && r.stdout.contains("Widget (example.apwiz.dev/v1)"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    // Nothing was installed by the refused deploys.
    assert!(apwiz(&dir, &["history", "--release", "web", "-n", &ns]).code != 0);

    apwiz(&dir, &["deploy", "--release", "web", "-n", &ns, "--yes"]).expect(0);
    // A helm killed mid-upgrade leaves its record pending-upgrade; here the record's status label
    // is set by hand, which is what the pre-check reads.
    let (ok, _, err) = kubectl(&[
        "label",
        "secret",
        "-n",
        &ns,
        "sh.helm.release.v1.web.v1",
        "status=pending-upgrade",
        "--overwrite",
    ]);
    assert!(ok, "{err}");
    let r = apwiz(&dir, &["deploy", "--release", "web", "-n", &ns, "--yes"]).expect(1);
    assert!(
        r.stdout.contains("✗ pending-release") && r.stdout.contains("pending-upgrade"),
        "{}",
        r.stdout
    );
}

#[test]
fn test_then_uninstall_keeps_a_claim_with_the_keep_policy() {
    let ns = namespace("rel-keep");
    let dir = team("rel-keep");
    apwiz(
        &dir,
        &[
            "deploy",
            "--release",
            "web",
            "-n",
            &ns,
            "--yes",
            "--set",
            "persistence.enabled=true",
            "--set",
            "persistence.storageClass=standard",
        ],
    )
    .expect(0);
    let t = apwiz(&dir, &["test", "--release", "web", "-n", &ns]).expect(0);
    assert!(t.stdout.contains("Succeeded"), "{}", t.stdout);
    let u = apwiz(&dir, &["uninstall", "--release", "web", "-n", &ns]).expect(2);
    assert!(u.stderr.contains("--yes"), "{}", u.stderr);
    let u = apwiz(&dir, &["uninstall", "--release", "web", "-n", &ns, "--yes"]).expect(0);
    assert!(
        u.stdout.contains("= PersistentVolumeClaim/web-data"),
        "{}",
        u.stdout
    );
    assert!(u.stdout.contains("- Deployment/web"), "{}", u.stdout);
    let (ok, _, _) = kubectl(&["get", "pvc", "web-data", "-n", &ns]);
    assert!(ok, "the kept claim is gone");
    let (ok, _, _) = kubectl(&["get", "deployment", "web", "-n", &ns]);
    assert!(!ok, "the deployment is still there");
}

#[test]
fn a_read_only_context_and_a_missing_kubeconfig_are_refused() {
    let dir = team("rel-ro");
    let ctx = {
        let (ok, out, err) = kubectl(&["config", "current-context"]);
        assert!(ok, "{err}");
        out.trim().to_string()
    };
    let cfg = write(&dir, "config.yaml", &format!("readOnlyContexts: [{ctx}]\n"));
    let r = apwiz_env(
        &dir,
        &["deploy", "--release", "web", "-n", "default", "--yes"],
        &[
            ("KUBECONFIG", kubeconfig().to_str().unwrap()),
            ("APWIZ_CONFIG", cfg.to_str().unwrap()),
        ],
    )
    .expect(2);
    assert!(r.stderr.contains("read-only"), "{}", r.stderr);
    let r = apwiz_env(
        &dir,
        &["deploy", "--yes"],
        &[
            ("KUBECONFIG", "/nonexistent/kubeconfig"),
            ("HOME", dir.to_str().unwrap()),
        ],
    )
    .expect(3);
    assert!(
        r.stderr.contains("scripts/control-plane.sh up"),
        "{}",
        r.stderr
    );
}

/// Helm's release records in `ns`, one name a line.
fn release_records(ns: &str) -> String {
    let (ok, out, err) = kubectl(&["get", "secrets", "-n", ns, "-l", "owner=helm", "-o", "name"]);
    assert!(ok, "{err}");
    out.trim().to_string()
}

/// A kubeconfig for a ServiceAccount of `ns` (a token from `kubectl create token`), on the same
/// API server and CA as the control plane's own kubeconfig.
fn service_account_kubeconfig(dir: &Path, ns: &str, sa: &str) -> PathBuf {
    let view = |path: &str| {
        let (ok, out, err) = kubectl(&[
            "config",
            "view",
            "--minify",
            "-o",
            &format!("jsonpath={{.clusters[0].cluster.{path}}}"),
        ]);
        assert!(ok, "{err}");
        out.trim().to_string()
    };
    let (server, ca) = (view("server"), view("certificate-authority"));
    assert!(!server.is_empty() && !ca.is_empty(), "{server} {ca}");
    let (ok, token, err) = kubectl(&["create", "token", sa, "-n", ns, "--duration", "1h"]);
    assert!(ok, "{err}");
    write(
        dir,
        "sa-kubeconfig.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\n\
             users:\n- name: {sa}\n  user:\n    token: {}\ncontexts:\n- name: {sa}\n  context:\n    cluster: local\n    user: {sa}\n    namespace: {ns}\n\
             current-context: {sa}\n",
            token.trim()
        ),
    )
}

#[test]
fn prechecks_refuse_a_forbidden_verb_for_a_service_account_with_too_few_rights() {
    let ns = namespace("rel-rbac");
    let dir = team("rel-rbac");
    // Read-only on a few kinds: enough to look, not to install.
    let rbac = format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: viewer\n  namespace: {ns}\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: viewer\n  namespace: {ns}\n\
         rules:\n- apiGroups: [\"\", apps]\n  resources: [pods, services, deployments, secrets]\n  verbs: [get, list]\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: viewer\n  namespace: {ns}\n\
         roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: viewer\n\
         subjects:\n- kind: ServiceAccount\n  name: viewer\n  namespace: {ns}\n"
    );
    let r = support::kubectl_in(&["apply", "-f", "-"], Some(&rbac));
    assert!(r.ok, "{}", r.stderr);
    let kc = service_account_kubeconfig(&dir, &ns, "viewer");
    let kc = kc.to_str().expect("utf-8");
    let r = apwiz(
        &dir,
        &[
            "deploy",
            "--kubeconfig",
            kc,
            "--release",
            "web",
            "-n",
            &ns,
            "--yes",
        ],
    )
    .expect(1);
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("✗ access"))
        .unwrap_or_else(|| panic!("no failed access check:\n{}\n{}", r.stdout, r.stderr));
    // The verbs the role lacks, on the kinds the release renders, and where.
    for denied in [
        "create deployments.apps",
        "patch services",
        "delete secrets",
    ] {
        assert!(line.contains(denied), "{denied:?} not named: {line}");
    }
    assert!(!line.contains("get deployments.apps"), "{line}");
    assert!(line.contains(&ns), "{line}");
    assert!(r.stderr.contains("a pre-check failed"), "{}", r.stderr);
    // Nothing was installed: no release record, no Deployment.
    assert_eq!(release_records(&ns), "");
    let (ok, _, _) = kubectl(&["get", "deployment", "web", "-n", &ns]);
    assert!(!ok, "a deployment was created");
}

#[test]
fn prechecks_refuse_an_api_server_older_than_the_charts_kube_version() {
    let ns = namespace("rel-kver");
    let dir = team("rel-kver");
    // The chart as it would be for a future Kubernetes; the team renders for that version, the
    // cluster (v1.34.4) is older.
    let chart = scratch("rel-kver-chart");
    support::copy_dir(&support::chart(), &chart);
    let meta = std::fs::read_to_string(chart.join("Chart.yaml")).expect("Chart.yaml");
    let meta: String = meta
        .lines()
        .map(|l| {
            if l.starts_with("kubeVersion:") {
                "kubeVersion: \">=1.99.0-0\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(meta.contains(">=1.99.0-0"), "{meta}");
    write(&chart, "Chart.yaml", &format!("{meta}\n"));
    let r = apwiz(
        &dir,
        &[
            "deploy",
            "--chart",
            chart.to_str().expect("utf-8"),
            "--kube-version",
            "1.99.0",
            "--release",
            "web",
            "-n",
            &ns,
            "--yes",
            "--format",
            "json",
        ],
    )
    .expect(1);
    let checks = json_lines(&r.stdout)
        .into_iter()
        .find(|e| e["event"] == "pre-checks")
        .unwrap_or_else(|| panic!("no pre-checks:\n{}\n{}", r.stdout, r.stderr));
    assert_eq!(checks["ok"], false, "{checks}");
    let api = checks["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "api-server")
        .expect("api-server check")
        .clone();
    assert_eq!(api["status"], "fail", "{api}");
    let msg = api["message"].as_str().unwrap();
    assert!(
        msg.contains("v1.34.4") && msg.contains(">=1.99.0-0") && msg.contains("too old"),
        "{msg}"
    );
    // The other checks passed: only the version stopped it, and nothing was installed.
    assert!(
        checks["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] == "api-server" || c["status"] != "fail"),
        "{checks}"
    );
    assert_eq!(release_records(&ns), "");
}

#[test]
fn the_api_server_restarted_mid_watch_gives_a_reconnect_notice_and_no_duplicate_rows() {
    use std::io::BufRead;
    let cluster = OwnCluster::up("restart");
    let ns = format!("rel-restart-h{}", support::helm_major());
    cluster.kubectl(&["create", "namespace", &ns]);
    let dir = scratch("rel-restart");
    // The pod waits for a node labelled apwiz.test/restart=go, which none is until the API
    // server has been restarted: helm is waiting (and apwiz watching) across the restart.
    write(
        &dir,
        "values.yaml",
        "image: ghcr.io/acme/web:1.0.0\nreplicas: 1\nport: 8080\nservice:\n  port: 80\n\
         nodeSelector:\n  apwiz.test/restart: go\n",
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_apwiz"))
        .current_dir(&dir)
        .args([
            "deploy",
            "--release",
            "web",
            "-n",
            &ns,
            "--yes",
            "--timeout",
            "240",
            "--format",
            "json",
        ])
        .env("NO_COLOR", "1")
        .env("APWIZ_NON_INTERACTIVE", "1")
        .env("APWIZ_CHART", support::chart())
        .env("APWIZ_HELM", support::helm())
        .env("APWIZ_CONFIG", dir.join("no-such-config.yaml"))
        .env("APWIZ_STATE_DIR", dir.join("state"))
        .env("KUBECONFIG", &cluster.kubeconfig)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run apwiz deploy");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    // Wait (bounded) until the watch shows the pod Pending.
    let mut lines = Vec::new();
    loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no pending pod in the stream:\n{}", lines.join("\n")));
        let pending = serde_json::from_str::<Value>(&line).is_ok_and(|e| {
            e["event"] == "object" && e["object"]["kind"] == "Pod" && e["state"] == "Pending"
        });
        lines.push(line);
        if pending {
            break;
        }
    }
    let out = cluster.script(&["restart-apiserver"]);
    assert!(
        out.status.success(),
        "restart-apiserver: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    cluster.kubectl(&["label", "node", "node-000000", "apwiz.test/restart=go"]);
    let status = child.wait().expect("apwiz deploy");
    reader.join().expect("reader");
    lines.extend(rx.try_iter());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    let all = lines.join("\n");
    assert_eq!(status.code(), Some(0), "{all}\n{stderr}");
    let events = json_lines(&all);
    let notice = |part: &str| {
        events
            .iter()
            .find(|e| e["event"] == "notice" && e["message"].as_str().unwrap().contains(part))
            .and_then(|e| e["seq"].as_u64())
    };
    let lost = notice("watch of pods interrupted").unwrap_or_else(|| panic!("{all}"));
    assert!(
        events.iter().any(|e| e["seq"].as_u64() == Some(lost)
            && e["message"].as_str().unwrap().contains("reconnecting")),
        "{all}"
    );
    let back = notice("watch of pods reconnected").unwrap_or_else(|| panic!("{all}"));
    assert!(lost < back, "{all}");
    // Rows are keyed by UID: the lists after the reconnect repeat nothing already shown.
    let rows: Vec<(String, String)> = events
        .iter()
        .filter(|e| e["event"] == "object")
        .map(|e| {
            (
                e["object"]["uid"].as_str().unwrap().to_string(),
                e["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let unique: std::collections::BTreeSet<_> = rows.iter().collect();
    assert_eq!(unique.len(), rows.len(), "a row repeated:\n{all}");
    // And what changed after the restart was seen: the pod scheduled and ready, once.
    let ready: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "object" && e["state"] == "Running, ready")
        .collect();
    assert_eq!(ready.len(), 1, "{all}");
    assert!(ready[0]["seq"].as_u64().unwrap() > lost, "{all}");
    assert_eq!(events.last().unwrap()["ok"], true, "{all}");
}

#[test]
fn deploy_local_starts_or_reuses_the_projects_control_plane_when_no_context_is_configured() {
    let ns = namespace("rel-local");
    let dir = team("rel-local");
    // No kubeconfig anywhere: --local runs scripts/control-plane.sh up of this checkout, which
    // reuses the running cluster (the one APWIZ_CLUSTER_DIR names, as for every test here).
    // HOME moves away from ~/.kube; the control plane's binaries stay in the real cache.
    let cache = std::env::var_os("APWIZ_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|x| PathBuf::from(x).join("apwiz")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/apwiz")))
        .expect("HOME is set");
    let no_kube = [
        ("KUBECONFIG", "/nonexistent/kubeconfig"),
        ("HOME", dir.to_str().expect("utf-8")),
        ("APWIZ_CACHE", cache.to_str().expect("utf-8")),
    ];
    let r = apwiz_env(
        &dir,
        &["deploy", "--local", "--release", "web", "-n", &ns, "--yes"],
        &no_kube,
    )
    .expect(0);
    assert!(
        r.stderr.contains("control-plane.sh up") && r.stderr.contains("already up"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("deploy succeeded"), "{}", r.stdout);
    assert!(release_records(&ns).contains("sh.helm.release.v1.web.v1"));
    // An explicit cluster and --local contradict each other.
    let r = apwiz_env(
        &dir,
        &["deploy", "--local", "--kubeconfig", "x.yaml", "--yes"],
        &no_kube,
    )
    .expect(2);
    assert!(r.stderr.contains("--kubeconfig"), "{}", r.stderr);
    // A control-plane script that is not there is named, with the fix.
    let r = apwiz_env(
        &dir,
        &["deploy", "--local", "--release", "web", "-n", &ns, "--yes"],
        &[
            no_kube[0],
            no_kube[1],
            no_kube[2],
            ("APWIZ_CONTROL_PLANE", "/nonexistent/control-plane.sh"),
        ],
    )
    .expect(3);
    assert!(
        r.stderr
            .contains("APWIZ_CONTROL_PLANE=/nonexistent/control-plane.sh is not a file"),
        "{}",
        r.stderr
    );
}

#[test]
fn nothing_about_a_post_hook_is_printed_before_the_post_hooks_phase() {
    let ns = namespace("rel-post");
    let dir = team("rel-post");
    for _ in 0..2 {
        let r = apwiz(&dir, &["deploy", "--release", "web", "-n", &ns, "--yes"]).expect(0);
        let out = &r.stdout;
        let phase = out
            .find("== post-hooks started")
            .unwrap_or_else(|| panic!("no post-hooks phase:\n{out}"));
        // The hook's Job, its pod and the Events about either: all after the phase line (the
        // plan's validation warnings, before the pre-checks, name the Job before anything runs).
        let plan_end = out.find("✓ api-server").unwrap_or(0);
        let first = plan_end
            + out[plan_end..]
                .find("web-announce")
                .unwrap_or_else(|| panic!("no post hook rows:\n{out}"));
        assert!(phase < first, "{out}");
    }
}

/// Secrets in plain sight (issue 21 item 6): a plain secret-looking value given with `--set` is
/// a validation warning the line-mode deploy prints, and the value itself appears nowhere:
/// neither in the diff of the upgrade that changes it (`(changed, value hidden)`), nor on stdout
/// or stderr, nor in the run records.
#[test]
fn deploy_warns_about_a_plain_secret_and_never_prints_it() {
    let ns = namespace("rel-secret");
    let dir = scratch("rel-secret");
    write(
        &dir,
        "values.yaml",
        "image: ghcr.io/acme/web:1.0.0\nreplicas: 1\nport: 8080\n",
    );
    write(&dir, "values-dev.yaml", "replicas: 1\n");
    let deploy = |password: &str| {
        let set = format!("env.DB_PASSWORD={password}");
        let r = apwiz(
            &dir,
            &[
                "deploy",
                "--env",
                "dev",
                "--release",
                "web",
                "-n",
                &ns,
                "--yes",
                "--set",
                &set,
            ],
        )
        .expect(0);
        for (what, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(
                !text.contains(password),
                "{what} printed the password:\n{text}"
            );
        }
        assert!(
            r.stdout.contains("validation warning") && r.stdout.contains("no-plain-secret-env"),
            "no warning:\n{}",
            r.stdout
        );
        r
    };
    deploy("hunter1-first");
    let r = deploy("hunter2-secret");
    assert!(
        r.stdout
            .contains("spec.template.spec.containers[0].env[0].value: (changed, value hidden)"),
        "{}",
        r.stdout
    );
    // the same diff as JSON: the change is there, its values are not
    let d = apwiz(
        &dir,
        &[
            "diff",
            "--env",
            "dev",
            "--release",
            "web",
            "-n",
            &ns,
            "--set",
            "env.DB_PASSWORD=hunter3-json",
            "--format",
            "json",
        ],
    )
    .expect(2);
    assert!(!d.stdout.contains("hunter3"), "{}", d.stdout);
    let path = &d.json()["changes"][0]["paths"][0];
    assert_eq!(path["hidden"], true, "{}", d.stdout);
    assert!(
        path.get("new").is_none() && path.get("old").is_none(),
        "{path}"
    );
    let records = run_records(&dir);
    assert_eq!(records.len(), 2);
    for r in &records {
        let text = r.to_string();
        assert!(
            !text.contains("hunter"),
            "a run record holds the password: {text}"
        );
    }
}

/// `apwiz deploy --env prod` and tag-only images: `--yes` says so and deploys the tags (the
/// file untouched); `--pin` pins first, and a registry that cannot be reached stops the deploy
/// before anything changes, naming the registry, with the file untouched.
#[test]
fn deploy_to_prod_offers_to_pin_tag_only_images() {
    let ns = namespace("rel-pin");
    let dir = scratch("rel-pin");
    // (no helm test Pod: its busybox image would be one more tag to pin, from a registry on
    // the internet)
    write(
        &dir,
        "values.yaml",
        "image: ghcr.io/acme/web:1.0.0\nreplicas: 1\nport: 8080\ntests: {enabled: false}\n",
    );
    let prod = "# prod: the team's comment\nreplicas: 1\n";
    write(&dir, "values-prod.yaml", prod);
    let deploy = |extra: &[&str]| {
        let mut args = vec![
            "deploy",
            "--env",
            "prod",
            "--release",
            "web",
            "-n",
            &ns,
            "--yes",
        ];
        args.extend(extra);
        apwiz(&dir, &args)
    };
    let r = deploy(&[]).expect(0);
    assert!(
        r.stdout.contains(
            "values-prod.yaml: 1 image(s) with a tag and no digest (ghcr.io/acme/web:1.0.0); \
             deploying the tags as they are (--yes does not pin"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("values-prod.yaml")).unwrap(),
        prod
    );
    assert_eq!(history(&dir, &ns), vec![(1, "deployed".into())]);

    // --pin: the registry (nothing listens on port 9) cannot be reached: no deploy, no write
    let unreachable =
        "# prod: the team's comment\nreplicas: 1\nimage: 127.0.0.1:9/acme/web:1.0.0\n";
    write(&dir, "values-prod.yaml", unreachable);
    let r = deploy(&["--pin"]);
    assert_ne!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("pinning 127.0.0.1:9/acme/web:1.0.0 (--pin)"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("127.0.0.1:9"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("values-prod.yaml")).unwrap(),
        unreachable
    );
    assert_eq!(history(&dir, &ns), vec![(1, "deployed".into())]);
}
