//! Presets: one YAML file each under `presets/`, built into the binary. A preset carries metadata
//! (name, title, description, the questions it asks, the features it turns on) and a values
//! fragment. Workload presets describe what runs; environment presets describe where, and point
//! at the chart's own `values-<env>.yaml` instead of copying it.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::base::error::{Error, Result};
use crate::core::values::read::parse_values;

/// Workload or environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresetKind {
    Workload,
    Environment,
}

/// The type of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AnswerType {
    #[default]
    String,
    Integer,
    Boolean,
    Choice,
}

/// A question a preset asks; the answer is the value at `path`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Question {
    /// The values path the answer sets (`ingress.host`).
    pub path: String,
    pub prompt: String,
    #[serde(default)]
    pub help: Option<String>,
    #[serde(default, rename = "type")]
    pub answer_type: AnswerType,
    /// For `choice`.
    #[serde(default)]
    pub options: Vec<String>,
    /// Used when not answered (prompts start from it).
    #[serde(default)]
    pub default: Option<Value>,
    /// Shown in prompts and docs.
    #[serde(default)]
    pub example: Option<String>,
    /// Without a default, the answer must be given.
    #[serde(default)]
    pub required: bool,
}

impl Question {
    /// Whether the answer is an image reference: `image`, or a service's (`services.web.image`).
    pub fn is_image(&self) -> bool {
        self.path == "image" || self.path.ends_with(".image")
    }

    /// The flag that answers this question on the command line: `--image` for the image (a flag
    /// of its own), `--set` for any other base value, `--set-env` for an environment's.
    pub(crate) fn flag(&self, env: Option<&str>) -> String {
        if env.is_none() && self.path == "image" {
            let example = self.example.as_deref().unwrap_or("<repository:tag>");
            return format!("--image {example}");
        }
        let example = self
            .example
            .clone()
            .or_else(|| self.options.first().cloned())
            .unwrap_or_else(|| "<value>".into());
        match env {
            Some(e) => format!("--set-env {e}:{}={example}", self.path),
            None => format!("--set {}={example}", self.path),
        }
    }
}

/// One preset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Preset {
    pub name: String,
    pub kind: PresetKind,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub questions: Vec<Question>,
    /// Features this preset turns on (ingress, autoscaling, pdb, …).
    #[serde(default)]
    pub features: Vec<String>,
    /// The values fragment (workload: the base; environment: additions to the chart's file).
    #[serde(default = "empty_map")]
    pub values: Value,
    /// Workload presets: extra values per environment (e.g. backups only in prod).
    #[serde(default)]
    pub environments: BTreeMap<String, Value>,
    /// Environment presets: the chart's own values file for this environment.
    #[serde(default)]
    pub chart_values: Option<String>,
}

fn empty_map() -> Value {
    Value::Object(Default::default())
}

/// The preset files built into apwiz, in display order.
pub const BUILTIN: &[(&str, &str)] = &[
    ("web-app", include_str!("../../../presets/web-app.yaml")),
    (
        "api-gateway",
        include_str!("../../../presets/api-gateway.yaml"),
    ),
    ("worker", include_str!("../../../presets/worker.yaml")),
    (
        "stateful-db",
        include_str!("../../../presets/stateful-db.yaml"),
    ),
    ("cache", include_str!("../../../presets/cache.yaml")),
    (
        "message-queue",
        include_str!("../../../presets/message-queue.yaml"),
    ),
    (
        "batch-cronjob",
        include_str!("../../../presets/batch-cronjob.yaml"),
    ),
    (
        "one-off-job",
        include_str!("../../../presets/one-off-job.yaml"),
    ),
    (
        "node-agent",
        include_str!("../../../presets/node-agent.yaml"),
    ),
    (
        "external-service",
        include_str!("../../../presets/external-service.yaml"),
    ),
    (
        "function-runner",
        include_str!("../../../presets/function-runner.yaml"),
    ),
    (
        "microservices",
        include_str!("../../../presets/microservices.yaml"),
    ),
    ("dev", include_str!("../../../presets/dev.yaml")),
    ("staging", include_str!("../../../presets/staging.yaml")),
    ("prod", include_str!("../../../presets/prod.yaml")),
];

/// Parses one preset file (read as Helm reads YAML, since its values end up in Helm).
pub(crate) fn parse(file: &str, text: &str) -> Result<Preset> {
    let parsed = parse_values(text).map_err(|e| e.in_file(file.to_string()))?;
    let preset: Preset = serde_json::from_value(parsed.value)
        .map_err(|e| Error::Invalid(format!("{file}: not a valid preset: {e}")))?;
    if !preset.values.is_object() {
        return Err(Error::Invalid(format!("{file}: `values` must be a map")));
    }
    Ok(preset)
}

/// The built-in presets.
pub fn builtin() -> Result<Vec<Preset>> {
    BUILTIN
        .iter()
        .map(|(name, text)| parse(&format!("presets/{name}.yaml"), text))
        .collect()
}

/// Finds a preset by name, with a did-you-mean when there is none.
pub(crate) fn find<'a>(presets: &'a [Preset], name: &str, kind: PresetKind) -> Result<&'a Preset> {
    if let Some(p) = presets.iter().find(|p| p.name == name && p.kind == kind) {
        return Ok(p);
    }
    let names: Vec<&str> = presets
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.name.as_str())
        .collect();
    let what = match kind {
        PresetKind::Workload => "preset",
        PresetKind::Environment => "environment",
    };
    let hint = crate::core::base::text::did_you_mean(name, names.iter().copied())
        .map(|s| format!(" Did you mean \"{s}\"?"))
        .unwrap_or_default();
    Err(Error::Usage(format!(
        "unknown {what} \"{name}\".{hint} (one of: {})",
        names.join(", ")
    )))
}
