//! Running the real `apwiz` binary against the real chart and the pinned helm, in a scratch
//! directory: shared by the `cli_*` tests.

#[allow(unused_imports)] // re-exported for the cli_* tests, which glob-import this module
pub use super::{chart, helm, repo, scratch};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned Helm 3.21, if installed.
pub fn helm3() -> Option<PathBuf> {
    let p = repo().join(".tools/bin/helm3");
    p.exists().then_some(p)
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panics with the output unless the exit code is `code`.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs apwiz in `cwd` with the repo's chart and pinned helm, no colour, non-interactive.
pub fn apwiz(cwd: &Path, args: &[&str]) -> Run {
    apwiz_env(cwd, args, &[])
}

/// Like [`apwiz`], with extra environment variables; an empty value unsets the variable (so
/// `("APWIZ_CHART", "")` runs with no chart chosen).
pub fn apwiz_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_apwiz"));
    cmd.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("APWIZ_NON_INTERACTIVE", "1")
        .env("APWIZ_CHART", chart())
        .env("APWIZ_HELM", helm())
        .env("APWIZ_CONFIG", cwd.join("no-such-config.yaml"))
        .env_remove("APWIZ_THEME")
        .args(args);
    for (k, v) in env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    let out = cmd.output().expect("run apwiz");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `text` to `dir/name` (creating directories).
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

/// Reads `dir/name`.
pub fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// The web-app example from the issue, written into `dir/deploy`.
pub fn new_web_app(dir: &Path) -> Run {
    apwiz(dir, &web_app_args("dev,staging,prod", &[]))
}

/// `apwiz new` of the web-app example into `deploy/` for environments `envs`, plus `extra`.
pub fn web_app_args<'a>(envs: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "new",
        "--preset",
        "web-app",
        "--name",
        "shop",
        "--image",
        "ghcr.io/acme/shop:1.4.2",
        "--env",
        envs,
        "--set",
        "ingress.host=shop.example.com",
        "--out",
        "deploy/",
    ];
    args.extend_from_slice(extra);
    args
}

/// An executable shell script at `dir/name` (a fake helm).
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = write(dir, name, &format!("#!/bin/sh\n{body}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    p
}

/// The findings of a JSON report with the given source.
pub fn findings<'a>(report: &'a Value, source: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["source"] == source).collect())
        .unwrap_or_default()
}

/// `apwiz validate --dir <dir>` that must fail, and its first finding from the chart's templates.
pub fn first_template_finding(cwd: &Path, dir: &str) -> Value {
    let run = apwiz(cwd, &["--format", "json", "validate", "--dir", dir]).expect(1);
    let report = run.json();
    findings(&report, "template")
        .into_iter()
        .next()
        .cloned()
        .unwrap_or_else(|| panic!("no template finding:\n{report:#}"))
}

/// `apwiz new` for a workload preset with its example answers, into `cwd/deploy`.
pub fn new_from_example(
    cwd: &Path,
    p: &apwiz::testing::core::inputs::presets::Preset,
    all: &[apwiz::testing::core::inputs::presets::Preset],
    envs: &[String],
) -> Run {
    let answers = apwiz::testing::core::docs::example_answers(p, all).expect("example answers");
    let mut args: Vec<String> = vec![
        "new".into(),
        "--preset".into(),
        p.name.clone(),
        "--name".into(),
        answers.name.clone(),
    ];
    if let Some(i) = &answers.image {
        args.extend(["--image".into(), i.clone()]);
    }
    args.extend(["--env".into(), envs.join(",")]);
    for s in &answers.set {
        args.extend(["--set".into(), s.raw.clone()]);
    }
    args.extend(["--out".into(), "deploy".into()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    apwiz(cwd, &argv)
}
