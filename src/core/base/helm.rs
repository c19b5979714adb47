//! Helm as a subprocess: finding it (`--helm`, the user config, the repository's pinned
//! `.tools/bin/helm`, then `PATH`; Helm 4 preferred, Helm 3.21+ accepted), checking its version,
//! and running `helm template` / `helm lint` with `NO_COLOR=1`.
//!
//! Calls are async (tokio) and cancellable: dropping a call's future kills the helm process
//! (`kill_on_drop`), which is what [`Latest`](crate::core::base::jobs::Latest) relies on.
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::Command;

use crate::core::base::error::{Error, Result, Setting};

/// Oldest Helm 3 accepted.
pub(crate) const MIN_HELM3_MINOR: u64 = 21;

/// A parsed `vMAJOR.MINOR.PATCH`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// Parses `v4.3.1` (with or without `v`, extra suffixes ignored).
    pub(crate) fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches('v');
        let core = s.split(['-', '+']).next()?;
        let mut it = core.split('.').map(|p| p.parse::<u64>().ok());
        Some(Version {
            major: it.next()??,
            minor: it.next().flatten().unwrap_or(0),
            patch: it.next().flatten().unwrap_or(0),
        })
    }

    /// Whether apwiz supports this Helm.
    pub(crate) fn supported(&self) -> bool {
        self.major >= 4 || (self.major == 3 && self.minor >= MIN_HELM3_MINOR)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A usable helm binary.
#[derive(Debug, Clone)]
pub struct Helm {
    pub path: PathBuf,
    pub version: Version,
}

/// Where to look for helm.
#[derive(Debug, Clone, Default)]
pub struct Locate {
    /// `--helm` (or `APWIZ_HELM`): used as is, or an error.
    pub explicit: Option<PathBuf>,
    /// `helm:` in the user config.
    pub configured: Option<PathBuf>,
    /// Directories to search upwards from for `.tools/bin/helm` (the chart's, the cwd).
    pub search_from: Vec<PathBuf>,
    /// `PATH`.
    pub path_var: Option<std::ffi::OsString>,
}

/// The candidates in order, with a label saying where each came from.
pub(crate) fn candidates(l: &Locate) -> Vec<(PathBuf, &'static str)> {
    let mut out = Vec::new();
    if let Some(p) = &l.configured {
        out.push((p.clone(), "the user config"));
    }
    let mut pinned = Vec::new();
    for start in &l.search_from {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.clone());
        for dir in start.ancestors() {
            let bin = dir.join(".tools").join("bin");
            if bin.is_dir() {
                pinned.push(bin.join("helm"));
                pinned.push(bin.join("helm3"));
                break;
            }
        }
    }
    for p in pinned {
        if !out.iter().any(|(q, _)| *q == p) {
            out.push((p, "the pinned tools (.tools/bin)"));
        }
    }
    if let Some(path) = &l.path_var {
        for name in ["helm", "helm4", "helm3"] {
            for dir in std::env::split_paths(path) {
                let p = dir.join(name);
                if !out.iter().any(|(q, _)| *q == p) {
                    out.push((p, "PATH"));
                }
            }
        }
    }
    out
}

/// A bare command name (`helm3`) is looked up in `PATH`; a path is used as is.
fn resolve_in_path(p: &Path, path_var: Option<&std::ffi::OsStr>) -> PathBuf {
    if p.components().count() == 1
        && let Some(path) = path_var
    {
        for dir in std::env::split_paths(path) {
            let c = dir.join(p);
            if is_executable(&c) {
                return c;
            }
        }
    }
    p.to_path_buf()
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// Runs `helm version` and parses the answer.
pub(crate) async fn version_of(path: &Path) -> Result<Version> {
    let out = Command::new(path)
        .args(["version", "--template", "{{.Version}}"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| Error::needs(Setting::Helm, format!("cannot run {}: {e}", path.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    Version::parse(text.trim()).ok_or_else(|| {
        Error::needs(
            Setting::Helm,
            format!(
                "{} did not report a Helm version (got {:?}); apwiz needs a Helm 4 or Helm 3.21+ binary",
                path.display(),
                text.trim()
            ),
        )
    })
}

/// Finds a supported helm: the explicit one, else the first Helm 4 among the candidates, else the
/// first supported Helm 3.
pub async fn locate(l: &Locate) -> Result<Helm> {
    if let Some(p) = &l.explicit {
        let p = &resolve_in_path(p, l.path_var.as_deref());
        if !is_executable(p) {
            return Err(Error::needs(
                Setting::Helm,
                format!(
                    "helm not found at {} (the helm you chose, or APWIZ_HELM)",
                    p.display()
                ),
            ));
        }
        let version = version_of(p).await?;
        if !version.supported() {
            return Err(too_old(p, &version));
        }
        return Ok(Helm {
            path: p.clone(),
            version,
        });
    }
    let mut fallback: Option<Helm> = None;
    let mut too_old_found: Option<Error> = None;
    for (p, _) in candidates(l) {
        if !is_executable(&p) {
            continue;
        }
        let Ok(version) = version_of(&p).await else {
            continue;
        };
        if version.major >= 4 {
            return Ok(Helm { path: p, version });
        }
        if version.supported() {
            fallback.get_or_insert(Helm { path: p, version });
        } else if too_old_found.is_none() {
            too_old_found = Some(too_old(&p, &version));
        }
    }
    if let Some(h) = fallback {
        return Ok(h);
    }
    Err(too_old_found.unwrap_or_else(not_found))
}

/// The error when no helm is found anywhere.
pub(crate) fn not_found() -> Error {
    Error::needs(
        Setting::Helm,
        "helm not found: looked in the user config, .tools/bin (scripts/install-tools.sh) and PATH; install Helm 4 (or 3.21+)",
    )
}

/// The error for a helm older than apwiz supports.
pub(crate) fn too_old(p: &Path, v: &Version) -> Error {
    Error::needs(
        Setting::Helm,
        format!(
            "helm {v} at {} is too old: apwiz needs Helm 4, or Helm 3.{MIN_HELM3_MINOR} or newer (scripts/install-tools.sh installs both)",
            p.display()
        ),
    )
}

/// The inputs of `helm template` and `helm lint`.
#[derive(Debug, Clone, Default)]
pub struct Args {
    pub release: String,
    pub chart: PathBuf,
    pub namespace: Option<String>,
    pub value_files: Vec<PathBuf>,
    /// `--set` arguments, passed verbatim.
    pub sets: Vec<String>,
    pub kube_version: Option<String>,
    /// Skip Helm's own schema check (apwiz checks the schema in-process).
    pub skip_schema: bool,
}

/// What a helm run printed.
#[derive(Debug, Clone)]
pub struct Output {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub duration: Duration,
    pub argv: Vec<String>,
}

/// Kubernetes version assumed for Helm 3 offline rendering when none is configured
/// (Helm 3's own default is too old for the chart's `kubeVersion`).
pub(crate) const HELM3_DEFAULT_KUBE_VERSION: &str = "1.34.0";

impl Helm {
    fn common(&self, a: &Args, argv: &mut Vec<String>) {
        if let Some(ns) = &a.namespace {
            argv.extend(["--namespace".into(), ns.clone()]);
        }
        for f in &a.value_files {
            argv.extend(["--values".into(), f.to_string_lossy().to_string()]);
        }
        for s in &a.sets {
            argv.extend(["--set".into(), s.clone()]);
        }
        let kv = a
            .kube_version
            .clone()
            .or_else(|| (self.version.major == 3).then(|| HELM3_DEFAULT_KUBE_VERSION.to_string()));
        if let Some(kv) = kv {
            argv.extend(["--kube-version".into(), kv]);
        }
        if a.skip_schema {
            argv.push("--skip-schema-validation".into());
        }
    }

    /// The arguments of `helm template` for `a`.
    pub(crate) fn template_argv(&self, a: &Args) -> Vec<String> {
        let mut argv = vec![
            "template".into(),
            a.release.clone(),
            a.chart.to_string_lossy().to_string(),
        ];
        self.common(a, &mut argv);
        argv
    }

    /// The arguments of `helm lint --strict` for `a`.
    pub(crate) fn lint_argv(&self, a: &Args) -> Vec<String> {
        let mut argv = vec![
            "lint".into(),
            a.chart.to_string_lossy().to_string(),
            "--strict".into(),
        ];
        self.common(a, &mut argv);
        argv
    }

    /// Runs `helm template`.
    pub async fn template(&self, a: &Args) -> Result<Output> {
        self.run(self.template_argv(a)).await
    }

    /// Runs `helm lint --strict`.
    pub(crate) async fn lint(&self, a: &Args) -> Result<Output> {
        self.run(self.lint_argv(a)).await
    }

    /// Runs helm with `argv`; dropping the future kills the process.
    pub async fn run(&self, argv: Vec<String>) -> Result<Output> {
        self.run_env(argv, &[]).await
    }

    /// Runs helm with `argv` and `env` set (e.g. its Go runtime's `GOGC`); dropping the future
    /// kills the process.
    pub async fn run_env(&self, argv: Vec<String>, env: &[(&str, &str)]) -> Result<Output> {
        let start = Instant::now();
        let out = Command::new(&self.path)
            .args(&argv)
            .envs(env.iter().copied())
            .env("NO_COLOR", "1")
            .env("HELM_COLOR", "never")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| Error::Environment(format!("cannot run {}: {e}", self.path.display())))?;
        Ok(Output {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            duration: start.elapsed(),
            argv,
        })
    }
}

/// A failure of the chart at template time, as the chart prints it:
/// `<path>: <what is wrong>, got <value>. <how to fix>`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChartFailure {
    /// The template that failed (`app-platform/templates/statefulset.yaml:2:4`).
    pub template: Option<String>,
    /// The whole message after helm's prefix.
    pub message: String,
    /// The dotted values path, when the message has the chart's form.
    pub path: Option<String>,
    pub problem: Option<String>,
    pub value: Option<serde_json::Value>,
    pub fix: Option<String>,
}

/// Finds the template failures in helm's stderr (an `Error:` line and its continuation lines).
pub(crate) fn parse_failures(stderr: &str) -> Vec<ChartFailure> {
    let mut out = Vec::new();
    let lines: Vec<&str> = stderr.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        i += 1;
        let Some(rest) = line.strip_prefix("Error: ") else {
            continue;
        };
        if let Some(after) = rest.strip_prefix("execution error at (")
            && let Some(close) = after.find("): ")
        {
            let template = after[..close].to_string();
            let message = after[close + 3..].to_string();
            out.push(parse_chart_message(Some(template), &message));
        } else {
            let mut message = rest.to_string();
            while i < lines.len() && !lines[i].trim().is_empty() && !lines[i].starts_with("Error: ")
            {
                message.push(' ');
                message.push_str(lines[i].trim());
                i += 1;
            }
            out.push(ChartFailure {
                template: None,
                message,
                path: None,
                problem: None,
                value: None,
                fix: None,
            });
        }
    }
    out
}

/// Splits `<value>. <fix>`: the value is JSON (`toJson`), so try each `.` that could end it.
fn split_value(after: &str) -> (Option<serde_json::Value>, String) {
    let mut stream = serde_json::Deserializer::from_str(after).into_iter::<serde_json::Value>();
    if let Some(Ok(v)) = stream.next() {
        let off = stream.byte_offset();
        return (
            Some(v),
            after[off..].trim_start_matches('.').trim().to_string(),
        );
    }
    for (i, _) in after.match_indices('.') {
        let head = &after[..i];
        let rest = &after[i + 1..];
        if (rest.is_empty() || rest.starts_with(' '))
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(head)
        {
            return (Some(v), rest.trim().to_string());
        }
    }
    match after.split_once(". ") {
        Some((v, fix)) => (
            Some(serde_json::Value::String(v.to_string())),
            fix.to_string(),
        ),
        None => (
            Some(serde_json::Value::String(
                after.trim_end_matches('.').to_string(),
            )),
            String::new(),
        ),
    }
}

/// Splits `<path>: <problem>, got <value>. <fix>`.
pub(crate) fn parse_chart_message(template: Option<String>, message: &str) -> ChartFailure {
    let mut f = ChartFailure {
        template,
        message: message.to_string(),
        path: None,
        problem: None,
        value: None,
        fix: None,
    };
    let Some((path, rest)) = message.split_once(": ") else {
        return f;
    };
    if path.is_empty() || path.contains(' ') {
        return f;
    }
    let Some(i) = rest.rfind(", got ") else {
        return f;
    };
    let problem = &rest[..i];
    let after = &rest[i + 6..];
    let (value, fix) = split_value(after);
    f.path = Some(path.to_string());
    f.problem = Some(problem.to_string());
    f.value = value;
    f.fix = (!fix.is_empty()).then_some(fix);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(Version::parse("v4.3.1").unwrap().supported());
        assert!(Version::parse("v3.21.4").unwrap().supported());
        assert!(!Version::parse("v3.14.0").unwrap().supported());
        assert_eq!(Version::parse("garbage"), None);
    }

    #[test]
    fn chart_failures() {
        let err = "Error: execution error at (app-platform/templates/statefulset.yaml:2:4): services.db.persistence.enabled: a statefulset needs persistence, got false. Set persistence.enabled: true.\n\nUse --debug flag";
        let f = &parse_failures(err)[0];
        assert_eq!(f.path.as_deref(), Some("services.db.persistence.enabled"));
        assert_eq!(f.value, Some(serde_json::Value::Bool(false)));
        assert_eq!(f.fix.as_deref(), Some("Set persistence.enabled: true."));
        let f = parse_chart_message(None, "image: has a tag \"x. y\", got \"a. b\". Quote it.");
        assert_eq!(f.value, Some(serde_json::json!("a. b")));
        assert_eq!(f.fix.as_deref(), Some("Quote it."));
    }
}
