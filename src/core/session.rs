//! The session: what every command and screen needs from its surroundings, resolved once per
//! process and shared (`Arc<Session>`) with background work. The user config, the theme and the
//! presets are read when it opens; the chart, helm, the compiled schema and the compiled policies
//! are found on first use and kept, so a front end that never renders never looks for helm.
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::core::base::error::{Error, Result, Setting};
use crate::core::base::helm::{self, Helm};
use crate::core::check::Checker;
use crate::core::check::policies::{self, Policies};
use crate::core::check::schema::SchemaCheck;
use crate::core::inputs::Inputs;
use crate::core::inputs::answers::{self, ChartPin};
use crate::core::inputs::chart::{self, Chart};
use crate::core::inputs::config::{self, Config};
use crate::core::inputs::presets::{self, Preset};
use crate::core::inputs::themes::{self, Theme};

/// What the user chose explicitly (flags, environment variables); anything `None` is found.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The user config file (default: [`config::default_path`]).
    pub config: Option<PathBuf>,
    pub theme: Option<String>,
    /// The chart: a directory, a `.tgz` archive, or `oci://host/path/name` (fetched by helm).
    pub chart: Option<PathBuf>,
    /// The version of an `oci://` chart (default: the registry's newest); for a chart on disk,
    /// the version it must have.
    pub chart_version: Option<String>,
    pub helm: Option<PathBuf>,
    /// The policies directory (default: `policies/` next to the chart, else the platform's
    /// policies built into apwiz).
    pub policies: Option<PathBuf>,
}

/// `oci://host[:port]/path/name:VERSION` as the reference without its tag and the version the
/// tag names (`None` without one). A port is not a tag; a digest (`@sha256:…`) is left as it is.
pub(crate) fn split_tag(reference: &str) -> (&str, Option<&str>) {
    let path_start = reference
        .strip_prefix("oci://")
        .and_then(|rest| rest.find('/'))
        .map(|i| i + "oci://".len());
    let Some(path_start) = path_start else {
        return (reference, None);
    };
    let name_start = reference.rfind('/').unwrap_or(path_start);
    match reference[name_start..].rfind(':') {
        Some(i)
            if !reference[name_start..].contains('@') && name_start + i + 1 < reference.len() =>
        {
            let at = name_start + i;
            (&reference[..at], Some(&reference[at + 1..]))
        }
        _ => (reference, None),
    }
}

/// The policies a session checks with, or why there are none.
#[derive(Debug, Clone)]
enum PolicyState {
    Ready(Arc<Mutex<Policies>>),
    Skipped(String),
}

/// One per process.
#[derive(Debug)]
pub struct Session {
    /// The directory the process started in; relative paths in messages are relative to it.
    pub cwd: PathBuf,
    pub config: Config,
    /// Where the user config is (or would be).
    pub config_path: Option<PathBuf>,
    /// Every theme: built in, then the user's.
    pub themes: Vec<Theme>,
    /// The theme in use.
    pub theme: Theme,
    /// The built-in presets.
    pub presets: Vec<Preset>,
    options: Options,
    chart: OnceLock<Arc<Chart>>,
    /// The `oci://` reference the chart was fetched from, if it was.
    pulled_from: OnceLock<String>,
    schema: OnceLock<Option<Arc<SchemaCheck>>>,
    helm: tokio::sync::OnceCell<Helm>,
    policies: OnceLock<PolicyState>,
}

impl Session {
    /// Reads the user config, the themes and the presets.
    pub fn open(options: Options) -> Result<Session> {
        let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
        let config_path = options.config.clone().or_else(config::default_path);
        let config = config::load(config_path.as_deref())?;
        let themes = themes::all(user_themes_dir(config_path.as_deref()).as_deref())?;
        let name = options
            .theme
            .clone()
            .or_else(|| config.theme.clone())
            .unwrap_or_else(|| "default".into());
        let theme = themes::find(&themes, &name)?;
        Ok(Session {
            cwd,
            config,
            config_path,
            themes,
            theme,
            presets: presets::builtin()?,
            options,
            chart: OnceLock::new(),
            pulled_from: OnceLock::new(),
            schema: OnceLock::new(),
            helm: tokio::sync::OnceCell::new(),
            policies: OnceLock::new(),
        })
    }

    /// `path` as messages show it: relative to the starting directory when inside it.
    pub(crate) fn display(&self, path: &Path) -> String {
        let shown = path
            .strip_prefix(&self.cwd)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| path.display().to_string());
        if shown.is_empty() { ".".into() } else { shown }
    }

    /// The chart, found and loaded on first use: `--chart`, else `chart/` here or in a parent,
    /// else the chart built into apwiz. A chart in a registry is fetched first
    /// ([`Session::fetch_chart`]).
    pub(crate) fn chart(&self) -> Result<Arc<Chart>> {
        if let Some(c) = self.chart.get() {
            return Ok(c.clone());
        }
        if let Some(reference) = self.remote() {
            return Err(Error::Environment(format!(
                "the chart {reference} has not been fetched yet (Session::fetch_chart)"
            )));
        }
        let path = chart::discover(self.options.chart.as_deref(), &self.cwd)?;
        let display = if chart::is_embedded(&path) {
            "app-platform (built into apwiz)".to_string()
        } else {
            self.display(&path)
        };
        let loaded = chart::load(&path, &display)?;
        if let Some(want) = &self.options.chart_version
            && *want != loaded.meta.version
        {
            return Err(Error::needs(
                Setting::Chart,
                format!(
                    "the chart at hand ({display}) is {} {}, not the --chart-version {want} asked for",
                    loaded.meta.name, loaded.meta.version
                ),
            ));
        }
        Ok(self.chart.get_or_init(|| Arc::new(loaded)).clone())
    }

    /// The `oci://` reference the user chose as the chart, if any.
    fn remote(&self) -> Option<&str> {
        self.options.chart.as_deref().and_then(chart::remote)
    }

    /// Fetches a chart in a registry (`--chart oci://…`, with `--chart-version`) with helm, once;
    /// nothing to do for a chart on disk.
    pub async fn fetch_chart(&self) -> Result<()> {
        let Some(given) = self.remote() else {
            return Ok(());
        };
        let (reference, tag) = split_tag(given);
        let version = match (tag, self.options.chart_version.as_deref()) {
            (Some(t), Some(v)) if t != v => {
                return Err(Error::Usage(format!(
                    "--chart {given} names version {t} but --chart-version says {v}: give the version once (oci://…/NAME:VERSION or --chart-version VERSION)"
                )));
            }
            (Some(t), _) => Some(t),
            (None, v) => v,
        };
        self.load_remote(reference, version).await
    }

    /// Follows a team's pin to a chart in a registry: with no `--chart`, files pinned to
    /// `oci://…` at a version render, validate and deploy with exactly that chart.
    pub(crate) async fn follow_pin(&self, pin: &ChartPin) -> Result<()> {
        if self.options.chart.is_some() || self.chart.get().is_some() {
            return Ok(());
        }
        if chart::remote(Path::new(&pin.source)).is_none() {
            return Ok(());
        }
        self.load_remote(&pin.source, Some(&pin.version)).await
    }

    async fn load_remote(&self, reference: &str, version: Option<&str>) -> Result<()> {
        let helm = self.helm().await?;
        let path = chart::pull(&helm, reference, version).await?;
        let loaded = chart::load(&path, reference)?;
        let display = format!("{reference} {}", loaded.meta.version);
        let _ = self.chart.set(Arc::new(chart::Chart { display, ..loaded }));
        self.pulled_from.get_or_init(|| reference.to_string());
        Ok(())
    }

    /// Loads another chart than the session's (`apwiz upgrade-chart`'s old and new ones): a
    /// directory, an archive, `built-in`, or `oci://…` at `version` (default: the newest),
    /// fetched with the session's helm.
    pub(crate) async fn other_chart(&self, source: &str, version: Option<&str>) -> Result<Chart> {
        if chart::remote(Path::new(source)).is_some() {
            let helm = self.helm().await?;
            let path = chart::pull(&helm, source, version).await?;
            let loaded = chart::load(&path, source)?;
            let display = format!("{source} {}", loaded.meta.version);
            return Ok(Chart { display, ..loaded });
        }
        if source == "built-in" {
            return chart::load(&chart::embedded_path()?, "app-platform (built into apwiz)");
        }
        let path = self.cwd.join(source);
        chart::load(&path, &self.display(&path))
    }

    /// The pin for files written with the chart at hand (`.apwiz.yaml`'s `chart:`).
    pub(crate) fn pin(&self) -> Result<ChartPin> {
        let chart = self.chart()?;
        let source = if let Some(reference) = self.pulled_from.get() {
            reference.clone()
        } else if chart::is_embedded(&chart.path) {
            "built-in".to_string()
        } else {
            self.display(&chart.path)
        };
        Ok(ChartPin {
            name: chart.meta.name.clone(),
            version: chart.meta.version.clone(),
            source,
        })
    }

    /// Refuses to work on files pinned to another chart version than the one at hand, unless
    /// the user chose the chart explicitly (`--chart`): then they asked for exactly that one.
    pub(crate) fn check_pin(&self, inputs: &Inputs) -> Result<()> {
        let (Some(pin), None) = (&inputs.pin, &self.options.chart) else {
            return Ok(());
        };
        let chart = self.chart()?;
        if pin.name == chart.meta.name && pin.version == chart.meta.version {
            return Ok(());
        }
        let answers = inputs
            .dir
            .as_ref()
            .map(|d| d.join(answers::FILE_NAME).display().to_string())
            .unwrap_or_else(|| answers::FILE_NAME.to_string());
        Err(Error::needs(
            Setting::Chart,
            format!(
                "{answers} pins {} {}, but the chart at hand ({}) is {} {}: use the pinned chart, or move the team to {} with `apwiz upgrade-chart` (it migrates renamed keys, shows the render diff per environment and rewrites the pin)",
                pin.name,
                pin.version,
                chart.display,
                chart.meta.name,
                chart.meta.version,
                chart.meta.version,
            ),
        ))
    }

    /// The chart's schema, compiled once (`None`: the chart has none).
    pub(crate) fn schema(&self) -> Result<Option<Arc<SchemaCheck>>> {
        if let Some(s) = self.schema.get() {
            return Ok(s.clone());
        }
        let chart = self.chart()?;
        let compiled = chart
            .schema
            .as_ref()
            .map(SchemaCheck::new)
            .transpose()?
            .map(Arc::new);
        Ok(self.schema.get_or_init(|| compiled).clone())
    }

    /// A supported helm, located once (the explicit one, the user config's, the pinned
    /// `.tools/bin`, then `PATH`).
    pub(crate) async fn helm(&self) -> Result<Helm> {
        // A chart in a registry is fetched with helm: then only the starting directory is
        // searched for the pinned one.
        let chart_dir = match (self.remote(), self.chart.get()) {
            (Some(_), _) => None,
            (None, Some(c)) => c.path.parent().map(Path::to_path_buf),
            // Not loaded: found without loading, so a pin to a registry can still be followed.
            (None, None) => chart::discover(self.options.chart.as_deref(), &self.cwd)?
                .parent()
                .map(Path::to_path_buf),
        };
        self.helm
            .get_or_try_init(|| async {
                let mut search_from = vec![self.cwd.clone()];
                if let Some(d) = chart_dir {
                    search_from.insert(0, d);
                }
                helm::locate(&helm::Locate {
                    explicit: self.options.helm.clone(),
                    configured: self.config.helm.clone(),
                    search_from,
                    path_var: std::env::var_os("PATH"),
                })
                .await
            })
            .await
            .cloned()
    }

    fn policy_state(&self) -> Result<PolicyState> {
        if let Some(p) = self.policies.get() {
            return Ok(p.clone());
        }
        let dir = match self.options.policies.clone() {
            Some(d) => Some(d),
            None => {
                let chart = self.chart()?;
                let d = chart
                    .path
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join("policies");
                d.is_dir().then_some(d)
            }
        };
        let state = match dir {
            Some(d) => {
                let display = self.display(&d);
                let p = Policies::load(&d, &display)?;
                if p.is_empty() {
                    PolicyState::Skipped(format!("no deny/warn rules in {display}"))
                } else {
                    PolicyState::Ready(Arc::new(Mutex::new(p)))
                }
            }
            // The platform's policies are written for the app-platform chart: built in, they
            // check that chart (a team's repository has no policies/ of its own), not others.
            None if self.chart()?.meta.name == policies::BUILTIN_CHART => {
                let sources: Vec<(String, String)> = policies::BUILTIN
                    .iter()
                    .map(|(n, t)| ((*n).to_string(), (*t).to_string()))
                    .collect();
                PolicyState::Ready(Arc::new(Mutex::new(Policies::from_sources(&sources)?)))
            }
            None => PolicyState::Skipped(format!(
                "no policies directory beside the chart, and the built-in policies are for {} (pass --policies DIR)",
                policies::BUILTIN_CHART
            )),
        };
        Ok(self.policies.get_or_init(|| state).clone())
    }

    /// What a check run needs, compiled once and shared: with helm and the policies, or (for
    /// `with_helm == false`) the in-process checks only.
    pub(crate) async fn checker(&self, with_helm: bool) -> Result<Checker> {
        let chart = self.chart()?;
        let schema = self.schema()?;
        if !with_helm {
            return Ok(Checker {
                chart,
                schema,
                helm: None,
                policies: None,
                policies_skipped: Some("--no-helm".into()),
            });
        }
        let helm = self.helm().await?;
        let (policies, policies_skipped) = match self.policy_state()? {
            PolicyState::Ready(p) => (Some(p), None),
            PolicyState::Skipped(why) => (None, Some(why)),
        };
        Ok(Checker {
            chart,
            schema,
            helm: Some(helm),
            policies,
            policies_skipped,
        })
    }
}

/// User themes live in `themes/` beside the user config.
pub(crate) fn user_themes_dir(config_path: Option<&Path>) -> Option<PathBuf> {
    config_path.and_then(Path::parent).map(|d| d.join("themes"))
}

#[cfg(test)]
mod tests {
    use super::split_tag;

    #[test]
    fn an_oci_tag_is_the_version_and_a_port_is_not() {
        assert_eq!(
            split_tag("oci://127.0.0.1:5000/charts/app-platform:0.2.0"),
            ("oci://127.0.0.1:5000/charts/app-platform", Some("0.2.0"))
        );
        for plain in [
            "oci://127.0.0.1:5000/charts/app-platform",
            "oci://localhost:5000",
            "oci://r.example.com/app-platform@sha256:abc",
            "oci://r.example.com/app-platform:",
        ] {
            assert_eq!(split_tag(plain), (plain, None), "{plain}");
        }
    }
}
