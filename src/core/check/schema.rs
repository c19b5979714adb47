//! The merged values against `values.schema.json`, in-process (`jsonschema`). Each error becomes a
//! [`Finding`] that names the team's file and line, the value, the rule and a fix: "did you mean"
//! for enum values and mistyped keys, the allowed range for bounds, quoting advice for values
//! YAML 1.1 reads differently.
use serde_json::Value;

use crate::core::base::error::{Error, Result};
use crate::core::base::text::{did_you_mean, humanize};
use crate::core::check::report::{Finding, Severity, Source};
use crate::core::values::layers::{LayerKind, Merged};
use crate::core::values::pointer::{escape_pointer, pointer_to_path};
use crate::core::values::read::{NoteKind, describe_type};
use crate::core::values::yamlout;

/// A compiled schema.
pub struct SchemaCheck {
    validator: jsonschema::Validator,
    schema: Value,
}

impl std::fmt::Debug for SchemaCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaCheck").finish_non_exhaustive()
    }
}

impl SchemaCheck {
    /// Compiles `schema` (its own `$schema` picks the draft; remote references are not fetched).
    pub fn new(schema: &Value) -> Result<Self> {
        let validator = jsonschema::options()
            .build(schema)
            .map_err(|e| Error::Invalid(format!("values.schema.json cannot be used: {e}")))?;
        Ok(SchemaCheck {
            validator,
            schema: schema.clone(),
        })
    }

    /// Every schema error in `merged.values`, located in the team's files.
    pub(crate) fn check(&self, merged: &Merged) -> Vec<Finding> {
        let mut out = Vec::new();
        for err in self.validator.iter_errors(&merged.values) {
            self.convert(&err, merged, &mut out);
        }
        // A schema may state one rule twice (a pattern and an enum); say it once.
        let mut seen = std::collections::HashSet::new();
        out.retain(|f| seen.insert((f.path.clone(), f.message.clone())));
        out
    }

    /// One schema error as the findings a team reads: the field, the value given and the fix.
    /// Kept whole: one arm per JSON Schema keyword, each a few lines that word that keyword's
    /// failure from the same context (`At`); split, the arms would each take that context apart.
    fn convert(
        &self,
        err: &jsonschema::ValidationError<'_>,
        merged: &Merged,
        out: &mut Vec<Finding>,
    ) {
        use jsonschema::error::ValidationErrorKind as K;
        let pointer = err.instance_path().as_str().to_string();
        let schema_path = err.schema_path().as_str().to_string();
        let keyword = schema_path.rsplit('/').next().unwrap_or("").to_string();
        let sub = self.subschema(&parent_pointer(&schema_path));
        let value = err.instance().as_ref().clone();
        let path = pointer_to_path(&pointer);
        let shown = show(&value);
        let rule = format!("{keyword} (#{})", parent_pointer(&schema_path));
        let cx = At {
            merged,
            rule: rule.clone(),
            pointer: pointer.clone(),
            path: path.clone(),
            shown: shown.clone(),
            value: value.clone(),
            keyword: keyword.clone(),
        };
        let f =
            |ptr: &str, path: &str, message: String, fix: Option<String>, value: Option<Value>| {
                cx.finding(ptr, path, message, fix, value)
            };
        // "<path>: <value> is not a <noun>. Did you mean ...? (one of: ...)" for a closed set of values
        let one_of = |opts: Vec<String>| {
            let noun = noun_for(&pointer);
            let mut fix = String::new();
            if let Some(hint) = yaml11_hint(merged, &pointer) {
                fix.push_str(&hint);
                fix.push(' ');
            } else if let Some(s) = value
                .as_str()
                .and_then(|s| did_you_mean(s, opts.iter().map(String::as_str)))
            {
                fix.push_str(&format!("Did you mean \"{s}\"? "));
            }
            fix.push_str(&format!("(one of: {})", opts.join(", ")));
            f(
                &pointer,
                &path,
                format!("{path}: {shown} is not {}.", with_article(&noun)),
                Some(fix),
                Some(value.clone()),
            )
        };
        match err.kind() {
            K::Enum { options } => {
                let opts: Vec<String> = options
                    .as_array()
                    .map(|a| a.iter().map(option_text).collect())
                    .unwrap_or_default();
                out.push(one_of(opts));
            }
            K::AdditionalProperties { unexpected } => {
                out.extend(unexpected_keys(&cx, sub, unexpected));
            }
            K::Required { property } => out.push(self.required(&cx, sub, property)),
            K::Type { .. } => out.push(wrong_type(&cx, sub)),
            K::Minimum { limit } | K::ExclusiveMinimum { limit } => {
                let excl = matches!(err.kind(), K::ExclusiveMinimum { .. });
                out.push(out_of_range(&cx, sub, "below", limit, excl));
            }
            K::Maximum { limit } | K::ExclusiveMaximum { limit } => {
                let excl = matches!(err.kind(), K::ExclusiveMaximum { .. });
                out.push(out_of_range(&cx, sub, "above", limit, excl));
            }
            K::MinLength { limit } | K::MaxLength { limit } => {
                let len = value.as_str().map_or(0, |s| s.chars().count());
                let what = if matches!(err.kind(), K::MinLength { .. }) {
                    format!("shorter than {limit} characters")
                } else {
                    format!("longer than {limit} characters ({len})")
                };
                out.push(f(
                    &pointer,
                    &path,
                    format!("{path}: {shown} is {what}."),
                    Some(length_fix(sub)),
                    Some(value),
                ));
            }
            // the chart's schema mirrors each enum as a pattern ^(a|b|c)$ (see scripts/generate.py)
            K::Pattern { pattern } if alternation(pattern).is_some() => {
                out.push(one_of(alternation(pattern).unwrap_or_default()));
            }
            K::Pattern { pattern } => out.push(pattern_mismatch(&cx, sub, pattern)),
            K::PropertyNames { error } => out.push(bad_key_name(&cx, error)),
            K::OneOfNotValid { context } | K::AnyOf { context } => {
                self.alternatives(&cx, sub, context, out);
            }
            K::MinItems { limit } => out.push(f(
                &pointer,
                &path,
                format!(
                    "{path}: the list has {} items, fewer than {limit}.",
                    value.as_array().map_or(0, Vec::len)
                ),
                Some(format!("Give at least {limit}.")),
                Some(value),
            )),
            K::MaxItems { limit } => out.push(f(
                &pointer,
                &path,
                format!(
                    "{path}: the list has {} items, more than {limit}.",
                    value.as_array().map_or(0, Vec::len)
                ),
                Some(format!("Give at most {limit}.")),
                Some(value),
            )),
            K::UniqueItems => out.push(f(
                &pointer,
                &path,
                format!("{path}: the list has duplicate items."),
                Some("Remove the duplicates.".into()),
                Some(value),
            )),
            K::Constant { expected_value } => out.push(f(
                &pointer,
                &path,
                format!("{path}: {shown} must be {}.", show(expected_value)),
                Some(format!("Set it to {}.", show(expected_value))),
                Some(value),
            )),
            _ => {
                let msg = err.to_string();
                out.push(f(
                    &pointer,
                    &path,
                    format!("{path}: {msg}."),
                    sub.and_then(example_of)
                        .map(|e| format!("For example: {e}")),
                    Some(value),
                ));
            }
        }
    }

    /// A key the schema requires, with an example value when the schema has one.
    fn required(&self, cx: &At<'_>, sub: Option<&Value>, property: &Value) -> Finding {
        let pointer = &cx.pointer;
        let prop = option_text(property);
        let kp = format!("{pointer}/{}", escape_pointer(&prop));
        let kpath = pointer_to_path(&kp);
        let psub = sub
            .and_then(|s| s.get("properties"))
            .and_then(|p| p.get(&prop))
            .map(|p| self.deref(p));
        let example = psub.and_then(example_of);
        let fix = match example {
            Some(ex) => format!("Set {kpath}, for example {prop}: {ex}"),
            None => format!("Set {kpath}."),
        };
        cx.finding(
            pointer,
            &kpath,
            format!("{kpath}: required, but not set."),
            Some(fix),
            None,
        )
    }

    /// A value that fits none of the forms a `oneOf`/`anyOf` allows: the errors of the one branch
    /// whose type fits, else the forms listed.
    fn alternatives(
        &self,
        cx: &At<'_>,
        sub: Option<&Value>,
        context: &[Vec<jsonschema::ValidationError<'static>>],
        out: &mut Vec<Finding>,
    ) {
        use jsonschema::error::ValidationErrorKind as K;
        let (pointer, path, shown, keyword) = (&cx.pointer, &cx.path, &cx.shown, &cx.keyword);
        let merged = cx.merged;
        // Prefer the branch whose type fits the value: its errors say what is wrong.
        let fitting: Vec<&Vec<jsonschema::ValidationError<'static>>> = context
            .iter()
            .filter(|errs| {
                !errs.iter().any(|e| {
                    matches!(e.kind(), K::Type { .. }) && e.instance_path().as_str() == *pointer
                })
            })
            .collect();
        if fitting.len() == 1 && !fitting[0].is_empty() {
            for e in fitting[0] {
                self.convert(e, merged, out);
            }
            return;
        }
        let alternatives = sub
            .and_then(|s| s.get(keyword))
            .and_then(Value::as_array)
            .map(|branches| {
                branches
                    .iter()
                    .map(|b| self.describe_branch(b))
                    .collect::<Vec<_>>()
                    .join(", or ")
            })
            .unwrap_or_else(|| "one of the allowed forms".into());
        let fix = sub
            .and_then(example_of)
            .map(|e| format!("For example: {e}"));
        out.push(cx.finding(
            pointer,
            path,
            format!("{path}: {shown} is not {alternatives}."),
            fix,
            Some(cx.value.clone()),
        ));
    }

    /// The schema node at a schema pointer, following `$ref`s met on the way.
    fn subschema(&self, pointer: &str) -> Option<&Value> {
        let mut node = &self.schema;
        for seg in crate::core::values::pointer::pointer_segments(pointer) {
            node = self.deref(node);
            if seg == "$ref" {
                continue;
            }
            node = match node {
                Value::Object(m) => m.get(&seg)?,
                Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(self.deref(node))
    }

    fn deref<'a>(&'a self, node: &'a Value) -> &'a Value {
        deref(&self.schema, node)
    }

    fn describe_branch(&self, b: &Value) -> String {
        let name = ref_name(b);
        let t = self.deref(b);
        let ty = t.get("type").map(type_names);
        match (ty, name) {
            (Some(ty), Some(n)) => format!("{ty} ({})", humanize(&n)),
            (Some(ty), None) => ty,
            (None, Some(n)) => humanize(&n),
            (None, None) => "an allowed form".into(),
        }
    }
}

/// Follows local `$ref`s (`#/definitions/x`) from `node` within `root`, merging nothing: the
/// target replaces the node. Used wherever the schema is walked (checks, the team manual).
pub(crate) fn deref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with('#') => match root.pointer(&r[1..]) {
                Some(t) => node = t,
                None => return node,
            },
            _ => return node,
        }
    }
    node
}

/// The name a `$ref` points at (`#/definitions/probe` → `probe`).
pub(crate) fn ref_name(node: &Value) -> Option<String> {
    node.get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
}

/// `^(a|b|c)$` → [a, b, c], when the pattern is nothing but literal alternatives.
pub(crate) fn alternation(pattern: &str) -> Option<Vec<String>> {
    let inner = pattern.strip_prefix("^(")?.strip_suffix(")$")?;
    let opts: Vec<String> = inner
        .split('|')
        .map(|o| o.replace("\\-", "-").replace("\\.", "."))
        .collect();
    let literal = |s: &String| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    };
    (opts.len() > 1 && opts.iter().all(literal)).then_some(opts)
}

fn parent_pointer(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => p[..i].to_string(),
        None => String::new(),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => {
            let s = yamlout::inline(v);
            if s.chars().count() > 80 {
                format!("{}…", s.chars().take(77).collect::<String>())
            } else {
                s
            }
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn option_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn type_names(t: &Value) -> String {
    let one = |s: &str| match s {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean (true or false)",
        "object" => "a map",
        "array" => "a list",
        "null" => "null",
        _ => "a value",
    };
    match t {
        Value::String(s) => one(s).to_string(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(one)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "a value".into(),
    }
}

fn type_fix(value: &Value, expected: &str) -> Option<String> {
    match value {
        Value::Number(n) if expected.starts_with("a string") => {
            Some(format!("Write it in quotes: \"{n}\"."))
        }
        Value::Bool(b) if expected.starts_with("a string") => {
            Some(format!("Write it in quotes: \"{b}\"."))
        }
        Value::String(s)
            if (expected.contains("integer") || expected.contains("number"))
                && s.trim().parse::<f64>().is_ok() =>
        {
            Some(format!("Remove the quotes: {}.", s.trim()))
        }
        Value::String(s)
            if expected.contains("boolean")
                && matches!(s.to_lowercase().as_str(), "true" | "false" | "yes" | "no") =>
        {
            Some("Write true or false without quotes.".into())
        }
        Value::Null => Some("Give it a value, or remove the key to keep the chart default.".into()),
        _ => None,
    }
}

fn range_fix(sub: Option<&Value>) -> String {
    let num = |k: &str| sub.and_then(|s| s.get(k)).cloned();
    let min = num("minimum");
    let max = num("maximum");
    let xmin = num("exclusiveMinimum");
    let xmax = num("exclusiveMaximum");
    match (min, max, xmin, xmax) {
        (Some(a), Some(b), _, _) => format!("Allowed range: {a}–{b}."),
        (Some(a), None, _, Some(b)) => format!("Allowed: at least {a} and below {b}."),
        (Some(a), None, _, None) => format!("Allowed: {a} or more."),
        (None, Some(b), Some(a), _) => format!("Allowed: above {a} and at most {b}."),
        (None, Some(b), None, _) => format!("Allowed: {b} or less."),
        (None, None, Some(a), Some(b)) => format!("Allowed: above {a} and below {b}."),
        (None, None, Some(a), None) => format!("Allowed: above {a}."),
        (None, None, None, Some(b)) => format!("Allowed: below {b}."),
        (None, None, None, None) => "Use a value within the allowed range.".into(),
    }
}

fn length_fix(sub: Option<&Value>) -> String {
    let n = |k: &str| sub.and_then(|s| s.get(k)).and_then(Value::as_u64);
    match (n("minLength"), n("maxLength")) {
        (Some(a), Some(b)) => format!("Allowed length: {a}–{b} characters."),
        (Some(a), None) => format!("Allowed length: at least {a} characters."),
        (None, Some(b)) => format!("Allowed length: at most {b} characters."),
        (None, None) => "Change its length.".into(),
    }
}

fn example_of(sub: &Value) -> Option<String> {
    let ex = sub
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .or_else(|| sub.get("default"))?;
    Some(yamlout::inline(ex))
}

fn regex_matches(pattern: &str, s: &str) -> bool {
    jsonschema::is_valid(
        &serde_json::json!({"pattern": pattern}),
        &Value::String(s.into()),
    )
}

/// A hint when the value came from a plain scalar that YAML 1.1 reads differently.
fn yaml11_hint(merged: &Merged, pointer: &str) -> Option<String> {
    let loc = merged.locate(pointer)?;
    if loc.kind == LayerKind::Set {
        return None;
    }
    let layer = merged.layers.get(loc.layer)?;
    let line = loc.loc?.line;
    layer.parsed.notes.iter().find_map(|n| match &n.kind {
        NoteKind::Yaml11Value { raw, helm, .. } if n.loc.line == line || n.pointer == pointer => {
            Some(format!(
                "Helm reads the unquoted {raw} as {} (YAML 1.1); write \"{raw}\" in quotes if you mean the text.",
                show(helm)
            ))
        }
        _ => None,
    })
}

/// "workloadType" → "workload type"; generic last keys get their parent: service.type →
/// "service type".
fn noun_for(pointer: &str) -> String {
    let segs = crate::core::values::pointer::pointer_segments(pointer);
    let last = segs.last().map(String::as_str).unwrap_or("value");
    let generic = [
        "type", "mode", "policy", "protocol", "kind", "name", "value",
    ];
    let base = humanize(last);
    if generic.contains(&last) && segs.len() >= 2 {
        let parent = &segs[segs.len() - 2];
        if !parent.bytes().all(|b| b.is_ascii_digit()) {
            return format!("{} {base}", humanize(parent));
        }
    }
    base
}

fn with_article(noun: &str) -> String {
    let vowel = noun
        .chars()
        .next()
        .is_some_and(|c| "aeiou".contains(c.to_ascii_lowercase()));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// A schema error's place and words, shared by the findings made of it.
struct At<'a> {
    merged: &'a Merged,
    rule: String,
    pointer: String,
    path: String,
    shown: String,
    value: Value,
    keyword: String,
}

impl At<'_> {
    /// A finding at `ptr` (located in the team's files), shown as `path`.
    fn finding(
        &self,
        ptr: &str,
        path: &str,
        message: String,
        fix: Option<String>,
        value: Option<Value>,
    ) -> Finding {
        let mut finding = Finding::new(
            Source::Schema,
            Severity::Error,
            path,
            self.rule.clone(),
            message,
        );
        finding.fix = fix;
        finding.value = value;
        finding.place(self.merged.locate(ptr));
        finding
    }
}

/// A value of the wrong type, with the YAML 1.1 reading that explains it when there is one.
fn wrong_type(cx: &At<'_>, sub: Option<&Value>) -> Finding {
    let (pointer, path, shown, merged) = (&cx.pointer, &cx.path, &cx.shown, cx.merged);
    let value = cx.value.clone();
    let expected = sub
        .and_then(|s| s.get("type"))
        .map(type_names)
        .unwrap_or_else(|| "another type".into());
    let fix = yaml11_hint(merged, pointer)
        .or_else(|| type_fix(&value, &expected))
        .or_else(|| {
            sub.and_then(example_of)
                .map(|e| format!("For example: {e}"))
        });
    cx.finding(
        pointer,
        path,
        format!(
            "{path}: {shown} is {}, expected {expected}.",
            describe_type(&value)
        ),
        fix,
        Some(value),
    )
}

/// A number `side` ("below", "above") the schema's bound `limit` (`exclusive` or not).
fn out_of_range(
    cx: &At<'_>,
    sub: Option<&Value>,
    side: &str,
    limit: &Value,
    exclusive: bool,
) -> Finding {
    let (path, shown) = (&cx.path, &cx.shown);
    let bound = if side == "below" {
        "minimum"
    } else {
        "maximum"
    };
    cx.finding(
        &cx.pointer,
        path,
        format!(
            "{path}: {shown} is {side} the {}{bound} {limit}.",
            if exclusive { "exclusive " } else { "" }
        ),
        Some(range_fix(sub)),
        Some(cx.value.clone()),
    )
}

/// A string that does not match the schema's pattern: a lower-case spelling that would, what is
/// expected, an example.
fn pattern_mismatch(cx: &At<'_>, sub: Option<&Value>, pattern: &str) -> Finding {
    let (pointer, path, shown) = (&cx.pointer, &cx.path, &cx.shown);
    let value = cx.value.clone();
    let mut fix = String::new();
    if let Some(s) = value.as_str() {
        let lower = s.to_lowercase();
        if lower != s && regex_matches(pattern, &lower) {
            fix.push_str(&format!("Did you mean \"{lower}\"? "));
        }
    }
    if let Some(d) = sub
        .and_then(|s| s.get("description"))
        .and_then(Value::as_str)
    {
        fix.push_str(&format!("Expected: {}", d.trim_end_matches('.')));
        fix.push_str(". ");
    }
    if let Some(ex) = sub.and_then(example_of) {
        fix.push_str(&format!("For example: {ex}"));
    }
    let fix = fix.trim().to_string();
    cx.finding(
        pointer,
        path,
        format!("{path}: {shown} does not match the pattern {pattern}."),
        (!fix.is_empty()).then_some(fix),
        Some(value),
    )
}

/// Keys a closed object does not know: each named, with the nearest known key or the known
/// keys.
fn unexpected_keys(cx: &At<'_>, sub: Option<&Value>, unexpected: &[String]) -> Vec<Finding> {
    let (pointer, path, value) = (&cx.pointer, &cx.path, &cx.value);
    let mut out = Vec::new();
    let known: Vec<String> = sub
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let parent = if path == "." || path.is_empty() {
        "the top level".to_string()
    } else {
        path.clone()
    };
    for key in unexpected {
        let kp = format!("{pointer}/{}", escape_pointer(key));
        let kpath = pointer_to_path(&kp);
        let fix = match did_you_mean(key, known.iter().map(String::as_str)) {
            Some(s) => format!("Did you mean \"{s}\"?"),
            None if known.is_empty() => "Remove it.".to_string(),
            None if known.len() <= 12 => {
                format!("Remove it, or use one of: {}.", known.join(", "))
            }
            None => format!(
                "Remove it: this version of the chart has no such key ({} are listed in the chart's README, under Values reference).",
                if parent == "the top level" {
                    "the keys".to_string()
                } else {
                    format!("the keys of {parent}")
                }
            ),
        };
        let v = value.get(key).cloned();
        out.push(cx.finding(
            &kp,
            &kpath,
            format!("{kpath}: \"{key}\" is not a key of {parent}."),
            Some(fix),
            v,
        ));
    }
    out
}

/// A key whose name breaks `propertyNames` (a service name, say).
fn bad_key_name(cx: &At<'_>, error: &jsonschema::ValidationError<'_>) -> Finding {
    use jsonschema::error::ValidationErrorKind as K;
    let pointer = &cx.pointer;
    let key = error.instance().as_str().unwrap_or_default().to_string();
    let kp = format!("{pointer}/{}", escape_pointer(&key));
    let kpath = pointer_to_path(&kp);
    let inner = match error.kind() {
        K::Pattern { pattern } => format!("does not match the pattern {pattern}"),
        K::MaxLength { limit } => format!("is longer than {limit} characters"),
        K::MinLength { limit } => format!("is shorter than {limit} characters"),
        _ => error.to_string(),
    };
    let lower = key.to_lowercase().replace(['_', '.', ' '], "-");
    let fix = if lower != key {
        format!(
            "Rename it, e.g. \"{lower}\": lowercase letters, digits and '-', starting and ending with a letter or digit."
        )
    } else {
        "Rename it: lowercase letters, digits and '-', starting and ending with a letter or digit."
            .to_string()
    };
    cx.finding(
        &kp,
        &kpath,
        format!("{kpath}: the name \"{key}\" {inner}."),
        Some(fix),
        Some(Value::String(key.clone())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let c = [
            "deployment",
            "statefulset",
            "daemonset",
            "job",
            "cronjob",
            "external",
        ];
        assert_eq!(did_you_mean("deploymnet", c).as_deref(), Some("deployment"));
        assert_eq!(
            did_you_mean("StatefulSet", c).as_deref(),
            Some("statefulset")
        );
        assert_eq!(did_you_mean("banana", c), None);
        assert_eq!(noun_for("/workloadType"), "workload type");
        assert_eq!(noun_for("/service/type"), "service type");
    }
}
