//! Renders for the fleet: `helm template` through a bounded pool (at most `jobs` helm processes
//! at once), each result cached on disk under a content hash of everything that decides it —
//! helm's version, the chart's bytes, the release, namespace and Kubernetes version, the values
//! files' bytes — so a team whose files and chart did not change since the last run is not
//! rendered again. The charts are loaded once per source and version, each with its content
//! hash.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::core::base::error::{Error, Result};
use crate::core::base::helm::{self, Helm};
use crate::core::check::lint::{chart_hash, hex};
use crate::core::check::schema::SchemaCheck;
use crate::core::inputs::answers::ChartPin;
use crate::core::inputs::chart::{self, Chart};

/// helm's Go runtime for one render of the fleet: no garbage collection until its heap reaches
/// 256 MiB. A render lives about a tenth of a second and collecting cost a fifth to a third of its
/// CPU (`helm template` of a web-app team: 73–82 ms of CPU against 95–113 ms, measured with
/// GNU time); the limit keeps a large team's helm bounded (a 100-service render peaks at
/// ~140 MB this way, ~63 MB collecting).
const RENDER_ENV: &[(&str, &str)] = &[("GOGC", "off"), ("GOMEMLIMIT", "256MiB")];

/// A chart with the hash of its content and its schema compiled (once per run).
#[derive(Debug, Clone)]
pub(crate) struct Hashed {
    pub chart: Arc<Chart>,
    pub hash: String,
    pub schema: Option<Arc<SchemaCheck>>,
}

/// The result of one render.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Counts of one run, for the summary and the benchmark.
#[derive(Debug, Default, Serialize, Clone)]
pub(crate) struct Stats {
    /// helm processes run.
    pub renders: usize,
    /// Renders answered from the cache.
    pub cached: usize,
    /// Team environments not rendered at all: the candidate is the chart they are pinned to.
    pub skipped_same_chart: usize,
    /// Wall time of the helm processes, summed (milliseconds).
    pub helm_ms: u64,
    /// Time in the in-process schema checks and the policies, summed (milliseconds).
    pub schema_ms: u64,
    pub policy_ms: u64,
}

/// Milliseconds summed across tasks.
#[derive(Debug, Default)]
pub(crate) struct Clock(AtomicU64);

impl Clock {
    pub(crate) fn add(&self, d: std::time::Duration) {
        self.0.fetch_add(
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    pub(crate) fn ms(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A chart loaded at most once per run: (source, version) → its slot.
type ChartSlot = Arc<tokio::sync::OnceCell<Hashed>>;

/// The pool, the cache and the charts of one fleet run.
pub(crate) struct Renderer {
    pub helm: Helm,
    pub kube_version: Option<String>,
    cache: PathBuf,
    pool: Semaphore,
    renders: AtomicUsize,
    cached: AtomicUsize,
    helm_time: Clock,
    pub schema_time: Clock,
    pub policy_time: Clock,
    charts: Mutex<HashMap<(String, String), ChartSlot>>,
}

impl Renderer {
    pub(crate) fn new(
        helm: Helm,
        kube_version: Option<String>,
        cache: &Path,
        jobs: usize,
    ) -> Renderer {
        Renderer {
            helm,
            kube_version,
            cache: cache.join("renders"),
            pool: Semaphore::new(jobs.max(1)),
            renders: AtomicUsize::new(0),
            cached: AtomicUsize::new(0),
            helm_time: Clock::default(),
            schema_time: Clock::default(),
            policy_time: Clock::default(),
            charts: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            renders: self.renders.load(Ordering::Relaxed),
            cached: self.cached.load(Ordering::Relaxed),
            skipped_same_chart: 0,
            helm_ms: self.helm_time.ms(),
            schema_ms: self.schema_time.ms(),
            policy_ms: self.policy_time.ms(),
        }
    }

    /// The chart `source` at `version`, loaded (and pulled, for `oci://`) once per run.
    /// `built-in` is the chart inside apwiz; a relative path is tried against `base` first.
    pub(crate) async fn chart(
        &self,
        source: &str,
        version: Option<&str>,
        base: &Path,
    ) -> Result<Hashed> {
        let key = (source.to_string(), version.unwrap_or_default().to_string());
        let cell = self
            .charts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_try_init(|| self.load_chart(source, version, base))
            .await
            .cloned()
    }

    async fn load_chart(&self, source: &str, version: Option<&str>, base: &Path) -> Result<Hashed> {
        let (path, display) = if chart::remote(Path::new(source)).is_some() {
            let p = chart::pull(&self.helm, source, version).await?;
            (p, source.to_string())
        } else if source == "built-in" {
            (
                chart::embedded_path()?,
                "app-platform (built into apwiz)".to_string(),
            )
        } else {
            let rel = base.join(source);
            let p = if rel.exists() {
                rel
            } else {
                PathBuf::from(source)
            };
            (p, source.to_string())
        };
        let loaded = chart::load(&path, &display)?;
        if let Some(v) = version
            && loaded.meta.version != v
        {
            return Err(Error::Usage(format!(
                "{display} is {} {} now, not {v}",
                loaded.meta.name, loaded.meta.version
            )));
        }
        let hash = chart_hash(&path)?;
        let schema = loaded
            .schema
            .as_ref()
            .map(SchemaCheck::new)
            .transpose()?
            .map(Arc::new);
        Ok(Hashed {
            chart: Arc::new(loaded),
            hash,
            schema,
        })
    }

    /// The chart a team's pin names.
    pub(crate) async fn pinned(&self, pin: &ChartPin, base: &Path) -> Result<Hashed> {
        self.chart(&pin.source, Some(&pin.version), base).await
    }

    /// `helm template` of `files` (in order) with `chart` (schema not checked: see
    /// [`schema_errors`]), from the cache when it has the same
    /// inputs, else through the pool.
    pub(crate) async fn render(
        &self,
        chart: &Hashed,
        release: &str,
        namespace: &str,
        files: &[PathBuf],
    ) -> Result<Arc<Output>> {
        let mut h = Sha256::new();
        for part in [
            self.helm.version.to_string().as_str(),
            chart.hash.as_str(),
            release,
            namespace,
            self.kube_version.as_deref().unwrap_or("-"),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for f in files {
            h.update(std::fs::read(f).map_err(|e| Error::io(f, e))?);
            h.update([0]);
        }
        let key = hex(&h.finalize());
        let at = self
            .cache
            .join(&key[..2])
            .join(format!("{}.json", &key[2..]));
        if let Some(hit) = std::fs::read(&at)
            .ok()
            .and_then(|b| serde_json::from_slice::<Output>(&b).ok())
        {
            self.cached.fetch_add(1, Ordering::Relaxed);
            return Ok(Arc::new(hit));
        }
        let out = {
            let _slot = self
                .pool
                .acquire()
                .await
                .map_err(|_| Error::Invalid("the render pool closed".into()))?;
            let argv = self.helm.template_argv(&helm::Args {
                release: release.to_string(),
                chart: chart.chart.path.clone(),
                namespace: Some(namespace.to_string()),
                value_files: files.to_vec(),
                sets: Vec::new(),
                kube_version: self.kube_version.clone(),
                // The schema is checked in process, compiled once per chart
                // (`Hashed::schema`): helm's own check costs more than the render.
                skip_schema: true,
            });
            self.helm.run_env(argv, RENDER_ENV).await?
        };
        self.helm_time.add(out.duration);
        self.renders.fetch_add(1, Ordering::Relaxed);
        let result = Output {
            success: out.success,
            stdout: out.stdout,
            stderr: out.stderr,
        };
        if let Some(dir) = at.parent()
            && std::fs::create_dir_all(dir).is_ok()
            && let Ok(bytes) = serde_json::to_vec(&result)
        {
            // Written beside and renamed: a concurrent run never reads half an entry.
            let tmp = at.with_extension(format!("{}.tmp", std::process::id()));
            if std::fs::write(&tmp, bytes).is_ok() {
                let _ = std::fs::rename(&tmp, &at);
            }
        }
        Ok(Arc::new(result))
    }
}

/// The schema's errors on `files` layered over `chart`'s defaults, in process (files named by
/// their file name), timed into `clock`.
pub(crate) async fn schema_errors(
    chart: &Hashed,
    files: &[PathBuf],
    clock: &Clock,
) -> Result<Vec<crate::core::check::report::Finding>> {
    use crate::core::check::pipeline::{check_in_process, off_thread, read_layers};
    use crate::core::check::report::Severity;
    let Some(schema) = chart.schema.clone() else {
        return Ok(Vec::new());
    };
    let files: Vec<_> = files
        .iter()
        .map(|p| crate::core::inputs::ValuesFile {
            display: p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string(),
            path: p.clone(),
        })
        .collect();
    let c = chart.chart.clone();
    let t = std::time::Instant::now();
    let found = off_thread(move || -> Result<_> {
        let (layers, mut findings) = read_layers(&files)?;
        if findings.is_empty() {
            findings.extend(check_in_process(&c, Some(&schema), layers, &[]).1);
        }
        Ok(findings)
    })
    .await??;
    clock.add(t.elapsed());
    Ok(found
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect())
}
