//! Team repositories for the fleet tests: git run with a fixed identity and `main` as the first
//! branch, and a team made by `apwiz new` into `deploy/` and committed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// git in `dir` (test identity, `main` for `init`); panics with git's stderr when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@localhost",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stages and commits everything in `dir`.
pub fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// A team repository `root/name`: `apwiz new` with `new_args` into `deploy/` for dev and prod,
/// committed.
pub fn team(root: &Path, name: &str, new_args: &[&str]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    let mut args = vec![
        "new", "--name", name, "--env", "dev,prod", "--out", "deploy/",
    ];
    args.extend_from_slice(new_args);
    super::cli::apwiz_env(&dir, &args, &[]).expect(0);
    commit_all(&dir, "apwiz new");
    dir
}

/// The web-app team `root/shop` (its image `ghcr.io/acme/shop:1.4.2`, an ingress host).
pub fn shop_team(root: &Path) -> PathBuf {
    team(
        root,
        "shop",
        &[
            "--preset",
            "web-app",
            "--image",
            "ghcr.io/acme/shop:1.4.2",
            "--set",
            "ingress.host=shop.example.com",
        ],
    )
}

/// A worker team `root/name` (its image `ghcr.io/acme/<name>:1.0.0`).
pub fn worker_team(root: &Path, name: &str) -> PathBuf {
    team(
        root,
        name,
        &[
            "--preset",
            "worker",
            "--image",
            &format!("ghcr.io/acme/{name}:1.0.0"),
            "--set",
            "env.QUEUE_URL=amqp://mq:5672",
        ],
    )
}

/// `root/fleet.yaml` listing the repositories `root/<name>` (their `deploy/`).
pub fn fleet_file(root: &Path, names: &[&str]) {
    let mut text = format!("kubeVersion: {}\nteams:\n", super::KUBE_VERSION);
    for name in names {
        text.push_str(&format!("  - repo: {name}\n    dir: deploy\n"));
    }
    super::cli::write(root, "fleet.yaml", &text);
}

/// A copy of the checkout's chart as 0.2.0 with `edits` (file, from, to) applied.
pub fn candidate(root: &Path, name: &str, edits: &[(&str, &str, &str)]) -> PathBuf {
    let dir = root.join("charts").join(name).join("app-platform");
    super::copy_dir(&super::chart(), &dir);
    let mut all = vec![("Chart.yaml", "version: 0.1.0", "version: 0.2.0")];
    all.extend_from_slice(edits);
    for (file, from, to) in all {
        let p = dir.join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file} has {from:?}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    }
    dir
}
