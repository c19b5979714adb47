//! Minimal values for an import: only what differs from the chart's defaults and, with several
//! services, what they share lifted into the top level (the defaults every service inherits)
//! when that makes the file shorter; each service then keeps only what differs from what it
//! inherits.
//!
//! The chart's merge rule (docs/values-contract.md): `services.<name>` over the top level, maps
//! key by key, every other value (lists included) replaces, and a service cannot remove a map key
//! it inherits. So a value is lifted only where every service that holds a map there has the key,
//! and only where more services drop it than must then write the chart's default back.
use serde_json::{Map, Value};

use crate::core::scaffold::overrides::diff;
use crate::core::values::merge::coalesce;
use crate::core::values::yamlout::to_yaml;

/// Service keys that say what a service is, kept with each service and never lifted.
const KEEP: &[&str] = &["enabled", "workloadType", "external", "hooks", "canary"];

/// The same values without lifting: every service as it differs from the chart's defaults (what
/// [`minimal`] is measured against).
pub fn without_lift(values: Value, defaults: &Value) -> Value {
    match services(values, defaults) {
        Ok(s) => layout(&s.base, &s.inherited, &s.full),
        Err(single) => single,
    }
}

/// Several services, each as it renders (over the top level and the chart's defaults).
struct Services {
    /// The chart's defaults.
    base: Value,
    /// The top level over the chart's defaults.
    inherited: Value,
    /// Name, full values, external.
    full: Vec<(String, Value, bool)>,
}

/// The services of `values`, or, for one service, its minimal values.
fn services(values: Value, defaults: &Value) -> Result<Services, Value> {
    let base = coalesce(Value::Object(Map::new()), defaults);
    let Value::Object(mut top) = values else {
        return Err(diff(&base, &coalesce(values, defaults)));
    };
    let Some(Value::Object(services)) = top.shift_remove("services") else {
        return Err(diff(&base, &coalesce(Value::Object(top), defaults)));
    };
    let inherited = coalesce(Value::Object(top), defaults);
    let full = services
        .into_iter()
        .map(|(name, v)| {
            let external = v.get("workloadType").and_then(Value::as_str) == Some("external");
            let full = if external { v } else { coalesce(v, &inherited) };
            (name, full, external)
        })
        .collect();
    Ok(Services {
        base,
        inherited,
        full,
    })
}

/// The values as written: `values` reduced to what differs from `defaults` (the chart's
/// `values.yaml`), with the services' shared values lifted when that saves lines.
pub fn minimal(values: Value, defaults: &Value) -> Value {
    let Services {
        base,
        inherited,
        full,
    } = match services(values, defaults) {
        Ok(s) => s,
        Err(single) => return single,
    };
    let plain = layout(&base, &inherited, &full);
    let voters: Vec<&Value> = full.iter().filter(|s| !s.2).map(|s| &s.1).collect();
    let mut lifted = Map::new();
    if voters.len() >= 2 {
        let keys = union_keys(voters.iter().filter_map(|v| v.as_object()));
        for k in keys.iter().filter(|k| !KEEP.contains(&k.as_str())) {
            let here: Vec<&Value> = voters.iter().filter_map(|v| v.get(k.as_str())).collect();
            if here.len() < voters.len() {
                continue;
            }
            if let Some(x) = pick(&here, inherited.get(k.as_str())) {
                lifted.insert(k.clone(), x);
            }
        }
    }
    if let Some(Value::Object(image)) = lifted.get_mut("image")
        && !image.contains_key("repository")
    {
        // An image in parts needs its repository: the most common one goes with the rest.
        let repos: Vec<&Value> = voters
            .iter()
            .filter_map(|v| v.pointer("/image/repository"))
            .collect();
        let mut best: Option<(&Value, usize)> = None;
        for r in &repos {
            let n = repos.iter().filter(|x| *x == r).count();
            if best.is_none_or(|(_, b)| n > b) {
                best = Some((r, n));
            }
        }
        match best {
            Some((r, _)) => {
                let mut m = Map::new();
                if let Some(x) = image.shift_remove("registry") {
                    m.insert("registry".into(), x);
                }
                m.insert("repository".into(), r.clone());
                m.append(image);
                *image = m;
            }
            None => {
                lifted.shift_remove("image");
            }
        }
    }
    if lifted.is_empty() {
        return plain;
    }
    let shared = coalesce(Value::Object(lifted), &inherited);
    let with_lift = layout(&base, &shared, &full);
    // A lift a service cannot undo shows as a null the plain layout does not have (the import's
    // own nulls, such as a budget's maxUnavailable: null, are in both).
    if nulls(with_lift.get("services")) > nulls(plain.get("services"))
        || lines(&with_lift) >= lines(&plain)
    {
        plain
    } else {
        with_lift
    }
}

/// An environment's file: what `env` (the values converted from the base and the environment's
/// file together) changes over `base` (converted from the base alone), each service compared
/// as it renders (over the top level and the chart's defaults), so nothing is ever null.
pub(crate) fn environment(base: &Value, env: &Value, defaults: &Value) -> Value {
    let full = |v: &Value| {
        let mut top = v.clone();
        let services = top.as_object_mut().and_then(|m| m.shift_remove("services"));
        let top = coalesce(top, defaults);
        let mut out = top.clone();
        if let (Some(Value::Object(svcs)), Value::Object(o)) = (services, &mut out) {
            let svcs: Map<String, Value> = svcs
                .into_iter()
                .map(|(n, s)| (n, coalesce(s, &top)))
                .collect();
            o.insert("services".into(), Value::Object(svcs));
        }
        out
    };
    let mut out = diff(&full(base), &full(env));
    off_alone(&mut out);
    out
}

/// What every environment sets to the same value (two environments or more) moves into the
/// shared file: `base` gets it, and each environment's file keeps only what really differs.
pub(crate) fn share_what_every_env_sets(base: &mut Value, envs: &mut [(String, Value)]) {
    if envs.len() < 2 {
        return;
    }
    let files: Vec<&Value> = envs.iter().map(|(_, v)| v).collect();
    let mut common = Vec::new();
    same_leaves(&files, &mut Vec::new(), &mut common);
    for (path, x) in common {
        put(base, &path, x);
        for (_, v) in envs.iter_mut() {
            take(v, &path);
        }
    }
}

/// The leaves (non-map values, lists whole) every one of `files` holds with the same value.
fn same_leaves(files: &[&Value], at: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    let Some(first) = files.first() else {
        return;
    };
    match *first {
        Value::Object(m) => {
            for k in m.keys() {
                let here: Vec<&Value> = files.iter().filter_map(|f| f.get(k)).collect();
                if here.len() == files.len() {
                    at.push(k.clone());
                    same_leaves(&here, at, out);
                    at.pop();
                }
            }
        }
        Value::Null => {}
        x => {
            if files.iter().all(|f| *f == x) {
                out.push((at.clone(), x.clone()));
            }
        }
    }
}

fn put(v: &mut Value, path: &[String], x: Value) {
    let Some((last, ways)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for k in ways {
        if !cur.get(k).is_some_and(Value::is_object) {
            if let Value::Object(m) = cur {
                m.insert(k.clone(), Value::Object(Map::new()));
            } else {
                return;
            }
        }
        cur = &mut cur[k.as_str()];
    }
    if let Value::Object(m) = cur {
        m.insert(last.clone(), x);
    }
}

/// Removes `path`, and the maps it leaves empty.
fn take(v: &mut Value, path: &[String]) {
    let Some((k, rest)) = path.split_first() else {
        return;
    };
    let Value::Object(m) = v else {
        return;
    };
    if rest.is_empty() {
        m.shift_remove(k);
        return;
    }
    if let Some(x) = m.get_mut(k) {
        take(x, rest);
        if x.as_object().is_some_and(Map::is_empty) {
            m.shift_remove(k);
        }
    }
}

/// A feature an environment turns off needs nothing else: `{enabled: false}` alone.
fn off_alone(v: &mut Value) {
    if let Value::Object(m) = v {
        if m.get("enabled") == Some(&Value::Bool(false)) {
            m.retain(|k, _| k == "enabled");
            return;
        }
        m.values_mut().for_each(off_alone);
    }
}

/// The file for one top level: the top level as it differs from the chart, each service as it
/// differs from the top level (an external service as written: it has no pods to inherit for).
fn layout(base: &Value, top: &Value, services: &[(String, Value, bool)]) -> Value {
    let mut out = match diff(base, top) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut svcs = Map::new();
    for (name, v, external) in services {
        let d = if *external { v.clone() } else { diff(top, v) };
        svcs.insert(name.clone(), d);
    }
    out.insert("services".into(), Value::Object(svcs));
    Value::Object(out)
}

fn union_keys<'a>(maps: impl Iterator<Item = &'a Map<String, Value>>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for m in maps {
        for k in m.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys
}

/// What to lift from the values the services hold at one place (`inherited`: what they would
/// inherit there without a lift): for maps, the keys every map has, recursively; otherwise the
/// most common value, when more services drop it than must write the inherited value back.
fn pick(vals: &[&Value], inherited: Option<&Value>) -> Option<Value> {
    let maps: Vec<&Map<String, Value>> = vals.iter().filter_map(|v| v.as_object()).collect();
    if maps.len() * 2 > vals.len() {
        let under = inherited.and_then(Value::as_object);
        let mut out = Map::new();
        for k in union_keys(maps.iter().copied()) {
            let here: Vec<&Value> = maps.iter().filter_map(|m| m.get(&k)).collect();
            if here.len() < maps.len() {
                continue; // a service without it would inherit it, and cannot remove it
            }
            if let Some(x) = pick(&here, under.and_then(|u| u.get(&k))) {
                out.insert(k, x);
            }
        }
        return (!out.is_empty()).then_some(Value::Object(out));
    }
    let mut best: Option<(&Value, usize)> = None;
    for v in vals {
        let n = vals.iter().filter(|x| *x == v).count();
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((v, n));
        }
    }
    let (x, n) = best?;
    if inherited == Some(x) {
        return None;
    }
    let back = inherited.map_or(0, |d| vals.iter().filter(|v| **v == d).count());
    (n >= 2 && n > back + 1).then(|| x.clone())
}

fn nulls(v: Option<&Value>) -> usize {
    match v {
        Some(Value::Null) => 1,
        Some(Value::Object(m)) => m.values().map(|x| nulls(Some(x))).sum(),
        Some(Value::Array(a)) => a.iter().map(|x| nulls(Some(x))).sum(),
        _ => 0,
    }
}

/// Lines of YAML the values take.
pub fn lines(v: &Value) -> usize {
    to_yaml(v).lines().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defaults() -> Value {
        json!({"image": "nginx:1", "replicas": 1, "resources": {"requests": {"cpu": "50m"}},
               "env": {}, "services": {}, "workloadType": "deployment"})
    }

    #[test]
    fn what_every_environment_sets_alike_goes_into_the_shared_file() {
        let mut base = json!({"services": {"api": {"image": "api:1", "replicas": 1}}});
        let mut envs = vec![
            (
                "dev".to_string(),
                json!({"services": {"api": {"image": "api:2", "replicas": 1}}}),
            ),
            (
                "prod".to_string(),
                json!({"services": {"api": {"image": "api:2", "replicas": 5, "env": {"LOG": "warn"}}}}),
            ),
            (
                "staging".to_string(),
                json!({"services": {"api": {"image": "api:2", "replicas": 2, "env": {"LOG": "warn"}}}}),
            ),
        ];
        share_what_every_env_sets(&mut base, &mut envs);
        assert_eq!(
            base,
            json!({"services": {"api": {"image": "api:2", "replicas": 1}}})
        );
        assert_eq!(envs[0].1, json!({"services": {"api": {"replicas": 1}}}));
        assert_eq!(
            envs[1].1,
            json!({"services": {"api": {"replicas": 5, "env": {"LOG": "warn"}}}})
        );
        assert_eq!(
            envs[2].1,
            json!({"services": {"api": {"replicas": 2, "env": {"LOG": "warn"}}}})
        );
        // One environment: its file is all that differs, nothing is shared.
        let mut one = vec![("dev".to_string(), json!({"replicas": 3}))];
        let mut b = json!({"replicas": 1});
        share_what_every_env_sets(&mut b, &mut one);
        assert_eq!(
            (b, &one[0].1),
            (json!({"replicas": 1}), &json!({"replicas": 3}))
        );
    }

    #[test]
    fn shared_values_are_lifted_and_services_keep_the_rest() {
        let v = json!({"services": {
            "a": {"image": "a:1", "resources": {"requests": {"cpu": "1"}}, "env": {"X": "1", "A": "a"}},
            "b": {"image": "b:1", "resources": {"requests": {"cpu": "1"}}, "env": {"X": "1"}},
            "c": {"image": "c:1", "resources": {"requests": {"cpu": "1"}}, "env": {"X": "1"}},
        }});
        let out = minimal(v, &defaults());
        assert_eq!(out["resources"], json!({"requests": {"cpu": "1"}}));
        assert_eq!(out["env"], json!({"X": "1"}));
        assert_eq!(
            out["services"]["a"],
            json!({"image": "a:1", "env": {"A": "a"}})
        );
        assert_eq!(out["services"]["b"], json!({"image": "b:1"}));
    }

    #[test]
    fn a_map_key_some_services_lack_is_never_lifted() {
        let v = json!({"services": {
            "a": {"env": {"X": "1"}}, "b": {"env": {"X": "1"}}, "c": {"image": "c:2"},
        }});
        let out = minimal(v, &defaults());
        assert!(out.get("env").is_none(), "{out}");
        assert_eq!(out["services"]["a"], json!({"env": {"X": "1"}}));
    }

    #[test]
    fn a_lift_that_makes_the_file_longer_is_not_made() {
        // Two of five share replicas 3; three would have to write replicas 1 back.
        let v = json!({"services": {
            "a": {"replicas": 3}, "b": {"replicas": 3}, "c": {"image": "c:1"},
            "d": {"image": "d:1"}, "e": {"image": "e:1"},
        }});
        let out = minimal(v, &defaults());
        assert!(out.get("replicas").is_none(), "{out}");
        assert_eq!(out["services"]["a"], json!({"replicas": 3}));
    }

    #[test]
    fn a_null_of_the_import_itself_does_not_stop_a_lift() {
        let d =
            json!({"replicas": 1, "pdb": {"enabled": false, "maxUnavailable": 1}, "services": {}});
        let v = json!({"services": {
            "a": {"replicas": 3, "pdb": {"enabled": true, "minAvailable": 2, "maxUnavailable": null}},
            "b": {"replicas": 3}, "c": {"replicas": 3},
        }});
        let out = minimal(v, &d);
        assert_eq!(out["replicas"], 3, "{out}");
        assert_eq!(out["services"]["a"]["pdb"]["maxUnavailable"], Value::Null);
    }

    #[test]
    fn a_single_service_is_its_difference_from_the_defaults() {
        let out = minimal(json!({"image": "nginx:1", "replicas": 2}), &defaults());
        assert_eq!(out, json!({"replicas": 2}));
    }
}
