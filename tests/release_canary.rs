//! `apwiz canary` on the local control plane (Helm 4, and Helm 3 in the README's test command):
//! start at 20 %, step to 50 % without re-running hooks or restarting a pod, promote (the canary's
//! image written into the team's values.yaml, comments kept; the canary gone), then a second
//! canary aborted. The weights are read back from the HTTPRoute the API server stored.
mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use support::cli::{Run, apwiz_env, write};
use support::{fresh_namespace, kubeconfig, kubectl, scratch};

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

fn json(ns: &str, what: &[&str]) -> Value {
    let mut args = vec!["get"];
    args.extend(what);
    args.extend(["-n", ns, "-o", "json"]);
    let (ok, out, err) = kubectl(&args);
    assert!(ok, "kubectl get {what:?}: {err}");
    serde_json::from_str(&out).expect("kubectl printed JSON")
}

/// Pod name → UID of one side (component label).
fn pods(ns: &str, component: &str) -> BTreeMap<String, String> {
    let sel = format!("app.kubernetes.io/instance=cn,app.kubernetes.io/component={component}");
    json(ns, &["pods", "-l", &sel])["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .map(|p| {
            (
                p["metadata"]["name"].as_str().unwrap().to_string(),
                p["metadata"]["uid"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `apwiz canary ARGS --release cn -n NS --yes`.
fn canary(dir: &Path, ns: &str, args: &[&str]) -> Run {
    let mut all = vec!["canary"];
    all.extend(args);
    all.extend(["--release", "cn", "-n", ns, "--yes"]);
    apwiz(dir, &all)
}

/// The canary's status line as JSON.
fn status(dir: &Path, ns: &str) -> Value {
    let r = apwiz(
        dir,
        &[
            "canary",
            "status",
            "--release",
            "cn",
            "-n",
            ns,
            "--format",
            "json",
        ],
    )
    .expect(0);
    r.json()["status"].clone()
}

fn hook_uid(ns: &str) -> String {
    json(ns, &["job", "cn-prepare"])["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn canary_starts_steps_promotes_and_aborts() {
    let ns = fresh_namespace("rel-canary");
    let dir = scratch("rel-canary");
    write(
        &dir,
        "values.yaml",
        "# the shop\nimage: nginxinc/nginx-unprivileged:1.27   # stable image\nreplicas: 2\n\
         tests:\n  enabled: false\nroute:\n  enabled: true\n  parentRefs:\n    - name: public\n\
         hooks:\n  prepare:\n    events: [pre-install, pre-upgrade]\n    command: [sh, -c, echo preparing]\n    deletePolicy: [before-hook-creation]\n",
    );
    let ns_s = ns.as_str();
    apwiz(&dir, &["deploy", "--release", "cn", "-n", ns_s, "--yes"]).expect(0);
    let stable = pods(&ns, "app-platform");
    assert_eq!(stable.len(), 2, "{stable:?}");
    let off = status(&dir, &ns);
    assert!(off["canaryImage"].is_null(), "{off}");

    // A step before a start says what to do.
    let r = canary(&dir, ns_s, &["step", "50"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no canary running"), "{}", r.stderr);

    // start at 20 %: the canary's own Deployment; the route splits 80/20; stable untouched.
    canary(&dir, ns_s, &["start", "--tag", "1.27.3", "--weight", "20"]).expect(0);
    let s = status(&dir, &ns);
    assert_eq!(s["setWeight"], 20, "{s}");
    assert_eq!(
        s["canaryImage"], "nginxinc/nginx-unprivileged:1.27.3",
        "{s}"
    );
    assert_eq!(
        s["route"],
        serde_json::json!([["cn", 80], ["cn-canary", 20]]),
        "the route as the API server stored it"
    );
    assert_eq!(pods(&ns, "app-platform"), stable, "stable pods restarted");
    let canary_pods = pods(&ns, "app-platform-canary");
    assert_eq!(canary_pods.len(), 1);
    let hook = hook_uid(&ns);

    // step to 50 %: only the route changes; the hooks do not run again (same Job UID).
    let r = canary(&dir, ns_s, &["step", "50"]).expect(0);
    assert!(
        r.stdout.contains("route sends 50% to the canary"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("pre-hooks"),
        "a step runs no hooks:\n{}",
        r.stdout
    );
    assert_eq!(hook_uid(&ns), hook, "the pre-upgrade hook ran again");
    assert_eq!(pods(&ns, "app-platform"), stable);
    assert_eq!(pods(&ns, "app-platform-canary"), canary_pods);

    // promote: the canary's image is the service's, in the cluster and in the team's file.
    canary(&dir, ns_s, &["promote"]).expect(0);
    let d = json(&ns, &["deployment", "cn"]);
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginxinc/nginx-unprivileged:1.27.3"
    );
    let file = std::fs::read_to_string(dir.join("values.yaml")).unwrap();
    assert!(
        file.contains("image: nginxinc/nginx-unprivileged:1.27.3   # stable image")
            && file.starts_with("# the shop\n"),
        "the image written, comments kept:\n{file}"
    );
    let (gone, _, _) = kubectl(&["get", "deployment", "cn-canary", "-n", ns_s]);
    assert!(!gone, "the canary Deployment is gone after promotion");
    // A plain deploy now keeps the promoted image (nothing to change in the manifests).
    let r = apwiz(&dir, &["diff", "--release", "cn", "-n", ns_s]);
    assert_eq!(
        r.code, 0,
        "no diff after promotion:\n{}{}",
        r.stdout, r.stderr
    );

    // A second canary, aborted: all traffic back to stable.
    canary(
        &dir,
        ns_s,
        &["start", "--image", "nginxinc/nginx-unprivileged:1.28"],
    )
    .expect(0);
    assert_eq!(
        status(&dir, &ns)["setWeight"],
        5,
        "the default first weight"
    );
    canary(&dir, ns_s, &["abort"]).expect(0);
    let s = status(&dir, &ns);
    assert!(s["canaryImage"].is_null(), "{s}");
    assert_eq!(s["route"], serde_json::json!([["cn", 1]]), "{s}");
    apwiz(&dir, &["uninstall", "--release", "cn", "-n", ns_s, "--yes"]).expect(0);
}
