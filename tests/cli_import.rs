//! `apwiz import manifests`: each fixture of `tests/fixtures/import/` imported with the real chart
//! and helm; the written values validate, are minimal (no key equal to a chart default) and the
//! proof report matches its snapshot.
mod support;

use apwiz::core::values::read::parse_values;
use serde_json::Value;
use support::cli::*;

fn fixture(name: &str) -> String {
    support::repo()
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

/// Imports `file` into a scratch directory; returns the directory and the JSON report.
fn import(file: &str, extra: &[&str], code: i32) -> (std::path::PathBuf, Value) {
    let dir = scratch(&format!("import-{}", file.trim_end_matches(".yaml")));
    let path = fixture(file);
    let mut args = vec![
        "--format",
        "json",
        "import",
        "manifests",
        &path,
        "--out",
        "out",
    ];
    args.extend_from_slice(extra);
    let run = apwiz(&dir, &args).expect(code);
    (dir.join("out"), run.json())
}

/// Every key of `v` differs from the chart default at the same place.
fn assert_minimal(v: &Value, defaults: &Value, path: &str) {
    let Value::Object(m) = v else { return };
    for (k, x) in m {
        let d = defaults.get(k).unwrap_or(&Value::Null);
        assert!(x != d, "{path}.{k} equals the chart default");
        if x.is_object() && d.is_object() {
            assert_minimal(x, d, &format!("{path}.{k}"));
        }
    }
}

fn check(file: &str, extra: &[&str], code: i32, release: &str) -> Value {
    check_in(file, extra, code, release).1
}

/// Imports `file`, checks the written files (schema line, minimal, validate) and returns the
/// output directory and the report.
fn check_in(file: &str, extra: &[&str], code: i32, release: &str) -> (std::path::PathBuf, Value) {
    let (out, report) = import(file, extra, code);
    let text = read(&out, "values.yaml");
    assert!(
        text.starts_with("# yaml-language-server: $schema=.apwiz/values.schema.json\n"),
        "{text}"
    );
    assert!(out.join(".apwiz/values.schema.json").exists());
    assert!(out.join(".apwiz-import.yaml").exists());
    let values = parse_values(&text).expect("parses").value;
    let defaults = parse_values(&read(&support::chart(), "values.yaml"))
        .expect("chart defaults")
        .value;
    assert_minimal(&values, &defaults, "");
    if let Some(Value::Object(svcs)) = values.get("services") {
        // A service is minimal against what it inherits: the top level over the chart's defaults.
        let mut top = values.clone();
        top.as_object_mut().map(|m| m.remove("services"));
        let inherited = apwiz::core::values::merge::coalesce(top, &defaults);
        for (name, v) in svcs {
            assert_minimal(v, &inherited, &format!("services.{name}"));
        }
    }
    let dir = out.display().to_string();
    apwiz(
        out.parent().expect("parent"),
        &["validate", "--dir", &dir, "--release", release],
    )
    .expect(0);
    (out, report)
}

fn snapshot(name: &str, report: &Value) {
    let mut r = report.clone();
    r.as_object_mut().map(|m| m.remove("files"));
    let text = serde_json::to_string_pretty(&r).expect("json");
    insta::assert_snapshot!(name, text);
}

#[test]
fn helm_create_output() {
    let r = check("helm-create.yaml", &[], 0, "web");
    snapshot("import_helm_create", &r);
}

#[test]
fn cronjob_secret_value_is_not_copied() {
    let (out, _) = import("cronjob.yaml", &[], 0);
    let text = read(&out, "values.yaml");
    assert!(!text.contains("hunter2"), "{text}");
    let r = check("cronjob.yaml", &["--force"], 0, "nightly-report");
    let todo = r["report"]["todos"][0].as_str().unwrap_or_default();
    assert!(todo.contains("nightly-report-env"), "{todo}");
    snapshot("import_cronjob", &r);
}

#[test]
fn externalname_service_becomes_external() {
    let r = check("externalname.yaml", &[], 0, "orders-db");
    assert_eq!(r["shareExact"], 1.0);
    snapshot("import_externalname", &r);
}

#[test]
fn never_clobbers_without_force() {
    let (out, _) = import("externalname.yaml", &[], 0);
    let dir = out.parent().expect("parent");
    let path = fixture("helm-create.yaml");
    let run = apwiz(dir, &["import", "manifests", &path, "--out", "out"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert!(read(&out, "values.yaml").contains("orders-db"));
}

#[test]
fn robot_shop_twelve_services_share_their_defaults() {
    let (out, r) = check_in(
        "robot-shop.yaml",
        &["--name", "robot-shop"],
        0,
        "robot-shop",
    );
    let values = parse_values(&read(&out, "values.yaml"))
        .expect("parses")
        .value;
    let services = values["services"].as_object().expect("services");
    assert_eq!(services.len(), 12);
    // What the application services share is said once, at the top level.
    assert_eq!(values["image"]["registry"], "registry.acme.internal");
    assert_eq!(values["image"]["pullPolicy"], "Always");
    assert_eq!(values["nodeSelector"]["node-pool"], "shop");
    assert_eq!(values["resources"]["limits"]["memory"], "128Mi");
    assert!(services["cart"].get("resources").is_none());
    // Service names the chart changes are said, with the way to keep them.
    let renamed: Vec<&Value> = r["report"]["changed"]
        .as_array()
        .expect("changed")
        .iter()
        .filter(|n| n["object"] == "Service/cart" && n["field"] == "metadata.name")
        .collect();
    assert_eq!(renamed.len(), 1, "{r}");
    assert!(
        renamed[0]["hatch"]
            .as_str()
            .is_some_and(|h| h.contains("ExternalName")),
        "{r}"
    );
    // The ConfigMaps mounted as files are configFiles; an env value naming a renamed Service is said.
    assert!(services["web"]["configFiles"]["files"]["default.conf"].is_string());
    assert!(services["mysql"]["configFiles"]["files"]["shop.cnf"].is_string());
    let said = |object: &str, field: &str| {
        r["report"]["changed"].as_array().is_some_and(|a| {
            a.iter()
                .any(|n| n["object"] == object && n["field"] == field)
        })
    };
    assert!(said("Deployment/shipping", "env.CART_ENDPOINT"), "{r}");
    assert!(said("ConfigMap/web-nginx", "metadata.name"), "{r}");
    assert_eq!(r["report"]["lossy"], serde_json::json!([]));
    snapshot("import_robot_shop", &r);
}

#[test]
fn configmap_route_monitor_policy_and_role_become_toggles() {
    let (out, r) = check_in("platform-kinds.yaml", &[], 0, "orders");
    let values = parse_values(&read(&out, "values.yaml"))
        .expect("parses")
        .value;
    assert_eq!(values["configFiles"]["mountPath"], "/etc/orders");
    assert_eq!(values["route"]["parentRefs"][0]["name"], "public");
    assert_eq!(values["route"]["paths"][1]["pathType"], "Exact");
    assert_eq!(
        values["monitoring"]["labels"]["release"],
        "kube-prometheus-stack"
    );
    assert_eq!(
        values["networkPolicy"]["extraEgress"],
        serde_json::json!([{}])
    );
    assert_eq!(values["rbac"]["rules"][0]["resources"][0], "leases");
    let exact: Vec<String> = r["report"]["exact"]
        .as_array()
        .expect("exact")
        .iter()
        .map(|n| {
            format!(
                "{} {}",
                n["object"].as_str().unwrap_or(""),
                n["field"].as_str().unwrap_or("")
            )
        })
        .collect();
    for want in [
        "ConfigMap/orders-config data",
        "HTTPRoute/orders spec.rules.matches",
        "ServiceMonitor/orders spec.endpoints.port",
        "NetworkPolicy/orders spec.ingress[0]",
        "NetworkPolicy/orders spec.policyTypes.Egress",
        "Role/orders-leader-election rules",
        "RoleBinding/orders-leader-election subjects",
    ] {
        assert!(
            exact.iter().any(|e| e == want),
            "{want} not exact: {exact:?}"
        );
    }
    snapshot("import_platform_kinds", &r);
}

#[test]
fn statefulset_with_claim_template() {
    let r = check("statefulset-db.yaml", &[], 0, "pg");
    snapshot("import_statefulset_db", &r);
}

#[test]
fn daemonset_agent() {
    let r = check("daemonset-agent.yaml", &[], 0, "log-agent");
    snapshot("import_daemonset_agent", &r);
}

#[test]
fn privileged_and_host_path_are_reported_and_fail_without_allow_lossy() {
    let (_, r) = import("privileged-hostpath.yaml", &[], 1);
    assert_eq!(r["ok"], false);
    let fields: Vec<&str> = r["report"]["lossy"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        fields,
        ["volumes.proc", "securityContext.privileged", "hostNetwork"]
    );
    let r = check(
        "privileged-hostpath.yaml",
        &["--force", "--allow-lossy"],
        0,
        "node-probe",
    );
    snapshot("import_privileged_hostpath", &r);
}
