//! Rego policies (conftest layout: `package main`, `deny`/`violation`/`warn` rules whose results
//! are strings or `{msg: ...}`) on each rendered object, in-process with `regorus` (Rego v1).
//! `*_test.rego` files are skipped.
//!
//! Every finding names the file and rule that produced it. All modules share one engine, as in
//! conftest; for that, each file's `deny`/`violation`/`warn` heads get a name of their own
//! (`__apwiz_2_deny`), and a generated module collects them all, so one evaluation per object
//! runs every rule and the helpers they share (`pod`, `containers`, ...) once. If a file
//! mentions those rule names other than in its rule heads, or the renamed modules do not
//! evaluate, findings name the package instead (`package main`).
//!
//! Objects are spread over the available cores (one prepared engine per thread), one
//! `eval_rule` per object, the input read straight from the parsed object (no copy). An object
//! unchanged since the previous call gets its previous findings without evaluating again.
//! Compiled regexes are cached across evaluations (regorus' `cache` feature).
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::core::base::error::{Error, Result};
use crate::core::check::manifests::Object;
use crate::core::check::report::{Finding, Severity, Source};

const RULES: &[(&str, Severity)] = &[
    ("deny", Severity::Error),
    ("violation", Severity::Error),
    ("warn", Severity::Warning),
];

/// The generated module's package and rule.
const BATCH_PACKAGE: &str = "__apwiz_batch";
const BATCH_RULE: &str = "data.__apwiz_batch.out";

/// Builtins whose results can differ between two evaluations of the same input.
const NONDETERMINISTIC: &[&str] = &[
    "time.now_ns",
    "rand.",
    "uuid.",
    "http.send",
    "opa.runtime",
    "net.",
];

/// Below this many objects per thread, one thread does all the work.
const MIN_OBJECTS_PER_THREAD: usize = 16;

/// One rule of one policy file (or package): what findings name and the rule's path in the
/// shared engine.
struct Target {
    /// The policy file (`policies/security.rego`) or `package main`.
    unit: String,
    rule: &'static str,
    severity: Severity,
    /// `data.main.__apwiz_0_deny` (or `data.main.deny` per package).
    path: String,
}

/// A loaded policy set.
pub struct Policies {
    targets: Vec<Target>,
    /// Prepared engines (all modules plus the generated one), one per thread; cloned from the
    /// first as needed.
    engines: Vec<regorus::Engine>,
    /// The findings of each object of the previous call, by kind, name and content.
    memo: HashMap<String, Arc<Vec<Finding>>>,
    /// Whether a policy's result depends only on its input (no time, random, ... builtins).
    deterministic: bool,
    /// Whether `evaluate` ran before.
    evaluated: bool,
    /// Number of units (files or packages) that declare rules.
    units: usize,
    /// Files loaded, for reports.
    pub files: Vec<String>,
}

impl std::fmt::Debug for Policies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policies")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

struct Module {
    name: String,
    text: String,
    package: String,
}

fn package_of(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let l = l.trim();
        l.strip_prefix("package ")
            .map(|p| p.split_whitespace().next().unwrap_or("").to_string())
    })
}

/// The platform's policies built into apwiz (`policies/*.rego` at build time, tests left out):
/// what a team's repository is checked against when it has no `policies/` of its own.
pub(crate) const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/policies.rs"));

/// The chart the built-in policies are written for.
pub(crate) const BUILTIN_CHART: &str = "app-platform";

impl Policies {
    /// Loads every `*.rego` in `dir` (not `*_test.rego`), sorted by name. `display` names the
    /// directory in messages.
    pub fn load(dir: &Path, display: &str) -> Result<Policies> {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut paths: Vec<_> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                n.ends_with(".rego") && !n.ends_with("_test.rego")
            })
            .collect();
        paths.sort();
        let mut modules = Vec::new();
        for p in &paths {
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
            let file = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let name = format!("{}/{file}", display.trim_end_matches('/'));
            let package = package_of(&text)
                .ok_or_else(|| Error::Invalid(format!("{name}: no package declaration")))?;
            modules.push(Module {
                name,
                text,
                package,
            });
        }
        Self::from_modules(modules)
    }

    /// Builds from (name, text) pairs.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Policies> {
        let mut modules = Vec::new();
        for (name, text) in sources {
            let package = package_of(text)
                .ok_or_else(|| Error::Invalid(format!("{name}: no package declaration")))?;
            modules.push(Module {
                name: name.clone(),
                text: text.clone(),
                package,
            });
        }
        Self::from_modules(modules)
    }

    fn from_modules(modules: Vec<Module>) -> Result<Policies> {
        let files: Vec<String> = modules.iter().map(|m| m.name.clone()).collect();
        // Parse everything once as written, for syntax errors with the file name.
        let mut all = regorus::Engine::new();
        for m in &modules {
            all.add_policy(m.name.clone(), m.text.clone())
                .map_err(|e| Error::Invalid(format!("policy {}: {e}", m.name)))?;
        }
        let probe = regorus::Value::new_object();
        let (engine, targets, units) = match Self::per_file(&modules, &probe) {
            Some(built) => built,
            None => Self::per_package(all, &modules, &probe)?,
        };
        Ok(Policies {
            targets,
            engines: vec![engine],
            memo: HashMap::new(),
            evaluated: false,
            deterministic: !modules
                .iter()
                .any(|m| NONDETERMINISTIC.iter().any(|b| mentions_call(&m.text, b))),
            units,
            files,
        })
    }

    /// One engine for all modules, each file's rules renamed apart; None if a file mentions a
    /// rule name elsewhere than in its heads, or the result does not evaluate.
    fn per_file(
        modules: &[Module],
        probe: &regorus::Value,
    ) -> Option<(regorus::Engine, Vec<Target>, usize)> {
        let mut engine = regorus::Engine::new();
        let mut targets = Vec::new();
        let mut units = 0;
        for (k, m) in modules.iter().enumerate() {
            let mut text = m.text.clone();
            let mut declared = false;
            for (rule, severity) in RULES.iter().filter(|(r, _)| declares(&m.text, r)) {
                let renamed = format!("__apwiz_{k}_{rule}");
                text = rename_heads(&text, rule, &renamed);
                targets.push(Target {
                    unit: m.name.clone(),
                    rule,
                    severity: *severity,
                    path: format!("data.{}.{renamed}", m.package),
                });
                declared = true;
            }
            units += usize::from(declared);
            if RULES.iter().any(|(r, _)| mentions(&text, r)) {
                return None;
            }
            engine.add_policy(m.name.clone(), text).ok()?;
        }
        if !targets.is_empty() {
            add_batch(&mut engine, &targets).ok()?;
            engine.set_input(probe.clone());
            engine.eval_rule(BATCH_RULE.into()).ok()?;
        }
        Some((engine, targets, units))
    }

    /// One engine for all modules as written; findings name the package.
    fn per_package(
        mut all: regorus::Engine,
        modules: &[Module],
        probe: &regorus::Value,
    ) -> Result<(regorus::Engine, Vec<Target>, usize)> {
        let mut packages: Vec<String> = modules.iter().map(|m| m.package.clone()).collect();
        packages.sort();
        packages.dedup();
        let mut targets = Vec::new();
        let mut units = 0;
        for pkg in packages {
            let rules = declared_rules(&mut all, &pkg, probe).ok_or_else(|| {
                Error::Invalid(format!("policies in package {pkg} do not evaluate"))
            })?;
            units += usize::from(!rules.is_empty());
            for (rule, severity) in rules {
                targets.push(Target {
                    unit: format!("package {pkg}"),
                    rule,
                    severity,
                    path: format!("data.{pkg}.{rule}"),
                });
            }
        }
        if !targets.is_empty() {
            add_batch(&mut all, &targets)
                .map_err(|e| Error::Invalid(format!("policies: internal module: {e}")))?;
        }
        Ok((all, targets, units))
    }

    /// Number of policy units (files or packages) that declare rules.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.units
    }

    /// Whether no policy declares rules.
    pub(crate) fn is_empty(&self) -> bool {
        self.units == 0
    }

    /// Evaluates every policy on every object: one evaluation per object, objects spread over
    /// the available cores. Findings come in the order of the objects, then of the policies.
    ///
    /// An object unchanged since the previous call (same kind, name and content) gets the
    /// findings it got then without evaluating again, unless a policy uses a builtin whose result
    /// can change between calls (time, random numbers, ...): a TUI re-rendering on every edit
    /// pays only for the objects the edit changed.
    pub fn evaluate(&mut self, objects: &[Object]) -> Vec<Finding> {
        if self.targets.is_empty() || objects.is_empty() {
            self.memo.clear();
            self.evaluated = true;
            return Vec::new();
        }
        // The first call (a CLI run's only one) skips building the keys: nothing to reuse yet.
        let keys: Vec<String> = if self.deterministic && self.evaluated {
            objects
                .iter()
                .map(|o| format!("{}\n{}", o.id(), o.value))
                .collect()
        } else {
            Vec::new()
        };
        let todo: Vec<&Object> = objects
            .iter()
            .enumerate()
            .filter(|(i, _)| keys.get(*i).is_none_or(|k| !self.memo.contains_key(k)))
            .map(|(_, o)| o)
            .collect();
        let mut fresh = self.evaluate_all(&todo).into_iter();
        let mut memo = HashMap::with_capacity(keys.len());
        let mut out = Vec::new();
        for (i, _) in objects.iter().enumerate() {
            let found = match keys.get(i).and_then(|k| self.memo.get(k)) {
                Some(found) => found.clone(),
                None => fresh.next().unwrap_or_default(),
            };
            out.extend(found.iter().cloned());
            if let Some(k) = keys.get(i) {
                memo.insert(k.clone(), found);
            }
        }
        // Only the last call's objects are kept: memory stays that of one release.
        self.memo = memo;
        self.evaluated = true;
        out
    }

    /// Forgets the findings remembered from previous calls.
    pub fn forget(&mut self) {
        self.memo.clear();
    }

    /// Evaluates the objects, over the available cores: the findings of each object.
    fn evaluate_all(&mut self, objects: &[&Object]) -> Vec<Arc<Vec<Finding>>> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(objects.len() / MIN_OBJECTS_PER_THREAD)
            .max(1);
        while self.engines.len() < threads {
            let e = self.engines[0].clone();
            self.engines.push(e);
        }
        let targets = &self.targets;
        if threads == 1 {
            return evaluate_objects(&mut self.engines[0], targets, objects);
        }
        let chunk = objects.len().div_ceil(threads);
        let mut out = Vec::new();
        std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .engines
                .iter_mut()
                .zip(objects.chunks(chunk))
                .map(|(engine, objects)| {
                    let n = objects.len();
                    (
                        n,
                        scope.spawn(move || evaluate_objects(engine, targets, objects)),
                    )
                })
                .collect();
            for (n, h) in handles {
                match h.join() {
                    Ok(f) => out.extend(f),
                    Err(_) => {
                        let crashed = Finding::new(
                            Source::Policy,
                            Severity::Error,
                            ".",
                            "policy engine",
                            "a policy evaluation crashed; run conftest on the rendered manifests to find the policy",
                        );
                        out.push(Arc::new(vec![crashed]));
                        out.extend((1..n).map(|_| Arc::new(Vec::new())));
                    }
                }
            }
        });
        out
    }
}

/// Every rule on each object, one evaluation of the generated module per object; if that
/// fails, each rule alone, so the error names its policy. The findings of each object.
fn evaluate_objects(
    engine: &mut regorus::Engine,
    targets: &[Target],
    objects: &[&Object],
) -> Vec<Arc<Vec<Finding>>> {
    let mut all = Vec::with_capacity(objects.len());
    for obj in objects {
        let mut out = Vec::new();
        engine.set_input({
            use serde::Deserialize;
            regorus::Value::deserialize(&obj.value).unwrap_or(regorus::Value::Undefined)
        });
        match engine.eval_rule(BATCH_RULE.into()) {
            Ok(v) => {
                // A set of [target index, rule value], in index order.
                if let Ok(Value::Array(results)) = serde_json::to_value(&v) {
                    for r in &results {
                        let (Some(i), Some(value)) = (r[0].as_u64(), r.get(1)) else {
                            continue;
                        };
                        if let Some(t) = targets.get(i as usize) {
                            push_messages(t, obj, value, &mut out);
                        }
                    }
                }
            }
            Err(_) => {
                for t in targets {
                    match engine.eval_rule(t.path.clone()) {
                        Ok(v) => {
                            let value = serde_json::to_value(&v).unwrap_or(Value::Null);
                            push_messages(t, obj, &value, &mut out);
                        }
                        Err(e) => {
                            let mut f = Finding::new(
                                Source::Policy,
                                Severity::Error,
                                obj.id(),
                                format!("{}: {}", t.unit, t.rule),
                                format!("the policy failed to evaluate on {}: {e}", obj.id()),
                            );
                            f.object = Some(obj.id());
                            f.fix =
                                Some("Fix the policy (see `opa test` / `conftest verify`).".into());
                            out.push(f);
                        }
                    }
                }
            }
        }
        all.push(Arc::new(out));
    }
    all
}

fn push_messages(t: &Target, obj: &Object, value: &Value, out: &mut Vec<Finding>) {
    for msg in messages(value) {
        let rule_name = match rule_id(&msg) {
            Some(id) => format!("{id} ({}, {})", t.unit, t.rule),
            None => format!("{}: {}", t.unit, t.rule),
        };
        let mut f = Finding::new(Source::Policy, t.severity, obj.id(), rule_name, msg);
        f.object = Some(obj.id());
        out.push(f);
    }
}

/// Adds the module whose one rule collects every target's value: `out` is a set of
/// `[index, value]`.
fn add_batch(engine: &mut regorus::Engine, targets: &[Target]) -> std::result::Result<(), String> {
    let mut text = format!("package {BATCH_PACKAGE}\n\n");
    for (i, t) in targets.iter().enumerate() {
        text.push_str(&format!(
            "out contains [{i}, v] if {{\n\tv := {}\n}}\n\n",
            t.path
        ));
    }
    engine
        .add_policy(format!("{BATCH_PACKAGE}.rego"), text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The rule id a message ends with, in the policies' form `… (rule: <id>)`.
fn rule_id(msg: &str) -> Option<&str> {
    let start = msg.rfind("(rule: ")?;
    let rest = &msg[start + 7..];
    let end = rest.find(')')?;
    let id = rest[..end].trim();
    (!id.is_empty() && !id.contains(' ')).then_some(id)
}

/// The part of a line after `rule` when the line is a head of `rule` (`deny contains …`,
/// `deny[msg] {`, `default deny := …`).
fn head_rest<'a>(line: &'a str, rule: &str) -> Option<&'a str> {
    let l = line.trim_start();
    let l = match l.strip_prefix("default ") {
        Some(rest) => rest.trim_start(),
        None => l,
    };
    let rest = l.strip_prefix(rule)?;
    rest.chars()
        .next()
        .is_some_and(|c| matches!(c, ' ' | '[' | '{' | '\t' | ':' | '='))
        .then_some(rest)
}

/// Whether the module text has a rule head for `rule` (a cheap look before trusting a probe).
fn declares(text: &str, rule: &str) -> bool {
    text.lines().any(|l| head_rest(l, rule).is_some())
}

/// The text with every head of `rule` renamed to `to`.
fn rename_heads(text: &str, rule: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        match head_rest(line, rule) {
            Some(rest) => {
                let head = &line[..line.len() - rest.len() - rule.len()];
                out.push_str(head);
                out.push_str(to);
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Whether `word` occurs as an identifier in the Rego text, outside comments and strings.
fn mentions(text: &str, word: &str) -> bool {
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
                i += 1;
            }
            c if ident(c) => {
                let start = i;
                while i < b.len() && ident(b[i]) {
                    i += 1;
                }
                if &text[start..i] == word {
                    return true;
                }
            }
            _ => i += 1,
        }
    }
    false
}

/// Whether the text mentions `name` (a builtin such as `time.now_ns`, or a prefix `rand.`)
/// outside comments; strings count too, which errs on the safe side.
fn mentions_call(text: &str, name: &str) -> bool {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .any(|l| l.contains(name))
}

/// The rules of `package` that evaluate on an empty input; None if evaluation fails outright.
fn declared_rules(
    e: &mut regorus::Engine,
    package: &str,
    probe: &regorus::Value,
) -> Option<Vec<(&'static str, Severity)>> {
    e.set_input(probe.clone());
    let mut out = Vec::new();
    for (rule, sev) in RULES {
        match e.eval_rule(format!("data.{package}.{rule}")) {
            Ok(_) => out.push((*rule, *sev)),
            Err(err) => {
                let s = err.to_string();
                // A rule that is simply not there is fine; anything else means the package
                // does not evaluate.
                if !(s.contains("not a valid rule path")
                    || s.contains("not found")
                    || s.contains("undefined")
                    || s.contains("no rule"))
                {
                    return None;
                }
            }
        }
    }
    Some(out)
}

/// The messages in a rule's value (as JSON): strings, or objects with `msg`.
fn messages(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |item: &Value| match item {
        Value::String(s) => out.push(s.clone()),
        Value::Object(m) => out.push(
            m.get("msg")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| item.to_string()),
        ),
        Value::Null | Value::Bool(false) => {}
        other => out.push(other.to_string()),
    };
    match v {
        Value::Array(a) => a.iter().for_each(&mut push),
        Value::String(s) if s == "<undefined>" => {}
        other => push(other),
    }
    out
}
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        Object {
            kind: v["kind"].as_str().unwrap_or("").into(),
            name: v["metadata"]["name"].as_str().unwrap_or("").into(),
            namespace: None,
            api_version: "v1".into(),
            service: None,
            source: None,
            value: v,
        }
    }

    #[test]
    fn deny_and_warn() {
        let mut p = Policies::from_sources(&[(
            "policies/pods.rego".into(),
            "package main\n\ndeny contains msg if {\n  input.kind == \"Pod\"\n  msg := sprintf(\"%s: no pods\", [input.metadata.name])\n}\n\nwarn contains msg if {\n  not input.metadata.labels\n  msg := \"no labels\"\n}\n".into(),
        )])
        .unwrap();
        let f = p.evaluate(&[obj(json!({"kind": "Pod", "metadata": {"name": "x"}}))]);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].rule, "policies/pods.rego: deny");
        assert_eq!(f[1].severity, Severity::Warning);
    }

    #[test]
    fn findings_name_their_file_in_one_shared_engine() {
        let helpers =
            "package main\n\n# deny and warn live in the rule files\nname := input.metadata.name\n";
        let a = "package main\n\ndeny contains msg if {\n  input.kind == \"Pod\"\n  msg := sprintf(\"%s: a (rule: a-rule)\", [name])\n}\n";
        let b = "package main\n\nwarn contains msg if {\n  msg := sprintf(\"%s: b says \\\"deny\\\"\", [name])\n}\n\ndeny contains \"b\" if false\n";
        let mut p = Policies::from_sources(&[
            ("p/_helpers.rego".into(), helpers.into()),
            ("p/a.rego".into(), a.into()),
            ("p/b.rego".into(), b.into()),
        ])
        .unwrap();
        assert_eq!(p.len(), 2);
        let f = p.evaluate(&[obj(json!({"kind": "Pod", "metadata": {"name": "x"}}))]);
        let rules: Vec<_> = f.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            ["a-rule (p/a.rego, deny)", "p/b.rego: warn"],
            "{f:?}"
        );
        assert_eq!(f[1].message, "x: b says \"deny\"");
    }

    #[test]
    fn a_rule_name_used_in_a_body_falls_back_to_the_package() {
        let a = "package main\n\ndeny contains \"a\" if input.kind == \"Pod\"\n\nwarn contains \"many\" if count(deny) > 0\n";
        let mut p = Policies::from_sources(&[("p/a.rego".into(), a.into())]).unwrap();
        let f = p.evaluate(&[obj(json!({"kind": "Pod", "metadata": {"name": "x"}}))]);
        let rules: Vec<_> = f.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["package main: deny", "package main: warn"], "{f:?}");
    }

    #[test]
    fn heads_and_mentions() {
        let text =
            "package main\n\ndefault deny := false\ndeny[msg] {\n  msg := \"deny\" # deny\n}\n";
        let renamed = rename_heads(text, "deny", "__apwiz_0_deny");
        assert!(renamed.contains("default __apwiz_0_deny := false\n__apwiz_0_deny[msg] {"));
        assert!(!mentions(&renamed, "deny"));
        assert!(mentions("x := data.main.deny", "deny"));
        assert!(!mentions("denying := 1", "deny"));
    }

    #[test]
    fn remembers_findings_only_of_deterministic_policies() {
        let a = "package main\n\ndeny contains \"a\" if input.kind == \"Pod\"\n";
        // (This regorus build has no time builtins; a mention in a string counts too.)
        let t = "package main\n\nwarn contains \"see time.now_ns\" if input.kind\n";
        let pod = [obj(json!({"kind": "Pod", "metadata": {"name": "x"}}))];
        let mut p = Policies::from_sources(&[("p/a.rego".into(), a.into())]).unwrap();
        assert!(p.deterministic);
        for _ in 0..3 {
            assert_eq!(p.evaluate(&pod).len(), 1);
        }
        assert_eq!(p.memo.len(), 1);
        let mut p =
            Policies::from_sources(&[("p/a.rego".into(), a.into()), ("p/t.rego".into(), t.into())])
                .unwrap();
        assert!(!p.deterministic);
        assert_eq!(p.evaluate(&pod).len(), 2);
        assert_eq!(p.evaluate(&pod).len(), 2);
        assert!(p.memo.is_empty());
    }
}
