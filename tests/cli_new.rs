//! `apwiz new`: minimal files, schema lines, the answers round trip, no overwrite without
//! `--force`, comment and hand-edit survival with it, atomic writes, missing answers.
mod support;

use apwiz::testing::core::values::read::parse_values;
use serde_json::{Value, json};
use support::cli::*;

fn values(dir: &std::path::Path, name: &str) -> Value {
    parse_values(&read(dir, name))
        .expect("generated file parses")
        .value
}

#[test]
fn writes_minimal_files_with_schema_lines() {
    let dir = scratch("new-basic");
    let run = new_web_app(&dir).expect(0);
    assert!(
        run.stdout.contains("created deploy/values.yaml"),
        "{}",
        run.stdout
    );
    for f in [
        "values.yaml",
        "values-dev.yaml",
        "values-staging.yaml",
        "values-prod.yaml",
    ] {
        let text = read(&dir.join("deploy"), f);
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first == "# yaml-language-server: $schema=.apwiz/values.schema.json",
            "{f}: {first}"
        );
        let schema = first.trim_start_matches("# yaml-language-server: $schema=");
        assert!(
            dir.join("deploy").join(schema).exists(),
            "{f}: schema path {schema} does not resolve"
        );
    }
    let base = values(&dir.join("deploy"), "values.yaml");
    // The image as its parts, so a pipeline can `--set image.tag=$SHA`.
    assert_eq!(
        base["image"],
        json!({"repository": "ghcr.io/acme/shop", "tag": "1.4.2"})
    );
    assert_eq!(base["ingress"]["host"], "shop.example.com");
    assert_eq!(base["replicas"], 2);
    // Only what differs from the chart defaults: the default workloadType, port and resources are not repeated.
    for key in ["workloadType", "port", "resources", "security", "global"] {
        assert!(
            base.get(key).is_none(),
            "values.yaml repeats the default {key}: {base}"
        );
    }
    // Only what differs from values.yaml per environment.
    let prod = values(&dir.join("deploy"), "values-prod.yaml");
    assert_eq!(prod["replicas"], 3);
    assert_eq!(prod["global"]["environment"], "prod");
    assert!(prod.get("image").is_none(), "{prod}");
    // the prod overlay's only Ingress setting is TLS; the host stays in values.yaml
    assert_eq!(
        prod["ingress"],
        serde_json::json!({"tls": {"enabled": true}})
    );
    let answers = read(&dir.join("deploy"), ".apwiz.yaml");
    assert!(
        answers.contains("preset: web-app") && answers.contains("ingress.host=shop.example.com"),
        "{answers}"
    );
}

#[test]
fn answers_file_reproduces_and_updates_the_files() {
    let dir = scratch("new-answers");
    new_web_app(&dir).expect(0);
    let deploy = dir.join("deploy");
    let before: Vec<String> = [
        "values.yaml",
        "values-dev.yaml",
        "values-prod.yaml",
        ".apwiz.yaml",
    ]
    .iter()
    .map(|f| read(&deploy, f))
    .collect();
    // Same answers, from the file, into a new directory: identical files.
    let copy = scratch("new-answers-copy");
    apwiz(
        &dir,
        &[
            "new",
            "--answers",
            "deploy/.apwiz.yaml",
            "--out",
            copy.to_str().unwrap(),
        ],
    )
    .expect(0);
    for (i, f) in [
        "values.yaml",
        "values-dev.yaml",
        "values-prod.yaml",
        ".apwiz.yaml",
    ]
    .iter()
    .enumerate()
    {
        let again = read(&copy, f);
        let mut want = before[i].clone();
        if f.starts_with("values") {
            // Only the relative schema path differs between directories.
            let line = |t: &str| t.lines().next().unwrap_or_default().to_string();
            want = want.replacen(&line(&before[i]), &line(&again), 1);
        }
        assert_eq!(again, want, "{f} differs when regenerated from the answers");
    }
    // Rerunning in place changes nothing, even without --force.
    let run = apwiz(&dir, &["new", "--answers", "deploy/.apwiz.yaml"]).expect(0);
    assert!(
        run.stdout.contains("unchanged deploy/values.yaml"),
        "{}",
        run.stdout
    );
    // A changed answer updates the files (with --force) and the answers.
    apwiz(
        &dir,
        &[
            "new",
            "--answers",
            "deploy/.apwiz.yaml",
            "--image",
            "ghcr.io/acme/shop:1.5.0",
            "--force",
        ],
    )
    .expect(0);
    assert_eq!(values(&deploy, "values.yaml")["image"]["tag"], "1.5.0");
    assert!(read(&deploy, ".apwiz.yaml").contains("ghcr.io/acme/shop:1.5.0"));
    apwiz(
        &dir,
        &[
            "new",
            "--answers",
            "deploy/.apwiz.yaml",
            "--set-env",
            "prod:replicas=5",
            "--force",
        ],
    )
    .expect(0);
    assert_eq!(values(&deploy, "values-prod.yaml")["replicas"], 5);
    assert!(read(&deploy, ".apwiz.yaml").contains("replicas=5"));
}

#[test]
fn never_overwrites_without_force() {
    let dir = scratch("new-noforce");
    new_web_app(&dir).expect(0);
    let before = read(&dir.join("deploy"), "values.yaml");
    let run = apwiz(
        &dir,
        &[
            "new",
            "--answers",
            "deploy/.apwiz.yaml",
            "--set",
            "replicas=4",
        ],
    )
    .expect(2);
    assert!(
        run.stderr.contains("exists; pass --force"),
        "{}",
        run.stderr
    );
    assert_eq!(
        read(&dir.join("deploy"), "values.yaml"),
        before,
        "the file changed without --force"
    );
    assert!(!dir.join("deploy/values.yaml.bak").exists());
}

#[test]
fn force_keeps_comments_hand_keys_and_hand_edits_and_a_backup() {
    let dir = scratch("new-force");
    new_web_app(&dir).expect(0);
    let deploy = dir.join("deploy");
    // The team edits the file by hand.
    let edited = read(&deploy, "values.yaml")
        .replace("replicas: 2", "replicas: 7 # raised for the sale")
        .replace("ingress:\n", "# Traffic comes in here.\ningress:\n")
        + "# Added by the team:\npodAnnotations:\n  team: checkout\n";
    write(&deploy, "values.yaml", &edited);
    // A changed answer: the host.
    let run = apwiz(
        &dir,
        &[
            "new",
            "--answers",
            "deploy/.apwiz.yaml",
            "--set",
            "ingress.host=www.example.com",
            "--force",
        ],
    )
    .expect(0);
    assert!(
        run.stdout.contains("updated deploy/values.yaml"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("kept your value of replicas"),
        "{}",
        run.stdout
    );
    let text = read(&deploy, "values.yaml");
    assert!(text.contains("replicas: 7 # raised for the sale"), "{text}");
    assert!(text.contains("# Traffic comes in here."), "{text}");
    assert!(
        text.contains("# Added by the team:") && text.contains("team: checkout"),
        "{text}"
    );
    assert!(text.contains("host: www.example.com"), "{text}");
    assert!(
        text.starts_with("# yaml-language-server: $schema="),
        "{text}"
    );
    assert_eq!(
        read(&deploy, "values.yaml.bak"),
        edited,
        "the backup is the file before the update"
    );
    let v = values(&deploy, "values.yaml");
    assert_eq!(v["podAnnotations"], json!({"team": "checkout"}));
}

#[test]
fn writes_are_atomic() {
    let dir = scratch("new-atomic");
    new_web_app(&dir).expect(0);
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("deploy"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".tmp") || n.contains("apwiz-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // A failed write leaves the target as it was and no temporary file.
    let target = dir.join("occupied");
    std::fs::create_dir_all(target.join("inside")).unwrap();
    let err = apwiz::testing::core::scaffold::overrides::write_atomic(&target, "x: 1\n");
    assert!(err.is_err());
    assert!(target.join("inside").is_dir());
    let tmp: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(tmp.is_empty(), "temporary file left after a failed write");
    // And a successful one replaces the whole file.
    let f = dir.join("file.yaml");
    std::fs::write(&f, "old: true\n").unwrap();
    apwiz::testing::core::scaffold::overrides::write_atomic(&f, "new: true\n").unwrap();
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "new: true\n");
}

#[test]
fn missing_answers_fail_at_once_naming_the_flag() {
    let dir = scratch("new-missing");
    let run = apwiz(
        &dir,
        &[
            "new",
            "--preset",
            "web-app",
            "--name",
            "shop",
            "--image",
            "ghcr.io/acme/shop:1.4.2",
        ],
    )
    .expect(2);
    assert!(run.stderr.contains("--set ingress.host="), "{}", run.stderr);
    let run = apwiz(&dir, &["new", "--name", "shop"]).expect(2);
    assert!(run.stderr.contains("--preset"), "{}", run.stderr);
    let run = apwiz(&dir, &["new", "--preset", "web-app"]).expect(2);
    assert!(run.stderr.contains("--name"), "{}", run.stderr);
    let run = apwiz(&dir, &["new", "--preset", "webapp", "--name", "x"]).expect(2);
    assert!(
        run.stderr.contains("Did you mean \"web-app\"?"),
        "{}",
        run.stderr
    );
    let run = apwiz(&dir, &["new", "--preset", "cache", "--name", "Bad_Name"]).expect(2);
    assert!(run.stderr.contains("--name"), "{}", run.stderr);
    assert!(
        !dir.join("deploy").exists(),
        "nothing is written when an answer is missing"
    );
}

#[test]
fn json_output_and_dry_run() {
    let dir = scratch("new-json");
    let run = apwiz(
        &dir,
        &[
            "--format",
            "json",
            "new",
            "--preset",
            "cache",
            "--name",
            "sessions",
            "--env",
            "prod",
            "--dry-run",
        ],
    )
    .expect(0);
    let v = run.json();
    assert_eq!(v["dryRun"], true);
    assert!(!dir.join("deploy").exists());
    let run = apwiz(
        &dir,
        &[
            "--format", "json", "new", "--preset", "cache", "--name", "sessions", "--env", "prod",
        ],
    )
    .expect(0);
    let v = run.json();
    assert_eq!(v["ok"], true);
    let files = v["files"].as_array().unwrap();
    // values.yaml, values-prod.yaml, the schema beside them and the answers file.
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(
        files
            .iter()
            .all(|f| f["outcome"] == "created" && f["path"].is_string())
    );
    let run = apwiz(
        &dir,
        &[
            "--format",
            "json",
            "new",
            "--preset",
            "cache",
            "--name",
            "sessions",
            "--env",
            "prod",
            "--set",
            "replicas=2",
        ],
    )
    .expect(2);
    let v = run.json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "usage");
    assert_eq!(v["error"]["exitCode"], 2);
}

/// The microservices preset asks each service's image (flags or answers), and writes each as a
/// map under its service, so CI can set one service's tag, or the shared one.
#[test]
fn microservices_asks_each_services_image_and_takes_set_per_service_tags() {
    let dir = scratch("new-micro-images");
    let images = [
        ("web", "ghcr.io/acme/shop-web:1.4.2"),
        ("api", "ghcr.io/acme/shop-api:2.0.1"),
        ("worker", "registry.acme.internal:5000/shop/worker:7"),
    ];
    // `apwiz new` of the preset with the web's host and these image answers.
    let new = |answers: &[(&str, &str)]| {
        let mut args: Vec<String> = [
            "new",
            "--preset",
            "microservices",
            "--name",
            "shop",
            "--env",
            "prod",
            "--set",
            "services.web.ingress.host=shop.example.com",
            "--out",
            "deploy/",
        ]
        .map(String::from)
        .to_vec();
        for (svc, image) in answers {
            args.extend(["--set".into(), format!("services.{svc}.image={image}")]);
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        apwiz(&dir, &argv)
    };
    // Unanswered: the image question is named with its flag, nothing written.
    let run = new(&[]).expect(2);
    assert!(
        run.stderr.contains("image of the web front end")
            && run
                .stderr
                .contains("--set services.web.image=ghcr.io/acme/shop-web:1.4.2"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("deploy").exists());
    new(&images).expect(0);
    let v = values(&dir, "deploy/values.yaml");
    assert!(v.get("image").is_none(), "no shared image is written: {v}");
    assert_eq!(
        v["services"]["worker"]["image"],
        json!({"repository": "registry.acme.internal:5000/shop/worker", "tag": "7"})
    );
    let base = dir.join("deploy/values.yaml");
    let prod = dir.join("deploy/values-prod.yaml");
    let files = [base.to_str().unwrap(), prod.to_str().unwrap()];
    let render = |sets: &[&str]| -> Vec<Value> {
        let out = support::template_output(&support::chart(), &files, sets);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{sets:?}: {err}");
        assert!(!err.contains("skipped value"), "{sets:?}: {err}");
        support::parse_manifests(&String::from_utf8_lossy(&out.stdout))
    };
    let image_of = |objs: &[Value], svc: &str| -> String {
        support::main_container(support::find(objs, "Deployment", &format!("release-{svc}")))
            ["image"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let objs = render(&[]);
    for (svc, image) in images {
        assert_eq!(image_of(&objs, svc), image);
    }
    // One service's tag: that service only.
    let objs = render(&["services.api.image.tag=abc"]);
    assert_eq!(image_of(&objs, "api"), "ghcr.io/acme/shop-api:abc");
    assert_eq!(image_of(&objs, "web"), "ghcr.io/acme/shop-web:1.4.2");
    // The shared tag renders (no warning); each service keeps the tag it was given.
    let objs = render(&["image.tag=abc"]);
    assert_eq!(image_of(&objs, "worker"), images[2].1);
}
