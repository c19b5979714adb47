//! A control plane of a test's own (its own `APWIZ_CLUSTER_DIR`, ports and etcd), for tests that
//! stop, freeze or restart its components: the shared cluster of `support::kubeconfig` must not
//! see that. Brought up with `OwnCluster::up(name)`, taken down when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `scripts/control-plane.sh ARGS` on the cluster whose files are in `dir`.
pub fn control_plane(dir: &Path, args: &[&str]) -> Output {
    Command::new(super::repo().join("scripts/control-plane.sh"))
        .args(args)
        .env("APWIZ_CLUSTER_DIR", dir)
        .output()
        .expect("run scripts/control-plane.sh")
}

pub struct OwnCluster {
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
}

impl OwnCluster {
    /// Starts (or reuses) the cluster in `.cluster/kwok-<name>-h<helm major>`.
    pub fn up(name: &str) -> OwnCluster {
        let dir = super::repo().join(format!(".cluster/kwok-{name}-h{}", super::helm_major()));
        let out = control_plane(&dir, &["up"]);
        assert!(
            out.status.success(),
            "control-plane.sh up ({}):\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let kubeconfig = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        OwnCluster { dir, kubeconfig }
    }

    pub fn script(&self, args: &[&str]) -> Output {
        control_plane(&self.dir, args)
    }

    /// The cluster's kubectl; fails the test when it fails.
    pub fn kubectl(&self, args: &[&str]) {
        let mut all = vec!["kubectl"];
        all.extend_from_slice(args);
        let out = self.script(&all);
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = self.script(&["down"]);
    }
}
