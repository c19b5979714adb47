//! The chart published to an OCI registry: a real local registry (CNCF distribution, built from
//! the Go module proxy; `scripts/registry.sh`), `scripts/package-chart.sh --push`, `helm install`
//! from `oci://127.0.0.1:PORT/…` on the local control plane, and apwiz rendering and deploying a
//! team whose `.apwiz.yaml` pins the chart in the registry. Also what a published chart must
//! carry: semver versions, a CHANGELOG entry for its version, Artifact Hub annotations.
//!
//! Runs with Helm 4 and again with Helm 3 (`APWIZ_HELM=.tools/bin/helm3`, scripts/test.sh);
//! repositories and namespaces carry the helm major version, so both runs share one registry
//! and one cluster.
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use support::cli::{Run, apwiz_env, web_app_args, write};
use support::{
    chart, copy_dir, fresh_namespace, helm, helm_major, kubeconfig, kubectl, registry, repo,
    scratch,
};

fn chart_yaml() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(chart().join("Chart.yaml")).unwrap()).unwrap()
}

fn helm_run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(helm())
        .args(args)
        .env("NO_COLOR", "1")
        .env("KUBECONFIG", kubeconfig())
        .output()
        .expect("run helm");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The registry path this helm's run pushes to.
fn charts_path() -> String {
    format!("oci://{}/charts-h{}", registry(), helm_major())
}

/// `scripts/package-chart.sh --push` once per test process: the reference it printed.
fn pushed() -> &'static str {
    static REF: OnceLock<String> = OnceLock::new();
    REF.get_or_init(|| {
        let dest = scratch("oci-dist");
        let out = Command::new(repo().join("scripts/package-chart.sh"))
            .arg(&dest)
            .args(["--push", &charts_path(), "--plain-http"])
            .env("HELM", helm())
            .output()
            .expect("run scripts/package-chart.sh");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "package-chart.sh --push:\n{stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout.lines().last().unwrap_or_default().to_string()
    })
}

/// What the registry and Artifact Hub show of a release: semver versions, and the CHANGELOG
/// entry of this version saying what `artifacthub.io/changes` says (the rest of the metadata:
/// chart_lifecycle's `chart_metadata_is_complete`).
#[test]
fn chart_versions_are_semver_and_the_changelog_matches_the_artifact_hub_changes() {
    let c = chart_yaml();
    let version = c["version"].as_str().expect("version");
    semver::Version::parse(version).expect("version is semver");
    semver::Version::parse(c["appVersion"].as_str().expect("appVersion"))
        .expect("appVersion is semver");
    let changelog = std::fs::read_to_string(chart().join("CHANGELOG.md")).unwrap();
    let entry = changelog
        .split("\n## ")
        .find(|e| e.starts_with(&format!("[{version}]")))
        .unwrap_or_else(|| panic!("CHANGELOG.md has an entry for {version}"));
    // The entry's bullets, joined across wrapped lines, one per change.
    let bullets: Vec<String> = entry
        .split("\n- ")
        .skip(1)
        .map(|b| {
            b.split("\n\n")
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace('`', "")
        })
        .collect();
    let changes: Vec<Value> =
        serde_yaml::from_str(c["annotations"]["artifacthub.io/changes"].as_str().unwrap()).unwrap();
    assert_eq!(bullets.len(), changes.len(), "{bullets:#?}");
    for ch in &changes {
        let d = ch["description"].as_str().unwrap().replace('`', "");
        assert!(
            bullets
                .iter()
                .any(|b| b.starts_with(d.trim_end_matches('.'))),
            "{d:?} is in the CHANGELOG entry of {version}: {bullets:#?}"
        );
    }
    let links: Vec<Value> =
        serde_yaml::from_str(c["annotations"]["artifacthub.io/links"].as_str().unwrap()).unwrap();
    assert!(links.iter().any(|l| l["name"] == "Changelog"));
    let migrations: Value =
        serde_yaml::from_str(&std::fs::read_to_string(chart().join("migrations.yaml")).unwrap())
            .unwrap();
    assert!(migrations["migrations"].is_array(), "migrations.yaml");
}

#[test]
fn package_script_pushes_and_the_registry_serves_the_chart() {
    let reference = pushed();
    let version = chart_yaml()["version"].as_str().unwrap().to_string();
    assert_eq!(
        reference,
        format!("{}/app-platform:{version}", charts_path()),
        "the last line names what was pushed"
    );
    let (ok, out, err) = helm_run(&[
        "show",
        "chart",
        &format!("{}/app-platform", charts_path()),
        "--version",
        &version,
        "--plain-http",
    ]);
    assert!(ok, "helm show chart from the registry: {err}");
    let shown: Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(shown["name"], "app-platform");
    assert_eq!(shown["version"], version.as_str());
    assert_eq!(shown["annotations"], chart_yaml()["annotations"]);
}

#[test]
fn helm_installs_the_chart_from_the_registry_on_the_control_plane() {
    pushed();
    let version = chart_yaml()["version"].as_str().unwrap().to_string();
    let ns = fresh_namespace("oci-helm");
    let dir = scratch("oci-helm");
    let values = write(
        &dir,
        "values.yaml",
        "image: ghcr.io/acme/shop:1.4.2\nport: 8080\nreplicas: 1\n",
    );
    let (ok, _, err) = helm_run(&[
        "install",
        "shop",
        &format!("{}/app-platform", charts_path()),
        "--version",
        &version,
        "--plain-http",
        "--namespace",
        &ns,
        "-f",
        values.to_str().unwrap(),
        "--wait",
        "--timeout",
        "180s",
    ]);
    assert!(ok, "helm install from oci://: {err}");
    let (ok, out, err) = helm_run(&["list", "-n", &ns, "-o", "json"]);
    assert!(ok, "{err}");
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["name"], "shop");
    assert_eq!(list[0]["status"], "deployed");
    assert_eq!(list[0]["chart"], format!("app-platform-{version}"));
    let (ok, out, err) = kubectl(&[
        "-n",
        &ns,
        "get",
        "deployment",
        "shop",
        "-o",
        "jsonpath={.status.readyReplicas}",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        out, "1",
        "the Deployment from the registry's chart is ready"
    );
    let (ok, _, err) = helm_run(&["uninstall", "shop", "-n", &ns, "--wait"]);
    assert!(ok, "{err}");
}

/// A copy of chart/ at another version, packaged and pushed with helm: a chart the checkout
/// does not have, so only the registry can have served it.
fn push_copy(version: &str) -> String {
    let root = scratch("oci-copy");
    let copy = root.join("app-platform");
    copy_dir(&chart(), &copy);
    let text = std::fs::read_to_string(copy.join("Chart.yaml")).unwrap();
    let bumped = text.replacen("version: 0.1.0", &format!("version: {version}"), 1);
    assert_ne!(text, bumped, "Chart.yaml has a version line to bump");
    std::fs::write(copy.join("Chart.yaml"), bumped).unwrap();
    let (ok, _, err) = helm_run(&[
        "package",
        copy.to_str().unwrap(),
        "--destination",
        root.to_str().unwrap(),
    ]);
    assert!(ok, "helm package: {err}");
    let tgz = root.join(format!("app-platform-{version}.tgz"));
    let (ok, _, err) = helm_run(&[
        "push",
        tgz.to_str().unwrap(),
        &charts_path(),
        "--plain-http",
    ]);
    assert!(ok, "helm push: {err}");
    format!("{}/app-platform", charts_path())
}

/// apwiz with no chart chosen (the pin decides), against the cluster, with its own cache
/// directory so every pull in the test really goes to the registry; `extra` on top.
fn apwiz_pinned(dir: &Path, cache: &Path, args: &[&str], extra: &[(&str, &str)]) -> Run {
    let state = dir.join("state");
    let mut env = vec![
        ("APWIZ_CHART", ""),
        ("APWIZ_CHART_VERSION", ""),
        ("APWIZ_STATE_DIR", state.to_str().expect("utf-8")),
        ("XDG_CACHE_HOME", cache.to_str().expect("utf-8")),
        ("KUBECONFIG", kubeconfig().to_str().expect("utf-8")),
    ];
    env.extend_from_slice(extra);
    apwiz_env(dir, args, &env)
}

#[test]
fn apwiz_writes_renders_and_deploys_a_team_pinned_to_the_registry() {
    let version = format!("0.1.1-oci.h{}", helm_major());
    let reference = push_copy(&version);
    let team = scratch("oci-team");
    let cache: PathBuf = team.join("cache");
    // `new` with the registry's chart pins it: name, version, and where from.
    apwiz_pinned(
        &team,
        &cache,
        &web_app_args("dev", &[]),
        &[
            ("APWIZ_CHART", &reference),
            ("APWIZ_CHART_VERSION", &version),
        ],
    )
    .expect(0);
    let answers: Value =
        serde_yaml::from_str(&std::fs::read_to_string(team.join("deploy/.apwiz.yaml")).unwrap())
            .unwrap();
    assert_eq!(answers["chart"]["name"], "app-platform");
    assert_eq!(answers["chart"]["version"], version.as_str());
    assert_eq!(answers["chart"]["source"], reference.as_str());

    // With no --chart, render follows the pin to the registry (the checkout's chart/ is 0.1.0,
    // which the pin would refuse), from an empty cache.
    let cache2 = team.join("cache2");
    let r = apwiz_pinned(
        &team,
        &cache2,
        &[
            "render",
            "--dir",
            "deploy",
            "--env",
            "dev",
            "--summary",
            "--format",
            "json",
        ],
        &[],
    )
    .expect(0);
    let kinds: Vec<String> = r.json()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(kinds.contains(&"Deployment/shop".to_string()), "{kinds:?}");
    let pulled: Vec<PathBuf> = walk(&cache2.join("apwiz/charts/oci"));
    assert!(
        pulled
            .iter()
            .any(|p| p.ends_with(format!("app-platform-{version}.tgz"))),
        "the pinned version was pulled into the cache: {pulled:?}"
    );

    // Deploy follows the pin too: the release's chart is the registry's version.
    let ns = fresh_namespace("oci-apwiz");
    apwiz_pinned(
        &team,
        &cache2,
        &[
            "deploy",
            "--dir",
            "deploy",
            "--env",
            "dev",
            "-n",
            &ns,
            "--yes",
            "--timeout",
            "180",
        ],
        &[],
    )
    .expect(0);
    let (ok, out, err) = helm_run(&["list", "-n", &ns, "-o", "json"]);
    assert!(ok, "{err}");
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["chart"], format!("app-platform-{version}"));
    assert_eq!(list[0]["status"], "deployed");
    let (ok, _, err) = helm_run(&["uninstall", "shop", "-n", &ns, "--wait"]);
    assert!(ok, "{err}");
}

#[test]
fn upgrade_chart_moves_a_team_within_its_registry() {
    let major = helm_major();
    let (old, new) = (format!("0.1.3-up.h{major}"), format!("0.1.4-up.h{major}"));
    let reference = push_copy(&old);
    push_copy(&new);
    let team = scratch("oci-upgrade");
    let cache = team.join("cache");
    let pinned = [
        ("APWIZ_CHART", reference.as_str()),
        ("APWIZ_CHART_VERSION", old.as_str()),
    ];
    apwiz_pinned(&team, &cache, &web_app_args("dev", &[]), &pinned).expect(0);
    // No --chart: the pin's registry is where the new version comes from.
    let r = apwiz_pinned(
        &team,
        &cache,
        &["upgrade-chart", "--dir", "deploy", "--to", &new, "--check"],
        &[],
    )
    .expect(2);
    assert!(
        r.stdout.contains(&format!(
            "app-platform {old} ({reference}) → app-platform {new} ({reference})"
        )),
        "{}",
        r.stdout
    );
    apwiz_pinned(
        &team,
        &cache,
        &["upgrade-chart", "--dir", "deploy", "--to", &new],
        &[],
    )
    .expect(0);
    let answers: Value =
        serde_yaml::from_str(&std::fs::read_to_string(team.join("deploy/.apwiz.yaml")).unwrap())
            .unwrap();
    assert_eq!(answers["chart"]["version"], new.as_str());
    assert_eq!(answers["chart"]["source"], reference.as_str());
    apwiz_pinned(
        &team,
        &cache,
        &["upgrade-chart", "--dir", "deploy", "--to", &new, "--check"],
        &[],
    )
    .expect(0);
}

#[test]
fn a_version_the_registry_does_not_have_is_an_error_naming_the_chart() {
    pushed();
    let team = scratch("oci-missing");
    let r = apwiz_pinned(
        &team,
        &team.join("cache"),
        &["presets", "list"],
        &[
            ("APWIZ_CHART", &format!("{}/app-platform", charts_path())),
            ("APWIZ_CHART_VERSION", "9.9.9"),
        ],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("helm pull"), "{}", r.stderr);
    assert!(r.stderr.contains("--version 9.9.9"), "{}", r.stderr);
    assert!(r.stderr.contains("pass --chart"), "{}", r.stderr);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
