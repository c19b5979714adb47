//! The proof: what the chart renders from the imported values, compared with the input object by
//! object on the fields that matter.
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::fields;
use super::manifests::{Imported, Input, Origin, pod_template};
use super::{Note, Part};
use crate::core::check::manifests::Object;

/// The report in three parts, with the share reproduced exactly, and the objects left out on
/// purpose.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub exact: Vec<Note>,
    pub changed: Vec<Note>,
    pub lossy: Vec<Note>,
    /// Input objects not imported on purpose (Secrets, claims holding data, cluster objects).
    pub skipped: Vec<Note>,
    /// Things the team must do after importing.
    pub todos: Vec<String>,
    /// Warnings of the checks on the written values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Lines of values written per line of input manifests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
}

impl Report {
    /// Every line, in the order of the parts.
    pub(crate) fn all(self) -> Vec<Note> {
        let mut out = self.exact;
        out.extend(self.changed);
        out.extend(self.lossy);
        out.extend(self.skipped);
        out
    }

    /// Sorts notes into their parts.
    pub(crate) fn add(&mut self, notes: Vec<Note>) {
        for n in notes {
            match n.part {
                Part::Exact => self.exact.push(n),
                Part::Changed => self.changed.push(n),
                Part::Lossy => self.lossy.push(n),
                Part::Skipped => self.skipped.push(n),
            }
        }
    }

    /// Fields compared: exact, changed on purpose and not expressible (additions of the
    /// platform are said, not counted).
    pub fn counted(&self) -> (usize, usize, usize) {
        let changed = self.changed.iter().filter(|n| !n.added).count();
        (self.exact.len(), changed, self.lossy.len())
    }

    /// Exact fields over all fields compared (1.0 when nothing was compared).
    pub(crate) fn share_exact(&self) -> f64 {
        let (e, c, l) = self.counted();
        let all = e + c + l;
        if all == 0 { 1.0 } else { e as f64 / all as f64 }
    }
}

/// Compares the rendered `objects` with the import's inputs. `single` is the component label of
/// a single-service release (the chart's name).
pub(crate) fn prove(imported: &Imported, objects: &[Object], single: &str) -> Report {
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
        let c = Component {
            imported,
            objects,
            name: if o.service.is_empty() {
                single
            } else {
                o.service.as_str()
            },
        };
        c.workload_and_services(o, several, &mut notes);
        c.beside(o, &pods, &mut notes);
    }
    references(imported, objects, single, &mut notes);
    drop_said_again(imported, &mut notes);
    report_of(notes, imported.todos.clone())
}

/// One component of the release: its rendered objects, and the import's inputs by id.
struct Component<'a> {
    imported: &'a Imported,
    objects: &'a [Object],
    name: &'a str,
}

impl<'a> Component<'a> {
    /// The component's rendered object of `kind`.
    fn find(&self, kind: &str) -> Option<&'a Object> {
        self.objects
            .iter()
            .find(|x| x.kind == kind && x.service.as_deref() == Some(self.name))
    }

    /// The input object of `id`.
    fn input(&self, id: &String) -> Option<&'a Input> {
        self.imported.inputs.iter().find(|i| i.id() == *id)
    }

    /// `x` compared by `compare` with the component's rendered `kind`, or said not rendered.
    fn against(
        &self,
        x: &Input,
        kind: &str,
        notes: &mut Vec<Note>,
        compare: impl FnOnce(&'a Object, &mut Vec<Note>),
    ) {
        match self.find(kind) {
            Some(r) => compare(r, notes),
            None => notes.push(not_rendered(x)),
        }
    }

    /// The origin's workload, then its Services (matched by name; compared with the workload's
    /// pods on both sides).
    fn workload_and_services(&self, o: &Origin, several: bool, notes: &mut Vec<Note>) {
        let w_in = o.workload.as_ref().and_then(|id| self.input(id));
        let w_out = w_in.and_then(|w| self.find(&w.kind));
        if let Some(w) = w_in {
            match w_out {
                Some(r) => workload(w, &r.value, o, self.imported, notes),
                None => notes.push(not_rendered(w)),
            }
        }
        for id in &o.services {
            let Some(svc) = self.input(id) else { continue };
            if s(&svc.value, "/spec/type") == "ExternalName" {
                external_name(svc, self.find("Service"), several, notes);
                continue;
            }
            let r = self
                .objects
                .iter()
                .find(|x| x.kind == "Service" && x.name == svc.name);
            match (r, w_in, w_out) {
                (Some(r), Some(w), Some(wr)) => service(svc, &r.value, &w.value, &wr.value, notes),
                _ if notes
                    .iter()
                    .any(|n| n.object == svc.id() && n.part == Part::Lossy) => {}
                _ => notes.push(Note::new(
                    Part::Lossy,
                    &svc.id(),
                    "metadata.name",
                    format!("no Service named {} is rendered", svc.name),
                )),
            }
        }
    }

    /// The origin's objects beside its workload and Services, each against the component's
    /// rendered one of its kind (`pods`: every imported workload's pod labels, for policies).
    fn beside(&self, o: &Origin, pods: &[Value], notes: &mut Vec<Note>) {
        let input = |id: &String| self.input(id);
        for ing in o.ingresses.iter().filter_map(input) {
            self.against(ing, "Ingress", notes, |r, n| ingress(ing, r, n));
        }
        if let Some(h) = o.hpa.as_ref().and_then(input) {
            self.against(h, "HorizontalPodAutoscaler", notes, |r, n| {
                same_spec(
                    n,
                    h,
                    &r.value,
                    &["minReplicas", "maxReplicas"],
                    Some(json!(1)),
                )
            });
        }
        if let Some(p) = o.pdb.as_ref().and_then(input) {
            self.against(p, "PodDisruptionBudget", notes, |r, n| {
                same_spec(n, p, &r.value, &["minAvailable", "maxUnavailable"], None)
            });
        }
        for cm in o.config_maps.iter().filter_map(input) {
            self.against(cm, "ConfigMap", notes, |r, n| config_map(cm, r, n));
        }
        for route in o.routes.iter().filter_map(input) {
            self.against(route, "HTTPRoute", notes, |r, n| {
                http_route(route, &r.value, n)
            });
        }
        for m in o.monitors.iter().filter_map(input) {
            let svcs: Vec<&Input> = o.services.iter().filter_map(input).collect();
            match (self.find("ServiceMonitor"), self.find("Service")) {
                (Some(r), Some(rs)) => {
                    monitor(m, &svcs, &r.value, &rs.value, notes);
                    if self.find("PrometheusRule").is_some() {
                        notes.push(alerts_added(m));
                    }
                }
                _ => notes.push(not_rendered(m)),
            }
        }
        let policies: Vec<&Input> = o.policies.iter().filter_map(input).collect();
        if !policies.is_empty() {
            match self.find("NetworkPolicy") {
                Some(r) => network_policies(&policies, pods, &r.value, notes),
                None => notes.extend(policies.into_iter().map(not_rendered)),
            }
        }
        for x in o.roles.iter().filter_map(input) {
            self.against(x, &x.kind, notes, |r, n| {
                if x.kind == "Role" {
                    cmp(n, x, "rules", &rules(&x.value), &rules(&r.value))
                } else {
                    cmp(n, x, "subjects", &subjects(&x.value), &subjects(&r.value))
                }
            });
        }
    }
}

/// `x` has no rendered counterpart.
fn not_rendered(x: &Input) -> Note {
    Note::new(Part::Lossy, &x.id(), "kind", "not rendered")
}

/// Drops the proof's lossy notes on a field the conversion already said it cannot express: it
/// is not said twice.
fn drop_said_again(imported: &Imported, notes: &mut Vec<Note>) {
    let said: Vec<(String, String)> = imported
        .notes
        .iter()
        .filter(|n| n.part == Part::Lossy)
        .map(|n| {
            let last = n.field.rsplit('.').next().unwrap_or_default().to_string();
            (n.object.clone(), last)
        })
        .filter(|(_, f)| !f.is_empty() && f != "kind")
        .collect();
    let from_proof = notes.split_off(imported.notes.len());
    notes.extend(from_proof.into_iter().filter(|n| {
        n.part != Part::Lossy
            || !said
                .iter()
                .any(|(o, f)| *o == n.object && n.field.contains(f.as_str()))
    }));
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
        None => notes.push(not_rendered(svc)),
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
        todos,
        ..Report::default()
    };
    report.add(notes);
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

/// A workload against its render, field by field (the configFiles volume and the secret
/// values moved into a Secret are said by the conversion, not compared here).
fn workload(w: &Input, r: &Value, o: &Origin, imported: &Imported, notes: &mut Vec<Note>) {
    let id = w.id();
    let tpl = pod_template(&w.value);
    let cms: Vec<String> = o
        .config_maps
        .iter()
        .filter_map(|c| c.split_once('/').map(|(_, n)| n.to_string()))
        .collect();
    let skip_vols: Vec<String> = arr(&tpl, "/spec/volumes")
        .iter()
        .filter(|v| cms.contains(&s(v, "/configMap/name")))
        .map(|v| s(v, "/name"))
        .collect();
    let secrets: Vec<String> = imported
        .notes
        .iter()
        .filter(|n| n.object == id && n.part == Part::Changed)
        .filter_map(|n| n.field.strip_prefix("env.").map(str::to_string))
        .collect();
    let hpa = o.hpa.is_some();
    let explicit = fields::workload(&w.value, false, hpa, &skip_vols);
    let want = fields::workload(&w.value, true, hpa, &skip_vols);
    // The chart's own volumes: its writable /tmp, and configFiles' ConfigMap.
    let own: Vec<String> = arr(&tpl, "/spec/volumes")
        .iter()
        .map(|v| s(v, "/name"))
        .collect();
    let mut chart_vols = Vec::new();
    if !own.iter().any(|n| n == "tmp") {
        chart_vols.push("tmp".to_string());
    }
    if !skip_vols.is_empty() {
        chart_vols.push("config".to_string());
    }
    let got = fields::workload(r, true, hpa, &chart_vols);
    let skip = |f: &str| secrets.iter().any(|k| f.contains(&format!(".env.{k}")));
    fields::compare(&id, &explicit, &want, &got, &skip, notes);
    config_mounts(&id, &tpl, &pod_template(r), &skip_vols, notes);
}

/// Where each container mounts the ConfigMap that became `configFiles` (the main container and
/// the sidecars and init containers that mount it too), against where the render mounts the
/// chart's volume of it ([`fields`] compares every other mount): kept, or not expressible.
fn config_mounts(id: &str, tpl: &Value, rendered: &Value, vols: &[String], notes: &mut Vec<Note>) {
    let mounts = |t: &Value, names: &[String]| -> Vec<(String, String)> {
        let containers = arr(t, "/spec/containers");
        let key = |i: usize, c: &Value| {
            if i == 0 {
                "main".to_string()
            } else {
                s(c, "/name")
            }
        };
        let mut out: Vec<(String, String)> = containers
            .iter()
            .enumerate()
            .map(|(i, c)| (key(i, c), c.clone()))
            .chain(
                arr(t, "/spec/initContainers")
                    .into_iter()
                    .map(|c| (s(&c, "/name"), c)),
            )
            .flat_map(|(k, c)| {
                arr(&c, "/volumeMounts")
                    .into_iter()
                    .filter(|m| names.contains(&s(m, "/name")) && m.get("subPath").is_none())
                    .map(move |m| (k.clone(), s(&m, "/mountPath")))
            })
            .collect();
        out.sort();
        out
    };
    let got = mounts(rendered, &["config".to_string()]);
    for (c, path) in mounts(tpl, vols) {
        let field = format!("pod.containers.{c}.volumeMounts.{path}.configFiles");
        if got.contains(&(c.clone(), path.clone())) {
            notes.push(Note::new(Part::Exact, id, &field, ""));
        } else {
            notes.push(
                Note::new(
                    Part::Lossy,
                    id,
                    &field,
                    format!("{c} does not mount configFiles at {path} in the render"),
                )
                .hatch("mount it with the sidecar's volumeMounts (name: config)"),
            );
        }
    }
}

/// A Service against the rendered Service of the same name, field by field.
fn service(svc: &Input, r: &Value, w: &Value, wr: &Value, notes: &mut Vec<Note>) {
    let (pod, rpod) = (
        get(&pod_template(w), "/spec"),
        get(&pod_template(wr), "/spec"),
    );
    let (labels, rlabels) = (
        get(&pod_template(w), "/metadata/labels"),
        get(&pod_template(wr), "/metadata/labels"),
    );
    let explicit = fields::service(&svc.value, &pod, &labels, false);
    let want = fields::service(&svc.value, &pod, &labels, true);
    let got = fields::service(r, &rpod, &rlabels, true);
    fields::compare(&svc.id(), &explicit, &want, &got, &|_| false, notes);
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
