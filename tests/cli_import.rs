//! `apwiz import manifests` and `apwiz import values`: each fixture of `tests/fixtures/import/`
//! imported with the real chart and helm; the written values validate (for every environment
//! written), are minimal (no key equal to a chart default, or a service's to what it inherits)
//! and the report matches its snapshot.
mod support;

use apwiz::testing::core::values::read::parse_values;
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

/// The file has no key equal to a chart default, and no service a key equal to what it inherits
/// (the top level over the chart's defaults).
fn assert_file_minimal(text: &str) {
    let values = parse_values(text).expect("parses").value;
    let defaults = parse_values(&read(&support::chart(), "values.yaml"))
        .expect("chart defaults")
        .value;
    assert_minimal(&values, &defaults, "");
    if let Some(Value::Object(svcs)) = values.get("services") {
        let mut top = values.clone();
        top.as_object_mut().map(|m| m.remove("services"));
        let inherited = apwiz::testing::core::values::merge::coalesce(top, &defaults);
        for (name, v) in svcs {
            assert_minimal(v, &inherited, &format!("services.{name}"));
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
    assert_file_minimal(&text);
    let dir = out.display().to_string();
    apwiz(
        out.parent().expect("parent"),
        &["validate", "--dir", &dir, "--release", release],
    )
    .expect(0);
    (out, report)
}

/// The fields of the report's "could not be expressed" part, in order.
fn lossy_fields(r: &Value) -> Vec<&str> {
    r["report"]["lossy"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["field"].as_str()).collect())
        .unwrap_or_default()
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
    // Every Service keeps its name and every port its name: nothing is renamed.
    assert_eq!(values["naming"], "service");
    let renamed = r["report"]["changed"]
        .as_array()
        .expect("changed")
        .iter()
        .any(|n| {
            n["object"]
                .as_str()
                .is_some_and(|o| o.starts_with("Service/"))
        });
    assert!(!renamed, "{r}");
    assert!(
        r["shareExact"].as_f64().is_some_and(|x| x >= 0.98),
        "{}",
        r["shareExact"]
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
    assert!(said("ConfigMap/web-nginx", "metadata.name"), "{r}");
    assert_eq!(r["report"]["lossy"], serde_json::json!([]));
    snapshot("import_robot_shop", &r);
}

#[test]
fn lifting_what_services_share_makes_robot_shop_shorter() {
    use apwiz::testing::core::import::{lift, manifests};
    let text = std::fs::read_to_string(fixture("robot-shop.yaml")).expect("fixture");
    let imported = manifests::convert(manifests::read_text("robot-shop", &text).expect("reads"));
    let defaults = parse_values(&read(&support::chart(), "values.yaml"))
        .expect("chart defaults")
        .value;
    let lifted = lift::lines(&lift::minimal(imported.values.clone(), &defaults));
    let plain = lift::lines(&lift::without_lift(imported.values, &defaults));
    println!("robot-shop values: {lifted} lines lifted, {plain} without lifting");
    assert!(lifted < plain, "{lifted} >= {plain}");
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
    // A rule selecting the imported pods by a label the chart sets itself is said.
    let said = r["report"]["changed"].as_array().is_some_and(|a| {
        a.iter().any(|n| {
            n["object"] == "NetworkPolicy/orders" && n["field"] == "spec.ingress[1].podSelector"
        })
    });
    assert!(said, "{r}");
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
    let fields = lossy_fields(&r);
    assert_eq!(
        fields,
        ["volumes.proc", "securityContext.privileged", "hostNetwork"],
        "{r}"
    );
    let r = check(
        "privileged-hostpath.yaml",
        &["--force", "--allow-lossy"],
        0,
        "node-probe",
    );
    snapshot("import_privileged_hostpath", &r);
}

/// `apwiz import values` of `tests/fixtures/import/values/<from>.yaml` with its environment
/// files (`<from>-<env>.yaml`): the written files are minimal and validate for every environment.
fn import_values(from: &str, envs: &[&str], release: &str) -> (std::path::PathBuf, Value) {
    let dir = scratch(&format!("import-values-{from}"));
    let fixtures = support::repo().join("tests/fixtures/import/values");
    let file = fixtures.join(format!("{from}.yaml")).display().to_string();
    let env_args: Vec<String> = envs
        .iter()
        .map(|e| {
            format!(
                "{e}={}",
                fixtures.join(format!("{from}-{e}.yaml")).display()
            )
        })
        .collect();
    let mut args = vec![
        "--format", "json", "import", "values", &file, "--from", from, "--out", "out", "--name",
        release,
    ];
    for e in &env_args {
        args.extend(["--env", e.as_str()]);
    }
    let report = apwiz(&dir, &args).expect(0).json();
    let out = dir.join("out");
    let text = read(&out, "values.yaml");
    assert!(
        text.starts_with("# yaml-language-server: $schema=.apwiz/values.schema.json\n"),
        "{text}"
    );
    assert!(out.join(".apwiz-import.yaml").exists());
    assert_file_minimal(&text);
    let d = out.display().to_string();
    apwiz(&dir, &["validate", "--dir", &d, "--release", release]).expect(0);
    for e in envs {
        let env_file = read(&out, &format!("values-{e}.yaml"));
        assert!(env_file.contains("$schema="), "{env_file}");
        apwiz(
            &dir,
            &["validate", "--dir", &d, "--release", release, "--env", e],
        )
        .expect(0);
    }
    (out, report)
}

fn values_of(out: &std::path::Path, file: &str) -> Value {
    parse_values(&read(out, file)).expect("parses").value
}

#[test]
fn helm_create_values_file() {
    let (out, r) = import_values("helm-create", &["prod", "staging"], "web");
    let v = values_of(&out, "values.yaml");
    assert_eq!(v["replicas"], 3);
    assert_eq!(v["image"], "ghcr.io/acme/web:2.7.1");
    assert_eq!(v["imagePullSecrets"], serde_json::json!(["ghcr-pull"]));
    assert_eq!(v["ingress"]["host"], "web.acme.example");
    assert_eq!(
        v["ingress"]["hosts"],
        serde_json::json!(["www.acme.example"])
    );
    assert_eq!(v["probes"]["readiness"]["http"]["path"], "/ready");
    assert_eq!(v["autoscaling"]["maxReplicas"], 12);
    assert_eq!(v["security"]["runAsUser"], 1000);
    let prod = values_of(&out, "values-prod.yaml");
    assert_eq!(prod["autoscaling"], serde_json::json!({"maxReplicas": 30}));
    let staging = values_of(&out, "values-staging.yaml");
    assert_eq!(
        staging["autoscaling"],
        serde_json::json!({"enabled": false})
    );
    assert_eq!(r["report"]["lossy"], serde_json::json!([]));
    // helm create's own chart rendered with the file, compared with ours object by object.
    let proven = |object: &str, field: &str| {
        r["report"]["exact"].as_array().is_some_and(|a| {
            a.iter()
                .any(|n| n["object"] == object && n["field"] == field)
        })
    };
    assert!(proven("Ingress/web", "spec.rules.host"), "{r}");
    assert!(
        proven("HorizontalPodAutoscaler/web", "spec.maxReplicas"),
        "{r}"
    );
    assert!(
        proven(
            "Deployment/web",
            "pod.containers.main.readinessProbe.httpGet.path"
        ),
        "{r}"
    );
    snapshot("import_values_helm_create", &r);
}

#[test]
fn what_every_environment_sets_alike_is_written_once_in_values_yaml() {
    let (out, _) = import_values("bitnami", &["prod", "staging"], "payments");
    let v = values_of(&out, "values.yaml");
    assert_eq!(v["resources"]["limits"]["memory"], "1Gi", "{v}");
    for env in ["prod", "staging"] {
        let e = values_of(&out, &format!("values-{env}.yaml"));
        assert!(e["resources"]["limits"]["memory"].is_null(), "{env}: {e}");
    }
    assert_eq!(values_of(&out, "values-prod.yaml")["replicas"], 4);
    assert_eq!(values_of(&out, "values-staging.yaml")["replicas"], 3);
}

#[test]
fn bitnami_values_file() {
    let (out, r) = import_values("bitnami", &["prod"], "payments");
    let v = values_of(&out, "values.yaml");
    assert_eq!(v["port"], 3000);
    assert_eq!(v["service"]["port"], 80);
    assert_eq!(v["env"]["NODE_ENV"], "production");
    assert_eq!(
        v["env"]["DATABASE_URL"]["secretKeyRef"]["name"],
        "payments-db"
    );
    assert_eq!(v["envFrom"][0]["configMapRef"]["name"], "payments-settings");
    assert_eq!(v["ingress"]["tls"]["secretName"], "pay.acme.example-tls");
    assert_eq!(v["global"]["labels"]["team"], "payments");
    let prod = values_of(&out, "values-prod.yaml");
    assert_eq!(prod["env"], serde_json::json!({"LOG_LEVEL": "warn"}));
    snapshot("import_values_bitnami", &r);
}

#[test]
fn app_template_values_file() {
    let (out, r) = import_values("app-template", &["prod"], "inventory");
    let v = values_of(&out, "values.yaml");
    let services = v["services"]
        .as_object()
        .expect("one service per controller");
    assert_eq!(services.len(), 2);
    // What both controllers share is said once.
    assert_eq!(v["env"]["TZ"], "Europe/Berlin");
    assert_eq!(v["security"]["runAsUser"], 568);
    assert_eq!(services["api"]["ingress"]["host"], "inventory.acme.example");
    assert_eq!(services["api"]["service"]["ports"][0]["name"], "grpc");
    assert_eq!(services["worker"]["service"]["enabled"], false);
    assert_eq!(services["api"]["sidecars"][0]["name"], "oauth-proxy");
    assert_eq!(
        services["api"]["initContainers"][0]["command"],
        serde_json::json!(["/app/migrate", "up"])
    );
    let prod = values_of(&out, "values-prod.yaml");
    assert_eq!(prod["services"]["worker"]["replicas"], 2);
    snapshot("import_values_app_template", &r);
}

#[test]
fn values_that_cannot_be_expressed_fail_without_allow_lossy() {
    let dir = scratch("import-values-lossy");
    write(
        &dir,
        "values.yaml",
        "image: {repository: ghcr.io/acme/web, tag: '1.0'}\n\
         securityContext: {privileged: true}\n\
         ingress:\n  enabled: true\n  hosts:\n    - {host: a.example, paths: [{path: /a}]}\n    - {host: b.example, paths: [{path: /b}]}\n\
         customConfig: {cacheSize: 10}\n",
    );
    let args = [
        "--format",
        "json",
        "import",
        "values",
        "values.yaml",
        "--from",
        "helm-create",
        "--name",
        "web",
        "--out",
        "out",
    ];
    let r = apwiz(&dir, &args).expect(1).json();
    assert_eq!(r["ok"], false);
    let fields = lossy_fields(&r);
    assert_eq!(
        fields,
        [
            "securityContext.privileged",
            "ingress.hosts",
            "customConfig.cacheSize",
            // helm create's own chart, rendered, sends /b to b.example: the proof sees it too
            "spec.rules.paths"
        ],
        "{r}"
    );
    // Read over helm create's own defaults: its container listens on service.port 80.
    assert_eq!(values_of(&dir.join("out"), "values.yaml")["port"], 80);
    let mut again = args.to_vec();
    again.extend(["--force", "--allow-lossy"]);
    assert_eq!(apwiz(&dir, &again).expect(0).json()["ok"], true);
}
