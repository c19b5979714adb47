//! `apwiz status`: the latest (or a chosen) revision from its release record (values redacted),
//! its hooks' last runs, the workloads' readiness now and recent warning events.
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::ListParams;
use serde_json::json;

use crate::cli::args::StatusArgs;
use crate::cli::cmd::{cluster, indent, wizard};
use crate::cli::{Ctx, Outcome, output, print};
use crate::core::error::{Error, Result};
use crate::core::release::{Cluster, kube_error, records, watch};

/// Workload readiness: (kind/name, state).
async fn workloads(cl: &Cluster, release: &str) -> Result<Vec<(String, String)>> {
    let lp = ListParams::default().labels(&format!("{}={release}", watch::INSTANCE));
    let c = cl.client.clone();
    let ns = cl.namespace.as_str();
    let (da, sa, dsa) = (
        Api::<Deployment>::namespaced(c.clone(), ns),
        Api::<StatefulSet>::namespaced(c.clone(), ns),
        Api::<DaemonSet>::namespaced(c.clone(), ns),
    );
    let (d, s, ds) = futures::join!(da.list(&lp), sa.list(&lp), dsa.list(&lp));
    let mut out = Vec::new();
    for x in d.map_err(|e| kube_error("list deployments", e))? {
        out.push((
            format!("Deployment/{}", x.metadata.name.clone().unwrap_or_default()),
            watch::deployment_state(&x),
        ));
    }
    for x in s.map_err(|e| kube_error("list statefulsets", e))? {
        out.push((
            format!(
                "StatefulSet/{}",
                x.metadata.name.clone().unwrap_or_default()
            ),
            watch::statefulset_state(&x),
        ));
    }
    for x in ds.map_err(|e| kube_error("list daemonsets", e))? {
        out.push((
            format!("DaemonSet/{}", x.metadata.name.clone().unwrap_or_default()),
            watch::daemonset_state(&x),
        ));
    }
    Ok(out)
}

/// The newest warning events about objects named after the release.
async fn warnings(cl: &Cluster, release: &str) -> Result<Vec<String>> {
    let api: Api<Event> = Api::namespaced(cl.client.clone(), &cl.namespace);
    let list = api
        .list(&ListParams::default().fields("type=Warning"))
        .await
        .map_err(|e| kube_error("list events", e))?;
    let mut evs: Vec<_> = list
        .items
        .into_iter()
        .filter(|e| {
            e.involved_object
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(release))
        })
        .collect();
    evs.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
    Ok(evs
        .iter()
        .rev()
        .take(10)
        .map(|e| {
            format!(
                "{} {}/{}: {}",
                e.reason.clone().unwrap_or_default(),
                e.involved_object.kind.clone().unwrap_or_default(),
                e.involved_object.name.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default()
            )
        })
        .collect())
}

/// `apwiz status`; with `--watch` on a terminal, the TUI's status screen.
pub(crate) fn run(ctx: &Ctx, a: StatusArgs) -> Result<Outcome> {
    if a.watch {
        if !wizard::wanted(ctx) || ctx.json() {
            return Err(Error::Usage(
                "apwiz status --watch needs a terminal of at least 60×20 (without one: apwiz status, or apwiz history)".into(),
            ));
        }
        let release = cluster::release_name(&a.release)?;
        return Ok(Outcome::Operation {
            session: ctx.session.clone(),
            intent: crate::core::plan::Intent::Watch {
                target: cluster::target(&a.release.cluster, a.release.namespace.clone()),
                release,
                dir: super::team_dir(&a.release.dir),
            },
        });
    }
    once(ctx, a).map(Outcome::Exit)
}

fn once(ctx: &Ctx, a: StatusArgs) -> Result<u8> {
    let release = cluster::release_name(&a.release)?;
    let cl = cluster::connect(ctx, &a.release.cluster, a.release.namespace.clone())?;
    let (rec, loads, warns) = ctx.block_on(async {
        let (r, w, e) = futures::join!(
            records::open(&cl, &release, a.revision),
            workloads(&cl, &release),
            warnings(&cl, &release)
        );
        Ok::<_, crate::core::Error>((r?, w?, e.unwrap_or_default()))
    })?;
    if ctx.json() {
        let wl: Vec<_> = loads
            .iter()
            .map(|(o, s)| json!({"object": o, "state": s}))
            .collect();
        print(&output::json(&json!({
            "ok": true,
            "release": rec.name, "namespace": rec.namespace, "revision": rec.revision,
            "status": rec.info.status, "description": rec.info.description,
            "lastDeployed": rec.info.last_deployed,
            "chart": rec.chart, "suppliedValueKeys": rec.supplied_value_keys,
            "hooks": rec.hooks, "workloads": wl, "warnings": warns,
        })))?;
        return Ok(0);
    }
    let mut out = format!(
        "{} revision {} {} ({}), {} {}\n",
        ctx.out.paint("heading", &rec.name),
        rec.revision,
        ctx.out.paint(
            if rec.info.status == "deployed" {
                "ok"
            } else {
                "warning"
            },
            &rec.info.status
        ),
        rec.info.description,
        rec.chart.name,
        rec.chart.version
    );
    out.push_str(&format!(
        "last deployed {}; namespace {}\n",
        rec.info.last_deployed, rec.namespace
    ));
    out.push_str(&format!(
        "values: supplied keys {} (values are not shown)\n",
        if rec.supplied_value_keys.is_empty() {
            "none".to_string()
        } else {
            rec.supplied_value_keys.join(", ")
        }
    ));
    if !rec.hooks.is_empty() {
        out.push_str("hooks (last runs):\n");
        let rows: Vec<Vec<String>> = rec
            .hooks
            .iter()
            .map(|h| {
                vec![
                    format!("{}/{}", h.kind, h.name),
                    h.events.join(","),
                    if h.last_run.phase.is_empty() {
                        "never ran".into()
                    } else {
                        h.last_run.phase.clone()
                    },
                    h.last_run.started_at.clone(),
                ]
            })
            .collect();
        out.push_str(&indent(&output::table(
            &["HOOK", "EVENTS", "LAST RUN", "STARTED"],
            &rows,
            &ctx.out,
        )));
        out.push('\n');
    }
    out.push_str("workloads:\n");
    if loads.is_empty() {
        out.push_str("    none\n");
    }
    for (o, s) in &loads {
        out.push_str(&format!("    {o}  {s}\n"));
    }
    if !warns.is_empty() {
        out.push_str("warning events:\n");
        for w in &warns {
            out.push_str(&format!("    {}\n", ctx.out.paint("warning", w)));
        }
    }
    print(&out)?;
    Ok(0)
}
