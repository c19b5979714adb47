//! The rules of docs/ARCHITECTURE.md that the source itself can show, checked on `src/`: no
//! import circle between files, front ends never import each other, the core imports no front
//! end, each layer of the core imports only its own or lower layers, and no more than twelve
//! files sit directly in `src/core`.
//!
//! An import is a `crate::…` or `super::…` path anywhere in a file's code (a `use`, or a path
//! written inline), outside comments, strings and the file's `#[cfg(test)]` module; it points at
//! the file of the longest module prefix it names.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a file is (`core/ops/mod.rs` → `[core, ops]`); `None` for the binary's `main.rs`.
fn module_of(rel: &Path) -> Option<Vec<String>> {
    let mut segs: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match segs.last().map(String::as_str) {
        Some("main") if segs.len() == 1 => return None,
        Some("mod" | "lib") => {
            segs.pop();
        }
        _ => {}
    }
    Some(segs)
}

/// The code of a file: comments, string and char literals blanked, the test module cut off.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(i) => &text[..i],
        None => text,
    };
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&b, i) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{1F600}'), else a lifetime.
            if next == Some('\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The paths of a use tree starting at `*i` (after `crate::` or `super::`), appended to `out`
/// with `prefix` in front.
fn use_tree(b: &[char], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        skip_ws(b, i);
        if b.get(*i) == Some(&'{') {
            *i += 1;
            loop {
                skip_ws(b, i);
                match b.get(*i) {
                    Some('}') => {
                        *i += 1;
                        break;
                    }
                    Some(',') => *i += 1,
                    Some(_) => {
                        let before = *i;
                        use_tree(b, i, path.clone(), out);
                        if *i == before {
                            *i += 1;
                        }
                    }
                    None => break,
                }
            }
            return;
        }
        let start = *i;
        while *i < b.len() && is_ident(b[*i]) {
            *i += 1;
        }
        if *i == start {
            break;
        }
        let seg: String = b[start..*i].iter().collect();
        if seg != "self" {
            path.push(seg);
        }
        skip_ws(b, i);
        if b.get(*i) == Some(&':') && b.get(*i + 1) == Some(&':') {
            *i += 2;
        } else {
            break;
        }
    }
    out.push(path);
}

fn skip_ws(b: &[char], i: &mut usize) {
    while *i < b.len() && b[*i].is_whitespace() {
        *i += 1;
    }
}

/// Every module path the code of module `me` names through `crate::` or `super::`.
fn named_paths(code: &str, me: &[String]) -> Vec<Vec<String>> {
    let b: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !ident_before(&b, i) {
            for (word, base) in [
                ("crate::", Vec::new()),
                ("super::", me[..me.len().saturating_sub(1)].to_vec()),
            ] {
                let w: Vec<char> = word.chars().collect();
                if b[i..].starts_with(&w) {
                    let mut j = i + w.len();
                    let mut base = base;
                    // `super::super::…`
                    while b[j..].starts_with(&w) && word == "super::" {
                        base.pop();
                        j += w.len();
                    }
                    use_tree(&b, &mut j, base, &mut out);
                    i = j;
                    break;
                }
            }
        }
        i += 1;
    }
    out
}

struct Graph {
    /// File (relative to src/) → the files it imports.
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn graph() -> Graph {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap();
        if let Some(m) = module_of(rel) {
            modules.insert(m, rel.display().to_string());
        }
    }
    let mut edges = BTreeMap::new();
    for (m, rel) in &modules {
        let code = code_of(&std::fs::read_to_string(root.join(rel)).unwrap());
        let mut to = BTreeSet::new();
        for p in named_paths(&code, m) {
            let target = (1..=p.len())
                .rev()
                .find_map(|n| modules.get(&p[..n]))
                .or_else(|| p.is_empty().then(|| modules.get(&Vec::new())).flatten());
            if let Some(t) = target
                && t != rel
            {
                to.insert(t.clone());
            }
        }
        edges.insert(rel.clone(), to);
    }
    Graph { edges }
}

impl Graph {
    /// The import circles: each strongly connected set of more than one file (Tarjan).
    fn circles(&self) -> Vec<Vec<String>> {
        struct T<'a> {
            g: &'a Graph,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            on: BTreeSet<&'a str>,
            next: usize,
            out: Vec<Vec<String>>,
        }
        fn visit<'a>(t: &mut T<'a>, v: &'a str) {
            t.index.insert(v, t.next);
            t.low.insert(v, t.next);
            t.next += 1;
            t.stack.push(v);
            t.on.insert(v);
            for w in &t.g.edges[v] {
                let w = w.as_str();
                if !t.index.contains_key(w) {
                    visit(t, w);
                    let lw = t.low[w];
                    let lv = t.low[v];
                    t.low.insert(v, lv.min(lw));
                } else if t.on.contains(w) {
                    let iw = t.index[w];
                    let lv = t.low[v];
                    t.low.insert(v, lv.min(iw));
                }
            }
            if t.low[v] == t.index[v] {
                let mut set = Vec::new();
                while let Some(w) = t.stack.pop() {
                    t.on.remove(w);
                    set.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if set.len() > 1 {
                    set.sort();
                    t.out.push(set);
                }
            }
        }
        let mut t = T {
            g: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on: BTreeSet::new(),
            next: 0,
            out: Vec::new(),
        };
        for v in self.edges.keys() {
            if !t.index.contains_key(v.as_str()) {
                visit(&mut t, v);
            }
        }
        t.out
    }

    /// Imports from a file under `from` into one under `to`.
    fn crossing(&self, from: &str, to: &str) -> Vec<String> {
        self.edges
            .iter()
            .filter(|(f, _)| f.starts_with(from))
            .flat_map(|(f, ts)| {
                ts.iter()
                    .filter(|t| t.starts_with(to))
                    .map(move |t| format!("{f} → {t}"))
            })
            .collect()
    }
}

/// The layer of a file of the core (docs/ARCHITECTURE.md, "Layers inside core").
fn layer(file: &str) -> Option<u8> {
    let rest = file.strip_prefix("core/")?;
    let top = rest.split('/').next()?;
    Some(match top {
        "mod.rs" => return None,
        "base" => 1,
        "values" => 2,
        "inputs" => 3,
        "check" | "scaffold" | "release" | "import" | "fleet" | "gitops.rs" | "upgrade.rs" => 4,
        "session.rs" | "docs" => 5,
        "ops" => 6,
        other => panic!("core/{other} is in no layer: add it to docs/ARCHITECTURE.md and here"),
    })
}

#[test]
fn the_scanner_sees_imports_and_skips_comments_and_strings() {
    let me = vec!["core".to_string(), "ops".to_string(), "deploy".to_string()];
    let code = code_of(
        "use crate::core::{base::error::{Error, Result}, values};\n\
         // crate::tui::app\n\
         let s = \"crate::cli::cmd\"; let c = '\"';\n\
         super::target::cluster(x);\n",
    );
    let paths = named_paths(&code, &me);
    let show: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        show,
        vec![
            "core::base::error::Error",
            "core::base::error::Result",
            "core::values",
            "core::ops::target::cluster",
        ]
    );
}

#[test]
fn no_import_circles() {
    let circles = graph().circles();
    assert!(
        circles.is_empty(),
        "import circles (each set imports itself through the others): {circles:#?}"
    );
}

#[test]
fn front_ends_never_import_each_other_and_the_core_imports_neither() {
    let g = graph();
    let mut bad = Vec::new();
    for (from, to) in [
        ("tui/", "cli/"),
        ("cli/", "tui/"),
        ("core/", "tui/"),
        ("core/", "cli/"),
    ] {
        bad.extend(g.crossing(from, to));
    }
    assert!(bad.is_empty(), "imports across the front ends: {bad:#?}");
}

#[test]
fn each_core_layer_imports_only_its_own_or_lower_layers() {
    let g = graph();
    let mut up = Vec::new();
    for (f, ts) in &g.edges {
        let Some(lf) = layer(f) else { continue };
        for t in ts {
            if let Some(lt) = layer(t)
                && lt > lf
            {
                up.push(format!("{f} (layer {lf}) → {t} (layer {lt})"));
            }
        }
    }
    assert!(up.is_empty(), "imports up the core's layers: {up:#?}");
}

#[test]
fn at_most_twelve_files_sit_directly_in_src_core() {
    let files: Vec<_> = std::fs::read_dir(src().join("core"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert!(
        files.len() <= 12,
        "{} files directly in src/core (put them in a layer's folder): {files:?}",
        files.len()
    );
}

#[test]
fn the_library_exports_only_the_binarys_entry_and_the_tests_facade() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let code = code_of(&lib);
    let mut public = Vec::new();
    for line in code.lines() {
        let l = line.trim_start();
        if line.len() == l.len() && l.starts_with("pub ") {
            public.push(l.trim_end_matches(['{', ';', ' ']).to_string());
        }
    }
    assert_eq!(
        public,
        ["pub mod testing", "pub mod entry"],
        "src/lib.rs exports more"
    );
    for m in ["cli", "core", "tui"] {
        assert!(
            code.lines().any(|l| l.trim() == format!("mod {m};")),
            "mod {m} is not crate-private in src/lib.rs"
        );
    }
}

#[test]
fn every_step_and_screen_module_implements_the_one_screen_trait() {
    let mut missing = Vec::new();
    for dir in ["tui/steps", "tui/screens"] {
        let mut files = Vec::new();
        rust_files(&src().join(dir), &mut files);
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            // mod.rs routes; import_kind.rs is the data the Effect names.
            if name == "mod.rs" || name == "import_kind.rs" {
                continue;
            }
            let code = code_of(&std::fs::read_to_string(&f).unwrap());
            if !code.contains("impl Screen for ") && !code.contains("impl Screen<OpsScreen> for ") {
                missing.push(format!("{dir}/{name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no `impl Screen` (tui/component.rs) in: {missing:?}"
    );
}

/// Each function of `src/`: (file, line, name, lines, its comments say `Kept whole:`). The end
/// of a function is the first line after its head that is its indentation and `}` (rustfmt's
/// layout).
fn function_lengths() -> Vec<(String, usize, String, usize, bool)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim_start();
            let indent = &l[..l.len() - t.len()];
            let head = ["pub(crate) ", "pub ", "const ", "async ", "unsafe "]
                .iter()
                .fold(t, |t, p| t.strip_prefix(p).unwrap_or(t));
            let Some(rest) = head.strip_prefix("fn ") else {
                continue;
            };
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            let Some(open) = (i..lines.len()).find(|&j| {
                let e = lines[j].trim_end();
                e.ends_with('{') || e.ends_with(';')
            }) else {
                continue;
            };
            if lines[open].trim_end().ends_with(';') {
                continue;
            }
            let close = format!("{indent}}}");
            let end = (open + 1..lines.len())
                .find(|&j| lines[j] == close)
                .unwrap_or(open);
            let mut kept = false;
            let mut k = i;
            while k > 0 {
                let above = lines[k - 1].trim_start();
                if !(above.starts_with("//") || above.starts_with("#[")) {
                    break;
                }
                kept |= above.contains("Kept whole:");
                k -= 1;
            }
            let rel = f.strip_prefix(src()).unwrap().display().to_string();
            out.push((rel, i + 1, name, end - i + 1, kept));
        }
    }
    out
}

#[test]
fn no_function_is_over_150_lines_and_none_over_120_without_a_reason() {
    let all = function_lengths();
    assert!(
        all.len() > 500,
        "the scanner found only {} functions",
        all.len()
    );
    let mut bad = Vec::new();
    for (file, line, name, n, kept) in all {
        if n > 150 || (n > 120 && !kept) {
            bad.push(format!("src/{file}:{line} {name}: {n} lines"));
        }
    }
    assert!(
        bad.is_empty(),
        "functions over 150 lines, or over 120 without a `Kept whole:` reason: {bad:#?}"
    );
}
