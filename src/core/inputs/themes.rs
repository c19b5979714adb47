//! Themes: named colours (error, warning, ok, accent, muted, path, info) as data. Built-in themes
//! come from `themes/*.yaml`; more can live in the user's config directory under `themes/`. The CLI
//! (and later the TUI) turns the colour names into terminal styles.
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::core::base::error::{Error, Result};

/// The colour roles every theme defines.
pub(crate) const ROLES: &[&str] = &["error", "warning", "ok", "accent", "muted", "path", "info"];

/// One theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Theme {
    pub name: String,
    pub description: String,
    /// Role → colour: a name (`red`, `bright-yellow`), `#rrggbb`, or `none`; add ` bold` to embolden.
    pub colors: BTreeMap<String, String>,
}

/// The built-in theme files.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../../themes/default.yaml")),
    (
        "high-contrast",
        include_str!("../../../themes/high-contrast.yaml"),
    ),
    (
        "solarized-dark",
        include_str!("../../../themes/solarized-dark.yaml"),
    ),
    ("mono", include_str!("../../../themes/mono.yaml")),
    ("light", include_str!("../../../themes/light.yaml")),
    (
        "colour-blind",
        include_str!("../../../themes/colour-blind.yaml"),
    ),
];

/// Parses a theme file and checks every role is there.
pub(crate) fn parse(file: &str, text: &str) -> Result<Theme> {
    let t: Theme = serde_yaml::from_str(text)
        .map_err(|e| Error::Invalid(format!("{file}: not a valid theme: {e}")))?;
    for role in ROLES {
        if !t.colors.contains_key(*role) {
            return Err(Error::Invalid(format!(
                "{file}: theme {} has no colour for {role}",
                t.name
            )));
        }
    }
    Ok(t)
}

/// Built-in themes, then any in `user_dir` (same name: the user's wins).
pub(crate) fn all(user_dir: Option<&Path>) -> Result<Vec<Theme>> {
    let mut out: Vec<Theme> = BUILTIN
        .iter()
        .map(|(n, t)| parse(&format!("themes/{n}.yaml"), t))
        .collect::<Result<_>>()?;
    if let Some(dir) = user_dir
        && let Ok(rd) = std::fs::read_dir(dir)
    {
        let mut paths: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        {
            let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
            let t = parse(&p.display().to_string(), &text)?;
            out.retain(|o| o.name != t.name);
            out.push(t);
        }
    }
    Ok(out)
}

/// The theme called `name`.
pub(crate) fn find(themes: &[Theme], name: &str) -> Result<Theme> {
    themes
        .iter()
        .find(|t| t.name == name)
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = themes.iter().map(|t| t.name.as_str()).collect();
            Error::Usage(format!(
                "unknown theme \"{name}\" (one of: {})",
                names.join(", ")
            ))
        })
}
