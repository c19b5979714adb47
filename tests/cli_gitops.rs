//! `apwiz gitops argocd|flux` checked by the API server itself: the written objects applied with
//! a server-side dry run on the local control plane, which has the real Argo CD (v3.5) and Flux
//! (source-controller, helm-controller) CRDs installed from their Go modules
//! (scripts/control-plane.sh), so every field is checked against the controllers' own schemas
//! (kubectl's strict field validation: an unknown field fails). The Flux kustomization is built
//! with kubectl's kustomize the way Flux builds it (load restrictions off), so the values
//! ConfigMap and its hashed name in the HelmRelease are checked too.
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::{apwiz, read, web_app_args, write};
use support::{kubectl, parse_manifests, scratch};

const REGISTRY: &str = "127.0.0.1:5000/charts";

/// A team at `teams/shop/deploy` in a repository, pinned to the chart in an OCI registry.
fn team() -> (PathBuf, PathBuf) {
    let repo = scratch("gitops-repo");
    let dir = repo.join("teams/shop");
    std::fs::create_dir_all(&dir).unwrap();
    apwiz(&dir, &web_app_args("dev,prod", &[])).expect(0);
    let answers = read(&dir, "deploy/.apwiz.yaml");
    let source_line = answers
        .lines()
        .find(|l| l.trim_start().starts_with("source:"))
        .expect("a pinned source")
        .to_string();
    write(
        &dir,
        "deploy/.apwiz.yaml",
        &answers.replace(
            &source_line,
            &format!("  source: oci://{REGISTRY}/app-platform"),
        ),
    );
    (repo, dir.join("deploy"))
}

/// A namespace of this suite's own for the GitOps objects (created once, kept).
fn control_namespace(name: &str) -> String {
    let (ok, out, _) = kubectl(&["get", "namespace", name, "-o", "name"]);
    if !ok || out.trim().is_empty() {
        let (ok, _, err) = kubectl(&["create", "namespace", name]);
        assert!(ok || err.contains("AlreadyExists"), "{err}");
    }
    name.to_string()
}

/// `kubectl apply --dry-run=server` of `path` (a file or a directory).
fn dry_run(path: &Path) -> String {
    let (ok, out, err) = kubectl(&[
        "apply",
        "--dry-run=server",
        "--validate=strict",
        "-f",
        path.to_str().unwrap(),
    ]);
    assert!(ok, "server-side dry run of {}:\n{err}", path.display());
    out
}

fn docs(path: &Path) -> Vec<Value> {
    parse_manifests(&std::fs::read_to_string(path).unwrap())
}

#[test]
fn argocd_applications_per_environment_pass_the_api_servers_dry_run() {
    let (repo, deploy) = team();
    let ns = control_namespace("apwiz-gitops-argocd");
    let out = repo.join("gitops/argocd");
    let r = apwiz(
        &deploy,
        &[
            "gitops",
            "argocd",
            "--repo-url",
            "https://git.example.com/acme/shop.git",
            "--path",
            "teams/shop/deploy",
            "--gitops-namespace",
            &ns,
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .expect(0);
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);
    let app = &docs(&out.join("shop-prod.yaml"))[0];
    assert_eq!(app["kind"], "Application");
    let chart = &app["spec"]["sources"][0];
    assert_eq!(chart["repoURL"], REGISTRY);
    assert_eq!(chart["chart"], "app-platform");
    assert_eq!(chart["targetRevision"], "0.1.0");
    assert_eq!(chart["helm"]["releaseName"], "shop");
    assert_eq!(
        chart["helm"]["valueFiles"],
        serde_json::json!([
            "$values/teams/shop/deploy/values.yaml",
            "$values/teams/shop/deploy/values-prod.yaml"
        ])
    );
    let values = &app["spec"]["sources"][1];
    assert_eq!(values["ref"], "values");
    assert_eq!(values["repoURL"], "https://git.example.com/acme/shop.git");
    assert_eq!(app["spec"]["destination"]["namespace"], "shop-prod");
    let secret = &docs(&out.join("repository.yaml"))[0];
    assert_eq!(secret["stringData"]["enableOCI"], "true");
    assert_eq!(secret["stringData"]["url"], REGISTRY);

    let applied = dry_run(&out);
    for name in ["shop-dev", "shop-prod"] {
        assert!(
            applied.contains(&format!(
                "application.argoproj.io/{name} created (server dry run)"
            )),
            "{applied}"
        );
    }

    // The dry run really checks the CRD's schema: a field Argo CD does not know is refused.
    let bad = repo.join("bad-app.yaml");
    std::fs::write(
        &bad,
        read(&out, "shop-dev.yaml").replace(
            "targetRevision: 0.1.0",
            "targetRevision: 0.1.0\n    chartVersion: 0.1.0",
        ),
    )
    .unwrap();
    let (ok, _, err) = kubectl(&["apply", "--dry-run=server", "-f", bad.to_str().unwrap()]);
    assert!(!ok, "an unknown field must fail the dry run");
    assert!(err.contains("chartVersion"), "{err}");
}

#[test]
fn an_applicationset_over_team_directories_passes_the_dry_run() {
    let (repo, deploy) = team();
    let ns = control_namespace("apwiz-gitops-argocd");
    let out = repo.join("gitops/appset");
    apwiz(
        &deploy,
        &[
            "gitops",
            "argocd",
            "--appset",
            "teams/*/deploy",
            "--env",
            "dev,prod",
            "--repo-url",
            "https://git.example.com/acme/platform.git",
            "--path",
            "teams/shop/deploy",
            "--gitops-namespace",
            &ns,
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .expect(0);
    let set = &docs(&out.join("appset-dev.yaml"))[0];
    assert_eq!(set["kind"], "ApplicationSet");
    let git = &set["spec"]["generators"][0]["git"];
    assert_eq!(git["files"][0]["path"], "teams/*/deploy/.apwiz.yaml");
    let source = &set["spec"]["template"]["spec"]["sources"][0];
    // each team's Application takes its own pin and name from its .apwiz.yaml
    assert_eq!(source["targetRevision"], "{{ .chart.version }}");
    assert_eq!(source["helm"]["releaseName"], "{{ .name }}");
    assert_eq!(
        source["helm"]["valueFiles"][1],
        "$values/{{ .path.path }}/values-dev.yaml"
    );
    let applied = dry_run(&out);
    for env in ["dev", "prod"] {
        assert!(
            applied.contains(&format!(
                "applicationset.argoproj.io/app-platform-teams-{env} created (server dry run)"
            )),
            "{applied}"
        );
    }
}

#[test]
fn flux_objects_and_the_values_configmap_pass_the_dry_run() {
    let (repo, deploy) = team();
    let ns = control_namespace("apwiz-gitops-flux");
    let out = repo.join("gitops/flux");
    apwiz(
        &deploy,
        &[
            "gitops",
            "flux",
            "--env",
            "dev",
            "--gitops-namespace",
            &ns,
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .expect(0); // no --repo-url: not a git checkout, and Flux needs none
    let env_dir = out.join("dev");
    let source = &docs(&env_dir.join("ocirepository.yaml"))[0];
    assert_eq!(
        source["spec"]["url"],
        format!("oci://{REGISTRY}/app-platform")
    );
    assert_eq!(source["spec"]["ref"]["tag"], "0.1.0");
    assert_eq!(
        source["spec"]["insecure"], true,
        "a loopback registry is plain http"
    );

    // Built as Flux's kustomize-controller builds it: files from outside the directory allowed.
    let (ok, built, err) = kubectl(&[
        "kustomize",
        "--load-restrictor",
        "LoadRestrictionsNone",
        env_dir.to_str().unwrap(),
    ]);
    assert!(ok, "kustomize build: {err}");
    let objects = parse_manifests(&built);
    let cm = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .expect("the values ConfigMap");
    let cm_name = cm["metadata"]["name"].as_str().unwrap();
    assert!(
        cm_name.starts_with("shop-dev-values-"),
        "hashed name: {cm_name}"
    );
    assert_eq!(
        cm["data"]["values.yaml"],
        read(&deploy, "values.yaml").as_str()
    );
    assert_eq!(
        cm["data"]["values-dev.yaml"],
        read(&deploy, "values-dev.yaml").as_str()
    );
    let release = objects
        .iter()
        .find(|o| o["kind"] == "HelmRelease")
        .expect("the HelmRelease");
    for from in release["spec"]["valuesFrom"].as_array().unwrap() {
        assert_eq!(
            from["name"], cm_name,
            "valuesFrom names the generated ConfigMap"
        );
    }
    assert_eq!(release["spec"]["chartRef"]["kind"], "OCIRepository");
    assert_eq!(release["spec"]["releaseName"], "shop");

    let built_file = repo.join("flux-dev.yaml");
    std::fs::write(&built_file, &built).unwrap();
    let applied = dry_run(&built_file);
    assert!(
        applied.contains("helmrelease.helm.toolkit.fluxcd.io/shop-dev created (server dry run)"),
        "{applied}"
    );
    assert!(
        applied.contains(
            "ocirepository.source.toolkit.fluxcd.io/shop-dev-chart created (server dry run)"
        ),
        "{applied}"
    );
}

#[test]
fn a_team_on_a_chart_outside_a_registry_is_told_to_publish_it() {
    let dir = scratch("gitops-local");
    apwiz(&dir, &web_app_args("dev", &[])).expect(0);
    let r = apwiz(
        &dir.join("deploy"),
        &[
            "gitops",
            "argocd",
            "--repo-url",
            "https://git.example.com/a.git",
            "--path",
            "deploy",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("OCI registry"), "{}", r.stderr);
    assert!(r.stderr.contains("package-chart.sh --push"), "{}", r.stderr);
}
