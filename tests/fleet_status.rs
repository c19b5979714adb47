//! `apwiz fleet status` on the real control plane, with drift made on purpose: a team repository
//! made here (`git init`, `apwiz new`, a commit) deployed to dev with its pinned chart and to
//! staging with another chart version (0.2.0, a copy of the checkout's chart) through a second
//! kube context pointing at the same cluster; prod's context points at a port nothing listens
//! on. Status then says: dev current (revision, chart, the deployed git commit = the branch's),
//! staging drifted (live 0.2.0 ≠ pinned 0.1.0), prod unreachable — that row, not a failed run —
//! and exits 2.
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::cli::{apwiz_env, web_app_args, write};
use support::{KUBE_VERSION, chart, copy_dir, fresh_namespace, helm_major, kubeconfig, scratch};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@localhost"])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The control plane's kubeconfig with two more contexts: `fleet-b` (the same cluster and user)
/// and `fleet-down` (a server that refuses connections).
fn kubeconfig_with_contexts(root: &Path) -> PathBuf {
    let text = std::fs::read_to_string(kubeconfig()).expect("kubeconfig");
    let mut kc: Value = serde_yaml::from_str(&text).expect("kubeconfig parses");
    let current = kc["current-context"].as_str().unwrap().to_string();
    let ctx = kc["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == current.as_str())
        .unwrap()
        .clone();
    let cluster = ctx["context"]["cluster"].as_str().unwrap().to_string();
    let mut b = ctx.clone();
    b["name"] = "fleet-b".into();
    let mut down = ctx.clone();
    down["name"] = "fleet-down".into();
    down["context"]["cluster"] = "fleet-down".into();
    let mut down_cluster = kc["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == cluster.as_str())
        .unwrap()
        .clone();
    down_cluster["name"] = "fleet-down".into();
    down_cluster["cluster"]["server"] = "https://127.0.0.1:9".into();
    kc["contexts"].as_array_mut().unwrap().extend([b, down]);
    kc["clusters"].as_array_mut().unwrap().push(down_cluster);
    let path = root.join("kubeconfig");
    std::fs::write(&path, serde_yaml::to_string(&kc).unwrap()).unwrap();
    path
}

#[test]
fn status_shows_pins_policies_live_releases_and_drift() {
    let root = scratch("fleet-status");
    let kc = kubeconfig_with_contexts(&root);
    let kc_s = kc.to_str().unwrap();
    let major = helm_major();
    let current = {
        let text = std::fs::read_to_string(&kc).unwrap();
        let v: Value = serde_yaml::from_str(&text).unwrap();
        v["current-context"].as_str().unwrap().to_string()
    };
    let dev_ns = fresh_namespace("fst-shop-dev");
    let staging_ns = fresh_namespace("fst-shop-staging");

    let shop = root.join("shop");
    std::fs::create_dir_all(&shop).unwrap();
    git(&shop, &["init", "-q"]);
    apwiz_env(&shop, &web_app_args("dev,staging,prod", &[]), &[]).expect(0);
    git(&shop, &["add", "-A"]);
    git(&shop, &["commit", "-q", "-m", "apwiz new"]);
    let head = git(&shop, &["rev-parse", "--short=12", "HEAD"])
        .trim()
        .to_string();

    // dev: the pinned chart, through the cluster's own context.
    let deploy = |env: &str, ns: &str, context: &str, chart: &Path| {
        apwiz_env(
            &shop,
            &[
                "deploy",
                "--dir",
                "deploy",
                "--env",
                env,
                "-n",
                ns,
                "--yes",
                "--kubeconfig",
                kc_s,
                "--context",
                context,
                "--kube-version",
                KUBE_VERSION,
            ],
            &[
                ("APWIZ_CHART", chart.to_str().unwrap()),
                ("APWIZ_STATE_DIR", root.join("state").to_str().unwrap()),
            ],
        )
        .expect(0)
    };
    deploy("dev", &dev_ns, &current, &chart());
    // staging: another chart version, through the second context — drift on purpose.
    let v2 = root.join("v2/app-platform");
    copy_dir(&chart(), &v2);
    let cy = v2.join("Chart.yaml");
    let text = std::fs::read_to_string(&cy).unwrap();
    std::fs::write(&cy, text.replace("version: 0.1.0", "version: 0.2.0")).unwrap();
    deploy("staging", &staging_ns, "fleet-b", &v2);

    write(
        &root,
        "fleet.yaml",
        &format!(
            "kubeVersion: {KUBE_VERSION}\nkubeconfig: kubeconfig\nenvironments:\n  dev: {{context: {current}, namespace: \"fst-{{team}}-{{env}}-h{major}\"}}\n  staging: {{context: fleet-b, namespace: \"fst-{{team}}-{{env}}-h{major}\"}}\n  prod: {{context: fleet-down}}\nteams:\n  - repo: shop\n    dir: deploy\n"
        ),
    );
    let r = apwiz_env(
        &root,
        &["--format", "json", "fleet", "status"],
        &[("APWIZ_FLEET_CACHE", root.join("cache").to_str().unwrap())],
    )
    .expect(2);
    let status = &r.json()["status"];
    let team = &status["teams"][0];
    assert_eq!(team["team"], "shop", "{status:#}");
    assert_eq!(team["pin"]["version"], "0.1.0");
    assert!(team.get("behind").is_none(), "{team:#}");
    let env = |name: &str| -> &Value {
        team["environments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["env"] == name)
            .unwrap_or_else(|| panic!("no {name} in {team:#}"))
    };
    let dev = env("dev");
    assert_eq!(dev["live"]["revision"], 1, "{dev:#}");
    assert_eq!(dev["live"]["status"], "deployed");
    assert_eq!(dev["live"]["chart"], "app-platform-0.1.0");
    assert_eq!(dev["live"]["drift"], false);
    assert_eq!(dev["live"]["commit"], head.as_str(), "{dev:#}");
    assert!(dev.get("attention").is_none(), "{dev:#}");
    assert_eq!(dev["validation"]["errors"], 0, "{dev:#}");
    let staging = env("staging");
    assert_eq!(staging["live"]["drift"], true, "{staging:#}");
    assert_eq!(staging["live"]["chart"], "app-platform-0.2.0");
    assert!(
        staging["attention"][0]
            .as_str()
            .unwrap()
            .contains("drift: live app-platform-0.2.0 ≠ pinned 0.1.0"),
        "{staging:#}"
    );
    let prod = env("prod");
    assert!(prod["live"]["error"].is_string(), "{prod:#}");
    assert!(
        prod["attention"][0].as_str().unwrap().starts_with("live: "),
        "{prod:#}"
    );

    // Text: one row per environment, the attention column, exit 2.
    let r = apwiz_env(
        &root,
        &["fleet", "status"],
        &[("APWIZ_FLEET_CACHE", root.join("cache").to_str().unwrap())],
    )
    .expect(2);
    assert!(
        r.stdout.contains("1 team(s) need attention"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("rev 1 deployed app-platform-0.1.0"),
        "{}",
        r.stdout
    );
}
