//! The command-line front end: turns parsed arguments into core calls and the results into
//! text or JSON. Returns an exit code (0 ok, 1 validation failed) or a core error (the binary
//! maps its kind to 1, 2 or 3).
pub mod args;
pub mod output;
pub mod prompts;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use serde_json::json;

use crate::core::answers::{self, Answers};
use crate::core::chart::{self, Chart};
use crate::core::config::{self, Config};
use crate::core::error::{Error, Result};
use crate::core::helm::{self, Helm};
use crate::core::newproj::{self, Outcome};
use crate::core::overrides::Change;
use crate::core::policies::Policies;
use crate::core::presets::{self, Preset, PresetKind};
use crate::core::schema::SchemaCheck;
use crate::core::setexpr::SetExpr;
use crate::core::themes::{self, Theme};
use crate::core::validate::{self, Checks, Inputs, ValuesFile};
use crate::core::{docs, yamlout};

use args::{
    Cli, Command, Format, Global, NewArgs, PresetsCommand, RenderArgs, ThemesCommand, ValidateArgs,
    ValuesArgs,
};
use output::Styler;
use prompts::Asker;

/// Everything a command needs from its surroundings.
pub struct Ctx {
    pub global: Global,
    pub config: Config,
    pub cwd: PathBuf,
    pub theme: Option<Theme>,
    /// Styles for stdout.
    pub out: Styler,
    /// Styles for stderr.
    pub err: Styler,
}

impl Ctx {
    /// Builds the context: reads the user config and picks the theme.
    pub fn new(global: Global) -> Result<Ctx> {
        let cfg_path = global.config.clone().or_else(config::default_path);
        let config = config::load(cfg_path.as_deref())?;
        let user_themes = cfg_path
            .as_deref()
            .and_then(Path::parent)
            .map(|d| d.join("themes"));
        let all = themes::all(user_themes.as_deref())?;
        let name = global
            .theme
            .clone()
            .or_else(|| config.theme.clone())
            .unwrap_or_else(|| "default".into());
        let theme = themes::find(&all, &name)?;
        let json = global.format == Format::Json;
        let out = Styler::new(
            Some(&theme),
            !json && output::colour_wanted(output::stdout_tty()),
        );
        let err = Styler::new(Some(&theme), output::colour_wanted(output::stderr_tty()));
        let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
        Ok(Ctx {
            global,
            config,
            cwd,
            theme: Some(theme),
            out,
            err,
        })
    }

    fn json(&self) -> bool {
        self.global.format == Format::Json
    }

    /// Finds and loads the chart.
    pub fn chart(&self) -> Result<Chart> {
        let path = chart::discover(self.global.chart.as_deref(), &self.cwd)?;
        let display = path
            .strip_prefix(&self.cwd)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| path.display().to_string());
        let display = if display.is_empty() {
            ".".into()
        } else {
            display
        };
        chart::load(&path, &display)
    }

    /// Finds a supported helm.
    pub async fn helm(&self, chart: &Chart) -> Result<Helm> {
        let mut search_from = vec![self.cwd.clone()];
        if let Some(d) = chart.path.parent() {
            search_from.insert(0, d.to_path_buf());
        }
        helm::locate(&helm::Locate {
            explicit: self.global.helm.clone(),
            configured: self.config.helm.clone(),
            search_from,
            path_var: std::env::var_os("PATH"),
        })
        .await
    }
}

fn print(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("<stdout>", e)),
    }
}

/// Runs the command; Ok(exit code).
pub fn run(cli: Cli) -> Result<u8> {
    let ctx = Ctx::new(cli.global)?;
    match cli.command {
        Command::New(a) => cmd_new(&ctx, a),
        Command::Render(a) => block_on(cmd_render(&ctx, a)),
        Command::Validate(a) => block_on(cmd_validate(&ctx, a)),
        Command::Docs(a) => cmd_docs(&ctx, a),
        Command::Presets(c) => cmd_presets(&ctx, c),
        Command::Themes(ThemesCommand::List) => cmd_themes(&ctx),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "apwiz", &mut buf);
            print(&String::from_utf8_lossy(&buf))?;
            Ok(0)
        }
    }
}

fn block_on<F: std::future::Future<Output = Result<u8>>>(f: F) -> Result<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Environment(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(f)
}

/// The text form of an error, as the binary prints it.
pub fn error_line(e: &Error) -> String {
    format!("error: {e}")
}

/// The JSON form of an error.
pub fn error_json(e: &Error, code: u8) -> String {
    let kind = match e.kind() {
        crate::core::ErrorKind::Usage => "usage",
        crate::core::ErrorKind::Environment => "environment",
        crate::core::ErrorKind::Failure => "failure",
    };
    output::json(
        &json!({"ok": false, "error": {"kind": kind, "message": e.to_string(), "exitCode": code}}),
    )
}

// ---------------------------------------------------------------------------------------------
// new

fn parse_env_set(s: &str) -> Result<(String, SetExpr)> {
    let Some((env, expr)) = s.split_once(':') else {
        return Err(Error::Usage(format!(
            "--set-env {s}: write ENV:path.to.key=value, e.g. --set-env prod:replicas=4"
        )));
    };
    Ok((env.to_string(), SetExpr::parse(expr)?))
}

fn cmd_new(ctx: &Ctx, a: NewArgs) -> Result<u8> {
    let chart = ctx.chart()?;
    let all = presets::builtin()?;
    let asker = Asker::new(ctx.global.non_interactive);
    let from_file = match &a.answers {
        Some(p) => Some(Answers::load(p)?),
        None => None,
    };
    let out_dir = a
        .out
        .clone()
        .or_else(|| {
            a.answers
                .as_ref()
                .map(|p| p.parent().map(Path::to_path_buf).unwrap_or_default())
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        p
                    }
                })
        })
        .unwrap_or_else(|| PathBuf::from("deploy"));

    let workloads: Vec<&Preset> = all
        .iter()
        .filter(|p| p.kind == PresetKind::Workload)
        .collect();
    let env_names: Vec<String> = all
        .iter()
        .filter(|p| p.kind == PresetKind::Environment)
        .map(|p| p.name.clone())
        .collect();

    let preset = match a
        .preset
        .clone()
        .or_else(|| from_file.as_ref().map(|f| f.preset.clone()))
    {
        Some(p) => p,
        None => {
            let names: Vec<String> = workloads.iter().map(|p| p.name.clone()).collect();
            let flag = format!("--preset <{}>", names.join("|"));
            let options: Vec<String> = workloads
                .iter()
                .map(|p| format!("{} — {}", p.name, p.title))
                .collect();
            let chosen = asker.select("Which kind of workload?", options, &flag)?;
            chosen.split(' ').next().unwrap_or_default().to_string()
        }
    };
    presets::find(&all, &preset, PresetKind::Workload)?;
    let name = match a
        .name
        .clone()
        .or_else(|| from_file.as_ref().map(|f| f.name.clone()))
    {
        Some(n) => n,
        None => asker.text(
            "Release name",
            Some("lowercase letters, digits and '-'; the base of every object name"),
            None,
            "--name <release-name>",
            |s| {
                if !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                {
                    Ok(())
                } else {
                    Err("lowercase letters, digits and '-'".into())
                }
            },
        )?,
    };
    let environments = match a
        .env
        .clone()
        .or_else(|| from_file.as_ref().map(|f| f.environments.clone()))
    {
        Some(e) => e.into_iter().filter(|s| !s.is_empty()).collect(),
        None if asker.interactive => asker.multi(
            "Environments (a values-<env>.yaml each)",
            env_names.clone(),
            "--env dev,staging,prod",
        )?,
        None => env_names.clone(),
    };
    let mut answers = Answers {
        api_version: answers::API_VERSION.into(),
        preset,
        name,
        image: a
            .image
            .clone()
            .or_else(|| from_file.as_ref().and_then(|f| f.image.clone())),
        environments,
        set: from_file
            .as_ref()
            .map(|f| f.set.clone())
            .unwrap_or_default(),
        env_set: from_file
            .as_ref()
            .map(|f| f.env_set.clone())
            .unwrap_or_default(),
    };
    for s in &a.set {
        answers.set.push(SetExpr::parse(s)?);
    }
    for s in &a.set_env {
        let (env, expr) = parse_env_set(s)?;
        answers.env_set.entry(env).or_default().push(expr);
    }
    // The preset's questions.
    for m in newproj::missing_answers(&all, &answers)? {
        let value = asker.question(&m.question, &m.flag)?;
        if m.question.path == "image" && m.env.is_none() {
            answers.image = Some(value);
            continue;
        }
        let expr = SetExpr::parse(&format!(
            "{}={}",
            m.question.path,
            value.replace('\\', "\\\\").replace(',', "\\,")
        ))?;
        match &m.env {
            Some(env) => answers.env_set.entry(env.clone()).or_default().push(expr),
            None => answers.set.push(expr),
        }
    }

    let schema_ref = newproj::schema_ref(&chart, &out_dir);
    let files = newproj::generate(&chart, &all, &answers, &schema_ref)?;
    // What the answers already in the directory generated: the base of the three-way update.
    let old_answers = Answers::load(&out_dir.join(answers::FILE_NAME)).ok();
    let old = old_answers.and_then(|o| newproj::generate(&chart, &all, &o, &schema_ref).ok());
    let planned = newproj::plan(&out_dir, &files, old.as_deref(), a.force)?;
    if a.dry_run {
        if ctx.json() {
            let items: Vec<_> = planned
                .iter()
                .map(|p| json!({"path": p.path, "write": p.text.is_some(), "exists": p.exists, "text": p.text}))
                .collect();
            print(&output::json(
                &json!({"ok": true, "dryRun": true, "files": items}),
            ))?;
        } else {
            for p in &planned {
                let what = match (&p.text, p.exists) {
                    (None, _) => "unchanged",
                    (Some(_), false) => "would create",
                    (Some(_), true) => "would update",
                };
                print(&format!("{} {}\n", what, p.path.display()))?;
                if let Some(t) = &p.text {
                    print(&format!("{}\n", indent(t)))?;
                }
            }
        }
        return Ok(0);
    }
    let results = newproj::apply(&planned)?;
    let notes = check_generated(&chart, &files, &out_dir);
    if ctx.json() {
        let items: Vec<_> = results
            .iter()
            .map(|(path, o)| match o {
                Outcome::Created => json!({"path": path, "outcome": "created"}),
                Outcome::Unchanged => json!({"path": path, "outcome": "unchanged"}),
                Outcome::Updated { backup, changes } => json!({
                    "path": path, "outcome": "updated", "backup": backup,
                    "changes": changes.iter().map(change_text).collect::<Vec<_>>()
                }),
            })
            .collect();
        print(&output::json(
            &json!({"ok": true, "files": items, "findings": notes}),
        ))?;
    } else {
        let s = &ctx.out;
        for f in &notes {
            eprintln!(
                "{} {}",
                ctx.err.paint(
                    "warning",
                    "warning: the generated values do not pass the checks yet:"
                ),
                output::finding_line(f, &ctx.err)
            );
        }
        for (path, o) in &results {
            let line = match o {
                Outcome::Created => format!("{} {}", s.paint("ok", "created"), path.display()),
                Outcome::Unchanged => {
                    format!("{} {}", s.paint("muted", "unchanged"), path.display())
                }
                Outcome::Updated { backup, changes } => {
                    let mut l = format!(
                        "{} {} (backup: {})",
                        s.paint("accent", "updated"),
                        path.display(),
                        backup.display()
                    );
                    for c in changes {
                        l.push_str(&format!("\n  {}", change_text(c)));
                    }
                    l
                }
            };
            print(&format!("{line}\n"))?;
        }
        let dir = out_dir.display();
        let env_hint = answers
            .environments
            .last()
            .map(|e| format!(" --env {e}"))
            .unwrap_or_default();
        print(&s.paint(
            "muted",
            &format!("next: apwiz validate --dir {dir}{env_hint}   ·   apwiz render --dir {dir}{env_hint} --summary\n"),
        ))?;
    }
    Ok(0)
}

/// The in-process checks on what `new` generated: base alone, and base + each environment.
fn check_generated(
    chart: &Chart,
    files: &[newproj::GenFile],
    out_dir: &Path,
) -> Vec<crate::core::report::Finding> {
    let Some(schema) = chart.schema.as_ref().and_then(|s| SchemaCheck::new(s).ok()) else {
        return Vec::new();
    };
    let layer = |f: &newproj::GenFile| {
        let name = out_dir.join(&f.name).display().to_string();
        validate::layer_from_text(&name, &f.text).ok()
    };
    let Some(base) = files
        .iter()
        .find(|f| f.kind == newproj::FileKind::Base)
        .and_then(layer)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (_, found) = validate::check_in_process(chart, Some(&schema), vec![base.clone()], &[]);
    out.extend(found);
    for f in files
        .iter()
        .filter(|f| matches!(f.kind, newproj::FileKind::Env(_)))
    {
        if let Some(env) = layer(f) {
            let (_, found) =
                validate::check_in_process(chart, Some(&schema), vec![base.clone(), env], &[]);
            out.extend(found);
        }
    }
    out.retain(|f| f.severity == crate::core::report::Severity::Error);
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| seen.insert((f.file.clone(), f.line, f.message.clone())));
    out
}

fn change_text(c: &Change) -> String {
    match c {
        Change::Set(p) => format!("set {p}"),
        Change::Removed(p) => format!("removed {p}"),
        Change::KeptHandEdit(p) => format!("kept your value of {p}"),
    }
}

fn indent(t: &str) -> String {
    t.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// render / validate

fn inputs(ctx: &Ctx, v: &ValuesArgs) -> Result<Inputs> {
    // In a repository root, `deploy/` is where `apwiz new` writes by default.
    let fallback = PathBuf::from("deploy");
    let dir = if v.values.is_empty()
        && v.dir == Path::new(".")
        && !Path::new("values.yaml").is_file()
        && fallback.join("values.yaml").is_file()
    {
        &fallback
    } else {
        &v.dir
    };
    let files = if v.values.is_empty() {
        validate::team_files(dir, v.env.as_deref())?
    } else {
        v.values
            .iter()
            .map(|p| ValuesFile {
                display: p.display().to_string(),
                path: p.clone(),
            })
            .collect()
    };
    let sets = v
        .set
        .iter()
        .map(|s| SetExpr::parse(s))
        .collect::<Result<Vec<_>>>()?;
    let release = match &v.release {
        Some(r) => r.clone(),
        None => Answers::load(&dir.join(answers::FILE_NAME))
            .map(|a| a.name)
            .unwrap_or_else(|_| release_from_dir(dir, &ctx.cwd)),
    };
    Ok(Inputs {
        files,
        sets,
        release,
        namespace: v.namespace.clone(),
        kube_version: v
            .kube_version
            .clone()
            .or_else(|| ctx.config.kube_version.clone()),
        environment: v.env.clone(),
    })
}

fn release_from_dir(dir: &Path, cwd: &Path) -> String {
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        cwd.join(dir)
    };
    let name = std::path::absolute(&abs)
        .ok()
        .and_then(|p| {
            p.components()
                .rfind(|c| matches!(c, std::path::Component::Normal(_)))
                .map(|c| c.as_os_str().to_string_lossy().to_lowercase())
        })
        .unwrap_or_default();
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .chars()
        .take(53)
        .collect();
    if clean.is_empty() {
        "release".into()
    } else {
        clean
    }
}

async fn cmd_render(ctx: &Ctx, a: RenderArgs) -> Result<u8> {
    let chart = ctx.chart()?;
    let inputs = inputs(ctx, &a.values)?;
    let helm = ctx.helm(&chart).await?;
    let r = validate::render(&chart, &helm, &inputs).await?;
    if !r.findings.is_empty() {
        if ctx.json() {
            print(&output::json(&json!({"ok": false, "findings": r.findings})))?;
        } else {
            for f in &r.findings {
                eprintln!("{}", output::finding_line(f, &ctx.err));
            }
        }
        return Ok(1);
    }
    if a.summary {
        if ctx.json() {
            print(&output::json(&json!({"ok": true, "objects": r.objects})))?;
        } else {
            let rows: Vec<Vec<String>> = r
                .objects
                .iter()
                .map(|o| {
                    vec![
                        o.kind.clone(),
                        o.name.clone(),
                        o.service.clone().unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            print(&output::table(
                &["KIND", "NAME", "SERVICE"],
                &rows,
                &ctx.out,
            ))?;
        }
    } else if ctx.json() {
        let docs: Vec<_> = r.objects.iter().map(|o| &o.value).collect();
        print(&output::json(&json!({"ok": true, "objects": docs})))?;
    } else {
        print(&r.manifests)?;
    }
    Ok(0)
}

async fn cmd_validate(ctx: &Ctx, a: ValidateArgs) -> Result<u8> {
    let chart = ctx.chart()?;
    let inputs = inputs(ctx, &a.values)?;
    let schema = chart.schema.as_ref().map(SchemaCheck::new).transpose()?;
    let helm = if a.no_helm {
        None
    } else {
        Some(ctx.helm(&chart).await?)
    };
    let (mut policies, skipped) = if a.no_helm {
        (None, Some("--no-helm".to_string()))
    } else {
        let dir = a.policies.clone().or_else(|| {
            let d = chart
                .path
                .parent()
                .unwrap_or(Path::new("."))
                .join("policies");
            d.is_dir().then_some(d)
        });
        match dir {
            Some(d) => {
                let display = d
                    .strip_prefix(&ctx.cwd)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| d.display().to_string());
                let p = Policies::load(&d, &display)?;
                if p.is_empty() {
                    (None, Some(format!("no deny/warn rules in {display}")))
                } else {
                    (Some(p), None)
                }
            }
            None => (
                None,
                Some("no policies directory (pass --policies DIR)".into()),
            ),
        }
    };
    let checks = Checks {
        chart: &chart,
        schema: schema.as_ref(),
        helm: helm.as_ref(),
        policies: policies.as_mut(),
        policies_skipped: skipped,
    };
    let report = validate::validate(checks, &inputs).await?;
    if ctx.json() {
        print(&output::json(&report))?;
    } else {
        print(&output::report_text(&report, &ctx.out))?;
    }
    Ok(if report.ok { 0 } else { 1 })
}

// ---------------------------------------------------------------------------------------------
// docs, presets, themes

fn cmd_docs(ctx: &Ctx, a: args::DocsArgs) -> Result<u8> {
    let chart = ctx.chart()?;
    if chart.is_archive && a.out.is_none() && !a.stdout {
        return Err(Error::Usage(
            "the chart is an archive: pass --out FILE or --stdout".into(),
        ));
    }
    let all = presets::builtin()?;
    let text = docs::readme(&chart, &all)?;
    if a.stdout {
        print(&text)?;
        return Ok(0);
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| chart.path.join("README.md"));
    let current = std::fs::read_to_string(&out).ok();
    if a.check {
        let fresh = current.as_deref() == Some(text.as_str());
        if ctx.json() {
            print(&output::json(
                &json!({"ok": fresh, "path": out, "stale": !fresh}),
            ))?;
        } else if fresh {
            print(&format!(
                "{} {} is up to date\n",
                ctx.out.paint("ok", "ok:"),
                out.display()
            ))?;
        } else {
            eprintln!(
                "{} {} is stale: run `apwiz docs` and commit the result",
                ctx.err.paint("error", "error:"),
                out.display()
            );
        }
        return Ok(if fresh { 0 } else { 1 });
    }
    let changed = current.as_deref() != Some(text.as_str());
    if changed {
        crate::core::overrides::write_atomic(&out, &text)?;
    }
    if ctx.json() {
        print(&output::json(
            &json!({"ok": true, "path": out, "changed": changed}),
        ))?;
    } else {
        print(&format!(
            "{} {}\n",
            if changed {
                ctx.out.paint("ok", "wrote")
            } else {
                ctx.out.paint("muted", "unchanged")
            },
            out.display()
        ))?;
    }
    Ok(0)
}

fn cmd_presets(ctx: &Ctx, c: PresetsCommand) -> Result<u8> {
    let all = presets::builtin()?;
    match c {
        PresetsCommand::List => {
            if ctx.json() {
                print(&output::json(&all))?;
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|p| {
                        vec![
                            p.name.clone(),
                            match p.kind {
                                PresetKind::Workload => "workload".into(),
                                PresetKind::Environment => "environment".into(),
                            },
                            p.title.clone(),
                            p.features.join(", "),
                        ]
                    })
                    .collect();
                print(&output::table(
                    &["NAME", "KIND", "TITLE", "FEATURES"],
                    &rows,
                    &ctx.out,
                ))?;
            }
        }
        PresetsCommand::Show { name } => {
            let p = all.iter().find(|p| p.name == name).ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
                let hint = crate::core::schema::did_you_mean(&name, names.iter().copied())
                    .map(|s| format!(" Did you mean \"{s}\"?"))
                    .unwrap_or_default();
                Error::Usage(format!(
                    "unknown preset \"{name}\".{hint} (one of: {})",
                    names.join(", ")
                ))
            })?;
            if ctx.json() {
                print(&output::json(p))?;
            } else {
                let s = &ctx.out;
                let mut t = format!(
                    "{} — {}\n{}\n",
                    s.paint("accent", &p.name),
                    p.title,
                    p.description
                );
                if !p.features.is_empty() {
                    t.push_str(&format!("features: {}\n", p.features.join(", ")));
                }
                if let Some(cv) = &p.chart_values {
                    t.push_str(&format!("values: the chart's {cv}\n"));
                }
                if !p.questions.is_empty() {
                    t.push_str("questions:\n");
                    for q in &p.questions {
                        let flag = if p.kind == PresetKind::Environment {
                            q.flag(Some(&p.name))
                        } else {
                            q.flag(None)
                        };
                        t.push_str(&format!(
                            "  {}{}  ({flag})\n",
                            q.prompt,
                            if q.required && q.default.is_none() {
                                " (required)"
                            } else {
                                ""
                            }
                        ));
                    }
                }
                if p.values.as_object().is_some_and(|m| !m.is_empty()) {
                    t.push_str("values:\n");
                    t.push_str(&indent(&yamlout::to_yaml(&p.values)));
                    t.push('\n');
                }
                for (env, v) in &p.environments {
                    t.push_str(&format!(
                        "values in {env}:\n{}\n",
                        indent(&yamlout::to_yaml(v))
                    ));
                }
                print(&t)?;
            }
        }
    }
    Ok(0)
}

fn cmd_themes(ctx: &Ctx) -> Result<u8> {
    let cfg_path = ctx.global.config.clone().or_else(config::default_path);
    let user = cfg_path
        .as_deref()
        .and_then(Path::parent)
        .map(|d| d.join("themes"));
    let all = themes::all(user.as_deref())?;
    if ctx.json() {
        print(&output::json(&all))?;
        return Ok(0);
    }
    let current = ctx
        .theme
        .as_ref()
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for t in &all {
        let sample = Styler::new(Some(t), output::colour_wanted(output::stdout_tty()));
        let swatch: Vec<String> = themes::ROLES.iter().map(|r| sample.paint(r, r)).collect();
        rows.push(vec![
            if t.name == current {
                format!("{} *", t.name)
            } else {
                t.name.clone()
            },
            t.description.clone(),
            swatch.join(" "),
        ]);
    }
    print(&output::table(
        &["NAME", "DESCRIPTION", "COLOURS"],
        &rows,
        &ctx.out,
    ))?;
    Ok(0)
}
