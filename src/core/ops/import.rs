//! `apwiz import`, once for both front ends: a team's Kubernetes manifests, or a values file
//! written for another chart, → the files an import writes (minimal values.yaml with its
//! `$schema` line, an environment file each, the schema beside them, the import record), proven
//! before anything is written: the files are written to a scratch directory, helm renders them,
//! the schema and the policies check them (every environment); a value the chart refuses is
//! taken out and reported as not expressible, so the files written always validate. Then the
//! report: for manifests the render compared with the input object by object, for a values file
//! each source key taken, changed on purpose or not expressible.
//!
//! [`prove`] writes nothing into the team's directory; [`write`] writes what it proved with the
//! writer `apwiz new` and the wizard use (`scaffold::generate::plan` + `apply`: atomic, existing
//! files updated comment-preserving only with `force`, a `.bak` beside them).
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::core::base::error::{Error, Result};
use crate::core::base::helm;
use crate::core::base::names;
use crate::core::check::manifests::Object;
use crate::core::check::pipeline;
use crate::core::check::report::{Finding, Severity, Source as FindingSource};
use crate::core::import::charts::{self, Convention};
use crate::core::import::proof::{self, Report};
use crate::core::import::{Note, Part, lift, manifests, read};
use crate::core::inputs::{self, Inputs, Request as InputsRequest};
use crate::core::scaffold::generate::{self, FileKind, GenFile};
use crate::core::scaffold::overrides;
use crate::core::session::Session;
use crate::core::values::merge::coalesce;
use crate::core::values::pointer::path_to_pointer;
use crate::core::values::read::parse_values;

/// The record of an import, beside the values (`.apwiz.yaml` is for `apwiz new`'s answers).
pub(crate) const RECORD_FILE: &str = ".apwiz-import.yaml";

/// What is imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Kubernetes YAML: files, directories (a kustomize directory is built), `-` for stdin.
    Manifests(Vec<PathBuf>),
    /// A values file written for another chart's conventions (`-` for stdin).
    Values { file: PathBuf, from: Convention },
}

/// An import to prove.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    pub source: Source,
    /// `ENV=PATH`, as typed: an environment's manifests or values file.
    pub envs: Vec<String>,
    /// The release name (default: the one workload's name, or the file's fullnameOverride or
    /// nameOverride).
    pub name: Option<String>,
    /// The Kubernetes version helm assumes for the proof's render.
    pub kube_version: Option<String>,
    /// What `-` reads (the front end reads its standard input when a path is `-`).
    pub stdin: String,
}

impl Default for Source {
    fn default() -> Source {
        Source::Manifests(Vec::new())
    }
}

/// What the proof found.
#[derive(Debug, Clone)]
pub enum Proof {
    /// The files validate: what to write and the report.
    Proven(Box<Proven>),
    /// Findings no value can be blamed for: nothing can be written.
    Refused(Vec<Finding>),
}

/// An import proven: the files, the report and the base values' render.
#[derive(Debug, Clone)]
pub struct Proven {
    pub release: String,
    /// values.yaml, values-ENV.yaml each, the schema, the import record.
    pub files: Vec<GenFile>,
    pub report: Report,
    /// The environments of the files, in order.
    pub envs: Vec<String>,
    /// The render of values.yaml.
    pub objects: Vec<Object>,
}

/// The files written, with what happened to each.
pub(crate) type Written = Vec<(PathBuf, generate::Outcome)>;

/// Writes what [`prove`] proved into `out`, like `apwiz new` writes (never clobbering without
/// `force`; with it existing files are updated comment-preserving, a `.bak` beside them).
pub(crate) fn write(files: &[GenFile], out: &Path, force: bool) -> Result<Written> {
    generate::apply(&plan(files, out, force)?)
}

/// What [`write`] would do, worked out against the disk without touching it (the wizard's
/// review shows it before anything is written).
pub(crate) fn plan(files: &[GenFile], out: &Path, force: bool) -> Result<Vec<generate::Planned>> {
    generate::plan(out, files, None, force)
}

/// Writes an import's values.yaml and `env`'s file into `scratch` (never into the team's
/// directory) and returns the inputs of a render, with the file names the team will see in
/// messages: the wizard's side pane renders an import before it is written.
pub(crate) fn stage(
    session: &Session,
    proven: &Proven,
    out_dir: &Path,
    env: Option<&str>,
    scratch: &Path,
) -> Result<Inputs> {
    let texts: Vec<(&GenFile, String)> = proven.files.iter().map(|g| (g, g.text.clone())).collect();
    super::new::stage_files(session, &texts, &proven.release, out_dir, env, scratch)
}

/// Reads, converts and proves an import; nothing is written into the team's directory.
pub async fn prove(session: &Session, req: Request) -> Result<Proof> {
    match &req.source {
        Source::Manifests(paths) => prove_manifests(session, &req, paths).await,
        Source::Values { file, from } => prove_values(session, &req, file, *from).await,
    }
}

async fn prove_manifests(session: &Session, req: &Request, paths: &[PathBuf]) -> Result<Proof> {
    let objects = read::paths(paths, &mut req.stdin.as_bytes())?;
    let mut imported = manifests::convert(objects);
    if imported.origins.is_empty() {
        return Err(Error::Usage(
            "no Deployment, StatefulSet, DaemonSet, Job, CronJob or ExternalName Service in the input: pass the application's manifests".into(),
        ));
    }
    let release = match (&req.name, imported.origins.as_slice()) {
        (Some(n), _) => n.clone(),
        (None, [one]) => one
            .workload
            .iter()
            .chain(&one.services)
            .next()
            .and_then(|id| id.split_once('/'))
            .map(|(_, n)| n.to_string())
            .unwrap_or_default(),
        (None, _) => release_from_path(paths).ok_or_else(|| {
            Error::Usage(
                "several workloads: name the release with --name <release-name> (objects keep the names the manifests give them)".into(),
            )
        })?,
    };
    manifests::keep_object_name(&mut imported, &release);
    let chart = session.chart()?;
    let mut envs = Vec::new();
    let mut sources: Vec<String> = paths.iter().map(|p| display(p)).collect();
    for e in &req.envs {
        let (env, path) = env_arg(e)?;
        let mut over = manifests::convert(read::paths(
            std::slice::from_ref(&path),
            &mut req.stdin.as_bytes(),
        )?);
        manifests::keep_object_name(&mut over, &release);
        envs.push((
            env,
            lift::environment(&imported.values, &over.values, &chart.defaults.value),
        ));
        sources.push(display(&path));
    }
    let mut import = Import {
        from: "manifests",
        release,
        values: imported.values.clone(),
        envs,
        sources,
        todos: imported.todos.clone(),
    };
    lift::share_what_every_env_sets(&mut import.values, &mut import.envs);
    let mut proven = match prove_files(session, req, &mut import).await? {
        Ok(p) => p,
        Err(findings) => return Ok(Proof::Refused(findings)),
    };
    let mut report = proof::prove(&imported, &proven.objects, &chart.meta.name);
    report.add(std::mem::take(&mut proven.removed));
    report.warnings = std::mem::take(&mut proven.warnings);
    report.ratio = Some(size_ratio(&imported, &proven.files[0].text));
    Ok(proven.into_proof(import, report))
}

/// The release name a path gives (`shop/`, `shop.yaml`, `overlays/prod` → its base's name).
fn release_from_path(paths: &[PathBuf]) -> Option<String> {
    let p = paths.first().filter(|p| *p != Path::new("-"))?;
    let p = std::fs::canonicalize(p).ok()?;
    let mut dir = if p.is_dir() { Some(p.as_path()) } else { None };
    let stem = p.file_stem()?.to_string_lossy().into_owned();
    let mut candidates = vec![stem];
    while let Some(d) = dir {
        if let Some(n) = d.file_name() {
            candidates.push(n.to_string_lossy().into_owned());
        }
        dir = d.parent();
    }
    candidates
        .into_iter()
        .filter(|n| {
            !matches!(
                n.as_str(),
                "base" | "manifests" | "k8s" | "kubernetes" | "deploy" | "overlays"
            )
        })
        .find(|n| names::check(n).is_ok())
}

/// `ENV=PATH` of `--env`.
pub(crate) fn env_arg(e: &str) -> Result<(String, PathBuf)> {
    let Some((env, file)) = e.split_once('=') else {
        return Err(Error::Usage(format!(
            "--env {e:?}: write ENV=PATH, e.g. --env prod=overlays/production"
        )));
    };
    names::check(env).map_err(|why| Error::Usage(format!("--env {env:?}: {why}")))?;
    Ok((env.to_string(), PathBuf::from(file)))
}

/// The lines of values written against the lines of manifests read (the input's own YAML).
fn size_ratio(imported: &manifests::Imported, written: &str) -> f64 {
    let input: usize = imported
        .inputs
        .iter()
        .map(|i| {
            crate::core::values::yamlout::to_yaml(&i.value)
                .lines()
                .count()
        })
        .sum();
    let out = written
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .count();
    if input == 0 {
        0.0
    } else {
        (out as f64 / input as f64 * 1000.0).round() / 1000.0
    }
}

async fn prove_values(
    session: &Session,
    req: &Request,
    file: &Path,
    from: Convention,
) -> Result<Proof> {
    let (name, source) = read_values(file, &req.stdin)?;
    let named = req.name.clone().or_else(|| {
        ["fullnameOverride", "nameOverride"]
            .iter()
            .filter_map(|k| source.get(*k).and_then(Value::as_str))
            .find(|n| !n.is_empty())
            .map(str::to_string)
    });
    // helm create's chart is in helm itself: the file is read over its defaults (what the team
    // left out, that chart fills), and the chart's render is the proof's input.
    let scaffold = match (&named, from) {
        (Some(release), Convention::HelmCreate) if file != Path::new("-") => {
            Some(HelmCreate::new(session, release).await?)
        }
        _ => None,
    };
    let base = match &scaffold {
        Some(s) => coalesce(source.clone(), &s.defaults),
        None => source.clone(),
    };
    let mut converted = charts::convert(from, &base, &name);
    if scaffold.is_some() {
        converted.notes = of_file(converted.notes, &source);
    }
    let several = converted.values.get("services").is_some();
    let release = match named {
        Some(n) if req.name.is_some() || !several => n,
        _ => {
            return Err(Error::Usage(format!(
                "name the release with --name <release-name>{}",
                if several {
                    " (several controllers: objects are named <release>-<controller>)"
                } else {
                    " (the file sets neither fullnameOverride nor nameOverride)"
                }
            )));
        }
    };
    charts::keep_container_name(from, &mut converted.values, &release);
    let mut notes = converted.notes.clone();
    let mut todos = converted.todos.clone();
    let mut envs = Vec::new();
    let mut sources = vec![display(file)];
    let chart = session.chart()?;
    for e in &req.envs {
        let (env, env_file) = env_arg(e)?;
        let (file_name, over) = read_values(&env_file, &req.stdin)?;
        // Helm layers the environment's file over the base: convert the two together.
        let merged = coalesce(over.clone(), &source);
        let mut conv = charts::convert(from, &merged, &file_name);
        charts::keep_container_name(from, &mut conv.values, &release);
        let own = charts::leaves(&over);
        notes.extend(conv.notes.into_iter().filter(|n| {
            own.iter().any(|l| {
                n.field == *l
                    || l.starts_with(&format!("{}.", n.field))
                    || n.field.starts_with(&format!("{l}."))
            })
        }));
        for t in conv.todos {
            if !todos.contains(&t) {
                todos.push(t);
            }
        }
        envs.push((
            env,
            lift::environment(&converted.values, &conv.values, &chart.defaults.value),
        ));
        sources.push(display(&env_file));
    }
    let mut import = Import {
        from: from.name(),
        release,
        values: converted.values.clone(),
        envs,
        sources,
        todos: todos.clone(),
    };
    lift::share_what_every_env_sets(&mut import.values, &mut import.envs);
    let mut proven = match prove_files(session, req, &mut import).await? {
        Ok(p) => p,
        Err(findings) => return Ok(Proof::Refused(findings)),
    };
    let mut report = Report {
        todos,
        warnings: std::mem::take(&mut proven.warnings),
        ..Report::default()
    };
    report.add(std::mem::take(&mut proven.removed));
    if let Some(s) = &scaffold {
        let text = s.render(session, file, req.kube_version.clone()).await?;
        let inputs: Vec<_> = manifests::read_text("helm create", &text)?
            .into_iter()
            .filter(|i| {
                i.value
                    .pointer("/metadata/annotations/helm.sh~1hook")
                    .is_none()
            })
            .collect();
        let mut rendered = manifests::convert(inputs);
        // Compared with ours as one service of the chart's name (values carry no nameOverride).
        rendered.origins.iter_mut().for_each(|o| o.service.clear());
        rendered.notes.clear();
        rendered.todos.clear();
        notes.extend(proof::prove(&rendered, &proven.objects, &chart.meta.name).all());
    }
    report.add(notes);
    Ok(proven.into_proof(import, report))
}

/// The report's lines about keys the team's file itself holds (not the defaults it is read over).
fn of_file(notes: Vec<Note>, file: &Value) -> Vec<Note> {
    let own = charts::leaves(file);
    notes
        .into_iter()
        .filter(|n| {
            file.pointer(&path_to_pointer(&n.field)).is_some()
                || own.iter().any(|l| {
                    n.field == *l
                        || l.starts_with(&format!("{}.", n.field))
                        || n.field.starts_with(&format!("{l}."))
                })
        })
        .collect()
}

/// A scratch directory named `apwiz-<what>-<pid>-<nanos>`, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "apwiz-{what}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `helm create <release>` in a scratch directory (removed when dropped): its default values,
/// and its render with a team's file by the same helm.
struct HelmCreate {
    _scratch: Scratch,
    chart: PathBuf,
    release: String,
    defaults: Value,
}

impl HelmCreate {
    async fn new(session: &Session, release: &str) -> Result<HelmCreate> {
        let scratch = Scratch::new("helm-create")?;
        // Named like the release, the chart names its objects like the release.
        let chart = scratch.0.join(release);
        let argv = vec!["create".into(), chart.to_string_lossy().into_owned()];
        let created = session.helm().await?.run(argv).await?;
        if !created.success {
            return Err(Error::Environment(format!(
                "helm create failed: {}",
                created.stderr.trim()
            )));
        }
        let defaults = read_values(&chart.join("values.yaml"), "")?.1;
        Ok(HelmCreate {
            _scratch: scratch,
            chart,
            release: release.to_string(),
            defaults,
        })
    }

    async fn render(
        &self,
        session: &Session,
        file: &Path,
        kube_version: Option<String>,
    ) -> Result<String> {
        let args = helm::Args {
            release: self.release.clone(),
            chart: self.chart.clone(),
            namespace: None,
            value_files: vec![file.to_path_buf()],
            sets: Vec::new(),
            kube_version,
            skip_schema: false,
        };
        let out = session.helm().await?.template(&args).await?;
        if !out.success {
            return Err(Error::Usage(format!(
                "{}: helm create's own chart does not render with it: {}",
                display(file),
                out.stderr.trim()
            )));
        }
        Ok(out.stdout)
    }
}

/// What an import writes.
struct Import {
    /// `manifests`, or the convention of the values file.
    from: &'static str,
    release: String,
    /// The values as converted (reduced to the minimal file here).
    values: Value,
    /// Environment files: the environment and what it changes over the base.
    envs: Vec<(String, Value)>,
    sources: Vec<String>,
    todos: Vec<String>,
}

/// What the proof rendered.
struct Files {
    files: Vec<GenFile>,
    /// The base values' render.
    objects: Vec<Object>,
    /// What the chart refused, taken out of the values so the files validate.
    removed: Vec<Note>,
    /// Warnings of the checks on the values (they do not stop an import).
    warnings: Vec<String>,
}

impl Files {
    fn into_proof(self, import: Import, report: Report) -> Proof {
        Proof::Proven(Box::new(Proven {
            release: import.release,
            files: self.files,
            report,
            envs: import.envs.into_iter().map(|(e, _)| e).collect(),
            objects: self.objects,
        }))
    }
}

/// The files of an import: values.yaml (minimal, `$schema` line), an environment file each,
/// the schema and the import record.
fn files_of(
    session: &Session,
    import: &Import,
    base: &Value,
    envs: &[(String, Value)],
) -> Result<Vec<GenFile>> {
    let chart = session.chart()?;
    let release = &import.release;
    let header = format!(
        "# yaml-language-server: $schema={}\n\
         # {release}: imported by `apwiz import {}`; only what differs from the {} chart defaults.\n",
        generate::SCHEMA_FILE,
        if import.from == "manifests" {
            "manifests".to_string()
        } else {
            format!("values --from {}", import.from)
        },
        chart.meta.name,
    );
    let mut files = vec![GenFile {
        name: "values.yaml".into(),
        kind: FileKind::Base,
        text: overrides::new_file_text(&header, base),
        header,
        values: base.clone(),
    }];
    for (env, over) in envs {
        let header = format!(
            "# yaml-language-server: $schema={}\n# {release}, environment {env}: layered over values.yaml (apwiz validate --env {env}).\n",
            generate::SCHEMA_FILE
        );
        files.push(GenFile {
            name: format!("values-{env}.yaml"),
            kind: FileKind::Env(env.clone()),
            text: overrides::new_file_text(&header, over),
            header,
            values: over.clone(),
        });
    }
    if let Some(schema) = &chart.schema_text {
        files.push(GenFile {
            name: generate::SCHEMA_FILE.into(),
            kind: FileKind::Schema,
            header: String::new(),
            values: Value::Object(Map::new()),
            text: schema.clone(),
        });
    }
    files.push(GenFile {
        name: RECORD_FILE.into(),
        kind: FileKind::Answers,
        header: String::new(),
        values: Value::Object(Map::new()),
        text: record(session, import)?,
    });
    Ok(files)
}

/// The proof: the files are written to a scratch directory, helm renders them, the schema and
/// the policies check them (every environment). A value the chart refuses at a values path is
/// taken out and reported as not expressible, and the proof runs again, so the files always
/// validate. Findings no value can be blamed for: `Err(findings)`.
async fn prove_files(
    session: &Session,
    req: &Request,
    import: &mut Import,
) -> Result<std::result::Result<Files, Vec<Finding>>> {
    let chart = session.chart()?;
    let release = import.release.clone();
    names::check(&release).map_err(|why| Error::Usage(format!("--name {release:?}: {why}")))?;
    let mut base = lift::minimal(import.values.clone(), &chart.defaults.value);
    let mut envs = import.envs.clone();
    let mut removed = Vec::new();
    let scratch = Scratch::new("import")?;
    for _round in 0..12 {
        let files = files_of(session, import, &base, &envs)?;
        let planned = generate::plan(&scratch.0, &files, None, true)?;
        generate::apply(&planned)?;
        let (errors, warnings, objects) =
            check_all(session, req, &scratch.0, &release, &envs).await?;
        if errors.is_empty() {
            import.envs = envs;
            return Ok(Ok(Files {
                files,
                objects,
                removed,
                warnings,
            }));
        }
        let mut fixed = false;
        for f in &errors {
            let target = match f.file.as_deref() {
                Some(file)
                    if file.ends_with("values.yaml") || file.ends_with(".apwiz/values.yaml") =>
                {
                    None
                }
                Some(file) => envs
                    .iter()
                    .position(|(e, _)| file.ends_with(&format!("values-{e}.yaml"))),
                None => None,
            };
            let file = match target {
                Some(i) => format!("values-{}.yaml", envs[i].0),
                None => "values.yaml".to_string(),
            };
            let values = match target {
                Some(i) => &mut envs[i].1,
                None => &mut base,
            };
            if let Some(gone) = remove_path(values, &f.path) {
                fixed = true;
                removed.push(
                    Note::new(
                        Part::Lossy,
                        &file,
                        &f.path,
                        format!(
                            "left out: the chart refuses {} ({})",
                            short(&gone),
                            f.message
                        ),
                    )
                    .hatch(
                        f.fix.clone().unwrap_or_else(|| {
                            "set it by hand once the chart can express it".into()
                        }),
                    ),
                );
            }
        }
        if !fixed {
            return Ok(Err(errors));
        }
    }
    Err(Error::Invalid(
        "the imported values still do not validate after 12 rounds of leaving out what the chart refuses; nothing was written".into(),
    ))
}

/// A value for a report line, cut short.
fn short(v: &Value) -> String {
    let t = v.to_string();
    if t.chars().count() > 60 {
        format!("{}…", t.chars().take(57).collect::<String>())
    } else {
        t
    }
}

/// Takes the value at a dotted path (`services.api.ports[0].name`) out of `v`: what was there.
fn remove_path(v: &mut Value, path: &str) -> Option<Value> {
    let mut parts: Vec<(String, Option<usize>)> = Vec::new();
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let (key, rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !key.is_empty() {
            parts.push((key.to_string(), None));
        }
        for idx in rest.split('[').filter(|x| !x.is_empty()) {
            let n = idx.trim_end_matches(']').parse().ok()?;
            parts.push((String::new(), Some(n)));
        }
    }
    let (last, init) = parts.split_last()?;
    let mut cur = v;
    for (k, i) in init {
        cur = match i {
            Some(n) => cur.get_mut(*n)?,
            None => cur.get_mut(k.as_str())?,
        };
    }
    match (last, cur) {
        ((_, Some(n)), Value::Array(a)) if *n < a.len() => Some(a.remove(*n)),
        ((k, None), Value::Object(m)) => m.shift_remove(k.as_str()),
        _ => None,
    }
}

/// Validate (schema, policies, helm) and render each environment of the files in `dir`:
/// the errors, the warnings as lines, and the base render's objects.
async fn check_all(
    session: &Session,
    req: &Request,
    dir: &Path,
    release: &str,
    envs: &[(String, Value)],
) -> Result<(Vec<Finding>, Vec<String>, Vec<Object>)> {
    let ireq = InputsRequest {
        dir: dir.to_path_buf(),
        release: Some(release.to_string()),
        kube_version: req.kube_version.clone(),
        ..InputsRequest::default()
    };
    let mut errors: Vec<Finding> = Vec::new();
    let mut warnings = Vec::new();
    let mut objects = Vec::new();
    let checker = session.checker(true).await?;
    for env in std::iter::once(None).chain(envs.iter().map(|(e, _)| Some(e.clone()))) {
        let base = env.is_none();
        let ireq = InputsRequest {
            env,
            ..ireq.clone()
        };
        let inputs = inputs::resolve(&ireq, session.config.kube_version.as_deref())?;
        let (report, rendered) = tokio::join!(
            pipeline::validate(checker.clone(), inputs.clone()),
            pipeline::render(checker.clone(), inputs)
        );
        let (report, rendered) = (report?, rendered?);
        for f in report.findings {
            match f.severity {
                Severity::Error => {
                    if !errors.iter().any(|e| e.message == f.message) {
                        errors.push(f);
                    }
                }
                Severity::Warning => {
                    let l = if f.message.starts_with(&f.path) {
                        f.message.clone()
                    } else {
                        format!("{}: {}", f.path, f.message)
                    };
                    if !warnings.contains(&l) {
                        warnings.push(l);
                    }
                }
                Severity::Info => {}
            }
        }
        // What the API server would refuse although helm renders it.
        for o in &rendered.objects {
            for why in crate::core::import::fields::refused(&o.kind, &o.name, &o.value) {
                let mut f = Finding::new(
                    FindingSource::Template,
                    Severity::Error,
                    ".",
                    "api-server",
                    format!("the API server would refuse it: {why}"),
                );
                f.fix = Some(
                    "report it: the import wrote values the chart renders into an invalid pod"
                        .into(),
                );
                if !errors.iter().any(|e| e.message == f.message) {
                    errors.push(f);
                }
            }
        }
        if base {
            objects = rendered.objects;
        }
    }
    Ok((errors, warnings, objects))
}

fn record(session: &Session, import: &Import) -> Result<String> {
    let pin = session.pin()?;
    let release = &import.release;
    let v = json!({
        "apiVersion": "apwiz.dev/v1",
        "kind": "Import",
        "name": release,
        "from": import.from,
        "sources": import.sources,
        "chart": {"name": pin.name, "version": pin.version, "source": pin.source},
        "todo": import.todos,
    });
    Ok(format!(
        "# apwiz import record: what values.yaml was imported from. Render with\n\
         #   apwiz validate --dir <this directory> --release {release}\n{}",
        crate::core::values::yamlout::to_yaml(&v)
    ))
}

/// A values file (`-`: `stdin`): its name for the report and its values.
fn read_values(file: &Path, stdin: &str) -> Result<(String, Value)> {
    let (name, text) = if file == Path::new("-") {
        ("values.yaml".to_string(), stdin.to_string())
    } else {
        let text = std::fs::read_to_string(file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Usage(format!("{}: no such file", file.display()))
            } else {
                Error::io(file, e)
            }
        })?;
        let name = file
            .file_name()
            .map_or("values.yaml".into(), |n| n.to_string_lossy().into_owned());
        (name, text)
    };
    let v = parse_values(&text)
        .map_err(|e| {
            Error::Usage(format!(
                "{}:{}: not valid YAML: {}",
                display(file),
                e.loc.line,
                e.message
            ))
        })?
        .value;
    Ok((name, v))
}

fn display(p: &Path) -> String {
    if p == Path::new("-") {
        "<stdin>".into()
    } else {
        p.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_path_takes_out_keys_and_list_items() {
        let mut v = json!({"services": {"redis": {"image": {"registry": "", "tag": "1"}, "ports": [{"name": "a"}, {"name": "b"}]}}});
        assert_eq!(
            remove_path(&mut v, "services.redis.image.registry"),
            Some(json!(""))
        );
        assert_eq!(
            remove_path(&mut v, "services.redis.ports[0]"),
            Some(json!({"name": "a"}))
        );
        assert_eq!(
            v,
            json!({"services": {"redis": {"image": {"tag": "1"}, "ports": [{"name": "b"}]}}})
        );
    }

    #[test]
    fn env_arg_wants_env_equals_path() {
        assert_eq!(
            env_arg("prod=overlays/production").ok(),
            Some(("prod".to_string(), PathBuf::from("overlays/production")))
        );
        assert!(env_arg("overlays/production").is_err());
    }
}
