//! The chart's optional features as data: the key that turns each on, a one-line explanation,
//! the workload types it applies to (the chart's own rules, `chart/templates/_validate.tpl` and the
//! feature's helper), and the fields it needs when on. A front end (the TUI's Features step, a
//! prompt, the manual) shows them; the answers are `--set` expressions like any other.
use crate::core::base::error::Result;
use crate::core::inputs::presets::AnswerType;
use crate::core::scaffold::questions;
use crate::core::values::setexpr::SetExpr;

/// How a feature is turned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// A boolean key: `<path>=true|false`.
    Flag(&'static str),
    /// A key given a value to turn it on (`hooks.smoke.preset=smoke-test`); off sets
    /// `<off>=false`.
    Value {
        path: &'static str,
        value: &'static str,
        off: &'static str,
    },
}

impl Switch {
    /// The path whose value says whether the feature is on.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Switch::Flag(p) => p,
            Switch::Value { path, .. } => path,
        }
    }

    /// The `--set` expression for on or off.
    pub(crate) fn expr(self, on: bool) -> Result<SetExpr> {
        match self {
            Switch::Flag(p) => SetExpr::parse(&format!("{p}={on}")),
            Switch::Value { path, value, .. } if on => SetExpr::parse(&format!("{path}={value}")),
            Switch::Value { off, .. } => SetExpr::parse(&format!("{off}=false")),
        }
    }

    /// Whether `v` (the value at [`Switch::path`]) means on.
    pub(crate) fn is_on(self, v: Option<&serde_json::Value>) -> bool {
        match (self, v) {
            (Switch::Flag(_), Some(serde_json::Value::Bool(b))) => *b,
            (Switch::Value { value, .. }, Some(serde_json::Value::String(s))) => s == value,
            _ => false,
        }
    }

    /// Whether `path` is one this switch writes.
    pub(crate) fn writes(self, path: &str) -> bool {
        match self {
            Switch::Flag(p) => p == path,
            Switch::Value { path: p, off, .. } => p == path || off == path,
        }
    }

    /// The `--set` expression for on or off in service `svc` (`None`: the top level).
    pub(crate) fn expr_in(self, svc: Option<&str>, on: bool) -> Result<SetExpr> {
        let Some(svc) = svc else {
            return self.expr(on);
        };
        match self {
            Switch::Flag(p) => SetExpr::parse(&format!("{}={on}", in_service(svc, p))),
            Switch::Value { path, value, .. } if on => {
                SetExpr::parse(&format!("{}={value}", in_service(svc, path)))
            }
            Switch::Value { off, .. } => SetExpr::parse(&format!("{}=false", in_service(svc, off))),
        }
    }

    /// Whether `path` is one this switch writes in service `svc` (`None`: the top level).
    pub(crate) fn writes_in(self, svc: Option<&str>, path: &str) -> bool {
        match svc {
            None => self.writes(path),
            Some(svc) => path
                .strip_prefix(&format!("services.{svc}."))
                .is_some_and(|rest| self.writes(rest)),
        }
    }
}

/// The services of a multi-service release (`services:` in `values`, in order); empty when the
/// top level is the one service.
pub(crate) fn services(values: &serde_json::Value) -> Vec<String> {
    values
        .get("services")
        .and_then(|s| s.as_object())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The values path of `path` inside service `svc` (`services.web.ingress.enabled`).
pub(crate) fn in_service(svc: &str, path: &str) -> String {
    format!("services.{svc}.{path}")
}

/// What service `svc` gets at dotted `path`: its own value, else the top level's (every key of a
/// service inherits the top level's; `[0]` indexes a list).
pub(crate) fn service_value<'a>(
    values: &'a serde_json::Value,
    svc: &str,
    path: &str,
) -> Option<&'a serde_json::Value> {
    let ptr = crate::core::values::pointer::path_to_pointer(path);
    values
        .get("services")
        .and_then(|s| s.get(svc))
        .and_then(|v| v.pointer(&ptr))
        .or_else(|| values.pointer(&ptr))
}

/// Features that act on a service's Service: refused on a service without one.
const NEEDS_SERVICE: &[&str] = &["ingress", "monitoring", "hooks", "tests"];

/// A field a feature needs when on.
#[derive(Debug, Clone, Copy)]
pub struct FeatureField {
    /// The values path (`persistence.size`).
    pub path: &'static str,
    pub label: &'static str,
    pub answer_type: AnswerType,
    /// A comma-separated list written as `{a,b}` (`rbac.rules[0].verbs`).
    pub list: bool,
    /// What the field starts with when the chart and preset give nothing.
    pub default: &'static str,
    pub help: &'static str,
}

/// One optional feature of the chart.
#[derive(Debug, Clone, Copy)]
pub struct Feature {
    /// The name presets use in `features:` (`ingress`, `pdb`, …).
    pub name: &'static str,
    pub title: &'static str,
    /// One line: what turning it on gives.
    pub explain: &'static str,
    pub switch: Switch,
    /// The workload types it applies to (the chart refuses or ignores it on the others).
    pub workloads: &'static [&'static str],
    /// Why not, on another workload type (`{wt}` is replaced by the service's type).
    pub why_not: &'static str,
    pub fields: &'static [FeatureField],
}

const LONG_RUNNING: &[&str] = &["deployment", "statefulset", "daemonset"];
const SCALABLE: &[&str] = &["deployment", "statefulset"];

const fn field(
    path: &'static str,
    label: &'static str,
    answer_type: AnswerType,
    default: &'static str,
    help: &'static str,
) -> FeatureField {
    FeatureField {
        path,
        label,
        answer_type,
        list: false,
        default,
        help,
    }
}

/// Every feature, in the order shown.
pub(crate) const FEATURES: &[Feature] = &[
    Feature {
        name: "ingress",
        title: "Ingress",
        explain: "an Ingress routes a public host name to the service",
        switch: Switch::Flag("ingress.enabled"),
        workloads: LONG_RUNNING,
        why_not: "an Ingress needs a long-running service with a Service, and this is a {wt}",
        fields: &[field(
            "ingress.host",
            "Host",
            AnswerType::String,
            "",
            "e.g. shop.example.com",
        )],
    },
    Feature {
        name: "monitoring",
        title: "Monitoring",
        explain: "a ServiceMonitor and default alerts (Prometheus)",
        switch: Switch::Flag("monitoring.enabled"),
        workloads: LONG_RUNNING,
        why_not: "Prometheus scrapes long-running pods, and this is a {wt}",
        fields: &[field(
            "monitoring.scrapeInterval",
            "Scrape interval",
            AnswerType::String,
            "30s",
            "how often Prometheus scrapes, e.g. 30s",
        )],
    },
    Feature {
        name: "persistence",
        title: "Persistence",
        explain: "a PersistentVolumeClaim mounted at /data",
        switch: Switch::Flag("persistence.enabled"),
        workloads: &["deployment", "statefulset", "job", "cronjob"],
        why_not: "a {wt} cannot share one claim between its pods; use volumes instead",
        fields: &[
            field(
                "persistence.size",
                "Size",
                AnswerType::String,
                "1Gi",
                "a quantity, e.g. 10Gi",
            ),
            field(
                "persistence.storageClass",
                "Storage class",
                AnswerType::String,
                "default",
                "\"default\": the cluster's default class",
            ),
        ],
    },
    Feature {
        name: "autoscaling",
        title: "Autoscaling",
        explain: "a HorizontalPodAutoscaler on CPU (replicas: min–max)",
        switch: Switch::Flag("autoscaling.enabled"),
        workloads: SCALABLE,
        why_not: "only deployments and statefulsets scale, and this is a {wt}",
        fields: &[
            field(
                "autoscaling.minReplicas",
                "Min replicas",
                AnswerType::Integer,
                "2",
                "at least 1",
            ),
            field(
                "autoscaling.maxReplicas",
                "Max replicas",
                AnswerType::Integer,
                "10",
                "at least the minimum",
            ),
        ],
    },
    Feature {
        name: "pdb",
        title: "Disruption budget",
        explain: "a PodDisruptionBudget: node drains keep pods serving",
        switch: Switch::Flag("pdb.enabled"),
        workloads: SCALABLE,
        why_not: "a disruption budget is for deployments and statefulsets, and this is a {wt}",
        fields: &[],
    },
    Feature {
        name: "networkPolicy",
        title: "Network policy",
        explain: "deny all traffic but DNS, ingress and dependsOn",
        switch: Switch::Flag("networkPolicy.enabled"),
        workloads: &["deployment", "statefulset", "daemonset", "job", "cronjob"],
        why_not: "an external service has no pods to isolate",
        fields: &[],
    },
    Feature {
        name: "rbac",
        title: "RBAC",
        explain: "a ServiceAccount and Role: the pods get an API token",
        switch: Switch::Flag("rbac.enabled"),
        workloads: &["deployment", "statefulset", "daemonset", "job", "cronjob"],
        why_not: "an external service has no pods to grant access to",
        fields: &[
            FeatureField {
                path: "rbac.rules[0].resources",
                label: "Resources",
                answer_type: AnswerType::String,
                list: true,
                default: "configmaps",
                help: "comma-separated, e.g. configmaps,secrets",
            },
            FeatureField {
                path: "rbac.rules[0].verbs",
                label: "Verbs",
                answer_type: AnswerType::String,
                list: true,
                default: "get,list,watch",
                help: "comma-separated, e.g. get,list,watch",
            },
        ],
    },
    Feature {
        name: "backup",
        title: "Backup",
        explain: "a CronJob that backs the claims' data up on schedule",
        switch: Switch::Flag("backup.enabled"),
        workloads: &["statefulset"],
        why_not: "backup is for statefulsets (the data they keep in their claims), and this is a {wt}",
        fields: &[
            field(
                "backup.image",
                "Backup image",
                AnswerType::String,
                "",
                "e.g. postgres:16.4-alpine",
            ),
            field(
                "backup.targetSecret",
                "Target secret",
                AnswerType::String,
                "",
                "the Secret naming where backups go",
            ),
            FeatureField {
                path: "backup.command",
                label: "Command",
                answer_type: AnswerType::String,
                list: true,
                default: "",
                help: "comma-separated, e.g. /scripts/backup.sh",
            },
        ],
    },
    Feature {
        name: "hooks",
        title: "Smoke-test hook",
        explain: "a hook Job checks the Service after install/upgrade",
        switch: Switch::Value {
            path: "hooks.smoke.preset",
            value: "smoke-test",
            off: "hooks.smoke.enabled",
        },
        workloads: LONG_RUNNING,
        why_not: "the smoke test checks a Service, and a {wt} has none",
        fields: &[],
    },
    Feature {
        name: "tests",
        title: "Helm tests",
        explain: "`helm test` pods check the Service port and readiness",
        switch: Switch::Flag("tests.enabled"),
        workloads: LONG_RUNNING,
        why_not: "helm tests check a long-running service, and this is a {wt}",
        fields: &[],
    },
];

/// Why persistence may not be off on a statefulset (the chart fails such a render).
const STATEFUL_NEEDS_PERSISTENCE: &str =
    "a statefulset keeps its data in volumeClaimTemplates and needs persistence";

impl Feature {
    /// `Err(why)` when the feature may not be off for workload type `wt` (the chart's rule: a
    /// statefulset needs persistence).
    pub(crate) fn required(&self, wt: &str) -> std::result::Result<(), String> {
        if self.name == "persistence" && wt == "statefulset" {
            Err(STATEFUL_NEEDS_PERSISTENCE.into())
        } else {
            Ok(())
        }
    }

    /// `Err(why)` when the feature's fields, as `value` reads them by dotted path, break a rule
    /// between fields (the chart's: the autoscaler's min ≤ max).
    pub(crate) fn check_fields(
        &self,
        value: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<(), String> {
        if self.name == "autoscaling" {
            let n = |p: &str| value(p).and_then(|v| v.trim().parse::<i64>().ok());
            if let (Some(min), Some(max)) =
                (n("autoscaling.minReplicas"), n("autoscaling.maxReplicas"))
                && min > max
            {
                return Err(format!(
                    "Min replicas ({min}) is above Max replicas ({max}): the autoscaler needs min ≤ max"
                ));
            }
        }
        Ok(())
    }

    /// `Err(why)` when the feature does not apply to workload type `wt`.
    pub(crate) fn allowed(&self, wt: &str) -> std::result::Result<(), String> {
        if self.workloads.contains(&wt) {
            Ok(())
        } else {
            Err(self.why_not.replace("{wt}", wt))
        }
    }

    /// `Err(why)` when the feature does not apply to service `svc` of `values` (its workload
    /// type, and for the features that act on its Service, `service.enabled`).
    pub(crate) fn allowed_in(
        &self,
        values: &serde_json::Value,
        svc: &str,
    ) -> std::result::Result<(), String> {
        let wt = service_value(values, svc, "workloadType")
            .and_then(|v| v.as_str())
            .unwrap_or("deployment");
        self.allowed(wt).map_err(|why| format!("{svc}: {why}"))?;
        let has_service = service_value(values, svc, "service.enabled")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if NEEDS_SERVICE.contains(&self.name) && !has_service {
            return Err(format!(
                "{svc} has no Service (service.enabled: false), and {} needs one",
                self.title
            ));
        }
        Ok(())
    }

    /// The names presets use for it (`features: [...]`).
    #[cfg(test)]
    fn named(&self, name: &str) -> bool {
        self.name == name || (self.name == "hooks" && name == "smoke-test")
    }
}

impl FeatureField {
    /// Whether `raw` is acceptable (the file writer's rule; lists need at least one item).
    pub(crate) fn check(&self, raw: &str) -> std::result::Result<(), String> {
        let s = raw.trim();
        if self.list {
            if s.split(',').any(|i| i.trim().is_empty()) {
                return Err("one or more items, separated by commas".into());
            }
            return Ok(());
        }
        let q = crate::core::inputs::presets::Question {
            path: self.path.into(),
            prompt: self.label.into(),
            help: None,
            answer_type: self.answer_type,
            options: Vec::new(),
            default: None,
            example: None,
            required: true,
        };
        questions::check_answer(&q, s)?;
        if self.answer_type == AnswerType::Integer && s.parse::<i64>().is_ok_and(|n| n < 1) {
            return Err("at least 1".into());
        }
        Ok(())
    }

    /// The `--set` expression for the answer `raw`.
    pub(crate) fn expr(&self, raw: &str) -> Result<SetExpr> {
        if self.list {
            let items: Vec<String> = raw
                .split(',')
                .map(|i| i.trim().replace('\\', "\\\\"))
                .collect();
            return SetExpr::parse(&format!("{}={{{}}}", self.path, items.join(",")));
        }
        questions::answer_expr(self.path, raw.trim())
    }
}

/// The feature of that preset name.
#[cfg(test)]
fn find(name: &str) -> Option<&'static Feature> {
    FEATURES.iter().find(|f| f.named(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exprs() {
        let mut v = serde_json::json!({});
        FEATURES[6].fields[1]
            .expr("get, list")
            .unwrap()
            .apply(&mut v);
        assert_eq!(
            v["rbac"]["rules"][0]["verbs"],
            serde_json::json!(["get", "list"])
        );
        assert!(FEATURES[2].fields[0].check("10Gi").is_ok());
        assert!(FEATURES[2].fields[0].check("10 GB").is_err());
        // Per service: the service's own value, else the top level's.
        let v = serde_json::json!({
            "ingress": {"enabled": false},
            "services": {"web": {"ingress": {"enabled": true}}, "worker": {"service": {"enabled": false}}}
        });
        assert_eq!(services(&v), ["web", "worker"]);
        let ingress = find("ingress").unwrap();
        assert!(
            ingress
                .switch
                .is_on(service_value(&v, "web", "ingress.enabled"))
        );
        assert!(
            !ingress
                .switch
                .is_on(service_value(&v, "worker", "ingress.enabled"))
        );
        assert!(ingress.allowed_in(&v, "web").is_ok());
        assert_eq!(
            ingress.allowed_in(&v, "worker").unwrap_err(),
            "worker has no Service (service.enabled: false), and Ingress needs one"
        );
        assert!(find("pdb").unwrap().allowed_in(&v, "worker").is_ok());
        let hooks = find("smoke-test").unwrap().switch;
        assert_eq!(
            hooks.expr_in(Some("api"), false).unwrap().raw,
            "services.api.hooks.smoke.enabled=false"
        );
        assert!(hooks.writes_in(Some("api"), "services.api.hooks.smoke.preset"));
        assert!(!hooks.writes_in(Some("api"), "hooks.smoke.preset"));
        assert_eq!(
            find("backup").unwrap().allowed("deployment").unwrap_err(),
            "backup is for statefulsets (the data they keep in their claims), and this is a deployment"
        );
    }
}
