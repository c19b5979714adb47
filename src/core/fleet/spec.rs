//! The fleet: which team repositories the platform team looks at. Read from a `fleet.yaml`
//! (each team a local path or a git URL, a branch, the directory of its `.apwiz.yaml`; the kube
//! context of each environment), or found by [`scan`]ning a directory for `.apwiz.yaml` files.
//! A malformed `fleet.yaml` is one error naming the file and line; a team that is merely
//! unusable is not an error here (it becomes that team's row when loaded).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::core::base::error::{Error, Result};
use crate::core::inputs::answers;
use crate::core::values::read::parse_values;

/// One team as the fleet names it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TeamSpec {
    /// The row's name (default: the repository's last path segment, then the directory).
    pub name: String,
    /// Where the repository is: a local path (absolute) or a git URL.
    pub repo: RepoSource,
    /// The branch to read (`None`: the repository's default branch, `HEAD`).
    pub branch: Option<String>,
    /// The directory of the team's `.apwiz.yaml` inside the repository (`.` for the top).
    pub dir: String,
}

/// A repository: on this machine, or to be cloned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RepoSource {
    Path(PathBuf),
    Url(String),
}

impl RepoSource {
    /// How the source is shown in rows and messages.
    pub(crate) fn display(&self) -> String {
        match self {
            RepoSource::Path(p) => p.display().to_string(),
            RepoSource::Url(u) => u.clone(),
        }
    }
}

/// Where one environment's releases live.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnvTarget {
    /// The kube context (in `kubeconfig`, else the default kubeconfig).
    pub context: String,
    /// The namespace of a team's release; `{team}` and `{env}` are replaced (default:
    /// `{team}-{env}`).
    #[serde(default)]
    pub namespace: Option<String>,
}

impl EnvTarget {
    /// The namespace of `team`'s release in `env`.
    pub(crate) fn namespace_for(&self, team: &str, env: &str) -> String {
        self.namespace
            .as_deref()
            .unwrap_or("{team}-{env}")
            .replace("{team}", team)
            .replace("{env}", env)
    }
}

/// The whole fleet.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Fleet {
    /// Where it was read from (`fleet.yaml`, or the scanned directory).
    pub origin: String,
    pub teams: Vec<TeamSpec>,
    /// The Kubernetes version helm renders for (offline).
    pub kube_version: Option<String>,
    /// The kubeconfig of the environments' contexts (default: `$KUBECONFIG`, `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// Environment → where its releases live (environments not listed are not looked up live).
    pub environments: BTreeMap<String, EnvTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawFleet {
    #[serde(default)]
    kube_version: Option<String>,
    #[serde(default)]
    kubeconfig: Option<String>,
    #[serde(default)]
    environments: BTreeMap<String, EnvTarget>,
    teams: Vec<RawTeam>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    #[serde(default)]
    name: Option<String>,
    repo: String,
    #[serde(default)]
    branch: Option<String>,
    #[serde(default)]
    dir: Option<String>,
}

/// Whether `repo` names a git URL rather than a path on this machine.
fn is_url(repo: &str) -> bool {
    repo.contains("://") || (repo.contains('@') && repo.contains(':') && !repo.starts_with('/'))
}

/// The last meaningful segment of a path or URL (`git@h:acme/shop.git` → `shop`).
fn last_segment(s: &str) -> String {
    let s = s.trim_end_matches('/');
    let tail = s.rsplit(['/', ':']).next().unwrap_or(s);
    tail.trim_end_matches(".git").to_string()
}

/// `p` made absolute with `.` and `..` resolved lexically (a repository need not exist yet).
fn normalize(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Reads `fleet.yaml` at `path`. Relative repository paths are relative to the file's directory.
pub(crate) fn load(path: &Path) -> Result<Fleet> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Usage(format!(
                "fleet file {} not found: write one (docs/fleet.md) or pass --scan DIR",
                path.display()
            ))
        } else {
            Error::io(path, e)
        }
    })?;
    parse(
        &path.display().to_string(),
        &text,
        path.parent().unwrap_or(Path::new(".")),
    )
}

/// Parses the text of a fleet file named `file`, relative paths resolved against `base`.
pub(crate) fn parse(file: &str, text: &str, base: &Path) -> Result<Fleet> {
    // Syntax first, with YAML 1.1's positions, so every later error can name its line.
    let parsed = parse_values(text).map_err(|e| e.in_file(file.to_string()))?;
    // The line of `pointer`, else of the nearest enclosing value the file sets.
    let line_of = |pointer: &str| {
        let mut p = pointer;
        loop {
            if let Some(l) = parsed.loc(p) {
                return l.line;
            }
            match p.rfind('/') {
                Some(i) if i > 0 => p = &p[..i],
                _ => return 1,
            }
        }
    };
    let raw: RawFleet = serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        Error::Yaml {
            file: file.to_string(),
            line,
            column,
            message: format!(
                "{e} (a fleet file has `teams:`, a list of {{repo, branch, dir, name}}, and optional `environments:`, `kubeVersion:`, `kubeconfig:`)"
            )
            .replace(&format!(" at line {line} column {column}"), ""),
        }
    })?;
    let bad = |pointer: &str, message: String| Error::Yaml {
        file: file.to_string(),
        line: line_of(pointer),
        column: 1,
        message,
    };
    if raw.teams.is_empty() {
        return Err(bad("/teams", "`teams:` lists no team".into()));
    }
    let mut teams: Vec<TeamSpec> = Vec::new();
    for (i, t) in raw.teams.into_iter().enumerate() {
        let at = format!("/teams/{i}");
        if t.repo.trim().is_empty() {
            return Err(bad(
                &format!("{at}/repo"),
                format!("teams[{i}].repo is empty: give a path or a git URL"),
            ));
        }
        let repo = if is_url(&t.repo) {
            RepoSource::Url(t.repo.clone())
        } else {
            RepoSource::Path(normalize(&base.join(&t.repo)))
        };
        let dir = t.dir.unwrap_or_else(|| ".".into());
        if Path::new(&dir).is_absolute() || dir.split('/').any(|s| s == "..") {
            return Err(bad(
                &format!("{at}/dir"),
                format!(
                    "teams[{i}].dir {dir:?} must be a directory inside the repository (relative, no `..`)"
                ),
            ));
        }
        let name = t.name.unwrap_or_else(|| {
            let seg = last_segment(&t.repo);
            if dir == "." || dir == "deploy" {
                seg
            } else {
                format!("{seg}/{dir}")
            }
        });
        if let Some(first) = teams.iter().position(|o| o.name == name) {
            return Err(bad(
                &format!("{at}/name"),
                format!(
                    "two teams are named {name:?} (teams[{first}] and teams[{i}]): give each a distinct `name:`"
                ),
            ));
        }
        teams.push(TeamSpec {
            name,
            repo,
            branch: t.branch,
            dir,
        });
    }
    Ok(Fleet {
        origin: file.to_string(),
        teams,
        kube_version: raw.kube_version,
        kubeconfig: raw.kubeconfig.map(|k| base.join(k)),
        environments: raw.environments,
    })
}

/// Every team under `dir`: each `.apwiz.yaml` found (`.git`, `target` and hidden directories
/// skipped), the repository being the nearest enclosing directory with `.git`, else the
/// directory itself (which then becomes a row saying it is not a git repository).
pub(crate) fn scan(dir: &Path) -> Result<Fleet> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--scan {}: not a directory",
            dir.display()
        )));
    }
    let root = std::path::absolute(dir).unwrap_or(dir.to_path_buf());
    let mut found = Vec::new();
    walk(&root, 0, &mut found);
    found.sort();
    let mut teams: Vec<TeamSpec> = Vec::new();
    for team_dir in found {
        let repo = team_dir
            .ancestors()
            .take_while(|a| a.starts_with(&root))
            .find(|a| a.join(".git").exists())
            .unwrap_or(&team_dir)
            .to_path_buf();
        let rel = team_dir
            .strip_prefix(&repo)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let dir = if rel.is_empty() { ".".to_string() } else { rel };
        let mut name = last_segment(&repo.display().to_string());
        if dir != "." && dir != "deploy" {
            name = format!("{name}/{dir}");
        }
        while teams.iter().any(|t| t.name == name) {
            name.push('\'');
        }
        teams.push(TeamSpec {
            name,
            repo: RepoSource::Path(repo),
            branch: None,
            dir,
        });
    }
    if teams.is_empty() {
        return Err(Error::Usage(format!(
            "--scan {}: no {} found below it",
            dir.display(),
            answers::FILE_NAME
        )));
    }
    Ok(Fleet {
        origin: format!("--scan {}", dir.display()),
        teams,
        ..Fleet::default()
    })
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 6 {
        return;
    }
    if dir.join(answers::FILE_NAME).is_file() {
        out.push(dir.to_path_buf());
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&e.path(), depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_paths_urls_and_defaults() {
        let f = parse(
            "fleet.yaml",
            "kubeVersion: 1.34.0\nenvironments:\n  prod: {context: kwok-b}\nteams:\n  - repo: ../shop\n    dir: deploy\n  - repo: https://git.example.com/acme/billing.git\n    branch: release\n  - name: pay\n    repo: git@git.example.com:acme/payments.git\n",
            Path::new("/fleet"),
        )
        .unwrap();
        assert_eq!(f.teams[0].name, "shop");
        assert_eq!(f.teams[0].repo, RepoSource::Path("/shop".into()));
        assert_eq!(f.teams[0].dir, "deploy");
        assert_eq!(f.teams[1].name, "billing");
        assert!(matches!(f.teams[1].repo, RepoSource::Url(_)));
        assert_eq!(f.teams[1].branch.as_deref(), Some("release"));
        assert!(matches!(f.teams[2].repo, RepoSource::Url(_)));
        assert_eq!(
            f.environments["prod"].namespace_for("shop", "prod"),
            "shop-prod"
        );
    }

    #[test]
    fn a_malformed_fleet_names_file_and_line() {
        let e = parse(
            "fleet.yaml",
            "teams:\n  - repo: a\n  - repo: b\n    brnach: main\n",
            Path::new("/"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("fleet.yaml:4:"), "{e}");
        assert!(e.contains("brnach"), "{e}");
        let e = parse(
            "fleet.yaml",
            "teams:\n  - repo: a/shop\n  - repo: b/shop\n",
            Path::new("/"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("fleet.yaml:3:") && e.contains("two teams"),
            "{e}"
        );
        let e = parse("fleet.yaml", "teams: [\n", Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("fleet.yaml"), "{e}");
    }
}
