//! Canary releases over the chart's `canary` values (same release; see chart/values.yaml): what
//! each step sets, and the canary's state read back from the cluster. A step is a deploy of the
//! team's files plus the canary's `--set`s, so the team's files stay the truth: `start` and `step`
//! set the canary's image and weight (steps skip the hooks: only the route changes), `abort`
//! turns it off (all traffic back to stable), `promote` makes the canary's image the service's
//! and turns the canary off — and writes that image into the team's values file (comments kept),
//! so the next plain deploy does not undo it.
//!
//! Both front ends take the options of a step from [`options`] and keep a promoted image with
//! [`keep_promoted`].
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde::Serialize;
use serde_json::Value;

use crate::core::base::error::{Error, Result};
use crate::core::base::helm::Helm;
use crate::core::ops::deploy::DeployOptions;
use crate::core::ops::target;
use crate::core::release::watch::INSTANCE;
use crate::core::release::{Cluster, Target, kube_error};
use crate::core::session::Session;

/// The component label of a service's objects (the top-level service is the chart's).
pub(crate) const TOP_LEVEL_COMPONENT: &str = "app-platform";
const COMPONENT: &str = "app.kubernetes.io/component";

/// What a canary command asks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Turn the canary on with `image` (a reference) or `tag` (of the service's image) at
    /// `weight` percent.
    Start {
        image: Option<String>,
        tag: Option<String>,
        weight: u8,
    },
    /// Move the route to `weight` percent (0–100).
    Step(u8),
    /// The canary's image becomes the service's; the canary goes.
    Promote,
    /// The canary goes; all traffic back to stable.
    Abort,
}

impl Action {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Action::Start { .. } => "start",
            Action::Step(_) => "step",
            Action::Promote => "promote",
            Action::Abort => "abort",
        }
    }

    /// Steps change the route only: helm's hooks do not run again.
    pub(crate) fn skips_hooks(&self) -> bool {
        matches!(self, Action::Step(_) | Action::Abort)
    }
}

/// One pod of a side (stable or canary).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PodRow {
    pub name: String,
    pub phase: String,
    pub ready: bool,
    pub restarts: i32,
}

/// The canary as the cluster has it.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub release: String,
    /// The service (`None`: the top-level one).
    pub service: Option<String>,
    /// The weight the release's values set (`helm get values`), when the canary is on.
    pub set_weight: Option<u64>,
    /// The HTTPRoute's backends as the API server has them: (Service, weight).
    pub route: Vec<(String, u64)>,
    pub stable_image: Option<String>,
    pub canary_image: Option<String>,
    pub stable_pods: Vec<PodRow>,
    pub canary_pods: Vec<PodRow>,
    /// What does not add up (set weight ≠ route weight, a canary pod restarting…).
    pub warnings: Vec<String>,
}

impl Status {
    /// The canary's weight on the route (0 when it has no backend there).
    pub(crate) fn route_weight(&self) -> u64 {
        let total: u64 = self.route.iter().map(|(_, w)| w).sum();
        let canary: u64 = self
            .route
            .iter()
            .filter(|(n, _)| n.ends_with("-canary"))
            .map(|(_, w)| w)
            .sum();
        (canary * 100).checked_div(total).unwrap_or(0)
    }

    pub(crate) fn on(&self) -> bool {
        self.canary_image.is_some()
    }
}

/// The `--set`s of `action` for `service` (top-level when `None`); `status` gives the running
/// canary's image for a step and a promotion.
pub(crate) fn sets(action: &Action, service: Option<&str>, status: &Status) -> Result<Vec<String>> {
    let base = match service {
        Some(s) => format!("services.{s}."),
        None => String::new(),
    };
    let c = format!("{base}canary");
    let running = || {
        status.canary_image.clone().ok_or_else(|| {
            Error::Usage(format!(
                "{} has no canary running: start one first (apwiz canary start --image IMAGE)",
                status.release
            ))
        })
    };
    Ok(match action {
        Action::Start { image, tag, weight } => {
            let mut v = vec![format!("{c}.enabled=true"), format!("{c}.weight={weight}")];
            match (image, tag) {
                (Some(i), None) => v.push(format!("{c}.image={i}")),
                (None, Some(t)) => v.push(format!("{c}.tag={t}")),
                _ => {
                    return Err(Error::Usage(
                        "apwiz canary start needs --image IMAGE or --tag TAG (one of them)".into(),
                    ));
                }
            }
            v
        }
        Action::Step(w) => vec![
            format!("{c}.enabled=true"),
            format!("{c}.weight={w}"),
            format!("{c}.image={}", running()?),
        ],
        Action::Promote => vec![
            format!("{base}image={}", running()?),
            format!("{c}.enabled=false"),
        ],
        Action::Abort => vec![format!("{c}.enabled=false")],
    })
}

fn selector(release: &str, component: &str) -> String {
    format!("{INSTANCE}={release},{COMPONENT}={component}")
}

async fn image_of(api: &Api<Deployment>, sel: &str) -> Result<Option<String>> {
    let l = api
        .list(&ListParams::default().labels(sel))
        .await
        .map_err(|e| kube_error("list deployments", e))?;
    Ok(l.items.first().and_then(|d| {
        d.spec
            .as_ref()?
            .template
            .spec
            .as_ref()?
            .containers
            .first()?
            .image
            .clone()
    }))
}

async fn pods(api: &Api<Pod>, sel: &str) -> Result<Vec<PodRow>> {
    let l = api
        .list(&ListParams::default().labels(sel))
        .await
        .map_err(|e| kube_error("list pods", e))?;
    Ok(l.items
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .map(|p| {
            let st = p.status.clone().unwrap_or_default();
            PodRow {
                name: p.metadata.name.clone().unwrap_or_default(),
                phase: st.phase.clone().unwrap_or_default(),
                ready: st
                    .conditions
                    .iter()
                    .flatten()
                    .any(|c| c.type_ == "Ready" && c.status == "True"),
                restarts: st
                    .container_statuses
                    .iter()
                    .flatten()
                    .map(|c| c.restart_count)
                    .sum(),
            }
        })
        .collect())
}

/// The weight the release's values set (`helm get values -o json`; only the canary keys are
/// read, nothing else is kept).
async fn set_weight(
    helm: &Helm,
    cluster: &Cluster,
    release: &str,
    service: Option<&str>,
) -> Option<u64> {
    let mut argv = vec!["get".to_string(), "values".into(), release.into()];
    argv.extend(cluster.helm_flags());
    argv.extend(["-o".into(), "json".into()]);
    let out = helm.run(argv).await.ok().filter(|o| o.success)?;
    let v: Value = serde_json::from_str(&out.stdout).ok()?;
    let c = match service {
        Some(s) => &v["services"][s]["canary"],
        None => &v["canary"],
    };
    if c["enabled"] != Value::Bool(true) {
        return None;
    }
    c["weight"].as_u64()
}

/// Reads the canary of `release` (its `service`) from the cluster.
pub(crate) async fn status(
    cluster: &Cluster,
    helm: &Helm,
    release: &str,
    service: Option<&str>,
) -> Result<Status> {
    let component = service.unwrap_or(TOP_LEVEL_COMPONENT);
    let canary_component = format!("{component}-canary");
    let deploys: Api<Deployment> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let pod_api: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let routes: Api<DynamicObject> = Api::namespaced_with(
        cluster.client.clone(),
        &cluster.namespace,
        &ApiResource::from_gvk(&GroupVersionKind::gvk(
            "gateway.networking.k8s.io",
            "v1",
            "HTTPRoute",
        )),
    );
    let (stable_sel, canary_sel) = (
        selector(release, component),
        selector(release, &canary_component),
    );
    let route_params = ListParams::default().labels(&stable_sel);
    let (stable_image, canary_image, stable_pods, canary_pods, route, weight) = futures::join!(
        image_of(&deploys, &stable_sel),
        image_of(&deploys, &canary_sel),
        pods(&pod_api, &stable_sel),
        pods(&pod_api, &canary_sel),
        routes.list(&route_params),
        set_weight(helm, cluster, release, service),
    );
    let route: Vec<(String, u64)> = route
        .ok()
        .and_then(|l| l.items.into_iter().next())
        .map(|r| {
            r.data["spec"]["rules"][0]["backendRefs"]
                .as_array()
                .map(|refs| {
                    refs.iter()
                        .map(|b| {
                            (
                                b["name"].as_str().unwrap_or_default().to_string(),
                                b["weight"].as_u64().unwrap_or(1),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let mut s = Status {
        release: release.to_string(),
        service: service.map(str::to_string),
        set_weight: weight,
        route,
        stable_image: stable_image?,
        canary_image: canary_image?,
        stable_pods: stable_pods?,
        canary_pods: canary_pods?,
        warnings: Vec::new(),
    };
    if s.stable_image.is_none() {
        return Err(Error::Usage(format!(
            "no Deployment of {release}{} in namespace {}: a canary needs a deployed deployment with route.enabled",
            service.map(|x| format!(" service {x}")).unwrap_or_default(),
            cluster.namespace
        )));
    }
    if let Some(w) = s.set_weight
        && !s.route.is_empty()
        && w != s.route_weight()
    {
        s.warnings.push(format!(
            "the values set weight {w}, the route sends {} to the canary",
            s.route_weight()
        ));
    }
    if s.on() && s.route.is_empty() {
        s.warnings
            .push("the canary runs but no HTTPRoute routes to it (route.enabled?)".into());
    }
    for p in s.canary_pods.iter().filter(|p| p.restarts > 0 || !p.ready) {
        s.warnings.push(format!(
            "canary pod {} {} ({} restarts)",
            p.name,
            if p.ready { "ready" } else { "not ready" },
            p.restarts
        ));
    }
    Ok(s)
}

/// The deploy options of `action` on a release whose canary is `before` (its `--set`s, no hooks
/// for a weight step, the description `apwiz canary <action>`).
pub(crate) fn options(
    action: &Action,
    service: Option<&str>,
    before: &Status,
    timeout: Option<std::time::Duration>,
) -> Result<DeployOptions> {
    Ok(DeployOptions {
        timeout,
        max_history: Some(10),
        description: Some(format!("apwiz canary {}", action.name())),
        no_hooks: action.skips_hooks(),
        sets: sets(action, service, before)?,
    })
}

/// The canary of `release` on the cluster of `target` (read only).
pub(crate) async fn read(
    session: &Session,
    target: &Target,
    release: &str,
    service: Option<&str>,
) -> Result<Status> {
    let (cluster, helm) = target::cluster_and_helm(session, target, None).await?;
    status(&cluster, &helm, release, service).await
}

/// The file a promotion writes the canary's image into: the team directory's `values.yaml`.
pub(crate) fn team_values(dir: &std::path::Path) -> std::path::PathBuf {
    crate::core::inputs::team_dir(dir).join("values.yaml")
}

/// What [`keep_promoted`] did: whether the file changed, and the line that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kept {
    pub changed: bool,
    pub note: String,
}

/// After a successful promotion: the canary's `image` written into the team's `file` (comments
/// kept) so that the next plain deploy does not undo it.
pub(crate) fn keep_promoted(
    session: &Session,
    file: &std::path::Path,
    service: Option<&str>,
    image: &str,
) -> Result<Kept> {
    let changed = write_promoted_image(file, service, image)?;
    let shown = session.display(file);
    Ok(Kept {
        changed,
        note: if changed {
            format!("{shown}: image is now {image} (so the next deploy keeps it)")
        } else {
            format!("{shown} already has image {image}")
        },
    })
}

/// After a promotion: `image: <the canary's image>` written into the team's `values.yaml` (the
/// service's `image` under `services.<name>` for a service), keeping comments; returns whether
/// the file changed.
fn write_promoted_image(
    file: &std::path::Path,
    service: Option<&str>,
    image: &str,
) -> Result<bool> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
    let current = crate::core::values::read::parse_values(&text)
        .map_err(|e| Error::Invalid(format!("{}: {e}", file.display())))?
        .value;
    let mut new = current.clone();
    let slot = match service {
        Some(s) => &mut new["services"][s]["image"],
        None => &mut new["image"],
    };
    *slot = Value::String(image.to_string());
    let (out, changes) =
        crate::core::scaffold::overrides::update_text(&text, Some(&current), &new)?;
    if changes.is_empty() {
        return Ok(false);
    }
    crate::core::scaffold::overrides::write_atomic(file, &out)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_sets_only_the_canary_keys_it_needs() {
        let running = Status {
            release: "web".into(),
            canary_image: Some("ghcr.io/acme/web:1.1.0".into()),
            ..Status::default()
        };
        let start = Action::Start {
            image: None,
            tag: Some("1.1.0".into()),
            weight: 5,
        };
        assert_eq!(
            sets(&start, None, &Status::default()).unwrap(),
            vec!["canary.enabled=true", "canary.weight=5", "canary.tag=1.1.0"]
        );
        assert_eq!(
            sets(&Action::Step(25), Some("cart"), &running).unwrap(),
            vec![
                "services.cart.canary.enabled=true",
                "services.cart.canary.weight=25",
                "services.cart.canary.image=ghcr.io/acme/web:1.1.0"
            ]
        );
        assert_eq!(
            sets(&Action::Promote, None, &running).unwrap(),
            vec!["image=ghcr.io/acme/web:1.1.0", "canary.enabled=false"]
        );
        let e = sets(&Action::Step(50), None, &Status::default()).unwrap_err();
        assert!(e.to_string().contains("no canary running"), "{e}");
        let both = Action::Start {
            image: Some("x".into()),
            tag: Some("y".into()),
            weight: 5,
        };
        assert!(sets(&both, None, &Status::default()).is_err());
    }

    #[test]
    fn route_weight_is_the_canary_share() {
        let s = Status {
            route: vec![("web".into(), 75), ("web-canary".into(), 25)],
            ..Status::default()
        };
        assert_eq!(s.route_weight(), 25);
        assert_eq!(Status::default().route_weight(), 0);
    }
}
