//! `apwiz explain netpol`: the graph of who may reach whom, from the NetworkPolicies the real
//! chart renders for a team's files (the four-services example with the prod overlay), printed
//! as text and JSON; without policies (dev) it says so; a render that fails prints its findings.
mod support;

use serde_json::Value;
use support::cli::*;

/// A team directory holding the four-services example and the chart's prod overlay.
fn team(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    let example = std::fs::read_to_string(repo().join("examples/four-services.yaml")).unwrap();
    write(&dir, "values.yaml", &example);
    let prod = std::fs::read_to_string(repo().join("chart/values-prod.yaml")).unwrap();
    write(&dir, "values-prod.yaml", &prod);
    write(&dir, "values-dev.yaml", "{}\n");
    dir
}

#[test]
fn explain_netpol_prints_who_may_reach_whom_in_prod() {
    let dir = team("explain-netpol");
    let run = apwiz(&dir, &["explain", "netpol", "--env", "prod", "-n", "shop"]).expect(0);
    let text = run.stdout;
    assert!(
        text.starts_with("8 NetworkPolicies in namespace shop, 8 pods\n"),
        "{text}"
    );
    // the dependency graph (web -> api -> cache, database), each on its own port, and each
    // helm test Pod to its own service; nothing else between the pods
    let inside: Vec<String> = text
        .lines()
        .skip_while(|l| *l != "between the release's pods:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        inside,
        [
            "api -> cache: http 6379/TCP",
            "api -> database: http 5432/TCP",
            "api-test -> api: http 8080/TCP",
            "cache-test -> cache: http 6379/TCP",
            "database-test -> database: http 5432/TCP",
            "web -> api: http 8080/TCP",
            "web-test -> web: http 8080/TCP",
        ],
        "{text}"
    );
    assert!(text.contains("into the release:\n  (none)\n"), "{text}");
    for pod in ["web", "api", "cache", "database"] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("{pod} "))
                    && l.ends_with("-> namespace kube-system (DNS): 53/TCP, 53/UDP")),
            "{pod} reaches DNS:\n{text}"
        );
    }
}

#[test]
fn explain_netpol_json_names_ingress_monitoring_and_external_peers() {
    let dir = team("explain-netpol-json");
    let v = apwiz(
        &dir,
        &[
            "--format",
            "json",
            "explain",
            "netpol",
            "--env",
            "prod",
            "--set",
            "services.web.ingress.enabled=true",
            "--set",
            "services.web.ingress.host=shop.example.com",
            "--set",
            "services.api.monitoring.enabled=true",
            "--set",
            "services.api.monitoring.scrapeInterval=30s",
            "--set",
            "services.api.networkPolicy.allowTo[0].cidr=192.0.2.0/24",
            "--set",
            "services.api.networkPolicy.allowTo[0].ports[0]=443",
        ],
    )
    .expect(0)
    .json();
    let g = &v["graph"];
    assert_eq!(g["namespace"], "default");
    let edges = |key: &str| -> Vec<(String, String, Vec<String>)> {
        g[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["from"].as_str().unwrap().to_string(),
                    e["to"].as_str().unwrap().to_string(),
                    e["ports"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect()
    };
    let incoming = edges("incoming");
    assert_eq!(
        incoming,
        [
            (
                "namespace monitoring".into(),
                "api".into(),
                vec!["metrics 9090/TCP".into()]
            ),
            (
                "namespace ingress-nginx".into(),
                "web".into(),
                vec!["http 8080/TCP".into()]
            ),
        ],
        "{g}"
    );
    let outgoing = edges("outgoing");
    assert!(
        outgoing.contains(&("api".into(), "192.0.2.0/24".into(), vec!["443/TCP".into()])),
        "{outgoing:?}"
    );
    assert!(
        !outgoing
            .iter()
            .any(|e| e.0 == "web" && e.1 == "192.0.2.0/24"),
        "only api may reach the block: {outgoing:?}"
    );
    // every pod is isolated both ways, by its own policy
    for p in g["pods"].as_array().unwrap() {
        assert!(
            p["ingress"].as_array().is_some_and(|a| !a.is_empty())
                && p["egress"].as_array().is_some_and(|a| !a.is_empty()),
            "{p}"
        );
    }
    let kinds: Vec<&Value> = g["outside"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["kind"])
        .collect();
    assert!(kinds.contains(&&Value::from("namespace")) && kinds.contains(&&Value::from("address")));
}

#[test]
fn explain_netpol_without_policies_and_with_a_failing_render() {
    let dir = team("explain-netpol-dev");
    let run = apwiz(&dir, &["explain", "netpol", "--env", "dev"]).expect(0);
    assert!(
        run.stdout.contains("0 NetworkPolicies")
            && run.stdout.contains("no NetworkPolicy: every pod may reach"),
        "{}",
        run.stdout
    );
    let run = apwiz(
        &dir,
        &[
            "explain",
            "netpol",
            "--env",
            "prod",
            "--set",
            "services.db.networkPolicy.allowFrom[0]=reportz",
        ],
    )
    .expect(1);
    assert!(run.stderr.contains("reportz"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}
