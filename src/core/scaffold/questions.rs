//! Answering a preset's questions, once for every front end: which questions still need an
//! answer, whether a typed answer is acceptable (the same rule the file writer applies), and how
//! an answer becomes a value in [`Answers`]. The CLI's prompts, the TUI's form and the team manual
//! all call this.
use std::collections::BTreeMap;

use crate::core::base::error::{Error, Result};
use crate::core::base::names;
use crate::core::inputs::answers::{self, Answers};
use crate::core::inputs::presets::{self, AnswerType, Preset, PresetKind, Question};
use crate::core::values::setexpr::SetExpr;

/// What the user gave before anything is asked: flags (or a form's pre-fill) over an answers file.
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub preset: Option<String>,
    pub name: Option<String>,
    pub image: Option<String>,
    pub environments: Option<Vec<String>>,
    /// `--set` expressions for the base file, raw.
    pub set: Vec<String>,
    /// `--set-env` expressions, raw (`ENV:path=value`).
    pub set_env: Vec<String>,
}

/// Answers being gathered: the preset, name and environments may still be open.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub preset: Option<String>,
    pub name: Option<String>,
    pub environments: Option<Vec<String>>,
    /// Everything else, complete or not (image, `--set`s).
    pub image: Option<String>,
    pub set: Vec<SetExpr>,
    pub env_set: BTreeMap<String, Vec<SetExpr>>,
}

impl Draft {
    /// `given` over `file` (flags win; `--set`s add to the file's, later ones winning).
    pub(crate) fn new(given: &Given, file: Option<&Answers>) -> Result<Draft> {
        let mut d = Draft {
            preset: given
                .preset
                .clone()
                .or_else(|| file.map(|f| f.preset.clone())),
            name: given.name.clone().or_else(|| file.map(|f| f.name.clone())),
            environments: given
                .environments
                .clone()
                .or_else(|| file.map(|f| f.environments.clone()))
                .map(|e| e.into_iter().filter(|s| !s.is_empty()).collect()),
            image: given
                .image
                .clone()
                .or_else(|| file.and_then(|f| f.image.clone())),
            set: file.map(|f| f.set.clone()).unwrap_or_default(),
            env_set: file.map(|f| f.env_set.clone()).unwrap_or_default(),
        };
        for s in &given.set {
            d.set.push(SetExpr::parse(s)?);
        }
        for s in &given.set_env {
            let (env, expr) = parse_env_set(s)?;
            d.env_set.entry(env).or_default().push(expr);
        }
        Ok(d)
    }

    /// The answers, once preset, name and environments are known (environments default to
    /// every environment preset).
    pub(crate) fn complete(self, all: &[Preset]) -> Result<Answers> {
        let preset = self.preset.ok_or_else(|| Error::MissingAnswer {
            question: "Which kind of workload?".into(),
            flag: format!(
                "--preset <{}>",
                preset_names(all, PresetKind::Workload).join("|")
            ),
        })?;
        presets::find(all, &preset, PresetKind::Workload)?;
        let name = self.name.ok_or_else(|| Error::MissingAnswer {
            question: "Release name".into(),
            flag: "--name <release-name>".into(),
        })?;
        names::check(&name).map_err(|why| Error::Usage(format!("--name {name:?}: {why}")))?;
        Ok(Answers {
            api_version: answers::API_VERSION.into(),
            preset,
            name,
            image: self.image,
            environments: self
                .environments
                .unwrap_or_else(|| preset_names(all, PresetKind::Environment)),
            set: self.set,
            env_set: self.env_set,
            chart: None,
        })
    }
}

/// The names of the presets of one kind, in display order.
pub(crate) fn preset_names(all: &[Preset], kind: PresetKind) -> Vec<String> {
    all.iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.name.clone())
        .collect()
}

/// `ENV:path=value` (a `--set-env` answer).
pub(crate) fn parse_env_set(s: &str) -> Result<(String, SetExpr)> {
    let Some((env, expr)) = s.split_once(':') else {
        return Err(Error::Usage(format!(
            "--set-env {s}: write ENV:path.to.key=value, e.g. --set-env prod:replicas=4"
        )));
    };
    Ok((env.to_string(), SetExpr::parse(expr)?))
}

/// A question still unanswered.
#[derive(Debug, Clone)]
pub(crate) struct Missing {
    pub question: Question,
    /// The environment whose file it is for, if any.
    pub env: Option<String>,
    /// The flag that answers it.
    pub flag: String,
}

/// The questions of the chosen presets that need an answer and have none.
pub(crate) fn missing_answers(all: &[Preset], a: &Answers) -> Result<Vec<Missing>> {
    let mut out = Vec::new();
    let workload = presets::find(all, &a.preset, PresetKind::Workload)?;
    for q in &workload.questions {
        let answered = a.answers_path(&q.path, None) || (q.path == "image" && a.image.is_some());
        if q.required && q.default.is_none() && !answered {
            out.push(Missing {
                flag: q.flag(None),
                question: q.clone(),
                env: None,
            });
        }
    }
    for env in &a.environments {
        if let Ok(p) = presets::find(all, env, PresetKind::Environment) {
            for q in &p.questions {
                if q.required && q.default.is_none() && !a.answers_path(&q.path, Some(env)) {
                    out.push(Missing {
                        flag: q.flag(Some(env)),
                        question: q.clone(),
                        env: Some(env.clone()),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Whether `raw` is an acceptable answer to `q`: the rule the file writer applies, so a form can
/// show the message under the field as it is typed.
pub(crate) fn check_answer(q: &Question, raw: &str) -> std::result::Result<(), String> {
    let s = raw.trim();
    match q.answer_type {
        AnswerType::Integer => {
            let n = s
                .parse::<i64>()
                .map_err(|_| "a whole number, please".to_string())?;
            if is_replicas(&q.path) && !(1..=1000).contains(&n) {
                return Err("from 1 to 1000 (the chart's bounds for replicas)".into());
            }
            Ok(())
        }
        AnswerType::Boolean => match s {
            "true" | "false" => Ok(()),
            _ => Err("true or false".into()),
        },
        AnswerType::Choice => {
            if q.options.iter().any(|o| o == s) {
                Ok(())
            } else {
                Err(format!("one of: {}", q.options.join(", ")))
            }
        }
        AnswerType::String => {
            if s.is_empty() {
                Err("an answer is needed".into())
            } else if q.is_image() && s.contains(char::is_whitespace) {
                Err("an image reference has no spaces (repository:tag)".into())
            } else {
                check_quantity(&q.path, s)
            }
        }
    }
}

/// Whether `path` is a service's replica count (`replicas`, `services.web.replicas`).
fn is_replicas(path: &str) -> bool {
    path == "replicas" || path.ends_with(".replicas")
}

/// The schema's rule for a quantity at `path` (`resources.limits.cpu`, `resources.requests.memory`,
/// `persistence.size`), so a wrong amount is caught as it is typed, not by the schema later.
/// Other paths: anything goes.
pub(crate) fn check_quantity(path: &str, s: &str) -> std::result::Result<(), String> {
    let segs: Vec<&str> = path.rsplit('.').take(3).collect();
    let in_resources =
        segs.len() == 3 && segs[2] == "resources" && matches!(segs[1], "requests" | "limits");
    if in_resources && segs[0] == "cpu" {
        return if is_cpu(s) {
            Ok(())
        } else {
            Err("CPU as cores (0.5, 2) or millicores (500m), above 0".into())
        };
    }
    if (in_resources && segs[0] == "memory") || path.ends_with("persistence.size") {
        return if is_bytes(s) {
            Ok(())
        } else {
            Err("a quantity such as 10Gi or 500Mi (Ki, Mi, Gi, Ti or k, M, G, T), above 0".into())
        };
    }
    Ok(())
}

/// A number `d+(.d+)?` (or `.d+` when `lead_dot`) above zero; the rest of `s` after it.
fn split_number(s: &str, lead_dot: bool) -> Option<(f64, &str)> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, rest) = s.split_at(end);
    let mut parts = num.split('.');
    let int = parts.next().unwrap_or_default();
    let frac = parts.next();
    let well_formed = parts.next().is_none()
        && (!int.is_empty() || (lead_dot && frac.is_some()))
        && frac.is_none_or(|f| !f.is_empty());
    let n: f64 = num.parse().ok()?;
    (well_formed && n > 0.0).then_some((n, rest))
}

/// The schema's CPU quantity: cores (`0.5`, `2`) or millicores (`500m`).
fn is_cpu(s: &str) -> bool {
    split_number(s, true).is_some_and(|(_, rest)| rest.is_empty() || rest == "m")
}

/// The schema's memory or storage quantity: a number with an optional binary or decimal suffix.
fn is_bytes(s: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E",
    ];
    split_number(s, false).is_some_and(|(_, rest)| SUFFIXES.contains(&rest))
}

/// The `--set` expression that gives `path` the answer `raw` (commas and backslashes escaped, so
/// the answer is one value).
pub(crate) fn answer_expr(path: &str, raw: &str) -> Result<SetExpr> {
    SetExpr::parse(&format!(
        "{path}={}",
        raw.replace('\\', "\\\\").replace(',', "\\,")
    ))
}

/// Records the answer `raw` to `m` in `a` (checked first).
pub(crate) fn record(a: &mut Answers, m: &Missing, raw: &str) -> Result<()> {
    check_answer(&m.question, raw)
        .map_err(|why| Error::Usage(format!("{} ({}): {why}", m.question.prompt, m.flag)))?;
    let raw = raw.trim();
    if m.question.path == "image" && m.env.is_none() {
        a.image = Some(raw.to_string());
        return Ok(());
    }
    let expr = answer_expr(&m.question.path, raw)?;
    match &m.env {
        Some(env) => a.env_set.entry(env.clone()).or_default().push(expr),
        None => a.set.push(expr),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_follow_the_schema() {
        for ok in ["500m", "0.5", ".5", "2", "250m"] {
            assert!(check_quantity("resources.limits.cpu", ok).is_ok(), "{ok}");
        }
        for bad in ["0", "2 cores", "1Gi", "m", "1.", "1..2", "-1"] {
            assert!(
                check_quantity("resources.requests.cpu", bad).is_err(),
                "{bad}"
            );
        }
        for ok in ["256Mi", "1Gi", "1024", "1.5G"] {
            assert!(
                check_quantity("resources.limits.memory", ok).is_ok(),
                "{ok}"
            );
            assert!(check_quantity("persistence.size", ok).is_ok(), "{ok}");
        }
        for bad in ["0", "1 GB", "1gi", "Mi", ".5Gi"] {
            assert!(
                check_quantity("resources.requests.memory", bad).is_err(),
                "{bad}"
            );
        }
        assert!(check_quantity("services.web.resources.limits.cpu", "x").is_err());
        assert!(check_quantity("ingress.host", "anything").is_ok());
        let q = |path: &str| Question {
            path: path.into(),
            prompt: "Replicas".into(),
            help: None,
            answer_type: AnswerType::Integer,
            options: Vec::new(),
            default: None,
            example: None,
            required: true,
        };
        assert!(check_answer(&q("replicas"), "0").is_err());
        assert!(check_answer(&q("services.api.replicas"), "1001").is_err());
        assert!(check_answer(&q("replicas"), "3").is_ok());
        assert!(check_answer(&q("port"), "0").is_ok());
    }

    #[test]
    fn escaping_keeps_one_value() {
        let e = answer_expr("ingress.host", "a,b\\c").unwrap();
        let mut v = serde_json::json!({});
        e.apply(&mut v);
        assert_eq!(v["ingress"]["host"], "a,b\\c");
    }
}
