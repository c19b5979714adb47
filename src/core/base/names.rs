//! The release-name rule, once: what `new` accepts, what a prompt or a form field checks as it is
//! typed, and how a directory's name is cleaned into a default. A leaf: imports nothing of the core.
use std::path::Path;

/// The longest release name: Helm allows 53 characters (object names add suffixes up to 63).
pub(crate) const MAX_LEN: usize = 53;

/// What a release name is, in one sentence (for help texts and form fields).
pub(crate) const RULE: &str =
    "1-53 lowercase letters, digits and '-', starting and ending with a letter or digit";

/// Whether `name` is a valid release name; the error says what is wrong with it.
pub fn check(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("a release name is {RULE}"));
    }
    if name.len() > MAX_LEN {
        return Err(format!(
            "{} characters is too long: a release name is {RULE}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!("{c:?} is not allowed: a release name is {RULE}"));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(format!(
            "it starts or ends with '-': a release name is {RULE}"
        ));
    }
    Ok(())
}

/// The nearest valid release name to `raw`: lowercased, other characters as '-', trimmed, cut to
/// [`MAX_LEN`]; `None` when nothing is left.
pub(crate) fn clean(raw: &str) -> Option<String> {
    let mapped: String = raw
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut out = String::new();
    for c in mapped.chars() {
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    let out: String = out.chars().take(MAX_LEN).collect();
    let out = out.trim_matches('-').to_string();
    (!out.is_empty()).then_some(out)
}

/// The default release name for a team directory: its own name, cleaned; `release` when nothing
/// usable is left.
pub(crate) fn from_dir(dir: &Path) -> String {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let name = abs
        .components()
        .rfind(|c| matches!(c, std::path::Component::Normal(_)))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    clean(&name).unwrap_or_else(|| "release".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule() {
        assert!(check("shop").is_ok());
        assert!(check("shop-2").is_ok());
        assert!(check("-shop").is_err());
        assert!(check("shop-").is_err());
        assert!(check("Shop").is_err());
        assert!(check("").is_err());
        assert!(check(&"a".repeat(54)).is_err());
        assert!(check(&"a".repeat(53)).is_ok());
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("My_Shop").as_deref(), Some("my-shop"));
        assert_eq!(clean("--a--b--").as_deref(), Some("a-b"));
        assert_eq!(clean("___"), None);
        assert_eq!(from_dir(Path::new("/x/Orders API")), "orders-api");
        for raw in ["-x-", "ÄÖ", "a".repeat(80).as_str(), "x__y"] {
            if let Some(c) = clean(raw) {
                assert!(check(&c).is_ok(), "{raw} → {c}");
            }
        }
    }
}
