//! `apwiz test`: `helm test` watched: each test pod's phase, how long it ran and its logs
//! (captured as soon as it has run; without a kubelet, as under kwok, the API has none to give).
use std::time::Duration;

use serde_json::json;

use crate::cli::args::TestArgs;
use crate::cli::cmd::cluster;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::ops::{self, Operation};
use crate::core::release::events::Emitter;

pub(crate) fn run(ctx: &Ctx, a: TestArgs) -> Result<u8> {
    let release = cluster::release_name(&a.release)?;
    let target = cluster::target(&a.release.cluster, a.release.namespace.clone());
    let p = ctx.block_on(ops::test::open(
        &ctx.session,
        &target,
        release,
        Duration::from_secs(a.timeout),
    ))?;
    let (emitter, rx) = Emitter::new();
    let outcome = cluster::run_watched(ctx, p.run(emitter), rx)?;
    // One row per test pod: the last state seen, how long it ran, its logs.
    let tests: Vec<_> = outcome
        .collected
        .rows
        .iter()
        .filter(|r| {
            r.object.kind == "Pod"
                && r.hook
                    .as_deref()
                    .is_some_and(|h| h.split(',').any(|e| e == "test"))
        })
        .collect();
    if ctx.json() {
        print(&format!(
            "{}\n",
            json!({"event": "tests", "tests": tests, "logs": outcome.collected.logs})
        ))?;
    } else {
        let rows: Vec<Vec<String>> = tests
            .iter()
            .map(|r| {
                vec![
                    r.object.name.clone(),
                    if r.succeeded {
                        "Succeeded".into()
                    } else if r.failed {
                        "Failed".into()
                    } else {
                        r.state.clone()
                    },
                    r.duration_ms
                        .map(|d| format!("{:.1}s", d as f64 / 1000.0))
                        .unwrap_or_else(|| "-".into()),
                    outcome
                        .collected
                        .logs
                        .iter()
                        .filter(|l| l.pod == r.object.name)
                        .map(|l| match &l.unavailable {
                            Some(_) => format!("{}: unavailable", l.container),
                            None => format!("{}: {} lines", l.container, l.lines.len()),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect();
        print(&output::table(
            &["TEST POD", "PHASE", "RAN", "LOGS"],
            &rows,
            &ctx.out,
        ))?;
    }
    cluster::print_outcome(ctx, "test", &outcome)?;
    Ok(cluster::exit_code(&outcome))
}
