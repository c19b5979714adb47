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
    assert!(at("== pre-hooks started") < at("Job/web-prepare"), "{out}");
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
