//! `apwiz upgrade-chart` between two real chart versions: the checkout's chart as 0.1.0, and a
//! 0.2.0 made here from a copy of it that renames `ingress.className` to `ingress.class` (with
//! the migration entry that says so) and adds a selector label (a breaking change). A team
//! written for 0.1.0 is checked (exit 2, nothing written), moved (keys migrated with comments
//! kept, schema and pin rewritten), and checked again (exit 0).
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::{Run, apwiz_env, read, web_app_args};
use support::{chart, copy_dir, scratch};

/// The two charts: (0.1.0, 0.2.0).
fn charts() -> (PathBuf, PathBuf) {
    let root = scratch("upgrade-charts");
    let v1 = root.join("v1/app-platform");
    copy_dir(&chart(), &v1);
    let v2 = root.join("v2/app-platform");
    copy_dir(&chart(), &v2);
    let edit = |file: &str, from: &str, to: &str| {
        let p = v2.join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file} has {from:?}");
        std::fs::write(&p, text.replace(from, to)).unwrap();
    };
    edit("Chart.yaml", "version: 0.1.0", "version: 0.2.0");
    // the renamed key, everywhere the chart reads or documents it
    edit("values.yaml", "  className: \"\"", "  class: \"\"");
    edit(
        "templates/_defaults.tpl",
        "  className: \"\"",
        "  class: \"\"",
    );
    edit("templates/_ingress.tpl", "$in.className", "$in.class");
    edit("values.schema.json", "\"className\":", "\"class\":");
    edit(
        "migrations.yaml",
        "    images:\n      - image\n",
        "    images:\n      - image\n    renames:\n      ingress.className: ingress.class\n",
    );
    // a changed template: one more selector label (immutable on a Deployment)
    edit(
        "templates/_labels.tpl",
        "\"app.kubernetes.io/component\" .name -}}",
        "\"app.kubernetes.io/component\" .name\n      \"app-platform.io/selector-version\" \"2\" -}}",
    );
    (v1, v2)
}

fn apwiz_with(dir: &Path, chart: &Path, args: &[&str]) -> Run {
    apwiz_env(dir, args, &[("APWIZ_CHART", chart.to_str().unwrap())])
}

/// A team written with `v1`, with a comment of its own above the key that will be renamed.
fn team(v1: &Path) -> PathBuf {
    let dir = scratch("upgrade-team");
    apwiz_with(
        &dir,
        v1,
        &web_app_args("dev,prod", &["--set", "ingress.className=nginx"]),
    )
    .expect(0);
    let values = dir.join("deploy/values.yaml");
    let text = std::fs::read_to_string(&values).unwrap();
    assert!(text.contains("  className: nginx\n"), "{text}");
    std::fs::write(
        &values,
        text.replace(
            "  className: nginx\n",
            "  # the class our controller serves (team note)\n  className: nginx\n",
        ),
    )
    .unwrap();
    dir
}

#[test]
fn upgrade_chart_checks_migrates_diffs_and_repins() {
    let (v1, v2) = charts();
    let dir = team(&v1);
    let before = read(&dir, "deploy/values.yaml");
    let answers_before = read(&dir, "deploy/.apwiz.yaml");

    // --check: behind, what would change, nothing written.
    let r = apwiz_with(&dir, &v2, &["upgrade-chart", "--dir", "deploy", "--check"]).expect(2);
    assert!(
        r.stdout.contains("app-platform 0.1.0") && r.stdout.contains("app-platform 0.2.0"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("ingress.className → ingress.class"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("BREAKING Deployment/shop spec.selector.matchLabels[\"app-platform.io/selector-version\"]"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("is behind"), "{}", r.stdout);
    assert_eq!(
        read(&dir, "deploy/values.yaml"),
        before,
        "--check writes nothing"
    );
    assert_eq!(read(&dir, "deploy/.apwiz.yaml"), answers_before);

    // The plan as data: per environment, the selector change on the Deployment and the
    // Service, the Ingress unchanged (the migrated key renders the same class).
    let r = apwiz_with(
        &dir,
        &v2,
        &[
            "upgrade-chart",
            "--dir",
            "deploy",
            "--check",
            "--format",
            "json",
        ],
    )
    .expect(2);
    let plan = &r.json()["plan"];
    assert_eq!(plan["from"]["version"], "0.1.0");
    assert_eq!(plan["to"]["version"], "0.2.0");
    assert_eq!(plan["behind"], true);
    let envs: Vec<&str> = plan["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["env"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["dev", "prod"]);
    for e in plan["environments"].as_array().unwrap() {
        let changed: Vec<&str> = e["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["object"].as_str().unwrap())
            .collect();
        assert!(changed.contains(&"Deployment/shop"), "{changed:?}");
        assert!(changed.contains(&"Service/shop"), "{changed:?}");
        let ingress = e["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["object"] == "Ingress/shop")
            .expect("the Ingress's labels changed");
        assert!(
            ingress["paths"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["path"].as_str().unwrap().starts_with("metadata.labels")),
            "only the Ingress's labels change: the migrated key renders the same class: {ingress}"
        );
        let deployment = e["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["object"] == "Deployment/shop")
            .unwrap();
        let paths: Vec<&str> = deployment["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["path"].as_str().unwrap())
            .collect();
        assert!(
            paths.contains(&"spec.selector.matchLabels[\"app-platform.io/selector-version\"]"),
            "{paths:?}"
        );
        assert!(
            !paths.iter().any(|p| p.contains("helm.sh/chart")),
            "the chart-version label is left out: {paths:?}"
        );
        let breaking: Vec<(&str, &str)> = e["breaking"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["object"].as_str().unwrap(), b["path"].as_str().unwrap()))
            .collect();
        assert!(breaking.contains(&(
            "Deployment/shop",
            "spec.selector.matchLabels[\"app-platform.io/selector-version\"]"
        )));
        assert!(
            breaking.iter().any(|(o, _)| *o == "Service/shop"),
            "{breaking:?}"
        );
    }

    // The move: keys migrated with the team's comment kept, schema and pin rewritten.
    let r = apwiz_with(&dir, &v2, &["upgrade-chart", "--dir", "deploy"]).expect(0);
    assert!(
        r.stdout.contains("moved to app-platform 0.2.0"),
        "{}",
        r.stdout
    );
    let after = read(&dir, "deploy/values.yaml");
    assert_eq!(
        after,
        before.replace("  className: nginx\n", "  class: nginx\n"),
        "only the key changed; comments and layout kept"
    );
    assert!(after.contains("# the class our controller serves (team note)\n  class: nginx"));
    let answers: Value = serde_yaml::from_str(&read(&dir, "deploy/.apwiz.yaml")).unwrap();
    assert_eq!(answers["chart"]["version"], "0.2.0");
    assert_eq!(answers["chart"]["source"], v2.to_str().unwrap());
    assert_eq!(answers["name"], "shop", "the other answers stay");
    assert!(
        read(&dir, "deploy/.apwiz.yaml").starts_with("# apwiz answers"),
        "the answers file's header comment stays"
    );
    assert_eq!(
        read(&dir, "deploy/.apwiz/values.schema.json"),
        std::fs::read_to_string(v2.join("values.schema.json")).unwrap(),
        "the schema beside the files is the new chart's"
    );

    // Current now: --check passes, and the files render with the new chart as pinned.
    apwiz_with(&dir, &v2, &["upgrade-chart", "--dir", "deploy", "--check"]).expect(0);
    apwiz_with(&dir, &v2, &["validate", "--dir", "deploy", "--env", "prod"]).expect(0);
}

/// A file written for 0.1.0 by hand, the image a string at the top level and per service, with
/// the team's comments around and beside them (the one beside the string stays on its key).
const OLD_IMAGES: &str = "\
# yaml-language-server: $schema=.apwiz/values.schema.json
# The shop: a web front end and its API (team-owned file).
# CI bumps the tag below on every release.
image: ghcr.io/acme/shop:1.4.2 # bumped by CI
replicas: 2 # two for the rollout
ingress:
  enabled: true
  host: shop.example.com
services:
  web: {}
  # the API runs its own image, pinned by digest by the release pipeline
  api:
    image: registry.acme.internal:5000/shop/api:2.1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    ingress:
      enabled: false
    # the API is slow to start
    probes:
      readiness: {http: {path: /ready}, initialDelaySeconds: 10}
";

#[test]
fn image_strings_move_to_the_map_form_with_comments_kept_and_take_set_image_tag() {
    let (v1, v2) = charts();
    let dir = team(&v1);
    std::fs::write(dir.join("deploy/values.yaml"), OLD_IMAGES).unwrap();
    let r = apwiz_with(&dir, &v2, &["upgrade-chart", "--dir", "deploy", "--check"]).expect(2);
    assert!(
        r.stdout.contains("image: \"ghcr.io/acme/shop:1.4.2\" → "),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("services.api.image: "), "{}", r.stdout);
    apwiz_with(&dir, &v2, &["upgrade-chart", "--dir", "deploy"]).expect(0);
    let after = read(&dir, "deploy/values.yaml");
    for kept in [
        "# yaml-language-server: $schema=.apwiz/values.schema.json\n# The shop: a web front end and its API (team-owned file).\n# CI bumps the tag below on every release.\n",
        "image: # bumped by CI\n  repository: ghcr.io/acme/shop\n",
        "replicas: 2 # two for the rollout\n",
        "  # the API runs its own image, pinned by digest by the release pipeline\n  api:\n",
        "    # the API is slow to start\n    probes:\n      readiness: {http: {path: /ready}, initialDelaySeconds: 10}\n",
        "  web: {}\n",
    ] {
        assert!(after.contains(kept), "lost {kept:?}:\n{after}");
    }
    let v: Value = serde_yaml::from_str(&after).unwrap();
    assert_eq!(
        v["image"],
        serde_json::json!({"repository": "ghcr.io/acme/shop", "tag": "1.4.2"})
    );
    assert_eq!(
        v["services"]["api"]["image"]["repository"],
        "registry.acme.internal:5000/shop/api"
    );
    assert_eq!(v["services"]["api"]["image"]["tag"], "2.1");
    assert!(
        v["services"]["api"]["image"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:0123")
    );
    // What CI runs on the moved file: a tag per service and a shared one, no helm warning.
    let file = dir.join("deploy/values.yaml");
    let out = support::template_output(
        &v2,
        &[file.to_str().unwrap()],
        &["image.tag=abc", "services.api.image.tag=def"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("skipped value"), "{err}");
    let objs = support::parse_manifests(&String::from_utf8_lossy(&out.stdout));
    let image = |name: &str| {
        support::main_container(support::find(&objs, "Deployment", name))["image"].clone()
    };
    assert_eq!(image("release-web"), "ghcr.io/acme/shop:abc");
    assert_eq!(
        image("release-api"),
        "registry.acme.internal:5000/shop/api:def@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    );
    // Moved once: the next check has nothing to do.
    apwiz_with(&dir, &v2, &["upgrade-chart", "--dir", "deploy", "--check"]).expect(0);
}

#[test]
fn a_version_the_chart_at_hand_is_not_is_refused_with_what_to_do() {
    let (v1, v2) = charts();
    let dir = team(&v1);
    let r = apwiz_with(
        &dir,
        &v2,
        &["upgrade-chart", "--dir", "deploy", "--to", "0.3.0"],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--to 0.3.0"), "{}", r.stderr);
    assert!(r.stderr.contains("is app-platform 0.2.0"), "{}", r.stderr);
    assert!(r.stderr.contains("pass --chart"), "{}", r.stderr);
}

#[test]
fn the_old_chart_is_needed_for_the_diff_and_from_names_it() {
    let (v1, v2) = charts();
    let dir = team(&v1);
    // The pinned chart's directory moved away: upgrade-chart says how to name it…
    let moved = v1.parent().unwrap().join("elsewhere");
    std::fs::rename(&v1, &moved).unwrap();
    let r = apwiz_with(&dir, &v2, &["upgrade-chart", "--dir", "deploy", "--check"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("pass --from"), "{}", r.stderr);
    // …and with --from it diffs as before.
    let r = apwiz_with(
        &dir,
        &v2,
        &[
            "upgrade-chart",
            "--dir",
            "deploy",
            "--check",
            "--from",
            moved.to_str().unwrap(),
        ],
    )
    .expect(2);
    assert!(
        r.stdout.contains("ingress.className → ingress.class"),
        "{}",
        r.stdout
    );
}
