//! `apwiz fleet status`: per team and environment, the chart pin and how far behind the newest
//! version it is, what the policies say about its render today, and — for environments with a
//! kube context in the fleet — the live release: revision, status, chart version live against
//! pinned (drift), last deploy and the git commit it recorded.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;

use crate::core::base::error::Result;
use crate::core::check::policies::Policies;
use crate::core::check::report::Severity;
use crate::core::fleet::impact::policy_errors;
use crate::core::fleet::render::{Renderer, schema_errors};
use crate::core::fleet::spec::Fleet;
use crate::core::fleet::teams::{Header, Loaded, Team};
use crate::core::inputs::config::Config;
use crate::core::inputs::team_files;
use crate::core::release::{self, Target, records};

/// How long one context may take to answer before its rows say it is unreachable.
const LIVE_TIMEOUT: Duration = Duration::from_secs(8);

/// The validation of one environment's render on its pin.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Validation {
    pub errors: usize,
    pub warnings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// The policies' findings counted by rule (most errors first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyCount>,
}

/// How often one policy rule found something in one render.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct PolicyCount {
    pub rule: String,
    pub errors: usize,
    pub warnings: usize,
}

/// Findings counted by rule, the rules with most errors (then warnings) first.
fn by_rule(found: &[crate::core::check::report::Finding]) -> Vec<PolicyCount> {
    let mut counts: std::collections::BTreeMap<&str, PolicyCount> = Default::default();
    for f in found {
        let c = counts
            .entry(f.rule.as_str())
            .or_insert_with(|| PolicyCount {
                rule: f.rule.clone(),
                ..PolicyCount::default()
            });
        match f.severity {
            Severity::Error => c.errors += 1,
            Severity::Warning => c.warnings += 1,
            Severity::Info => {}
        }
    }
    let mut v: Vec<PolicyCount> = counts
        .into_values()
        .filter(|c| c.errors + c.warnings > 0)
        .collect();
    v.sort_by_key(|c| std::cmp::Reverse((c.errors, c.warnings)));
    v
}

/// The live release of one environment.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Live {
    pub context: String,
    pub namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The chart version the live revision was made from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    /// The live chart version differs from the pinned one.
    pub drift: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_deployed: Option<String>,
    /// The git commit the deploy recorded (`git 1a2b3c4d5e6f`), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Why the release could not be read (no release, unreachable context).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvStatus {
    pub env: Option<String>,
    pub validation: Validation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<Live>,
    /// What needs someone's attention, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attention: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamStatus {
    #[serde(flatten)]
    pub header: Header,
    /// How far the pin is behind the newest version (`2 minor`), `None` when current.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behind: Option<String>,
    pub environments: Vec<EnvStatus>,
}

impl TeamStatus {
    pub(crate) fn needs_attention(&self) -> bool {
        self.header.error.is_some()
            || self.behind.is_some()
            || self.environments.iter().any(|e| !e.attention.is_empty())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The newest chart version the pins are compared with.
    pub newest: String,
    pub teams: Vec<TeamStatus>,
}

impl Status {
    pub(crate) fn needs_attention(&self) -> bool {
        self.teams.iter().any(TeamStatus::needs_attention)
    }
}

pub(crate) struct Request<'a> {
    pub fleet: &'a Fleet,
    pub teams: Vec<Loaded>,
    pub newest: String,
    pub renderer: Arc<Renderer>,
    pub policies: Option<Arc<Mutex<Policies>>>,
    pub config: &'a Config,
    pub jobs: usize,
}

/// How far `pin` is behind `newest`: `N major`, `N minor`, `N patch`, or `None`.
pub(crate) fn behind(pin: &str, newest: &str) -> Option<String> {
    let (Ok(p), Ok(n)) = (semver::Version::parse(pin), semver::Version::parse(newest)) else {
        return (pin != newest).then(|| format!("{pin} ≠ {newest}"));
    };
    if p >= n {
        return None;
    }
    Some(if n.major > p.major {
        format!("{} major", n.major - p.major)
    } else if n.minor > p.minor {
        format!("{} minor", n.minor - p.minor)
    } else {
        format!("{} patch", n.patch.saturating_sub(p.patch).max(1))
    })
}

async fn validation(req: &Request<'_>, team: &Team, env: Option<&str>, ns: &str) -> Validation {
    let mut v = Validation::default();
    let result: Result<()> = async {
        let pinned = req.renderer.pinned(&team.pin, &team.dir).await?;
        let files: Vec<_> = team_files(&team.dir, env)?
            .into_iter()
            .map(|f| f.path)
            .collect();
        let refused = schema_errors(&pinned, &files, &req.renderer.schema_time).await?;
        if let Some(f) = refused.first() {
            v.errors += refused.len();
            v.first = Some(format!("schema: {}", f.to_text()));
            return Ok(());
        }
        let out = req
            .renderer
            .render(&pinned, &team.answers.name, ns, &files)
            .await?;
        if !out.success {
            v.errors += 1;
            v.first = Some(
                out.stderr
                    .lines()
                    .find(|l| l.starts_with("Error:"))
                    .unwrap_or("helm template failed")
                    .to_string(),
            );
            return Ok(());
        }
        let found = policy_errors(&req.policies, &out.stdout, &req.renderer.policy_time).await?;
        v.policies = by_rule(&found);
        for f in found {
            match f.severity {
                Severity::Error => {
                    v.errors += 1;
                    v.first.get_or_insert_with(|| f.to_text());
                }
                Severity::Warning => v.warnings += 1,
                Severity::Info => {}
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        v.errors += 1;
        v.first = Some(e.to_string());
    }
    v
}

async fn live(req: &Request<'_>, team: &Team, env: &str, pinned: &str) -> Option<Live> {
    let t = req.fleet.environments.get(env)?;
    let namespace = t.namespace_for(&team.answers.name, env);
    let mut live = Live {
        context: t.context.clone(),
        namespace: namespace.clone(),
        ..Live::default()
    };
    let target = Target {
        kubeconfig: req.fleet.kubeconfig.clone(),
        context: Some(t.context.clone()),
        namespace: Some(namespace),
    };
    let read = async {
        let cluster = release::connect(&target, req.config).await?;
        records::open(&cluster, &team.answers.name, None).await
    };
    match tokio::time::timeout(LIVE_TIMEOUT, read).await {
        Err(_) => {
            live.error = Some(format!(
                "context {} did not answer within {}s",
                t.context,
                LIVE_TIMEOUT.as_secs()
            ))
        }
        Ok(Err(e)) => live.error = Some(e.to_string()),
        Ok(Ok(rec)) => {
            live.drift = rec.chart.version != pinned;
            live.revision = Some(rec.revision);
            live.status = Some(rec.info.status.clone());
            live.chart = Some(format!("{}-{}", rec.chart.name, rec.chart.version));
            live.last_deployed = Some(rec.info.last_deployed.clone()).filter(|s| !s.is_empty());
            live.commit = rec
                .info
                .description
                .strip_prefix("git ")
                .map(|c| c.split_whitespace().next().unwrap_or(c).to_string());
        }
    }
    Some(live)
}

async fn env_status(req: &Request<'_>, team: &Team, env: Option<String>) -> EnvStatus {
    let ns = env
        .as_deref()
        .and_then(|e| {
            req.fleet
                .environments
                .get(e)
                .map(|t| t.namespace_for(&team.answers.name, e))
        })
        .unwrap_or_else(|| "default".into());
    let validation = validation(req, team, env.as_deref(), &ns).await;
    let live = match env.as_deref() {
        Some(e) => live(req, team, e, &team.pin.version).await,
        None => None,
    };
    let mut attention = Vec::new();
    if validation.errors > 0 {
        attention.push(format!("{} policy/render error(s)", validation.errors));
    }
    if let Some(l) = &live {
        if let Some(e) = &l.error {
            attention.push(format!("live: {e}"));
        }
        if l.drift {
            attention.push(format!(
                "drift: live {} ≠ pinned {}",
                l.chart.as_deref().unwrap_or("?"),
                team.pin.version
            ));
        }
        if let Some(s) = l.status.as_deref().filter(|s| *s != "deployed") {
            attention.push(format!("release {s}"));
        }
        if let Some(c) = &l.commit {
            let head = team.short_commit();
            let c = c.trim_end_matches("+dirty");
            if !head.starts_with(c) && !c.starts_with(head) {
                attention.push(format!("live from commit {c}, the branch is at {head}"));
            }
        }
    }
    EnvStatus {
        env,
        validation,
        live,
        attention,
    }
}

async fn team_status(req: &Request<'_>, loaded: &Loaded) -> TeamStatus {
    let header = loaded.header();
    let Ok(team) = &loaded.team else {
        return TeamStatus {
            header,
            behind: None,
            environments: Vec::new(),
        };
    };
    let environments = futures::future::join_all(
        team.environments()
            .into_iter()
            .map(|env| env_status(req, team, env)),
    )
    .await;
    TeamStatus {
        behind: behind(&team.pin.version, &req.newest),
        header,
        environments,
    }
}

/// What [`run`] tells as it goes: each team's status as soon as it is known, with its place in
/// the fleet (teams finish out of order), and the team's name for a progress line.
pub(crate) struct OnTeam<'a> {
    pub progress: &'a (dyn Fn(&str) + Sync),
    pub each: &'a (dyn Fn(usize, &TeamStatus) + Sync),
}

/// Every team's status, `jobs` teams at a time.
pub(crate) async fn run(req: Request<'_>, on: OnTeam<'_>) -> Status {
    let on = &on;
    let teams = futures::stream::iter(req.teams.iter().enumerate())
        .map(|(i, l)| {
            let req = &req;
            async move {
                let t = team_status(req, l).await;
                (on.each)(i, &t);
                (on.progress)(&l.spec.name);
                t
            }
        })
        .buffered(req.jobs.max(1) * 2)
        .collect()
        .await;
    Status {
        newest: req.newest.clone(),
        teams,
    }
}

#[cfg(test)]
mod tests {
    use super::behind;

    #[test]
    fn how_far_behind() {
        assert_eq!(behind("0.1.0", "0.1.0"), None);
        assert_eq!(behind("0.2.0", "0.1.0"), None);
        assert_eq!(behind("0.1.0", "0.3.0").as_deref(), Some("2 minor"));
        assert_eq!(behind("0.1.0", "0.1.4").as_deref(), Some("4 patch"));
        assert_eq!(behind("0.9.0", "2.0.0").as_deref(), Some("2 major"));
    }
}
