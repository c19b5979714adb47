//! What differs per environment, as a front end asks it (the TUI's Environments table): the
//! replicas, the container's CPU and memory requests and limits, and the public host when the
//! workload preset asks for one. The values each environment starts with come from the
//! environment presets (the chart's `values-<env>.yaml`); an answer is a `--set-env` like any
//! other, checked with [`questions::check_answer`](crate::core::scaffold::questions::check_answer),
//! and [`generate`](crate::core::scaffold::generate) writes only what differs.
use crate::core::inputs::presets::{AnswerType, Preset, Question};
use crate::core::scaffold::features;

/// A value asked per environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvField {
    /// The values path (`resources.limits.memory`).
    pub path: String,
    /// A short label (the table's first column is narrow).
    pub label: String,
    pub answer_type: AnswerType,
    pub help: &'static str,
}

impl EnvField {
    fn new(path: &str, label: &str, answer_type: AnswerType, help: &'static str) -> Self {
        EnvField {
            path: path.into(),
            label: label.into(),
            answer_type,
            help,
        }
    }

    /// The question the answer is checked against (an empty answer means "no change").
    pub(crate) fn question(&self) -> Question {
        Question {
            path: self.path.clone(),
            prompt: self.label.clone(),
            help: Some(self.help.into()),
            answer_type: self.answer_type,
            options: Vec::new(),
            default: None,
            example: None,
            required: false,
        }
    }
}

/// The values asked per environment for `workload`, in the table's order. In a release of
/// several services, a service whose preset sets its own replicas gets a row of its own (it does
/// not inherit the top level's, so the environment's count would not reach it); the top level's
/// row stays while some service inherits it.
pub(crate) fn fields(workload: &Preset) -> Vec<EnvField> {
    let services = features::services(&workload.values);
    let own: Vec<&String> = services
        .iter()
        .filter(|s| {
            workload.values["services"][s.as_str()]
                .get("replicas")
                .is_some()
        })
        .collect();
    let mut out: Vec<EnvField> = own
        .iter()
        .map(|s| {
            EnvField::new(
                &features::in_service(s, "replicas"),
                &format!("{s} pods"),
                AnswerType::Integer,
                "this service's pods, 1 to 1000",
            )
        })
        .collect();
    if own.len() < services.len() || services.is_empty() {
        // Named for the services that inherit it, in a release of several.
        let inheriting: Vec<&str> = services
            .iter()
            .filter(|s| !own.contains(s))
            .map(String::as_str)
            .collect();
        let label = if inheriting.is_empty() {
            "Replicas".to_string()
        } else {
            format!("{} pods", inheriting.join(","))
        };
        out.push(EnvField::new(
            "replicas",
            &label,
            AnswerType::Integer,
            "pods, 1 to 1000",
        ));
    }
    out.extend([
        EnvField::new(
            "resources.requests.cpu",
            "CPU req",
            AnswerType::String,
            "CPU reserved per container: 250m, 0.5, 2",
        ),
        EnvField::new(
            "resources.limits.cpu",
            "CPU limit",
            AnswerType::String,
            "most CPU a container may use (throttled above)",
        ),
        EnvField::new(
            "resources.requests.memory",
            "Mem req",
            AnswerType::String,
            "memory reserved per container: 256Mi, 1Gi",
        ),
        EnvField::new(
            "resources.limits.memory",
            "Mem limit",
            AnswerType::String,
            "most memory a container may use (OOM-killed above)",
        ),
    ]);
    // The host the preset asks for (`ingress.host`, or a service's in a multi-service preset).
    if let Some(q) = workload
        .questions
        .iter()
        .find(|q| q.path == "ingress.host" || q.path.ends_with(".ingress.host"))
    {
        let label = match q
            .path
            .strip_prefix("services.")
            .and_then(|r| r.split('.').next())
        {
            Some(svc) => format!("{svc} host"),
            None => "Host".into(),
        };
        out.push(EnvField::new(
            &q.path,
            &label,
            AnswerType::String,
            "the public host name in this environment",
        ));
    }
    out
}
