//! Cluster prerequisites (`app-platform.cluster.check`): offline `helm template` has no cluster
//! and skips them; with the API server's capabilities (simulated here with `--api-versions
//! apiregistration.k8s.io/v1`, which every API server serves and Helm's offline defaults lack)
//! a kind the enabled features need and the cluster does not serve fails in the chart's form.
//! The real cluster: tests/lifecycle.rs. Run on Helm 4 by default and on Helm 3 with
//! `APWIZ_HELM=.tools/bin/helm3`.
mod support;

use std::process::Command;
use support::*;

const NEEDS_CRDS: &str = "monitoring: {enabled: true, scrapeInterval: 30s}\nroute: {enabled: true, parentRefs: [{name: gw}]}\nexternalSecrets: {storeRef: {name: vault}, secrets: {db: {data: {A: {key: a}}}}}\npersistence: {enabled: true, storageClass: gold}\n";

/// helm template with the values and extra flags: Ok(stdout) or Err(stderr).
fn helm_template(values: &str, extra: &[&str]) -> Result<String, String> {
    let dir = scratch("cluster");
    let file = dir.join("values.yaml");
    std::fs::write(&file, values).unwrap();
    let out = Command::new(helm())
        .args([
            "template",
            "release",
            "chart",
            "--kube-version",
            KUBE_VERSION,
            "-f",
        ])
        .arg(&file)
        .args(extra)
        .env("NO_COLOR", "1")
        .current_dir(repo())
        .output()
        .expect("run helm");
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn offline_template_skips_the_cluster_checks() {
    helm_template(NEEDS_CRDS, &[]).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn with_the_clusters_capabilities_an_unserved_kind_fails_in_the_charts_form() {
    let online = ["--api-versions", "apiregistration.k8s.io/v1"];
    // kinds are checked in name order, each named where the first service that needs it sets it
    let err = helm_template(
        &format!("services:\n  api: {{}}\n  web:\n{}", indent(NEEDS_CRDS)),
        &online,
    )
    .expect_err("no CRD is served");
    assert!(
        err.contains("services.web.externalSecrets.apiVersion: the cluster does not serve ExternalSecret (external-secrets.io/v1), which externalSecrets renders, got \"external-secrets.io/v1\". Install the External Secrets Operator, or set services.web.externalSecrets.apiVersion to the version it serves"),
        "{err}"
    );
    let mut flags = online.to_vec();
    flags.extend(["--api-versions", "external-secrets.io/v1/ExternalSecret"]);
    let err = helm_template(NEEDS_CRDS, &flags).expect_err("HTTPRoute is not served");
    assert!(
        err.contains("route.enabled: the cluster does not serve HTTPRoute (gateway.networking.k8s.io/v1), which route renders, got true. Install the Gateway API CRDs (gateway.networking.k8s.io, standard channel), or set route.enabled: false (and canary.enabled: false)."),
        "{err}"
    );
    flags.extend(["--api-versions", "gateway.networking.k8s.io/v1/HTTPRoute"]);
    let err = helm_template(NEEDS_CRDS, &flags).expect_err("monitoring is not served");
    assert!(
        err.contains("monitoring.enabled: the cluster does not serve PrometheusRule (monitoring.coreos.com/v1), which monitoring renders, got true. Install the Prometheus Operator's CRDs"),
        "{err}"
    );
    flags.extend([
        "--api-versions",
        "monitoring.coreos.com/v1/ServiceMonitor",
        "--api-versions",
        "monitoring.coreos.com/v1/PrometheusRule",
    ]);
    // every kind served; StorageClasses cannot be looked up offline, so they are not checked
    helm_template(NEEDS_CRDS, &flags).unwrap_or_else(|e| panic!("{e}"));
    // global.clusterChecks: false skips every check
    helm_template(
        &format!("global: {{clusterChecks: false}}\n{NEEDS_CRDS}"),
        &online,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // features off: nothing to check
    helm_template("image: ghcr.io/acme/shop:1.4.2\n", &online).unwrap_or_else(|e| panic!("{e}"));
}

/// The Kubernetes version is Helm's own check of Chart.yaml's kubeVersion, before the chart renders.
#[test]
fn helm_refuses_a_kubernetes_older_than_kube_version() {
    let out = Command::new(helm())
        .args(["template", "release", "chart", "--kube-version", "1.27.0"])
        .env("NO_COLOR", "1")
        .current_dir(repo())
        .output()
        .expect("run helm");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "chart requires kubeVersion: >=1.28.0-0 which is incompatible with Kubernetes v1.27.0"
        ),
        "{err}"
    );
}

fn indent(values: &str) -> String {
    values.lines().map(|l| format!("    {l}\n")).collect()
}
