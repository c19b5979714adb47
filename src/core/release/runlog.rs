//! Run records: one JSON file per operation under the user's state directory
//! (`$APWIZ_STATE_DIR`, else the platform's state/data dir, `apwiz/runs/<namespace>/<release>/`):
//! the plan, helm's arguments (with `--set` values redacted), helm's stderr, phases, every event,
//! hook and pod logs, the cause card and the outcome. No secret value is written: values files
//! are named, never read into it, and `--set` values are replaced.
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::core::base::error::{Error, Result};
use crate::core::release::cause::CauseCard;
use crate::core::release::events::Logs;
use crate::core::release::events::ReleaseEvent;
use crate::core::release::lease::Holder;
use crate::core::release::watch::Row;

/// The directory run records go to.
pub(crate) fn state_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("APWIZ_STATE_DIR") {
        return Some(PathBuf::from(p));
    }
    let d = directories::ProjectDirs::from("dev", "apwiz", "apwiz")?;
    Some(
        d.state_dir()
            .unwrap_or_else(|| d.data_local_dir())
            .to_path_buf(),
    )
}

/// One operation's record.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RunRecord {
    pub operation: String,
    pub release: String,
    pub namespace: String,
    pub context: String,
    pub started: String,
    pub duration_ms: u64,
    /// What the operation was going to do (hooks by phase, diff summary, revision).
    pub plan: serde_json::Value,
    pub helm_argv: Vec<String>,
    pub helm_exit: Option<i32>,
    pub helm_stderr: String,
    pub ok: bool,
    pub outcome: String,
    pub phases: Vec<serde_json::Value>,
    pub rows: Vec<Row>,
    pub logs: Vec<Logs>,
    pub cause: Option<CauseCard>,
    pub events: Vec<ReleaseEvent>,
    /// Who ran it (the release's Lease holder: user, host, pid, git commit).
    pub holder: Option<Holder>,
}

/// `argv` with every `--set`/`--set-string`/`--set-json` value replaced by `(redacted)`.
pub(crate) fn redact_argv(argv: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut next_is_set = false;
    for a in argv {
        if next_is_set {
            out.push(redact_set(a));
            next_is_set = false;
            continue;
        }
        if matches!(
            a.as_str(),
            "--set" | "--set-string" | "--set-json" | "--set-file"
        ) {
            next_is_set = true;
            out.push(a.clone());
        } else if let Some((flag, v)) = a.split_once('=')
            && matches!(flag, "--set" | "--set-string" | "--set-json")
        {
            out.push(format!("{flag}={}", redact_set(v)));
        } else {
            out.push(a.clone());
        }
    }
    out
}

fn redact_set(expr: &str) -> String {
    expr.split(',')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) => format!("{k}=(redacted)"),
            None => kv.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Where helm's stdout and stderr go while an operation runs (beside the run records; removed
/// when the operation ends, left for a detached helm).
pub(crate) fn helm_output_paths(
    dir: Option<&Path>,
    namespace: &str,
    release: &str,
    operation: &str,
) -> Result<(PathBuf, PathBuf)> {
    let base = dir
        .map(Path::to_path_buf)
        .or_else(state_dir)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join("runs").join(namespace).join(release);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let stamp = jiff::Timestamp::now()
        .to_string()
        .replace([':', '-'], "")
        .replace('.', "");
    let pid = std::process::id();
    Ok((
        dir.join(format!("{stamp}-{operation}-{pid}.helm-stdout.log")),
        dir.join(format!("{stamp}-{operation}-{pid}.helm-stderr.log")),
    ))
}

/// Writes `rec` under `dir` (default: [`state_dir`]); returns the file.
pub(crate) fn write(rec: &RunRecord, dir: Option<&Path>) -> Result<PathBuf> {
    let base = match dir {
        Some(d) => d.to_path_buf(),
        None => state_dir()
            .ok_or_else(|| Error::Environment("no state directory (set APWIZ_STATE_DIR)".into()))?,
    };
    let dir = base.join("runs").join(&rec.namespace).join(&rec.release);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let stamp = rec.started.replace([':', '-'], "").replace('.', "");
    let mut path = dir.join(format!("{stamp}-{}.json", rec.operation));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("{stamp}-{}-{n}.json", rec.operation));
    }
    let text = serde_json::to_string_pretty(rec)
        .map_err(|e| Error::Invalid(format!("run record: {e}")))?;
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_values_are_redacted() {
        let argv: Vec<String> = [
            "upgrade",
            "--set",
            "a.b=secret,c=2",
            "--set=d=x",
            "-f",
            "v.yaml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            redact_argv(&argv),
            vec![
                "upgrade",
                "--set",
                "a.b=(redacted),c=(redacted)",
                "--set=d=(redacted)",
                "-f",
                "v.yaml"
            ]
        );
    }
}
