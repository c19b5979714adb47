//! The proof's field-by-field comparison of a workload or a Service with its render, after
//! Kubernetes' defaulting on both sides (targetPort absent or 0 = the port, protocol TCP, probe
//! timings, pull policy from the tag, strategy, restart and DNS policy, …).
//!
//! Each object is projected into leaves (`containers.main.ports.7070/TCP.name`), once as
//! written and once defaulted. The fields compared are every leaf the input sets, plus every
//! default it relies on that the render changes. A field is exact when the defaulted values are
//! equal; otherwise changed on purpose when the platform decides it (a rule below says why and
//! how to keep the old behaviour), else not expressible. What the render adds that the input
//! never had is said once per object, and not counted (the figure is about the input's fields).
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::network::{headless, resolve, target};
use super::objects::{POD_KEYS, arr, default_pull_policy, get, pod_template, s, tool_key};
use super::{Note, Part};

/// Leaves by dotted path.
pub(crate) type Leaves = BTreeMap<String, Value>;

fn flatten(prefix: &str, v: &Value, out: &mut Leaves) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) if a.iter().any(Value::is_object) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        Value::Null => {}
        Value::Object(_) => {}
        Value::Array(a) if a.is_empty() => {}
        _ => {
            out.insert(prefix.to_string(), norm(v));
        }
    }
}

/// Numbers as their text (quantities: `1` and `"1"`), everything else as is.
fn norm(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
        _ => v.clone(),
    }
}

/// `m[k]`, or `d` when `defaults` and the key is absent.
fn put(m: &mut Map<String, Value>, k: &str, x: Option<&Value>, d: Option<Value>, defaults: bool) {
    match (x, d) {
        (Some(x), _) if !x.is_null() => {
            m.insert(k.into(), x.clone());
        }
        (_, Some(d)) if defaults => {
            m.insert(k.into(), d);
        }
        _ => {}
    }
}

/// Every key of `v` not in `handled` taken as it is: what the projection has no rule for is still
/// compared (lost in the render → not expressible), never silently dropped.
fn rest(m: &mut Map<String, Value>, v: &Value, handled: &[&str]) {
    if let Value::Object(o) = v {
        for (k, x) in o {
            if !handled.contains(&k.as_str()) && !m.contains_key(k) {
                m.insert(k.clone(), x.clone());
            }
        }
    }
}

/// A probe, its ports as numbers (names resolved in its container).
fn probe(p: &Value, c: &Value, defaults: bool) -> Value {
    let mut out = Map::new();
    let port_of = |x: &Value| match x {
        Value::String(n) => arr(c, "/ports")
            .iter()
            .find(|q| s(q, "/name") == *n)
            .map(|q| get(q, "/containerPort"))
            .unwrap_or_else(|| x.clone()),
        _ => x.clone(),
    };
    if let Some(h) = p.get("httpGet") {
        let mut m = Map::new();
        put(&mut m, "path", h.get("path"), Some(json!("/")), defaults);
        m.insert("port".into(), port_of(&get(h, "/port")));
        put(
            &mut m,
            "scheme",
            h.get("scheme"),
            Some(json!("HTTP")),
            defaults,
        );
        put(&mut m, "host", h.get("host"), None, defaults);
        put(&mut m, "httpHeaders", h.get("httpHeaders"), None, defaults);
        out.insert("httpGet".into(), Value::Object(m));
    }
    if let Some(t) = p.get("tcpSocket") {
        out.insert(
            "tcpSocket".into(),
            json!({"port": port_of(&get(t, "/port"))}),
        );
    }
    if let Some(g) = p.get("grpc") {
        let mut m = Map::new();
        m.insert("port".into(), get(g, "/port"));
        put(
            &mut m,
            "service",
            g.get("service"),
            Some(json!("")),
            defaults,
        );
        out.insert("grpc".into(), Value::Object(m));
    }
    if let Some(e) = p.get("exec") {
        out.insert("exec".into(), e.clone());
    }
    for (k, d) in [
        ("initialDelaySeconds", 0),
        ("periodSeconds", 10),
        ("timeoutSeconds", 1),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ] {
        put(&mut out, k, p.get(k), Some(json!(d)), defaults);
    }
    put(
        &mut out,
        "terminationGracePeriodSeconds",
        p.get("terminationGracePeriodSeconds"),
        None,
        defaults,
    );
    Value::Object(out)
}

/// A container's fields.
/// A container's fields; its mounts by path, each with what is mounted there (volume names
/// are the pod's own: what matters is which source is mounted where).
fn container(c: &Value, defaults: bool, vols: &Map<String, Value>) -> Value {
    let mut m = Map::new();
    put(&mut m, "name", c.get("name"), None, defaults);
    let image = s(c, "/image");
    put(&mut m, "image", c.get("image"), None, defaults);
    put(
        &mut m,
        "imagePullPolicy",
        c.get("imagePullPolicy"),
        Some(json!(default_pull_policy(&image))),
        defaults,
    );
    for k in [
        "command",
        "args",
        "workingDir",
        "envFrom",
        "lifecycle",
        "securityContext",
    ] {
        put(&mut m, k, c.get(k), None, defaults);
    }
    let mut env = Map::new();
    for e in arr(c, "/env") {
        let v = e
            .get("valueFrom")
            .cloned()
            .unwrap_or_else(|| e.get("value").cloned().unwrap_or(json!("")));
        env.insert(s(&e, "/name"), v);
    }
    if !env.is_empty() {
        m.insert("env".into(), Value::Object(env));
    }
    let mut ports = Map::new();
    for p in arr(c, "/ports") {
        let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
        let mut x = Map::new();
        put(&mut x, "name", p.get("name"), None, defaults);
        put(&mut x, "hostPort", p.get("hostPort"), None, defaults);
        put(
            &mut x,
            "protocol",
            p.get("protocol"),
            Some(json!("TCP")),
            defaults,
        );
        x.insert("containerPort".into(), get(&p, "/containerPort"));
        ports.insert(
            format!("{}/{proto}", s(&p, "/containerPort")),
            Value::Object(x),
        );
    }
    if !ports.is_empty() {
        m.insert("ports".into(), Value::Object(ports));
    }
    if let Some(r) = c.get("resources") {
        m.insert("resources".into(), r.clone());
    }
    for k in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get(k) {
            m.insert(k.into(), probe(p, c, defaults));
        }
    }
    let mut mounts = Map::new();
    for v in arr(c, "/volumeMounts") {
        let mut x = Map::new();
        let name = s(&v, "/name");
        // One field: the whole source as text (an emptyDir {} is a source too).
        let source = vols
            .get(&name)
            .cloned()
            .unwrap_or_else(|| json!({"claimTemplate": name}));
        x.insert("source".into(), json!(source.to_string()));
        put(
            &mut x,
            "readOnly",
            v.get("readOnly"),
            Some(json!(false)),
            defaults,
        );
        put(&mut x, "subPath", v.get("subPath"), None, defaults);
        mounts.insert(s(&v, "/mountPath"), Value::Object(x));
    }
    if !mounts.is_empty() {
        m.insert("volumeMounts".into(), Value::Object(mounts));
    }
    for (k, d) in [
        ("terminationMessagePath", "/dev/termination-log"),
        ("terminationMessagePolicy", "File"),
    ] {
        put(&mut m, k, c.get(k), Some(json!(d)), defaults);
    }
    rest(
        &mut m,
        c,
        &[
            "name",
            "image",
            "imagePullPolicy",
            "command",
            "args",
            "workingDir",
            "envFrom",
            "lifecycle",
            "securityContext",
            "env",
            "ports",
            "resources",
            "livenessProbe",
            "readinessProbe",
            "startupProbe",
            "volumeMounts",
        ],
    );
    Value::Object(m)
}

/// Labels and annotations without those the chart and the tools set themselves.
fn own_meta(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !tool_key(k))
                .map(|(k, x)| (k.clone(), x.clone()))
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// The pod template's fields (`skip`: volumes not compared here, such as configFiles').
fn pod(tpl: &Value, defaults: bool, long: bool, skip: &[String]) -> Value {
    let spec = get(tpl, "/spec");
    let mut m = Map::new();
    m.insert("labels".into(), own_meta(&get(tpl, "/metadata/labels")));
    m.insert(
        "annotations".into(),
        own_meta(&get(tpl, "/metadata/annotations")),
    );
    for (k, d) in [
        ("serviceAccountName", None),
        ("terminationGracePeriodSeconds", Some(json!(30))),
        ("dnsPolicy", Some(json!("ClusterFirst"))),
        (
            "restartPolicy",
            if long { Some(json!("Always")) } else { None },
        ),
        ("hostNetwork", Some(json!(false))),
        ("hostPID", Some(json!(false))),
        ("hostIPC", Some(json!(false))),
        ("automountServiceAccountToken", Some(json!(true))),
        ("schedulerName", Some(json!("default-scheduler"))),
    ] {
        put(&mut m, k, spec.get(k), d, defaults);
    }
    for k in POD_KEYS.iter().copied().chain([
        "securityContext",
        "shareProcessNamespace",
        "hostname",
        "subdomain",
        "enableServiceLinks",
        "preemptionPolicy",
        "overhead",
        "readinessGates",
    ]) {
        put(&mut m, k, spec.get(k), None, defaults);
    }
    let secrets: Vec<Value> = arr(&spec, "/imagePullSecrets")
        .iter()
        .map(|x| get(x, "/name"))
        .collect();
    if !secrets.is_empty() {
        let mut secrets = secrets;
        secrets.sort_by_key(Value::to_string);
        m.insert("imagePullSecrets".into(), Value::Array(secrets));
    }
    let mut vols = Map::new();
    for v in arr(&spec, "/volumes") {
        let name = s(&v, "/name");
        if skip.contains(&name) {
            continue;
        }
        let mut src = v.clone();
        if let Value::Object(o) = &mut src {
            o.remove("name");
            for k in ["configMap", "secret"] {
                if let Some(Value::Object(x)) = o.get_mut(k)
                    && defaults
                {
                    x.entry("defaultMode").or_insert(json!(420));
                }
            }
        }
        vols.insert(name, src);
    }
    let containers = arr(&spec, "/containers");
    let mut cs = Map::new();
    let psc = get(&spec, "/securityContext");
    let effective = |c: &Value| -> Value {
        // A container runs with the pod's settings it does not override (Kubernetes' rule).
        let mut c = c.clone();
        if defaults && let Value::Object(o) = &mut c {
            let sc = o.entry("securityContext").or_insert(json!({}));
            for k in ["runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile"] {
                if let (Some(x), Value::Object(m)) = (psc.get(k), &mut *sc) {
                    m.entry(k).or_insert(x.clone());
                }
            }
        }
        c
    };
    for (i, c) in containers.iter().enumerate() {
        let c = effective(c);
        let key = if i == 0 {
            "main".to_string()
        } else {
            s(&c, "/name")
        };
        cs.insert(key, strip_mounts(container(&c, defaults, &vols), skip, &c));
    }
    m.insert("containers".into(), Value::Object(cs));
    let mut inits = Map::new();
    for c in arr(&spec, "/initContainers") {
        let c = effective(&c);
        inits.insert(
            s(&c, "/name"),
            strip_mounts(container(&c, defaults, &vols), skip, &c),
        );
    }
    if !inits.is_empty() {
        m.insert("initContainers".into(), Value::Object(inits));
    }
    rest(
        &mut m,
        &spec,
        &[
            "volumes",
            "containers",
            "initContainers",
            "imagePullSecrets",
        ],
    );
    Value::Object(m)
}

/// A container's fields without the mounts of skipped volumes.
fn strip_mounts(mut fields: Value, skip: &[String], c: &Value) -> Value {
    let gone: Vec<String> = arr(c, "/volumeMounts")
        .iter()
        .filter(|m| skip.contains(&s(m, "/name")))
        .map(|m| s(m, "/mountPath"))
        .collect();
    if let Some(Value::Object(m)) = fields.get_mut("volumeMounts") {
        m.retain(|p, _| !gone.contains(p));
    }
    fields
}

/// The spec keys `workload` has a rule for; every other key is compared as it is (`rest`).
const WORKLOAD_SPEC_KEYS: &[&str] = &[
    "replicas",
    "minReadySeconds",
    "revisionHistoryLimit",
    "progressDeadlineSeconds",
    "paused",
    "strategy",
    "updateStrategy",
    "serviceName",
    "podManagementPolicy",
    "volumeClaimTemplates",
    "selector",
    "template",
    "schedule",
    "timeZone",
    "concurrencyPolicy",
    "suspend",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
    "startingDeadlineSeconds",
    "jobTemplate",
    "backoffLimit",
    "completions",
    "parallelism",
    "activeDeadlineSeconds",
    "ttlSecondsAfterFinished",
    "manualSelector",
];

/// A workload's fields: its spec by kind, and its pod template.
pub(crate) fn workload(w: &Value, defaults: bool, hpa: bool, skip: &[String]) -> Leaves {
    let kind = s(w, "/kind");
    let spec = get(w, "/spec");
    let mut m = Map::new();
    let long = !matches!(kind.as_str(), "Job" | "CronJob");
    if matches!(kind.as_str(), "Deployment" | "StatefulSet") {
        scale_fields(&mut m, &spec, defaults, hpa);
    }
    match kind.as_str() {
        "Deployment" => {
            m.insert("strategy".into(), deployment_strategy(&spec, defaults));
        }
        "StatefulSet" | "DaemonSet" => {
            let stateful = kind == "StatefulSet";
            if stateful {
                stateful_fields(&mut m, &spec, defaults);
            }
            m.insert(
                "updateStrategy".into(),
                update_strategy(&spec, stateful, defaults),
            );
        }
        "CronJob" => cron_fields(&mut m, &spec, defaults),
        _ => {}
    }
    if matches!(kind.as_str(), "Job" | "CronJob") {
        let job = if kind == "CronJob" {
            get(&spec, "/jobTemplate/spec")
        } else {
            spec.clone()
        };
        m.insert("job".into(), job_fields(&job, defaults));
    }
    let mut other = Map::new();
    rest(&mut other, &spec, WORKLOAD_SPEC_KEYS);
    if !other.is_empty() {
        m.insert("spec".into(), Value::Object(other));
    }
    m.insert("pod".into(), pod(&pod_template(w), defaults, long, skip));
    let mut out = Leaves::new();
    flatten("", &Value::Object(m), &mut out);
    out
}

/// A Deployment's or StatefulSet's scale and rollout pacing (`replicas` only without an HPA,
/// which owns it then).
fn scale_fields(m: &mut Map<String, Value>, spec: &Value, defaults: bool, hpa: bool) {
    if !hpa {
        put(
            m,
            "replicas",
            spec.get("replicas"),
            Some(json!(1)),
            defaults,
        );
    }
    for k in [
        "minReadySeconds",
        "revisionHistoryLimit",
        "progressDeadlineSeconds",
        "paused",
    ] {
        put(m, k, spec.get(k), None, defaults);
    }
}

/// A strategy's `type` (Kubernetes' default: a rolling update).
fn strategy_type(st: &Value, defaults: bool) -> Map<String, Value> {
    let mut x = Map::new();
    put(
        &mut x,
        "type",
        st.get("type"),
        Some(json!("RollingUpdate")),
        defaults,
    );
    x
}

/// A Deployment's `strategy`; the surge and unavailability only for a rolling update.
fn deployment_strategy(spec: &Value, defaults: bool) -> Value {
    let st = get(spec, "/strategy");
    let mut x = strategy_type(&st, defaults);
    if s(&st, "/type").is_empty() || s(&st, "/type") == "RollingUpdate" {
        let r = get(&st, "/rollingUpdate");
        for k in ["maxSurge", "maxUnavailable"] {
            put(&mut x, k, r.get(k), Some(json!("25%")), defaults);
        }
    }
    Value::Object(x)
}

/// A StatefulSet's or DaemonSet's `updateStrategy`: a partition for the first, the surge and
/// unavailability for the second.
fn update_strategy(spec: &Value, stateful: bool, defaults: bool) -> Value {
    let st = get(spec, "/updateStrategy");
    let mut x = strategy_type(&st, defaults);
    let r = get(&st, "/rollingUpdate");
    if stateful {
        put(
            &mut x,
            "partition",
            r.get("partition"),
            Some(json!(0)),
            defaults,
        );
    } else {
        for (k, d) in [("maxUnavailable", 1), ("maxSurge", 0)] {
            put(&mut x, k, r.get(k), Some(json!(d)), defaults);
        }
    }
    Value::Object(x)
}

/// A StatefulSet's own fields: its governing Service, pod management and claim templates (by
/// name: storage, access, class and mode).
fn stateful_fields(m: &mut Map<String, Value>, spec: &Value, defaults: bool) {
    put(m, "serviceName", spec.get("serviceName"), None, defaults);
    put(
        m,
        "podManagementPolicy",
        spec.get("podManagementPolicy"),
        Some(json!("OrderedReady")),
        defaults,
    );
    let mut claims = Map::new();
    for t in arr(spec, "/volumeClaimTemplates") {
        let mut c = Map::new();
        for (k, at, d) in [
            ("storage", "/spec/resources/requests/storage", None),
            ("accessModes", "/spec/accessModes", None),
            ("storageClassName", "/spec/storageClassName", None),
            ("volumeMode", "/spec/volumeMode", Some(json!("Filesystem"))),
        ] {
            put(&mut c, k, t.pointer(at), d, defaults);
        }
        claims.insert(s(&t, "/metadata/name"), Value::Object(c));
    }
    if !claims.is_empty() {
        m.insert("volumeClaimTemplates".into(), Value::Object(claims));
    }
}

/// A CronJob's schedule and history fields.
fn cron_fields(m: &mut Map<String, Value>, spec: &Value, defaults: bool) {
    for (k, d) in [
        ("schedule", None),
        ("timeZone", None),
        ("concurrencyPolicy", Some(json!("Allow"))),
        ("suspend", Some(json!(false))),
        ("successfulJobsHistoryLimit", Some(json!(3))),
        ("failedJobsHistoryLimit", Some(json!(1))),
        ("startingDeadlineSeconds", None),
    ] {
        put(m, k, spec.get(k), d, defaults);
    }
}

/// A Job's (or a CronJob's job template's) retry, completion and deadline fields.
fn job_fields(job: &Value, defaults: bool) -> Value {
    let mut x = Map::new();
    for (k, d) in [
        ("backoffLimit", Some(json!(6))),
        ("completions", None),
        ("parallelism", None),
        ("activeDeadlineSeconds", None),
        ("ttlSecondsAfterFinished", None),
    ] {
        put(&mut x, k, job.get(k), d, defaults);
    }
    Value::Object(x)
}

/// A Service's fields; target ports as numbers through `pod` (the pods it selects), and
/// whether it selects exactly those pods.
pub(crate) fn service(svc: &Value, pod: &Value, pod_labels: &Value, defaults: bool) -> Leaves {
    let spec = get(svc, "/spec");
    let mut m = Map::new();
    m.insert("name".into(), get(svc, "/metadata/name"));
    m.insert(
        "annotations".into(),
        own_meta(&get(svc, "/metadata/annotations")),
    );
    let ty = s(&spec, "/type");
    put(
        &mut m,
        "type",
        spec.get("type"),
        Some(json!("ClusterIP")),
        defaults,
    );
    m.insert("headless".into(), json!(headless(svc)));
    let external = matches!(ty.as_str(), "NodePort" | "LoadBalancer");
    for (k, d) in [
        ("sessionAffinity", Some(json!("None"))),
        (
            "externalTrafficPolicy",
            if external {
                Some(json!("Cluster"))
            } else {
                None
            },
        ),
        ("internalTrafficPolicy", Some(json!("Cluster"))),
        ("publishNotReadyAddresses", Some(json!(false))),
        ("loadBalancerClass", None),
        ("loadBalancerSourceRanges", None),
        ("ipFamilyPolicy", None),
        ("externalName", None),
    ] {
        put(&mut m, k, spec.get(k), d, defaults);
    }
    let sel = get(&spec, "/selector");
    let selects = sel
        .as_object()
        .is_some_and(|x| !x.is_empty() && x.iter().all(|(k, v)| pod_labels.get(k) == Some(v)));
    m.insert("selectsTheWorkloadsPods".into(), json!(selects));
    let mut ports = Map::new();
    for p in arr(&spec, "/ports") {
        let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
        let mut x = Map::new();
        put(&mut x, "name", p.get("name"), None, defaults);
        put(
            &mut x,
            "protocol",
            p.get("protocol"),
            Some(json!("TCP")),
            defaults,
        );
        put(&mut x, "appProtocol", p.get("appProtocol"), None, defaults);
        put(&mut x, "nodePort", p.get("nodePort"), None, defaults);
        let t = target(&p);
        let resolved = resolve(pod, &t).map(|n| json!(n)).unwrap_or(t.clone());
        if defaults || p.get("targetPort").is_some() {
            x.insert("targetPort".into(), resolved);
        }
        ports.insert(format!("{}/{proto}", s(&p, "/port")), Value::Object(x));
    }
    m.insert("ports".into(), Value::Object(ports));
    // Addresses the API server assigns are not the team's: not compared.
    rest(
        &mut m,
        &spec,
        &[
            "type",
            "clusterIP",
            "clusterIPs",
            "ipFamilies",
            "selector",
            "ports",
            "healthCheckNodePort",
        ],
    );
    let mut out = Leaves::new();
    flatten("", &Value::Object(m), &mut out);
    out
}

/// Why the platform changes a field on purpose, and how to keep the old behaviour (`None`:
/// the field is simply not expressible).
fn purpose(path: &str) -> Option<(&'static str, &'static str)> {
    if path.ends_with("automountServiceAccountToken") {
        return Some((
            "no API token is mounted unless the service is granted API access",
            "rbac.enabled with rbac.rules (the token is then mounted)",
        ));
    }
    if path.contains("securityContext") {
        return Some((
            "Pod Security \"restricted\" by default (non-root, read-only root filesystem, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp)",
            "loosen one setting under security, only if the image needs it",
        ));
    }
    if path.ends_with("enableServiceLinks") {
        return Some((
            "no <SERVICE>_SERVICE_HOST variables for every Service of the namespace: services are found by DNS name",
            "address the Service by its name (the names are kept)",
        ));
    }
    if path == "pod.containers.main.name" {
        return Some((
            "the chart names the main container after the service",
            "a script or annotation naming the old container (kubectl logs -c, kubectl.kubernetes.io/default-container) must name the service instead; kubectl logs deploy/<name> picks the main container by itself",
        ));
    }
    if path == "serviceName" {
        return Some((
            "the chart's StatefulSet is governed by its own headless Service <object>-headless: pod DNS names become <pod>.<object>-headless",
            "clients of <pod>.<old service> must use the new name; the old Service itself is kept",
        ));
    }
    if path == "publishNotReadyAddresses" {
        return Some((
            "the chart's headless Service of a StatefulSet publishes pods before they are ready, so its pods find each other while starting",
            "none needed: the ClusterIP Service still sends traffic to ready pods only",
        ));
    }
    if path == "revisionHistoryLimit" {
        return Some((
            "the chart keeps 5 old ReplicaSets",
            "none needed: rollbacks go through helm",
        ));
    }
    None
}

/// Compares the input's leaves with the render's: one note per field.
pub(crate) fn compare(
    id: &str,
    explicit: &Leaves,
    want: &Leaves,
    got: &Leaves,
    skip: &dyn Fn(&str) -> bool,
    notes: &mut Vec<Note>,
) {
    let mut fields: Vec<&String> = explicit.keys().collect();
    for (k, v) in want {
        if !explicit.contains_key(k) && got.get(k) != Some(v) {
            fields.push(k);
        }
    }
    fields.sort();
    fields.dedup();
    for f in fields {
        if skip(f) {
            continue;
        }
        let (w, g) = (want.get(f), got.get(f));
        if w == g {
            notes.push(Note::new(Part::Exact, id, f, ""));
            continue;
        }
        let relied = !explicit.contains_key(f);
        let said = format!(
            "rendered {} instead of {}{}",
            show(g),
            show(w),
            if relied { " (Kubernetes' default)" } else { "" }
        );
        match purpose(f) {
            // A default the input relied on, changed by the platform: said as an addition.
            Some((why, keep)) if relied => notes.push(
                Note::new(Part::Changed, id, f, format!("{why}: {said}"))
                    .hatch(keep)
                    .added(),
            ),
            Some((why, keep)) => {
                notes.push(Note::new(Part::Changed, id, f, format!("{why}: {said}")).hatch(keep))
            }
            None => notes.push(Note::new(Part::Lossy, id, f, said)),
        }
    }
    let added: Vec<&str> = got
        .keys()
        .filter(|k| !want.contains_key(*k) && !skip(k))
        .map(String::as_str)
        .collect();
    if !added.is_empty() {
        let mut groups: Vec<String> = Vec::new();
        for a in &added {
            let g = group(a);
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        notes.push(
            Note::new(
                Part::Changed,
                id,
                "(added)",
                format!(
                    "the platform adds what the input did not set: {}",
                    groups.join(", ")
                ),
            )
            .added(),
        );
    }
}

/// The part of a path a list of additions names: `pod.containers.main.securityContext`.
fn group(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let n = if parts.first() == Some(&"pod") && parts.get(1) == Some(&"containers") {
        4
    } else {
        2
    };
    parts.iter().take(n).copied().collect::<Vec<_>>().join(".")
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(x) => {
            let t = x.to_string();
            if t.chars().count() > 80 {
                format!("{}…", t.chars().take(77).collect::<String>())
            } else {
                t
            }
        }
    }
}

/// What the API server would refuse in a rendered pod: two volumes of one name, two mounts at
/// one path in a container, two ports of one name in a container (one line each).
pub(crate) fn refused(kind: &str, name: &str, w: &Value) -> Vec<String> {
    let spec = get(&pod_template(w), "/spec");
    let mut out = Vec::new();
    let dup = |items: Vec<String>| -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        items
            .into_iter()
            .filter(|x| !x.is_empty() && !seen.insert(x.clone()))
            .collect()
    };
    for v in dup(arr(&spec, "/volumes")
        .iter()
        .map(|v| s(v, "/name"))
        .collect())
    {
        out.push(format!("{kind}/{name}: two volumes are named {v}"));
    }
    for c in arr(&spec, "/containers")
        .into_iter()
        .chain(arr(&spec, "/initContainers"))
    {
        let cn = s(&c, "/name");
        let vols: Vec<String> = arr(&spec, "/volumes")
            .iter()
            .map(|v| s(v, "/name"))
            .collect();
        let claims: Vec<String> = arr(w, "/spec/volumeClaimTemplates")
            .iter()
            .map(|v| s(v, "/metadata/name"))
            .collect();
        for m in arr(&c, "/volumeMounts") {
            let n = s(&m, "/name");
            if !vols.contains(&n) && !claims.contains(&n) {
                out.push(format!(
                    "{kind}/{name}: container {cn} mounts {n}, which the pod does not have"
                ));
            }
        }
        for p in dup(arr(&c, "/volumeMounts")
            .iter()
            .map(|m| s(m, "/mountPath"))
            .collect())
        {
            out.push(format!(
                "{kind}/{name}: container {cn} mounts two volumes at {p}"
            ));
        }
        for p in dup(arr(&c, "/ports").iter().map(|m| s(m, "/name")).collect()) {
            out.push(format!(
                "{kind}/{name}: container {cn} has two ports named {p}"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_make_a_bare_service_equal_to_an_explicit_one() {
        let pod = json!({"containers": [{"ports": [{"name": "grpc", "containerPort": 7070}]}]});
        let labels = json!({"app": "cart"});
        let bare = json!({"metadata": {"name": "cart"}, "spec": {"selector": {"app": "cart"}, "ports": [{"port": 7070, "targetPort": 0, "name": "grpc"}]}});
        let full = json!({"metadata": {"name": "cart"}, "spec": {"type": "ClusterIP", "selector": {"app": "cart"}, "ports": [{"port": 7070, "targetPort": "grpc", "protocol": "TCP", "name": "grpc"}]}});
        let a = service(&bare, &pod, &labels, true);
        let b = service(&full, &pod, &labels, true);
        assert_eq!(a, b);
        let mut notes = Vec::new();
        compare(
            "Service/cart",
            &service(&bare, &pod, &labels, false),
            &a,
            &b,
            &|_| false,
            &mut notes,
        );
        assert!(notes.iter().all(|n| n.part == Part::Exact), "{notes:?}");
    }
}
