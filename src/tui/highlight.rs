//! YAML highlighting with syntect (its pure-Rust regex engine), run in background jobs, never
//! while drawing. The syntax and theme sets load once, on first use.
use std::sync::OnceLock;

use syntect::easy::HighlightLines;
use syntect::highlighting::ThemeSet;
use syntect::parsing::SyntaxSet;

/// Per line, runs of (foreground colour, text).
pub(crate) type Highlighted = Vec<Vec<(Option<(u8, u8, u8)>, String)>>;

fn sets() -> &'static (SyntaxSet, ThemeSet) {
    static SETS: OnceLock<(SyntaxSet, ThemeSet)> = OnceLock::new();
    SETS.get_or_init(|| {
        (
            SyntaxSet::load_defaults_newlines(),
            ThemeSet::load_defaults(),
        )
    })
}

/// `text` highlighted as YAML; plain runs when the syntax is unknown.
pub fn yaml(text: &str) -> Highlighted {
    let (ss, ts) = sets();
    let plain = || {
        text.lines()
            .map(|l| vec![(None, l.to_string())])
            .collect::<Highlighted>()
    };
    let (Some(syntax), Some(theme)) = (
        ss.find_syntax_by_extension("yaml"),
        ts.themes.get("base16-ocean.dark"),
    ) else {
        return plain();
    };
    let mut h = HighlightLines::new(syntax, theme);
    let mut out = Vec::new();
    for line in syntect::util::LinesWithEndings::from(text) {
        match h.highlight_line(line, ss) {
            Ok(runs) => out.push(
                runs.into_iter()
                    .map(|(style, t)| {
                        let c = style.foreground;
                        (Some((c.r, c.g, c.b)), t.trim_end_matches('\n').to_string())
                    })
                    .collect(),
            ),
            Err(_) => return plain(),
        }
    }
    out
}
