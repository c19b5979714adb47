//! Packs `chart/` into the binary: a gzipped tar of the chart's files under `app-platform/`, the
//! layout `helm package` writes, with fixed timestamps and modes so the same chart gives the same
//! bytes. apwiz uses it when no `--chart` is given and no `chart/` is nearby (a team's own
//! repository), and `apwiz chart export` writes it out for plain helm.
use std::io::Write;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets this"));
    let chart = root.join("chart");
    println!("cargo:rerun-if-changed=chart");
    let ignore = read_ignore(&chart.join(".helmignore"));
    let mut files = Vec::new();
    walk(&chart, &chart, &ignore, &mut files);
    files.sort();
    let name = chart_name(&chart.join("Chart.yaml"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets this"));
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for rel in &files {
        let data = std::fs::read(chart.join(rel)).expect("read a chart file");
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        tar.append_data(&mut h, format!("{name}/{rel}"), data.as_slice())
            .expect("append to the chart archive");
    }
    let gz = tar.into_inner().expect("finish the tar stream");
    let bytes = gz.finish().expect("finish the gzip stream");
    let mut f = std::fs::File::create(out.join("chart.tgz")).expect("write the chart archive");
    f.write_all(&bytes).expect("write the chart archive");
    policies(&root.join("policies"), &out.join("policies.rs"));
}

/// The platform's policies (`policies/*.rego`, tests left out) as a Rust table of (name, text),
/// so a team's repository gets the same checks as this one.
fn policies(dir: &Path, out: &Path) {
    println!("cargo:rerun-if-changed=policies");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("policies/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rego") && !n.ends_with("_test.rego"))
        .collect();
    names.sort();
    let mut code = String::from("&[\n");
    for n in names {
        let path = dir.join(&n);
        code.push_str(&format!(
            "    (\"policies/{n}\", include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("]\n");
    std::fs::write(out, code).expect("write the policies table");
}

/// The chart's name from Chart.yaml (the archive's top directory).
fn chart_name(chart_yaml: &Path) -> String {
    let text = std::fs::read_to_string(chart_yaml).expect("chart/Chart.yaml");
    text.lines()
        .find_map(|l| l.strip_prefix("name:"))
        .map(|n| n.trim().trim_matches('"').to_string())
        .expect("Chart.yaml has a name")
}

/// `.helmignore` patterns: simple globs (`*.bak`, `.git/`, `*~`); comments and blanks skipped.
fn read_ignore(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn ignored(rel: &str, is_dir: bool, patterns: &[String]) -> bool {
    let base = rel.rsplit('/').next().unwrap_or(rel);
    patterns.iter().any(|p| {
        if let Some(dir) = p.strip_suffix('/') {
            return is_dir && glob(dir, base);
        }
        glob(p, base) || glob(p, rel)
    })
}

/// `*` matches any run of characters; everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len()).any(|i| rest.is_char_boundary(i) && glob(tail, &rest[i..]))
        }
    }
}

fn walk(root: &Path, dir: &Path, ignore: &[String], out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read the chart directory")
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let rel = path
            .strip_prefix(root)
            .expect("inside the chart")
            .to_string_lossy()
            .replace('\\', "/");
        let is_dir = path.is_dir();
        // Packaged dependencies are fetched by helm, not shipped inside apwiz.
        if ignored(&rel, is_dir, ignore) || (rel.starts_with("charts/") && rel.ends_with(".tgz")) {
            continue;
        }
        if is_dir {
            walk(root, &path, ignore, out);
        } else {
            out.push(rel);
        }
    }
}
