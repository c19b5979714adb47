//! `apwiz gitops argocd|flux`: the GitOps objects for the team's release, per environment, on
//! the pinned OCI chart and the team's values files in git (`core::gitops`), written under
//! `--out`.
use std::path::{Component, Path, PathBuf};

use serde_json::json;

use crate::cli::args::{GitopsArgs, GitopsTool};
use crate::cli::{Ctx, output, print};
use crate::core::base::error::{Error, Result};
use crate::core::gitops::{self, OciChart, Repo, Team};
use crate::core::inputs::answers::{self, Answers};
use crate::core::inputs::chart;
use crate::core::inputs::team_dir;
use crate::core::scaffold::overrides::write_atomic;

/// `git -C dir ARGS`, trimmed stdout when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The pinned chart in its registry: `--chart oci://…` (with `--chart-version`), else the pin.
fn oci_chart(ctx: &Ctx, answers: Option<&Answers>) -> Result<Option<OciChart>> {
    let pin = answers.and_then(|a| a.chart.as_ref());
    if let Some(reference) = ctx.global.chart.as_deref().and_then(chart::remote) {
        let version = ctx
            .global
            .chart_version
            .clone()
            .or_else(|| pin.map(|p| p.version.clone()))
            .ok_or_else(|| Error::Usage("--chart oci://… needs --chart-version here".into()))?;
        return OciChart::parse(reference, &version).map(Some);
    }
    match pin {
        Some(p) if chart::remote(Path::new(&p.source)).is_some() => {
            OciChart::parse(&p.source, &p.version).map(Some)
        }
        _ => Ok(None),
    }
}

/// `to` relative to `from` (both absolute): `../../deploy`.
fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Where the team's files are in git: the flags, else what git says about the directory.
fn repo(a: &GitopsArgs, dir: &Path) -> Result<Repo> {
    let url = a
        .repo_url
        .clone()
        .or_else(|| git(dir, &["remote", "get-url", "origin"]))
        .ok_or_else(|| {
            Error::Usage(format!(
                "{} has no git remote `origin`: pass --repo-url",
                dir.display()
            ))
        })?;
    let path = a
        .path
        .clone()
        .or_else(|| git(dir, &["rev-parse", "--show-prefix"]))
        .ok_or_else(|| {
            Error::Usage(format!(
                "{} is not in a git checkout: pass --path (the team directory inside the repository)",
                dir.display()
            ))
        })?;
    Ok(Repo {
        url,
        revision: a.revision.clone(),
        path: path.trim_end_matches('/').to_string(),
    })
}

pub(crate) fn run(ctx: &Ctx, a: GitopsArgs) -> Result<u8> {
    let dir = team_dir(&a.dir);
    let answers_path = dir.join(answers::FILE_NAME);
    let answers = match (&a.appset, answers_path.is_file()) {
        (Some(_), false) => None,
        _ => Some(Answers::load(&answers_path)?),
    };
    let environments = if a.env.is_empty() {
        answers
            .as_ref()
            .map(|x| x.environments.clone())
            .unwrap_or_default()
    } else {
        a.env.clone()
    };
    if environments.is_empty() {
        return Err(Error::Usage(
            "no environments: pass --env (comma-separated)".into(),
        ));
    }
    let control_namespace = a.gitops_namespace.clone().unwrap_or_else(|| {
        match a.tool {
            GitopsTool::Argocd => "argocd",
            GitopsTool::Flux => "flux-system",
        }
        .to_string()
    });
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from("gitops").join(match a.tool {
            GitopsTool::Argocd => "argocd",
            GitopsTool::Flux => "flux",
        })
    });
    let chart = oci_chart(ctx, answers.as_ref())?;
    let files = match (&a.appset, a.tool) {
        (Some(glob), GitopsTool::Argocd) => gitops::argocd_appset(
            glob,
            &environments,
            &repo(&a, &dir)?,
            chart.as_ref(),
            &control_namespace,
        )?,
        (Some(_), GitopsTool::Flux) => {
            return Err(Error::Usage(
                "--appset is Argo CD's ApplicationSet; for Flux run `apwiz gitops flux` in each team's directory".into(),
            ));
        }
        (None, tool) => {
            let answers = answers.as_ref().expect("loaded without --appset");
            let chart = chart.ok_or_else(|| {
                Error::Usage(format!(
                    "{} pins {}: a GitOps controller needs the chart in an OCI registry; publish it (scripts/package-chart.sh --push oci://…) and pass --chart oci://HOST/PATH/app-platform --chart-version V (or move the team there with `apwiz upgrade-chart --chart oci://…`)",
                    answers_path.display(),
                    answers
                        .chart
                        .as_ref()
                        .map(|p| format!("{} {} from {}", p.name, p.version, p.source))
                        .unwrap_or_else(|| "no chart".into())
                ))
            })?;
            let team = Team {
                release: answers.name.clone(),
                environments,
                chart,
                namespace: a.namespace.clone(),
                control_namespace,
            };
            match tool {
                GitopsTool::Argocd => gitops::argocd(&team, &repo(&a, &dir)?)?,
                // Flux reads the files through the platform's own GitRepository (the one its
                // Kustomization of this directory uses): no URL here.
                GitopsTool::Flux => {
                    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
                    let abs = |p: &Path| std::fs::canonicalize(p).map_err(|e| Error::io(p, e));
                    // Every environment's directory is one level below `out`.
                    let to_team = relative(&abs(&out)?.join("env"), &abs(&dir)?);
                    gitops::flux(&team, &to_team)?
                }
            }
        }
    };
    let mut written = Vec::new();
    for f in &files {
        let path = out.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        write_atomic(&path, &f.text)?;
        written.push(
            ctx.session
                .display(&std::path::absolute(&path).unwrap_or(path)),
        );
    }
    if ctx.json() {
        print(&output::json(&json!({"ok": true, "written": written})))?;
    } else {
        print(&format!("{}\n", written.join("\n")))?;
    }
    Ok(0)
}
