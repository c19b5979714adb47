//! Helm's merge rules on plain values (maps merge, anything else replaces; user values coalesced
//! over chart defaults) and the comparisons built on them: a leaf of the values language.
use serde_json::{Map, Value};

/// Helm's `MergeMaps(a, b)`: maps merge recursively, any other value of `b` replaces (`null` too).
pub(crate) fn merge_maps(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut a), Value::Object(b)) => {
            for (k, v) in b {
                match (a.get_mut(&k), v) {
                    (Some(existing @ Value::Object(_)), v @ Value::Object(_)) => {
                        let old = std::mem::take(existing);
                        *existing = merge_maps(old, v);
                    }
                    (_, v) => {
                        a.insert(k, v);
                    }
                }
            }
            Value::Object(a)
        }
        (_, b) => b,
    }
}

/// Helm's coalescing of user values over chart defaults (`CoalesceValues`): user maps merge into
/// default maps, other user values win, a user `null` removes the default, default `null`s vanish.
pub fn coalesce(user: Value, defaults: &Value) -> Value {
    let Value::Object(mut user) = user else {
        return user;
    };
    let Value::Object(defaults) = defaults else {
        return Value::Object(user);
    };
    for (key, val) in defaults {
        match user.get_mut(key) {
            Some(Value::Null) => {
                user.shift_remove(key);
            }
            Some(Value::Object(dest)) => {
                if let Value::Object(src) = val {
                    coalesce_tables(dest, src);
                }
            }
            Some(_) => {}
            None => {
                if val.is_null() {
                    continue;
                }
                user.insert(key.clone(), without_nulls(val.clone()));
            }
        }
    }
    Value::Object(user)
}

fn coalesce_tables(dst: &mut Map<String, Value>, src: &Map<String, Value>) {
    for (key, val) in src {
        if val.is_null() {
            continue;
        }
        match dst.get_mut(key) {
            None => {
                dst.insert(key.clone(), without_nulls(val.clone()));
            }
            Some(Value::Null) => {
                dst.shift_remove(key);
            }
            Some(Value::Object(d)) => {
                if let Value::Object(s) = val {
                    coalesce_tables(d, s);
                }
            }
            Some(_) => {}
        }
    }
}

/// `v` without the `null`s of its maps (how Helm drops them from defaults).
pub(crate) fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Equality with numbers compared by value (1 == 1.0).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
