//! `apwiz pin`: image tags resolved to registry digests, written into `values-<env>.yaml`
//! (`--check`: exit 2 when an image has no digest; `--dry-run`: the file printed, not written).
use serde_json::json;

use crate::cli::args::PinArgs;
use crate::cli::{Ctx, output, print};
use crate::core::base::error::Result;
use crate::core::ops::pin::{self, Image, Outcome, PinRequest, State};

pub(crate) fn run(ctx: &Ctx, a: PinArgs) -> Result<u8> {
    let req = PinRequest {
        dir: a.dir,
        env: a.env,
        plain_http: a.plain_http,
        check: a.check,
        dry_run: a.dry_run,
    };
    let session = ctx.session.clone();
    let out = ctx.block_on(async { pin::pin(&session, &req).await })?;
    let code = if req.check && out.unpinned() > 0 {
        2
    } else {
        0
    };
    if ctx.json() {
        print(&output::json(&json!({"ok": code == 0, "pin": out})))?;
    } else {
        print(&text(ctx, &req, &out))?;
    }
    Ok(code)
}

/// What a pin run did, as lines (also what `apwiz deploy --env prod` prints when it pins).
pub(super) fn text(ctx: &Ctx, req: &PinRequest, out: &Outcome) -> String {
    let mut lines: Vec<String> = out.images.iter().map(|i| line(ctx, i)).collect();
    if req.check {
        let n = out.unpinned();
        lines.push(if n == 0 {
            format!("{}: every image has a digest", out.file)
        } else {
            format!(
                "{}: {n} image(s) without a digest; run `apwiz pin --env {}`",
                out.file, req.env
            )
        });
    } else if let Some(t) = &out.text {
        lines.push(format!(
            "{} would become (--dry-run, nothing written):",
            out.file
        ));
        lines.push(super::indent(t));
    } else if out.written {
        lines.push(format!("{}: digests written", out.file));
    } else {
        lines.push(format!("{}: nothing to change", out.file));
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fn line(ctx: &Ctx, i: &Image) -> String {
    let at = ctx.out.paint("path", &i.path);
    let digest = i.digest.as_deref().unwrap_or("-");
    match i.state {
        State::Pinned => format!("{at}: {} → {digest}", i.reference),
        State::Unchanged => format!("{at}: {} already pinned to {digest}", i.reference),
        State::DigestGiven => format!("{at}: {} is given as a digest; skipped", i.reference),
        State::HasDigest => format!("{at}: {} pinned", i.reference),
        State::Unpinned => format!(
            "{at}: {} {}",
            i.reference,
            ctx.out.paint("warning", "has no digest")
        ),
        State::ListItem if i.digest.is_some() => format!("{at}: {} pinned", i.reference),
        State::ListItem => format!(
            "{at}: {} {} (a list item: write it as repository:tag@sha256:… by hand)",
            i.reference,
            ctx.out.paint("warning", "has no digest")
        ),
    }
}
