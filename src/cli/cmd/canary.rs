//! `apwiz canary start|step|promote|abort|status`: the chart's canary driven as upgrades of the
//! team's files plus the canary's `--set`s (core::ops::canary decides them), each planned and watched
//! like `apwiz deploy`; `status` (and the end of every step) shows the set weight against the
//! route's and both sides' pods.
use std::time::Duration;

use serde_json::json;

use crate::cli::args::CanaryCommand;
use crate::cli::cmd::{cluster, deploy as cmd_deploy, team_inputs};
use crate::cli::{Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::ops::canary::{self, Action, Status};
use crate::core::ops::deploy;

pub(crate) fn run(ctx: &Ctx, c: CanaryCommand) -> Result<u8> {
    let (a, action) = match c {
        CanaryCommand::Start(s) => (
            s.canary,
            Some(Action::Start {
                image: s.image,
                tag: s.tag,
                weight: s.weight,
            }),
        ),
        CanaryCommand::Step(s) => (s.canary, Some(Action::Step(s.weight))),
        CanaryCommand::Promote(a) => (a, Some(Action::Promote)),
        CanaryCommand::Abort(a) => (a, Some(Action::Abort)),
        CanaryCommand::Status(a) => (a, None),
    };
    let inputs = team_inputs(ctx, &a.values)?;
    let cl = cluster::connect(ctx, &a.cluster, inputs.namespace.clone())?;
    let helm = ctx.block_on(ctx.session.helm())?;
    let service = a.service.as_deref();
    let release = inputs.release.clone();
    let before = ctx.block_on(canary::status(&cl, &helm, &release, service))?;
    let Some(action) = action else {
        print_status(ctx, &before)?;
        return Ok(0);
    };
    cl.require_writable("canary")?;
    let opts = canary::options(
        &action,
        service,
        &before,
        a.timeout.map(Duration::from_secs),
    )?;
    let team_values = inputs.dir.as_deref().map(canary::team_values);
    let checker = ctx.block_on(ctx.session.checker(true))?;
    let planning = ctx.block_on(deploy::plan(checker, inputs, cl.clone(), opts))?;
    let what = format!("canary {}", action.name());
    let (code, ran) = cmd_deploy::execute(ctx, planning, a.yes, &what)?;
    if ran != Some(true) {
        return Ok(code);
    }
    if action == Action::Promote
        && let (Some(file), Some(image)) = (&team_values, &before.canary_image)
        && file.is_file()
    {
        let kept = canary::keep_promoted(&ctx.session, file, service, image)?;
        if kept.changed && !ctx.json() {
            print(&format!("{}\n", kept.note))?;
        }
    }
    let after = ctx.block_on(canary::status(&cl, &helm, &release, service))?;
    print_status(ctx, &after)?;
    Ok(code)
}

fn print_status(ctx: &Ctx, s: &Status) -> Result<()> {
    if ctx.json() {
        return print(&format!(
            "{}\n",
            json!({"event": "canary", "status": s, "routeWeight": s.route_weight()})
        ));
    }
    let mut out = format!(
        "{} {}{}: ",
        ctx.out.paint("heading", "canary"),
        s.release,
        s.service
            .as_ref()
            .map(|x| format!(" service {x}"))
            .unwrap_or_default()
    );
    if s.on() {
        out.push_str(&format!(
            "set weight {} · route sends {}% to the canary\n",
            s.set_weight
                .map(|w| format!("{w}%"))
                .unwrap_or_else(|| "?".into()),
            s.route_weight()
        ));
    } else {
        out.push_str("off (all traffic to stable)\n");
    }
    let side = |name: &str, image: &Option<String>, pods: &[canary::PodRow]| -> Vec<String> {
        vec![
            name.to_string(),
            image.clone().unwrap_or_else(|| "-".into()),
            format!("{}/{}", pods.iter().filter(|p| p.ready).count(), pods.len()),
            pods.iter().map(|p| p.restarts).sum::<i32>().to_string(),
        ]
    };
    let mut rows = vec![side("stable", &s.stable_image, &s.stable_pods)];
    if s.on() {
        rows.push(side("canary", &s.canary_image, &s.canary_pods));
    }
    out.push_str(&output::table(
        &["SIDE", "IMAGE", "READY", "RESTARTS"],
        &rows,
        &ctx.out,
    ));
    for w in &s.warnings {
        out.push_str(&ctx.out.paint("warning", &format!("! {w}\n")));
    }
    print(&out)
}
