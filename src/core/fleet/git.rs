//! Git through the git CLI: each team repository mirrored into the fleet cache (`git clone
//! --mirror` once, `git fetch` after), a branch resolved to its commit, and the team's directory
//! at that commit extracted (`git archive`) into a snapshot keyed by commit. Read-only commands
//! work on snapshots only: a team's own clone, working tree and index are never touched.
//! [`Worktree`] is the one writer (`apwiz fleet upgrade`): a worktree on a new branch, removed
//! again when dropped.
use std::path::{Path, PathBuf};
use std::process::Stdio;

use sha2::{Digest, Sha256};
use tokio::process::Command;

use crate::core::base::error::{Error, Result};

/// What a git call printed.
#[derive(Debug)]
pub(crate) struct Out {
    pub ok: bool,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Out {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).trim().to_string()
    }
}

/// Runs git with `args` (in `cwd`, when given). No prompts, no pager, no user hooks' terminal.
pub(crate) async fn run(cwd: Option<&Path>, args: &[&str]) -> Result<Out> {
    let mut cmd = Command::new("git");
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    cmd.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let out = cmd.output().await.map_err(|e| {
        Error::Environment(format!(
            "cannot run git ({e}): install git (apwiz fleet reads team repositories with the git CLI)"
        ))
    })?;
    Ok(Out {
        ok: out.status.success(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    })
}

/// Runs git and fails with its first line of stderr, prefixed by `what`.
pub(crate) async fn must(cwd: Option<&Path>, args: &[&str], what: &str) -> Result<Out> {
    let out = run(cwd, args).await?;
    if !out.ok {
        return Err(Error::Invalid(format!(
            "{what}: {}",
            first_line(&out.stderr)
        )));
    }
    Ok(out)
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("git failed")
        .trim_start_matches("fatal: ")
        .to_string()
}

/// A short hex tag for a string (cache directory names).
pub(crate) fn tag(s: &str) -> String {
    let d = Sha256::digest(s.as_bytes());
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The mirror of `source` (a local path or URL) in `cache`: cloned on first use, fetched after.
/// A local path that is missing or not a git repository is an error saying so.
pub(crate) async fn mirror(source: &str, local: Option<&Path>, cache: &Path) -> Result<PathBuf> {
    if let Some(p) = local {
        if !p.exists() {
            return Err(Error::Usage(format!(
                "repository {} does not exist",
                p.display()
            )));
        }
        // The repository's own top (a clone, or a bare repository), not a directory inside
        // another repository.
        let is_repo =
            p.join(".git").exists() || (p.join("HEAD").is_file() && p.join("objects").is_dir());
        if !is_repo {
            return Err(Error::Usage(format!(
                "{} is not a git repository (run `git init` and commit the team's files)",
                p.display()
            )));
        }
    }
    let repos = cache.join("repos");
    std::fs::create_dir_all(&repos).map_err(|e| Error::io(&repos, e))?;
    let dest = repos.join(format!("{}.git", tag(source)));
    if dest.join("HEAD").is_file() {
        let d = dest.to_string_lossy().to_string();
        must(
            None,
            &["--git-dir", &d, "fetch", "--prune", "--quiet", "origin"],
            &format!("git fetch {source}"),
        )
        .await?;
        // The source's default branch may have moved.
        let _ = run(
            None,
            &["--git-dir", &d, "remote", "set-head", "origin", "--auto"],
        )
        .await;
        return Ok(dest);
    }
    let tmp = repos.join(format!(".{}-{}", tag(source), std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let t = tmp.to_string_lossy().to_string();
    let cloned = must(
        None,
        &["clone", "--mirror", "--quiet", source, &t],
        &format!("git clone {source}"),
    )
    .await;
    if let Err(e) = cloned {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if std::fs::rename(&tmp, &dest).is_err() {
        // Another run cloned it meanwhile: use theirs.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(dest)
}

/// The commit `branch` (default: the mirror's `HEAD`) points at.
pub(crate) async fn resolve(mirror: &Path, branch: Option<&str>) -> Result<String> {
    let d = mirror.to_string_lossy().to_string();
    let rev = format!("{}^{{commit}}", branch.unwrap_or("HEAD"));
    let out = run(
        None,
        &["--git-dir", &d, "rev-parse", "--verify", "--quiet", &rev],
    )
    .await?;
    if out.ok {
        return Ok(out.text());
    }
    let heads = run(
        None,
        &[
            "--git-dir",
            &d,
            "for-each-ref",
            "--format=%(refname:short)",
            "refs/heads",
        ],
    )
    .await?
    .text();
    Err(Error::Usage(match branch {
        Some(b) => format!(
            "no branch {b:?} (branches: {})",
            if heads.is_empty() {
                "none".into()
            } else {
                heads.replace('\n', ", ")
            }
        ),
        None => "the repository has no commit yet".into(),
    }))
}

/// The directory `dir` of the tree at `commit`, extracted into the cache once per commit and
/// directory. Returns the snapshot's root (the team's files are at `<root>/<dir>`).
pub(crate) async fn snapshot(
    mirror: &Path,
    commit: &str,
    dir: &str,
    cache: &Path,
) -> Result<PathBuf> {
    let trees = cache.join("trees");
    let root = trees.join(format!("{commit}-{}", tag(dir)));
    if root.join(".apwiz-snapshot").is_file() {
        return Ok(root);
    }
    let d = mirror.to_string_lossy().to_string();
    let mut args = vec!["--git-dir", d.as_str(), "archive", "--format=tar", commit];
    if dir != "." {
        args.extend(["--", dir]);
    }
    let out = run(None, &args).await?;
    if !out.ok {
        return Err(Error::Usage(format!(
            "no directory {dir} at {}: {}",
            &commit[..commit.len().min(12)],
            first_line(&out.stderr)
        )));
    }
    let tmp = trees.join(format!(".{commit}-{}-{}", tag(dir), std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    tar::Archive::new(out.stdout.as_slice())
        .unpack(&tmp)
        .map_err(|e| Error::io(&tmp, e))?;
    std::fs::write(tmp.join(".apwiz-snapshot"), commit).map_err(|e| Error::io(&tmp, e))?;
    if std::fs::rename(&tmp, &root).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(root)
}

/// Whether `repo` has the branch `branch`.
pub(crate) async fn branch_exists(repo: &Path, branch: &str) -> Result<bool> {
    let r = format!("refs/heads/{branch}");
    Ok(run(Some(repo), &["rev-parse", "--verify", "--quiet", &r])
        .await?
        .ok)
}

/// A git worktree of `repo` on a new branch, for one change; removed (directory and
/// registration) when dropped, whether the change was committed or not. The branch stays only
/// once its commit is made: dropped before (a failure, Ctrl-C, the future dropped even while
/// `git worktree add` runs), the branch it made goes too, so no half-made branch is left.
pub(crate) struct Worktree {
    pub repo: PathBuf,
    pub path: PathBuf,
    pub branch: String,
    /// The commit is made: the branch is the result, kept.
    committed: bool,
}

impl Worktree {
    /// Adds a worktree at `path` on the new branch `branch`, starting from `start`. A branch that
    /// exists already is refused (and never deleted).
    pub(crate) async fn add(
        repo: &Path,
        path: &Path,
        branch: &str,
        start: &str,
    ) -> Result<Worktree> {
        if branch_exists(repo, branch).await? {
            return Err(Error::Usage(format!(
                "branch {branch} exists already in {}: delete it (`git branch -D {branch}`) or upgrade to another version",
                repo.display()
            )));
        }
        // The guard first: whatever `git worktree add` managed before a failure or a cancel
        // is undone by its drop.
        let wt = Worktree {
            repo: repo.to_path_buf(),
            path: path.to_path_buf(),
            branch: branch.to_string(),
            committed: false,
        };
        let p = path.to_string_lossy().to_string();
        must(
            Some(repo),
            &["worktree", "add", "--quiet", "-b", branch, &p, start],
            &format!("git worktree add in {}", repo.display()),
        )
        .await?;
        Ok(wt)
    }

    /// Stages everything in the worktree and commits it with `message`; the new commit.
    pub(crate) async fn commit(&mut self, message: &str) -> Result<String> {
        let p = Some(self.path.as_path());
        must(p, &["add", "-A"], "git add").await?;
        must(
            p,
            &[
                "-c",
                "user.name=apwiz fleet",
                "-c",
                "user.email=apwiz-fleet@localhost",
                "commit",
                "--quiet",
                "--no-verify",
                "-m",
                message,
            ],
            "git commit",
        )
        .await?;
        self.committed = true;
        Ok(must(p, &["rev-parse", "HEAD"], "git rev-parse")
            .await?
            .text())
    }
}

/// git in `repo`, synchronously, output dropped (for guards, which run on cancellation too).
fn quietly(repo: &Path, args: &[&str]) {
    let _ = std::process::Command::new("git")
        .current_dir(repo)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Drop for Worktree {
    fn drop(&mut self) {
        // Synchronous: runs on cancellation too, so no worktree is left behind.
        // Twice forced: a `git worktree add` stopped half-way leaves its worktree locked
        // ("initializing"), which a single --force does not remove.
        let p = self.path.to_string_lossy().to_string();
        quietly(
            &self.repo,
            &["worktree", "remove", "--force", "--force", &p],
        );
        let _ = std::fs::remove_dir_all(&self.path);
        quietly(&self.repo, &["worktree", "unlock", &p]);
        quietly(&self.repo, &["worktree", "prune"]);
        if !self.committed {
            // A git killed while it updated the branch may have left its lock.
            let lock = format!("refs/heads/{}.lock", self.branch);
            if let Ok(dir) = std::fs::canonicalize(self.repo.join(".git")) {
                let _ = std::fs::remove_file(dir.join(&lock));
            }
            let _ = std::fs::remove_file(self.repo.join(&lock));
            quietly(&self.repo, &["branch", "-D", &self.branch]);
        }
    }
}
