//! `apwiz import manifests` on fixtures of the four shapes real apps come in (issue 23):
//! gRPC microservices addressed by plain Service names, a shop of fourteen Deployments with an
//! exporter sidecar and a NodePort front end, a rendered chart with a headless Service and a
//! StatefulSet with claim templates, and a kustomize base with three overlays (a StatefulSet on
//! a separate claim, CronJobs, HPAs). Each imports strictly (exit 0), validates, renders with
//! every Service and port name of the input, and the proof's own count of exact fields is
//! printed and held to its floor. One imported app is installed on the control plane.
//! Bad input is refused with one line naming the file, the document and what to do.
mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::cli::*;

fn fixture(rel: &str) -> String {
    support::repo()
        .join("tests/fixtures/import")
        .join(rel)
        .display()
        .to_string()
}

/// `apwiz import manifests` with `args` into a scratch directory's `out`: the directory and the
/// JSON report (exit 0, strict: no --allow-lossy).
fn import(name: &str, args: &[&str]) -> (PathBuf, Value) {
    let dir = scratch(&format!("import-app-{name}"));
    let mut all = vec!["--format", "json", "import", "manifests"];
    all.extend_from_slice(args);
    all.extend(["--out", "out"]);
    let run = apwiz_env(&dir, &all, &[("PATH", &tools_path())]).expect(0);
    (dir, run.json())
}

/// PATH with the pinned tools first (kustomize: scripts/install-tools.sh kustomize).
fn tools_path() -> String {
    format!(
        "{}:{}",
        support::repo().join(".tools/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `(Service name, sorted port names)` of every Service in `objs`.
fn service_ports(objs: &[Value]) -> BTreeSet<(String, Vec<String>)> {
    objs.iter()
        .filter(|o| o["kind"] == "Service" && o["spec"]["type"] != "ExternalName")
        .map(|o| {
            let mut ports: Vec<String> = o["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| p["name"].as_str().unwrap_or("").to_string())
                .collect();
            ports.sort();
            (
                o["metadata"]["name"].as_str().unwrap_or("").to_string(),
                ports,
            )
        })
        .collect()
}

/// Container port names of every workload's containers, by workload.
fn container_ports(objs: &[Value]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for o in objs.iter().filter(|o| support::is_workload(o)) {
        for c in support::containers(support::pod_spec(o)) {
            for p in c["ports"].as_array().into_iter().flatten() {
                if let Some(n) = p["name"].as_str() {
                    out.insert((
                        o["metadata"]["name"].as_str().unwrap_or("").to_string(),
                        n.to_string(),
                    ));
                }
            }
        }
    }
    out
}

/// The input's objects: the fixture's text, or `kubectl kustomize` of a directory.
fn input_objects(path: &str) -> Vec<Value> {
    let text = if Path::new(path).is_dir() {
        let pinned = support::repo().join(".tools/bin/kustomize");
        let out = if pinned.exists() {
            std::process::Command::new(pinned)
                .args(["build", path])
                .output()
        } else {
            std::process::Command::new("kubectl")
                .args(["kustomize", path])
                .output()
        }
        .expect("kustomize build");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    } else {
        std::fs::read_to_string(path).expect("fixture")
    };
    support::parse_manifests(&text)
}

/// `apwiz validate` of the written files (each environment) and `apwiz render`'s objects.
fn validate_and_render(dir: &Path, release: &str, envs: &[&str]) -> Vec<Value> {
    for env in std::iter::once(None).chain(envs.iter().map(|e| Some(*e))) {
        let mut args = vec!["validate", "--dir", "out", "--release", release];
        if let Some(e) = env {
            args.extend(["--env", e]);
        }
        apwiz(dir, &args).expect(0);
    }
    let out = apwiz(dir, &["render", "--dir", "out", "--release", release]).expect(0);
    support::parse_manifests(&out.stdout)
}

/// Every Service of the input renders under its name with the same port names, and every
/// named container port keeps its name.
fn assert_names_kept(input: &[Value], rendered: &[Value]) {
    let want = service_ports(input);
    let got = service_ports(rendered);
    let missing: Vec<_> = want.difference(&got).collect();
    assert!(
        missing.is_empty(),
        "not rendered as in the input: {missing:?}\nrendered: {got:?}"
    );
    let want = container_ports(input);
    let got = container_ports(rendered);
    let missing: Vec<_> = want.difference(&got).collect();
    assert!(missing.is_empty(), "container ports renamed: {missing:?}");
}

/// The proof's own figure: exact fields over the fields compared, printed with its counts.
fn exactness(name: &str, r: &Value) -> f64 {
    let share = r["shareExact"].as_f64().expect("shareExact");
    println!(
        "{name}: {} of {} fields exact ({:.1}%), {} changed on purpose, {} not expressible",
        r["fields"]["exact"],
        r["fields"]["compared"],
        share * 100.0,
        r["fields"]["changed"],
        r["fields"]["lossy"]
    );
    assert_eq!(r["fields"]["lossy"], 0, "{}", r["report"]["lossy"]);
    share
}

/// The fields the proof did not find exact, as `object field`.
fn not_exact(r: &Value) -> Vec<String> {
    ["changed", "lossy"]
        .iter()
        .flat_map(|p| r["report"][p].as_array().cloned().unwrap_or_default())
        .filter(|n| n["added"] != true)
        .map(|n| {
            format!(
                "{} {}",
                n["object"].as_str().unwrap_or(""),
                n["field"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn grpc_microservices_keep_plain_service_names_and_grpc_probes() {
    let file = fixture("apps/grpc-microservices.yaml");
    let (dir, r) = import("grpc", &[&file, "--name", "boutique"]);
    let share = exactness("grpc-microservices", &r);
    let rendered = validate_and_render(&dir, "boutique", &[]);
    assert_names_kept(&input_objects(&file), &rendered);
    let cart = support::find(&rendered, "Deployment", "cartservice");
    let probe = &support::main_container(cart)["readinessProbe"];
    assert_eq!(probe["grpc"]["port"], 7070, "{probe}");
    assert_eq!(probe["periodSeconds"], 5, "{probe}");
    let front = support::main_container(support::find(&rendered, "Deployment", "frontend"));
    assert_eq!(
        front["livenessProbe"]["httpGet"]["httpHeaders"][0]["value"],
        "shop_session-id=x-liveness-probe"
    );
    assert_eq!(
        support::find(&rendered, "Service", "frontend-external")["spec"]["type"],
        "LoadBalancer"
    );
    // The manifests call all five main containers "server": containerName keeps that name.
    let off = not_exact(&r);
    assert!(off.is_empty(), "{off:?}");
    assert_eq!(
        support::main_container(cart)["name"],
        "server",
        "{}",
        support::main_container(cart)
    );
    assert!(share >= 0.98, "{share}");
}

#[test]
fn a_shop_of_fourteen_deployments_with_an_exporter_sidecar_and_a_node_port() {
    let file = fixture("apps/shop-14.yaml");
    let (dir, r) = import("shop", &[&file, "--name", "sock-shop"]);
    let share = exactness("shop-14", &r);
    assert!(share >= 0.98, "{share}: {:?}", not_exact(&r));
    let rendered = validate_and_render(&dir, "sock-shop", &[]);
    assert_eq!(support::of_kind(&rendered, "Deployment").len(), 14);
    assert_names_kept(&input_objects(&file), &rendered);
    let front = support::find(&rendered, "Service", "front-end");
    assert_eq!(front["spec"]["type"], "NodePort");
    assert_eq!(front["spec"]["ports"][0]["nodePort"], 30001);
    let mq = support::find(&rendered, "Deployment", "rabbitmq");
    let exporter = support::container(mq, "rabbitmq-exporter");
    assert_eq!(exporter["ports"][0]["name"], "exporter");
    assert_eq!(exporter["livenessProbe"]["httpGet"]["path"], "/metrics");
    let svc = support::find(&rendered, "Service", "rabbitmq");
    assert!(
        svc["spec"]["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .any(|p| p["name"] == "exporter" && p["port"] == 9090 && p["targetPort"] == "exporter"),
        "{svc}"
    );
    // The pods' own /tmp (a Memory emptyDir) is kept; the chart does not mount a second one.
    let carts = support::main_container(support::find(&rendered, "Deployment", "carts"));
    let tmp: Vec<&Value> = carts["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .filter(|m| m["mountPath"] == "/tmp")
        .collect();
    assert_eq!(tmp.len(), 1, "{carts}");
    assert!(
        r["report"]["ratio"].as_f64().is_some_and(|x| x < 0.6),
        "{}",
        r["report"]["ratio"]
    );
}

#[test]
fn a_rendered_chart_with_a_headless_service_and_claim_templates() {
    let file = fixture("apps/rendered-chart.yaml");
    let (dir, r) = import("rendered", &[&file, "--name", "mq"]);
    let share = exactness("rendered-chart", &r);
    assert!(share >= 0.98, "{share}: {:?}", not_exact(&r));
    let rendered = validate_and_render(&dir, "mq", &[]);
    assert_names_kept(&input_objects(&file), &rendered);
    let sts = support::find(&rendered, "StatefulSet", "mq-rabbitmq");
    assert_eq!(sts["spec"]["serviceName"], "mq-rabbitmq-headless");
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "data"
    );
    // The Secret is not copied: its references are, and the report says why.
    let skipped = r["report"]["skipped"].as_array().expect("skipped");
    assert!(
        skipped.iter().any(|n| n["object"] == "Secret/mq-rabbitmq"),
        "{skipped:?}"
    );
    let text = read(&dir.join("out"), "values.yaml");
    assert!(!text.contains("c2VjcmV0"), "{text}");
}

#[test]
fn a_kustomize_base_with_three_overlays_becomes_values_and_an_environment_file_each() {
    let k = fixture("kustomize");
    let base = format!("{k}/base");
    let envs: Vec<String> = [
        ("dev", "dev"),
        ("staging", "staging"),
        ("prod", "production"),
    ]
    .iter()
    .map(|(e, d)| format!("{e}={k}/overlays/{d}"))
    .collect();
    let mut args = vec![base.as_str(), "--name", "orders"];
    for e in &envs {
        args.extend(["--env", e.as_str()]);
    }
    let (dir, r) = import("kustomize", &args);
    let share = exactness("kustomize", &r);
    assert!(share >= 0.98, "{share}: {:?}", not_exact(&r));
    let rendered = validate_and_render(&dir, "orders", &["dev", "staging", "prod"]);
    assert_names_kept(&input_objects(&base), &rendered);
    // The claim stays outside the release and is mounted by name.
    let db = support::find(&rendered, "StatefulSet", "db");
    let vols = support::pod_spec(db)["volumes"]
        .as_array()
        .expect("volumes");
    assert!(
        vols.iter()
            .any(|v| v["persistentVolumeClaim"]["claimName"] == "db-data"),
        "{vols:?}"
    );
    assert_eq!(support::of_kind(&rendered, "CronJob").len(), 2);
    assert_eq!(
        support::of_kind(&rendered, "HorizontalPodAutoscaler").len(),
        2
    );
    let cleanup = support::find(&rendered, "CronJob", "orders-cleanup");
    assert_eq!(cleanup["spec"]["concurrencyPolicy"], "Allow");
    // Each environment's file holds only what differs.
    let out = dir.join("out");
    let prod: Value = serde_yaml::from_str(&read(&out, "values-prod.yaml")).expect("yaml");
    assert_eq!(
        prod["services"]["orders-api"]["autoscaling"]["minReplicas"],
        3
    );
    assert_eq!(prod["services"]["orders-api"]["env"]["LOG_LEVEL"], "warn");
    assert!(prod["services"].get("db").is_none(), "{prod}");
    let dev: Value = serde_yaml::from_str(&read(&out, "values-dev.yaml")).expect("yaml");
    assert_eq!(dev["services"]["orders-api"]["image"]["tag"], "1.4.0-dev.7");
}

#[test]
fn bad_input_is_refused_naming_the_file_and_document_and_nothing_is_written() {
    let dir = scratch("import-bad-input");
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: 'nginx:1'}]\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("values.yaml", b"replicaCount: 2\nimage: {repository: nginx}\n".to_vec(), "not a Kubernetes object"),
        (
            "template.yaml",
            format!("{deployment}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{{{ .Release.Name }}}}\n").into_bytes(),
            "(document 2): Helm template markers",
        ),
        ("twice.yaml", format!("{deployment}---\n{deployment}").into_bytes(), "Deployment/web is defined twice"),
        ("binary.yaml", vec![0x7f, b'E', b'L', b'F', 0, 0, 1], "binary data, not YAML"),
    ];
    for (file, bytes, want) in cases {
        std::fs::write(dir.join(file), bytes).expect("write");
        let run = apwiz(
            &dir,
            &["import", "manifests", file, "--name", "web", "--out", "out"],
        );
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert!(
            run.stderr.contains(file) && run.stderr.contains(want),
            "{file}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
        assert!(!dir.join("out").exists(), "{file}: something was written");
    }
    // A Service that selects nothing, an unknown kind, a CRD and a Namespace: said, by kind.
    let extra = format!(
        "{deployment}---\napiVersion: v1\nkind: Service\nmetadata: {{name: orphan}}\nspec: {{selector: {{app: nobody}}, ports: [{{port: 80}}]}}\n\
         ---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {{name: web}}\nspec: {{}}\n\
         ---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: shop}}\n\
         ---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {{name: widgets.acme.io}}\nspec: {{}}\n"
    );
    std::fs::write(dir.join("mixed.yaml"), extra).expect("write");
    let run = apwiz(
        &dir,
        &[
            "--format",
            "json",
            "import",
            "manifests",
            "mixed.yaml",
            "--out",
            "out",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let lossy: Vec<String> = r["report"]["lossy"]
        .as_array()
        .expect("lossy")
        .iter()
        .map(|n| n["object"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(lossy.contains(&"Service/orphan".to_string()), "{lossy:?}");
    assert!(lossy.contains(&"Certificate/web".to_string()), "{lossy:?}");
    let skipped: Vec<String> = r["report"]["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|n| n["object"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        skipped.contains(&"Namespace/shop".to_string()),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&"CustomResourceDefinition/widgets.acme.io".to_string()),
        "{skipped:?}"
    );
    // Ten thousand documents: read, and the one workload imported.
    let mut big = String::from(deployment);
    for i in 0..10_000 {
        big.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{k: v}}\n"
        ));
    }
    std::fs::write(dir.join("big.yaml"), big).expect("write");
    let run = apwiz(
        &dir,
        &[
            "--format",
            "json",
            "import",
            "manifests",
            "big.yaml",
            "--out",
            "big",
            "--allow-lossy",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_kustomize_directory_without_kustomize_or_kubectl_says_which_to_install() {
    let dir = scratch("import-no-kustomize");
    let k = fixture("kustomize/base");
    let run = apwiz_env(
        &dir,
        &[
            "import",
            "manifests",
            &k,
            "--name",
            "orders",
            "--out",
            "out",
        ],
        &[("PATH", "/nonexistent")],
    );
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("neither kustomize nor kubectl is on PATH"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("out").exists());
}

/// Each imported app installed on the control plane (kwok pods, Pod Security "restricted"):
/// every Service of the input exists under its name, and the EndpointSlices of the Services in
/// front of Deployments carry the input's port names and numbers with ready endpoints (a
/// StatefulSet's pods wait for their claims, which nothing provisions here).
#[test]
fn imported_apps_install_and_their_services_and_endpoint_slices_keep_the_names() {
    let k = fixture("kustomize");
    let apps: Vec<(&str, String, Vec<String>)> = vec![
        ("boutique", fixture("apps/grpc-microservices.yaml"), vec![]),
        ("sock-shop", fixture("apps/shop-14.yaml"), vec![]),
        ("mq", fixture("apps/rendered-chart.yaml"), vec![]),
        ("orders", format!("{k}/base"), vec![]),
    ];
    for (release, file, _) in &apps {
        install_and_check(release, file);
    }
}

/// A Service of the input: its name, whether a Deployment's pods are behind it, its ports
/// (name, targetPort).
type Wanted = (String, bool, Vec<(String, Value)>);

fn install_and_check(release: &str, file: &str) {
    let (dir, _) = import(&format!("install-{release}"), &[file, "--name", release]);
    let ns = support::fresh_namespace(&format!("import-{release}"));
    let values = dir.join("out/values.yaml").display().to_string();
    let chart = support::chart().display().to_string();
    let out = std::process::Command::new(support::helm())
        .args(["install", release, &chart, "-n", &ns, "-f", &values])
        .env("KUBECONFIG", support::kubeconfig())
        .env("NO_COLOR", "1")
        .output()
        .expect("helm install");
    assert!(
        out.status.success(),
        "helm install {release}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let input = input_objects(file);
    let deployed: Vec<&Value> = input.iter().filter(|o| o["kind"] == "Deployment").collect();
    let behind_deployment = |svc: &Value| {
        deployed.iter().any(|d| {
            let labels = &d["spec"]["template"]["metadata"]["labels"];
            svc["spec"]["selector"]
                .as_object()
                .is_some_and(|s| s.iter().all(|(k, v)| labels.get(k) == Some(v)))
        })
    };
    let want: Vec<Wanted> = input
        .iter()
        .filter(|o| o["kind"] == "Service")
        .map(|o| {
            let ports = o["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or("").to_string(),
                        p["targetPort"].clone(),
                    )
                })
                .collect();
            (
                o["metadata"]["name"].as_str().unwrap_or("").to_string(),
                behind_deployment(o),
                ports,
            )
        })
        .collect();
    let (ok, svcs, err) = support::kubectl(&["get", "services", "-n", &ns, "-o", "json"]);
    assert!(ok, "{err}");
    let svcs: Value = serde_json::from_str(&svcs).expect("json");
    let names: BTreeSet<&str> = svcs["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|s| s["metadata"]["name"].as_str())
        .collect();
    for (name, _, _) in &want {
        assert!(
            names.contains(name.as_str()),
            "{release}: no Service {name}: {names:?}"
        );
    }
    // The endpoint controller fills the slices once kwok has the pods running: bounded wait.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    let mut missing: Vec<String>;
    loop {
        let (ok, slices, err) =
            support::kubectl(&["get", "endpointslices", "-n", &ns, "-o", "json"]);
        assert!(ok, "{err}");
        let slices: Value = serde_json::from_str(&slices).expect("json");
        let items = slices["items"].as_array().cloned().unwrap_or_default();
        missing = Vec::new();
        for (name, _, ports) in want.iter().filter(|w| w.1) {
            let of: Vec<&Value> = items
                .iter()
                .filter(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] == *name.as_str())
                .collect();
            let ready = of.iter().any(|s| {
                s["endpoints"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|e| e["conditions"]["ready"] == true))
            });
            for (port, target) in ports {
                let found = of.iter().any(|s| {
                    s["ports"].as_array().is_some_and(|ps| {
                        ps.iter().any(|p| {
                            p["name"] == *port.as_str()
                                && (!target.is_u64() || p["port"] == *target)
                        })
                    })
                });
                if !found || !ready {
                    missing.push(format!("{name} {port}:{target} (ready endpoints: {ready})"));
                }
            }
        }
        if missing.is_empty() || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(3));
    }
    assert!(
        missing.is_empty(),
        "{release}: EndpointSlices without the input's ports: {missing:?}"
    );
    println!(
        "{release}: {} Services with their names, EndpointSlices with the input's port names",
        want.len()
    );
    let _ = support::kubectl(&["delete", "namespace", &ns, "--wait=false"]);
}

/// A `kind: List` on stdin: a headless Service with `targetPort: 0` and unnamed ports, and a
/// chart's test Pod (a Helm hook), import strictly; the hook is listed as not imported.
#[test]
fn a_list_on_stdin_with_a_headless_service_and_unnamed_ports() {
    let dir = scratch("import-list-stdin");
    let text = std::fs::read_to_string(fixture("list-headless-hook.yaml")).expect("fixture");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_apwiz"))
        .args([
            "--format",
            "json",
            "import",
            "manifests",
            "-",
            "--out",
            "out",
        ])
        .current_dir(&dir)
        .env("APWIZ_HELM", support::helm())
        .env("APWIZ_CHART", support::chart())
        .env("APWIZ_CONFIG", dir.join("no-such-config.yaml"))
        .env("APWIZ_NON_INTERACTIVE", "1")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("apwiz");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("apwiz output");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["fields"]["lossy"], 0, "{r}");
    let skipped = r["report"]["skipped"].as_array().expect("skipped");
    assert!(
        skipped
            .iter()
            .any(|n| n["object"] == "Pod/cache-test-connection"),
        "{skipped:?}"
    );
    let rendered = validate_and_render(&dir, "cache", &[]);
    let svc = support::find(&rendered, "Service", "cache");
    assert_eq!(svc["spec"]["clusterIP"], "None");
    let ports = svc["spec"]["ports"].as_array().expect("ports");
    assert!(
        ports
            .iter()
            .all(|p| p["name"].as_str().is_some_and(|n| !n.is_empty())),
        "{ports:?}"
    );
    assert!(
        ports
            .iter()
            .any(|p| p["port"] == 11211 && p["targetPort"] != 0),
        "{ports:?}"
    );
}

/// `apwiz --format json import manifests <fixture> --out out` in `dir`: its report, after the
/// exit code `code`.
fn import_json(dir: &std::path::Path, name: &str, code: i32) -> Value {
    let file = fixture(name);
    let run = apwiz_env(
        dir,
        &[
            "--format",
            "json",
            "import",
            "manifests",
            &file,
            "--out",
            "out",
        ],
        &[("PATH", &tools_path())],
    );
    assert_eq!(run.code, code, "{}", run.stderr);
    run.json()
}

/// A rendered container's mounts at `path`.
fn mounts_at<'a>(c: &'a Value, path: &str) -> Vec<&'a Value> {
    c["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .filter(|m| m["mountPath"] == path)
        .collect()
}

/// A sidecar's mount of the data volume is the chart's own; a volume only the sidecar mounts
/// is said as not expressible, and the files written still validate (exit 1 only for that).
#[test]
fn a_sidecar_only_volume_is_said_and_the_files_still_validate() {
    let dir = scratch("import-sidecar-mounts");
    let r = import_json(&dir, "sidecar-mounts.yaml", 1);
    let lossy: Vec<&str> = r["report"]["lossy"]
        .as_array()
        .expect("lossy")
        .iter()
        .filter_map(|n| n["field"].as_str())
        .collect();
    assert_eq!(lossy, ["containers.backup.volumeMounts.creds"], "{r}");
    let rendered = validate_and_render(&dir, "app", &[]);
    let backup = support::container(support::find(&rendered, "Deployment", "app"), "backup");
    let at = mounts_at(backup, "/var/lib/app");
    assert_eq!(at.len(), 1, "{backup}");
}

/// A sidecar that mounts the ConfigMap the main container mounts (it becomes configFiles): at
/// its own path its mount names the chart's volume, at the main container's path the chart's
/// own mount serves it; the import is strict (exit 0), both mounts counted as kept, and the
/// render mounts the files in each container where the manifests did.
#[test]
fn a_sidecar_mounting_the_config_files_keeps_its_mount() {
    let dir = scratch("import-sidecar-config");
    let r = import_json(&dir, "sidecar-config.yaml", 0);
    assert_eq!(r["fields"]["lossy"], 0, "{r}");
    let kept: Vec<&str> = r["report"]["exact"]
        .as_array()
        .expect("exact")
        .iter()
        .filter_map(|n| n["field"].as_str())
        .filter(|f| f.ends_with(".configFiles"))
        .collect();
    assert_eq!(
        kept,
        [
            "pod.containers.exporter.volumeMounts./etc/exporter.configFiles",
            "pod.containers.main.volumeMounts./etc/app.configFiles",
            "pod.containers.reloader.volumeMounts./etc/app.configFiles",
        ],
        "{r}"
    );
    let rendered = validate_and_render(&dir, "app", &[]);
    let deployment = support::find(&rendered, "Deployment", "app");
    for (container, path) in [("exporter", "/etc/exporter"), ("reloader", "/etc/app")] {
        let c = support::container(deployment, container);
        let at = mounts_at(c, path);
        assert_eq!(at.len(), 1, "{c}");
        assert_eq!(at[0]["name"], "config", "{c}");
    }
    let cm = support::find(&rendered, "ConfigMap", "app-config");
    assert!(cm["data"]["exporter.yaml"].is_string(), "{cm}");
}
