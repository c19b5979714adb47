//! `apwiz themes list`: every theme with a swatch of its colours.
use crate::cli::args::ThemesCommand;
use crate::cli::output::{self, Styler};
use crate::cli::{Ctx, print};
use crate::core::base::error::Result;
use crate::core::inputs::themes;

pub(crate) fn run(ctx: &Ctx, c: ThemesCommand) -> Result<u8> {
    let ThemesCommand::List = c;
    let all = &ctx.session.themes;
    if ctx.json() {
        print(&output::json(&all))?;
        return Ok(0);
    }
    let current = ctx.session.theme.name.clone();
    let mut rows = Vec::new();
    for t in all {
        let sample = Styler::new(Some(t), output::colour_wanted(output::stdout_tty()));
        let swatch: Vec<String> = themes::ROLES.iter().map(|r| sample.paint(r, r)).collect();
        rows.push(vec![
            if t.name == current {
                format!("{} *", t.name)
            } else {
                t.name.clone()
            },
            t.description.clone(),
            swatch.join(" "),
        ]);
    }
    print(&output::table(
        &["NAME", "DESCRIPTION", "COLOURS"],
        &rows,
        &ctx.out,
    ))?;
    Ok(0)
}
