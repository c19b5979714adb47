//! JSON pointers (`/services/api/port`) and the dotted paths people write (`services.api.port`):
//! a leaf of the values language, imported by everything that names a value.
use std::borrow::Cow;

/// Escapes one JSON-pointer segment.
pub fn escape_pointer(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// Splits a JSON pointer into unescaped segments (`""` → none).
pub fn pointer_segments(pointer: &str) -> Vec<String> {
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
pub fn pointer_from_segments<S: AsRef<str>>(segments: &[S]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        out.push_str(&escape_pointer(s.as_ref()));
    }
    out
}

/// A JSON pointer as the dotted path people write (`/services/api/port` → `services.api.port`,
/// list items as `[0]`, keys with dots quoted as `["a.b"]`).
pub fn pointer_to_path(pointer: &str) -> String {
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
