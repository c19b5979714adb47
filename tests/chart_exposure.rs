//! Exposure: how a service is reached (Ingress, Gateway API HTTPRoute), watched (ServiceMonitor,
//! PrometheusRule, the metrics port) and checked (`helm test` pods), and what NOTES.txt tells the
//! team — every toggle on and off, every failure message, on the real chart with the pinned helm.
//! Run on Helm 4 by default and on Helm 3 with `APWIZ_HELM=.tools/bin/helm3`.
mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use support::*;

fn names(objs: &[&Value]) -> Vec<String> {
    objs.iter().map(|o| name(o).to_string()).collect()
}

/// Asserts a chart rule's message: "<path>: <problem>, got <value>. <fix>".
fn assert_fails(values: &str, path: &str, got: &str, fix: &str) {
    let message = render_err(values);
    let line = message
        .lines()
        .find(|l| l.contains(&format!("{path}: ")))
        .unwrap_or_else(|| panic!("no message for {path} in:\n{message}"));
    assert!(
        line.contains(&format!(", got {got}. ")),
        "{path}: expected the value {got} in: {line}"
    );
    assert!(
        line.contains(fix),
        "{path}: expected the fix {fix:?} in: {line}"
    );
}

// ---------------------------------------------------------------------------------------------
// Ingress
// ---------------------------------------------------------------------------------------------

#[test]
fn ingress_is_off_by_default_and_on_routes_its_paths_to_the_service() {
    assert!(of_kind(&render("image: acme/shop:1.0\n"), "Ingress").is_empty());
    let objs = render(
        "service: {port: 80}\ningress:\n  enabled: true\n  className: nginx\n  host: shop.example.com\n  \
         annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 8m}\n  \
         paths: [{path: /api, pathType: Prefix}, {path: /healthz, pathType: Exact}]\n",
    );
    let ing = find(&objs, "Ingress", "release");
    assert_eq!(ing["apiVersion"], "networking.k8s.io/v1");
    assert_eq!(
        ing["metadata"]["labels"]["app.kubernetes.io/component"],
        "app-platform"
    );
    assert_eq!(
        ing["metadata"]["annotations"],
        json!({"nginx.ingress.kubernetes.io/proxy-body-size": "8m"})
    );
    assert_eq!(ing["spec"]["ingressClassName"], "nginx");
    assert!(ing["spec"].get("tls").is_none(), "no TLS unless asked");
    let backend = json!({"service": {"name": "release", "port": {"name": "http"}}});
    assert_eq!(
        ing["spec"]["rules"],
        json!([{"host": "shop.example.com", "http": {"paths": [
            {"path": "/api", "pathType": "Prefix", "backend": backend},
            {"path": "/healthz", "pathType": "Exact", "backend": backend},
        ]}}])
    );
    let svc = find(&objs, "Service", "release");
    assert_eq!(
        svc["spec"]["ports"][0]["name"], "http",
        "the backend port exists"
    );
    let default_class = render("ingress: {enabled: true, host: a.example.com}\n"); // no className
    assert!(
        find(&default_class, "Ingress", "release")["spec"]
            .get("ingressClassName")
            .is_none()
    );
}

#[test]
fn ingress_hosts_list_serves_every_host_and_tls_by_secret_covers_them_all() {
    let objs = render(
        "ingress:\n  enabled: true\n  host: shop.example.com\n  \
         hosts: [www.shop.example.com, shop.example.com, \"*.shop.example.com\"]\n  \
         tls: {enabled: true, secretName: shop-cert}\n",
    );
    let ing = find(&objs, "Ingress", "release");
    let hosts: Vec<_> = ing["spec"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["host"].as_str().unwrap())
        .collect();
    assert_eq!(
        hosts,
        [
            "shop.example.com",
            "www.shop.example.com",
            "*.shop.example.com"
        ],
        "host first, then hosts, without repeats"
    );
    for rule in ing["spec"]["rules"].as_array().unwrap() {
        assert_eq!(
            rule["http"]["paths"],
            json!([{"path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": "release", "port": {"name": "http"}}}}])
        );
    }
    assert_eq!(
        ing["spec"]["tls"],
        json!([{"hosts": hosts, "secretName": "shop-cert"}])
    );
    assert!(ing["metadata"].get("annotations").is_none());
    // hosts alone are enough
    let only_list = render("ingress: {enabled: true, hosts: [a.example.com, b.example.com]}\n");
    assert_eq!(
        find(&only_list, "Ingress", "release")["spec"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn ingress_tls_by_cluster_issuer_annotates_and_defaults_the_secret_name() {
    let objs = render(
        "services:\n  shop:\n    ingress:\n      enabled: true\n      host: shop.example.com\n      \
         annotations: {a: b}\n      tls: {enabled: true, clusterIssuer: letsencrypt-prod}\n",
    );
    let ing = find(&objs, "Ingress", "release-shop");
    assert_eq!(
        ing["metadata"]["annotations"],
        json!({"a": "b", "cert-manager.io/cluster-issuer": "letsencrypt-prod"})
    );
    assert_eq!(
        ing["spec"]["tls"],
        json!([{"hosts": ["shop.example.com"], "secretName": "release-shop-tls"}])
    );
    assert_eq!(
        ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"],
        "release-shop"
    );
    // an issuer without TLS issues nothing: no annotation, no tls section
    let plain = render(
        "ingress: {enabled: true, host: shop.example.com, tls: {enabled: false, clusterIssuer: letsencrypt-prod}}\n",
    );
    let ing = find(&plain, "Ingress", "release");
    assert!(ing["metadata"].get("annotations").is_none());
    assert!(ing["spec"].get("tls").is_none());
}

#[test]
fn ingress_enabled_without_a_host_fails_naming_the_field() {
    assert_fails(
        "ingress: {enabled: true}\n",
        "ingress.host",
        "\"\"",
        "Set ingress.host (e.g. shop.example.com) or ingress.hosts",
    );
    assert_fails(
        "services:\n  api:\n    ingress: {enabled: true, host: \"\", hosts: []}\n",
        "services.api.ingress.host",
        "\"\"",
        "or set services.api.ingress.enabled: false",
    );
}

#[test]
fn ingress_and_route_render_only_for_services_with_a_service() {
    // enabled for every service at the top level: only api has a Service to route to, so the
    // others neither render one nor fail for the missing host or parentRefs.
    let objs = render(
        "ingress: {enabled: true, host: shop.example.com}\n\
         route: {enabled: true, parentRefs: [{name: public}]}\n\
         services:\n  api: {}\n  worker: {service: {enabled: false}}\n  \
         agent: {workloadType: daemonset, service: {enabled: false}}\n  \
         migrate: {workloadType: job}\n  report: {workloadType: cronjob, cronjob: {schedule: \"@daily\"}}\n  \
         db: {workloadType: external, external: {name: db.example.com}}\n",
    );
    assert_eq!(names(&of_kind(&objs, "Ingress")), ["release-api"]);
    assert_eq!(names(&of_kind(&objs, "HTTPRoute")), ["release-api"]);
    let quiet = render(
        "ingress: {enabled: true}\nroute: {enabled: true}\nservices:\n  worker: {service: {enabled: false}}\n  \
         migrate: {workloadType: job}\n",
    );
    assert!(of_kind(&quiet, "Ingress").is_empty() && of_kind(&quiet, "HTTPRoute").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Gateway API route
// ---------------------------------------------------------------------------------------------

#[test]
fn route_attaches_to_its_parent_gateways_and_sends_paths_to_the_service_port() {
    assert!(of_kind(&render("image: acme/shop:1.0\n"), "HTTPRoute").is_empty());
    let objs = render(
        "service: {port: 80}\n\
         ingress: {host: shop.example.com, hosts: [www.shop.example.com], paths: [{path: /, pathType: Prefix}, {path: /status, pathType: Exact}]}\n\
         route:\n  enabled: true\n  parentRefs:\n    - {name: public, namespace: gateway-system, sectionName: https}\n    - {name: internal}\n",
    );
    assert!(
        of_kind(&objs, "Ingress").is_empty(),
        "the ingress itself stays off"
    );
    let route = find(&objs, "HTTPRoute", "release");
    assert_eq!(route["apiVersion"], "gateway.networking.k8s.io/v1");
    assert_eq!(
        route["spec"]["parentRefs"],
        json!([
            {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "public", "namespace": "gateway-system", "sectionName": "https"},
            {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "internal"},
        ])
    );
    assert_eq!(
        route["spec"]["hostnames"],
        json!(["shop.example.com", "www.shop.example.com"]),
        "default: the ingress hosts"
    );
    assert_eq!(
        route["spec"]["rules"],
        json!([{
            "matches": [
                {"path": {"type": "PathPrefix", "value": "/"}},
                {"path": {"type": "Exact", "value": "/status"}},
            ],
            "backendRefs": [{"group": "", "kind": "Service", "name": "release", "port": 80}],
        }])
    );
    let own = render(
        "ingress: {host: shop.example.com}\nroute:\n  enabled: true\n  parentRefs: [{name: public}]\n  \
         hostnames: [api.example.com]\n  paths: [{path: /v2, pathType: Prefix}]\n",
    );
    let route = find(&own, "HTTPRoute", "release");
    assert_eq!(route["spec"]["hostnames"], json!(["api.example.com"]));
    assert_eq!(
        route["spec"]["rules"][0]["matches"],
        json!([{"path": {"type": "PathPrefix", "value": "/v2"}}])
    );
    assert_eq!(
        route["spec"]["rules"][0]["backendRefs"][0]["port"], 8080,
        "service.port 0 means the main port"
    );
    let anywhere = render("route: {enabled: true, parentRefs: [{name: public}]}\n");
    assert!(
        find(&anywhere, "HTTPRoute", "release")["spec"]
            .get("hostnames")
            .is_none(),
        "no host names: every host of the listener"
    );
}

#[test]
fn route_failures_name_the_field_and_the_value() {
    assert_fails(
        "route: {enabled: true}\n",
        "route.parentRefs",
        "[]",
        "Set route.parentRefs, e.g. [{name: public, namespace: gateway-system}]",
    );
    assert_fails(
        "services:\n  web:\n    route: {enabled: true, parentRefs: []}\n",
        "services.web.route.parentRefs",
        "[]",
        "or set services.web.route.enabled: false",
    );
    assert_fails(
        "ingress: {paths: [{path: /, pathType: ImplementationSpecific}]}\nroute: {enabled: true, parentRefs: [{name: public}]}\n",
        "ingress.paths[0].pathType",
        "\"ImplementationSpecific\"",
        "Set route.paths with pathType Prefix or Exact",
    );
}

// ---------------------------------------------------------------------------------------------
// Monitoring
// ---------------------------------------------------------------------------------------------

const MONITORED: &str = "monitoring: {enabled: true, scrapeInterval: 30s}\n";

#[test]
fn monitoring_off_renders_no_monitoring_objects_and_no_metrics_port() {
    let objs = render("image: acme/shop:1.0\n");
    assert!(of_kind(&objs, "ServiceMonitor").is_empty());
    assert!(of_kind(&objs, "PrometheusRule").is_empty());
    let dep = find(&objs, "Deployment", "release");
    assert_eq!(main_container(dep)["ports"].as_array().unwrap().len(), 1);
    let svc = find(&objs, "Service", "release");
    assert_eq!(svc["spec"]["ports"].as_array().unwrap().len(), 1);
}

#[test]
fn service_monitor_scrapes_the_metrics_port_of_its_own_service() {
    let objs = render(
        "monitoring:\n  enabled: true\n  scrapeInterval: 30s\n  scrapeTimeout: 5s\n  path: /stats\n  \
         portNumber: 9102\n  labels: {release: kube-prometheus-stack}\n",
    );
    let dep = find(&objs, "Deployment", "release");
    assert_eq!(
        main_container(dep)["ports"],
        json!([
            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9102, "protocol": "TCP"},
        ])
    );
    let svc = find(&objs, "Service", "release");
    assert_eq!(
        svc["spec"]["ports"][1],
        json!({"name": "metrics", "port": 9102, "targetPort": "metrics", "protocol": "TCP"})
    );
    let sm = find(&objs, "ServiceMonitor", "release");
    assert_eq!(sm["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(sm["metadata"]["labels"]["release"], "kube-prometheus-stack");
    assert_eq!(
        sm["metadata"]["labels"]["app.kubernetes.io/instance"],
        "release"
    );
    assert_eq!(
        sm["spec"]["selector"]["matchLabels"],
        svc["spec"]["selector"]
    );
    for (k, v) in sm["spec"]["selector"]["matchLabels"].as_object().unwrap() {
        assert_eq!(
            &svc["metadata"]["labels"][k], v,
            "the Service carries the label {k} the ServiceMonitor selects"
        );
    }
    assert_eq!(
        sm["spec"]["namespaceSelector"],
        json!({"matchNames": ["apps"]})
    );
    assert!(
        sm["spec"].get("jobLabel").is_none(),
        "no jobLabel: the job is the Service name"
    );
    assert_eq!(
        sm["spec"]["endpoints"],
        json!([{
            "port": "metrics", "path": "/stats", "interval": "30s", "scrapeTimeout": "5s",
            "relabelings": [{"sourceLabels": ["__meta_kubernetes_service_name"], "regex": "release", "action": "keep"}],
        }])
    );
    let pr = find(&objs, "PrometheusRule", "release");
    assert_eq!(pr["metadata"]["labels"]["release"], "kube-prometheus-stack");
}

#[test]
fn statefulset_metrics_are_scraped_through_the_main_service_only() {
    let objs = render(&format!(
        "workloadType: statefulset\npersistence: {{enabled: true, storageClass: default}}\n{MONITORED}"
    ));
    let main = find(&objs, "Service", "release");
    let headless = find(&objs, "Service", "release-headless");
    assert_eq!(
        main["metadata"]["labels"], headless["metadata"]["labels"],
        "both Services match the selector..."
    );
    let sm = find(&objs, "ServiceMonitor", "release");
    let keep = &sm["spec"]["endpoints"][0]["relabelings"][0];
    assert_eq!(keep["action"], "keep");
    assert_eq!(
        keep["sourceLabels"],
        json!(["__meta_kubernetes_service_name"])
    );
    assert_eq!(
        keep["regex"], "release",
        "...so only the main Service's targets are kept"
    );
    assert_eq!(
        main_container(find(&objs, "StatefulSet", "release"))["ports"][1]["name"],
        "metrics"
    );
}

#[test]
fn metrics_port_http_or_already_declared_is_not_added_again() {
    let on_http = render(
        "monitoring: {enabled: true, scrapeInterval: 30s, port: http}\nservice: {port: 80}\n",
    );
    let dep = find(&on_http, "Deployment", "release");
    assert_eq!(main_container(dep)["ports"].as_array().unwrap().len(), 1);
    assert_eq!(
        find(&on_http, "Service", "release")["spec"]["ports"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        find(&on_http, "ServiceMonitor", "release")["spec"]["endpoints"][0]["port"],
        "http"
    );

    let declared = render(
        "monitoring: {enabled: true, scrapeInterval: 30s, port: prom}\nports: [{name: prom, port: 9187}]\n\
         service: {ports: [{name: prom, port: 9187, targetPort: prom}]}\n",
    );
    let ports = &main_container(find(&declared, "Deployment", "release"))["ports"];
    assert_eq!(
        ports,
        &json!([
            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
            {"name": "prom", "containerPort": 9187, "protocol": "TCP"},
        ])
    );
    let svc_ports = find(&declared, "Service", "release")["spec"]["ports"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(svc_ports.iter().filter(|p| p["name"] == "prom").count(), 1);
    assert_eq!(
        find(&declared, "ServiceMonitor", "release")["spec"]["endpoints"][0]["port"],
        "prom"
    );

    // an exporter sidecar owns the port: the main container does not declare it, the Service does
    let sidecar = render(
        "monitoring: {enabled: true, scrapeInterval: 30s, portNumber: 9187}\n\
         sidecars: [{name: exporter, image: \"prometheuscommunity/postgres-exporter:v0.15.0\", ports: [{name: metrics, port: 9187}]}]\n",
    );
    let dep = find(&sidecar, "Deployment", "release");
    assert_eq!(main_container(dep)["ports"].as_array().unwrap().len(), 1);
    assert_eq!(
        find(&sidecar, "Service", "release")["spec"]["ports"][1],
        json!({"name": "metrics", "port": 9187, "targetPort": "metrics", "protocol": "TCP"})
    );
}

/// The label matchers of `kube_pod_labels{...}` in a PromQL expression.
fn kube_pod_labels_matchers(expr: &str) -> BTreeMap<String, String> {
    let start = expr
        .find("kube_pod_labels{")
        .unwrap_or_else(|| panic!("no kube_pod_labels in {expr}"))
        + "kube_pod_labels{".len();
    let body = &expr[start..start + expr[start..].find('}').unwrap()];
    body.split(", ")
        .map(|m| {
            let (k, v) = m.split_once('=').unwrap();
            assert!(
                !v.starts_with('~') && !k.ends_with('!'),
                "exact matchers only: {m}"
            );
            (k.to_string(), v.trim_matches('"').to_string())
        })
        .collect()
}

/// Whether matchers of kube_pod_labels select a pod with these labels in namespace apps
/// (kube-state-metrics exports label `a.b/c` as `label_a_b_c`).
fn selects(matchers: &BTreeMap<String, String>, pod_labels: &Value) -> bool {
    let mut series = BTreeMap::from([("namespace".to_string(), "apps".to_string())]);
    for (k, v) in pod_labels.as_object().unwrap() {
        let key: String = k
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        series.insert(format!("label_{key}"), v.as_str().unwrap().to_string());
    }
    matchers.iter().all(|(k, v)| series.get(k) == Some(v))
}

#[test]
fn default_alerts_select_exactly_their_own_services_pods() {
    // api-v2 shares api's name as a prefix; the test pods share the release and name labels
    let objs = render(&format!(
        "{MONITORED}services:\n  api: {{}}\n  api-v2: {{}}\n  web: {{service: {{port: 80}}}}\n"
    ));
    let services = ["api", "api-v2", "web"];
    for own in services {
        let fullname = format!("release-{own}");
        let pr = find(&objs, "PrometheusRule", &fullname);
        let group = &pr["spec"]["groups"][0];
        assert_eq!(group["name"], fullname);
        let rules: BTreeMap<&str, &Value> = group["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["alert"].as_str().unwrap(), r))
            .collect();
        assert_eq!(
            rules.keys().copied().collect::<Vec<_>>(),
            [
                "ServiceCrashLooping",
                "ServiceFrequentRestarts",
                "ServicePodNotReady",
                "ServiceTargetDown"
            ]
        );
        let expr = |a: &str| rules[a]["expr"].as_str().unwrap().to_string();
        assert!(expr("ServiceCrashLooping").starts_with(
            "max_over_time(kube_pod_container_status_waiting_reason{namespace=\"apps\", reason=\"CrashLoopBackOff\"}[5m]) >= 1 and on (namespace, pod) kube_pod_labels{"
        ));
        assert!(expr("ServiceFrequentRestarts").starts_with(
            "increase(kube_pod_container_status_restarts_total{namespace=\"apps\"}[1h]) >= 3 and on (namespace, pod) kube_pod_labels{"
        ));
        assert!(expr("ServicePodNotReady").starts_with(
            "kube_pod_status_ready{namespace=\"apps\", condition=\"true\"} == 0 and on (namespace, pod) kube_pod_labels{"
        ));
        assert_eq!(rules["ServicePodNotReady"]["for"], "15m");
        assert_eq!(rules["ServiceCrashLooping"]["for"], "15m");
        for a in [
            "ServiceCrashLooping",
            "ServiceFrequentRestarts",
            "ServicePodNotReady",
        ] {
            let m = kube_pod_labels_matchers(&expr(a));
            assert_eq!(
                m.len(),
                4,
                "{a}: namespace and the three selector labels: {m:?}"
            );
            for other in services {
                let pods =
                    pod_template_labels(find(&objs, "Deployment", &format!("release-{other}")));
                assert_eq!(
                    selects(&m, pods),
                    other == own,
                    "{own} {a} vs pods of {other}"
                );
                let test_pod = find(&objs, "Pod", &format!("release-{other}-test"));
                assert!(
                    !selects(&m, pod_template_labels(test_pod)),
                    "{own} {a} vs test pod of {other}"
                );
            }
            assert_eq!(rules[a]["labels"]["severity"], "warning");
        }
        // target down: the ServiceMonitor's job is the name of the Service its targets come from
        assert_eq!(
            expr("ServiceTargetDown"),
            format!("up{{namespace=\"apps\", job=\"{fullname}\"}} == 0")
        );
        let sm = find(&objs, "ServiceMonitor", &fullname);
        assert!(sm["spec"].get("jobLabel").is_none());
        assert_eq!(
            sm["spec"]["endpoints"][0]["relabelings"][0]["regex"],
            fullname
        );
        let svc = find(&objs, "Service", &fullname);
        assert_eq!(
            sm["spec"]["selector"]["matchLabels"], svc["spec"]["selector"],
            "{own}: the ServiceMonitor selects its own Service"
        );
        let description = rules["ServiceCrashLooping"]["annotations"]["description"]
            .as_str()
            .unwrap();
        assert!(description.contains("{{ $labels.pod }}") && description.contains(&fullname));
    }
}

#[test]
fn alerts_are_tunable_one_by_one_and_team_rules_are_appended() {
    let objs = render(
        "monitoring:\n  enabled: true\n  scrapeInterval: 1m\n  alerts:\n    crashLooping: false\n    \
         frequentRestarts: {threshold: 5, window: 30m}\n    targetDown: false\n    podNotReady: {for: 5m}\n  \
         rules:\n    - alert: ShopCheckoutErrors\n      expr: sum(rate(http_requests_total{job=\"release\",code=~\"5..\"}[5m])) > 1\n      \
         for: 10m\n      labels: {severity: critical}\n      annotations: {summary: Checkout fails}\n",
    );
    let rules = find(&objs, "PrometheusRule", "release")["spec"]["groups"][0]["rules"]
        .as_array()
        .unwrap()
        .clone();
    let alerts: Vec<_> = rules.iter().map(|r| r["alert"].as_str().unwrap()).collect();
    assert_eq!(
        alerts,
        [
            "ServiceFrequentRestarts",
            "ServicePodNotReady",
            "ShopCheckoutErrors"
        ],
        "defaults first, then the team's"
    );
    assert!(rules[0]["expr"].as_str().unwrap().starts_with(
        "increase(kube_pod_container_status_restarts_total{namespace=\"apps\"}[30m]) >= 5 and on (namespace, pod) "
    ));
    assert_eq!(rules[1]["for"], "5m");
    assert_eq!(
        rules[2],
        json!({"alert": "ShopCheckoutErrors",
            "expr": "sum(rate(http_requests_total{job=\"release\",code=~\"5..\"}[5m])) > 1",
            "for": "10m", "labels": {"severity": "critical"}, "annotations": {"summary": "Checkout fails"}})
    );

    let team_only = render(
        "monitoring:\n  enabled: true\n  scrapeInterval: 1m\n  alerts: {enabled: false}\n  \
         rules: [{alert: Custom, expr: vector(1)}]\n",
    );
    let rules = &find(&team_only, "PrometheusRule", "release")["spec"]["groups"][0]["rules"];
    assert_eq!(rules, &json!([{"alert": "Custom", "expr": "vector(1)"}]));

    let none =
        render("monitoring: {enabled: true, scrapeInterval: 1m, alerts: {enabled: false}}\n");
    assert!(
        of_kind(&none, "PrometheusRule").is_empty(),
        "no rule at all: no object"
    );
    assert_eq!(of_kind(&none, "ServiceMonitor").len(), 1);
}

#[test]
fn monitoring_is_for_long_running_kinds_and_scrapes_only_through_a_service() {
    let objs = render(&format!(
        "{MONITORED}services:\n  api: {{}}\n  worker: {{service: {{enabled: false}}}}\n  \
         migrate: {{workloadType: job}}\n  report: {{workloadType: cronjob, cronjob: {{schedule: \"@daily\"}}}}\n  \
         db: {{workloadType: external, external: {{name: db.example.com}}}}\n"
    ));
    assert_eq!(names(&of_kind(&objs, "ServiceMonitor")), ["release-api"]);
    assert_eq!(
        names(&of_kind(&objs, "PrometheusRule")),
        ["release-api", "release-worker"]
    );
    let worker_rules: Vec<_> = find(&objs, "PrometheusRule", "release-worker")["spec"]["groups"][0]
        ["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["alert"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !worker_rules.contains(&"ServiceTargetDown".to_string()),
        "nothing scrapes a worker without a Service: {worker_rules:?}"
    );
    let job = of_kind(&objs, "Job")[0];
    assert_eq!(
        main_container(job)["ports"].as_array().unwrap().len(),
        1,
        "a job gets no metrics port"
    );
    // and a job with monitoring on is not asked for a scrape interval
    render("workloadType: job\nmonitoring: {enabled: true}\n");
}

#[test]
fn monitoring_failures_name_the_field_and_the_value() {
    assert_fails(
        "monitoring: {enabled: true}\n",
        "monitoring.scrapeInterval",
        "\"\"",
        "Set monitoring.scrapeInterval, e.g. \"30s\", or set monitoring.enabled: false.",
    );
    assert_fails(
        "services:\n  api:\n    monitoring: {enabled: true, scrapeInterval: \"\"}\n",
        "services.api.monitoring.scrapeInterval",
        "\"\"",
        "Set services.api.monitoring.scrapeInterval",
    );
    assert_fails(
        "monitoring: {enabled: true, scrapeInterval: 30s, scrapeTimeout: 1m}\n",
        "monitoring.scrapeTimeout",
        "\"1m\"",
        "Set monitoring.scrapeTimeout to 30s or less",
    );
    assert_fails(
        "port: 9090\nmonitoring: {enabled: true, scrapeInterval: 30s}\n",
        "monitoring.portNumber",
        "9090",
        "set monitoring.port: http",
    );
    // durations compare by value, not as strings
    render("monitoring: {enabled: true, scrapeInterval: 1m30s, scrapeTimeout: 90s}\n");
    let bad = render_err("monitoring: {enabled: true, scrapeInterval: thirty}\n");
    assert!(
        bad.contains("scrapeInterval") && bad.contains("thirty"),
        "the schema names the field and the value: {bad}"
    );
}

#[test]
fn the_schema_catches_typos_and_bad_values_in_exposure_keys() {
    let cases: &[(&str, &[&str])] = &[
        ("ingress: {hots: [a.example.com]}\n", &["/ingress", "hots"]),
        (
            "ingress: {host: Shop.Example.com}\n",
            &["/ingress/host", "Shop.Example.com"],
        ),
        (
            "ingress: {paths: [{path: /, pathType: Regex}]}\n",
            &["/ingress/paths/0/pathType", "Regex"],
        ),
        (
            "ingress: {tls: {enabled: true, clusterIsuer: x}}\n",
            &["/ingress/tls", "clusterIsuer"],
        ),
        (
            "route: {paths: [{path: /, pathType: ImplementationSpecific}]}\n",
            &["/route/paths/0/pathType", "ImplementationSpecific"],
        ),
        (
            "route: {parentRefs: [{nam: public}]}\n",
            &["/route/parentRefs/0", "name"],
        ),
        (
            "monitoring: {port: Metrics_Port}\n",
            &["/monitoring/port", "Metrics_Port"],
        ),
        (
            "monitoring: {alerts: {frequentRestarts: {threshold: 0}}}\n",
            &["/monitoring/alerts/frequentRestarts/threshold", "0"],
        ),
        (
            "monitoring: {alerts: {podNotReady: {for: soon}}}\n",
            &["/monitoring/alerts/podNotReady/for", "soon"],
        ),
        (
            "monitoring: {rules: [{alert: \"bad name\", expr: up}]}\n",
            &["/monitoring/rules/0/alert", "bad name"],
        ),
        (
            "monitoring: {rules: [{alert: A}]}\n",
            &["/monitoring/rules/0", "expr"],
        ),
        (
            "tests: {timeoutSeconds: 1}\n",
            &["/tests/timeoutSeconds", "1"],
        ),
        ("tests: {enabeld: false}\n", &["/tests", "enabeld"]),
    ];
    for (values, expected) in cases {
        let message = render_err(values);
        for e in *expected {
            assert!(
                message.contains(e),
                "{values}: expected {e:?} in:\n{message}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// helm test pods
// ---------------------------------------------------------------------------------------------

#[test]
fn test_pods_are_restricted_helm_test_hooks_that_run_as_their_service() {
    let objs = render(
        "services:\n  api:\n    image: ghcr.io/acme/api:2.0\n    env: {SECRET: {secretKeyRef: {name: s, key: k}}}\n    \
         envFrom: [{secretRef: {name: api-env}}]\n    configFiles: {files: {a.conf: x}}\n    \
         sidecars: [{name: proxy, image: \"envoyproxy/envoy:v1.31.0\"}]\n    initContainers: [{name: setup, image: \"busybox:1.36.1\"}]\n    \
         volumes: [{name: cache, mountPath: /cache, emptyDir: {}}]\n    imagePullSecrets: [ghcr]\n    \
         nodeSelector: {pool: apps}\n    serviceAccount: {create: true, automountToken: true}\n    \
         security: {readOnlyRootFilesystem: false, addCapabilities: [NET_BIND_SERVICE]}\n",
    );
    let pod = find(&objs, "Pod", "release-api-test");
    assert_eq!(pod["apiVersion"], "v1");
    assert_eq!(pod["metadata"]["namespace"], "apps");
    assert_eq!(pod["metadata"]["annotations"]["helm.sh/hook"], "test");
    assert_eq!(
        pod["metadata"]["annotations"]["helm.sh/hook-delete-policy"],
        "before-hook-creation,hook-succeeded"
    );
    assert_restricted(pod);
    let spec = pod_spec(pod);
    assert_eq!(spec["restartPolicy"], "Never");
    assert_eq!(spec["automountServiceAccountToken"], false);
    assert_eq!(
        spec["serviceAccountName"], "release-api",
        "the service's own account"
    );
    assert_eq!(spec["imagePullSecrets"], json!([{"name": "ghcr"}]));
    assert_eq!(spec["nodeSelector"], json!({"pool": "apps"}));
    assert!(
        spec.get("initContainers").is_none(),
        "no init containers of the service"
    );
    let containers = spec["containers"].as_array().unwrap();
    assert_eq!(
        containers.len(),
        1,
        "no sidecar: it would keep the pod running"
    );
    let c = &containers[0];
    assert_eq!(c["image"], "busybox:1.36.1");
    assert_eq!(
        c["securityContext"]["capabilities"],
        json!({"drop": ["ALL"]})
    );
    assert_eq!(
        c["resources"]["limits"],
        json!({"cpu": "100m", "memory": "32Mi"})
    );
    assert!(c.get("envFrom").is_none());
    assert!(
        !env_values(c).contains_key("SECRET"),
        "none of the service's env"
    );
    let mounts: Vec<_> = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        !mounts.contains(&"config") && !mounts.contains(&"cache"),
        "{mounts:?}"
    );
    // its own component: the Service never sends traffic to it
    let labels = pod_template_labels(pod);
    assert_eq!(labels["app.kubernetes.io/component"], "api-test");
    let svc = find(&objs, "Service", "release-api");
    let selected = svc["spec"]["selector"]
        .as_object()
        .unwrap()
        .iter()
        .all(|(k, v)| &labels[k] == v);
    assert!(!selected);
}

#[test]
fn test_pod_checks_the_service_port_the_health_path_and_the_metrics() {
    let objs = render(
        "service: {port: 80}\nprobes: {readiness: {type: http, path: /ready}}\n\
         monitoring: {enabled: true, scrapeInterval: 30s, path: /stats}\n",
    );
    let c = main_container(find(&objs, "Pod", "release-test"));
    let env = env_values(c);
    assert_eq!(env["SERVICE_HOST"], "release");
    assert_eq!(env["SERVICE_PORT"], "80");
    assert_eq!(env["HEALTH_URL"], "http://release:80/ready");
    assert_eq!(env["METRICS_URL"], "http://release:9090/stats");
    assert_eq!(env["TIMEOUT"], "60");
    let command: Vec<_> = c["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(&command[..2], ["sh", "-c"]);
    let script = command[2];
    assert!(script.contains("nc -z -w 5 \"$SERVICE_HOST\" \"$SERVICE_PORT\""));
    assert!(script.contains("wget -q -T 5 -O /dev/null \"$HEALTH_URL\""));
    assert!(script.contains("wget -q -T 5 -O /dev/null \"$METRICS_URL\""));

    // tcp readiness (the default): no health URL, a reason instead
    let tcp = render("image: acme/shop:1.0\n");
    let env = env_values(main_container(find(&tcp, "Pod", "release-test")));
    assert!(!env.contains_key("HEALTH_URL") && !env.contains_key("METRICS_URL"));
    assert_eq!(env["HEALTH_SKIP"], "the readiness probe is tcp, not http");
    let none = render("probes: {readiness: {enabled: false}}\n");
    let env = env_values(main_container(find(&none, "Pod", "release-test")));
    assert_eq!(env["HEALTH_SKIP"], "the service has no readiness probe");

    // a readiness probe on another port: through the Service port that reaches it, with its scheme
    let admin = render(
        "ports: [{name: admin, port: 9000}]\nservice: {ports: [{name: admin, port: 9001, targetPort: admin}]}\n\
         probes: {readiness: {type: http, port: 9000, path: /healthz, scheme: HTTPS}}\n",
    );
    let env = env_values(main_container(find(&admin, "Pod", "release-test")));
    assert_eq!(env["HEALTH_URL"], "https://release:9001/healthz");
    let hidden = render(
        "ports: [{name: admin, port: 9000}]\nprobes: {readiness: {type: http, port: admin}}\n",
    );
    let env = env_values(main_container(find(&hidden, "Pod", "release-test")));
    assert_eq!(
        env["HEALTH_SKIP"],
        "the readiness probe's port admin is not a port of the Service"
    );
    // metrics on the main port, a test timeout of the team's, statefulsets too
    let sts = render(
        "workloadType: statefulset\npersistence: {enabled: true, storageClass: default}\n\
         monitoring: {enabled: true, scrapeInterval: 30s, port: http}\ntests: {timeoutSeconds: 120}\n",
    );
    let env = env_values(main_container(find(&sts, "Pod", "release-test")));
    assert_eq!(env["METRICS_URL"], "http://release:8080/metrics");
    assert_eq!(env["TIMEOUT"], "120");
}

#[test]
fn test_pods_only_for_long_running_services_with_a_service_and_none_when_off() {
    let values = "services:\n  api: {}\n  agent: {workloadType: daemonset}\n  \
                  db: {workloadType: statefulset, persistence: {enabled: true, storageClass: default}}\n  \
                  worker: {service: {enabled: false}}\n  migrate: {workloadType: job}\n  \
                  report: {workloadType: cronjob, cronjob: {schedule: \"@daily\"}}\n  \
                  ext: {workloadType: external, external: {name: x.example.com}}\n";
    let objs = render(values);
    assert_eq!(
        names(&of_kind(&objs, "Pod")),
        ["release-agent-test", "release-api-test", "release-db-test"]
    );
    for pod in of_kind(&objs, "Pod") {
        assert_restricted(pod);
    }
    let off = render(&format!("tests: {{enabled: false}}\n{values}"));
    assert!(of_kind(&off, "Pod").is_empty());
    let one_off = render("services:\n  api: {tests: {enabled: false}}\n  web: {}\n");
    assert_eq!(names(&of_kind(&one_off, "Pod")), ["release-web-test"]);
}

/// Runs the rendered test script with `sh`, with stand-ins for busybox's nc and wget on PATH
/// that succeed or fail; returns (exit code, stdout, stderr).
fn run_script(
    script: &str,
    env: &BTreeMap<String, Value>,
    tools_ok: bool,
) -> (i32, String, String) {
    let dir = tempdir();
    for tool in ["nc", "wget"] {
        let path = dir.join(tool);
        let body = if tools_ok { "exit 0" } else { "exit 1" };
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"{tool} $*\" >> \"{}/calls\"\n{body}\n",
                dir.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v.as_str().unwrap_or_default())))
        .env("PATH", path)
        .output()
        .expect("run sh");
    let calls = std::fs::read_to_string(dir.join("calls")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code().unwrap_or(-1),
        format!("{}{calls}", String::from_utf8_lossy(&out.stdout)),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn test_script_retries_for_a_bounded_time_and_names_what_did_not_answer() {
    let objs = render(
        "probes: {readiness: {type: http, path: /ready}}\nmonitoring: {enabled: true, scrapeInterval: 30s}\n",
    );
    let c = main_container(find(&objs, "Pod", "release-test"));
    let script = c["command"][2].as_str().unwrap();
    let mut env = env_values(c);
    env.insert("TIMEOUT".into(), "2".into());

    let (code, out, _) = run_script(script, &env, true);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok: tcp://release:8080 answers"), "{out}");
    assert!(out.contains("nc -z -w 5 release 8080"), "{out}");
    assert!(
        out.contains("wget -q -T 5 -O /dev/null http://release:8080/ready"),
        "{out}"
    );
    assert!(
        out.contains("wget -q -T 5 -O /dev/null http://release:9090/metrics"),
        "{out}"
    );
    assert!(out.contains("all checks passed"), "{out}");

    let started = std::time::Instant::now();
    let (code, out, err) = run_script(script, &env, false);
    let took = started.elapsed().as_secs();
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("FAIL: tcp://release:8080 did not answer within 2s"),
        "{err}"
    );
    assert!(out.matches("nc -z").count() >= 2, "retried: {out}");
    assert!(took < 10, "bounded: {took}s");

    // the Service answers but the health endpoint does not: the message names its URL
    let mut only_tcp = env.clone();
    only_tcp.insert("HEALTH_URL".into(), "http://127.0.0.1:1/ready".into());
    let tcp_answers = format!("nc() {{ return 0; }}\n{script}");
    let (code, _, err) = run_script(&tcp_answers, &only_tcp, false);
    assert_eq!(code, 1);
    assert!(
        err.contains("FAIL: http://127.0.0.1:1/ready did not answer within 2s"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// NOTES.txt
// ---------------------------------------------------------------------------------------------

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn write_values(values: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = tempdir();
    let file = dir.join("values.yaml");
    std::fs::write(&file, values).unwrap();
    (dir, file)
}

/// NOTES.txt rendered by `helm template` on a copy of the chart with one extra template that
/// includes it (Helm names every template file "<chart>/templates/<file>"). Works offline on
/// Helm 4 and Helm 3 alike; `helm install --dry-run=client` needs a cluster on Helm 3.21.
fn notes(values: &str) -> String {
    let (dir, file) = write_values(values);
    let copy = dir.join("chart");
    copy_dir(&chart(), &copy);
    std::fs::write(
        copy.join("templates/zz-notes-probe.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-probe\ndata:\n  notes: {{ include \"app-platform/templates/NOTES.txt\" . | toJson }}\n",
    )
    .unwrap();
    let objs = template_chart(&copy, &[file.to_str().unwrap()], &[])
        .unwrap_or_else(|e| panic!("helm template failed:\n{}\nvalues:\n{values}", e.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    find(&objs, "ConfigMap", "notes-probe")["data"]["notes"]
        .as_str()
        .unwrap()
        .trim()
        .to_string()
}

fn helm_major() -> u32 {
    let out = Command::new(helm())
        .args(["version", "--short"])
        .output()
        .unwrap();
    let v = String::from_utf8_lossy(&out.stdout);
    v.trim_start_matches('v')
        .split('.')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn notes_render_for_every_example() {
    let mut examples: Vec<_> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 6);
    for ex in examples {
        let text = notes(&std::fs::read_to_string(&ex).unwrap());
        let ex = ex.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            text.starts_with(
                "app-platform 0.1.0 is installed as release release in namespace apps."
            ),
            "{ex}:\n{text}"
        );
        assert!(
            text.contains("kubectl -n apps get pods -l app.kubernetes.io/instance=release"),
            "{ex}:\n{text}"
        );
        assert!(
            text.lines().any(|l| l.starts_with("* ")),
            "{ex}: one line per service\n{text}"
        );
    }
    let web = notes(&std::fs::read_to_string(repo().join("examples/web-app.yaml")).unwrap());
    assert!(
        web.contains("* app-platform: Deployment/release\n"),
        "{web}"
    );
    assert!(
        web.contains("kubectl -n apps port-forward svc/release 8080:80"),
        "{web}"
    );
    assert!(web.contains("Tests: helm test release -n apps"), "{web}");
    let ext =
        notes(&std::fs::read_to_string(repo().join("examples/external-service.yaml")).unwrap());
    assert!(
        ext.contains("* payments-db: Service/release-payments-db -> payments-db.prod.example.com"),
        "{ext}"
    );
    assert!(
        !ext.contains("helm test"),
        "no test pods, no test hint:\n{ext}"
    );
    let cron = notes(&std::fs::read_to_string(repo().join("examples/cronjob.yaml")).unwrap());
    assert!(
        cron.contains("* app-platform: CronJob/release (schedule \"0 3 * * *\")"),
        "{cron}"
    );
}

#[test]
fn notes_tell_how_to_reach_each_service_and_run_its_tests() {
    let text = notes(
        "services:\n  api:\n    service: {port: 80}\n    \
         ingress: {enabled: true, host: shop.example.com, hosts: [www.shop.example.com], paths: [{path: /api}], tls: {enabled: true}}\n    \
         route: {enabled: true, parentRefs: [{name: public, namespace: gateway-system}]}\n  \
         worker: {service: {enabled: false}}\n  migrate: {workloadType: job}\n",
    );
    let expected = [
        "* api: Deployment/release-api",
        "    address: release-api.apps.svc:80 (in the cluster)",
        "    forward: kubectl -n apps port-forward svc/release-api 8080:80 (then localhost:8080)",
        "    ingress: https://shop.example.com/api",
        "    ingress: https://www.shop.example.com/api",
        "    route:   HTTPRoute/release-api on Gateway gateway-system/public",
        "* migrate: Job/release-migrate-<hash of its spec>",
        "    status:  kubectl -n apps get jobs -l app.kubernetes.io/instance=release,app.kubernetes.io/component=migrate",
        "* worker: Deployment/release-worker (no Service)",
        "    logs:    kubectl -n apps logs deployment/release-worker",
        "Tests: helm test release -n apps --logs",
    ];
    for line in expected {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    let all_off = notes("enabled: false\n");
    assert!(all_off.contains("No service is enabled"), "{all_off}");
    let no_tests = notes("tests: {enabled: false}\n");
    assert!(!no_tests.contains("helm test"), "{no_tests}");
}

#[test]
fn helm_install_dry_run_prints_the_same_notes() {
    let values = "ingress: {enabled: true, host: shop.example.com}\n";
    let (dir, file) = write_values(values);
    let out = Command::new(helm())
        .args(["install", "release"])
        .arg(chart())
        .args(["--dry-run=client", "--namespace", "apps", "-f"])
        .arg(&file)
        .env("NO_COLOR", "1")
        .env("KUBECONFIG", dir.join("no-cluster"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if helm_major() >= 4 {
        assert!(out.status.success(), "{stderr}");
        let printed = stdout
            .split_once("\nNOTES:\n")
            .unwrap_or_else(|| panic!("no NOTES in:\n{stdout}"))
            .1
            .trim();
        assert_eq!(printed, notes(values));
        assert!(
            printed.contains("ingress: http://shop.example.com/"),
            "{printed}"
        );
    } else {
        // Helm 3.21 checks that a cluster is reachable even for --dry-run=client
        // (helm/helm#13144); notes() renders NOTES.txt without one.
        assert!(!out.status.success());
        assert!(
            stderr.contains("Kubernetes cluster unreachable"),
            "{stderr}"
        );
    }
}
