//! The proof: what the chart renders from the imported values, compared with the input object by
//! object on the fields that matter.
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::manifests::{Imported, Input, pod_template, secret_looking};
use super::{Note, Part};
use crate::core::check::manifests::Object;

/// The report in three parts, with the share reproduced exactly.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub exact: Vec<Note>,
    pub changed: Vec<Note>,
    pub lossy: Vec<Note>,
    /// Things the team must do after importing.
    pub todos: Vec<String>,
}

impl Report {
    /// Exact fields over all fields compared (1.0 when nothing was compared).
    pub fn share_exact(&self) -> f64 {
        let all = self.exact.len() + self.changed.len() + self.lossy.len();
        if all == 0 {
            1.0
        } else {
            self.exact.len() as f64 / all as f64
        }
    }
}

/// Compares the rendered `objects` with the import's inputs. `single` is the component label of
/// a single-service release (the chart's name).
pub fn prove(imported: &Imported, objects: &[Object], single: &str) -> Report {
    let mut notes = imported.notes.clone();
    let several = imported.origins.len() > 1;
    for o in &imported.origins {
        let component = if o.service.is_empty() {
            single
        } else {
            o.service.as_str()
        };
        let find = |kind: &str| {
            objects
                .iter()
                .find(|x| x.kind == kind && x.service.as_deref() == Some(component))
        };
        let input = |id: &String| imported.inputs.iter().find(|i| i.id() == *id);
        if let Some(w) = o.workload.as_ref().and_then(input) {
            match find(&w.kind) {
                Some(r) => workload(w, &r.value, &mut notes),
                None => notes.push(Note::new(Part::Lossy, &w.id(), "kind", "not rendered")),
            }
        }
        for id in &o.services {
            let Some(svc) = input(id) else { continue };
            if s(&svc.value, "/spec/type") == "ExternalName" {
                match find("Service") {
                    Some(r) => {
                        cmp(
                            &mut notes,
                            svc,
                            "spec.externalName",
                            &get(&svc.value, "/spec/externalName"),
                            &get(&r.value, "/spec/externalName"),
                        );
                        name(&mut notes, svc, r, several);
                    }
                    None => notes.push(Note::new(Part::Lossy, &svc.id(), "kind", "not rendered")),
                }
                continue;
            }
            let headless = s(&svc.value, "/spec/clusterIP") == "None";
            let r = objects.iter().find(|x| {
                x.kind == "Service"
                    && x.service.as_deref() == Some(component)
                    && (s(&x.value, "/spec/clusterIP") == "None") == headless
            });
            match r {
                Some(r) => service(svc, &r.value, &mut notes, r, several),
                None => notes.push(Note::new(Part::Lossy, &svc.id(), "kind", "not rendered")),
            }
        }
        for id in &o.ingresses {
            let Some(ing) = input(id) else { continue };
            match find("Ingress") {
                Some(r) => ingress(ing, r, &mut notes),
                None => notes.push(Note::new(Part::Lossy, &ing.id(), "kind", "not rendered")),
            }
        }
        if let Some(h) = o.hpa.as_ref().and_then(input) {
            match find("HorizontalPodAutoscaler") {
                Some(r) => {
                    for f in ["minReplicas", "maxReplicas"] {
                        let p = format!("/spec/{f}");
                        let want = h.value.pointer(&p).cloned().unwrap_or(json!(1));
                        cmp(
                            &mut notes,
                            h,
                            &format!("spec.{f}"),
                            &want,
                            &get(&r.value, &p),
                        );
                    }
                }
                None => notes.push(Note::new(Part::Lossy, &h.id(), "kind", "not rendered")),
            }
        }
        if let Some(p) = o.pdb.as_ref().and_then(input) {
            match find("PodDisruptionBudget") {
                Some(r) => {
                    for f in ["minAvailable", "maxUnavailable"] {
                        let ptr = format!("/spec/{f}");
                        cmp(
                            &mut notes,
                            p,
                            &format!("spec.{f}"),
                            &get(&p.value, &ptr),
                            &get(&r.value, &ptr),
                        );
                    }
                }
                None => notes.push(Note::new(Part::Lossy, &p.id(), "kind", "not rendered")),
            }
        }
    }
    let mut report = Report {
        exact: Vec::new(),
        changed: Vec::new(),
        lossy: Vec::new(),
        todos: imported.todos.clone(),
    };
    for n in notes {
        match n.part {
            Part::Exact => report.exact.push(n),
            Part::Changed => report.changed.push(n),
            Part::Lossy => report.lossy.push(n),
        }
    }
    report
}

fn s(v: &Value, ptr: &str) -> String {
    match v.pointer(ptr) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn get(v: &Value, ptr: &str) -> Value {
    v.pointer(ptr).cloned().unwrap_or(Value::Null)
}

fn arr(v: &Value, ptr: &str) -> Vec<Value> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Empty maps, lists and strings count as absent; numbers as their text (quantities).
fn norm(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let out: Map<String, Value> = m
                .iter()
                .map(|(k, x)| (k.clone(), norm(x)))
                .filter(|(_, x)| !x.is_null())
                .collect();
            if out.is_empty() {
                Value::Null
            } else {
                Value::Object(out)
            }
        }
        Value::Array(a) if a.is_empty() => Value::Null,
        Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
        Value::String(x) if x.is_empty() => Value::Null,
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(_) | Value::String(_) | Value::Null => v.clone(),
    }
}

fn short(v: &Value) -> String {
    let t = if v.is_null() {
        "(none)".to_string()
    } else {
        v.to_string()
    };
    if t.len() > 80 {
        format!("{}…", t.chars().take(77).collect::<String>())
    } else {
        t
    }
}

/// One field: exact when equal, otherwise a lossy line saying what the render has instead.
fn cmp(notes: &mut Vec<Note>, i: &Input, field: &str, want: &Value, got: &Value) {
    if norm(want) == norm(got) {
        notes.push(Note::new(Part::Exact, &i.id(), field, ""));
    } else {
        notes.push(Note::new(
            Part::Lossy,
            &i.id(),
            field,
            format!("rendered {} instead of {}", short(got), short(want)),
        ));
    }
}

/// A field the platform sets on purpose: exact when equal, otherwise `changed` with `why`.
fn purpose(notes: &mut Vec<Note>, i: &Input, field: &str, want: &Value, got: &Value, why: &str) {
    if norm(want) == norm(got) {
        notes.push(Note::new(Part::Exact, &i.id(), field, ""));
    } else {
        notes.push(Note::new(Part::Changed, &i.id(), field, why));
    }
}

fn name(notes: &mut Vec<Note>, i: &Input, r: &Object, several: bool) {
    if i.name == r.name {
        notes.push(Note::new(Part::Exact, &i.id(), "metadata.name", ""));
        return;
    }
    let hatch = if several {
        format!(
            "keep {old}: apply beside the release a Service {old} of type ExternalName with externalName {new}.<namespace>.svc.cluster.local, or import the service as its own release named {old} (--name {old}); workloads named <release>-<service> keep their names",
            old = i.name,
            new = r.name
        )
    } else {
        format!(
            "keep {old}: import it as a release named {old} (--name {old}), or set fullnameOverride: {old}",
            old = i.name
        )
    };
    notes.push(
        Note::new(
            Part::Changed,
            &i.id(),
            "metadata.name",
            format!(
                "the chart names it {} (release and service name): clients addressing {} must change",
                r.name, i.name
            ),
        )
        .hatch(hatch),
    );
}

/// Port numbers of a container by name.
fn port_number(c: &Value, p: &Value) -> Value {
    match p {
        Value::String(n) => arr(c, "/ports")
            .iter()
            .find(|x| s(x, "/name") == *n)
            .map(|x| get(x, "/containerPort"))
            .unwrap_or_else(|| p.clone()),
        _ => p.clone(),
    }
}

fn probe(c: &Value, k: &str) -> Value {
    let Some(p) = c.get(k) else {
        return Value::Null;
    };
    let mut p = p.clone();
    for h in ["httpGet", "tcpSocket"] {
        if let Some(port) = p.pointer(&format!("/{h}/port")).cloned() {
            p[h]["port"] = port_number(c, &port);
        }
    }
    if let Some(h) = p.get_mut("httpGet").and_then(Value::as_object_mut) {
        h.entry("path").or_insert(json!("/"));
        h.entry("scheme").or_insert(json!("HTTP"));
    }
    for (t, d) in [
        ("initialDelaySeconds", 0),
        ("periodSeconds", 10),
        ("timeoutSeconds", 1),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ] {
        p.as_object_mut().map(|m| m.entry(t).or_insert(json!(d)));
    }
    p
}

fn env(c: &Value) -> Map<String, Value> {
    arr(c, "/env")
        .iter()
        .map(|e| {
            let v = e
                .get("valueFrom")
                .cloned()
                .unwrap_or_else(|| e.get("value").cloned().unwrap_or(json!("")));
            (s(e, "/name"), v)
        })
        .collect()
}

fn workload(w: &Input, r: &Value, notes: &mut Vec<Note>) {
    let tpl = pod_template(&w.value);
    let rtpl = pod_template(r);
    let pod = get(&tpl, "/spec");
    let rpod = get(&rtpl, "/spec");
    let c = arr(&pod, "/containers")
        .first()
        .cloned()
        .unwrap_or(Value::Null);
    let rc = arr(&rpod, "/containers")
        .first()
        .cloned()
        .unwrap_or(Value::Null);
    if matches!(w.kind.as_str(), "Deployment" | "StatefulSet")
        && r.pointer("/spec/replicas").is_some()
    {
        let want = w
            .value
            .pointer("/spec/replicas")
            .cloned()
            .unwrap_or(json!(1));
        cmp(notes, w, "spec.replicas", &want, &get(r, "/spec/replicas"));
    }
    if w.kind == "CronJob" {
        cmp(
            notes,
            w,
            "spec.schedule",
            &get(&w.value, "/spec/schedule"),
            &get(r, "/spec/schedule"),
        );
    }
    for f in ["image", "command", "args"] {
        cmp(
            notes,
            w,
            f,
            &get(&c, &format!("/{f}")),
            &get(&rc, &format!("/{f}")),
        );
    }
    let (we, re) = (env(&c), env(&rc));
    for (k, v) in &we {
        let got = re.get(k).cloned().unwrap_or(Value::Null);
        if secret_looking(k) && v.is_string() && got.get("secretKeyRef").is_some() {
            continue; // reported when converting: the value is read from a Secret now
        }
        cmp(notes, w, &format!("env.{k}"), v, &got);
    }
    cmp(
        notes,
        w,
        "envFrom",
        &get(&c, "/envFrom"),
        &get(&rc, "/envFrom"),
    );
    let ports = |c: &Value| -> Value {
        let mut v: Vec<Value> = arr(c, "/ports")
            .iter()
            .map(|p| {
                json!([
                    get(p, "/containerPort"),
                    p.get("protocol").cloned().unwrap_or(json!("TCP"))
                ])
            })
            .collect();
        v.sort_by_key(|x| x.to_string());
        Value::Array(v)
    };
    let (wp, rp) = (ports(&c), ports(&rc));
    if arr(&c, "/ports").is_empty() && !rp.as_array().is_some_and(Vec::is_empty) {
        notes.push(Note::new(
            Part::Changed,
            &w.id(),
            "ports",
            "every container of the chart declares its main port (named http)",
        ));
    } else {
        cmp(notes, w, "ports", &wp, &rp);
    }
    if !matches!(w.kind.as_str(), "Job" | "CronJob") {
        let none = c.get("livenessProbe").is_none() && c.get("readinessProbe").is_none();
        for k in ["livenessProbe", "readinessProbe", "startupProbe"] {
            if none && k != "startupProbe" {
                purpose(
                    notes,
                    w,
                    k,
                    &probe(&c, k),
                    &probe(&rc, k),
                    "a long-running container without probes gets tcp probes on its main port (policy probes-required)",
                );
            } else {
                cmp(notes, w, k, &probe(&c, k), &probe(&rc, k));
            }
        }
    }
    purpose(
        notes,
        w,
        "resources",
        &get(&c, "/resources"),
        &get(&rc, "/resources"),
        "requests and limits are always set (quotas and Pod Security need them): the chart's defaults fill what the input left out",
    );
    // Mounts: by path, with what is mounted there.
    let claims = arr(&w.value, "/spec/volumeClaimTemplates");
    let mounts = |pod: &Value, c: &Value, claims: &[Value]| -> Map<String, Value> {
        arr(c, "/volumeMounts")
            .iter()
            .filter_map(|m| {
                let n = s(m, "/name");
                let vol = arr(pod, "/volumes").into_iter().find(|v| s(v, "/name") == n);
                let src = match vol {
                    Some(mut v) => {
                        v.as_object_mut().map(|o| o.remove("name"));
                        v
                    }
                    None => claims
                        .iter()
                        .find(|t| s(t, "/metadata/name") == n)
                        .map(|t| json!({"claim": {"size": get(t, "/spec/resources/requests/storage"), "accessModes": get(t, "/spec/accessModes")}}))?,
                };
                Some((s(m, "/mountPath"), json!({"source": src, "readOnly": m.get("readOnly").cloned().unwrap_or(json!(false)), "subPath": get(m, "/subPath")})))
            })
            .collect()
    };
    let wm = mounts(&pod, &c, &claims);
    let rm = mounts(&rpod, &rc, &arr(r, "/spec/volumeClaimTemplates"));
    for (path, v) in &wm {
        let got = rm.get(path).cloned().unwrap_or(Value::Null);
        if got.is_null()
            && notes.iter().any(|n| {
                n.object == w.id() && n.part == Part::Lossy && n.field.starts_with("volumes.")
            })
            && v.pointer("/source/hostPath").is_some()
        {
            continue; // reported when converting
        }
        cmp(notes, w, &format!("volumeMounts.{path}"), v, &got);
    }
    if rm.keys().any(|p| p == "/tmp") && !wm.contains_key("/tmp") {
        notes.push(Note::new(Part::Changed, &w.id(), "volumeMounts./tmp", "a writable emptyDir at /tmp, since the root filesystem is read-only (security.writableTmp)"));
    }
    for f in [
        "nodeSelector",
        "tolerations",
        "affinity",
        "topologySpreadConstraints",
    ] {
        let (a, b) = (get(&pod, &format!("/{f}")), get(&rpod, &format!("/{f}")));
        if !norm(&a).is_null() || !norm(&b).is_null() {
            cmp(notes, w, f, &a, &b);
        }
    }
    purpose(
        notes,
        w,
        "securityContext",
        &json!([get(&pod, "/securityContext"), get(&c, "/securityContext")]),
        &json!([get(&rpod, "/securityContext"), get(&rc, "/securityContext")]),
        "Pod Security \"restricted\" by default: non-root, read-only root filesystem, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp",
    );
    let token = pod
        .get("automountServiceAccountToken")
        .cloned()
        .unwrap_or(json!(true));
    purpose(
        notes,
        w,
        "automountServiceAccountToken",
        &token,
        &get(&rpod, "/automountServiceAccountToken"),
        "no API token is mounted unless the service asks for API access (rbac or serviceAccount.automountToken)",
    );
}

fn service(svc: &Input, r: &Value, notes: &mut Vec<Note>, ro: &Object, several: bool) {
    name(notes, svc, ro, several);
    if !s(&svc.value, "/spec/type").is_empty() {
        cmp(
            notes,
            svc,
            "spec.type",
            &get(&svc.value, "/spec/type"),
            &get(r, "/spec/type"),
        );
    }
    let key = |p: &Value| -> Value {
        let port = get(p, "/port");
        json!([
            port.clone(),
            p.get("protocol").cloned().unwrap_or(json!("TCP"))
        ])
    };
    let rports = arr(r, "/spec/ports");
    for p in arr(&svc.value, "/spec/ports") {
        let field = format!(
            "spec.ports.{}",
            p.get("port").map(|x| x.to_string()).unwrap_or_default()
        );
        let got = rports.iter().find(|x| key(x) == key(&p)).cloned();
        match got {
            None => cmp(notes, svc, &field, &key(&p), &Value::Null),
            Some(g) => {
                // The target as a number where the name is the chart's http.
                let t = |x: &Value| -> Value {
                    match x.get("targetPort") {
                        None => get(x, "/port"),
                        Some(Value::String(n)) if n == "http" => json!("main"),
                        Some(v) => v.clone(),
                    }
                };
                let (mut a, b) = (t(&p), t(&g));
                if b == json!("main") && a != json!("main") {
                    a = json!("main"); // the target is the main container port, named http
                }
                cmp(notes, svc, &field, &a, &b);
            }
        }
    }
}

fn ingress(ing: &Input, r: &Object, notes: &mut Vec<Note>) {
    let hosts = |v: &Value| -> Value {
        let mut h: Vec<Value> = arr(v, "/spec/rules")
            .iter()
            .map(|x| get(x, "/host"))
            .collect();
        h.sort_by_key(|x| x.to_string());
        Value::Array(h)
    };
    let paths = |v: &Value| -> Value {
        let mut p: Vec<Value> = arr(v, "/spec/rules")
            .iter()
            .flat_map(|x| arr(x, "/http/paths"))
            .map(|p| json!([get(&p, "/path"), get(&p, "/pathType")]))
            .collect();
        p.sort_by_key(|x| x.to_string());
        p.dedup();
        Value::Array(p)
    };
    cmp(
        notes,
        ing,
        "spec.rules.host",
        &hosts(&ing.value),
        &hosts(&r.value),
    );
    cmp(
        notes,
        ing,
        "spec.rules.paths",
        &paths(&ing.value),
        &paths(&r.value),
    );
    let tls = |v: &Value| {
        json!(
            arr(v, "/spec/tls")
                .iter()
                .map(|t| get(t, "/secretName"))
                .collect::<Vec<_>>()
        )
    };
    cmp(notes, ing, "spec.tls", &tls(&ing.value), &tls(&r.value));
    if !s(&ing.value, "/spec/ingressClassName").is_empty() {
        cmp(
            notes,
            ing,
            "spec.ingressClassName",
            &get(&ing.value, "/spec/ingressClassName"),
            &get(&r.value, "/spec/ingressClassName"),
        );
    }
}
