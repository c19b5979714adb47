//! The chart: found on disk (a directory or a `.tgz` archive), its defaults, schema and
//! per-environment values files read into memory. Helm itself gets the same path.
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::core::base::error::{Error, Result, Setting};
use crate::core::values::layers::{Layer, LayerKind};
use crate::core::values::read::{Parsed, parse_values};

/// What apwiz needs from `Chart.yaml`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ChartMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub app_version: Option<String>,
    #[serde(default)]
    pub kube_version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A loaded chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The path helm is given (directory or archive).
    pub path: PathBuf,
    /// How the chart's files are named in messages (`chart/values.yaml`).
    pub display: String,
    pub is_archive: bool,
    pub meta: ChartMeta,
    pub defaults_text: String,
    pub defaults: Parsed,
    /// `values.schema.json`, if the chart has one.
    pub schema: Option<Value>,
    pub schema_text: Option<String>,
    /// The chart's own per-environment overrides: env name → (file name, text).
    pub env_files: BTreeMap<String, (String, String)>,
    /// `migrations.yaml`: value keys renamed or removed between versions (`apwiz upgrade-chart`).
    pub migrations_text: Option<String>,
}

impl Chart {
    /// The chart defaults as a layer, named like `chart/values.yaml`.
    pub(crate) fn defaults_layer(&self) -> Layer {
        Layer {
            name: self.file_display("values.yaml"),
            kind: LayerKind::ChartDefaults,
            parsed: self.defaults.clone(),
        }
    }

    /// How a file inside the chart is named in messages.
    pub(crate) fn file_display(&self, file: &str) -> String {
        if self.is_archive {
            format!("{}:{file}", self.display)
        } else {
            format!("{}/{file}", self.display.trim_end_matches('/'))
        }
    }

    /// The chart's values for environment `env` (`values-<env>.yaml`), parsed.
    pub(crate) fn env_values(&self, env: &str) -> Result<Option<Parsed>> {
        let Some((name, text)) = self.env_files.get(env) else {
            return Ok(None);
        };
        parse_values(text)
            .map(Some)
            .map_err(|e| e.in_file(self.file_display(name)))
    }

    /// The chart defaults after Helm drops their `null`s: what a release with no values gets.
    pub(crate) fn effective_defaults(&self) -> Value {
        crate::core::values::merge::coalesce(
            Value::Object(Default::default()),
            &self.defaults.value,
        )
    }
}

/// Finds the chart: `explicit` if given, else `chart/` (with a `Chart.yaml`) in `start` or the
/// nearest parent that has one.
pub(crate) fn discover(explicit: Option<&Path>, start: &Path) -> Result<PathBuf> {
    if let Some(p) = explicit {
        if p.is_dir() && p.join("Chart.yaml").is_file() {
            return Ok(p.to_path_buf());
        }
        if p.is_file() && is_archive(p) {
            return Ok(p.to_path_buf());
        }
        return Err(Error::needs(
            Setting::Chart,
            format!(
                "chart not found at {}: expected a directory with Chart.yaml or a .tgz archive",
                p.display()
            ),
        ));
    }
    for dir in start.ancestors() {
        let candidate = dir.join("chart");
        if candidate.join("Chart.yaml").is_file() {
            return Ok(candidate);
        }
        if dir.join("Chart.yaml").is_file() && dir.join("values.yaml").is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    // A team's own repository: the chart built into apwiz.
    embedded_path()
}

/// The chart built into apwiz (`build.rs` packs `chart/`): a `.tgz` helm installs as is.
pub(crate) const EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/chart.tgz"));

/// The built-in chart as a file helm can read: written once into the user's cache directory
/// under a name that changes with its content, so two apwiz versions never share one.
pub(crate) fn embedded_path() -> Result<PathBuf> {
    let dir = directories::ProjectDirs::from("dev", "apwiz", "apwiz")
        .map(|d| d.cache_dir().join("charts"))
        .unwrap_or_else(|| std::env::temp_dir().join("apwiz-charts"));
    let path = dir.join(format!("app-platform-{:016x}.tgz", fnv64(EMBEDDED)));
    if std::fs::read(&path).is_ok_and(|b| b == EMBEDDED) {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    // Written beside and renamed: a concurrent apwiz never reads half a file.
    let tmp = dir.join(format!(".{}.{}", std::process::id(), fnv64(EMBEDDED)));
    std::fs::write(&tmp, EMBEDDED).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Whether `path` is the built-in chart's cached copy.
pub(crate) fn is_embedded(path: &Path) -> bool {
    embedded_path().is_ok_and(|p| p == path)
}

/// FNV-1a, 64 bits: a content tag for file names, not a security hash.
fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Writes the built-in chart out for plain helm: as the archive itself (`tgz`), or unpacked into
/// `dir/<name>/`. Returns what was written.
pub(crate) fn export(dest: &Path, tgz: bool) -> Result<PathBuf> {
    if tgz {
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(dest, EMBEDDED).map_err(|e| Error::io(dest, e))?;
        return Ok(dest.to_path_buf());
    }
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(EMBEDDED));
    let bad =
        |e: std::io::Error| Error::Invalid(format!("the built-in chart cannot be unpacked: {e}"));
    let mut top = None;
    for entry in ar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let rel = entry.path().map_err(bad)?.to_path_buf();
        if top.is_none() {
            top = rel.components().next().map(|c| dest.join(c.as_os_str()));
        }
        if !entry.unpack_in(dest).map_err(bad)? {
            return Err(Error::Invalid(format!(
                "the built-in chart has an entry outside its directory: {}",
                rel.display()
            )));
        }
    }
    Ok(top.unwrap_or_else(|| dest.to_path_buf()))
}

/// The reference when `p` names a chart in an OCI registry (`oci://host/path/name`), which helm
/// fetches, rather than a path.
pub(crate) fn remote(p: &Path) -> Option<&str> {
    p.to_str().filter(|s| s.starts_with("oci://"))
}

/// Whether helm must talk plain http to the registry of `reference`: only a registry on this
/// machine (loopback), like the test suite's; anything else is reached over TLS.
pub(crate) fn plain_http(reference: &str) -> bool {
    let host = reference
        .trim_start_matches("oci://")
        .split('/')
        .next()
        .unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
}

/// Where pulled charts are kept: the user's cache directory, one directory per reference and
/// version, so a pinned version is fetched once.
fn pull_cache() -> PathBuf {
    directories::ProjectDirs::from("dev", "apwiz", "apwiz")
        .map(|d| d.cache_dir().join("charts").join("oci"))
        .unwrap_or_else(|| std::env::temp_dir().join("apwiz-charts").join("oci"))
}

/// The cache directory of `reference` at `version`.
fn pulled_dir(reference: &str, version: &str) -> PathBuf {
    pull_cache().join(format!(
        "{:016x}",
        fnv64(format!("{reference}@{version}").as_bytes())
    ))
}

/// The one `.tgz` in `dir`, if there is exactly one.
fn only_archive(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_archive(p))
        .collect();
    (found.len() == 1).then(|| found.remove(0))
}

/// Fetches the chart `reference` (`oci://…`) at `version` (default: the registry's newest) with
/// `helm pull`, into the cache keyed by reference and version; a cached version is not fetched
/// again. Returns the archive's path.
pub(crate) async fn pull(
    helm: &crate::core::base::helm::Helm,
    reference: &str,
    version: Option<&str>,
) -> Result<PathBuf> {
    let cache = pull_cache();
    if let Some(v) = version
        && let Some(hit) = only_archive(&pulled_dir(reference, v))
    {
        return Ok(hit);
    }
    std::fs::create_dir_all(&cache).map_err(|e| Error::io(&cache, e))?;
    // A directory of this process's own: helm writes the archive under the chart's own name.
    let tmp = cache.join(format!(
        ".pull-{}-{:016x}",
        std::process::id(),
        fnv64(reference.as_bytes())
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let fetched = fetch_into(helm, reference, version, &tmp).await;
    let _ = std::fs::remove_dir_all(&tmp);
    fetched
}

async fn fetch_into(
    helm: &crate::core::base::helm::Helm,
    reference: &str,
    version: Option<&str>,
    tmp: &Path,
) -> Result<PathBuf> {
    let mut argv = vec![
        "pull".to_string(),
        reference.to_string(),
        "--destination".into(),
        tmp.to_string_lossy().into_owned(),
    ];
    if let Some(v) = version {
        argv.extend(["--version".into(), v.to_string()]);
    }
    if plain_http(reference) {
        argv.push("--plain-http".into());
    }
    let out = helm.run(argv).await?;
    if !out.success {
        return Err(Error::needs(
            Setting::Chart,
            format!(
                "helm pull {reference}{} failed: {}",
                version
                    .map(|v| format!(" --version {v}"))
                    .unwrap_or_default(),
                out.stderr.trim()
            ),
        ));
    }
    let got = only_archive(tmp).ok_or_else(|| {
        Error::Environment(format!(
            "helm pull {reference} wrote no single chart archive into {}",
            tmp.display()
        ))
    })?;
    let meta = load(&got, reference)?.meta;
    let dir = pulled_dir(reference, &meta.version);
    let dest = dir.join(got.file_name().unwrap_or_default());
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    std::fs::rename(&got, &dest).map_err(|e| Error::io(&dest, e))?;
    Ok(dest)
}

fn is_archive(p: &Path) -> bool {
    let s = p.to_string_lossy();
    s.ends_with(".tgz") || s.ends_with(".tar.gz")
}

/// Loads the chart at `path` (a directory or an archive); `display` names it in messages.
pub fn load(path: &Path, display: &str) -> Result<Chart> {
    let files = if path.is_dir() {
        read_dir_files(path)?
    } else if path.is_file() && is_archive(path) {
        read_archive_files(path)?
    } else {
        return Err(Error::needs(
            Setting::Chart,
            format!("chart not found at {}", path.display()),
        ));
    };
    let is_archive = !path.is_dir();
    let get = |name: &str| files.get(name).cloned();
    let chart_yaml = get("Chart.yaml").ok_or_else(|| {
        Error::Environment(format!("{}: no Chart.yaml in the chart", path.display()))
    })?;
    let meta: ChartMeta = serde_yaml::from_str(&chart_yaml)
        .map_err(|e| Error::Environment(format!("{display}/Chart.yaml cannot be read: {e}")))?;
    let defaults_text = get("values.yaml").unwrap_or_default();
    let mut chart = Chart {
        path: path.to_path_buf(),
        display: display.to_string(),
        is_archive,
        meta,
        defaults: Parsed::default(),
        defaults_text: defaults_text.clone(),
        schema: None,
        schema_text: None,
        env_files: BTreeMap::new(),
        migrations_text: get("migrations.yaml"),
    };
    chart.defaults =
        parse_values(&defaults_text).map_err(|e| e.in_file(chart.file_display("values.yaml")))?;
    if let Some(text) = get("values.schema.json") {
        let schema: Value = serde_json::from_str(&text).map_err(|e| Error::Yaml {
            file: chart.file_display("values.schema.json"),
            line: e.line(),
            column: e.column(),
            message: format!("not valid JSON: {e}"),
        })?;
        chart.schema = Some(schema);
        chart.schema_text = Some(text);
    }
    for (name, text) in &files {
        if let Some(env) = name
            .strip_prefix("values-")
            .and_then(|n| n.strip_suffix(".yaml"))
            && !env.contains('/')
        {
            chart
                .env_files
                .insert(env.to_string(), (name.clone(), text.clone()));
        }
    }
    Ok(chart)
}

/// The top-level files of a chart directory that apwiz reads.
fn read_dir_files(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if wanted(&name) && entry.path().is_file() {
            let text =
                std::fs::read_to_string(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            out.insert(name, text);
        }
    }
    Ok(out)
}

fn wanted(name: &str) -> bool {
    name == "Chart.yaml"
        || name == "migrations.yaml"
        || name == "values.yaml"
        || name == "values.schema.json"
        || (name.starts_with("values-") && name.ends_with(".yaml"))
}

/// The same files from a packaged chart (`<name>/Chart.yaml` inside a gzip'd tar).
fn read_archive_files(path: &Path) -> Result<BTreeMap<String, String>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let gz = flate2::read::GzDecoder::new(f);
    let mut ar = tar::Archive::new(gz);
    let mut out = BTreeMap::new();
    let bad = |e: std::io::Error| {
        Error::Environment(format!(
            "{}: not a readable chart archive: {e}",
            path.display()
        ))
    };
    for entry in ar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let p = entry.path().map_err(bad)?.to_path_buf();
        let comps: Vec<_> = p.components().collect();
        if comps.len() != 2 {
            continue;
        }
        let name = comps[1].as_os_str().to_string_lossy().to_string();
        if !wanted(&name) {
            continue;
        }
        let mut text = String::new();
        entry.read_to_string(&mut text).map_err(bad)?;
        out.insert(name, text);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_references_are_remote_and_loopback_registries_are_plain_http() {
        assert_eq!(
            remote(Path::new("oci://127.0.0.1:5000/charts/app-platform")),
            Some("oci://127.0.0.1:5000/charts/app-platform")
        );
        assert_eq!(remote(Path::new("chart/")), None);
        assert!(plain_http("oci://127.0.0.1:5000/charts/app-platform"));
        assert!(plain_http("oci://localhost/charts/app-platform"));
        assert!(plain_http("oci://[::1]:5000/charts/app-platform"));
        assert!(!plain_http("oci://ghcr.io/acme/charts/app-platform"));
        assert!(!plain_http("oci://127.example.com/charts/app-platform"));
    }

    #[test]
    fn the_built_in_chart_carries_its_changelog_and_migrations_like_helm_package() {
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(EMBEDDED));
        let names: Vec<String> = ar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        for f in ["app-platform/CHANGELOG.md", "app-platform/migrations.yaml"] {
            assert!(names.iter().any(|n| n == f), "{f} in {names:?}");
        }
    }

    #[test]
    fn the_chart_carries_its_migrations_table() {
        let c = load(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("chart")
                .as_path(),
            "chart",
        )
        .expect("chart/");
        assert!(c.migrations_text.is_some_and(|t| t.contains("migrations:")));
    }
}
