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
    /// Every line, in the order of the parts.
    pub fn all(self) -> Vec<Note> {
        let mut out = self.exact;
        out.extend(self.changed);
        out.extend(self.lossy);
        out
    }

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
    // The pod labels of the imported workloads, as the input has them.
    let pods: Vec<Value> = imported
        .inputs
        .iter()
        .filter(|i| super::manifests::WORKLOADS.contains(&i.kind.as_str()))
        .map(|w| get(&pod_template(&w.value), "/metadata/labels"))
        .collect();
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
        // Input ConfigMap name → the chart's, for the mounts of configFiles.
        let renames: Vec<(String, String)> = match find("ConfigMap") {
            Some(r) => o
                .config_maps
                .iter()
                .filter_map(input)
                .map(|cm| (cm.name.clone(), r.name.clone()))
                .collect(),
            None => Vec::new(),
        };
        if let Some(w) = o.workload.as_ref().and_then(input) {
            match find(&w.kind) {
                Some(r) => workload(w, &r.value, &mut notes, &renames),
                None => notes.push(Note::new(Part::Lossy, &w.id(), "kind", "not rendered")),
            }
        }
        for id in &o.services {
            let Some(svc) = input(id) else { continue };
            if s(&svc.value, "/spec/type") == "ExternalName" {
                external_name(svc, find("Service"), several, &mut notes);
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
                Some(r) => same_spec(
                    &mut notes,
                    h,
                    &r.value,
                    &["minReplicas", "maxReplicas"],
                    Some(json!(1)),
                ),
                None => notes.push(Note::new(Part::Lossy, &h.id(), "kind", "not rendered")),
            }
        }
        if let Some(p) = o.pdb.as_ref().and_then(input) {
            match find("PodDisruptionBudget") {
                Some(r) => same_spec(
                    &mut notes,
                    p,
                    &r.value,
                    &["minAvailable", "maxUnavailable"],
                    None,
                ),
                None => notes.push(Note::new(Part::Lossy, &p.id(), "kind", "not rendered")),
            }
        }
        for cm in o.config_maps.iter().filter_map(input) {
            match find("ConfigMap") {
                Some(r) => config_map(cm, r, &mut notes),
                None => notes.push(Note::new(Part::Lossy, &cm.id(), "kind", "not rendered")),
            }
        }
        for route in o.routes.iter().filter_map(input) {
            match find("HTTPRoute") {
                Some(r) => http_route(route, &r.value, &mut notes),
                None => notes.push(Note::new(Part::Lossy, &route.id(), "kind", "not rendered")),
            }
        }
        for m in o.monitors.iter().filter_map(input) {
            let svcs: Vec<&Input> = o.services.iter().filter_map(input).collect();
            match (find("ServiceMonitor"), find("Service")) {
                (Some(r), Some(rs)) => {
                    monitor(m, &svcs, &r.value, &rs.value, &mut notes);
                    if find("PrometheusRule").is_some() {
                        notes.push(alerts_added(m));
                    }
                }
                _ => notes.push(Note::new(Part::Lossy, &m.id(), "kind", "not rendered")),
            }
        }
        let policies: Vec<&Input> = o.policies.iter().filter_map(input).collect();
        if !policies.is_empty() {
            match find("NetworkPolicy") {
                Some(r) => network_policies(&policies, &pods, &r.value, &mut notes),
                None => {
                    for p in policies {
                        notes.push(Note::new(Part::Lossy, &p.id(), "kind", "not rendered"));
                    }
                }
            }
        }
        for x in o.roles.iter().filter_map(input) {
            match find(&x.kind) {
                Some(r) if x.kind == "Role" => {
                    cmp(&mut notes, x, "rules", &rules(&x.value), &rules(&r.value))
                }
                Some(r) => cmp(
                    &mut notes,
                    x,
                    "subjects",
                    &subjects(&x.value),
                    &subjects(&r.value),
                ),
                None => notes.push(Note::new(Part::Lossy, &x.id(), "kind", "not rendered")),
            }
        }
    }
    references(imported, objects, single, &mut notes);
    report_of(notes, imported.todos.clone())
}

/// An `ExternalName` Service against the chart's (`None`: not rendered).
fn external_name(svc: &Input, r: Option<&Object>, several: bool, notes: &mut Vec<Note>) {
    match r {
        Some(r) => {
            cmp(
                notes,
                svc,
                "spec.externalName",
                &get(&svc.value, "/spec/externalName"),
                &get(&r.value, "/spec/externalName"),
            );
            name(notes, svc, r, several);
        }
        None => notes.push(Note::new(Part::Lossy, &svc.id(), "kind", "not rendered")),
    }
}

/// What a ServiceMonitor brings that the input did not have: the chart's default alerts.
fn alerts_added(m: &Input) -> Note {
    Note::new(
        Part::Changed,
        &m.id(),
        "PrometheusRule",
        "a PrometheusRule with the chart's default alerts (crash looping, restarts, target down, pod not ready) is added",
    )
    .hatch("monitoring.alerts.enabled: false")
}

/// The notes sorted into the report's parts.
fn report_of(notes: Vec<Note>, todos: Vec<String>) -> Report {
    let mut report = Report {
        exact: Vec::new(),
        changed: Vec::new(),
        lossy: Vec::new(),
        todos,
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

/// `spec.<field>` of input `i` against the render's `r` for each of `fields` (`default` when the
/// input leaves one out).
fn same_spec(notes: &mut Vec<Note>, i: &Input, r: &Value, fields: &[&str], default: Option<Value>) {
    for f in fields {
        let ptr = format!("/spec/{f}");
        let want = match &default {
            Some(d) => i.value.pointer(&ptr).cloned().unwrap_or(d.clone()),
            None => get(&i.value, &ptr),
        };
        cmp(notes, i, &format!("spec.{f}"), &want, &get(r, &ptr));
    }
}

/// The ServiceAccounts a RoleBinding binds, sorted.
fn subjects(v: &Value) -> Value {
    let mut n: Vec<String> = arr(v, "/subjects")
        .iter()
        .filter(|x| x.get("kind") == Some(&json!("ServiceAccount")))
        .map(|x| s(x, "/name"))
        .collect();
    n.sort();
    json!(n)
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

/// The field at the same pointer of the input and the render (named by the pointer, dotted).
fn cmp_at(notes: &mut Vec<Note>, i: &Input, r: &Value, ptr: &str) {
    let field = ptr.trim_start_matches('/').replace('/', ".");
    cmp(notes, i, &field, &get(&i.value, ptr), &get(r, ptr));
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

fn workload(w: &Input, r: &Value, notes: &mut Vec<Note>, renames: &[(String, String)]) {
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
    ports_proof(w, &c, &rc, notes);
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
    mounts_proof(w, r, &pod, &rpod, (&c, &rc), renames, notes);
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

/// The main container's ports against the render's (every container of the chart declares its
/// main port).
fn ports_proof(w: &Input, c: &Value, rc: &Value, notes: &mut Vec<Note>) {
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
    let (wp, rp) = (ports(c), ports(rc));
    if arr(c, "/ports").is_empty() && !rp.as_array().is_some_and(Vec::is_empty) {
        notes.push(Note::new(
            Part::Changed,
            &w.id(),
            "ports",
            "every container of the chart declares its main port (named http)",
        ));
    } else {
        cmp(notes, w, "ports", &wp, &rp);
    }
}

/// The mounts of the main container by path, with what is mounted there, against the render's
/// (a ConfigMap now rendered from configFiles under its new name, read-only).
fn mounts_proof(
    w: &Input,
    r: &Value,
    pod: &Value,
    rpod: &Value,
    (c, rc): (&Value, &Value),
    renames: &[(String, String)],
    notes: &mut Vec<Note>,
) {
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
    let mut wm = mounts(pod, c, &claims);
    // A ConfigMap now rendered from configFiles: its new name, mounted read-only (said when
    // converting); its data is compared as the ConfigMap's own.
    for m in wm.values_mut() {
        if let Some(Value::String(n)) = m.pointer_mut("/source/configMap/name")
            && let Some((_, new)) = renames.iter().find(|(old, _)| old == n)
        {
            *n = new.clone();
            m["readOnly"] = json!(true);
        }
    }
    let rm = mounts(rpod, rc, &arr(r, "/spec/volumeClaimTemplates"));
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
        cmp_at(notes, ing, &r.value, "/spec/ingressClassName");
    }
}

fn config_map(cm: &Input, r: &Object, notes: &mut Vec<Note>) {
    cmp_at(notes, cm, &r.value, "/data");
    if cm.name != r.name {
        notes.push(
            Note::new(
                Part::Changed,
                &cm.id(),
                "metadata.name",
                format!(
                    "configFiles are rendered as the ConfigMap {} and mounted by the chart, not {}",
                    r.name, cm.name
                ),
            )
            .hatch(format!(
                "if something besides this workload reads {}, keep applying that ConfigMap beside the release",
                cm.name
            )),
        );
    }
}

fn http_route(i: &Input, r: &Value, notes: &mut Vec<Note>) {
    let parents = |v: &Value| {
        let mut p: Vec<Value> = arr(v, "/spec/parentRefs")
            .iter()
            .map(|p| {
                json!([
                    get(p, "/name"),
                    get(p, "/namespace"),
                    get(p, "/sectionName")
                ])
            })
            .collect();
        p.sort_by_key(Value::to_string);
        Value::Array(p)
    };
    let sorted = |v: Value| {
        let mut a = v.as_array().cloned().unwrap_or_default();
        a.sort_by_key(Value::to_string);
        a.dedup();
        Value::Array(a)
    };
    let paths = |v: &Value| {
        let p: Vec<Value> = arr(v, "/spec/rules")
            .iter()
            .flat_map(|rule| {
                let m = arr(rule, "/matches");
                if m.is_empty() { vec![json!({})] } else { m }
            })
            .filter(|m| {
                matches!(
                    m.pointer("/path/type").and_then(Value::as_str),
                    None | Some("PathPrefix" | "Exact")
                )
            })
            .map(|m| {
                json!([
                    m.pointer("/path/type")
                        .cloned()
                        .unwrap_or(json!("PathPrefix")),
                    m.pointer("/path/value").cloned().unwrap_or(json!("/"))
                ])
            })
            .collect();
        sorted(Value::Array(p))
    };
    let ports = |v: &Value| {
        let p: Vec<Value> = arr(v, "/spec/rules")
            .iter()
            .flat_map(|rule| arr(rule, "/backendRefs"))
            .map(|b| get(&b, "/port"))
            .collect();
        sorted(Value::Array(p))
    };
    cmp(notes, i, "spec.parentRefs", &parents(&i.value), &parents(r));
    cmp(
        notes,
        i,
        "spec.hostnames",
        &sorted(get(&i.value, "/spec/hostnames")),
        &sorted(get(r, "/spec/hostnames")),
    );
    cmp(notes, i, "spec.rules.matches", &paths(&i.value), &paths(r));
    cmp(
        notes,
        i,
        "spec.rules.backendRefs.port",
        &ports(&i.value),
        &ports(r),
    );
}

/// A ServiceMonitor's endpoint: the Service port it scrapes (by number: the chart names the main
/// port http), path, interval and timeout.
fn monitor(m: &Input, svcs: &[&Input], r: &Value, rsvc: &Value, notes: &mut Vec<Note>) {
    let number = |name: &str, ports: Vec<Value>| {
        ports
            .iter()
            .find(|p| s(p, "/name") == name)
            .map(|p| get(p, "/port"))
            .unwrap_or(Value::Null)
    };
    let ep = arr(&m.value, "/spec/endpoints")
        .first()
        .cloned()
        .unwrap_or(json!({}));
    let rep = arr(r, "/spec/endpoints")
        .first()
        .cloned()
        .unwrap_or(json!({}));
    let want = number(
        &s(&ep, "/port"),
        svcs.iter()
            .flat_map(|x| arr(&x.value, "/spec/ports"))
            .collect(),
    );
    let got = number(&s(&rep, "/port"), arr(rsvc, "/spec/ports"));
    cmp(notes, m, "spec.endpoints.port", &want, &got);
    let path = |e: &Value| e.get("path").cloned().unwrap_or(json!("/metrics"));
    cmp(notes, m, "spec.endpoints.path", &path(&ep), &path(&rep));
    for f in ["interval", "scrapeTimeout"] {
        if let Some(x) = ep.get(f) {
            cmp(
                notes,
                m,
                &format!("spec.endpoints.{f}"),
                x,
                &get(&rep, &format!("/{f}")),
            );
        }
    }
}

/// The input's rules, each found in the rendered policy (exact) or not (lossy); a direction the
/// input leaves open must be open in the render; what the chart adds is said once.
fn network_policies(policies: &[&Input], pods: &[Value], r: &Value, notes: &mut Vec<Note>) {
    let mut mine: Vec<Value> = Vec::new();
    for p in policies {
        let types = super::manifests::policy_types(&p.value);
        for (dir, ty) in [("ingress", "Ingress"), ("egress", "Egress")] {
            let rendered = arr(r, &format!("/spec/{dir}"));
            if !types.iter().any(|t| t == ty) {
                let open = rendered.iter().any(|x| norm(x).is_null());
                cmp(
                    notes,
                    p,
                    &format!("spec.policyTypes.{ty}"),
                    &json!("open"),
                    &json!(if open { "open" } else { "restricted" }),
                );
                continue;
            }
            for (i, rule) in arr(&p.value, &format!("/spec/{dir}")).iter().enumerate() {
                let found = rendered.iter().any(|x| norm(x) == norm(rule));
                mine.push(rule.clone());
                let peers = ["from", "to"]
                    .iter()
                    .flat_map(|k| arr(rule, &format!("/{k}")))
                    .collect::<Vec<_>>();
                // Pods of the import selected by a label the chart sets itself.
                if peers.iter().any(|peer| {
                    peer.pointer("/podSelector/matchLabels")
                        .and_then(Value::as_object)
                        .is_some_and(|m| {
                            m.keys()
                                .any(|k| super::manifests::CHART_LABELS.contains(&k.as_str()))
                                && pods
                                    .iter()
                                    .any(|labels| m.iter().all(|(k, v)| labels.get(k) == Some(v)))
                        })
                }) {
                    notes.push(
                        Note::new(
                            Part::Changed,
                            &p.id(),
                            &format!("spec.{dir}[{i}].podSelector"),
                            "it selects pods by app.kubernetes.io labels, which the chart sets itself (name: the chart, instance: the release, component: the service): the pods it meant may no longer match",
                        )
                        .hatch("select them by a label the team sets (podLabels), which the chart keeps"),
                    );
                }
                if found {
                    notes.push(Note::new(
                        Part::Exact,
                        &p.id(),
                        &format!("spec.{dir}[{i}]"),
                        "",
                    ));
                } else {
                    notes.push(Note::new(
                        Part::Lossy,
                        &p.id(),
                        &format!("spec.{dir}[{i}]"),
                        "not in the rendered policy",
                    ));
                }
            }
        }
    }
    let added = ["ingress", "egress"]
        .iter()
        .flat_map(|d| arr(r, &format!("/spec/{d}")))
        .any(|x| !norm(&x).is_null() && !mine.iter().any(|m| norm(m) == norm(&x)));
    if let Some(p) = policies.first().filter(|_| added) {
        notes.push(Note::new(
            Part::Changed,
            &p.id(),
            "spec",
            "the chart's policy also lets in what the platform needs: DNS, the ingress controller (with ingress or route), Prometheus (with monitoring) and dependsOn edges",
        ));
    }
}

/// A Role's rules as compared: apiGroups default to the core group, empty lists dropped.
fn rules(v: &Value) -> Value {
    let mut out: Vec<Value> = arr(v, "/rules")
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert(
                "apiGroups".into(),
                r.get("apiGroups").cloned().unwrap_or(json!([""])),
            );
            for k in ["resources", "resourceNames", "verbs"] {
                m.insert(k.into(), norm(&get(r, &format!("/{k}"))));
            }
            Value::Object(m)
        })
        .collect();
    out.sort_by_key(Value::to_string);
    Value::Array(out)
}

/// Environment values of the input that name a Service the chart renames (`cart`, `cart:8080`,
/// `http://cart/`, `host=cart;`): each is said, since the value is copied as written.
fn references(imported: &Imported, objects: &[Object], single: &str, notes: &mut Vec<Note>) {
    let mut renamed: Vec<(String, String)> = Vec::new();
    for o in &imported.origins {
        let component = if o.service.is_empty() {
            single
        } else {
            o.service.as_str()
        };
        for svc in o
            .services
            .iter()
            .filter_map(|id| imported.inputs.iter().find(|i| i.id() == *id))
        {
            let headless = s(&svc.value, "/spec/clusterIP") == "None";
            if let Some(r) = objects.iter().find(|x| {
                x.kind == "Service"
                    && x.service.as_deref() == Some(component)
                    && (s(&x.value, "/spec/clusterIP") == "None") == headless
            }) && r.name != svc.name
            {
                renamed.push((svc.name.clone(), r.name.clone()));
            }
        }
    }
    if renamed.is_empty() {
        return;
    }
    let names = |text: &str, host: &str| {
        hosts(text)
            .iter()
            .any(|h| *h == host || h.starts_with(&format!("{host}.")))
    };
    for w in imported
        .inputs
        .iter()
        .filter(|i| super::manifests::WORKLOADS.contains(&i.kind.as_str()))
    {
        let pod = get(&pod_template(&w.value), "/spec");
        for c in arr(&pod, "/containers")
            .iter()
            .chain(arr(&pod, "/initContainers").iter())
        {
            for e in arr(c, "/env") {
                let value = s(&e, "/value");
                for (old, new) in &renamed {
                    if names(&value, old) {
                        notes.push(
                            Note::new(
                                Part::Changed,
                                &w.id(),
                                &format!("env.{}", s(&e, "/name")),
                                format!("{value:?} names the Service {old}, which the chart names {new}: the value is kept as written"),
                            )
                            .hatch(format!("write {new} in the value, or keep {old} with a Service of type ExternalName beside the release")),
                        );
                    }
                }
            }
        }
    }
}

/// The host names a value holds where a host is written: the whole value, `host:port`, the host
/// of a URL (`scheme://host:port/...`) and `host=...` settings (`mysql:host=db;dbname=x`).
fn hosts(value: &str) -> Vec<&str> {
    let end = |x: &str| -> usize { x.find([':', '/', '?', ';', ',', '@']).unwrap_or(x.len()) };
    let mut out = Vec::new();
    match value.split_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => out.push(h),
        None => out.push(value),
        _ => {}
    }
    for (i, _) in value.match_indices("//") {
        let rest = &value[i + 2..];
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        out.push(&rest[..end(rest)]);
    }
    for (i, _) in value.match_indices("host=") {
        let rest = &value[i + 5..];
        out.push(&rest[..end(rest)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::hosts;

    #[test]
    fn hosts_are_read_where_a_value_writes_a_host() {
        assert_eq!(hosts("cart"), ["cart"]);
        assert_eq!(hosts("cart:8080"), ["cart"]);
        assert_eq!(hosts("http://catalogue:8080/"), ["catalogue"]);
        assert_eq!(hosts("mongodb://user@mongodb:27017/users"), ["mongodb"]);
        assert_eq!(
            hosts("mysql:host=mysql;dbname=ratings"),
            ["mysql"],
            "the scheme is not a host, the database name neither"
        );
        assert!(!hosts("a sentence with cart in it").contains(&"cart"));
    }
}
