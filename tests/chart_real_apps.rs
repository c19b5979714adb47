//! Real apps as they are (issue 20): Service and port names kept, gRPC probes, several Services
//! per workload, and the image as a map so `--set image.tag=X` works on every file apwiz writes.
//! Fixtures in tests/fixtures/real-apps/ have the shapes of the public microservice demos.
//! Helm 4 by default; scripts/test.sh runs this file again with Helm 3 (`APWIZ_HELM`).
mod support;

use serde_json::{Value, json};
use support::*;

const GRPC: &str = "tests/fixtures/real-apps/grpc-mesh.yaml";
const FRONTEND: &str = "tests/fixtures/real-apps/frontend-lb.yaml";
const STATEFUL: &str = "tests/fixtures/real-apps/stateful-existing-claim.yaml";

fn fixture(file: &str) -> Vec<Value> {
    template(&[file], &[]).unwrap_or_else(|e| panic!("{file}: {}", e.stderr))
}

/// `helm template` of files (absolute or relative to the repo) and `--set`s: (ok, stdout, stderr).
fn helm_raw(files: &[&str], sets: &[&str]) -> (bool, String, String) {
    let out = template_output(&chart(), files, sets);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn service<'a>(objs: &'a [Value], name: &str) -> &'a Value {
    find(objs, "Service", name)
}

#[test]
fn image_tag_is_set_from_the_command_line_without_a_warning() {
    // The chart's own default and helm create's image map: no "skipped value" warning.
    for files in [vec![], vec!["tests/fixtures/helm-create-values.yaml"]] {
        let (ok, out, err) = helm_raw(&files, &["image.tag=abc123"]);
        assert!(ok, "{err}");
        assert!(!err.contains("skipped value"), "{err}");
        let objs = parse_manifests(&out);
        let deploy = of_kind(&objs, "Deployment")[0];
        assert!(
            main_container(deploy)["image"]
                .as_str()
                .unwrap_or_default()
                .ends_with(":abc123"),
            "{deploy:#}"
        );
    }
    // The string form still renders as written.
    let objs = render("image: ghcr.io/acme/shop:1.4.2\n");
    assert_eq!(
        main_container(find(&objs, "Deployment", "release"))["image"],
        "ghcr.io/acme/shop:1.4.2"
    );
    // One service's tag, and a shared tag that every service without its own inherits.
    let values = "services:\n  api: {image: {repository: ghcr.io/acme/api, tag: \"1.0\"}}\n  web: {image: {repository: ghcr.io/acme/web}}\nimage: {tag: \"2.0\"}\n";
    let dir = tempdir();
    let file = dir.join("values.yaml");
    std::fs::write(&file, values).expect("write");
    let path = file.to_str().expect("utf-8");
    let (ok, out, err) = helm_raw(&[path], &["services.api.image.tag=abc"]);
    assert!(ok, "{err}");
    let objs = parse_manifests(&out);
    assert_eq!(
        main_container(find(&objs, "Deployment", "release-api"))["image"],
        "ghcr.io/acme/api:abc"
    );
    assert_eq!(
        main_container(find(&objs, "Deployment", "release-web"))["image"],
        "ghcr.io/acme/web:2.0"
    );
    // A tag alone names no image.
    let err = render_err("image: {repository: null, tag: \"1.0\"}\n");
    assert!(
        err.contains("image.repository: the image has no repository")
            && err.contains("got null")
            && err.contains("Set image.repository"),
        "{err}"
    );
}

#[test]
fn every_preset_starts_clean_writes_the_image_as_a_map_and_takes_set_image_tag() {
    use apwiz::testing::core::inputs::presets;
    let all = presets::builtin().expect("presets parse");
    let mut problems = Vec::new();
    for p in all
        .iter()
        .filter(|p| p.kind == presets::PresetKind::Workload)
    {
        let dir = scratch(&format!("image-{}", p.name));
        let run = cli::new_from_example(&dir, p, &all, &["prod".to_string()]);
        if run.code != 0 {
            problems.push(format!("{}: apwiz new: {}", p.name, run.stderr.trim()));
            continue;
        }
        // Presets start clean: no error and no warning from any check, but the one that asks
        // for what `apwiz new` cannot know yet: the digests of the team's images in prod
        // (image-digest-prod, cleared by `apwiz pin --env prod`).
        let report = cli::apwiz(
            &dir,
            &[
                "--format", "json", "validate", "--dir", "deploy", "--env", "prod",
            ],
        )
        .json();
        for f in report["findings"].as_array().into_iter().flatten() {
            let pin_first = f["severity"] == "warning"
                && f["rule"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("image-digest-prod "));
            if (f["severity"] == "error" || f["severity"] == "warning") && !pin_first {
                problems.push(format!("{}: validate: {f}", p.name));
            }
        }
        let base = dir.join("deploy/values.yaml");
        let prod = dir.join("deploy/values-prod.yaml");
        let text = std::fs::read_to_string(&base).expect("values.yaml");
        let values: Value = serde_yaml::from_str(&text).expect("yaml");
        if values["workloadType"] == "external" {
            continue; // no pods, no image
        }
        let mut sets = vec!["image.tag=abc".to_string()];
        for (name, svc) in values["services"].as_object().into_iter().flatten() {
            if svc.get("image").is_some() {
                sets.push(format!("services.{name}.image.tag=abc"));
            }
        }
        for img in std::iter::once(&values["image"]).chain(
            values["services"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values().map(|s| &s["image"])),
        ) {
            if img.is_string() {
                problems.push(format!(
                    "{}: values.yaml has image {img} as a string",
                    p.name
                ));
            }
        }
        let set_refs: Vec<&str> = sets.iter().map(String::as_str).collect();
        let files = [base.to_str().expect("utf-8"), prod.to_str().expect("utf-8")];
        let (ok, out, err) = helm_raw(&files, &set_refs);
        if !ok || err.contains("skipped value") {
            problems.push(format!("{}: helm template {sets:?}: {err}", p.name));
            continue;
        }
        let objs = parse_manifests(&out);
        for w in objs.iter().filter(|o| is_workload(o)) {
            let c = containers(pod_spec(w))
                .into_iter()
                .find(|c| !c["name"].as_str().unwrap_or("").starts_with("wait-for"));
            let image = c.map(|c| c["image"].as_str().unwrap_or_default().to_string());
            // hooks run the service's image unless they name one; the backup has its own image
            let own = w["metadata"]["annotations"]["helm.sh/hook"].is_string()
                || name(w).ends_with("-backup");
            if !own && !image.as_deref().unwrap_or_default().ends_with(":abc") {
                problems.push(format!(
                    "{}: {}/{} runs {image:?}, not tag abc",
                    p.name,
                    kind(w),
                    name(w)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn grpc_services_keep_their_names_ports_and_grpc_probes() {
    let objs = fixture(GRPC);
    let cart = service(&objs, "cartservice");
    assert_eq!(
        cart["spec"]["ports"],
        json!([{"name": "grpc", "port": 7070, "targetPort": "grpc", "protocol": "TCP", "appProtocol": "grpc"}])
    );
    assert_eq!(
        service(&objs, "redis-cart")["spec"]["ports"][0]["name"],
        "tcp-redis"
    );
    let deploy = find(&objs, "Deployment", "cartservice");
    let c = main_container(deploy);
    assert_eq!(
        c["ports"], // appProtocol is the Service port's: a container port has none
        json!([{"name": "grpc", "containerPort": 7070, "protocol": "TCP"}])
    );
    // A gRPC probe takes a number: the name grpc is resolved to 7070.
    assert_eq!(
        c["readinessProbe"],
        json!({"grpc": {"port": 7070}, "periodSeconds": 5, "failureThreshold": 3})
    );
    assert_eq!(
        c["livenessProbe"],
        json!({"grpc": {"port": 7070, "service": "liveness"}, "periodSeconds": 10, "failureThreshold": 6})
    );
    // No port: the main port by number.
    let checkout = main_container(find(&objs, "Deployment", "checkoutservice"));
    assert_eq!(checkout["readinessProbe"]["grpc"], json!({"port": 5050}));
    // dependsOn waits on the plain Service name.
    let wait = &pod_spec(find(&objs, "Deployment", "checkoutservice"))["initContainers"][0];
    assert_eq!(env_values(wait)["HOST"], "cartservice");
    let redis = main_container(find(&objs, "Deployment", "redis-cart"));
    assert_eq!(
        redis["readinessProbe"]["exec"]["command"],
        json!(["redis-cli", "ping"])
    );
    assert_eq!(redis["livenessProbe"]["tcpSocket"]["port"], 6379);
    // Selectors stay the chart's: release, chart and component.
    assert_eq!(
        cart["spec"]["selector"]["app.kubernetes.io/component"],
        "cartservice"
    );
    for o in &objs {
        if is_workload(o) {
            assert_restricted(o);
        }
    }
}

#[test]
fn a_front_end_gets_a_cluster_ip_and_a_load_balancer_for_the_same_pods() {
    let objs = fixture(FRONTEND);
    let inside = service(&objs, "frontend");
    let outside = service(&objs, "frontend-external");
    assert_eq!(inside["spec"]["type"], "ClusterIP");
    assert_eq!(outside["spec"]["type"], "LoadBalancer");
    assert_eq!(outside["spec"]["externalTrafficPolicy"], "Local");
    assert_eq!(inside["spec"]["selector"], outside["spec"]["selector"]);
    assert_eq!(
        &inside["spec"]["selector"],
        &find(&objs, "Deployment", "frontend")["spec"]["selector"]["matchLabels"]
    );
    assert_eq!(
        outside["spec"]["ports"],
        json!([{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}])
    );
    let c = main_container(find(&objs, "Deployment", "frontend"));
    assert_eq!(
        c["readinessProbe"]["httpGet"],
        json!({"path": "/_healthz", "port": "http", "httpHeaders": [{"name": "Cookie", "value": "shop_session-id=x-readiness-probe"}]})
    );
}

#[test]
fn naming_modes_and_name_overrides() {
    // Default: <release>-<service>; objectName and service.name override one service.
    let objs =
        render("services:\n  api: {objectName: orders}\n  web: {service: {name: storefront}}\n");
    for (k, n) in [
        ("Deployment", "orders"),
        ("Service", "orders"),
        ("Deployment", "release-web"),
        ("Service", "storefront"),
    ] {
        assert!(of_kind(&objs, k).iter().any(|o| name(o) == n), "{k}/{n}");
    }
    // Two services ending with the same name fail naming both.
    let err = render_err("services:\n  api: {objectName: shop}\n  web: {objectName: shop}\n");
    assert!(
        err.contains("services api and web would both name their objects shop")
            && err.contains("services.web.objectName"),
        "{err}"
    );
    let err =
        render_err("services:\n  api: {service: {name: shop}}\n  web: {service: {name: shop}}\n");
    assert!(
        err.contains("services api and web would both create the Service shop"),
        "{err}"
    );
    let err = render_err(
        "services:\n  api: {extraServices: [{name: x}]}\n  web: {service: {name: release-api-x}}\n",
    );
    assert!(err.contains("would both"), "{err}");
}

#[test]
fn default_probes_differ_so_scanners_see_two_checks() {
    let objs = render("{}\n");
    let c = main_container(find(&objs, "Deployment", "release"));
    assert_eq!(
        c["readinessProbe"],
        json!({"tcpSocket": {"port": "http"}, "periodSeconds": 5, "failureThreshold": 3})
    );
    assert_eq!(
        c["livenessProbe"],
        json!({"tcpSocket": {"port": 8080}, "periodSeconds": 10, "failureThreshold": 6})
    );
    assert_ne!(
        c["readinessProbe"]["tcpSocket"],
        c["livenessProbe"]["tcpSocket"]
    );
}

/// Bad input: each names the field, the value given and the fix.
#[test]
fn bad_ports_probes_and_services_fail_with_the_field_the_value_and_the_fix() {
    let cases: &[(&str, &[&str])] = &[
        (
            "probes: {readiness: {http: {path: /x, port: admin}}}\n",
            &[
                "probes.readiness.http.port",
                "got \"admin\"",
                "no port of the main container",
                "Use one of: http",
            ],
        ),
        (
            "probes: {readiness: {http: {path: /x}, tcp: {}}}\n",
            &["probes.readiness", "has http and tcp", "null"],
        ),
        (
            "ports: [{name: http, port: 9000}]\n",
            &[
                "ports[0].name",
                "got \"http\"",
                "Give each port its own name",
            ],
        ),
        (
            "service: {ports: [{name: admin, port: 9000, targetPort: admin}]}\n",
            &[
                "service.ports[0].targetPort",
                "got \"admin\"",
                "Use one of: http",
            ],
        ),
        (
            "extraServices: [{name: x, ports: [{name: a, port: 1}, {name: a, port: 2}]}]\n",
            &["extraServices[0].ports[1].name", "got \"a\"", "own name"],
        ),
        (
            "workloadType: cronjob\ncronjob: {schedule: \"0 1 * * *\"}\nextraServices: [{name: x}]\n",
            &[
                "extraServices",
                "a cronjob has no long-running pods",
                "Remove extraServices",
            ],
        ),
        ("portName: HTTP_Main\n", &["portName", "HTTP_Main"]),
        ("service: {nodePort: 80}\n", &["nodePort", "80"]),
        (
            "extraServices: [{name: x, type: Internal}]\n",
            &["type", "Internal"],
        ),
        ("probes: {liveness: {grpc: {port: 0}}}\n", &["port", "0"]),
        ("naming: flat\n", &["naming", "flat"]),
    ];
    for (values, want) in cases {
        let err = render_err(values);
        for w in *want {
            assert!(err.contains(w), "{values}: missing {w:?} in:\n{err}");
        }
    }
}

#[test]
fn validate_reports_a_bad_probe_port_at_its_file_and_line() {
    let dir = scratch("real-apps-validate");
    cli::write(
        &dir,
        "deploy/values.yaml",
        "image: {repository: ghcr.io/acme/shop, tag: \"1.4.2\"}\nprobes:\n  readiness:\n    http: {path: /ready, port: admin}\n",
    );
    let f = cli::first_template_finding(&dir, "deploy");
    assert_eq!(f["path"], "probes.readiness.http.port", "{f:#}");
    assert_eq!(f["file"], "deploy/values.yaml", "{f:#}");
    assert_eq!(f["line"], 4, "{f:#}");
}

#[test]
fn a_headless_statefulset_on_an_existing_claim_and_one_on_memory() {
    let objs = fixture(STATEFUL);
    let db = find(&objs, "StatefulSet", "carts-db");
    assert!(db["spec"].get("volumeClaimTemplates").is_none(), "{db:#}");
    assert!(
        db["spec"]
            .get("persistentVolumeClaimRetentionPolicy")
            .is_none()
    );
    assert_eq!(db["spec"]["serviceName"], "carts-db-headless");
    let volumes = &pod_spec(db)["volumes"];
    assert!(
        volumes.as_array().into_iter().flatten().any(|v| v
            == &json!({"name": "data", "persistentVolumeClaim": {"claimName": "carts-db-data"}})),
        "{volumes:#}"
    );
    let svc = service(&objs, "carts-db");
    assert_eq!(svc["spec"]["clusterIP"], "None");
    assert_eq!(svc["spec"]["ports"][0]["name"], "mongo");
    assert_eq!(
        service(&objs, "carts-db-headless")["spec"]["clusterIP"],
        "None"
    );
    // The helm test pod runs as the service but never mounts its claim.
    let test = find(&objs, "Pod", "carts-db-test");
    assert!(!test.to_string().contains("carts-db-data"), "{test:#}");
    let cache = find(&objs, "StatefulSet", "session-cache");
    assert!(cache["spec"].get("volumeClaimTemplates").is_none());
    assert!(
        pod_spec(cache)["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|v| v == &json!({"name": "data", "emptyDir": {"medium": "Memory", "sizeLimit": "128Mi"}}))
    );
    for o in objs.iter().filter(|o| is_workload(o)) {
        assert_restricted(o);
    }
}

#[test]
fn an_exporter_sidecar_with_its_own_port_probes_resources_and_user() {
    let objs = fixture("tests/fixtures/real-apps/exporter-sidecar.yaml");
    let deploy = find(&objs, "Deployment", "release-catalogue");
    let exporter = container(deploy, "exporter");
    assert_eq!(
        exporter["ports"],
        json!([{"name": "metrics", "containerPort": 9104, "protocol": "TCP"}])
    );
    assert_eq!(
        exporter["readinessProbe"],
        json!({"httpGet": {"path": "/metrics", "port": 9104}})
    );
    assert_eq!(
        exporter["livenessProbe"],
        json!({"tcpSocket": {"port": 9104}, "failureThreshold": 6})
    );
    assert!(exporter.get("startupProbe").is_none());
    assert_eq!(exporter["resources"]["limits"]["memory"], "64Mi");
    assert_eq!(exporter["securityContext"]["runAsUser"], 65534);
    assert_eq!(
        exporter["securityContext"]["capabilities"]["drop"],
        json!(["ALL"])
    );
    let main = main_container(deploy);
    assert_eq!(
        main["lifecycle"],
        json!({"preStop": {"sleep": {"seconds": 5}}})
    );
    let svc = service(&objs, "release-catalogue");
    assert_eq!(
        svc["spec"]["ports"][1],
        json!({"name": "metrics", "port": 9104, "targetPort": "metrics", "protocol": "TCP"})
    );
    assert_restricted(deploy);
    // A sidecar probe on a port it does not have names the sidecar's field.
    let err = render_err(
        "sidecars: [{name: x, ports: [{name: metrics, port: 9104}], probes: {readiness: {http: {port: admin}}}}]\n",
    );
    assert!(
        err.contains("sidecars[0].probes.readiness.http.port")
            && err.contains("Use one of: metrics"),
        "{err}"
    );
}

#[test]
fn a_gpu_worker_and_a_cronjob() {
    let objs = fixture("tests/fixtures/real-apps/gpu-worker.yaml");
    let deploy = find(&objs, "Deployment", "release-inference");
    let spec = pod_spec(deploy);
    assert_eq!(spec["runtimeClassName"], "nvidia");
    assert_eq!(spec["priorityClassName"], "gpu-batch");
    assert_eq!(
        spec["hostAliases"],
        json!([{"ip": "10.0.0.10", "hostnames": ["models.internal"]}])
    );
    assert_eq!(spec["dnsConfig"]["options"][0]["name"], "ndots");
    assert_eq!(
        main_container(deploy)["resources"]["limits"]["nvidia.com/gpu"],
        1
    );
    assert!(of_kind(&objs, "Service").is_empty(), "no Service asked for");
    let cron = find(&objs, "CronJob", "release-nightly-report");
    assert_eq!(cron["spec"]["timeZone"], "Europe/Berlin");
    assert!(main_container(cron).get("livenessProbe").is_none());
    for o in objs.iter().filter(|o| is_workload(o)) {
        assert_restricted(o);
    }
    let err = render_err("resources: {limits: {nvidia.com/gpu: -1}}\n");
    assert!(
        err.contains("nvidia.com~1gpu") || err.contains("nvidia.com/gpu"),
        "{err}"
    );
}

/// Cross-field rules report together: a canary on a statefulset with a bad strategy and no
/// storage class gives all three messages in one run, each in the chart's form.
#[test]
fn cross_field_errors_come_all_at_once() {
    let err = render_err(
        "workloadType: statefulset\ncanary: {enabled: true, tag: \"2\"}\nstrategy: {type: Recreate}\npersistence: {enabled: true}\n",
    );
    for want in [
        "persistence.storageClass: persistence is enabled but no storage class is chosen",
        "strategy.type: a statefulset does not support this update strategy, got \"Recreate\"",
        "canary.enabled: a canary is a second Deployment beside a deployment service's, and this service is a statefulset, got true",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
}

#[test]
fn the_main_container_keeps_the_name_the_app_runs_with() {
    // kubectl logs -c server, exec and sidecar injectors address the container by name.
    let objs =
        render("services:\n  cart: {image: \"ghcr.io/acme/cart:1\", containerName: server}\n");
    let deploy = find(&objs, "Deployment", "release-cart");
    assert_eq!(main_container(deploy)["name"], "server");
    assert_eq!(
        deploy["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"],
        "server"
    );
    // A hook or test pod of the service is not the app: its container keeps its own name.
    let test = of_kind(&objs, "Pod")[0];
    assert_eq!(containers(pod_spec(test))[0]["name"], "cart-test");
    // Not a DNS label: the schema names the key.
    let err = render_err("containerName: Server_1\n");
    assert!(err.contains("containerName"), "{err}");
}
