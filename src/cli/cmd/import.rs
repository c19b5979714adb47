//! `apwiz import manifests` and `apwiz import values`: a team's Kubernetes manifests, or a values
//! file written for another chart, → app-platform values written like `apwiz new` writes them
//! (minimal, `$schema` line, schema beside, import record, atomic, never clobbering), rendered by
//! helm; then the report: for manifests the proof (the render compared with the input object by
//! object), for a values file each source key taken, changed on purpose or not expressible.
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::cli::args::{
    ImportCommand, ImportManifestsArgs, ImportOutArgs, ImportValuesArgs, ValuesFrom,
};
use crate::cli::{Ctx, output, print};
use crate::core::base::error::{Error, Result};
use crate::core::base::helm;
use crate::core::base::names;
use crate::core::check::manifests::Object;
use crate::core::check::pipeline;
use crate::core::import::charts::{self, Convention};
use crate::core::import::proof::{self, Report};
use crate::core::import::{Note, Part, lift, manifests, read};
use crate::core::inputs::{self, Request};
use crate::core::scaffold::generate::{self, FileKind, GenFile};
use crate::core::scaffold::overrides;
use crate::core::values::merge::coalesce;
use crate::core::values::pointer::path_to_pointer;
use crate::core::values::read::parse_values;

/// The record of an import, beside the values (`.apwiz.yaml` is for `apwiz new`'s answers).
pub(crate) const RECORD_FILE: &str = ".apwiz-import.yaml";

pub(crate) fn run(ctx: &Ctx, c: ImportCommand) -> Result<u8> {
    match c {
        ImportCommand::Manifests(a) => manifests_cmd(ctx, a),
        ImportCommand::Values(a) => values_cmd(ctx, a),
    }
}

fn manifests_cmd(ctx: &Ctx, a: ImportManifestsArgs) -> Result<u8> {
    let objects = read::paths(&a.paths, &mut std::io::stdin())?;
    let mut imported = manifests::convert(objects);
    if imported.origins.is_empty() {
        return Err(Error::Usage(
            "no Deployment, StatefulSet, DaemonSet, Job, CronJob or ExternalName Service in the input: pass the application's manifests".into(),
        ));
    }
    let release = match (&a.out.name, imported.origins.as_slice()) {
        (Some(n), _) => n.clone(),
        (None, [one]) => one
            .workload
            .iter()
            .chain(&one.services)
            .next()
            .and_then(|id| id.split_once('/'))
            .map(|(_, n)| n.to_string())
            .unwrap_or_default(),
        (None, _) => release_from_path(&a.paths).ok_or_else(|| {
            Error::Usage(
                "several workloads: name the release with --name <release-name> (objects keep the names the manifests give them)".into(),
            )
        })?,
    };
    manifests::keep_object_name(&mut imported, &release);
    let chart = ctx.session.chart()?;
    let mut envs = Vec::new();
    let mut sources: Vec<String> = a.paths.iter().map(|p| display(p)).collect();
    for e in &a.envs {
        let (env, path) = env_arg(e)?;
        let mut over = manifests::convert(read::paths(
            std::slice::from_ref(&path),
            &mut std::io::stdin(),
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
    let Some(proven) = prove_then_write(ctx, &a.out, &mut import)? else {
        return Ok(1);
    };
    let mut report = proof::prove(&imported, &proven.objects, &chart.meta.name);
    report.add(proven.removed);
    report.warnings = proven.warnings;
    report.ratio = Some(size_ratio(&imported, &proven.written_text));
    finish(ctx, &a.out, &import.release, &proven.written, &report)
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
fn env_arg(e: &str) -> Result<(String, PathBuf)> {
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

fn values_cmd(ctx: &Ctx, a: ImportValuesArgs) -> Result<u8> {
    let from = match a.from {
        ValuesFrom::HelmCreate => Convention::HelmCreate,
        ValuesFrom::Bitnami => Convention::Bitnami,
        ValuesFrom::AppTemplate => Convention::AppTemplate,
    };
    let (name, source) = read_values(&a.file)?;
    let named = a.out.name.clone().or_else(|| {
        ["fullnameOverride", "nameOverride"]
            .iter()
            .filter_map(|k| source.get(*k).and_then(Value::as_str))
            .find(|n| !n.is_empty())
            .map(str::to_string)
    });
    // helm create's chart is in helm itself: the file is read over its defaults (what the team
    // left out, that chart fills), and the chart's render is the proof's input.
    let scaffold = match (&named, from) {
        (Some(release), Convention::HelmCreate) if a.file != Path::new("-") => {
            Some(HelmCreate::new(ctx, release)?)
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
        Some(n) if a.out.name.is_some() || !several => n,
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
    let mut sources = vec![display(&a.file)];
    let chart = ctx.session.chart()?;
    for e in &a.envs {
        let (env, file) = env_arg(e)?;
        let (file_name, over) = read_values(&file)?;
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
        sources.push(display(&file));
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
    let Some(proven) = prove_then_write(ctx, &a.out, &mut import)? else {
        return Ok(1);
    };
    let (written, objects) = (proven.written, proven.objects);
    let mut report = Report {
        todos,
        warnings: proven.warnings,
        ..Report::default()
    };
    report.add(proven.removed);
    if let Some(s) = &scaffold {
        let text = s.render(ctx, &a.file, a.out.kube_version.clone())?;
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
        notes.extend(proof::prove(&rendered, &objects, &chart.meta.name).all());
    }
    report.add(notes);
    finish(ctx, &a.out, &import.release, &written, &report)
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

/// `helm create <release>` in a scratch directory (removed when dropped): its default values,
/// and its render with a team's file by the same helm.
struct HelmCreate {
    scratch: PathBuf,
    chart: PathBuf,
    release: String,
    defaults: Value,
}

impl HelmCreate {
    fn new(ctx: &Ctx, release: &str) -> Result<HelmCreate> {
        let scratch = std::env::temp_dir().join(format!(
            "apwiz-helm-create-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&scratch).map_err(|e| Error::io(&scratch, e))?;
        // Named like the release, the chart names its objects like the release.
        let mut s = HelmCreate {
            chart: scratch.join(release),
            scratch,
            release: release.to_string(),
            defaults: Value::Null,
        };
        let session = ctx.session.clone();
        let argv = vec!["create".into(), s.chart.to_string_lossy().into_owned()];
        let created = ctx.block_on(async move { session.helm().await?.run(argv).await })?;
        if !created.success {
            return Err(Error::Environment(format!(
                "helm create failed: {}",
                created.stderr.trim()
            )));
        }
        s.defaults = read_values(&s.chart.join("values.yaml"))?.1;
        Ok(s)
    }

    fn render(&self, ctx: &Ctx, file: &Path, kube_version: Option<String>) -> Result<String> {
        let session = ctx.session.clone();
        let args = helm::Args {
            release: self.release.clone(),
            chart: self.chart.clone(),
            namespace: None,
            value_files: vec![file.to_path_buf()],
            sets: Vec::new(),
            kube_version,
            skip_schema: false,
        };
        let out = ctx.block_on(async move { session.helm().await?.template(&args).await })?;
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

impl Drop for HelmCreate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// The files written, with what happened to each.
type Written = Vec<(PathBuf, generate::Outcome)>;

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

/// What the proof rendered, and what was then written.
struct Proven {
    written: Written,
    /// The base values' render.
    objects: Vec<Object>,
    /// What the chart refused, taken out of the values so the files validate.
    removed: Vec<Note>,
    /// Warnings of the checks on the written values (they do not stop an import).
    warnings: Vec<String>,
    /// values.yaml as written.
    written_text: String,
}

/// The files of an import: values.yaml (minimal, `$schema` line), an environment file each,
/// the schema and the import record.
fn files_of(
    ctx: &Ctx,
    import: &Import,
    base: &Value,
    envs: &[(String, Value)],
) -> Result<Vec<GenFile>> {
    let chart = ctx.session.chart()?;
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
        text: record(ctx, import)?,
    });
    Ok(files)
}

/// A scratch directory for the proof, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "apwiz-import-{}-{}",
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

/// The proof before anything is written: the files are written to a scratch directory, helm
/// renders them, the schema and the policies check them (every environment). A value the
/// chart refuses at a values path is taken out and reported as not expressible, and the proof
/// runs again, so the files written always validate. Findings no value can be blamed for stop
/// the import with nothing written (`None`, printed). Then the files are written like `apwiz
/// new` writes them (atomic, never clobbering without --force).
fn prove_then_write(ctx: &Ctx, o: &ImportOutArgs, import: &mut Import) -> Result<Option<Proven>> {
    let chart = ctx.session.chart()?;
    let release = import.release.clone();
    names::check(&release).map_err(|why| Error::Usage(format!("--name {release:?}: {why}")))?;
    let mut base = lift::minimal(import.values.clone(), &chart.defaults.value);
    let mut envs = import.envs.clone();
    let mut removed = Vec::new();
    let scratch = Scratch::new()?;
    for _round in 0..12 {
        let files = files_of(ctx, import, &base, &envs)?;
        let planned = generate::plan(&scratch.0, &files, None, true)?;
        generate::apply(&planned)?;
        let (errors, warnings, objects) = check_all(ctx, o, &scratch.0, &release, &envs)?;
        if errors.is_empty() {
            let files = files_of(ctx, import, &base, &envs)?;
            let planned = generate::plan(&o.out, &files, None, o.force)?;
            let written = generate::apply(&planned)?;
            import.envs = envs;
            return Ok(Some(Proven {
                written,
                objects,
                removed,
                warnings,
                written_text: files[0].text.clone(),
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
            if ctx.json() {
                print(&output::json(
                    &json!({"ok": false, "written": false, "findings": errors}),
                ))?;
            } else {
                for f in &errors {
                    eprintln!("{}", output::finding_line(f, &ctx.err));
                }
                eprintln!("error: the imported values do not validate; nothing was written");
            }
            return Ok(None);
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
fn check_all(
    ctx: &Ctx,
    o: &ImportOutArgs,
    dir: &Path,
    release: &str,
    envs: &[(String, Value)],
) -> Result<(
    Vec<crate::core::check::report::Finding>,
    Vec<String>,
    Vec<Object>,
)> {
    use crate::core::check::report::Severity;
    let req = Request {
        dir: dir.to_path_buf(),
        release: Some(release.to_string()),
        kube_version: o.kube_version.clone(),
        ..Request::default()
    };
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut objects = Vec::new();
    for env in std::iter::once(None).chain(envs.iter().map(|(e, _)| Some(e.clone()))) {
        let base = env.is_none();
        let req = Request { env, ..req.clone() };
        let inputs = inputs::resolve(&req, ctx.session.config.kube_version.as_deref())?;
        let session = ctx.session.clone();
        let (report, rendered) = ctx.block_on(async move {
            let checker = session.checker(true).await?;
            let (v, r) = tokio::join!(
                pipeline::validate(checker.clone(), inputs.clone()),
                pipeline::render(checker, inputs)
            );
            Ok::<_, Error>((v?, r?))
        })?;
        for f in report.findings {
            match f.severity {
                Severity::Error => {
                    if !errors
                        .iter()
                        .any(|e: &crate::core::check::report::Finding| e.message == f.message)
                    {
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
                let mut f = crate::core::check::report::Finding::new(
                    crate::core::check::report::Source::Template,
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

/// Prints what was written and the report; exit 1 when something could not be expressed,
/// unless --allow-lossy.
fn finish(
    ctx: &Ctx,
    o: &ImportOutArgs,
    release: &str,
    written: &[(PathBuf, generate::Outcome)],
    report: &Report,
) -> Result<u8> {
    let failed = !report.lossy.is_empty() && !o.allow_lossy;
    if ctx.json() {
        let files: Vec<_> = written
            .iter()
            .map(|(p, o)| json!({"path": p, "outcome": format!("{o:?}").to_lowercase()}))
            .collect();
        let (exact, changed, lossy) = report.counted();
        print(&output::json(&json!({
            "ok": !failed,
            "release": release,
            "files": files,
            "shareExact": (report.share_exact() * 1000.0).round() / 1000.0,
            "fields": {"compared": exact + changed + lossy, "exact": exact, "changed": changed, "lossy": lossy},
            "report": report,
        })))?;
    } else {
        for (p, _) in written {
            print(&format!(
                "{} {}\n",
                ctx.out.paint("ok", "wrote"),
                p.display()
            ))?;
        }
        print(&report_text(ctx, report))?;
        let dir = o.out.display();
        print(&ctx.out.paint(
            "muted",
            &format!("next: apwiz validate --dir {dir} --release {release}\n"),
        ))?;
        if failed {
            eprintln!(
                "error: {} field(s) could not be expressed; pass --allow-lossy to accept that",
                report.lossy.len()
            );
        }
    }
    Ok(u8::from(failed))
}

fn record(ctx: &Ctx, import: &Import) -> Result<String> {
    let pin = ctx.session.pin()?;
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

/// A values file (`-` for stdin): its name for the report and its values.
fn read_values(file: &Path) -> Result<(String, Value)> {
    let (name, text) = if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Error::io("<stdin>", e))?;
        ("values.yaml".to_string(), text)
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

/// The report as text: the fields counted (exact), the rest listed per object and field, then
/// what was not imported, the warnings and what to do.
pub(crate) fn report_text(ctx: &Ctx, r: &Report) -> String {
    let s = &ctx.out;
    let (exact, changed, lossy) = r.counted();
    let mut out = format!(
        "\n{} {exact} of {} field(s) reproduced exactly ({:.1}%): {changed} changed on purpose, {lossy} not expressible\n",
        s.paint("ok", "reproduced:"),
        exact + changed + lossy,
        r.share_exact() * 100.0
    );
    if let Some(ratio) = r.ratio {
        out.push_str(&format!(
            "  values written: {:.0}% of the manifests' lines\n",
            ratio * 100.0
        ));
    }
    let line = |n: &Note| {
        let mut l = format!("  {} {}: {}", n.object, n.field, n.message);
        if let Some(h) = &n.hatch {
            l.push_str(&format!("\n      keep it: {h}"));
        }
        l.push('\n');
        l
    };
    let (added, changed): (Vec<&Note>, Vec<&Note>) = r.changed.iter().partition(|n| n.added);
    if !changed.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("accent", "changed by the platform on purpose:")
        ));
        changed.iter().for_each(|n| out.push_str(&line(n)));
    }
    if !added.is_empty() {
        // Said once per kind of addition, with the objects it applies to (not counted).
        out.push_str(&format!(
            "{}\n",
            s.paint("muted", "added by the platform (not counted):")
        ));
        let mut groups: Vec<(&str, &str, Vec<&str>)> = Vec::new();
        for n in &added {
            match groups
                .iter_mut()
                .find(|g| g.0 == n.field && g.1 == n.message)
            {
                Some(g) => g.2.push(&n.object),
                None => groups.push((&n.field, &n.message, vec![&n.object])),
            }
        }
        for (field, message, objects) in groups {
            let what = if field == "(added)" {
                message.to_string()
            } else {
                format!("{field}: {message}")
            };
            out.push_str(&format!("  {what}\n      on {}\n", objects.join(", ")));
        }
    }
    if !r.lossy.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("error", "could not be expressed:")
        ));
        r.lossy.iter().for_each(|n| out.push_str(&line(n)));
    }
    if !r.skipped.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("muted", "not imported (on purpose):")
        ));
        r.skipped.iter().for_each(|n| out.push_str(&line(n)));
    }
    if !r.warnings.is_empty() {
        out.push_str(&format!(
            "{}\n",
            s.paint("warning", "warnings of the checks:")
        ));
        r.warnings
            .iter()
            .for_each(|w| out.push_str(&format!("  {w}\n")));
    }
    if !r.todos.is_empty() {
        out.push_str(&format!("{}\n", s.paint("warning", "to do:")));
        r.todos
            .iter()
            .for_each(|t| out.push_str(&format!("  {t}\n")));
    }
    out
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
}
