//! Chart core: every workload type, the values contract (merge rule, globals, images), names and
//! selectors, secure defaults and determinism — on the real chart with the pinned helm.
mod support;

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use support::*;

const ENVS: [&str; 3] = ["dev", "staging", "prod"];
const EXAMPLES: [&str; 6] = [
    "web-app",
    "stateful-app",
    "cronjob",
    "daemonset",
    "external-service",
    "four-services",
];

fn example(name: &str, env: Option<&str>) -> Vec<Value> {
    let file = format!("examples/{name}.yaml");
    let env_file = env.map(|e| format!("chart/values-{e}.yaml"));
    let mut files = vec![file.as_str()];
    if let Some(f) = &env_file {
        files.push(f);
    }
    template(&files, &[]).unwrap_or_else(|e| panic!("{name} ({env:?}) failed:\n{}", e.stderr))
}

/// Every workload's selector matches its pod labels, every Service selects the pods of exactly
/// one workload, and every pod is restricted-compliant with requests and limits.
fn assert_well_formed(objs: &[Value]) {
    for o in objs.iter().filter(|o| is_workload(o)) {
        assert_restricted(o);
        assert_eq!(
            pod_spec(o)["automountServiceAccountToken"],
            false,
            "{}: token",
            name(o)
        );
        if !matches!(kind(o), "Job" | "CronJob" | "Pod") {
            let sel = o["spec"]["selector"]["matchLabels"]
                .as_object()
                .expect("selector");
            let labels = pod_template_labels(o);
            for (k, v) in sel {
                assert_eq!(
                    &labels[k],
                    v,
                    "{}: selector {k} must match the pod labels",
                    name(o)
                );
            }
        }
    }
    for svc in of_kind(objs, "Service") {
        let Some(sel) = svc["spec"]["selector"].as_object() else {
            continue;
        };
        let matching: Vec<_> = objs
            .iter()
            .filter(|o| is_workload(o))
            .filter(|o| sel.iter().all(|(k, v)| &pod_template_labels(o)[k] == v))
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "Service {} must select exactly one workload",
            name(svc)
        );
    }
    for o in objs {
        for key in [
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/managed-by",
            "helm.sh/chart",
        ] {
            assert!(
                o["metadata"]["labels"][key].is_string(),
                "{}/{} lacks label {key}",
                kind(o),
                name(o)
            );
        }
        assert_eq!(
            o["metadata"]["namespace"],
            "apps",
            "{}/{} namespace",
            kind(o),
            name(o)
        );
    }
}

#[test]
fn every_example_renders_well_formed_in_every_environment() {
    for ex in EXAMPLES {
        assert_well_formed(&example(ex, None));
        for env in ENVS {
            let objs = example(ex, Some(env));
            assert_well_formed(&objs);
            for o in &objs {
                assert_eq!(
                    o["metadata"]["labels"]["app-platform.io/environment"],
                    env,
                    "{ex}/{env}: {}",
                    name(o)
                );
            }
        }
    }
}

#[test]
fn default_values_install_a_working_development_service() {
    let objs = template(&[], &[]).expect("chart/values.yaml renders as it is");
    assert_eq!(
        summary(&objs),
        vec!["Service/release", "Deployment/release", "Pod/release-test"]
    );
    assert_well_formed(&objs);
    let dep = find(&objs, "Deployment", "release");
    let main = container(dep, "app-platform");
    assert_eq!(main["image"], "nginxinc/nginx-unprivileged:1.27");
    assert_eq!(
        main["ports"][0],
        json!({"name": "http", "containerPort": 8080, "protocol": "TCP"})
    );
    // readiness by the port's name, liveness by its number (scanners compare the checks)
    assert_eq!(main["readinessProbe"]["tcpSocket"]["port"], "http");
    assert_eq!(main["livenessProbe"]["tcpSocket"]["port"], 8080);
    assert!(main.get("startupProbe").is_none(), "an empty probe is off");
}

#[test]
fn web_app_example() {
    let objs = example("web-app", Some("prod"));
    assert_eq!(
        summary(&objs),
        vec![
            // prod: default-deny NetworkPolicies (the service's and its helpers') and a budget
            "NetworkPolicy/release",
            "NetworkPolicy/release-helpers",
            "PodDisruptionBudget/release",
            "ConfigMap/release-config",
            "Service/release",
            "Deployment/release",
            "Pod/release-test"
        ]
    );
    let dep = find(&objs, "Deployment", "release");
    assert_eq!(dep["spec"]["replicas"], 3);
    assert_eq!(
        dep["spec"]["strategy"]["rollingUpdate"],
        json!({"maxSurge": 1, "maxUnavailable": 0})
    );
    let main = container(dep, "app-platform");
    assert_eq!(
        main["readinessProbe"]["httpGet"],
        json!({"path": "/ready", "port": "http"})
    );
    assert_eq!(main["readinessProbe"]["periodSeconds"], 5);
    let env = env_entries(main);
    assert_eq!(
        env.keys().collect::<Vec<_>>(),
        vec!["DATABASE_PASSWORD_FILE", "LOG_LEVEL", "SHOP_CURRENCY"],
        "sorted"
    );
    // the password is a file of the Secret mounted read-only, not an environment variable
    assert_eq!(
        env["DATABASE_PASSWORD_FILE"]["value"],
        "/run/secrets/shop-db/password"
    );
    assert!(main["volumeMounts"].as_array().unwrap().contains(
        &json!({"name": "shop-db", "mountPath": "/run/secrets/shop-db", "readOnly": true})
    ));
    let mount = main["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "config")
        .unwrap();
    assert_eq!(
        mount,
        &json!({"name": "config", "mountPath": "/etc/shop", "readOnly": true})
    );
    assert!(dep["spec"]["template"]["metadata"]["annotations"]["checksum/config"].is_string());
    let svc = find(&objs, "Service", "release");
    assert_eq!(
        svc["spec"]["ports"][0],
        json!({"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"})
    );
    assert_eq!(
        pod_spec(dep)["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"],
        dep["spec"]["selector"]["matchLabels"]
    );
}

#[test]
fn statefulset_gets_headless_service_stable_identity_and_claims() {
    let objs = example("stateful-app", None);
    let sts = find(&objs, "StatefulSet", "release");
    let headless = find(&objs, "Service", "release-headless");
    assert_eq!(headless["spec"]["clusterIP"], "None");
    assert_eq!(sts["spec"]["serviceName"], "release-headless");
    let claim = &sts["spec"]["volumeClaimTemplates"][0];
    assert_eq!(claim["metadata"]["name"], "data");
    assert_eq!(claim["spec"]["storageClassName"], "standard");
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "10Gi");
    assert_eq!(
        sts["spec"]["persistentVolumeClaimRetentionPolicy"],
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
    );
    let main = container(sts, "app-platform");
    let data = main["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "data")
        .unwrap();
    assert_eq!(data["mountPath"], "/var/lib/postgresql/data");
    assert_eq!(pod_spec(sts)["securityContext"]["runAsUser"], 10070);
    assert!(
        pod_spec(sts)["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["name"] != "data"),
        "a statefulset's data comes from its claim template, not a pod volume"
    );
}

#[test]
fn storage_class_special_values() {
    let base = "workloadType: statefulset\npersistence: {enabled: true, storageClass: ";
    let class = |sc: &str| {
        let objs = render(&format!("{base}{sc}}}\n"));
        find(&objs, "StatefulSet", "release")["spec"]["volumeClaimTemplates"][0]["spec"].clone()
    };
    assert!(
        class("default").get("storageClassName").is_none(),
        "default: the cluster's default class"
    );
    assert_eq!(
        class("\"-\"")["storageClassName"],
        "",
        "-: no dynamic provisioning"
    );
    assert_eq!(class("fast")["storageClassName"], "fast");
}

#[test]
fn cronjob_with_numeric_tag_renders_the_digits_verbatim() {
    let objs = example("cronjob", None);
    let cj = find(&objs, "CronJob", "release");
    assert_eq!(cj["spec"]["schedule"], "0 3 * * *");
    assert_eq!(cj["spec"]["timeZone"], "Etc/UTC");
    assert_eq!(cj["spec"]["concurrencyPolicy"], "Forbid");
    let job = &cj["spec"]["jobTemplate"]["spec"];
    assert_eq!(job["backoffLimit"], 2);
    assert_eq!(job["activeDeadlineSeconds"], 1800);
    assert_eq!(job["template"]["spec"]["restartPolicy"], "Never");
    let main = container(cj, "app-platform");
    assert_eq!(main["image"], "ghcr.io/acme/reports:20250811");
    assert!(main.get("livenessProbe").is_none(), "jobs get no probes");
    assert_eq!(
        cj["metadata"]["labels"]["app.kubernetes.io/version"],
        "20250811"
    );
    assert!(
        of_kind(&objs, "Service").is_empty(),
        "a cronjob has no Service"
    );
}

#[test]
fn job_name_follows_its_spec() {
    let a = render("workloadType: job\nimage: acme/migrate:1.0\n");
    let b = render("workloadType: job\nimage: acme/migrate:1.0\n");
    let c = render("workloadType: job\nimage: acme/migrate:1.1\n");
    let job_name = |o: &[Value]| name(of_kind(o, "Job")[0]).to_string();
    assert_eq!(
        job_name(&a),
        job_name(&b),
        "same spec, same job: an upgrade leaves it alone"
    );
    assert_ne!(job_name(&a), job_name(&c), "a changed spec runs a new job");
    assert!(job_name(&a).starts_with("release-"));
    let job = of_kind(&a, "Job")[0];
    assert_eq!(job["spec"]["ttlSecondsAfterFinished"], 86400);
    assert!(
        job["spec"].get("selector").is_none(),
        "Job selectors are generated by Kubernetes"
    );
}

#[test]
fn an_external_single_service_takes_the_environment_layers() {
    // values-prod.yaml sets a top-level replicas default for every kind; an external service in a
    // single-service release must still render (only its own image would be an error).
    let objs = template(
        &["examples/external-service.yaml", "chart/values-prod.yaml"],
        &[],
    )
    .unwrap_or_else(|e| panic!("{}", e.stderr));
    assert!(!objs.is_empty());
    let single = render("workloadType: external\nreplicas: 3\nexternal: {name: db.example.com}\n");
    assert_eq!(summary(&single), vec!["Service/release"]);
}

#[test]
fn daemonset_example() {
    let objs = example("daemonset", None);
    assert_eq!(summary(&objs), vec!["DaemonSet/release"]);
    let ds = &objs[0];
    assert_eq!(
        ds["spec"]["updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
    );
    assert_eq!(pod_spec(ds)["tolerations"], json!([{"operator": "Exists"}]));
    assert_eq!(
        env_entries(container(ds, "app-platform"))["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"],
        "spec.nodeName"
    );
}

#[test]
fn a_daemonset_that_may_not_lose_a_pod_surges_instead() {
    // values-prod.yaml says maxUnavailable: 0; Kubernetes refuses that with maxSurge: 0.
    let objs = example("daemonset", Some("prod"));
    let strategy = &of_kind(&objs, "DaemonSet")[0]["spec"]["updateStrategy"]["rollingUpdate"];
    assert_eq!(strategy, &json!({"maxUnavailable": 0, "maxSurge": 1}));
}

#[test]
fn external_services_have_no_pods() {
    let objs = example("external-service", None);
    assert!(objs.iter().all(|o| !is_workload(o)));
    let db = find(&objs, "Service", "release-payments-db");
    assert_eq!(db["spec"]["type"], "ExternalName");
    assert_eq!(db["spec"]["externalName"], "payments-db.prod.example.com");
    assert!(db["spec"].get("selector").is_none());
    let ledger = find(&objs, "Service", "release-ledger");
    assert!(
        ledger["spec"].get("selector").is_none(),
        "no selector: endpoints come from the slice"
    );
    assert_eq!(
        ledger["spec"]["ports"],
        json!([{"name": "https", "port": 443, "protocol": "TCP"}])
    );
    let slice = find(&objs, "EndpointSlice", "release-ledger-ipv4");
    assert_eq!(
        slice["metadata"]["labels"]["kubernetes.io/service-name"],
        "release-ledger"
    );
    assert_eq!(slice["addressType"], "IPv4");
    let addrs: Vec<_> = slice["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["addresses"][0].clone())
        .collect();
    assert_eq!(addrs, vec![json!("10.20.0.15"), json!("10.20.0.16")]);
}

#[test]
fn four_services_share_defaults_and_wait_for_their_dependencies() {
    let objs = example("four-services", None);
    assert_eq!(
        summary(&objs),
        vec![
            "Service/release-api",
            "Service/release-cache",
            "Service/release-cache-headless",
            "Service/release-database",
            "Service/release-database-headless",
            "Service/release-web",
            "Deployment/release-api",
            "Deployment/release-web",
            "StatefulSet/release-cache",
            "StatefulSet/release-database",
            "Pod/release-api-test",
            "Pod/release-cache-test",
            "Pod/release-database-test",
            "Pod/release-web-test",
        ]
    );
    assert_well_formed(&objs);
    let api = find(&objs, "Deployment", "release-api");
    let waits: Vec<_> = pod_spec(api)["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let env = env_entries(c);
            format!(
                "{} {}:{}",
                c["name"].as_str().unwrap(),
                env["HOST"]["value"].as_str().unwrap(),
                env["PORT"]["value"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        waits,
        vec![
            "wait-for-cache release-cache:6379",
            "wait-for-database release-database:5432"
        ]
    );
    let web = find(&objs, "Deployment", "release-web");
    assert_eq!(
        env_entries(&pod_spec(web)["initContainers"][0])["PORT"]["value"],
        "8080",
        "web waits on api's port"
    );
    // maps merge: api adds DATABASE_URL to the shared LOG_LEVEL
    let api_env = env_entries(container(api, "api"));
    assert_eq!(
        api_env.keys().collect::<Vec<_>>(),
        vec!["DATABASE_URL", "LOG_LEVEL"]
    );
    // maps merge: database overrides one limit and keeps the other
    let db = find(&objs, "StatefulSet", "release-database");
    assert_eq!(
        container(db, "database")["resources"]["limits"],
        json!({"cpu": "500m", "memory": "1Gi"})
    );
}

#[test]
fn merge_rule_maps_merge_lists_replace_false_and_null_override() {
    let objs = render(
        r#"
args: ["--shared", "--flags"]
env: {A: "1", B: "2"}
replicas: 4
service: {enabled: true, type: ClusterIP}
services:
  one:
    args: ["--own"]
    env: {B: "two", C: "3"}
    service: {enabled: false}
    probes: {liveness: null, startup: {enabled: true, type: http, path: /started}}
  two: {}
"#,
    );
    let one = find(&objs, "Deployment", "release-one");
    let two = find(&objs, "Deployment", "release-two");
    let c1 = container(one, "one");
    assert_eq!(
        c1["args"],
        json!(["--own"]),
        "lists replace, never concatenate"
    );
    let env: BTreeMap<_, _> = env_entries(c1)
        .into_iter()
        .map(|(k, v)| (k, v["value"].clone()))
        .collect();
    assert_eq!(
        env,
        BTreeMap::from([
            ("A".into(), json!("1")),
            ("B".into(), json!("two")),
            ("C".into(), json!("3"))
        ])
    );
    assert!(
        c1.get("livenessProbe").is_none(),
        "null removes an inherited value"
    );
    assert!(
        c1.get("readinessProbe").is_some(),
        "siblings of a removed key stay"
    );
    assert_eq!(
        c1["startupProbe"]["httpGet"],
        json!({"path": "/started", "port": "http"}),
        "a scalar type replaces the inherited tcp"
    );
    assert_eq!(
        c1["startupProbe"]["failureThreshold"], 30,
        "and the inherited timings stay"
    );
    assert_eq!(one["spec"]["replicas"], 4, "scalars are inherited");
    assert_eq!(
        container(two, "two")["args"],
        json!(["--shared", "--flags"])
    );
    let services: Vec<_> = of_kind(&objs, "Service")
        .iter()
        .map(|s| name(s).to_string())
        .collect();
    assert_eq!(
        services,
        vec!["release-two"],
        "false overrides an inherited true"
    );
}

#[test]
fn zero_and_empty_values_override_inherited_ones() {
    let objs = render(
        "terminationGracePeriodSeconds: 45\nservices:\n  a: {terminationGracePeriodSeconds: 0}\n",
    );
    assert_eq!(
        pod_spec(find(&objs, "Deployment", "release-a"))["terminationGracePeriodSeconds"],
        0
    );
}

#[test]
fn disabled_services_render_nothing() {
    let objs = render("services:\n  on: {}\n  off: {enabled: false}\n");
    assert!(
        summary(&objs).iter().all(|n| !n.contains("release-off")),
        "{:?}",
        summary(&objs)
    );
    assert!(!of_kind(&objs, "Deployment").is_empty());
}

#[test]
fn output_is_deterministic_and_sorted_by_service_name() {
    let values = "services:\n  zeta: {}\n  alpha: {}\n  mid: {env: {Z: z, A: a, M: m}}\n";
    let a = render(values);
    let b = render(values);
    assert_eq!(a, b);
    let deps: Vec<_> = of_kind(&a, "Deployment")
        .iter()
        .map(|d| name(d).to_string())
        .collect();
    assert_eq!(deps, vec!["release-alpha", "release-mid", "release-zeta"]);
}

#[test]
fn names_and_selectors_are_unique_across_services() {
    let mut values = String::from("services:\n");
    for i in 0..12 {
        let wt = ["deployment", "statefulset", "daemonset"][i % 3];
        let persistence = if wt == "statefulset" {
            ", persistence: {enabled: true, storageClass: default}"
        } else {
            ""
        };
        values.push_str(&format!("  svc-{i}: {{workloadType: {wt}{persistence}}}\n"));
    }
    assert_unique(&render(&values));
}

/// No two objects of one kind share a name, and no two workloads share a selector.
fn assert_unique(objs: &[Value]) {
    let mut seen = BTreeSet::new();
    for o in objs {
        assert!(
            seen.insert((kind(o).to_string(), name(o).to_string())),
            "duplicate {}/{}",
            kind(o),
            name(o)
        );
    }
    let mut selectors = BTreeSet::new();
    for o in objs
        .iter()
        .filter(|o| is_workload(o) && !matches!(kind(o), "Job" | "CronJob" | "Pod"))
    {
        let sel = o["spec"]["selector"]["matchLabels"].to_string();
        assert!(
            selectors.insert(sel.clone()),
            "{} reuses selector {sel}",
            name(o)
        );
    }
}

#[test]
fn two_aliases_of_the_chart_in_an_umbrella_never_collide() {
    let dir = tempdir();
    let chart_dir = chart();
    std::fs::write(
        dir.join("Chart.yaml"),
        format!(
            "apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n  - {{name: app-platform, version: 0.1.0, repository: \"file://{0}\", alias: api}}\n  - {{name: app-platform, version: 0.1.0, repository: \"file://{0}\", alias: worker}}\n",
            chart_dir.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("values.yaml"),
        "global:\n  labels: {team: shop}\n  environment: prod\napi:\n  image: acme/api:1.0\n  services: {web: {}, jobs: {}}\nworker:\n  image: acme/worker:1.0\n  services: {web: {}, jobs: {}}\n",
    )
    .unwrap();
    let out = std::process::Command::new(helm())
        .args(["dependency", "update"])
        .arg(&dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "helm dependency update: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs = template_chart(&dir, &[], &[]).unwrap_or_else(|e| panic!("{}", e.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(of_kind(&objs, "Deployment").len(), 4);
    assert_unique(&objs);
    let api_web = find(&objs, "Deployment", "release-api-web");
    assert_eq!(
        api_web["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"],
        "api"
    );
    let worker_web = find(&objs, "Deployment", "release-worker-web");
    assert_eq!(
        worker_web["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"],
        "worker"
    );
    for o in &objs {
        assert_eq!(
            o["metadata"]["labels"]["team"], "shop",
            "global labels reach every alias"
        );
        assert_eq!(
            o["metadata"]["labels"]["app-platform.io/environment"],
            "prod"
        );
    }
}

#[test]
fn long_names_are_cut_to_63_characters_and_stay_distinct() {
    let long = "a".repeat(38);
    let values = format!(
        "fullnameOverride: {}\nservices:\n  {long}-x: {{}}\n  {long}-y: {{}}\n",
        "b".repeat(40)
    );
    let objs = render(&values);
    let names: BTreeSet<_> = of_kind(&objs, "Deployment")
        .iter()
        .map(|d| name(d).to_string())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.iter().all(|n| n.len() <= 63), "{names:?}");
}

#[test]
fn global_labels_annotations_registry_pull_secrets_and_environment_reach_every_object() {
    let objs = render(
        r#"
global:
  labels: {team: payments}
  annotations: {owner: payments@acme.example}
  imageRegistry: registry.acme.internal
  imagePullSecrets: [shared-creds]
  environment: staging
services:
  api: {image: acme/api:1.0, imagePullSecrets: [api-creds, shared-creds]}
  proxy: {image: "ghcr.io/acme/proxy:2.0"}
  local: {image: "localhost:5000/acme/tool:3"}
  cache: {workloadType: statefulset, image: redis:7.2, persistence: {enabled: true, storageClass: default}}
"#,
    );
    for o in &objs {
        assert_eq!(o["metadata"]["labels"]["team"], "payments", "{}", name(o));
        assert_eq!(
            o["metadata"]["labels"]["app-platform.io/environment"],
            "staging"
        );
        assert_eq!(
            o["metadata"]["annotations"]["owner"],
            "payments@acme.example",
            "{}",
            name(o)
        );
    }
    let image = |svc: &str| {
        container(
            find(
                &objs,
                if svc == "cache" {
                    "StatefulSet"
                } else {
                    "Deployment"
                },
                &format!("release-{svc}"),
            ),
            svc,
        )["image"]
            .clone()
    };
    assert_eq!(image("api"), "registry.acme.internal/acme/api:1.0");
    assert_eq!(
        image("proxy"),
        "ghcr.io/acme/proxy:2.0",
        "an image naming its registry keeps it"
    );
    assert_eq!(image("local"), "localhost:5000/acme/tool:3");
    assert_eq!(image("cache"), "registry.acme.internal/redis:7.2");
    let api = find(&objs, "Deployment", "release-api");
    assert_eq!(
        pod_spec(api)["imagePullSecrets"],
        json!([{"name": "shared-creds"}, {"name": "api-creds"}])
    );
}

#[test]
fn global_service_defaults_sit_between_chart_defaults_and_team_values() {
    let objs = render(
        "global:\n  security: {runAsUser: 20000}\n  terminationGracePeriodSeconds: 90\nterminationGracePeriodSeconds: 15\n",
    );
    let spec = pod_spec(find(&objs, "Deployment", "release"));
    assert_eq!(
        spec["securityContext"]["runAsUser"], 20000,
        "global beats the chart default"
    );
    assert_eq!(
        spec["securityContext"]["runAsGroup"], 10001,
        "maps merge with the chart default"
    );
    assert_eq!(
        spec["terminationGracePeriodSeconds"], 15,
        "the team's value beats global"
    );
}

#[test]
fn image_object_form_with_digest_and_pull_policy() {
    let digest = format!("sha256:{}", "ab".repeat(32));
    let objs = render(&format!(
        "image: {{registry: ghcr.io, repository: acme/shop, tag: \"1.10\", digest: \"{digest}\", pullPolicy: Always}}\n"
    ));
    let main = container(find(&objs, "Deployment", "release"), "app-platform");
    assert_eq!(main["image"], format!("ghcr.io/acme/shop:1.10@{digest}"));
    assert_eq!(main["imagePullPolicy"], "Always");
    let fractional = render("image: {repository: acme/shop, tag: 1.5}\n");
    assert_eq!(
        container(find(&fractional, "Deployment", "release"), "app-platform")["image"],
        "acme/shop:1.5"
    );
}

#[test]
fn security_defaults_are_restricted_and_loosened_only_through_values() {
    let objs = render(
        "security: {readOnlyRootFilesystem: false, addCapabilities: [NET_BIND_SERVICE], writableTmp: false}\n",
    );
    let dep = find(&objs, "Deployment", "release");
    let sc = &container(dep, "app-platform")["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"], false);
    assert_eq!(
        sc["capabilities"],
        json!({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})
    );
    assert_eq!(
        sc["allowPrivilegeEscalation"], false,
        "untouched settings stay restricted"
    );
    assert!(
        pod_spec(dep).get("volumes").is_none_or(|v| v
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["name"] != "tmp"))
    );
}

#[test]
fn service_account_token_only_when_asked() {
    let objs = render("serviceAccount: {create: true, automountToken: true}\n");
    let sa = find(&objs, "ServiceAccount", "release");
    assert_eq!(sa["automountServiceAccountToken"], true);
    let spec = pod_spec(find(&objs, "Deployment", "release"));
    assert_eq!(spec["serviceAccountName"], "release");
    assert_eq!(spec["automountServiceAccountToken"], true);
}

#[test]
fn init_containers_and_sidecars_share_the_security_context_and_resources() {
    let objs = render(
        r#"
initContainers: [{name: migrate, command: ["./migrate"]}]
sidecars: [{name: proxy, image: "envoyproxy/envoy:v1.31.0", resources: {limits: {memory: 64Mi}}}]
volumes: [{name: cache, mountPath: /cache, emptyDir: {sizeLimit: 1Gi}}]
"#,
    );
    let dep = find(&objs, "Deployment", "release");
    assert_restricted(dep);
    let migrate = container(dep, "migrate");
    assert_eq!(
        migrate["image"], "nginxinc/nginx-unprivileged:1.27",
        "defaults to the service image"
    );
    let proxy = container(dep, "proxy");
    assert_eq!(
        proxy["resources"]["limits"],
        json!({"cpu": "500m", "memory": "64Mi"})
    );
    assert!(
        proxy["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/cache")
    );
    let vol = pod_spec(dep)["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "cache")
        .unwrap();
    assert_eq!(
        vol,
        &json!({"name": "cache", "emptyDir": {"sizeLimit": "1Gi"}})
    );
}

#[test]
fn deployment_persistence_claims_a_volume_kept_on_uninstall() {
    let objs = render("persistence: {enabled: true, storageClass: standard, size: 2Gi}\n");
    let pvc = find(&objs, "PersistentVolumeClaim", "release-data");
    assert_eq!(
        pvc["metadata"]["annotations"]["helm.sh/resource-policy"],
        "keep"
    );
    assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "2Gi");
    let vol = pod_spec(find(&objs, "Deployment", "release"))["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "data")
        .unwrap()
        .clone();
    assert_eq!(vol["persistentVolumeClaim"]["claimName"], "release-data");
    let existing = render("persistence: {enabled: true, existingClaim: shared-data}\n");
    assert!(of_kind(&existing, "PersistentVolumeClaim").is_empty());
}

#[test]
fn helm_lint_strict_is_clean_for_every_example() {
    for ex in EXAMPLES {
        for env in ENVS {
            let (example, env_file) = (
                format!("examples/{ex}.yaml"),
                format!("chart/values-{env}.yaml"),
            );
            if let Err(text) = lint_strict(&[&example, &env_file]) {
                panic!("helm lint --strict {ex} {env}:\n{text}");
            }
        }
    }
}
