//! Real apps as they are (issue 20), installed: each fixture of tests/fixtures/real-apps/ goes onto
//! the local control plane (kube-apiserver, controller-manager, scheduler, etcd; kwok plays the
//! kubelets and gives pods IPs) in a namespace that enforces Pod Security "restricted", without a
//! PodSecurity warning, and every Service's EndpointSlices point at exactly the pods of its own
//! workload, on the ports by the names the app uses. Run with Helm 4 and Helm 3 (scripts/test.sh).
mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{
    fresh_namespace, helm, helm_major, kubeconfig, kubectl, kubectl_in, parse_manifests, repo,
};

/// How long kwok may take to make pods Ready and the EndpointSlice controller to follow, on a
/// loaded machine. The assertions are about what ends up there, not how fast.
const SETTLE: Duration = Duration::from_secs(150);

fn helm_in(ns: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(helm())
        .args(args)
        .args(["-n", ns])
        .env("KUBECONFIG", kubeconfig())
        .env("NO_COLOR", "1")
        .current_dir(repo())
        .output()
        .expect("run helm");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let (ok, out, err) = kubectl(&all);
    assert!(ok, "kubectl {}: {err}", args.join(" "));
    serde_json::from_str(&out).expect("kubectl printed JSON")
}

fn items(v: &Value) -> &[Value] {
    v["items"].as_array().map(Vec::as_slice).unwrap_or_default()
}

fn apply(manifest: &str) {
    let r = kubectl_in(&["apply", "-f", "-"], Some(manifest));
    assert!(r.ok, "kubectl apply: {}\n{manifest}", r.stderr);
}

/// `name=value,…` of a Service's selector, for `kubectl get pods -l`.
fn selector(svc: &Value) -> String {
    svc["spec"]["selector"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// What one Service resolves to: (pods of its selector that are Ready, pods its EndpointSlices
/// name, the port names in those slices).
fn resolved(ns: &str, svc: &Value) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let name = svc["metadata"]["name"].as_str().unwrap_or_default();
    let pods = json(&["get", "pods", "-n", ns, "-l", &selector(svc)]);
    let ready: BTreeSet<String> = items(&pods)
        .iter()
        .filter(|p| {
            p["status"]["conditions"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        })
        .filter_map(|p| p["metadata"]["name"].as_str().map(String::from))
        .collect();
    let slices = json(&[
        "get",
        "endpointslices",
        "-n",
        ns,
        "-l",
        &format!("kubernetes.io/service-name={name}"),
    ]);
    let mut targets = BTreeSet::new();
    let mut ports = BTreeSet::new();
    for slice in items(&slices) {
        for ep in slice["endpoints"].as_array().into_iter().flatten() {
            if let Some(pod) = ep["targetRef"]["name"].as_str() {
                targets.insert(pod.to_string());
            }
        }
        for p in slice["ports"].as_array().into_iter().flatten() {
            ports.insert(p["name"].as_str().unwrap_or_default().to_string());
        }
    }
    (ready, targets, ports)
}

/// Installs `fixture` as `release` in a fresh restricted namespace and checks every Service it
/// renders; returns the namespace (the release is left for the caller's extra checks).
fn install_and_check(fixture: &str, release: &str, before: impl FnOnce(&str)) -> String {
    let ns = fresh_namespace(&format!("ra-{release}"));
    before(&ns);
    let chart = repo().join("chart").display().to_string();
    let file = repo().join(fixture).display().to_string();
    // No --wait: Helm 3 would wait for a LoadBalancer address no cloud gives here. The checks
    // below wait on what matters (pods Ready, EndpointSlices filled).
    let (ok, _, err) = helm_in(&ns, &["install", release, &chart, "-f", &file]);
    assert!(ok, "helm install {fixture}: {err}");
    assert!(
        !err.contains("PodSecurity") && !err.contains("Warning"),
        "{fixture}: helm install printed a warning under restricted:\n{err}"
    );
    let (ok, manifest, err) = helm_in(&ns, &["get", "manifest", release]);
    assert!(ok, "helm get manifest: {err}");
    let services: Vec<Value> = parse_manifests(&manifest)
        .into_iter()
        .filter(|o| o["kind"] == "Service")
        .collect();
    let deadline = Instant::now() + SETTLE;
    for svc in &services {
        let name = svc["metadata"]["name"].as_str().unwrap_or_default();
        let want_ports: BTreeSet<String> = svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p["name"].as_str().unwrap_or_default().to_string())
            .collect();
        loop {
            let (ready, targets, ports) = resolved(&ns, svc);
            let settled = !ready.is_empty() && ready == targets && ports == want_ports;
            if settled {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{fixture}: Service {name} (selector {}) after {SETTLE:?}: Ready pods {ready:?}, \
                 EndpointSlices name {targets:?} on ports {ports:?} (want {want_ports:?})",
                selector(svc)
            );
            std::thread::sleep(Duration::from_secs(2));
        }
        // Each Service selects its own workload's pods only: the pods it names carry the
        // release's instance label and the Service's component.
        let (_, targets, _) = resolved(&ns, svc);
        for pod in &targets {
            let p = json(&["get", "pod", pod, "-n", &ns]);
            assert_eq!(
                p["metadata"]["labels"]["app.kubernetes.io/instance"], release,
                "{fixture}: Service {name} selects pod {pod} of another release"
            );
        }
    }
    ns
}

fn uninstall(ns: &str, release: &str) {
    let (ok, _, err) = helm_in(ns, &["uninstall", release, "--wait", "--timeout", "120s"]);
    assert!(ok, "helm uninstall {release}: {err}");
}

fn service_names(ns: &str) -> BTreeSet<String> {
    items(&json(&["get", "services", "-n", ns]))
        .iter()
        .filter_map(|s| s["metadata"]["name"].as_str().map(String::from))
        .collect()
}

#[test]
fn grpc_mesh_keeps_plain_service_names_and_grpc_ports() {
    let rel = format!("mesh{}", helm_major());
    let ns = install_and_check("tests/fixtures/real-apps/grpc-mesh.yaml", &rel, |_| {});
    let names = service_names(&ns);
    for want in ["cartservice", "redis-cart", "checkoutservice"] {
        assert!(names.contains(want), "{want} missing: {names:?}");
    }
    let cart = json(&["get", "service", "cartservice", "-n", &ns]);
    assert_eq!(cart["spec"]["ports"][0]["name"], "grpc", "{cart:#}");
    assert_eq!(cart["spec"]["ports"][0]["appProtocol"], "grpc", "{cart:#}");
    uninstall(&ns, &rel);
}

#[test]
fn front_end_has_a_cluster_ip_and_a_load_balancer_for_the_same_pods() {
    let rel = format!("front{}", helm_major());
    let ns = install_and_check("tests/fixtures/real-apps/frontend-lb.yaml", &rel, |_| {});
    let lb = json(&["get", "service", "frontend-external", "-n", &ns]);
    assert_eq!(lb["spec"]["type"], "LoadBalancer", "{lb:#}");
    assert_eq!(lb["spec"]["externalTrafficPolicy"], "Local", "{lb:#}");
    let ip = json(&["get", "service", "frontend", "-n", &ns]);
    assert_eq!(ip["spec"]["type"], "ClusterIP", "{ip:#}");
    uninstall(&ns, &rel);
}

#[test]
fn exporter_sidecar_serves_the_second_port_of_the_service() {
    let rel = format!("cat{}", helm_major());
    let ns = install_and_check(
        "tests/fixtures/real-apps/exporter-sidecar.yaml",
        &rel,
        |_| {},
    );
    // install_and_check compared the slices' port names with the Service's; here they are the
    // app's and the exporter's.
    let svc = json(&["get", "service", &format!("{rel}-catalogue"), "-n", &ns]);
    let names: Vec<&str> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["http", "metrics"], "{svc:#}");
    uninstall(&ns, &rel);
}

#[test]
fn headless_statefulset_runs_on_the_claim_that_already_exists() {
    let rel = format!("carts{}", helm_major());
    let ns = install_and_check(
        "tests/fixtures/real-apps/stateful-existing-claim.yaml",
        &rel,
        |ns| {
            apply(&format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: carts-db-data\n  \
                 namespace: {ns}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: standard\n  \
                 resources:\n    requests:\n      storage: 1Gi\n"
            ));
        },
    );
    let sts = json(&["get", "statefulset", "carts-db", "-n", &ns]);
    let claims = sts["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
        .collect::<Vec<_>>();
    assert_eq!(claims, ["carts-db-data"], "{sts:#}");
    assert!(
        sts["spec"]["volumeClaimTemplates"].is_null(),
        "no claim templates on an existing claim: {sts:#}"
    );
    let svc = json(&["get", "service", "carts-db", "-n", &ns]);
    assert_eq!(svc["spec"]["clusterIP"], "None", "{svc:#}");
    assert_eq!(svc["spec"]["ports"][0]["name"], "mongo", "{svc:#}");
    uninstall(&ns, &rel);
}

#[test]
fn gpu_worker_is_scheduled_on_a_gpu_node_and_the_cronjob_is_accepted() {
    // The cluster-wide objects a GPU platform has: a node with the extended resource (a kwok
    // node like the others), the RuntimeClass and the PriorityClass the fixture names.
    apply(
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-node-1\n  annotations:\n    \
         kwok.x-k8s.io/node: fake\n  labels:\n    accelerator: nvidia-l4\n    type: kwok\n    \
         kubernetes.io/hostname: gpu-node-1\n    topology.kubernetes.io/zone: a\nspec:\n  taints:\n  \
         - {key: nvidia.com/gpu, effect: NoSchedule}\n\
         status:\n  allocatable: {cpu: '32', memory: 128Gi, pods: '110', nvidia.com/gpu: '4'}\n  \
         capacity: {cpu: '32', memory: 128Gi, pods: '110', nvidia.com/gpu: '4'}\n\
         ---\napiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: nvidia\nhandler: nvidia\n\
         ---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: gpu-batch\nvalue: 1000\n\
         description: GPU batch work (tests/lifecycle_real_apps.rs)\n",
    );
    let rel = format!("gpu{}", helm_major());
    let ns = install_and_check("tests/fixtures/real-apps/gpu-worker.yaml", &rel, |_| {});
    let deadline = Instant::now() + SETTLE;
    loop {
        let pods = json(&[
            "get",
            "pods",
            "-n",
            &ns,
            "-l",
            "app.kubernetes.io/component=inference",
        ]);
        let nodes: Vec<&str> = items(&pods)
            .iter()
            .filter_map(|p| p["spec"]["nodeName"].as_str())
            .collect();
        if !nodes.is_empty() {
            assert!(nodes.iter().all(|n| *n == "gpu-node-1"), "{pods:#}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "inference never scheduled: {pods:#}"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    let cron = json(&["get", "cronjobs", "-n", &ns]);
    assert_eq!(items(&cron).len(), 1, "{cron:#}");
    assert_eq!(items(&cron)[0]["spec"]["timeZone"], "Europe/Berlin");
    uninstall(&ns, &rel);
}
