//! `apwiz render`, and the small commands: presets, themes, completions, docs staleness.
mod support;

use support::cli::*;

fn team(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    write(
        &dir,
        "deploy/values.yaml",
        "image: ghcr.io/acme/shop:1.4.2\nreplicas: 2\n",
    );
    write(&dir, "deploy/values-prod.yaml", "replicas: 3\n");
    write(
        &dir,
        "deploy/.apwiz.yaml",
        "apiVersion: apwiz.dev/v1\npreset: web-app\nname: shop\nenvironments: [prod]\n",
    );
    dir
}

#[test]
fn renders_manifests_and_a_summary() {
    let dir = team("render");
    let run = apwiz(&dir, &["render", "--dir", "deploy", "--env", "prod"]).expect(0);
    assert!(run.stdout.contains("kind: Deployment"), "{}", run.stdout);
    assert!(run.stdout.contains("replicas: 3"), "{}", run.stdout);
    assert!(
        run.stdout.contains("name: shop"),
        "the release name comes from .apwiz.yaml"
    );
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour codes with NO_COLOR"
    );
    let run = apwiz(&dir, &["render", "--dir", "deploy", "--summary"]).expect(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("KIND") && lines[0].contains("NAME") && lines[0].contains("SERVICE")
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Deployment") && l.contains("shop")),
        "{}",
        run.stdout
    );
    let v = apwiz(
        &dir,
        &["--format", "json", "render", "--dir", "deploy", "--summary"],
    )
    .expect(0)
    .json();
    let objects = v["objects"].as_array().unwrap();
    assert!(
        objects
            .iter()
            .any(|o| o["kind"] == "Deployment" && o["name"] == "shop")
    );
    assert!(objects.iter().all(|o| o["service"].is_string()));
}

#[test]
fn renders_from_a_chart_archive() {
    let dir = team("archive");
    let out = std::process::Command::new(helm())
        .args([
            "package",
            chart().to_str().unwrap(),
            "-d",
            dir.to_str().unwrap(),
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("helm package");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tgz = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .expect("an archive");
    let tgz = tgz.to_str().unwrap();
    let run = apwiz(
        &dir,
        &["--chart", tgz, "render", "--dir", "deploy", "--summary"],
    )
    .expect(0);
    assert!(run.stdout.contains("Deployment"), "{}", run.stdout);
    let run = apwiz(
        &dir,
        &[
            "--chart",
            tgz,
            "validate",
            "--dir",
            "deploy",
            "--no-helm",
            "--set",
            "replicas=0",
        ],
    )
    .expect(1);
    assert!(
        run.stdout
            .contains("--set replicas: 0 is below the minimum 1."),
        "{}",
        run.stdout
    );
}

#[test]
fn render_failures_exit_1_with_located_findings() {
    let dir = team("render-fail");
    write(
        &dir,
        "deploy/values.yaml",
        "image: ghcr.io/acme/shop:1.4.2\nworkloadType: cronjob\n",
    );
    let run = apwiz(&dir, &["render", "--dir", "deploy"]).expect(1);
    assert!(run.stderr.contains("cronjob.schedule"), "{}", run.stderr);
    write(
        &dir,
        "deploy/values.yaml",
        "image: ghcr.io/acme/shop:1.4.2\nreplicas: 0\n",
    );
    let run = apwiz(&dir, &["render", "--dir", "deploy"]).expect(1);
    assert!(
        run.stderr
            .contains("deploy/values.yaml:2 replicas: 0 is below the minimum 1."),
        "{}",
        run.stderr
    );
}

#[test]
fn presets_themes_and_completions() {
    let dir = scratch("misc");
    let run = apwiz(&dir, &["presets", "list"]).expect(0);
    for name in [
        "web-app",
        "api-gateway",
        "worker",
        "stateful-db",
        "cache",
        "message-queue",
        "batch-cronjob",
        "one-off-job",
        "node-agent",
        "external-service",
        "function-runner",
        "microservices",
        "dev",
        "staging",
        "prod",
    ] {
        assert!(
            run.stdout.contains(name),
            "{name} missing from presets list"
        );
    }
    let v = apwiz(&dir, &["--format", "json", "presets", "list"])
        .expect(0)
        .json();
    assert_eq!(v.as_array().unwrap().len(), 15);
    let run = apwiz(&dir, &["presets", "show", "stateful-db"]).expect(0);
    assert!(
        run.stdout.contains("workloadType: statefulset"),
        "{}",
        run.stdout
    );
    let run = apwiz(&dir, &["presets", "show", "prod"]).expect(0);
    assert!(run.stdout.contains("values-prod.yaml"), "{}", run.stdout);
    let run = apwiz(&dir, &["presets", "show", "web-ap"]).expect(2);
    assert!(
        run.stderr.contains("Did you mean \"web-app\"?"),
        "{}",
        run.stderr
    );
    let run = apwiz(&dir, &["themes", "list"]).expect(0);
    for t in ["default", "high-contrast", "solarized-dark", "mono"] {
        assert!(run.stdout.contains(t));
    }
    apwiz(&dir, &["--theme", "nope", "themes", "list"]).expect(2);
    let run = apwiz(&dir, &["completions", "bash"]).expect(0);
    assert!(run.stdout.contains("apwiz"));
    apwiz(&dir, &["completions", "tcsh"]).expect(2);
}

#[test]
fn docs_check_fails_on_a_stale_manual() {
    let dir = scratch("docs");
    let out = dir.join("README.md");
    let out_s = out.to_str().unwrap();
    std::fs::write(&out, "stale\n").unwrap();
    let run = apwiz(&dir, &["docs", "--check", "--out", out_s]).expect(1);
    assert!(run.stderr.contains("is stale"), "{}", run.stderr);
    apwiz(&dir, &["docs", "--out", out_s]).expect(0);
    let text = std::fs::read_to_string(&out).unwrap();
    for section in [
        "## Quick start",
        "## Presets",
        "## Values reference",
        "## Troubleshooting",
    ] {
        assert!(text.contains(section), "no {section}");
    }
    assert_eq!(
        text.matches("\n### Preset: ").count(),
        12,
        "an example for each workload preset"
    );
    assert!(
        text.matches("Exit code ").count() >= 10,
        "ten troubleshooting entries"
    );
    assert!(
        text.contains("| `replicas` | integer | `1` | 1–1000 |"),
        "the reference has path, type, default, bounds"
    );
    apwiz(&dir, &["docs", "--check", "--out", out_s]).expect(0);
}

#[test]
fn committed_readme_is_not_stale() {
    let run = apwiz(&repo(), &["docs", "--check"]);
    assert_eq!(
        run.code, 0,
        "chart/README.md is stale: run `cargo run -- docs` and commit it\n{}{}",
        run.stdout, run.stderr
    );
}
