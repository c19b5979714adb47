//! A workload's Services → the chart's port and Service keys, names kept: the main port (the
//! container port the main Service targets) with its name and protocol; the main Service (its
//! name as `service.name`, type, traffic settings and every port with number, name, protocol,
//! appProtocol, targetPort and nodePort); more Services for the same pods as `extraServices`; a
//! StatefulSet's headless governing Service (`<object>-headless`, rendered by the chart itself).
//! What the chart cannot name is said, with what to do.
use serde_json::{Map, Value, json};

use super::objects::{Input, arr, get, obj, s, set};
use super::{Note, Part};

/// A Service port's target as Kubernetes defaults it: absent, `0` or `""` is the port itself.
pub(crate) fn target(p: &Value) -> Value {
    match p.get("targetPort") {
        None | Some(Value::Null) => get(p, "/port"),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => get(p, "/port"),
        Some(Value::String(x)) if x.is_empty() => get(p, "/port"),
        Some(x) => x.clone(),
    }
}

/// Whether the Service is headless (`clusterIP: None`).
pub(crate) fn headless(svc: &Value) -> bool {
    s(svc, "/spec/clusterIP") == "None"
}

/// The number a target (a port number or a container port name) stands for in a pod.
pub(crate) fn resolve(pod: &Value, t: &Value) -> Option<u64> {
    match t {
        Value::Number(n) => n.as_u64(),
        Value::String(name) => ["/containers", "/initContainers"]
            .iter()
            .flat_map(|k| arr(pod, k))
            .flat_map(|c| arr(&c, "/ports"))
            .find(|p| s(p, "/name") == *name)
            .and_then(|p| p.get("containerPort").and_then(Value::as_u64)),
        _ => None,
    }
}

/// The main container port: its number, name (`""`: none in the input) and protocol.
#[derive(Debug, Clone, Default)]
pub(crate) struct MainPort {
    pub number: Option<u64>,
    pub name: String,
    pub protocol: String,
}

/// The Service the chart renders as the service's own: for a StatefulSet one that is not its
/// headless `<object>-headless`; the one named like the workload, else the first.
pub(crate) fn pick_main<'a>(object: &str, sts: bool, selecting: &[&'a Input]) -> Option<&'a Input> {
    let own = format!("{object}-headless");
    let candidates: Vec<&Input> = selecting
        .iter()
        .copied()
        .filter(|x| !(sts && x.name == own))
        .collect();
    candidates
        .iter()
        .find(|x| x.name == object)
        .or_else(|| candidates.iter().find(|x| !headless(&x.value)))
        .or_else(|| candidates.first())
        .copied()
}

/// The main port: the container port the main Service's first port targets, else the main
/// container's first port; the Service port's name when the container port has none.
pub(crate) fn main_port(pod: &Value, main: &Value, svc: Option<&Input>) -> MainPort {
    let ports = arr(main, "/ports");
    let first_svc_port = svc.and_then(|x| arr(&x.value, "/spec/ports").first().cloned());
    let from_container = |p: &Value| MainPort {
        number: p.get("containerPort").and_then(Value::as_u64),
        name: s(p, "/name"),
        protocol: p
            .get("protocol")
            .and_then(Value::as_str)
            .unwrap_or("TCP")
            .to_string(),
    };
    let Some(sp) = first_svc_port else {
        return ports.first().map(from_container).unwrap_or_default();
    };
    let t = target(&sp);
    let number = resolve(pod, &t);
    let found = ports
        .iter()
        .find(|p| number.is_some() && p.get("containerPort").and_then(Value::as_u64) == number);
    let mut mp = match found {
        Some(p) => from_container(p),
        None => MainPort {
            number,
            name: String::new(),
            protocol: sp
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP")
                .to_string(),
        },
    };
    let svc_name = s(&sp, "/name");
    if mp.name.is_empty() {
        mp.name = svc_name;
    }
    mp
}

/// Traffic settings of a Service kept as they are (Kubernetes' defaults left out).
fn traffic(svc: &Value, out: &mut Map<String, Value>) {
    let spec = get(svc, "/spec");
    for k in [
        "externalTrafficPolicy",
        "internalTrafficPolicy",
        "loadBalancerClass",
    ] {
        let x = s(&spec, &format!("/{k}"));
        if !x.is_empty() && x != "Cluster" {
            out.insert(k.into(), json!(x));
        }
    }
    let aff = s(&spec, "/sessionAffinity");
    if !aff.is_empty() && aff != "None" {
        out.insert("sessionAffinity".into(), json!(aff));
    }
    if spec.get("publishNotReadyAddresses") == Some(&json!(true)) {
        out.insert("publishNotReadyAddresses".into(), json!(true));
    }
    if let Some(r) = spec
        .get("loadBalancerSourceRanges")
        .filter(|r| r.is_array())
    {
        out.insert("loadBalancerSourceRanges".into(), r.clone());
    }
    if let Some(a) = svc
        .pointer("/metadata/annotations")
        .filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
    {
        out.insert("annotations".into(), a.clone());
    }
    let ty = s(&spec, "/type");
    if headless(svc) {
        out.insert("headless".into(), json!(true));
    } else if !ty.is_empty() && ty != "ClusterIP" {
        out.insert("type".into(), json!(ty));
    }
}

/// A Service port as the chart's `{name, port, targetPort, protocol, appProtocol, nodePort}`
/// (`name` given when the input has none).
fn port_item(p: &Value, name: &str) -> Value {
    let port = get(p, "/port");
    let t = target(p);
    obj(vec![
        ("name", json!(name)),
        ("port", port.clone()),
        ("targetPort", if t == port { Value::Null } else { t }),
        (
            "protocol",
            match s(p, "/protocol").as_str() {
                "" | "TCP" => Value::Null,
                x => json!(x),
            },
        ),
        ("appProtocol", get(p, "/appProtocol")),
        ("nodePort", get(p, "/nodePort")),
    ])
}

/// The name a port gets when the input has none (Kubernetes needs names only with two ports).
fn port_name(p: &Value, i: usize, mp: &MainPort, pod: &Value) -> String {
    let n = s(p, "/name");
    if !n.is_empty() {
        return n;
    }
    if resolve(pod, &target(p)) == mp.number && !mp.name.is_empty() {
        return mp.name.clone();
    }
    format!(
        "port-{}",
        if i == 0 { s(p, "/port") } else { i.to_string() }
    )
}

/// The workload's Services as values: `service` (the main one), `extraServices`, and what the
/// chart cannot keep. `object` is the rendered object name.
pub(crate) struct Services<'a> {
    pub w: &'a Input,
    pub object: &'a str,
    pub pod: &'a Value,
    pub main_port: &'a MainPort,
}

impl Services<'_> {
    pub(crate) fn values(&self, selecting: &[&Input], v: &mut Value, notes: &mut Vec<Note>) {
        let sts = self.w.kind == "StatefulSet";
        let own_headless = format!("{}-headless", self.object);
        let main = pick_main(self.object, sts, selecting);
        let mut extra = Vec::new();
        for svc in selecting {
            if sts && svc.name == own_headless {
                continue; // rendered by the chart itself, compared by the proof
            }
            if main.is_some_and(|m| m.id() == svc.id()) {
                set(v, "service", self.main_service(svc, notes));
                continue;
            }
            let prefix = format!("{}-", self.object);
            match svc.name.strip_prefix(&prefix) {
                Some(suffix) if crate::core::base::names::check(suffix).is_ok() => {
                    extra.push(self.extra_service(svc, suffix));
                }
                _ => notes.push(
                    Note::new(
                        Part::Lossy,
                        &svc.id(),
                        "metadata.name",
                        format!(
                            "a second Service for the same pods is named <object>-<name> by the chart ({prefix}…), and {} is not",
                            svc.name
                        ),
                    )
                    .hatch(format!(
                        "rename it {prefix}<name> (clients change), or keep applying it beside the release with the selector app.kubernetes.io/component and instance of the release"
                    )),
                ),
            }
        }
        if !extra.is_empty() {
            set(v, "extraServices", Value::Array(extra));
        }
        if main.is_none() && !matches!(self.w.kind.as_str(), "Job" | "CronJob") {
            set(v, "service", json!({"enabled": false}));
        }
    }

    fn main_service(&self, svc: &Input, notes: &mut Vec<Note>) -> Value {
        let mut out = Map::new();
        if svc.name != self.object {
            out.insert("name".into(), json!(svc.name));
        }
        traffic(&svc.value, &mut out);
        let ports = arr(&svc.value, "/spec/ports");
        let mp = self.main_port;
        if let Some(p) = ports.first() {
            let number = mp.number.map(|n| json!(n)).unwrap_or(Value::Null);
            let port = get(p, "/port");
            if port != number {
                out.insert("port".into(), port);
            }
            match p.get("targetPort") {
                Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n > 0) => {
                    out.insert("targetPort".into(), json!(n));
                }
                Some(Value::String(t)) if !t.is_empty() && *t != mp.name => {
                    out.insert("targetPort".into(), json!(t));
                }
                _ => {}
            }
            for k in ["nodePort", "appProtocol"] {
                if let Some(x) = p.get(k).filter(|x| !x.is_null()) {
                    out.insert(k.into(), x.clone());
                }
            }
            let name = s(p, "/name");
            if !name.is_empty() && name != mp.name {
                notes.push(
                    Note::new(
                        Part::Lossy,
                        &svc.id(),
                        &format!("spec.ports.{name}"),
                        format!(
                            "the main Service port and the main container port share one name in the chart ({}), not {name}",
                            mp.name
                        ),
                    )
                    .hatch("give both ports the same name in the manifests before importing"),
                );
            }
        }
        let rest: Vec<Value> = ports
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, p)| port_item(p, &port_name(p, i, mp, self.pod)))
            .collect();
        if !rest.is_empty() {
            out.insert("ports".into(), Value::Array(rest));
        }
        Value::Object(out)
    }

    fn extra_service(&self, svc: &Input, suffix: &str) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), json!(suffix));
        traffic(&svc.value, &mut out);
        let ports: Vec<Value> = arr(&svc.value, "/spec/ports")
            .iter()
            .enumerate()
            .map(|(i, p)| port_item(p, &port_name(p, i, self.main_port, self.pod)))
            .collect();
        if !ports.is_empty() {
            out.insert("ports".into(), Value::Array(ports));
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_port_of_zero_or_none_is_the_port() {
        assert_eq!(target(&json!({"port": 80, "targetPort": 0})), json!(80));
        assert_eq!(target(&json!({"port": 80})), json!(80));
        assert_eq!(
            target(&json!({"port": 80, "targetPort": "web"})),
            json!("web")
        );
    }

    #[test]
    fn the_main_port_is_what_the_service_targets_named_by_the_service_when_unnamed() {
        let main =
            json!({"ports": [{"containerPort": 9090, "name": "metrics"}, {"containerPort": 7070}]});
        let pod = json!({"containers": [main.clone()]});
        let svc = Input {
            kind: "Service".into(),
            name: "cart".into(),
            value: json!({"spec": {"ports": [{"name": "grpc", "port": 7070, "targetPort": 7070}]}}),
            origin: "t:1".into(),
        };
        let mp = main_port(&pod, &main, Some(&svc));
        assert_eq!(mp.number, Some(7070));
        assert_eq!(mp.name, "grpc");
        assert_eq!(mp.protocol, "TCP");
    }
}
