//! Reading what `apwiz import manifests` is given: files, directories (recursively), `-` for
//! stdin, multi-document YAML, `kind: List`, the output of `helm template` and of `kustomize
//! build`, and a kustomize directory directly (through `kustomize build` or `kubectl kustomize`,
//! whichever is on PATH). Bad input is refused with one line per problem naming the file, the
//! document and what to do: binary data, Helm template markers, YAML that is not a Kubernetes
//! object, and two objects of the same kind and name.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::manifests::{Input, read_text};
use crate::core::base::error::{Error, Result};

/// The files of a kustomization, in the names kustomize accepts.
const KUSTOMIZATIONS: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether `dir` is a kustomize directory.
pub(crate) fn is_kustomization(dir: &Path) -> bool {
    KUSTOMIZATIONS.iter().any(|k| dir.join(k).is_file())
}

/// Every path read into objects, then checked as a whole (duplicates).
pub(crate) fn paths(paths: &[PathBuf], stdin: &mut dyn std::io::Read) -> Result<Vec<Input>> {
    let mut texts: Vec<(String, Vec<u8>)> = Vec::new();
    for p in paths {
        if p == Path::new("-") {
            let mut bytes = Vec::new();
            stdin
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io("<stdin>", e))?;
            texts.push(("<stdin>".to_string(), bytes));
        } else if p.is_dir() && is_kustomization(p) {
            texts.push((p.display().to_string(), kustomize_build(p)?.into_bytes()));
        } else if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            for f in found {
                let bytes = std::fs::read(&f).map_err(|e| Error::io(&f, e))?;
                texts.push((f.display().to_string(), bytes));
            }
        } else {
            let bytes = std::fs::read(p).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Error::Usage(format!("{}: no such file or directory", p.display()))
                } else {
                    Error::io(p, e)
                }
            })?;
            texts.push((p.display().to_string(), bytes));
        }
    }
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (name, bytes) in texts {
        match text_of(&name, bytes) {
            Ok(text) => match objects(&name, &text) {
                Ok(objs) => out.extend(objs),
                Err(mut p) => problems.append(&mut p),
            },
            Err(p) => problems.push(p),
        }
    }
    problems.extend(duplicates(&out));
    if problems.is_empty() {
        Ok(out)
    } else {
        problems.push("nothing was written".into());
        Err(Error::Usage(problems.join("\n")))
    }
}

/// A directory's YAML and JSON files, recursively (a kustomization inside is built instead).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            && !p
                .file_name()
                .is_some_and(|n| KUSTOMIZATIONS.iter().any(|k| n == *k))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// The text of a file, or why it is not YAML (binary data).
fn text_of(name: &str, bytes: Vec<u8>) -> std::result::Result<String, String> {
    if bytes.contains(&0) {
        return Err(format!(
            "{name}: binary data, not YAML: pass the manifests' YAML files (or `-` with their text on stdin)"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name}: not UTF-8 text (byte {}): pass the manifests' YAML files",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The objects of one text, or one line per bad document.
fn objects(name: &str, text: &str) -> std::result::Result<Vec<Input>, Vec<String>> {
    // Helm template markers: the chart was not rendered.
    let (mut doc, mut content) = (1, false);
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("---") {
            if content {
                doc += 1;
            }
            content = false;
            continue;
        }
        let code = line.split_once('#').map_or(line, |(c, _)| c);
        content |= !code.trim().is_empty();
        if code.contains("{{") {
            return Err(vec![format!(
                "{name}:{} (document {doc}): Helm template markers ({{{{ … }}}}) left in the file: render the chart first (helm template <release> <chart> -f <values> > rendered.yaml) and import its output",
                i + 1
            )]);
        }
    }
    let objs = read_text(name, text).map_err(|e| vec![e.to_string()])?;
    let mut problems = Vec::new();
    for (n, o) in objs.iter().enumerate() {
        let api = o.value.get("apiVersion").and_then(|x| x.as_str());
        if !o.value.is_object() || api.is_none() || o.kind.is_empty() {
            problems.push(format!(
                "{} (document {}): not a Kubernetes object (it has no apiVersion and kind): pass only manifests, or remove this document",
                o.origin,
                n + 1
            ));
        } else if o.name.is_empty() {
            problems.push(format!(
                "{} ({}): the object has no metadata.name: name it, or remove it",
                o.origin, o.kind
            ));
        }
    }
    if problems.is_empty() {
        Ok(objs)
    } else {
        Err(problems)
    }
}

/// Two objects of the same kind, namespace and name: the second would replace the first.
fn duplicates(objs: &[Input]) -> Vec<String> {
    let mut seen: HashMap<(String, String, String), &str> = HashMap::new();
    let mut out = Vec::new();
    for o in objs {
        let ns = super::manifests::s(&o.value, "/metadata/namespace");
        let key = (o.kind.clone(), ns, o.name.clone());
        if let Some(first) = seen.get(&key) {
            out.push(format!(
                "{}: {} is defined twice (also at {first}): keep one (an overlay patches, it does not repeat)",
                o.origin,
                o.id()
            ));
        } else {
            seen.insert(key, &o.origin);
        }
    }
    out
}

/// Which program builds kustomizations here: `kustomize build`, else `kubectl kustomize`.
fn kustomizer() -> Option<(PathBuf, Vec<&'static str>)> {
    let path = std::env::var_os("PATH")?;
    let find = |name: &str| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    };
    find("kustomize")
        .map(|p| (p, vec!["build"]))
        .or_else(|| find("kubectl").map(|p| (p, vec!["kustomize"])))
}

/// `kustomize build <dir>` (or `kubectl kustomize <dir>`): the rendered manifests.
pub(crate) fn kustomize_build(dir: &Path) -> Result<String> {
    let Some((program, args)) = kustomizer() else {
        return Err(Error::Environment(format!(
            "{}: a kustomize directory, and neither kustomize nor kubectl is on PATH: install one (scripts/install-tools.sh pins kustomize), or pass the output of `kustomize build {}` instead",
            dir.display(),
            dir.display()
        )));
    };
    let out = std::process::Command::new(&program)
        .args(&args)
        .arg(dir)
        .output()
        .map_err(|e| Error::io(&program, e))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "{}: {} {} failed: {}",
            dir.display(),
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout).map_err(|_| {
        Error::Usage(format!(
            "{}: kustomize printed text that is not UTF-8",
            dir.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_markers_name_the_file_line_and_document() {
        let e = objects(
            "t.yaml",
            "kind: ConfigMap\n---\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
        )
        .expect_err("markers");
        assert!(
            e[0].starts_with("t.yaml:5 (document 2): Helm template markers"),
            "{e:?}"
        );
    }

    #[test]
    fn yaml_that_is_not_an_object_is_refused_by_document() {
        let e = objects(
            "t.yaml",
            "a: 1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        )
        .expect_err("not k8s");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("not a Kubernetes object"), "{e:?}");
        assert!(text_of("b", vec![0, 1, 2]).is_err());
    }
}
