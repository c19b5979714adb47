//! Theme colours → ratatui styles. A theme names colours per role (`error`, `warning`, `ok`,
//! `accent`, `muted`, `path`, `info`); `NO_COLOR` (or the `mono` theme) keeps only bold and
//! reverse video, so nothing depends on colour alone.
use ratatui::style::{Color, Modifier, Style};

use crate::core::inputs::themes::Theme;

/// The styles every view draws with.
#[derive(Debug, Clone, PartialEq)]
pub struct Styles {
    pub name: String,
    pub error: Style,
    pub warning: Style,
    pub ok: Style,
    pub accent: Style,
    pub muted: Style,
    pub path: Style,
    pub info: Style,
    /// The selected line of a list (reverse video: visible without colour).
    pub selected: Style,
    /// Titles and headings.
    pub title: Style,
    /// Whether colours are used at all.
    pub colour: bool,
}

/// One colour spec: `red`, `bright-yellow`, `#rrggbb`, `none`, each optionally followed by `bold`.
pub(crate) fn parse(spec: &str) -> Result<Style, String> {
    let mut style = Style::default();
    for word in spec.split_whitespace() {
        style = match word {
            "bold" => style.add_modifier(Modifier::BOLD),
            "italic" => style.add_modifier(Modifier::ITALIC),
            "underline" => style.add_modifier(Modifier::UNDERLINED),
            "none" => style,
            w => style.fg(colour(w).ok_or_else(|| format!("unknown colour {w:?}"))?),
        };
    }
    Ok(style)
}

fn colour(w: &str) -> Option<Color> {
    if let Some(hex) = w.strip_prefix('#') {
        if hex.len() != 6 {
            return None;
        }
        let n = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((n >> 16) as u8, (n >> 8) as u8, n as u8));
    }
    Some(match w {
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "white" => Color::Gray,
        "bright-black" => Color::DarkGray,
        "bright-red" => Color::LightRed,
        "bright-green" => Color::LightGreen,
        "bright-yellow" => Color::LightYellow,
        "bright-blue" => Color::LightBlue,
        "bright-magenta" => Color::LightMagenta,
        "bright-cyan" => Color::LightCyan,
        "bright-white" => Color::White,
        _ => return None,
    })
}

impl Styles {
    /// The styles of `theme`; `colour == false` (`NO_COLOR`) drops every colour.
    pub fn new(theme: &Theme, colour: bool) -> Result<Styles, String> {
        let role = |r: &str| -> Result<Style, String> {
            let spec = theme.colors.get(r).map(String::as_str).unwrap_or("none");
            let s = parse(spec).map_err(|e| format!("theme {}: colors.{r}: {e}", theme.name))?;
            Ok(if colour {
                s
            } else {
                Style::default().add_modifier(s.add_modifier)
            })
        };
        Ok(Styles {
            name: theme.name.clone(),
            error: role("error")?,
            warning: role("warning")?,
            ok: role("ok")?,
            accent: role("accent")?,
            muted: role("muted")?,
            path: role("path")?,
            info: role("info")?,
            selected: Style::default().add_modifier(Modifier::REVERSED),
            title: role("accent")?.add_modifier(Modifier::BOLD),
            colour,
        })
    }

    /// The style of a role by name (`error`, `warning`, …).
    pub(crate) fn role(&self, r: &str) -> Style {
        match r {
            "error" => self.error,
            "warning" => self.warning,
            "ok" => self.ok,
            "accent" => self.accent,
            "muted" => self.muted,
            "path" => self.path,
            "info" => self.info,
            "heading" => self.title,
            _ => Style::default(),
        }
    }

    /// Role-tagged segments (a finding's, a cause card line's) as styled spans.
    pub(crate) fn spans(
        &self,
        segments: Vec<(&'static str, String)>,
    ) -> Vec<ratatui::text::Span<'static>> {
        segments
            .into_iter()
            .map(|(role, text)| ratatui::text::Span::styled(text, self.role(role)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(
            parse("red bold").unwrap(),
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
        );
        assert_eq!(
            parse("#ff8000").unwrap(),
            Style::default().fg(Color::Rgb(255, 128, 0))
        );
        assert!(parse("redd").unwrap_err().contains("redd"));
    }
}
