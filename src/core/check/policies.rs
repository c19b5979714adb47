//! Rego policies (conftest layout: `package main`, `deny`/`violation`/`warn` rules whose results
//! are strings or `{msg: ...}`) on each rendered object, in-process with `regorus` (Rego v1).
//! `*_test.rego` files are skipped. Each policy file gets its own engine (plus any helper modules
//! of other packages), so every finding names the file and rule that produced it; if the files
//! depend on one another, they share one engine and findings name the package instead.
use std::path::Path;

use serde_json::Value;

use crate::core::check::manifests::Object;
use crate::core::check::report::{Finding, Severity, Source};
use crate::core::error::{Error, Result};

const RULES: &[(&str, Severity)] = &[
    ("deny", Severity::Error),
    ("violation", Severity::Error),
    ("warn", Severity::Warning),
];

struct Unit {
    /// What findings name: the policy file (`policies/security.rego`) or the package.
    name: String,
    package: String,
    engine: regorus::Engine,
    /// The rules this unit declares.
    rules: Vec<(&'static str, Severity)>,
}

/// A loaded policy set.
pub struct Policies {
    units: Vec<Unit>,
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
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/policies.rs"));

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
        // Parse everything once together, for syntax errors with the file name.
        let mut all = regorus::Engine::new();
        for m in &modules {
            all.add_policy(m.name.clone(), m.text.clone())
                .map_err(|e| Error::Invalid(format!("policy {}: {e}", m.name)))?;
        }
        let probe = Value::Object(Default::default());
        let per_file = Self::per_file(&modules, &probe);
        let units = match per_file {
            Some(u) => u,
            None => Self::per_package(all, &modules, &probe)?,
        };
        Ok(Policies { units, files })
    }

    /// One engine per file that declares rules (with the helper modules that declare none, and
    /// the modules of other packages); None if any does not evaluate that way.
    fn per_file(modules: &[Module], probe: &Value) -> Option<Vec<Unit>> {
        let has_rules = |m: &Module| RULES.iter().any(|(r, _)| declares(&m.text, r));
        let mut units = Vec::new();
        for m in modules.iter().filter(|m| has_rules(m)) {
            let mut e = regorus::Engine::new();
            e.add_policy(m.name.clone(), m.text.clone()).ok()?;
            for other in modules
                .iter()
                .filter(|o| o.name != m.name && (o.package != m.package || !has_rules(o)))
            {
                e.add_policy(other.name.clone(), other.text.clone()).ok()?;
            }
            let rules = declared_rules(&mut e, &m.package, probe)?;
            let rules: Vec<_> = rules
                .into_iter()
                .filter(|(r, _)| declares(&m.text, r))
                .collect();
            if rules.is_empty() {
                continue;
            }
            units.push(Unit {
                name: m.name.clone(),
                package: m.package.clone(),
                engine: e,
                rules,
            });
        }
        Some(units)
    }

    fn per_package(
        mut all: regorus::Engine,
        modules: &[Module],
        probe: &Value,
    ) -> Result<Vec<Unit>> {
        let mut packages: Vec<String> = modules.iter().map(|m| m.package.clone()).collect();
        packages.sort();
        packages.dedup();
        let mut units = Vec::new();
        for pkg in packages {
            let rules = declared_rules(&mut all, &pkg, probe).ok_or_else(|| {
                Error::Invalid(format!("policies in package {pkg} do not evaluate"))
            })?;
            if rules.is_empty() {
                continue;
            }
            units.push(Unit {
                name: format!("package {pkg}"),
                package: pkg,
                engine: all.clone(),
                rules,
            });
        }
        Ok(units)
    }

    /// Number of policy units (files or packages) that declare rules.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether no policy declares rules.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Evaluates every policy on every object; policy files run on parallel threads.
    pub fn evaluate(&mut self, objects: &[Object]) -> Vec<Finding> {
        let inputs: Vec<regorus::Value> = objects
            .iter()
            .map(|o| regorus::Value::from(o.value.clone()))
            .collect();
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(self.units.len())
            .max(1);
        let mut groups: Vec<Vec<&mut Unit>> = (0..threads).map(|_| Vec::new()).collect();
        for (i, u) in self.units.iter_mut().enumerate() {
            groups[i % threads].push(u);
        }
        let inputs = &inputs;
        let mut out = Vec::new();
        std::thread::scope(|scope| {
            let handles: Vec<_> = groups
                .into_iter()
                .map(|group| {
                    scope.spawn(move || {
                        let mut found = Vec::new();
                        for unit in group {
                            unit.evaluate(objects, inputs, &mut found);
                        }
                        found
                    })
                })
                .collect();
            for h in handles {
                match h.join() {
                    Ok(f) => out.extend(f),
                    Err(_) => out.push(Finding::new(
                        Source::Policy,
                        Severity::Error,
                        ".",
                        "policy engine",
                        "a policy evaluation crashed; run conftest on the rendered manifests to find the policy",
                    )),
                }
            }
        });
        out
    }
}

impl Unit {
    fn evaluate(&mut self, objects: &[Object], inputs: &[regorus::Value], out: &mut Vec<Finding>) {
        for (obj, input) in objects.iter().zip(inputs) {
            self.engine.set_input(input.clone());
            for (rule, severity) in self.rules.clone() {
                let query = format!("data.{}.{rule}", self.package);
                match self.engine.eval_rule(query) {
                    Ok(v) => {
                        for msg in messages(&v) {
                            let rule_name = match rule_id(&msg) {
                                Some(id) => format!("{id} ({}, {rule})", self.name),
                                None => format!("{}: {rule}", self.name),
                            };
                            let mut f =
                                Finding::new(Source::Policy, severity, obj.id(), rule_name, msg);
                            f.object = Some(obj.id());
                            out.push(f);
                        }
                    }
                    Err(e) => {
                        let mut f = Finding::new(
                            Source::Policy,
                            Severity::Error,
                            obj.id(),
                            format!("{}: {rule}", self.name),
                            format!("the policy failed to evaluate on {}: {e}", obj.id()),
                        );
                        f.object = Some(obj.id());
                        f.fix = Some("Fix the policy (see `opa test` / `conftest verify`).".into());
                        out.push(f);
                    }
                }
            }
        }
    }
}

/// The rule id a message ends with, in the policies' form `… (rule: <id>)`.
fn rule_id(msg: &str) -> Option<&str> {
    let start = msg.rfind("(rule: ")?;
    let rest = &msg[start + 7..];
    let end = rest.find(')')?;
    let id = rest[..end].trim();
    (!id.is_empty() && !id.contains(' ')).then_some(id)
}

/// Whether the module text has a rule head for `rule` (a cheap look before trusting a probe).
fn declares(text: &str, rule: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with(rule)
            && l[rule.len()..].chars().next().is_some_and(|c| {
                c == ' ' || c == '[' || c == '{' || c == '\t' || c == ':' || c == '='
            })
    })
}

/// The rules of `package` that evaluate on an empty input; None if evaluation fails outright.
fn declared_rules(
    e: &mut regorus::Engine,
    package: &str,
    probe: &Value,
) -> Option<Vec<(&'static str, Severity)>> {
    e.set_input(regorus::Value::from(probe.clone()));
    let mut out = Vec::new();
    for (rule, sev) in RULES {
        match e.eval_rule(format!("data.{package}.{rule}")) {
            Ok(_) => out.push((*rule, *sev)),
            Err(err) => {
                let s = err.to_string();
                // A rule that is simply not there is fine; anything else means the module
                // needs others to evaluate.
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

/// The messages in a rule's value: strings, or objects with `msg`.
fn messages(v: &regorus::Value) -> Vec<String> {
    let json = serde_json::to_value(v).unwrap_or(Value::Null);
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
    match &json {
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
}
