//! Production defaults (chart/values-prod.yaml, the prod and staging overlays) on every example,
//! and the NetworkPolicies from the dependency graph, tested by their meaning: the core's pure
//! evaluator of Kubernetes NetworkPolicy semantics (`apwiz::testing::core::check::netpol`, the one
//! `apwiz explain netpol` prints from) computes who may reach whom from the policies the real
//! chart renders with the prod overlay, for the pods the same render runs and for a few actors
//! outside the release (the ingress controller, Prometheus, cluster DNS, a pod of another
//! namespace, an address on the internet). No CNI runs here: the evaluator is the stand-in, and
//! it follows the API's documented rules (see its module documentation).
mod support;

use apwiz::testing::core::check::netpol::{Actor, Direction, Network, Protocol, selects};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::*;

const TCP: Protocol = Protocol::Tcp;
const UDP: Protocol = Protocol::Udp;

// ---------------------------------------------------------------------------------------------
// The actors of a render

const NS: &str = "apps"; // support::template_chart renders into this namespace

/// Every pod the render runs, by its component label.
fn pods_of(objs: &[Value]) -> BTreeMap<String, Actor> {
    apwiz::testing::core::check::netpol::pods_of(objs, NS)
        .into_iter()
        .map(|a| (a.name.clone(), a))
        .collect()
}

fn outside(name: &str, ns: &str, labels: &[(&str, &str)], ports: &[(&str, u16)]) -> Actor {
    Actor::tcp_pod(name, ns, labels, ports)
}

fn address(name: &str, ip: &str) -> Actor {
    Actor::address(name, ip.parse().unwrap())
}

fn prod(extra: &str) -> Vec<Value> {
    let dir = tempdir();
    let file = dir.join("extra.yaml");
    std::fs::write(&file, extra).unwrap();
    let objs = template(
        &[
            "examples/four-services.yaml",
            "chart/values-prod.yaml",
            file.to_str().unwrap(),
        ],
        &[],
    )
    .unwrap_or_else(|e| panic!("four-services prod render failed:\n{}", e.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    objs
}

fn policies(objs: &[Value]) -> Network {
    Network::new(objs, NS)
}

// ---------------------------------------------------------------------------------------------
// The tests

/// The deny/allow matrix of the four-services example in prod (web → api → cache, database):
/// each service is reached by exactly its dependents, on its own port, and nothing else in or
/// outside the release reaches it; everyone reaches DNS; nothing reaches the internet.
#[test]
fn four_services_matrix_follows_the_dependency_graph() {
    let objs = prod("{}");
    let net = policies(&objs);
    let pods = pods_of(&objs);
    let services = ["web", "api", "cache", "database"];
    let port = |s: &str| pods[s].port("http").unwrap();
    assert_eq!(
        services.map(port),
        [8080, 8080, 6379, 5432],
        "the example's ports"
    );
    // who may reach whom (on the destination's main port)
    let allowed = [("web", "api"), ("api", "cache"), ("api", "database")];
    let mut matrix = Vec::new();
    for from in services {
        for to in services {
            if from == to {
                continue;
            }
            let got = net.allows(&pods[from], &pods[to], port(to), TCP);
            let want = allowed.contains(&(from, to));
            matrix.push(format!(
                "{from:>8} -> {to:<8} {}",
                if got { "allow" } else { "deny" }
            ));
            assert_eq!(
                got,
                want,
                "{from} -> {to}:{}; matrix so far:\n{}",
                port(to),
                matrix.join("\n")
            );
        }
    }
    // a dependency is reached only on its own port
    for (from, to, port) in [("api", "database", 22), ("web", "api", 5432)] {
        let (from, to) = (&pods[from], &pods[to]);
        assert!(
            !net.allows(from, to, port, TCP),
            "{} -> {}:{port} must be denied (not the port it serves)",
            from.name,
            to.name
        );
    }

    let dns = outside(
        "kube-dns",
        "kube-system",
        &[("k8s-app", "kube-dns")],
        &[("dns", 53)],
    );
    let stranger = outside("stranger", "other", &[("app", "x")], &[]);
    let ingress = outside(
        "controller",
        "ingress-nginx",
        &[("app", "ingress-nginx")],
        &[],
    );
    let internet = address("internet", "203.0.113.5");
    for s in services {
        assert!(net.allows(&pods[s], &dns, 53, UDP), "{s} -> DNS");
        assert!(net.allows(&pods[s], &dns, 53, TCP), "{s} -> DNS over TCP");
        assert!(
            !net.allows(&pods[s], &internet, 443, TCP),
            "{s} -> internet"
        );
        assert!(
            !net.allows(&stranger, &pods[s], port(s), TCP),
            "other namespace -> {s}"
        );
        // no ingress or route is on in the example: the controller reaches nobody
        assert!(
            !net.allows(&ingress, &pods[s], port(s), TCP),
            "ingress controller -> {s}"
        );
        assert!(
            !net.allows(&pods[s], &stranger, 8080, TCP),
            "{s} -> other namespace"
        );
    }
    // the helm test Pods reach their own service and nothing else of the release
    for s in ["web", "api", "cache", "database"] {
        let test = &pods[&format!("{s}-test")];
        assert!(net.allows(test, &pods[s], port(s), TCP), "{s}-test -> {s}");
        for other in services.iter().filter(|o| **o != s) {
            assert!(
                !net.allows(test, &pods[*other], port(other), TCP),
                "{s}-test -> {other}"
            );
        }
        assert!(
            !net.allows(&pods["web"], test, 8080, TCP),
            "nothing calls a test Pod"
        );
    }
    // every pod of the render is selected by a policy in both directions (kube-score's
    // pod-networkpolicy)
    for pod in pods.values() {
        assert!(
            net.isolating(pod, Direction::Ingress).is_some()
                && net.isolating(pod, Direction::Egress).is_some(),
            "{} is not isolated",
            pod.name
        );
    }
}

/// allowFrom (a service of the release, pods of a namespace, addresses) and allowTo (addresses,
/// a host name on its ports) open exactly what they say.
#[test]
fn allow_from_and_allow_to_open_exactly_their_peers() {
    let objs = prod(
        r#"
services:
  database:
    networkPolicy:
      allowFrom:
        - web
        - {namespace: reporting, podLabels: {app: bi}}
        - {cidr: 10.50.0.0/16, except: [10.50.9.0/24], ports: [5432]}
  api:
    networkPolicy:
      allowTo:
        - {cidr: 192.0.2.0/24, ports: [443]}
        - {host: api.stripe.com, ports: [8443]}
"#,
    );
    let net = policies(&objs);
    let pods = pods_of(&objs);
    let db = &pods["database"];
    // web may now reach the database (ingress); its own egress is still the graph's, so the
    // connection needs both ends: web's policy does not list the database
    assert!(!net.allows(&pods["web"], db, 5432, TCP));
    let web_ingress_only = Network::new(objs.iter().filter(|p| name(p) != "release-web"), NS);
    assert!(web_ingress_only.allows(&pods["web"], db, 5432, TCP));
    assert!(!web_ingress_only.allows(&pods["web"], &pods["cache"], 6379, TCP));

    let bi = outside("bi", "reporting", &[("app", "bi")], &[]);
    let other_bi = outside("other", "reporting", &[("app", "crm")], &[]);
    assert!(net.allows(&bi, db, 5432, TCP));
    assert!(!net.allows(&other_bi, db, 5432, TCP));
    assert!(!net.allows(&bi, db, 22, TCP), "only the main port");
    assert!(net.allows(&address("vpn", "10.50.1.2"), db, 5432, TCP));
    assert!(!net.allows(&address("vpn-excepted", "10.50.9.2"), db, 5432, TCP));
    assert!(!net.allows(&address("elsewhere", "10.51.0.1"), db, 5432, TCP));

    let api = &pods["api"];
    assert!(net.allows(api, &address("partner", "192.0.2.7"), 443, TCP));
    assert!(!net.allows(api, &address("partner", "192.0.2.7"), 80, TCP));
    assert!(!net.allows(api, &address("other", "198.51.100.1"), 443, TCP));
    // a host name cannot be matched: any address, on its ports only
    assert!(net.allows(api, &address("stripe", "198.51.100.1"), 8443, TCP));
    assert!(!net.allows(&pods["web"], &address("stripe", "198.51.100.1"), 8443, TCP));
}

/// Bad allowFrom / allowTo entries fail before anything is installed, naming the key, the value
/// and the fix.
#[test]
fn bad_allow_entries_fail_with_the_key_and_the_value() {
    let err = |values: &str| {
        let objs = template_yaml(&format!(
            "networkPolicy: {{enabled: true}}\nservices:\n  api: {{}}\n  db:\n    networkPolicy:\n{values}"
        ));
        match objs {
            Ok(_) => panic!("rendered:\n{values}"),
            Err(e) => e.stderr,
        }
    };
    let e = err("      allowFrom: [reportz]");
    assert!(
        e.contains("services.db.networkPolicy.allowFrom[0]")
            && e.contains("reportz")
            && e.contains("api, db"),
        "{e}"
    );
    for bad in ["10.0.0.0/33", "10.0.0.256/8", "fd00:::1/64"] {
        let e = err(&format!(
            "      allowTo: [{{cidr: \"{bad}\", ports: [443]}}]"
        ));
        assert!(
            e.contains("allowTo[0]") && e.contains(bad) && e.contains("CIDR"),
            "{bad}: {e}"
        );
    }
    let e = err("      allowFrom: [{cidr: 10.1.0.0/16, except: [10.1.0.0/40]}]");
    assert!(
        e.contains("allowFrom[0].except[0]") && e.contains("10.1.0.0/40"),
        "{e}"
    );
    // a host without ports: the schema refuses it (the chart would too), naming the missing key
    let e = err("      allowTo: [{host: api.stripe.com}]");
    assert!(
        (e.contains("allowTo/0") || e.contains("allowTo[0]")) && e.contains("ports"),
        "{e}"
    );
    // well-formed addresses pass
    let ok = template_yaml(
        "networkPolicy: {enabled: true, allowTo: [{cidr: 10.0.0.0/8}, {cidr: \"2001:db8::/32\", ports: [443]}, {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}]}",
    );
    assert!(ok.is_ok(), "{:?}", ok.err());
    let objs = ok.unwrap();
    let np = find(&objs, "NetworkPolicy", "release");
    assert_eq!(
        np["spec"]["egress"][3],
        json!({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]})
    );
}

// ---------------------------------------------------------------------------------------------
// The prod overlay on every example

/// examples/*.yaml and examples/robot-shop/values.yaml (the umbrella example has its own chart).
fn examples() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(repo().join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| format!("examples/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    out.push("examples/robot-shop/values.yaml".into());
    out.sort();
    out
}

fn render_env(example: &str, env: &str) -> Vec<Value> {
    let env_file = format!("chart/values-{env}.yaml");
    template(&[example, &env_file], &[])
        .unwrap_or_else(|e| panic!("{example} in {env} failed:\n{}", e.stderr))
}

fn pod_metadata(o: &Value) -> &Value {
    match kind(o) {
        "Pod" => &o["metadata"],
        "CronJob" => &o["spec"]["jobTemplate"]["spec"]["template"]["metadata"],
        _ => &o["spec"]["template"]["metadata"],
    }
}

/// In prod every pod of every example (workloads, hook Jobs, backups, helm test Pods) is bounded
/// on ephemeral storage, pulls Always, is restricted, and is selected by a NetworkPolicy in both
/// directions; every scalable workload of more than one pod has a disruption budget selecting it;
/// every Ingress serves TLS. The same properties kube-score and checkov look for, checked here
/// on the objects themselves.
#[test]
fn prod_overlay_hardens_every_pod_of_every_example() {
    let (mut checked, mut ingresses) = (0, 0);
    for example in examples() {
        let objs = render_env(&example, "prod");
        let net = policies(&objs);
        let pods = pods_of(&objs);
        let pdbs = of_kind(&objs, "PodDisruptionBudget");
        for o in objs.iter().filter(|o| is_workload(o)) {
            let what = format!("{example}: {}/{}", kind(o), name(o));
            assert_restricted(o);
            for c in containers(pod_spec(o)) {
                let r = &c["resources"];
                assert!(
                    r["requests"]["ephemeral-storage"].is_string()
                        && r["limits"]["ephemeral-storage"].is_string(),
                    "{what}: container {} has no ephemeral-storage request and limit: {r}",
                    c["name"]
                );
                assert_eq!(c["imagePullPolicy"], "Always", "{what}: {}", c["name"]);
                // secrets as files, not environment (checkov CKV_K8S_35)
                let env_secret = c["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e["valueFrom"].get("secretKeyRef").is_some());
                let env_from_secret = c["envFrom"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e.get("secretRef").is_some());
                assert!(
                    !env_secret && !env_from_secret,
                    "{what}: container {} reads a Secret through its environment",
                    c["name"]
                );
            }
            let component = pod_template_labels(o)["app.kubernetes.io/component"]
                .as_str()
                .unwrap_or_default();
            let pod = &pods[component];
            assert!(
                net.isolating(pod, Direction::Ingress).is_some()
                    && net.isolating(pod, Direction::Egress).is_some(),
                "{what}: no NetworkPolicy selects its pods in both directions"
            );
            let replicas = o["spec"]["replicas"].as_u64().unwrap_or(0);
            if matches!(kind(o), "Deployment" | "StatefulSet") && replicas > 1 {
                assert!(
                    pdbs.iter()
                        .any(|b| selects(&b["spec"]["selector"], &pod.labels)),
                    "{what}: {replicas} replicas and no PodDisruptionBudget"
                );
            }
            if kind(o) == "Pod" {
                // the helm test Pod: high ids whatever the service's, and only the probe checks
                // skipped, each with its reason
                let sc = &pod_spec(o)["securityContext"];
                assert_eq!(
                    (&sc["runAsUser"], &sc["runAsGroup"]),
                    (&json!(10001), &json!(10001)),
                    "{what}"
                );
                let ann = &pod_metadata(o)["annotations"];
                let skips: Vec<&str> = ann
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| k.starts_with("checkov.io/skip"))
                    .map(|(_, v)| v.as_str().unwrap())
                    .collect();
                assert_eq!(skips.len(), 2, "{what}: {ann}");
                for s in skips {
                    let (id, reason) = s.split_once('=').expect("ID=reason");
                    assert!(
                        matches!(id, "CKV_K8S_8" | "CKV_K8S_9")
                            && reason.len() > 20
                            && !reason.contains('='),
                        "{what}: {s}"
                    );
                }
            }
            checked += 1;
        }
        let with_ingress = template(
            &[&example, "chart/values-prod.yaml"],
            &["ingress.enabled=true", "ingress.host=shop.example.com"],
        );
        // (an example whose services cannot take an Ingress, e.g. jobs only, fails to render it)
        for ing in with_ingress
            .iter()
            .flat_map(|objs| of_kind(objs, "Ingress"))
        {
            ingresses += 1;
            assert!(
                ing["spec"]["tls"].as_array().is_some_and(|t| !t.is_empty()),
                "{example}: Ingress {} has no TLS in prod",
                name(ing)
            );
        }
        for np in of_kind(&objs, "NetworkPolicy") {
            assert!(
                pods.values()
                    .any(|p| selects(&np["spec"]["podSelector"], &p.labels)),
                "{example}: NetworkPolicy {} selects no pod of the render",
                name(np)
            );
        }
    }
    assert!(checked >= 40, "checked only {checked} workloads");
    assert!(ingresses >= 3, "checked only {ingresses} Ingresses");
}

/// Staging rehearses prod's pull policy and TLS at a smaller scale; dev stays small: one replica,
/// no disruption budget and no NetworkPolicy unless the example asks for them.
#[test]
fn staging_gets_tls_and_dev_stays_small() {
    let sets = ["ingress.enabled=true", "ingress.host=shop.example.com"];
    let staging = template(
        &["examples/web-app.yaml", "chart/values-staging.yaml"],
        &sets,
    )
    .unwrap_or_else(|e| panic!("{}", e.stderr));
    let ing = find(&staging, "Ingress", "release");
    assert_eq!(ing["spec"]["tls"][0]["secretName"], "release-tls");
    let d = find(&staging, "Deployment", "release");
    assert_eq!(main_container(d)["imagePullPolicy"], "Always");
    let dev = render_env("examples/web-app.yaml", "dev");
    assert!(
        of_kind(&dev, "NetworkPolicy").is_empty()
            && of_kind(&dev, "PodDisruptionBudget").is_empty()
    );
    let d = find(&dev, "Deployment", "release");
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(main_container(d)["imagePullPolicy"], "IfNotPresent");
    assert!(main_container(d)["resources"]["limits"]["ephemeral-storage"].is_null());
}

/// Secrets as files: an ExternalSecret with mountPath is a read-only volume in every container
/// of the service (hooks and backups too) and, unless env says otherwise, no longer envFrom; a
/// backup's targetSecretMountPath mounts the target Secret instead of reading it as environment.
#[test]
fn secrets_mount_as_files_instead_of_environment() {
    let base = "externalSecrets:\n  storeRef: {name: vault}\n  secrets:\n";
    let objs = render(&format!(
        "{base}    db: {{mountPath: /run/secrets/db, data: {{PW: {{key: db}}}}}}\n    keys: {{data: {{K: {{key: k}}}}}}\n\
         hooks: {{migration: {{preset: migration, command: [migrate]}}}}\n"
    ));
    for o in [
        find(&objs, "Deployment", "release"),
        find(&objs, "Job", "release-migration"),
    ] {
        let c = main_container(o);
        assert_eq!(
            c["envFrom"],
            json!([{"secretRef": {"name": "release-keys"}}]),
            "{}: only the secret without mountPath is environment",
            name(o)
        );
        assert!(
            c["volumeMounts"].as_array().unwrap().contains(
                &json!({"name": "secret-db", "mountPath": "/run/secrets/db", "readOnly": true})
            ),
            "{}: {}",
            name(o),
            c["volumeMounts"]
        );
        assert!(
            pod_spec(o)["volumes"]
                .as_array()
                .unwrap()
                .contains(&json!({"name": "secret-db", "secret": {"secretName": "release-db"}})),
            "{}",
            name(o)
        );
    }
    // env: true keeps the environment as well
    let both = render(&format!(
        "{base}    db: {{mountPath: /run/secrets/db, env: true, data: {{PW: {{key: db}}}}}}\n"
    ));
    let c = main_container(find(&both, "Deployment", "release"));
    assert_eq!(c["envFrom"], json!([{"secretRef": {"name": "release-db"}}]));
    assert!(c["volumeMounts"].to_string().contains("/run/secrets/db"));
    // a relative mountPath is refused by the schema, naming the key
    let e = render_err(&format!(
        "{base}    db: {{mountPath: run/secrets, data: {{PW: {{key: db}}}}}}\n"
    ));
    assert!(e.contains("mountPath") && e.contains("run/secrets"), "{e}");

    let sts = "workloadType: statefulset\nimage: postgres:16.4-alpine\nport: 5432\n\
               persistence: {enabled: true, storageClass: default}\n";
    let backup =
        "backup: {enabled: true, image: \"postgres:16.4-alpine\", command: [b], targetSecret: s3";
    let as_env = render(&format!("{sts}{backup}}}\n"));
    let cj = find(&as_env, "CronJob", "release-backup");
    assert_eq!(
        main_container(cj)["envFrom"],
        json!([{"secretRef": {"name": "s3"}}])
    );
    let as_files = render(&format!(
        "{sts}{backup}, targetSecretMountPath: /run/secrets/backup}}\n"
    ));
    let cj = find(&as_files, "CronJob", "release-backup");
    let c = main_container(cj);
    assert_eq!(c["envFrom"], Value::Null);
    assert!(
        c["volumeMounts"].as_array().unwrap().contains(
            &json!({"name": "backup-target", "mountPath": "/run/secrets/backup", "readOnly": true})
        ),
        "{}",
        c["volumeMounts"]
    );
    assert!(
        pod_spec(cj)["volumes"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "backup-target", "secret": {"secretName": "s3"}}))
    );
    // the service itself never mounts its backup's target
    let main = find(&as_files, "StatefulSet", "release");
    assert!(
        !pod_spec(main)["volumes"]
            .to_string()
            .contains("backup-target")
    );
}
