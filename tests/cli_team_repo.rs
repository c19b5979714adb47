//! apwiz in a team's own repository, far from this project: the chart and policies built into
//! apwiz, the schema written beside the files (a relative `$schema` that survives a clone), the
//! chart version pinned in `.apwiz.yaml`, and `apwiz chart export` for plain helm.
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::cli::{Run, read};
use support::helm;

/// A directory outside this repository (no `chart/` in any parent).
fn team_repo(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apwiz-team-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("team dir");
    assert!(
        !dir.ancestors()
            .any(|a| a.join("chart/Chart.yaml").is_file()),
        "{} must be outside any chart checkout",
        dir.display()
    );
    dir
}

/// apwiz as a team runs it: no APWIZ_CHART, the pinned helm only.
fn apwiz(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_apwiz"))
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("APWIZ_NON_INTERACTIVE", "1")
        .env_remove("APWIZ_CHART")
        .env("APWIZ_HELM", helm())
        .env("APWIZ_CONFIG", cwd.join("no-such-config.yaml"))
        .args(args)
        .output()
        .expect("run apwiz");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn new_web_app(dir: &Path) {
    apwiz(
        dir,
        &[
            "new",
            "--preset",
            "web-app",
            "--name",
            "shop",
            "--image",
            "ghcr.io/acme/shop:1.4.2",
            "--env",
            "dev,prod",
            "--set",
            "ingress.host=shop.example.com",
        ],
    )
    .expect(0);
}

#[test]
fn new_and_validate_work_with_the_built_in_chart_and_policies() {
    let dir = team_repo("builtin");
    new_web_app(&dir);
    let deploy = dir.join("deploy");
    for f in ["values.yaml", "values-dev.yaml", "values-prod.yaml"] {
        let first = read(&deploy, f)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            first, "# yaml-language-server: $schema=.apwiz/values.schema.json",
            "{f}"
        );
    }
    // The schema beside the files is the chart's own, byte for byte.
    let schema = read(&deploy, ".apwiz/values.schema.json");
    let repo_schema =
        std::fs::read_to_string(support::chart().join("values.schema.json")).expect("schema");
    assert_eq!(schema, repo_schema);
    let answers = read(&deploy, ".apwiz.yaml");
    assert!(
        answers.contains("chart:\n  name: app-platform\n  version: ")
            && answers.contains("source: built-in"),
        "{answers}"
    );
    let report = apwiz(
        &dir,
        &[
            "--format", "json", "validate", "--dir", "deploy", "--env", "prod",
        ],
    )
    .expect(0)
    .json();
    let policy = report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["source"] == "policy"))
        .expect("a policy check");
    assert_eq!(policy["ran"], true, "the built-in policies run: {report}");
    // Moving the repository keeps every reference valid: nothing points outside it.
    let moved = team_repo("moved");
    std::fs::rename(&deploy, moved.join("deploy")).expect("move");
    apwiz(&moved, &["validate", "--dir", "deploy", "--env", "dev"]).expect(0);
}

#[test]
fn files_pinned_to_another_chart_version_are_refused_with_the_way_forward() {
    let dir = team_repo("pin");
    new_web_app(&dir);
    let answers = dir.join("deploy/.apwiz.yaml");
    let text = std::fs::read_to_string(&answers).expect("answers");
    let version = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("version: "))
        .expect("pinned version")
        .to_string();
    std::fs::write(
        &answers,
        text.replace(&format!("version: {version}"), "version: 9.9.9"),
    )
    .expect("edit pin");
    let run = apwiz(&dir, &["validate", "--dir", "deploy"]).expect(3);
    assert!(
        run.stderr.contains("pins app-platform 9.9.9")
            && run.stderr.contains(&format!("is app-platform {version}"))
            && run.stderr.contains("--chart"),
        "{}",
        run.stderr
    );
}

#[test]
fn chart_export_writes_what_plain_helm_installs() {
    let dir = team_repo("export");
    new_web_app(&dir);
    apwiz(&dir, &["chart", "export", "--tgz", "app-platform.tgz"]).expect(0);
    apwiz(&dir, &["chart", "export", "vendor"]).expect(0);
    for chart in ["app-platform.tgz", "vendor/app-platform"] {
        let out = Command::new(helm())
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .args([
                "template",
                "shop",
                chart,
                "-f",
                "deploy/values.yaml",
                "-f",
                "deploy/values-prod.yaml",
                "--kube-version",
                support::KUBE_VERSION,
            ])
            .output()
            .expect("helm");
        assert!(
            out.status.success(),
            "{chart}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("kind: Deployment") && text.contains("shop.example.com"));
    }
}
