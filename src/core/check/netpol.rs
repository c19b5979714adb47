//! Who may reach whom under the NetworkPolicies of a render: a pure evaluator of Kubernetes
//! NetworkPolicy semantics (networking.k8s.io/v1) over rendered objects. Nothing here talks to a
//! cluster or a CNI; helm's render is the input, and the API's documented rules are the meaning:
//!   - a pod is isolated for ingress (egress) when some policy of its namespace selects it and
//!     lists Ingress (Egress) in policyTypes (absent: Ingress, plus Egress when the policy has
//!     egress rules); a direction nothing isolates allows everything;
//!   - a connection is allowed when the source's egress and the destination's ingress both allow
//!     it; each direction allows the union of what the selecting policies' rules allow;
//!   - a rule matches when one of its peers matches (none listed: every peer) and one of its ports
//!     matches (none listed: every port; a port entry without `port`: every port of its protocol);
//!     a named port is the destination pod's container port of that name and protocol;
//!   - podSelector alone: pods of the policy's namespace; namespaceSelector (with an optional
//!     podSelector): pods of the namespaces whose labels match; ipBlock: addresses (cidr less
//!     except). ipBlocks match only addresses outside the cluster here: the API leaves pod IPs in
//!     ipBlocks to the implementation, and a render has no pod IPs.
//!
//! [`Network::reach`] gives the ports one actor may use to reach another; [`graph`] applies it
//! to every pod of a render and to the outside peers its policies name (other namespaces such as
//! DNS, the ingress controller's and monitoring's, address blocks, any address), which is what
//! `apwiz explain netpol` and the TUI's render pane print.
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;
use serde_json::Value;

/// Labels as the API has them.
pub(crate) type Labels = BTreeMap<String, String>;

/// A container port a named port in a policy can refer to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedPort {
    pub name: String,
    pub number: u16,
    pub protocol: String,
}

/// What an actor is: a pod of the render, or a peer outside it that a policy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    Pod,
    Namespace,
    Address,
    Anywhere,
}

/// Something that sends or receives: a pod (namespace, its labels and its namespace's labels,
/// named container ports) or an address outside the cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub name: String,
    pub kind: ActorKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip)]
    pub namespace_labels: Labels,
    #[serde(skip)]
    pub labels: Labels,
    #[serde(skip)]
    pub ports: Vec<NamedPort>,
    #[serde(skip)]
    pub ip: Option<IpAddr>,
}

impl Actor {
    /// A pod in `namespace` with `labels` and named ports (a namespace's labels are its
    /// `kubernetes.io/metadata.name`, as the API server sets it).
    pub(crate) fn pod(name: &str, namespace: &str, labels: Labels, ports: Vec<NamedPort>) -> Actor {
        Actor {
            name: name.into(),
            kind: ActorKind::Pod,
            namespace: Some(namespace.into()),
            namespace_labels: namespace_name_label(namespace),
            labels,
            ports,
            ip: None,
        }
    }

    /// A pod from literal labels and TCP ports (a pod outside the render, a test's actor).
    pub fn tcp_pod(
        name: &str,
        namespace: &str,
        labels: &[(&str, &str)],
        ports: &[(&str, u16)],
    ) -> Actor {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let ports = ports
            .iter()
            .map(|(n, p)| NamedPort {
                name: n.to_string(),
                number: *p,
                protocol: "TCP".into(),
            })
            .collect();
        Actor::pod(name, namespace, labels, ports)
    }

    /// An address outside the cluster.
    pub fn address(name: &str, ip: IpAddr) -> Actor {
        Actor {
            name: name.into(),
            kind: ActorKind::Address,
            namespace: None,
            namespace_labels: Labels::new(),
            labels: Labels::new(),
            ports: Vec::new(),
            ip: Some(ip),
        }
    }

    /// The container port named `name` (any protocol).
    pub fn port(&self, name: &str) -> Option<u16> {
        self.ports.iter().find(|p| p.name == name).map(|p| p.number)
    }
}

fn namespace_name_label(ns: &str) -> Labels {
    Labels::from([("kubernetes.io/metadata.name".to_string(), ns.to_string())])
}

fn labels_of(v: &Value) -> Labels {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// A label selector (matchLabels, matchExpressions); an empty or absent one matches everything.
/// An operator the API does not know matches nothing.
pub fn selects(sel: &Value, labels: &Labels) -> bool {
    let by_labels = labels_of(&sel["matchLabels"])
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v));
    let by_expressions = sel["matchExpressions"].as_array().is_none_or(|exprs| {
        exprs.iter().all(|e| {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&str> = e["values"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let have = labels.get(key).map(String::as_str);
            match e["operator"].as_str().unwrap_or_default() {
                "In" => have.is_some_and(|h| values.contains(&h)),
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                _ => false,
            }
        })
    });
    by_labels && by_expressions
}

/// A CIDR block (`10.0.0.0/8`, `2001:db8::/32`); `None` when it does not parse.
fn parse_cidr(cidr: &str) -> Option<(IpAddr, u32)> {
    let (addr, len) = cidr.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let len: u32 = len.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((addr, len))
}

/// Is `ip` in the block? A block that does not parse holds nothing.
pub(crate) fn in_cidr(ip: IpAddr, cidr: &str) -> bool {
    let Some((base, len)) = parse_cidr(cidr) else {
        return false;
    };
    match (ip, base) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Port sets

/// Ports `first..=last` of one protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PortRange {
    pub protocol: Protocol,
    pub first: u16,
    pub last: u16,
}

/// TCP, UDP or SCTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    /// The API's name (absent: TCP); `None` for a name the API does not know.
    pub(crate) fn parse(name: Option<&str>) -> Option<Protocol> {
        match name.unwrap_or("TCP") {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

/// The ports a connection may use: every port, or a set of ranges (empty: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ports {
    All,
    Some(Vec<PortRange>),
}

impl Ports {
    pub(crate) fn none() -> Ports {
        Ports::Some(Vec::new())
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Ports::Some(r) if r.is_empty())
    }

    pub(crate) fn contains(&self, port: u16, protocol: Protocol) -> bool {
        match self {
            Ports::All => true,
            Ports::Some(ranges) => ranges
                .iter()
                .any(|r| r.protocol == protocol && (r.first..=r.last).contains(&port)),
        }
    }

    fn union(self, other: Ports) -> Ports {
        match (self, other) {
            (Ports::All, _) | (_, Ports::All) => Ports::All,
            (Ports::Some(mut a), Ports::Some(b)) => {
                a.extend(b);
                Ports::Some(normalise(a))
            }
        }
    }

    fn intersect(&self, other: &Ports) -> Ports {
        match (self, other) {
            (Ports::All, x) | (x, Ports::All) => x.clone(),
            (Ports::Some(a), Ports::Some(b)) => {
                let mut out = Vec::new();
                for x in a {
                    for y in b.iter().filter(|y| y.protocol == x.protocol) {
                        let (first, last) = (x.first.max(y.first), x.last.min(y.last));
                        if first <= last {
                            out.push(PortRange {
                                protocol: x.protocol,
                                first,
                                last,
                            });
                        }
                    }
                }
                Ports::Some(normalise(out))
            }
        }
    }

    /// Each range as text (`8080/TCP`, `1000-2000/UDP`, `all TCP ports`), a port of `dest`
    /// named after it (`http 8080/TCP`); `any port` for every port.
    pub(crate) fn describe(&self, dest: &Actor) -> Vec<String> {
        let Ports::Some(ranges) = self else {
            return vec!["any port".into()];
        };
        ranges
            .iter()
            .map(|r| {
                let p = r.protocol.name();
                if r.first == 1 && r.last == u16::MAX {
                    format!("all {p} ports")
                } else if r.first == r.last {
                    let named = dest
                        .ports
                        .iter()
                        .find(|n| n.number == r.first && n.protocol == p);
                    match named {
                        Some(n) => format!("{} {}/{p}", n.name, r.first),
                        None => format!("{}/{p}", r.first),
                    }
                } else {
                    format!("{}-{}/{p}", r.first, r.last)
                }
            })
            .collect()
    }
}

/// Sorted, with overlapping and adjacent ranges of a protocol merged.
fn normalise(mut ranges: Vec<PortRange>) -> Vec<PortRange> {
    ranges.sort();
    let mut out: Vec<PortRange> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(l) if l.protocol == r.protocol && u32::from(r.first) <= u32::from(l.last) + 1 => {
                l.last = l.last.max(r.last);
            }
            _ => out.push(r),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The evaluator

/// Ingress (peers in `from`) or Egress (peers in `to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }
}

/// The NetworkPolicies of a render.
#[derive(Debug, Clone)]
pub struct Network {
    /// (namespace, policy): a policy without metadata.namespace is in the render's namespace.
    policies: Vec<(String, Value)>,
}

impl Network {
    /// The NetworkPolicies among `objects`; `namespace` is the render's (helm's `-n`).
    pub fn new<'a>(objects: impl IntoIterator<Item = &'a Value>, namespace: &str) -> Network {
        let policies = objects
            .into_iter()
            .filter(|o| o["kind"] == "NetworkPolicy")
            .map(|p| {
                let ns = p["metadata"]["namespace"].as_str().unwrap_or(namespace);
                (ns.to_string(), p.clone())
            })
            .collect();
        Network { policies }
    }

    pub(crate) fn len(&self) -> usize {
        self.policies.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The names of the policies selecting `pod` for `direction`, or `None` when the pod is not
    /// isolated that way.
    pub fn isolating<'a>(&'a self, pod: &'a Actor, direction: Direction) -> Option<Vec<&'a str>> {
        let names: Vec<&str> = self
            .selecting(pod, direction)
            .map(|(_, p)| p["metadata"]["name"].as_str().unwrap_or_default())
            .collect();
        (!names.is_empty()).then_some(names)
    }

    fn selecting<'a>(
        &'a self,
        pod: &'a Actor,
        direction: Direction,
    ) -> impl Iterator<Item = &'a (String, Value)> + 'a {
        self.policies.iter().filter(move |(ns, p)| {
            pod.namespace.as_deref() == Some(ns.as_str())
                && selects(&p["spec"]["podSelector"], &pod.labels)
                && match p["spec"]["policyTypes"].as_array() {
                    Some(t) => t.iter().any(|x| x == direction.name()),
                    None => direction == Direction::Ingress || p["spec"]["egress"].is_array(),
                }
        })
    }

    /// The ports `pod`'s side allows for a connection with `peer` (`Egress`: `pod` sends to
    /// `peer`; `Ingress`: `peer` sends to `pod`); `dest` owns the ports.
    fn side(&self, pod: &Actor, direction: Direction, peer: &Actor, dest: &Actor) -> Ports {
        let (rules_key, peers_key) = match direction {
            Direction::Egress => ("egress", "to"),
            Direction::Ingress => ("ingress", "from"),
        };
        let mut isolated = false;
        let mut allowed = Ports::none();
        for (ns, p) in self.selecting(pod, direction) {
            isolated = true;
            for rule in p["spec"][rules_key].as_array().into_iter().flatten() {
                if peers_match(&rule[peers_key], ns, peer) {
                    allowed = allowed.union(rule_ports(&rule["ports"], dest));
                }
            }
        }
        if isolated { allowed } else { Ports::All }
    }

    /// The ports `from` may reach `to` on: what `from`'s egress and `to`'s ingress both allow.
    pub(crate) fn reach(&self, from: &Actor, to: &Actor) -> Ports {
        self.side(from, Direction::Egress, to, to)
            .intersect(&self.side(to, Direction::Ingress, from, to))
    }

    /// May `from` reach `to` on `port`?
    pub fn allows(&self, from: &Actor, to: &Actor, port: u16, protocol: Protocol) -> bool {
        self.reach(from, to).contains(port, protocol)
    }
}

/// Does a rule's peer list (absent or empty: every peer) match `a`?
fn peers_match(peers: &Value, policy_ns: &str, a: &Actor) -> bool {
    match peers.as_array() {
        None => true,
        Some(list) if list.is_empty() => true,
        Some(list) => list.iter().any(|p| peer_matches(p, policy_ns, a)),
    }
}

/// Does one peer of a rule (of a policy in `policy_ns`) match the actor?
fn peer_matches(peer: &Value, policy_ns: &str, a: &Actor) -> bool {
    if let Some(block) = peer.get("ipBlock") {
        let Some(ip) = a.ip else {
            return false;
        };
        let except = block["except"].as_array().cloned().unwrap_or_default();
        return in_cidr(ip, block["cidr"].as_str().unwrap_or_default())
            && !except
                .iter()
                .any(|e| in_cidr(ip, e.as_str().unwrap_or_default()));
    }
    let Some(ns) = &a.namespace else {
        return false; // outside the cluster: only an ipBlock matches
    };
    let ns_ok = match peer.get("namespaceSelector") {
        Some(sel) => selects(sel, &a.namespace_labels),
        None => ns == policy_ns,
    };
    ns_ok
        && peer
            .get("podSelector")
            .is_none_or(|sel| selects(sel, &a.labels))
}

/// The ports a rule's port list allows on `dest` (absent or empty: every port).
fn rule_ports(ports: &Value, dest: &Actor) -> Ports {
    let Some(list) = ports.as_array().filter(|l| !l.is_empty()) else {
        return Ports::All;
    };
    let mut out = Vec::new();
    for e in list {
        let Some(protocol) = Protocol::parse(e["protocol"].as_str()) else {
            continue;
        };
        match &e["port"] {
            Value::Null => out.push(PortRange {
                protocol,
                first: 1,
                last: u16::MAX,
            }),
            Value::Number(n) => {
                let Some(first) = n.as_u64().and_then(|p| u16::try_from(p).ok()) else {
                    continue;
                };
                let last = e["endPort"]
                    .as_u64()
                    .and_then(|p| u16::try_from(p).ok())
                    .unwrap_or(first);
                if first <= last {
                    out.push(PortRange {
                        protocol,
                        first,
                        last,
                    });
                }
            }
            Value::String(name) => {
                let named = dest.ports.iter().find(|p| {
                    &p.name == name && Protocol::parse(Some(&p.protocol)) == Some(protocol)
                });
                if let Some(p) = named {
                    out.push(PortRange {
                        protocol,
                        first: p.number,
                        last: p.number,
                    });
                }
            }
            _ => {}
        }
    }
    Ports::Some(normalise(out))
}

// ---------------------------------------------------------------------------------------------
// The actors of a render and the graph

/// The pod template of a workload (or a bare Pod itself).
fn pod_template(o: &Value) -> Option<&Value> {
    match o["kind"].as_str()? {
        "Pod" => Some(o),
        "CronJob" => Some(&o["spec"]["jobTemplate"]["spec"]["template"]),
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "ReplicaSet" => {
            Some(&o["spec"]["template"])
        }
        _ => None,
    }
}

/// Every pod the render runs (workloads' pod templates, hook Jobs, bare helm test Pods), in
/// `namespace`, named by its `app.kubernetes.io/component` label (else the object's name).
pub fn pods_of<'a>(objects: impl IntoIterator<Item = &'a Value>, namespace: &str) -> Vec<Actor> {
    let mut out: Vec<Actor> = Vec::new();
    for o in objects {
        let Some(template) = pod_template(o) else {
            continue;
        };
        let labels = labels_of(&template["metadata"]["labels"]);
        let mut ports = Vec::new();
        for c in template["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for p in c["ports"].as_array().into_iter().flatten() {
                let number = p["containerPort"]
                    .as_u64()
                    .and_then(|n| u16::try_from(n).ok());
                if let (Some(name), Some(number)) = (p["name"].as_str(), number) {
                    ports.push(NamedPort {
                        name: name.into(),
                        number,
                        protocol: p["protocol"].as_str().unwrap_or("TCP").into(),
                    });
                }
            }
        }
        let name = labels
            .get("app.kubernetes.io/component")
            .cloned()
            .unwrap_or_else(|| o["metadata"]["name"].as_str().unwrap_or("?").to_string());
        let ns = o["metadata"]["namespace"].as_str().unwrap_or(namespace);
        if out.iter().any(|a| a.name == name) {
            continue;
        }
        out.push(Actor::pod(&name, ns, labels, ports));
    }
    out
}

/// The peers outside the render that the policies name: namespaces (with their pods' labels),
/// address blocks, and "anywhere" for a rule that lists no peers. Each is an actor the
/// evaluator decides about like any pod.
pub(crate) fn outside_peers(net: &Network) -> Vec<Actor> {
    let mut out: Vec<Actor> = Vec::new();
    let mut add = |a: Actor| {
        if !out.iter().any(|b| b.name == a.name) {
            out.push(a);
        }
    };
    for (_, p) in &net.policies {
        for (rules, key) in [("ingress", "from"), ("egress", "to")] {
            for rule in p["spec"][rules].as_array().into_iter().flatten() {
                let peers = rule[key].as_array().filter(|l| !l.is_empty());
                let Some(peers) = peers else {
                    add(Actor {
                        name: "anywhere".into(),
                        kind: ActorKind::Anywhere,
                        namespace: None,
                        namespace_labels: Labels::new(),
                        labels: Labels::new(),
                        ports: Vec::new(),
                        ip: None,
                    });
                    continue;
                };
                for peer in peers {
                    if let Some(a) = outside_peer(peer) {
                        add(a);
                    }
                }
            }
        }
    }
    out
}

fn selector_text(sel: &Value) -> String {
    labels_of(&sel["matchLabels"])
        .iter()
        .filter(|(k, _)| k.as_str() != "kubernetes.io/metadata.name")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn outside_peer(peer: &Value) -> Option<Actor> {
    if let Some(block) = peer.get("ipBlock") {
        let cidr = block["cidr"].as_str()?;
        let except: Vec<&str> = block["except"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let (base, _) = parse_cidr(cidr)?;
        let name = if except.is_empty() {
            cidr.to_string()
        } else {
            format!("{cidr} except {}", except.join(", "))
        };
        // the block's first address, unless an except holds it: the representative is then the
        // block's first address outside every except, searched among a few candidates
        let candidates = [base, step(base, 1), step(base, 256), step(base, 65536)];
        let ip = candidates
            .into_iter()
            .find(|ip| in_cidr(*ip, cidr) && !except.iter().any(|e| in_cidr(*ip, e)))?;
        return Some(Actor::address(&name, ip));
    }
    let ns_sel = peer.get("namespaceSelector")?;
    let mut ns_labels = labels_of(&ns_sel["matchLabels"]);
    let ns = ns_labels
        .get("kubernetes.io/metadata.name")
        .cloned()
        .unwrap_or_else(|| {
            let s = selector_text(ns_sel);
            if s.is_empty() {
                "*".into()
            } else {
                format!("({s})")
            }
        });
    ns_labels
        .entry("kubernetes.io/metadata.name".into())
        .or_insert_with(|| ns.clone());
    let pods = peer
        .get("podSelector")
        .map(selector_text)
        .unwrap_or_default();
    let name = if pods.is_empty() {
        format!("namespace {ns}")
    } else {
        format!("namespace {ns} pods {pods}")
    };
    Some(Actor {
        name,
        kind: ActorKind::Namespace,
        namespace: Some(ns),
        namespace_labels: ns_labels,
        labels: peer
            .get("podSelector")
            .map(|s| labels_of(&s["matchLabels"]))
            .unwrap_or_default(),
        ports: Vec::new(),
        ip: None,
    })
}

fn step(ip: IpAddr, n: u32) -> IpAddr {
    match ip {
        IpAddr::V4(a) => IpAddr::V4(u32::from(a).wrapping_add(n).into()),
        IpAddr::V6(a) => IpAddr::V6(u128::from(a).wrapping_add(u128::from(n)).into()),
    }
}

/// One allowed connection: `from` may reach `to` on `ports` (as text).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Edge {
    pub from: String,
    pub to: String,
    pub ports: Vec<String>,
}

/// A pod of the render and the policies isolating it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PodRow {
    pub name: String,
    pub namespace: String,
    /// The policies selecting it for ingress (empty: not isolated, anyone may reach it).
    pub ingress: Vec<String>,
    /// The policies selecting it for egress (empty: not isolated, it may reach anything).
    pub egress: Vec<String>,
}

/// Who may talk to whom in a render: its pods, the outside peers its policies name, and every
/// allowed connection between a pod and any of them (pod to pod, outside to pod, pod to
/// outside).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Graph {
    pub namespace: String,
    pub policies: usize,
    pub pods: Vec<PodRow>,
    pub outside: Vec<Actor>,
    /// Between pods of the render.
    pub inside: Vec<Edge>,
    /// From a peer outside the render to one of its pods.
    pub incoming: Vec<Edge>,
    /// From a pod of the render to a peer outside it.
    pub outgoing: Vec<Edge>,
}

impl Graph {
    /// The text of the graph, one line per edge, grouped (what `apwiz explain netpol` prints and
    /// the render pane shows).
    pub(crate) fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "{} NetworkPolicies in namespace {}, {} pods",
            self.policies,
            self.namespace,
            self.pods.len()
        )];
        if self.policies == 0 {
            out.push(
                "no NetworkPolicy: every pod may reach every other and anything, and anyone may \
                 reach them (networkPolicy.enabled turns them on; prod has it)"
                    .into(),
            );
            return out;
        }
        let open: Vec<String> = self
            .pods
            .iter()
            .filter(|p| p.ingress.is_empty() || p.egress.is_empty())
            .map(|p| {
                let dirs = match (p.ingress.is_empty(), p.egress.is_empty()) {
                    (true, true) => "ingress and egress",
                    (true, false) => "ingress",
                    _ => "egress",
                };
                format!("{} ({dirs})", p.name)
            })
            .collect();
        if !open.is_empty() {
            out.push(format!("not isolated: {}", open.join(", ")));
        }
        let width = self
            .inside
            .iter()
            .chain(&self.incoming)
            .chain(&self.outgoing)
            .map(|e| e.from.len())
            .max()
            .unwrap_or(0);
        for (title, edges) in [
            ("between the release's pods", &self.inside),
            ("into the release", &self.incoming),
            ("out of the release", &self.outgoing),
        ] {
            out.push(String::new());
            out.push(format!("{title}:"));
            if edges.is_empty() {
                out.push("  (none)".into());
            }
            for e in edges {
                out.push(format!(
                    "  {:width$} -> {}: {}",
                    e.from,
                    e.to,
                    e.ports.join(", ")
                ));
            }
        }
        out
    }
}

impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}

/// The graph of a render's objects in `namespace` (helm's `-n`).
pub(crate) fn graph<'a>(
    objects: impl IntoIterator<Item = &'a Value> + Clone,
    namespace: &str,
) -> Graph {
    let net = Network::new(objects.clone(), namespace);
    let pods = pods_of(objects, namespace);
    let outside = if net.is_empty() {
        Vec::new()
    } else {
        outside_peers(&net)
    };
    let (mut inside, mut incoming, mut outgoing) = (Vec::new(), Vec::new(), Vec::new());
    if !net.is_empty() {
        let edge = |from: &Actor, to: &Actor| {
            let ports = net.reach(from, to);
            let dns = to.kind != ActorKind::Pod
                && matches!(&ports, Ports::Some(r) if r.iter().all(|r| r.first == 53 && r.last == 53));
            (!ports.is_empty()).then(|| Edge {
                from: from.name.clone(),
                to: if dns {
                    format!("{} (DNS)", to.name)
                } else {
                    to.name.clone()
                },
                ports: ports.describe(to),
            })
        };
        for a in &pods {
            for b in pods.iter().filter(|b| b.name != a.name) {
                inside.extend(edge(a, b));
            }
            for o in &outside {
                incoming.extend(edge(o, a));
                outgoing.extend(edge(a, o));
            }
        }
    }
    inside.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    let rows = pods
        .iter()
        .map(|p| {
            let names = |d| {
                net.isolating(p, d)
                    .unwrap_or_default()
                    .into_iter()
                    .map(String::from)
                    .collect()
            };
            PodRow {
                name: p.name.clone(),
                namespace: p.namespace.clone().unwrap_or_default(),
                ingress: names(Direction::Ingress),
                egress: names(Direction::Egress),
            }
        })
        .collect();
    Graph {
        namespace: namespace.into(),
        policies: net.len(),
        pods: rows,
        outside,
        inside,
        incoming,
        outgoing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, labels: &[(&str, &str)], ports: &[(&str, u16)]) -> Actor {
        Actor::tcp_pod(name, "apps", labels, ports)
    }

    #[test]
    fn both_ends_must_allow_and_named_ports_resolve_on_the_destination() {
        let objs = [
            json!({"kind": "NetworkPolicy", "metadata": {"name": "db", "namespace": "apps"},
                   "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"],
                            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}],
                                         "ports": [{"port": "sql"}]}]}}),
            json!({"kind": "NetworkPolicy", "metadata": {"name": "api", "namespace": "apps"},
                   "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Egress"],
                            "egress": [{"ports": [{"port": 5000, "endPort": 5500}]},
                                       {"to": [{"ipBlock": {"cidr": "192.0.2.0/24", "except": ["192.0.2.0/28"]}}]}]}}),
        ];
        let net = Network::new(&objs, "apps");
        let api = pod("api", &[("app", "api")], &[]);
        let db = pod("db", &[("app", "db")], &[("sql", 5432)]);
        let web = pod("web", &[("app", "web")], &[]);
        assert!(net.allows(&api, &db, 5432, Protocol::Tcp));
        assert!(!net.allows(&api, &db, 5432, Protocol::Udp));
        assert!(
            !net.allows(&web, &db, 5432, Protocol::Tcp),
            "not a listed peer"
        );
        assert_eq!(
            net.reach(&api, &web),
            Ports::Some(vec![PortRange {
                protocol: Protocol::Tcp,
                first: 5000,
                last: 5500
            }])
        );
        assert!(!net.allows(&api, &web, 4999, Protocol::Tcp));
        assert_eq!(
            net.reach(&web, &api),
            Ports::All,
            "web is not isolated, api not for ingress"
        );
        let out = Actor::address("x", "192.0.2.77".parse().unwrap());
        let excepted = Actor::address("y", "192.0.2.3".parse().unwrap());
        assert_eq!(net.reach(&api, &out), Ports::All);
        assert!(!net.allows(&api, &excepted, 443, Protocol::Tcp));
        assert!(net.isolating(&db, Direction::Egress).is_none());
        assert_eq!(net.isolating(&db, Direction::Ingress), Some(vec!["db"]));
    }

    #[test]
    fn port_sets_merge_and_intersect() {
        let r = |first, last| PortRange {
            protocol: Protocol::Tcp,
            first,
            last,
        };
        let a = Ports::Some(vec![r(10, 20)]).union(Ports::Some(vec![r(21, 30), r(5, 5)]));
        assert_eq!(a, Ports::Some(vec![r(5, 5), r(10, 30)]));
        assert_eq!(
            a.intersect(&Ports::Some(vec![r(25, 40)])),
            Ports::Some(vec![r(25, 30)])
        );
        assert!(a.intersect(&Ports::none()).is_empty());
        assert_eq!(Ports::All.intersect(&a), a);
        assert!(in_cidr("10.1.2.3".parse().unwrap(), "10.0.0.0/8"));
        assert!(in_cidr("2001:db8::1".parse().unwrap(), "::/0"));
        assert!(
            !in_cidr("10.1.2.3".parse().unwrap(), "10.0.0.0/33"),
            "a bad block holds nothing"
        );
    }
}
