//! JSON pointers (`/services/api/port`) and the dotted paths people write (`services.api.port`):
//! a leaf of the values language, imported by everything that names a value.
use std::borrow::Cow;

/// Escapes one JSON-pointer segment.
pub(crate) fn escape_pointer(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// Splits a JSON pointer into unescaped segments (`""` → none).
pub(crate) fn pointer_segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Joins segments into a JSON pointer.
pub(crate) fn pointer_from_segments<S: AsRef<str>>(segments: &[S]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        out.push_str(&escape_pointer(s.as_ref()));
    }
    out
}

/// A dotted path as a JSON pointer, the inverse of [`pointer_to_path`]
/// (`services.api.port` → `/services/api/port`, `ports[0]` → `/ports/0`, `["a.b"]` → `/a.b`;
/// `""` → `""`, the whole document).
pub(crate) fn path_to_pointer(path: &str) -> String {
    let mut segs: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !cur.is_empty() {
                    segs.push(std::mem::take(&mut cur));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    segs.push(std::mem::take(&mut cur));
                }
                let quoted = chars.peek() == Some(&'"');
                if quoted {
                    chars.next();
                }
                let mut seg = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' if quoted => seg.extend(chars.next()),
                        '"' if quoted => {}
                        ']' => break,
                        c => seg.push(c),
                    }
                }
                segs.push(seg);
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        segs.push(cur);
    }
    pointer_from_segments(&segs)
}

/// A JSON pointer as the dotted path people write (`/services/api/port` → `services.api.port`,
/// list items as `[0]`, keys with dots quoted as `["a.b"]`).
pub(crate) fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer_segments(pointer) {
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) && !out.is_empty() {
            out.push('[');
            out.push_str(&seg);
            out.push(']');
        } else if seg.contains(['.', '[', ']', ' ']) || seg.is_empty() {
            out.push_str(&format!("[{seg:?}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_and_pointers_round_trip() {
        for p in ["/services/api/port", "/ports/0/name", "/a.b/c", "/x y", ""] {
            assert_eq!(path_to_pointer(&pointer_to_path(p)), p, "{p}");
        }
        assert_eq!(path_to_pointer("ingress.hosts[0]"), "/ingress/hosts/0");
        assert_eq!(path_to_pointer("a/b.c"), "/a~1b/c");
    }
}
