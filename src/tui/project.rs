//! The project being edited: the preset, the release name, the answers to the preset's questions
//! and the per-environment values, as form fields. Turns them into [`Answers`] with the rules of
//! the core (`names::check`, `questions::check_answer`, `questions::answer_expr`), so the TUI
//! writes exactly what `apwiz new` writes for the same answers. No terminal types here besides the
//! text buffer of a field (`tui_input::Input`, plain data).
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use tui_input::Input;

use crate::core::chart::Chart;
use crate::core::names;
use crate::core::presets::{self, AnswerType, Preset, PresetKind, Question};
use crate::core::scaffold::answers::{self, Answers};
use crate::core::scaffold::generate::{self, FileKind, GenFile};
use crate::core::scaffold::questions;
use crate::core::values::setexpr::SetExpr;

/// The path of the release-name field (not a values path).
pub const NAME: &str = "<name>";

/// One form field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The values path the answer sets (`ingress.host`), or [`NAME`].
    pub path: String,
    pub label: String,
    /// A hint shown under the field when it is valid.
    pub help: Option<String>,
    pub question: Question,
    pub input: Input,
    /// The value that needs no answer (the preset's default); the field starts from it.
    pub default: Option<String>,
    /// Whether the loaded answers already set this path (kept even when equal to the default).
    pub loaded: bool,
}

impl Field {
    pub fn value(&self) -> &str {
        self.input.value()
    }

    /// The message under the field: `Err` when the value is not acceptable.
    pub fn check(&self) -> Result<(), String> {
        let v = self.value().trim();
        if self.path == NAME {
            return names::check(v);
        }
        if v.is_empty() && !self.question.required {
            return Ok(());
        }
        questions::check_answer(&self.question, v)
    }

    /// Whether the field changes the answers: a value other than the default, or one loaded.
    fn recorded(&self) -> bool {
        let v = self.value().trim();
        !v.is_empty() && (self.loaded || self.default.as_deref() != Some(v))
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The project the wizard builds: a fresh one, or one loaded from its answers file.
#[derive(Debug, Clone)]
pub struct Project {
    /// Where the files go.
    pub out_dir: PathBuf,
    /// The answers the edits apply to (loaded, or empty): unknown `--set`s and their order survive.
    pub base: Option<Answers>,
    pub preset: Option<String>,
    /// The release-name field followed by the preset's questions.
    pub fields: Vec<Field>,
    /// Every environment preset and whether it gets a file.
    pub environments: Vec<(String, bool)>,
    /// Per environment: replicas (and the host when the preset asks for one).
    pub env_fields: BTreeMap<String, Vec<Field>>,
    /// The directory's name, cleaned: the release name's default.
    pub default_name: String,
}

impl Project {
    /// A new project in `out_dir`; `default_name` fills the release name.
    pub fn new(all: &[Preset], out_dir: PathBuf, default_name: String) -> Project {
        let environments = questions::preset_names(all, PresetKind::Environment)
            .into_iter()
            .map(|e| (e, true))
            .collect();
        Project {
            out_dir,
            base: None,
            preset: None,
            fields: Vec::new(),
            environments,
            env_fields: BTreeMap::new(),
            default_name,
        }
    }

    /// A project from its answers file (the edit flow).
    pub fn load(all: &[Preset], out_dir: PathBuf, a: Answers) -> Project {
        let mut p = Project::new(all, out_dir, a.name.clone());
        for (e, on) in &mut p.environments {
            *on = a.environments.contains(e);
        }
        for e in &a.environments {
            if !p.environments.iter().any(|(n, _)| n == e) {
                p.environments.push((e.clone(), true));
            }
        }
        p.preset = Some(a.preset.clone());
        p.base = Some(a);
        p.choose_preset(all, None);
        p
    }

    /// Applies pre-filled answers (flags of `apwiz new`).
    pub fn prefill(&mut self, given: &questions::Given, all: &[Preset]) {
        if let Some(p) = &given.preset
            && presets::find(all, p, PresetKind::Workload).is_ok()
        {
            self.preset = Some(p.clone());
            self.choose_preset(all, None);
        }
        if let Some(envs) = &given.environments {
            for (e, on) in &mut self.environments {
                *on = envs.contains(e);
            }
        }
        let set = |fields: &mut Vec<Field>, path: &str, v: &str| {
            if let Some(f) = fields.iter_mut().find(|f| f.path == path) {
                f.input = Input::new(v.to_string());
            }
        };
        if let Some(n) = &given.name {
            set(&mut self.fields, NAME, n);
            self.default_name = n.clone();
        }
        if let Some(i) = &given.image {
            set(&mut self.fields, "image", i);
        }
        for s in &given.set {
            if let Ok(e) = SetExpr::parse(s)
                && let [(path, value)] = e.assignments.as_slice()
            {
                let p = crate::core::values::setexpr::path_to_string(path);
                set(&mut self.fields, &p, &text_of(value));
            }
        }
    }

    /// Sets the preset and builds its fields (keeping the name and any answers already typed
    /// for questions of the same path). `chart` prefills the environment table when given.
    pub fn choose_preset(&mut self, all: &[Preset], chart: Option<&Chart>) {
        let Some(name) = self.preset.clone() else {
            return;
        };
        let Ok(workload) = presets::find(all, &name, PresetKind::Workload) else {
            return;
        };
        let old: BTreeMap<String, String> = self
            .fields
            .iter()
            .map(|f| (f.path.clone(), f.value().to_string()))
            .collect();
        let base = self.base.clone();
        let loaded_value = |path: &str| -> Option<String> {
            let a = base.as_ref()?;
            if path == "image" && a.image.is_some() {
                return a.image.clone();
            }
            value_in(&a.set, path)
        };
        let name_q = Question {
            path: NAME.into(),
            prompt: "Release name".into(),
            help: Some(names::RULE.into()),
            answer_type: AnswerType::String,
            options: Vec::new(),
            default: None,
            example: None,
            required: true,
        };
        let mut fields = vec![Field {
            path: NAME.into(),
            label: "Release name".into(),
            help: Some(names::RULE.into()),
            input: Input::new(
                old.get(NAME)
                    .cloned()
                    .or_else(|| base.as_ref().map(|a| a.name.clone()))
                    .unwrap_or_else(|| self.default_name.clone()),
            ),
            question: name_q,
            default: None,
            loaded: base.is_some(),
        }];
        for q in &workload.questions {
            let default = q.default.as_ref().map(text_of);
            let loaded = loaded_value(&q.path);
            let value = old
                .get(&q.path)
                .cloned()
                .or_else(|| loaded.clone())
                .or_else(|| default.clone())
                .unwrap_or_default();
            fields.push(Field {
                path: q.path.clone(),
                label: q.prompt.clone(),
                help: q
                    .help
                    .clone()
                    .or_else(|| q.example.clone().map(|e| format!("e.g. {e}"))),
                question: q.clone(),
                input: Input::new(value),
                default,
                loaded: loaded.is_some(),
            });
        }
        // Required fields without an answer first, as the form shows them.
        fields.sort_by_key(|f| !(f.question.required && f.value().trim().is_empty()));
        self.fields = fields;
        self.env_fields.clear();
        if let Some(chart) = chart {
            self.prefill_environments(all, chart);
        }
    }

    /// The workload preset, once chosen.
    pub fn workload<'a>(&self, all: &'a [Preset]) -> Option<&'a Preset> {
        presets::find(all, self.preset.as_deref()?, PresetKind::Workload).ok()
    }

    /// The chosen environments, in preset order.
    pub fn chosen_environments(&self) -> Vec<String> {
        self.environments
            .iter()
            .filter(|(_, on)| *on)
            .map(|(e, _)| e.clone())
            .collect()
    }

    /// The index of the first field whose value is not acceptable.
    pub fn first_invalid(&self) -> Option<usize> {
        self.fields.iter().position(|f| f.check().is_err())
    }

    /// Builds the per-environment fields (replicas, and host when the preset asks for one),
    /// prefilled with what each environment gets without an answer.
    pub fn prefill_environments(&mut self, all: &[Preset], chart: &Chart) {
        let Some(workload) = self.workload(all) else {
            return;
        };
        let mut paths = vec![("replicas".to_string(), "Replicas", AnswerType::Integer)];
        if workload.questions.iter().any(|q| q.path == "ingress.host") {
            paths.push(("ingress.host".into(), "Host", AnswerType::String));
        }
        // What each environment gets from the presets and the base answers alone.
        let mut probe = self.clone();
        probe.env_fields.clear();
        let Ok(mut a) = probe.answers_unchecked() else {
            return;
        };
        let loaded = a.env_set.clone();
        a.env_set.clear();
        a.environments = self.environments.iter().map(|(e, _)| e.clone()).collect();
        let Ok(files) = generate::generate(chart, all, &a, "values.schema.json") else {
            return;
        };
        let defaults = chart.effective_defaults();
        let mut env_fields = BTreeMap::new();
        for (env, _) in &self.environments {
            let mut fields = Vec::new();
            for (path, label, t) in &paths {
                let default = effective(&files, env, path, &defaults).map(|v| text_of(&v));
                let from_answers = loaded.get(env).and_then(|s| value_in(s, path));
                let old = self
                    .env_fields
                    .get(env)
                    .and_then(|fs| fs.iter().find(|f| &f.path == path))
                    .filter(|f| f.recorded())
                    .map(|f| f.value().to_string());
                fields.push(Field {
                    path: path.clone(),
                    label: (*label).into(),
                    help: None,
                    question: Question {
                        path: path.clone(),
                        prompt: (*label).into(),
                        help: None,
                        answer_type: *t,
                        options: Vec::new(),
                        default: None,
                        example: None,
                        required: false,
                    },
                    input: Input::new(
                        old.or_else(|| from_answers.clone())
                            .or_else(|| default.clone())
                            .unwrap_or_default(),
                    ),
                    default,
                    loaded: from_answers.is_some(),
                });
            }
            env_fields.insert(env.clone(), fields);
        }
        self.env_fields = env_fields;
    }

    /// The answers for the fields as they are, or the first field's message.
    pub fn answers(&self) -> Result<Answers, String> {
        if self.preset.is_none() {
            return Err("choose a preset first".into());
        }
        for f in &self.fields {
            f.check().map_err(|why| format!("{}: {why}", f.label))?;
        }
        for (env, fs) in &self.env_fields {
            for f in fs {
                f.check()
                    .map_err(|why| format!("{env} {}: {why}", f.label))?;
            }
        }
        self.answers_unchecked()
    }

    fn answers_unchecked(&self) -> Result<Answers, String> {
        let preset = self.preset.clone().ok_or("choose a preset first")?;
        let name = self
            .fields
            .iter()
            .find(|f| f.path == NAME)
            .map(|f| f.value().trim().to_string())
            .unwrap_or_else(|| self.default_name.clone());
        let mut a = self.base.clone().unwrap_or_else(|| Answers {
            api_version: answers::API_VERSION.into(),
            preset: preset.clone(),
            name: name.clone(),
            image: None,
            environments: Vec::new(),
            set: Vec::new(),
            env_set: BTreeMap::new(),
            chart: None,
        });
        a.preset = preset;
        a.name = name;
        a.environments = self.chosen_environments();
        for f in self.fields.iter().filter(|f| f.path != NAME) {
            let v = f.value().trim();
            if f.path == "image" {
                if f.recorded() {
                    a.image = Some(v.to_string());
                }
                continue;
            }
            apply(&mut a.set, f).map_err(|e| e.to_string())?;
        }
        for (env, fs) in &self.env_fields {
            if !a.environments.contains(env) {
                continue;
            }
            let sets = a.env_set.entry(env.clone()).or_default();
            for f in fs {
                apply(sets, f).map_err(|e| e.to_string())?;
            }
            if sets.is_empty() {
                a.env_set.remove(env);
            }
        }
        Ok(a)
    }
}

/// The value a `--set` list gives the single path `path`, as text.
fn value_in(sets: &[SetExpr], path: &str) -> Option<String> {
    sets.iter()
        .rev()
        .find_map(|s| match s.assignments.as_slice() {
            [(p, v)] if crate::core::values::setexpr::path_to_string(p) == path => Some(text_of(v)),
            _ => None,
        })
}

/// Puts field `f`'s answer into `sets`: replaces the expression that sets its path (keeping
/// its place), or appends one when the field differs from its default.
fn apply(sets: &mut Vec<SetExpr>, f: &Field) -> crate::core::Result<()> {
    let pos = sets.iter().position(|s| match s.assignments.as_slice() {
        [(p, _)] => crate::core::values::setexpr::path_to_string(p) == f.path,
        _ => false,
    });
    let v = f.value().trim();
    match pos {
        Some(i) if !v.is_empty() => {
            let e = questions::answer_expr(&f.path, v)?;
            if sets[i].assignments != e.assignments {
                sets[i] = e;
            }
        }
        Some(i) => {
            sets.remove(i);
        }
        None if f.recorded() => sets.push(questions::answer_expr(&f.path, v)?),
        None => {}
    }
    Ok(())
}

/// What environment `env` gets at dotted `path`: its file, else the base file, else the chart.
fn effective(files: &[GenFile], env: &str, path: &str, defaults: &Value) -> Option<Value> {
    let ptr = format!("/{}", path.replace('.', "/"));
    let env_file = files.iter().find(|f| f.kind == FileKind::Env(env.into()));
    let base = files.iter().find(|f| f.kind == FileKind::Base);
    env_file
        .and_then(|f| f.values.pointer(&ptr))
        .or_else(|| base.and_then(|f| f.values.pointer(&ptr)))
        .or_else(|| defaults.pointer(&ptr))
        .filter(|v| !v.is_null())
        .cloned()
}
