//! A release left `pending-install`, `pending-upgrade` or `pending-rollback` by a helm that was
//! killed (or one still running): which revision, since when, whether a helm for it still runs
//! on this machine, and what recovers it with the history kept (a rollback to the last deployed
//! revision; for a first install, which has none, an uninstall and a fresh deploy).
use serde::Serialize;

use crate::core::release::liveness;
use crate::core::release::records::History;

/// What recovers a stuck release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "action")]
pub(crate) enum Recovery {
    /// Roll back to the last deployed revision (a new revision; the history is kept).
    Rollback { to: u64 },
    /// It never deployed: uninstall, then deploy again.
    Reinstall,
}

/// A stuck release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Stuck {
    pub release: String,
    pub namespace: String,
    pub revision: u64,
    pub status: String,
    /// RFC 3339: when the pending revision was written.
    pub since: String,
    /// helm processes on this machine working on this release (pids).
    pub helms: Vec<u32>,
    pub recovery: Recovery,
}

/// The stuck state of `h`, when its newest revision is `pending-*`.
pub(crate) fn of(h: &History) -> Option<Stuck> {
    let latest = h.latest()?;
    if !latest.status.starts_with("pending-") {
        return None;
    }
    let back = h.revisions.iter().rev().find(|x| {
        x.revision < latest.revision && (x.status == "deployed" || x.status == "superseded")
    });
    Some(Stuck {
        release: h.release.clone(),
        namespace: h.namespace.clone(),
        revision: latest.revision,
        status: latest.status.clone(),
        since: latest.updated.clone(),
        helms: local_helms(&h.release, &h.namespace),
        recovery: match back {
            Some(b) => Recovery::Rollback { to: b.revision },
            None => Recovery::Reinstall,
        },
    })
}

impl Stuck {
    /// Whether a helm for it still runs here (then nothing is to be recovered yet).
    pub(crate) fn running(&self) -> bool {
        !self.helms.is_empty()
    }

    /// `revision 3 is stuck in pending-upgrade since 14:03:07 UTC: no helm for it runs on this
    /// machine (…)`.
    pub(crate) fn describe(&self) -> String {
        let who = if self.running() {
            format!(
                "helm still runs for it on this machine (pid {}): wait for it to end, or stop it (`kill {}`) and recover",
                join(&self.helms),
                join(&self.helms)
            )
        } else {
            "no helm for it runs on this machine (a helm that was killed, or one on another machine)"
                .to_string()
        };
        format!(
            "revision {} is stuck in {} since {}: {who}",
            self.revision,
            self.status,
            liveness::clock(&self.since)
        )
    }

    /// The one action that recovers it, as a command.
    pub(crate) fn offer(&self) -> String {
        let cmd = format!(
            "apwiz deploy --recover --yes --release {} -n {}",
            self.release, self.namespace
        );
        match self.recovery {
            Recovery::Rollback { to } => format!(
                "`{cmd}` rolls back to revision {to} (the last deployed; the history is kept), then deploys"
            ),
            Recovery::Reinstall => {
                format!("it never deployed: `{cmd}` uninstalls it and deploys again")
            }
        }
    }
}

fn join(pids: &[u32]) -> String {
    pids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// helm processes on this machine whose command line works on `release` in `namespace`
/// (`helm upgrade|install|rollback|uninstall … <release> … --namespace <namespace>`).
pub(crate) fn local_helms(release: &str, namespace: &str) -> Vec<u32> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out: Vec<u32> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|raw| {
                let argv: Vec<String> = raw
                    .split(|b| *b == 0)
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                works_on(&argv, release, namespace)
            })
        })
        .collect();
    out.sort_unstable();
    out
}

/// Whether `argv` is a helm changing `release` in `namespace`.
fn works_on(argv: &[String], release: &str, namespace: &str) -> bool {
    let Some(exe) = argv.first() else {
        return false;
    };
    let base = std::path::Path::new(exe)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if !base.starts_with("helm") {
        return false;
    }
    let changes = argv
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .is_some_and(|op| {
            matches!(
                op.as_str(),
                "upgrade" | "install" | "rollback" | "uninstall"
            )
        });
    let ns = argv
        .windows(2)
        .any(|w| (w[0] == "--namespace" || w[0] == "-n") && w[1] == namespace)
        || argv
            .iter()
            .any(|a| *a == format!("--namespace={namespace}"));
    changes && ns && argv.iter().any(|a| a == release)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::release::records::{Revision, Source};

    fn rev(n: u64, status: &str) -> Revision {
        Revision {
            revision: n,
            status: status.into(),
            updated: "2026-12-06T14:03:07Z".into(),
            secret: None,
            chart: None,
            description: None,
        }
    }

    fn history(revs: Vec<Revision>) -> History {
        History {
            release: "shop".into(),
            namespace: "apps".into(),
            source: Source::ReleaseSecrets,
            fallback_reason: None,
            revisions: revs,
        }
    }

    #[test]
    fn a_pending_upgrade_rolls_back_to_the_last_deployed_a_pending_install_is_reinstalled() {
        assert_eq!(of(&history(vec![rev(1, "deployed")])), None);
        let s = of(&history(vec![
            rev(1, "superseded"),
            rev(2, "deployed"),
            rev(3, "pending-upgrade"),
        ]))
        .unwrap();
        assert_eq!(s.recovery, Recovery::Rollback { to: 2 });
        assert!(
            s.describe()
                .starts_with("revision 3 is stuck in pending-upgrade since 14:03:07 UTC"),
            "{}",
            s.describe()
        );
        assert!(
            s.offer().contains("rolls back to revision 2"),
            "{}",
            s.offer()
        );
        let s = of(&history(vec![rev(1, "pending-install")])).unwrap();
        assert_eq!(s.recovery, Recovery::Reinstall);
        assert!(
            s.offer().contains("uninstalls it and deploys again"),
            "{}",
            s.offer()
        );
    }

    #[test]
    fn only_a_helm_changing_that_release_in_that_namespace_counts() {
        let a = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert!(works_on(
            &a(
                "/x/.tools/bin/helm upgrade --install shop /c --kube-context k --namespace apps --wait"
            ),
            "shop",
            "apps"
        ));
        assert!(works_on(
            &a("helm3 rollback shop 2 -n apps"),
            "shop",
            "apps"
        ));
        assert!(!works_on(
            &a("helm upgrade --install shop /c --namespace other"),
            "shop",
            "apps"
        ));
        assert!(!works_on(
            &a("helm status shop --namespace apps"),
            "shop",
            "apps"
        ));
        assert!(!works_on(&a("vim shop --namespace apps"), "shop", "apps"));
    }
}
