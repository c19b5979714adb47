//! Property test: at least 10,000 generated and mutated values files through the in-process
//! checks of `validate` (YAML as Helm reads it, layering, schema), plus `--set` parsing and the
//! comment-preserving updater. No input may panic, and every finding must have a path.
//! Deterministic (a fixed seed); `APWIZ_FUZZ_SEED` and `APWIZ_FUZZ_CASES` change it.
mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use apwiz::testing::core::check::pipeline;
use apwiz::testing::core::check::schema::SchemaCheck;
use apwiz::testing::core::inputs::chart;
use apwiz::testing::core::scaffold::overrides;
use apwiz::testing::core::values::setexpr::SetExpr;
use serde_json::Value;
use support::cli::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SCALARS: &[&str] = &[
    "yes",
    "NO",
    "on",
    "Off",
    "y",
    "n",
    "~",
    "null",
    "\"\"",
    "''",
    "0644",
    "0x1F",
    "0b101",
    "1_000",
    "08",
    "1e999",
    "-1",
    "0",
    "70000",
    "3",
    "1.5",
    ".5",
    "2024-01-02",
    "deployment",
    "deploymnet",
    "StatefulSet",
    "cronjob",
    "external",
    "ClusterIP",
    "clusterip",
    "/healthz",
    "http",
    "tcp",
    "exec",
    "ghcr.io/acme/shop:1.4.2",
    "nginx:latest",
    "\"0 3 * * *\"",
    "'@daily'",
    "10Gi",
    "500m",
    "\"yes\"",
    "'NO'",
    "|\n  multi\n  line",
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "\"ünïcødé\"",
    "!!str 5",
    "!!int 7",
    "!!float 1",
    "!!binary aGk=",
    "123456789012345678901234567890",
    "-0b11",
    "+0644",
    "1:30",
    "0o17",
    ".inf",
    "-.inf",
];

/// Scalars that break the syntax (or are refused): a few percent of the values.
const BROKEN: &[&str] = &[
    "&anc 5",
    "*anc",
    "-",
    "?",
    ":",
    "'unterminated",
    "\"\\x\"",
    ".nan",
    "[1, 2",
    "{a: }}",
];

fn scalar(rng: &mut Rng) -> &'static str {
    let list: &[&'static str] = if rng.chance(4) { BROKEN } else { SCALARS };
    list[rng.below(list.len())]
}

fn key(rng: &mut Rng, known: &[String]) -> String {
    if rng.chance(70) && !known.is_empty() {
        let k = rng.pick(known).clone();
        if rng.chance(10) {
            // A typo.
            let mut c: Vec<char> = k.chars().collect();
            if c.len() > 2 {
                let i = rng.below(c.len() - 1);
                c.swap(i, i + 1);
            }
            return c.into_iter().collect();
        }
        k
    } else {
        (*rng.pick(&[
            "x",
            "on",
            "yes",
            "1",
            "<<",
            "a.b",
            "\"quoted key\"",
            "services",
            "api",
            "web",
            "~",
            "-",
            "ünï",
        ]))
        .to_string()
    }
}

fn gen_value(rng: &mut Rng, known: &[String], depth: usize, indent: usize, out: &mut String) {
    let roll = rng.below(10);
    if depth > 4 || roll < 5 {
        out.push(' ');
        out.push_str(scalar(rng));
        out.push('\n');
    } else if roll < 8 {
        out.push('\n');
        gen_map(rng, known, depth + 1, indent + 2, out);
    } else {
        out.push('\n');
        for _ in 0..rng.below(3) + 1 {
            out.push_str(&" ".repeat(indent + 2));
            out.push('-');
            gen_value(rng, known, depth + 1, indent + 2, out);
        }
    }
}

fn gen_map(rng: &mut Rng, known: &[String], depth: usize, indent: usize, out: &mut String) {
    for _ in 0..rng.below(5) + 1 {
        out.push_str(&" ".repeat(indent));
        out.push_str(&key(rng, known));
        out.push(':');
        gen_value(rng, known, depth, indent, out);
    }
}

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut lines: Vec<String> = seed.lines().map(str::to_string).collect();
    for _ in 0..rng.below(4) + 1 {
        if lines.is_empty() {
            lines.push("a: 1".into());
        }
        let i = rng.below(lines.len());
        match rng.below(8) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => lines[i] = format!("  {}", lines[i]),
            3 => lines[i] = lines[i].trim_start().to_string(),
            4 => {
                if let Some((k, _)) = lines[i].split_once(':') {
                    lines[i] = format!("{k}: {}", scalar(rng));
                }
            }
            5 => {
                let mut b: Vec<char> = lines[i].chars().collect();
                if !b.is_empty() {
                    let j = rng.below(b.len());
                    b[j] = *rng.pick(&[
                        ':', '-', '#', '"', '\'', '{', '[', '&', '*', '!', '|', '\t', ' ',
                    ]);
                }
                lines[i] = b.into_iter().collect();
            }
            6 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            _ => lines.insert(
                i,
                format!(
                    "{}:{}",
                    rng.pick(&["replicas", "image", "x", "<<", "services"]),
                    scalar(rng)
                ),
            ),
        }
    }
    lines.join("\n") + if rng.chance(80) { "\n" } else { "" }
}

fn known_keys(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 8 {
            return;
        }
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(props)) = m.get("properties") {
                    out.extend(props.keys().cloned());
                }
                for v in m.values() {
                    walk(v, out, depth + 1);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out, depth + 1)),
            _ => {}
        }
    }
    walk(schema, &mut out, 0);
    out.sort();
    out.dedup();
    out
}

#[test]
fn ten_thousand_values_files_never_panic_and_every_finding_has_a_path() {
    let chart = chart::load(&chart(), "chart").expect("chart loads");
    let schema_json = chart.schema.clone().expect("chart has a schema");
    let schema = SchemaCheck::new(&schema_json).expect("schema compiles");
    let known = known_keys(&schema_json);
    let mut seeds: Vec<String> = vec![chart.defaults_text.clone()];
    for dir in [repo().join("examples"), repo().join("chart")] {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "yaml") {
                seeds.push(std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }
    for (_, text) in apwiz::testing::core::inputs::presets::BUILTIN {
        seeds.push(text.to_string());
    }
    let seed: u64 = std::env::var("APWIZ_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_a9f1_2026);
    let cases: usize = std::env::var("APWIZ_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let mut rng = Rng(seed | 1);
    let (mut parsed, mut findings_seen) = (0usize, 0usize);
    for case in 0..cases {
        let text = if rng.chance(50) {
            let mut s = String::new();
            gen_map(&mut rng, &known, 0, 0, &mut s);
            s
        } else {
            let seed_text = rng.pick(&seeds).clone();
            mutate(&mut rng, &seed_text)
        };
        let env_text = if rng.chance(30) {
            Some(mutate(
                &mut rng,
                "replicas: 3\nglobal:\n  environment: prod\n",
            ))
        } else {
            None
        };
        let set = rng
            .chance(20)
            .then(|| format!("{}={}", key(&mut rng, &known), scalar(&mut rng)));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut layers = Vec::new();
            let mut findings = Vec::new();
            for (name, t) in [
                ("deploy/values.yaml", Some(&text)),
                ("deploy/values-prod.yaml", env_text.as_ref()),
            ] {
                let Some(t) = t else { continue };
                match pipeline::layer_from_text(name, t) {
                    Ok(l) => layers.push(l),
                    Err(f) => findings.push(*f),
                }
            }
            let sets: Vec<SetExpr> = set.iter().filter_map(|s| SetExpr::parse(s).ok()).collect();
            let ok = findings.is_empty();
            if ok {
                let (_, f) = pipeline::check_in_process(&chart, Some(&schema), layers, &sets);
                findings.extend(f);
            }
            // The updater must not panic either (errors are fine).
            if case % 10 == 0 {
                let _ = overrides::update_text(
                    &text,
                    None,
                    &serde_json::json!({"replicas": 2, "ingress": {"host": "a.example.com"}}),
                );
            }
            (ok, findings)
        }));
        let (ok, findings) = outcome.unwrap_or_else(|_| {
            panic!(
                "case {case} panicked on input:\n{text}\n--- env:\n{env_text:?}\n--- set: {set:?}"
            )
        });
        parsed += usize::from(ok);
        findings_seen += findings.len();
        for f in &findings {
            assert!(
                !f.path.is_empty(),
                "case {case}: a finding without a path: {f:?}\ninput:\n{text}"
            );
            assert!(
                !f.message.is_empty(),
                "case {case}: a finding without a message: {f:?}"
            );
            if f.severity == apwiz::testing::core::check::report::Severity::Error
                && f.source == apwiz::testing::core::check::report::Source::Schema
            {
                assert!(
                    f.fix.is_some() || f.message.contains(':'),
                    "case {case}: {f:?}"
                );
            }
        }
    }
    eprintln!("{cases} cases: {parsed} parsed, {findings_seen} findings");
    assert!(
        parsed > cases / 4,
        "too few inputs parsed ({parsed}): the generator is broken"
    );
    assert!(
        findings_seen > cases,
        "too few findings ({findings_seen}): the checks are not running"
    );
}
