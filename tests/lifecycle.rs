//! The chart's whole release lifecycle on a real control plane: kube-apiserver, controller-manager,
//! scheduler and etcd, with kwok standing in for kubelets (this machine runs no containers).
//! `scripts/control-plane.sh up` starts it (or reuses it) and prints its kubeconfig.
//!
//! kwok's stages (scripts/control-plane/kwok.yaml) play the kubelet: pods become Ready, Job pods
//! and `helm test` pods succeed, and a pod annotated `apwiz.test/fail: "true"` fails — the only
//! stand-in in these tests, and the way failure paths are driven.
//!
//! Every namespace is labelled `pod-security.kubernetes.io/{enforce,audit,warn}=restricted`.
//! Run with Helm 4 (default) and Helm 3 (`APWIZ_HELM=.tools/bin/helm3`); names carry the major.
mod support;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use support::{helm, kubeconfig, parse_manifests, repo, tempdir};

const TIMEOUT: &str = "180s";

fn ran(out: Output) -> Ran {
    Ran {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the helm under test against the cluster.
fn helm_run(args: &[&str]) -> Ran {
    ran(Command::new(helm())
        .args(args)
        .env("KUBECONFIG", kubeconfig())
        .env("NO_COLOR", "1")
        .current_dir(repo())
        .output()
        .expect("run helm"))
}

fn helm_ok(args: &[&str]) -> String {
    let r = helm_run(args);
    assert!(
        r.ok,
        "helm {} failed:\n{}{}{}",
        args.join(" "),
        r.stdout,
        r.stderr,
        namespace_state(args)
    );
    r.stdout
}

/// What the namespace of a failed helm call looked like: its pods, claims and volumes, and its
/// events oldest first — so a wait that times out under kwok says what it was waiting on.
fn namespace_state(args: &[&str]) -> String {
    let Some(ns) = args
        .windows(2)
        .find(|w| w[0] == "-n" || w[0] == "--namespace")
        .map(|w| w[1])
    else {
        return String::new();
    };
    let mut out = format!("\n--- namespace {ns} when helm gave up ---\n");
    for query in [
        &["get", "pods,pvc", "-n", ns, "-o", "wide"][..],
        &["get", "pv"][..],
        &["get", "events", "-n", ns, "--sort-by=.lastTimestamp"][..],
    ] {
        let r = kubectl(query, None);
        out.push_str(&format!(
            "$ kubectl {}\n{}{}",
            query.join(" "),
            r.stdout,
            r.stderr
        ));
    }
    out
}

fn kubectl_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let r = kubectl(&all, None);
    assert!(r.ok, "kubectl {}: {}", args.join(" "), r.stderr);
    serde_json::from_str(&r.stdout).expect("kubectl printed JSON")
}

use support::{Ran, fresh_namespace as namespace, helm_major, kubectl_in as kubectl};

/// Flags that differ between Helm 4 and Helm 3.
fn rollback_on_failure() -> &'static str {
    if helm_major() == "3" {
        "--atomic"
    } else {
        "--rollback-on-failure"
    }
}

fn values_args(files: &[&str]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| ["-f".to_string(), repo().join(f).display().to_string()])
        .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A helm command line: the command and its arguments, then each of the extra parts in order
/// (namespace and timeout flags, value files).
fn args<'a>(head: &[&'a str], parts: &[&[&'a str]]) -> Vec<&'a str> {
    let mut all = head.to_vec();
    for part in parts {
        all.extend_from_slice(part);
    }
    all
}

/// Installs with --dry-run=server, then submits the same objects to the API server with
/// dryRun=All (`kubectl apply --dry-run=server`): admission, validation and Pod Security run on
/// every object. Fails on any error or PodSecurity warning.
fn assert_accepted(ns: &str, release: &str, chart: &Path, files: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let chart_s = chart.display().to_string();
    let mut install = vec!["install", release, &chart_s, "-n", ns, "--dry-run=server"];
    install.extend(strs(files));
    let r = helm_run(&install);
    if !r.ok || r.stderr.contains("PodSecurity") {
        problems.push(format!(
            "{release}: helm install --dry-run=server: {}",
            r.stderr.trim()
        ));
    }
    let mut template = vec![
        "template",
        release,
        &chart_s,
        "-n",
        ns,
        "--kube-version",
        "1.34.0",
    ];
    template.extend(strs(files));
    let rendered = helm_ok(&template);
    let objects = parse_manifests(&rendered).len();
    let r = kubectl(
        &["apply", "--dry-run=server", "-n", ns, "-f", "-"],
        Some(&rendered),
    );
    if !r.ok || r.stderr.contains("PodSecurity") || r.stderr.contains("Warning") {
        problems.push(format!(
            "{release}: kubectl apply --dry-run=server: {}",
            r.stderr.trim()
        ));
    }
    let applied = r
        .stdout
        .lines()
        .filter(|l| l.contains("(server dry run)"))
        .count();
    if r.ok && applied != objects {
        problems.push(format!(
            "{release}: the API server took {applied} of {objects} objects"
        ));
    }
    problems
}

#[test]
fn every_example_and_preset_is_accepted_by_the_api_server_under_restricted() {
    let ns = namespace("lc-dryrun");
    let chart = repo().join("chart");
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut examples: Vec<String> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| format!("examples/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    examples.push("examples/robot-shop/values.yaml".into());
    examples.sort();
    for example in &examples {
        for env in ["dev", "staging", "prod"] {
            let files = values_args(&[example, &format!("chart/values-{env}.yaml")]);
            problems.extend(assert_accepted(&ns, "ex", &chart, &files));
            checked += 1;
        }
    }
    // presets: written by `apwiz new` with each preset's example answers
    let all = apwiz::testing::core::inputs::presets::builtin().expect("presets parse");
    let envs: Vec<&str> = all
        .iter()
        .filter(|p| p.kind == apwiz::testing::core::inputs::presets::PresetKind::Environment)
        .map(|p| p.name.as_str())
        .collect();
    for preset in all
        .iter()
        .filter(|p| p.kind == apwiz::testing::core::inputs::presets::PresetKind::Workload)
    {
        let answers =
            apwiz::testing::core::docs::example_answers(preset, &all).expect("example answers");
        let dir = tempdir();
        let mut args = vec![
            "--non-interactive".to_string(),
            "new".into(),
            "--preset".into(),
            preset.name.clone(),
        ];
        args.extend(["--name".into(), answers.name.clone()]);
        if let Some(image) = &answers.image {
            args.extend(["--image".into(), image.clone()]);
        }
        args.extend([
            "--env".into(),
            envs.join(","),
            "--out".into(),
            dir.display().to_string(),
        ]);
        for s in &answers.set {
            args.extend(["--set".into(), s.raw.clone()]);
        }
        let out = Command::new(env!("CARGO_BIN_EXE_apwiz"))
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "apwiz new {}: {}",
            preset.name,
            String::from_utf8_lossy(&out.stderr)
        );
        for env in &envs {
            let files = vec![
                "-f".to_string(),
                dir.join("values.yaml").display().to_string(),
                "-f".into(),
                dir.join(format!("values-{env}.yaml")).display().to_string(),
            ];
            problems.extend(assert_accepted(&ns, &preset.name, &chart, &files));
            checked += 1;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(checked >= 18 * 3, "checked only {checked} combinations");
    assert!(
        problems.is_empty(),
        "{} of {checked} failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn job(ns: &str, name: &str) -> Value {
    kubectl_json(&["get", "job", name, "-n", ns])
}

fn uid(o: &Value) -> String {
    o["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn created(o: &Value) -> String {
    o["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn completed(o: &Value) -> String {
    let t = o["status"]["completionTime"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        !t.is_empty(),
        "job {} did not complete: {}",
        o["metadata"]["name"],
        o["status"]
    );
    t
}

fn assert_ready(ns: &str, release: &str) {
    let selector = format!("app.kubernetes.io/instance={release}");
    let deployments = kubectl_json(&["get", "deployments", "-n", ns, "-l", &selector]);
    for d in deployments["items"].as_array().unwrap() {
        assert_eq!(
            d["status"]["availableReplicas"], d["spec"]["replicas"],
            "Deployment {} not available",
            d["metadata"]["name"]
        );
    }
    let sets = kubectl_json(&["get", "statefulsets", "-n", ns, "-l", &selector]);
    for s in sets["items"].as_array().unwrap() {
        assert_eq!(
            s["status"]["readyReplicas"], s["spec"]["replicas"],
            "StatefulSet {} not ready",
            s["metadata"]["name"]
        );
    }
    assert!(
        !deployments["items"].as_array().unwrap().is_empty()
            || !sets["items"].as_array().unwrap().is_empty(),
        "{release} has no workloads"
    );
}

fn history(ns: &str, release: &str) -> Vec<(u64, String)> {
    let out = helm_ok(&["history", release, "-n", ns, "-o", "json"]);
    let v: Value = serde_json::from_str(&out).expect("history JSON");
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_u64().unwrap(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn manifest(ns: &str, release: &str, revision: Option<u64>) -> String {
    let rev = revision.map(|r| r.to_string());
    let mut args = vec!["get", "manifest", release, "-n", ns];
    if let Some(r) = &rev {
        args.extend(["--revision", r]);
    }
    helm_ok(&args)
}

#[test]
fn four_services_install_upgrade_roll_back_test_and_uninstall() {
    let ns = namespace("lc-four");
    let rel = "lc";
    let files = values_args(&[
        "examples/four-services.yaml",
        "tests/fixtures/lifecycle-hooks.yaml",
    ]);
    let base: Vec<&str> = ["--namespace", ns.as_str(), "--timeout", TIMEOUT].to_vec();
    let files = strs(&files);

    // install, waiting for readiness: hooks ran pre-install → post-install
    let install = args(&["install", rel, "chart", "--wait"], &[&base, &files]);
    helm_ok(&install);
    assert_ready(&ns, rel);
    let preflight = job(&ns, "lc-api-preflight");
    let welcome = job(&ns, "lc-api-welcome");
    let migrate = job(&ns, "lc-api-migrate");
    let smoke = job(&ns, "lc-api-smoke");
    for post in [&welcome, &migrate, &smoke] {
        assert!(
            completed(&preflight) <= created(post),
            "pre-install must finish before post-install hooks start"
        );
        completed(post);
    }
    assert_eq!(history(&ns, rel), vec![(1, "deployed".to_string())]);

    // upgrade: pre-upgrade and post-upgrade hooks run, post-install-only hooks do not
    let upgrade = args(
        &[
            "upgrade",
            rel,
            "chart",
            "--wait",
            "--set",
            "env.RELEASE_NOTE=second",
        ],
        &[&base, &files],
    );
    helm_ok(&upgrade);
    assert_ready(&ns, rel);
    let migrate2 = job(&ns, "lc-api-migrate");
    let smoke2 = job(&ns, "lc-api-smoke");
    assert_ne!(
        uid(&migrate2),
        uid(&migrate),
        "pre-upgrade migration ran again"
    );
    assert_ne!(
        uid(&smoke2),
        uid(&smoke),
        "post-upgrade smoke test ran again"
    );
    assert!(
        completed(&migrate2) <= created(&smoke2),
        "pre-upgrade finishes before post-upgrade starts"
    );
    assert_eq!(
        uid(&job(&ns, "lc-api-welcome")),
        uid(&welcome),
        "a post-install hook must not run on upgrade"
    );
    assert_eq!(
        uid(&job(&ns, "lc-api-preflight")),
        uid(&preflight),
        "a pre-install hook must not run on upgrade"
    );
    let good = manifest(&ns, rel, None);

    // an upgrade whose pre-upgrade hook fails is rolled back automatically
    let failing = args(
        &[
            "upgrade",
            rel,
            "chart",
            rollback_on_failure(),
            "--set",
            "env.RELEASE_NOTE=third",
            "--set-string",
            "services.api.hooks.migrate.podAnnotations.apwiz\\.test/fail=true",
        ],
        &[&base, &files],
    );
    let r = helm_run(&failing);
    assert!(
        !r.ok,
        "the upgrade with a failing hook must fail:\n{}",
        r.stdout
    );
    let h = history(&ns, rel);
    assert_eq!(
        h.len(),
        4,
        "install, upgrade, failed upgrade, rollback: {h:?}"
    );
    assert_eq!(h[2].1, "failed", "{h:?}");
    assert_eq!(h[3].1, "deployed", "{h:?}");
    assert_eq!(
        manifest(&ns, rel, None),
        good,
        "the rollback restores the last good revision"
    );
    assert_ready(&ns, rel);

    // helm rollback to revision 1 restores its manifest exactly
    let rollback = args(&["rollback", rel, "1", "--wait"], &[&base]);
    helm_ok(&rollback);
    assert_eq!(manifest(&ns, rel, None), manifest(&ns, rel, Some(1)));
    assert_eq!(history(&ns, rel).last().unwrap().1, "deployed");
    assert_ready(&ns, rel);

    // helm test passes
    let test = args(&["test", rel], &[&base]);
    let out = helm_ok(&test);
    for svc in ["api", "cache", "database", "web"] {
        assert!(
            out.contains(&format!("lc-{svc}-test")),
            "helm test ran {svc}'s test pod:\n{out}"
        );
    }
    assert!(out.contains("Succeeded"), "{out}");

    // uninstall: pre-delete and post-delete hooks run; nothing of the release is left but the
    // hook Jobs (kept by their delete policy) and the claims the retention policy keeps
    let uninstall = args(&["uninstall", rel, "--wait"], &[&base]);
    helm_ok(&uninstall);
    completed(&job(&ns, "lc-api-export"));
    completed(&job(&ns, "lc-api-cleanup"));
    let selector = format!("app.kubernetes.io/instance={rel}");
    let kinds = "deployments,statefulsets,services,configmaps,serviceaccounts,networkpolicies,poddisruptionbudgets,horizontalpodautoscalers,cronjobs,endpointslices,ingresses,roles,rolebindings";
    let left = kubectl_json(&["get", kinds, "-n", &ns, "-l", &selector]);
    let left: Vec<String> = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| {
            o["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"]
                != "endpointslice-controller.k8s.io"
        })
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let secrets = kubectl_json(&["get", "secrets", "-n", &ns, "-l", "owner=helm"]);
    assert!(
        secrets["items"].as_array().unwrap().is_empty(),
        "release secrets left"
    );
    // claims: database keeps its data (Retain), cache's go with its StatefulSet (Delete)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let pvcs = kubectl_json(&["get", "pvc", "-n", &ns]);
        let names: Vec<String> = pvcs["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        let cache_gone = names.iter().all(|n| !n.contains("lc-cache"));
        if cache_gone || std::time::Instant::now() > deadline {
            assert!(
                cache_gone,
                "cache claims (whenDeleted: Delete) must go: {names:?}"
            );
            assert!(
                names.iter().any(|n| n.starts_with("data-lc-database-")),
                "database claims (Retain) must stay: {names:?}"
            );
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

#[test]
fn a_failing_test_pod_is_reported_as_failed() {
    let ns = namespace("lc-failtest");
    let files = values_args(&["examples/web-app.yaml"]);
    let mut install = vec![
        "install",
        "ft",
        "chart",
        "--wait",
        "-n",
        &ns,
        "--timeout",
        TIMEOUT,
    ];
    install.extend(strs(&files));
    install.extend([
        "--set-string",
        "tests.podAnnotations.apwiz\\.test/fail=true",
    ]);
    helm_ok(&install);
    let r = helm_run(&["test", "ft", "-n", &ns, "--timeout", TIMEOUT]);
    assert!(!r.ok, "helm test must fail:\n{}", r.stdout);
    let text = format!("{}{}", r.stdout, r.stderr);
    assert!(text.contains("ft-test"), "names the failed pod:\n{text}");
    assert!(text.contains("failed") || text.contains("Failed"), "{text}");
    helm_ok(&["uninstall", "ft", "-n", &ns, "--wait", "--timeout", TIMEOUT]);
}

#[test]
fn the_umbrella_and_robot_shop_install_and_become_ready() {
    let ns = namespace("lc-compose");
    // the umbrella: four aliases of the chart through file:// dependencies
    let platform = repo().join("examples/platform");
    helm_ok(&["dependency", "build", platform.to_str().unwrap()]);
    helm_ok(&[
        "install",
        "shop",
        platform.to_str().unwrap(),
        "--wait",
        "-n",
        &ns,
        "--timeout",
        TIMEOUT,
    ]);
    assert_ready(&ns, "shop");
    let sets = kubectl_json(&[
        "get",
        "statefulsets",
        "-n",
        &ns,
        "-l",
        "app.kubernetes.io/instance=shop",
    ]);
    assert_eq!(
        sets["items"].as_array().unwrap().len(),
        2,
        "cache and database"
    );
    // Robot-Shop: 8 deployments and 4 statefulsets
    let files = values_args(&["examples/robot-shop/values.yaml"]);
    let mut install = vec![
        "install",
        "robot",
        "chart",
        "--wait",
        "-n",
        &ns,
        "--timeout",
        "300s",
    ];
    install.extend(strs(&files));
    helm_ok(&install);
    assert_ready(&ns, "robot");
    let deployments = kubectl_json(&[
        "get",
        "deployments",
        "-n",
        &ns,
        "-l",
        "app.kubernetes.io/instance=robot",
    ]);
    let sets = kubectl_json(&[
        "get",
        "statefulsets",
        "-n",
        &ns,
        "-l",
        "app.kubernetes.io/instance=robot",
    ]);
    assert_eq!(deployments["items"].as_array().unwrap().len(), 8);
    assert_eq!(sets["items"].as_array().unwrap().len(), 4);
    let policies = kubectl_json(&[
        "get",
        "networkpolicies",
        "-n",
        &ns,
        "-l",
        "app.kubernetes.io/instance=robot",
    ]);
    assert_eq!(
        policies["items"].as_array().unwrap().len(),
        24,
        "one NetworkPolicy per service and one for its helm test Pod (<service>-helpers)"
    );
    helm_ok(&[
        "uninstall",
        "robot",
        "-n",
        &ns,
        "--wait",
        "--timeout",
        TIMEOUT,
    ]);
    helm_ok(&[
        "uninstall",
        "shop",
        "-n",
        &ns,
        "--wait",
        "--timeout",
        TIMEOUT,
    ]);
}

/// The stable pods of a single-service release (component = the chart name): name → UID, without
/// pods on their way out.
fn pods_of(ns: &str, release: &str, component: &str) -> std::collections::BTreeMap<String, String> {
    let selector =
        format!("app.kubernetes.io/instance={release},app.kubernetes.io/component={component}");
    let pods = kubectl_json(&["get", "pods", "-n", ns, "-l", &selector]);
    pods["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .map(|p| (p["metadata"]["name"].as_str().unwrap().to_string(), uid(p)))
        .collect()
}

/// (Service name, weight) of the HTTPRoute's backends, as the API server stored them (it
/// defaults an omitted weight to 1: one backend without a weight gets every request).
fn route_backends(ns: &str, name: &str) -> Vec<(String, u64)> {
    let route = kubectl_json(&["get", "httproute", name, "-n", ns]);
    route["spec"]["rules"][0]["backendRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["weight"].as_u64().expect("a weight"),
            )
        })
        .collect()
}

/// A canary at weight 20 installs next to the stable Deployment, steps to 50 and is promoted
/// with a plain upgrade; the stable pods keep their UIDs until the promotion replaces them.
#[test]
fn a_canary_steps_and_is_promoted_without_restarting_stable_pods_before_promotion() {
    let ns = namespace("lc-canary");
    let rel = "cn";
    let base: Vec<&str> = ["--namespace", ns.as_str(), "--timeout", TIMEOUT].to_vec();
    let stable_values = [
        "--set",
        "image=nginxinc/nginx-unprivileged:1.27",
        "--set",
        "replicas=2",
        "--set",
        "tests.enabled=false",
        "--set",
        "route.enabled=true",
        "--set",
        "route.parentRefs[0].name=public",
    ];
    let canary = |weight: &'static str| -> Vec<&'static str> {
        vec![
            "--set",
            "canary.enabled=true",
            "--set-string",
            "canary.tag=1.27.3",
            "--set",
            weight,
        ]
    };
    helm_ok(&args(
        &["install", rel, "chart", "--wait"],
        &[&base, &stable_values],
    ));
    let stable = pods_of(&ns, rel, "app-platform");
    assert_eq!(stable.len(), 2, "{stable:?}");
    assert_eq!(route_backends(&ns, rel), vec![(rel.to_string(), 1)]);

    // the canary at weight 20: its own Deployment, Service and pods; stable pods untouched
    let w20 = canary("canary.weight=20");
    helm_ok(&args(
        &["upgrade", rel, "chart", "--wait"],
        &[&base, &stable_values, &w20],
    ));
    assert_ready(&ns, rel);
    assert_eq!(
        pods_of(&ns, rel, "app-platform"),
        stable,
        "stable pods restarted"
    );
    let canary_pods = pods_of(&ns, rel, "app-platform-canary");
    assert_eq!(canary_pods.len(), 1, "{canary_pods:?}");
    let d = kubectl_json(&["get", "deployment", "cn-canary", "-n", &ns]);
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginxinc/nginx-unprivileged:1.27.3"
    );
    kubectl_json(&["get", "service", "cn-canary", "-n", &ns]);
    assert_eq!(
        route_backends(&ns, rel),
        vec![(rel.to_string(), 80), ("cn-canary".to_string(), 20)]
    );

    // step to 50: only the route changes, no pod of either Deployment restarts
    let w50 = canary("canary.weight=50");
    helm_ok(&args(
        &["upgrade", rel, "chart", "--wait"],
        &[&base, &stable_values, &w50],
    ));
    assert_eq!(
        pods_of(&ns, rel, "app-platform"),
        stable,
        "stable pods restarted"
    );
    assert_eq!(pods_of(&ns, rel, "app-platform-canary"), canary_pods);
    assert_eq!(
        route_backends(&ns, rel),
        vec![(rel.to_string(), 50), ("cn-canary".to_string(), 50)]
    );

    // promotion: a plain upgrade with the canary's image as the service's, canary off
    helm_ok(&args(
        &[
            "upgrade",
            rel,
            "chart",
            "--wait",
            "--set",
            "canary.enabled=false",
        ],
        &[
            &base,
            &stable_values,
            &["--set", "image=nginxinc/nginx-unprivileged:1.27.3"],
        ],
    ));
    assert_ready(&ns, rel);
    let d = kubectl_json(&["get", "deployment", rel, "-n", &ns]);
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginxinc/nginx-unprivileged:1.27.3"
    );
    let r = kubectl(&["get", "deployment,service", "cn-canary", "-n", &ns], None);
    assert!(
        !r.ok && r.stderr.contains("NotFound"),
        "the canary is gone after promotion: {}{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(route_backends(&ns, rel), vec![(rel.to_string(), 1)]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let now = pods_of(&ns, rel, "app-platform");
        if (now.len() == 2 && now.values().all(|u| !stable.values().any(|s| s == u)))
            || std::time::Instant::now() > deadline
        {
            assert!(
                now.values().all(|u| !stable.values().any(|s| s == u)),
                "promotion replaces the stable pods: {now:?} vs {stable:?}"
            );
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    helm_ok(&args(&["uninstall", rel, "--wait"], &[&base]));
}

/// A release with externalSecrets installs: the API server takes its ExternalSecrets (the
/// operator's CRD, installed by scripts/control-plane.sh) and the pods read their Secrets.
#[test]
fn an_external_secrets_release_installs() {
    let ns = namespace("lc-secrets");
    let rel = "es";
    let files = values_args(&["examples/external-secrets.yaml"]);
    let base: Vec<&str> = ["--namespace", ns.as_str(), "--timeout", TIMEOUT].to_vec();
    helm_ok(&args(
        &[
            "install",
            rel,
            "chart",
            "--wait",
            "--set",
            "tests.enabled=false",
        ],
        &[&base, &strs(&files)],
    ));
    assert_ready(&ns, rel);
    let list = kubectl_json(&["get", "externalsecrets", "-n", &ns]);
    let mut names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["es-api-keys", "es-db"]);
    let db = kubectl_json(&["get", "externalsecret", "es-db", "-n", &ns]);
    assert_eq!(db["spec"]["target"]["name"], "es-db");
    assert_eq!(db["spec"]["secretStoreRef"]["name"], "vault");
    let d = kubectl_json(&["get", "deployment", rel, "-n", &ns]);
    // the example mounts its Secrets as files (externalSecrets.secrets.<name>.mountPath)
    // (the API server adds `defaultMode: 420`; the name and the Secret are what the chart sets)
    let volumes = &d["spec"]["template"]["spec"]["volumes"];
    assert!(
        volumes
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "secret-db" && v["secret"]["secretName"] == "es-db"),
        "{volumes}"
    );
    helm_ok(&args(&["uninstall", rel, "--wait"], &[&base]));
    let left = kubectl_json(&["get", "externalsecrets", "-n", &ns]);
    assert!(left["items"].as_array().unwrap().is_empty(), "{left}");
}

/// Cluster prerequisites: a kind the cluster does not serve (here ExternalSecret at
/// external-secrets.io/v1beta1, which the installed operator CRD no longer serves) or a storage
/// class it does not have fails the install with the chart's message, before any object of the
/// release exists; --dry-run=server says the same; offline `helm template` renders.
#[test]
fn a_missing_crd_or_storage_class_fails_the_install_before_any_object_is_created() {
    let ns = namespace("lc-prereq");
    let base: Vec<&str> = ["--namespace", ns.as_str(), "--timeout", TIMEOUT].to_vec();
    let old_api = [
        "--set",
        "externalSecrets.apiVersion=external-secrets.io/v1beta1",
        "--set",
        "externalSecrets.storeRef.name=vault",
        "--set",
        "externalSecrets.secrets.db.data.DB_PASSWORD.key=prod/shop/db",
    ];
    let gold = [
        "--set",
        "persistence.enabled=true",
        "--set",
        "persistence.storageClass=gold",
    ];
    let cases: [(&[&str], &str); 2] = [
        (
            &old_api,
            "externalSecrets.apiVersion: the cluster does not serve ExternalSecret (external-secrets.io/v1beta1), which externalSecrets renders, got \"external-secrets.io/v1beta1\". Install the External Secrets Operator",
        ),
        (
            &gold,
            "persistence.storageClass: the cluster has no StorageClass of that name, so the claim would stay Pending, got \"gold\". Set persistence.storageClass to one of: fast, standard, \"default\" (the cluster's default, standard)",
        ),
    ];
    for (values, message) in cases {
        for dry_run in [true, false] {
            let mut cmd = vec!["install", "pq", "chart"];
            if dry_run {
                cmd.push("--dry-run=server");
            }
            let r = helm_run(&args(&cmd, &[&base, values]));
            assert!(!r.ok, "the install must fail:\n{}", r.stdout);
            assert!(
                r.stderr.contains(message),
                "dry run {dry_run}: {}",
                r.stderr
            );
        }
        let left = kubectl_json(&[
            "get",
            "deployments,services,externalsecrets,persistentvolumeclaims,secrets,configmaps",
            "-n",
            &ns,
            "-l",
            "app.kubernetes.io/instance=pq",
        ]);
        assert!(left["items"].as_array().unwrap().is_empty(), "{left}");
        let releases = kubectl_json(&["get", "secrets", "-n", &ns, "-l", "owner=helm"]);
        assert!(
            releases["items"].as_array().unwrap().is_empty(),
            "no release record: {releases}"
        );
        // offline, the same values render: no cluster, no checks
        let mut offline = vec!["template", "pq", "chart", "--kube-version", "1.34.0"];
        offline.extend_from_slice(values);
        helm_ok(&offline);
    }
    // what the cluster does serve and have passes: monitoring, route, ExternalSecret v1, "standard"
    helm_ok(&args(
        &[
            "install",
            "pq",
            "chart",
            "--dry-run=server",
            "--set",
            "monitoring.enabled=true",
            "--set",
            "monitoring.scrapeInterval=30s",
            "--set",
            "route.enabled=true",
            "--set",
            "route.parentRefs[0].name=public",
            "--set",
            "externalSecrets.storeRef.name=vault",
            "--set",
            "externalSecrets.secrets.db.data.DB_PASSWORD.key=prod/shop/db",
            "--set",
            "persistence.enabled=true",
            "--set",
            "persistence.storageClass=standard",
        ],
        &[&base],
    ));
}
