//! The project being edited: the preset, the release name, the answers to the preset's questions
//! and the per-environment values, as form fields. Turns them into [`Answers`] with the rules of
//! the core (`names::check`, `questions::check_answer`, `questions::answer_expr`), so the TUI
//! writes exactly what `apwiz new` writes for the same answers. No terminal types here besides the
//! text buffer of a field (`tui_input::Input`, plain data).
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use tui_input::Input;

use crate::core::base::names;
use crate::core::inputs::answers::{self, Answers};
use crate::core::inputs::chart::Chart;
use crate::core::inputs::presets::{self, AnswerType, Preset, PresetKind, Question};
use crate::core::scaffold::features::{self, FEATURES, Feature, FeatureField};
use crate::core::scaffold::generate::{self, FileKind, GenFile};
use crate::core::scaffold::questions;
use crate::core::values::pointer::path_to_pointer;
use crate::core::values::setexpr::SetExpr;

/// The path of the release-name field (not a values path).
pub(crate) const NAME: &str = "<name>";

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
    /// A feature's field: its own rule and `--set` form (lists as `{a,b}`).
    pub spec: Option<FeatureField>,
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
        if let Some(spec) = &self.spec {
            return spec.check(v);
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
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(","),
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
    /// Per environment: replicas, resources (and the host when the preset asks for one).
    pub env_fields: BTreeMap<String, Vec<Field>>,
    /// The directory's name, cleaned: the release name's default.
    pub default_name: String,
    /// The optional features, once the Features step (or a chart) has built them.
    pub features: Vec<FeatureState>,
    /// The workload type the features were built for.
    pub features_for: String,
}

/// A feature's state in the wizard.
#[derive(Debug, Clone)]
pub struct FeatureState {
    pub feature: &'static Feature,
    pub on: bool,
    /// What the preset (over the chart's defaults) gives without an answer.
    pub preset_on: bool,
    /// On only in these environments, by the preset (`backup` in staging and prod).
    pub preset_envs: Vec<String>,
    /// The loaded answers set the switch (kept even when equal to the preset).
    pub loaded: bool,
    /// Its fields the preset's questions do not already ask (those are shared with the form).
    pub fields: Vec<Field>,
    /// In a release of several services (`services:` in the preset), the switch of each: the
    /// Features step toggles these (empty: the top level is the one service).
    pub services: Vec<ServiceSwitch>,
}

/// A feature's switch in one service of a multi-service release.
#[derive(Debug, Clone)]
pub struct ServiceSwitch {
    pub service: String,
    pub on: bool,
    /// What the preset gives this service (its own value, else the top level's).
    pub preset_on: bool,
    /// The loaded answers set it.
    pub loaded: bool,
    /// The service's workload type.
    pub workload: String,
    /// `Err(why)` when the chart refuses the feature on this service (core's rule).
    pub allowed: Result<(), String>,
}

impl ServiceSwitch {
    /// Whether an answer records the switch.
    pub(crate) fn recorded(&self) -> bool {
        self.loaded || self.on != self.preset_on
    }
}

impl FeatureState {
    /// Whether an answer records the switch.
    pub(crate) fn recorded(&self) -> bool {
        self.loaded || self.on != self.preset_on
    }
}

impl Project {
    /// A new project in `out_dir`; `default_name` fills the release name.
    pub(crate) fn new(all: &[Preset], out_dir: PathBuf, default_name: String) -> Project {
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
            features: Vec::new(),
            features_for: String::new(),
        }
    }

    /// A project from its answers file (the edit flow).
    pub(crate) fn load(all: &[Preset], out_dir: PathBuf, a: Answers) -> Project {
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
    pub(crate) fn prefill(&mut self, given: &questions::Given, all: &[Preset]) {
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
    pub(crate) fn choose_preset(&mut self, all: &[Preset], chart: Option<&Chart>) {
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
            spec: None,
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
                spec: None,
            });
        }
        // Required fields without an answer first, as the form shows them.
        fields.sort_by_key(|f| !(f.question.required && f.value().trim().is_empty()));
        self.fields = fields;
        self.env_fields.clear();
        self.features.clear();
        if let Some(chart) = chart {
            self.prefill_features(all, chart);
            self.prefill_environments(all, chart);
        }
    }

    /// The workload preset, once chosen.
    pub(crate) fn workload<'a>(&self, all: &'a [Preset]) -> Option<&'a Preset> {
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
    pub(crate) fn first_invalid(&self) -> Option<usize> {
        self.fields.iter().position(|f| f.check().is_err())
    }

    /// Builds the per-environment fields ([`environments::fields`](crate::core::scaffold::environments::fields):
    /// replicas, CPU and memory requests and limits, the host when the preset asks for one),
    /// prefilled with what each environment gets without an answer.
    pub(crate) fn prefill_environments(&mut self, all: &[Preset], chart: &Chart) {
        let Some(workload) = self.workload(all) else {
            return;
        };
        let asked = crate::core::scaffold::environments::fields(workload);
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
            for ef in &asked {
                let path = &ef.path;
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
                    label: ef.label.clone(),
                    help: Some(ef.help.into()),
                    question: ef.question(),
                    input: Input::new(
                        old.or_else(|| from_answers.clone())
                            .or_else(|| default.clone())
                            .unwrap_or_default(),
                    ),
                    default,
                    loaded: from_answers.is_some(),
                    spec: None,
                });
            }
            env_fields.insert(env.clone(), fields);
        }
        self.env_fields = env_fields;
    }

    /// The service's workload type: a loaded answer, else the preset's, else the chart's default.
    pub(crate) fn workload_type(&self, all: &[Preset]) -> String {
        if let Some(f) = self.fields.iter().find(|f| f.path == "workloadType") {
            return f.value().trim().to_string();
        }
        if let Some(v) = self
            .base
            .as_ref()
            .and_then(|a| value_in(&a.set, "workloadType"))
        {
            return v;
        }
        self.workload(all)
            .and_then(|w| w.values.get("workloadType"))
            .map(text_of)
            .unwrap_or_else(|| "deployment".into())
    }

    /// Builds the feature toggles: on where the preset (or the chart) turns them on, or as the
    /// loaded answers say; their fields prefilled with what the files get without an answer.
    /// Toggles and fields already built for this preset keep their state.
    ///
    /// Kept whole: one pass over the features, each deciding its toggle and then its fields from
    /// the same merged values; the decisions of a feature read the ones made just before.
    pub(crate) fn prefill_features(&mut self, all: &[Preset], chart: &Chart) {
        let Some(workload) = self.workload(all) else {
            return;
        };
        let defaults = chart.effective_defaults();
        let preset_values =
            crate::core::values::merge::coalesce(workload.values.clone(), &defaults);
        let base_sets = self
            .base
            .as_ref()
            .map(|a| a.set.clone())
            .unwrap_or_default();
        self.features_for = self.workload_type(all);
        // What each service is, with the loaded answers (a service's type or Service may be one).
        let mut current = preset_values.clone();
        for e in &base_sets {
            e.apply(&mut current);
        }
        let old = std::mem::take(&mut self.features);
        for feature in FEATURES {
            let at_base = preset_values.pointer(&path_to_pointer(feature.switch.path()));
            let base_on = feature.switch.is_on(at_base);
            let preset_envs: Vec<String> = if base_on {
                Vec::new()
            } else {
                self.environments
                    .iter()
                    .filter(|(e, _)| {
                        workload.environments.get(e).is_some_and(|v| {
                            feature
                                .switch
                                .is_on(v.pointer(&path_to_pointer(feature.switch.path())))
                        })
                    })
                    .map(|(e, _)| e.clone())
                    .collect()
            };
            let preset_on = base_on || !preset_envs.is_empty();
            let loaded_on = loaded_switch(feature, None, &base_sets);
            let kept = old.iter().find(|o| o.feature.name == feature.name);
            // The preset's questions on the feature's keys take the feature's rule.
            for ff in feature.fields {
                if let Some(f) = self.fields.iter_mut().find(|f| f.path == ff.path) {
                    f.spec = Some(*ff);
                }
            }
            let fields = feature
                .fields
                .iter()
                .filter(|ff| !self.fields.iter().any(|f| f.path == ff.path))
                .map(|ff| {
                    let default = preset_values
                        .pointer(&path_to_pointer(ff.path))
                        .filter(|v| !v.is_null() && *v != &Value::String(String::new()))
                        .filter(|v| !matches!(v, Value::Array(a) if a.is_empty()))
                        .map(text_of);
                    let from_answers = value_in(&base_sets, ff.path);
                    let typed = kept
                        .and_then(|k| k.fields.iter().find(|f| f.path == ff.path))
                        .map(|f| f.value().to_string());
                    let value = typed
                        .or_else(|| from_answers.clone())
                        .or_else(|| default.clone())
                        .unwrap_or_else(|| ff.default.to_string());
                    Field {
                        path: ff.path.into(),
                        label: ff.label.into(),
                        help: Some(ff.help.into()),
                        question: Question {
                            path: ff.path.into(),
                            prompt: ff.label.into(),
                            help: Some(ff.help.into()),
                            answer_type: ff.answer_type,
                            options: Vec::new(),
                            default: None,
                            example: None,
                            required: true,
                        },
                        input: Input::new(value),
                        default,
                        loaded: from_answers.is_some(),
                        spec: Some(*ff),
                    }
                })
                .collect();
            let services = features::services(&preset_values)
                .into_iter()
                .map(|svc| {
                    let preset_on = feature.switch.is_on(features::service_value(
                        &preset_values,
                        &svc,
                        feature.switch.path(),
                    ));
                    let loaded = loaded_switch(feature, Some(&svc), &base_sets);
                    let on = kept
                        .and_then(|k| k.services.iter().find(|o| o.service == svc))
                        .map(|o| o.on)
                        .or(loaded)
                        .unwrap_or(preset_on);
                    ServiceSwitch {
                        workload: features::service_value(&current, &svc, "workloadType")
                            .map(text_of)
                            .unwrap_or_else(|| "deployment".into()),
                        allowed: feature.allowed_in(&current, &svc),
                        service: svc,
                        on,
                        preset_on,
                        loaded: loaded.is_some(),
                    }
                })
                .collect();
            self.features.push(FeatureState {
                feature,
                on: kept.map(|k| k.on).or(loaded_on).unwrap_or(preset_on),
                preset_on,
                preset_envs,
                loaded: loaded_on.is_some(),
                fields,
                services,
            });
        }
    }

    /// Whether feature `i` is on and does something: it applies to the workload type, or it was
    /// chosen anyway (and is then explained as a problem).
    /// In a multi-service release: on in some service.
    pub(crate) fn feature_active(&self, i: usize) -> bool {
        self.features.get(i).is_some_and(|fs| {
            if !fs.services.is_empty() {
                return fs
                    .services
                    .iter()
                    .any(|s| s.on && (s.recorded() || s.allowed.is_ok()));
            }
            fs.on && (fs.recorded() || fs.feature.allowed(&self.features_for).is_ok())
        })
    }

    /// Whether feature `i` can be toggled in service `j`: it applies there, or it was chosen
    /// anyway (to undo).
    pub(crate) fn service_toggleable(&self, i: usize, j: usize) -> Result<(), String> {
        match self.features.get(i).and_then(|fs| fs.services.get(j)) {
            Some(s) if !s.recorded() => s.allowed.clone(),
            _ => Ok(()),
        }
    }

    /// Whether feature `i` can be toggled: it applies, or it was chosen anyway (to undo).
    pub(crate) fn feature_toggleable(&self, i: usize) -> Result<(), String> {
        let Some(fs) = self.features.get(i) else {
            return Ok(());
        };
        if fs.recorded() {
            return Ok(());
        }
        fs.feature.allowed(&self.features_for)
    }

    /// The fields feature `i` shows when on: its own, and the preset's questions on its keys.
    /// In a multi-service release, a service the feature is on in that has its own question
    /// (`services.web.ingress.host`) shows it; the shared field (the top level's, inherited)
    /// shows when some service on has none.
    pub fn feature_fields(&self, i: usize) -> Vec<&Field> {
        let Some(fs) = self.features.get(i) else {
            return Vec::new();
        };
        let shared = |path: &str| {
            fs.fields
                .iter()
                .chain(self.fields.iter())
                .find(|f| f.path == path)
        };
        let mut out = Vec::new();
        for ff in fs.feature.fields {
            if fs.services.is_empty() {
                out.extend(shared(ff.path));
                continue;
            }
            for s in fs.services.iter().filter(|s| s.on) {
                let own = features::in_service(&s.service, ff.path);
                out.extend(self.fields.iter().find(|f| f.path == own));
            }
            if !self.inheriting(i, ff.path).is_empty() {
                out.extend(shared(ff.path));
            }
        }
        out
    }

    /// The services feature `i` is on in that take the shared (top-level) field at `path`: those
    /// without a question of their own for it.
    pub(crate) fn inheriting(&self, i: usize, path: &str) -> Vec<String> {
        let Some(fs) = self.features.get(i) else {
            return Vec::new();
        };
        fs.services
            .iter()
            .filter(|s| s.on)
            .filter(|s| {
                let own = features::in_service(&s.service, path);
                !self.fields.iter().any(|f| f.path == own)
            })
            .map(|s| s.service.clone())
            .collect()
    }

    /// Field `k` of [`Project::feature_fields`]`(i)`, to edit.
    pub(crate) fn feature_field_mut(&mut self, i: usize, k: usize) -> Option<&mut Field> {
        let path = self.feature_fields(i).get(k)?.path.clone();
        let fs = self.features.get_mut(i)?;
        if let Some(f) = fs.fields.iter_mut().find(|f| f.path == path) {
            return Some(f);
        }
        self.fields.iter_mut().find(|f| f.path == path)
    }

    /// What is wrong with feature `i` as chosen (the chart's rules, said where the choice is
    /// made), if anything.
    pub fn feature_problem(&self, i: usize) -> Option<String> {
        let fs = self.features.get(i)?;
        let wt = self.features_for.as_str();
        for s in &fs.services {
            if s.on
                && s.recorded()
                && let Err(why) = &s.allowed
            {
                return Some(why.clone());
            }
            if !s.on
                && let Err(why) = fs.feature.required(&s.workload)
            {
                return Some(format!("{}: {why}", s.service));
            }
        }
        // Chosen for a workload type the chart refuses it on (a default the chart ignores there,
        // like helm tests of a cronjob, is no choice).
        if fs.services.is_empty()
            && fs.on
            && fs.recorded()
            && let Err(why) = fs.feature.allowed(wt)
        {
            return Some(why);
        }
        if fs.services.is_empty()
            && !fs.on
            && let Err(why) = fs.feature.required(wt)
        {
            return Some(why);
        }
        if !self.feature_active(i) {
            return None;
        }
        for f in self.feature_fields(i) {
            if let Err(why) = f.check() {
                return Some(format!("{}: {why}", f.label));
            }
        }
        let fields = self.feature_fields(i);
        let value = |p: &str| {
            fields
                .iter()
                .find(|f| f.path == p)
                .map(|f| f.value().to_string())
        };
        fs.feature.check_fields(&value).err()
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
        for (i, fs) in self.features.iter().enumerate() {
            if !self.feature_active(i) {
                continue;
            }
            for f in self.feature_fields(i) {
                f.check()
                    .map_err(|why| format!("{} {}: {why}", fs.feature.title, f.label))?;
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
        for (i, fs) in self.features.iter().enumerate() {
            // Its own fields count while shown (a shared one only while some service inherits it).
            let shown: Vec<&str> = self
                .feature_fields(i)
                .iter()
                .map(|f| f.path.as_str())
                .collect();
            apply_feature(&mut a.set, fs, self.feature_active(i), &shown)
                .map_err(|e| e.to_string())?;
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
            let e = expr_of(f, v)?;
            if sets[i].assignments != e.assignments {
                sets[i] = e;
            }
        }
        Some(i) => {
            sets.remove(i);
        }
        None if f.recorded() => sets.push(expr_of(f, v)?),
        None => {}
    }
    Ok(())
}

/// The `--set` expression of field `f`'s answer `v`.
fn expr_of(f: &Field, v: &str) -> crate::core::Result<SetExpr> {
    match &f.spec {
        Some(spec) => spec.expr(v),
        None => questions::answer_expr(&f.path, v),
    }
}

/// Whether the loaded `--set`s turn `feature` on or off in service `svc` (`None`: the top
/// level), or `None` when they do not say.
fn loaded_switch(feature: &Feature, svc: Option<&str>, sets: &[SetExpr]) -> Option<bool> {
    use crate::core::scaffold::features::Switch;
    let at = |p: &str| svc.map_or_else(|| p.to_string(), |s| features::in_service(s, p));
    match feature.switch {
        Switch::Flag(p) => value_in(sets, &at(p)).map(|v| v == "true"),
        Switch::Value { path, value, off } => {
            if value_in(sets, &at(path)).as_deref() == Some(value) {
                Some(true)
            } else if value_in(sets, &at(off)).as_deref() == Some("false") {
                Some(false)
            } else {
                None
            }
        }
    }
}

/// The position of the expression in `sets` that sets exactly one path `wanted` accepts.
fn position_of(sets: &[SetExpr], wanted: impl Fn(&str) -> bool) -> Option<usize> {
    sets.iter().position(|s| match s.assignments.as_slice() {
        [(p, _)] => wanted(&crate::core::values::setexpr::path_to_string(p)),
        _ => false,
    })
}

/// Puts a feature's switch (when it differs from the preset, or was loaded), each service's in a
/// multi-service release, and when on its `shown` fields into `sets`; off (or a field no longer
/// shown) drops its fields' answers.
fn apply_feature(
    sets: &mut Vec<SetExpr>,
    fs: &FeatureState,
    active: bool,
    shown: &[&str],
) -> crate::core::Result<()> {
    put_switch(sets, fs, None, fs.on, fs.recorded())?;
    for s in &fs.services {
        put_switch(sets, fs, Some(&s.service), s.on, s.recorded())?;
    }
    for f in &fs.fields {
        if active && shown.contains(&f.path.as_str()) {
            apply(sets, f)?;
        } else if let Some(i) = position_of(sets, |p| p == f.path) {
            sets.remove(i);
        }
    }
    Ok(())
}

/// Puts feature `fs`'s switch in service `svc` (`None`: the top level) into `sets`: replaces
/// the expression that sets it (keeping its place) or appends one when `recorded`; else drops it.
fn put_switch(
    sets: &mut Vec<SetExpr>,
    fs: &FeatureState,
    svc: Option<&str>,
    on: bool,
    recorded: bool,
) -> crate::core::Result<()> {
    let switch = fs.feature.switch;
    match (position_of(sets, |p| switch.writes_in(svc, p)), recorded) {
        (Some(i), true) => {
            let e = switch.expr_in(svc, on)?;
            if sets[i].assignments != e.assignments {
                sets[i] = e;
            }
        }
        (None, true) => sets.push(switch.expr_in(svc, on)?),
        (Some(i), false) => {
            sets.remove(i);
        }
        (None, false) => {}
    }
    Ok(())
}

/// What environment `env` gets at dotted `path`: its file, else the base file, else the chart.
fn effective(files: &[GenFile], env: &str, path: &str, defaults: &Value) -> Option<Value> {
    let ptr = path_to_pointer(path);
    let env_file = files.iter().find(|f| f.kind == FileKind::Env(env.into()));
    let base = files.iter().find(|f| f.kind == FileKind::Base);
    env_file
        .and_then(|f| f.values.pointer(&ptr))
        .or_else(|| base.and_then(|f| f.values.pointer(&ptr)))
        .or_else(|| defaults.pointer(&ptr))
        .filter(|v| !v.is_null())
        .cloned()
}
