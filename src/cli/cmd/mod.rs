//! One file per command: flags → core call → text or JSON. A new command is a new file here, a
//! variant in `args::Command` and a line in `cli::run`.
pub(super) mod canary;
pub(super) mod chart;
pub(super) mod cluster;
pub(super) mod completions;
pub(super) mod deploy;
pub(super) mod diff;
pub(super) mod docs;
pub(super) mod explain;
pub(super) mod fleet;
pub(super) mod gitops;
pub(super) mod history;
pub(super) mod import;
pub(super) mod new;
pub(super) mod pin;
pub(super) mod presets;
pub(super) mod render;
pub(super) mod rollback;
pub(super) mod status;
pub(super) mod test;
pub(super) mod themes;
pub(super) mod uninstall;
pub(super) mod upgrade_chart;
pub(super) mod validate;
pub(super) mod wizard;

use crate::cli::args::ValuesArgs;
use crate::core::inputs::Request;

/// The inputs request for the values flags shared by render and validate (and the release
/// commands to come).
pub(super) fn request(v: &ValuesArgs) -> Request {
    Request {
        dir: v.dir.clone(),
        env: v.env.clone(),
        values: v.values.clone(),
        sets: v.set.clone(),
        release: v.release.clone(),
        namespace: v.namespace.clone(),
        kube_version: v.kube_version.clone(),
    }
}

/// The team's files for the values flags, resolved once and checked against the chart version
/// their answers file pins.
pub(super) fn team_inputs(
    ctx: &crate::cli::Ctx,
    v: &ValuesArgs,
) -> crate::core::base::error::Result<crate::core::inputs::Inputs> {
    let inputs =
        crate::core::inputs::resolve(&request(v), ctx.session.config.kube_version.as_deref())?;
    if let Some(pin) = &inputs.pin {
        ctx.block_on(ctx.session.follow_pin(pin))?;
    }
    ctx.session.check_pin(&inputs)?;
    Ok(inputs)
}

/// `t` indented by four spaces.
pub(super) fn indent(t: &str) -> String {
    t.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
