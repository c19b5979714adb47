//! `apwiz validate`: every source (files, schema, chart checks, policies, lint), did-you-mean,
//! file:line accuracy across layers, YAML 1.1 warnings, JSON shape, exit codes.
mod support;

use serde_json::Value;
use support::cli::*;

const BASE: &str = "# yaml-language-server: $schema=../chart/values.schema.json\nimage: ghcr.io/acme/shop:1.4.2\nreplicas: 2\nport: 8080\n";

fn team(name: &str, base: &str, envs: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = scratch(name);
    write(&dir, "deploy/values.yaml", base);
    for (env, text) in envs {
        write(&dir, &format!("deploy/values-{env}.yaml"), text);
    }
    dir
}

fn validate(dir: &std::path::Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--format", "json", "validate", "--dir", "deploy"];
    args.extend_from_slice(extra);
    let run = apwiz(dir, &args);
    let code = run.code;
    (code, run.json())
}

fn one<'a>(report: &'a Value, source: &str, path: &str) -> &'a Value {
    findings(report, source)
        .into_iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no {source} finding at {path}:\n{report:#}"))
}

#[test]
fn valid_values_pass_every_check() {
    let dir = team("valid", BASE, &[("prod", "replicas: 3\n")]);
    let (code, r) = validate(&dir, &["--env", "prod"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["ok"], true);
    let checks: Vec<(&str, bool)> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["source"].as_str().unwrap(), c["ran"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        checks,
        vec![
            ("yaml", true),
            ("schema", true),
            ("template", true),
            ("policy", true),
            ("lint", true)
        ]
    );
    assert!(r["objects"].as_u64().unwrap() >= 2);
    let text = apwiz(&dir, &["validate", "--dir", "deploy", "--env", "prod"]).expect(0);
    assert!(
        text.stdout
            .starts_with("ok: deploy/values.yaml + deploy/values-prod.yaml valid for prod"),
        "{}",
        text.stdout
    );
}

#[test]
fn schema_errors_name_file_line_value_rule_and_fix() {
    let base = "# yaml-language-server: $schema=../chart/values.schema.json\nimage: ghcr.io/acme/shop:1.4.2\nreplicas: 2\nworkloadType: deploymnet\nreplica: 3\nservice:\n  type: clusterip\n";
    let dir = team(
        "schema",
        base,
        &[("prod", "global:\n  environment: prod\nreplicas: 5000\n")],
    );
    let (code, r) = validate(&dir, &["--env", "prod", "--no-helm"]);
    assert_eq!(code, 1);
    let f = one(&r, "schema", "workloadType");
    assert_eq!(f["file"], "deploy/values.yaml");
    assert_eq!(f["line"], 4);
    assert_eq!(f["value"], "deploymnet");
    assert_eq!(f["severity"], "error");
    assert!(f["rule"].as_str().unwrap().contains("workloadType"), "{f}");
    let text = apwiz(
        &dir,
        &["validate", "--dir", "deploy", "--env", "prod", "--no-helm"],
    )
    .expect(1);
    assert!(
        text.stdout.contains(
            "deploy/values.yaml:4 workloadType: \"deploymnet\" is not a workload type. Did you mean \"deployment\"? (one of: deployment, statefulset, daemonset, job, cronjob, external)"
        ),
        "{}",
        text.stdout
    );
    // A mistyped key.
    let f = one(&r, "schema", "replica");
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64()),
        (Some("deploy/values.yaml"), Some(5))
    );
    assert_eq!(f["fix"], "Did you mean \"replicas\"?");
    // A mistyped enum value in a nested key, case only.
    let f = one(&r, "schema", "service.type");
    assert_eq!(f["line"], 7);
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .starts_with("Did you mean \"ClusterIP\"?"),
        "{f}"
    );
    // A bound, set in the environment file: the env file's line, and the range.
    let f = one(&r, "schema", "replicas");
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64()),
        (Some("deploy/values-prod.yaml"), Some(3))
    );
    assert_eq!(f["value"], 5000);
    assert_eq!(f["fix"], "Allowed range: 1–1000.");
}

#[test]
fn locations_follow_layers_set_and_service_inheritance() {
    let base = "image: ghcr.io/acme/shop:1.4.2\nport: 0\nservices:\n  api:\n    replicas: 2\n  web:\n    port: 70000\n";
    let dir = team("layers", base, &[]);
    let (_, r) = validate(&dir, &["--no-helm", "--set", "services.api.replicas=0"]);
    // Set on the command line.
    let f = one(&r, "schema", "services.api.replicas");
    assert_eq!(f["file"], "--set");
    assert!(f.get("line").is_none());
    // Set in the service itself.
    let f = one(&r, "schema", "services.web.port");
    assert_eq!(f["line"], 7);
    // Set at the top level (the schema checks it there).
    let f = one(&r, "schema", "port");
    assert_eq!(f["line"], 2);
}

#[test]
fn chart_failures_at_render_time_carry_the_value_path() {
    let base = "image: fluent/fluent-bit:3.1.9\nworkloadType: daemonset\npersistence:\n  enabled: true\n  storageClass: default\n";
    let dir = team("template", base, &[]);
    let (code, r) = validate(&dir, &[]);
    assert_eq!(code, 1);
    let f = one(&r, "template", "persistence.enabled");
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64()),
        (Some("deploy/values.yaml"), Some(4))
    );
    assert_eq!(f["value"], true);
    assert!(f["message"].as_str().unwrap().contains("got true"), "{f}");
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("persistence.enabled: false"),
        "{f}"
    );
    assert!(
        f["rule"]
            .as_str()
            .unwrap()
            .contains("app-platform/templates/"),
        "{f}"
    );
}

#[test]
fn policies_run_on_rendered_objects() {
    let base =
        "image: ghcr.io/acme/shop:latest\nsecurity:\n  runAsUser: 0\n  runAsNonRoot: false\n";
    let dir = team("policy", base, &[]);
    let (code, r) = validate(&dir, &["--release", "shop"]);
    assert_eq!(code, 1);
    let policy = findings(&r, "policy");
    assert!(!policy.is_empty(), "{r:#}");
    for f in &policy {
        assert!(f["object"].as_str().unwrap().contains('/'), "{f}");
        assert!(f["rule"].as_str().unwrap().contains(".rego"), "{f}");
    }
    let latest = policy
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains(":latest"))
        .expect("image-pinned deny");
    assert_eq!(latest["severity"], "error");
    assert_eq!(latest["object"], "Deployment/shop");
    // The fix names security.runAsUser: the finding points at that line.
    let root = policy
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("runAsUser=0"))
        .expect("no-root deny");
    assert_eq!(
        (root["file"].as_str(), root["line"].as_u64()),
        (Some("deploy/values.yaml"), Some(3))
    );
    // A warn rule: one probe only.
    let dir = team(
        "policy-warn",
        "image: ghcr.io/acme/shop:1.4.2\nprobes:\n  readiness:\n    enabled: false\n",
        &[],
    );
    let (code, r) = validate(&dir, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert!(
        findings(&r, "policy")
            .iter()
            .any(|f| f["severity"] == "warning"),
        "{r:#}"
    );
}

#[test]
fn helm_lint_strict_is_a_source() {
    // An object name Kubernetes rejects: the schema says so, and lint --strict too.
    let dir = team(
        "lint",
        "image: ghcr.io/acme/shop:1.4.2\nfullnameOverride: Shop_X\n",
        &[],
    );
    let (code, r) = validate(&dir, &[]);
    assert_eq!(code, 1);
    let lint = findings(&r, "lint");
    assert!(
        lint.iter()
            .any(|f| f["severity"] == "error" && f["message"].as_str().unwrap().contains("Shop_X")),
        "{r:#}"
    );
    assert!(!findings(&r, "schema").is_empty());
}

#[test]
fn yaml_errors_and_yaml11_warnings() {
    let dir = team(
        "yaml",
        "image: ghcr.io/acme/shop:1.4.2\nreplicas: 3\n  port: 8080\n",
        &[],
    );
    let (code, r) = validate(&dir, &[]);
    assert_eq!(code, 1);
    let f = &findings(&r, "yaml")[0];
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64()),
        (Some("deploy/values.yaml"), Some(3))
    );
    let skipped: Vec<&Value> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ran"] == false)
        .collect();
    assert_eq!(skipped.len(), 4);

    let dir = team(
        "yaml11",
        "image: ghcr.io/acme/shop:1.4.2\nservice:\n  enabled: yes\npodLabels:\n  country: NO\nconfigFiles:\n  files:\n    mode: 0644\n",
        &[],
    );
    let (code, r) = validate(&dir, &["--no-helm"]);
    assert_eq!(code, 1);
    let warn = findings(&r, "yaml");
    assert!(warn.iter().all(|f| f["severity"] == "warning"));
    let f = warn
        .iter()
        .find(|f| f["path"] == "service.enabled")
        .expect("yes warning");
    assert_eq!(f["line"], 3);
    assert_eq!(f["value"], true);
    assert!(
        warn.iter()
            .any(|f| f["path"] == "configFiles.files.mode" && f["value"] == 420),
        "{r:#}"
    );
    let f = one(&r, "schema", "podLabels.country");
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("write \"NO\" in quotes"),
        "{f}"
    );
}

#[test]
fn json_shape() {
    let dir = team("json", "image: ghcr.io/acme/shop:1.4.2\nreplicas: 0\n", &[]);
    let (_, r) = validate(&dir, &["--no-helm"]);
    for key in [
        "ok", "errors", "warnings", "files", "checks", "findings", "objects", "timings",
    ] {
        assert!(r.get(key).is_some(), "no {key} in {r:#}");
    }
    assert_eq!(r["errors"], 1);
    let f = &r["findings"][0];
    for key in [
        "source", "severity", "path", "file", "line", "column", "value", "rule", "message", "fix",
    ] {
        assert!(f.get(key).is_some(), "no {key} in {f:#}");
    }
    for key in [
        "schema",
        "policies",
        "in_process",
        "helm_template",
        "helm_lint",
        "total",
    ] {
        assert!(r["timings"][key].is_number(), "no timing {key}");
    }
}

#[test]
fn exit_codes() {
    let dir = team("codes", BASE, &[]);
    apwiz(&dir, &["validate", "--dir", "deploy"]).expect(0);
    // Usage: unknown flag, missing environment file, missing values.
    apwiz(&dir, &["validate", "--bogus"]).expect(2);
    let run = apwiz(&dir, &["validate", "--dir", "deploy", "--env", "qa"]).expect(2);
    assert!(run.stderr.contains("no values-qa.yaml"), "{}", run.stderr);
    apwiz(&dir, &["validate", "--dir", "nowhere"]).expect(2);
    // Environment: helm missing, helm too old, chart missing.
    let run = apwiz_env(
        &dir,
        &["validate", "--dir", "deploy"],
        &[("APWIZ_HELM", "/nonexistent/helm")],
    )
    .expect(3);
    assert!(run.stderr.contains("helm not found"), "{}", run.stderr);
    let old = script(&dir, "old-helm", "echo v3.14.2");
    let run = apwiz_env(
        &dir,
        &["validate", "--dir", "deploy"],
        &[("APWIZ_HELM", old.to_str().unwrap())],
    )
    .expect(3);
    assert!(run.stderr.contains("too old"), "{}", run.stderr);
    let run = apwiz_env(
        &dir,
        &["--format", "json", "render", "--dir", "deploy"],
        &[("APWIZ_CHART", "/nonexistent/chart")],
    )
    .expect(3);
    assert_eq!(run.json()["error"]["kind"], "environment");
    // In-process checks need no helm at all.
    apwiz_env(
        &dir,
        &["validate", "--dir", "deploy", "--no-helm"],
        &[("APWIZ_HELM", "/nonexistent/helm")],
    )
    .expect(0);
}

#[test]
fn helm3_is_supported() {
    let Some(h3) = helm3() else {
        eprintln!("skipped: .tools/bin/helm3 not installed");
        return;
    };
    let dir = team("helm3", BASE, &[("prod", "replicas: 3\n")]);
    let run = apwiz_env(
        &dir,
        &[
            "--format", "json", "validate", "--dir", "deploy", "--env", "prod",
        ],
        &[("APWIZ_HELM", h3.to_str().unwrap())],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}
