//! The in-process policy engine (`Policies::evaluate`) on a realistic release: the 100-service
//! values set of `scripts/bench-validate.sh`, rendered with the pinned helm, with violations of
//! every rule injected into the rendered objects. Its findings must be exactly those of the
//! straightforward evaluation (one engine per policy file, one `eval_rule` per object and rule;
//! kept here as the reference) and, when conftest is installed, the messages conftest prints for
//! the same manifests.
//!
//! `cargo test --release --test policy_engine -- --ignored --nocapture` times the two engines
//! in the same run (medians; the ratio is the useful figure on a shared machine).
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use apwiz::testing::core::check::manifests::{self, Object};
use apwiz::testing::core::check::policies::Policies;
use apwiz::testing::core::check::report::{Finding, Severity};
use serde_json::{Value, json};

const SERVICES: usize = 100;

/// The values of `scripts/bench-validate.sh` (same services, kinds and settings).
fn bench_values() -> String {
    let mut s = String::from(
        "env:\n  LOG_LEVEL: info\nresources:\n  requests: {cpu: 50m, memory: 64Mi}\n  limits: {cpu: 500m, memory: 256Mi}\nservices:\n",
    );
    for n in 1..=SERVICES {
        let i = format!("{n:03}");
        s += &format!("  svc-{i}:\n    image: ghcr.io/acme/svc-{i}:1.{n}.0\n");
        match n % 10 {
            0 => {
                s += "    workloadType: statefulset\n    persistence: {enabled: true, size: 1Gi, storageClass: default}\n"
            }
            7 => s += "    workloadType: cronjob\n    cronjob: {schedule: \"*/15 * * * *\"}\n",
            _ => s += &format!("    replicas: {}\n", n % 3 + 1),
        }
        let up = n % SERVICES + 1;
        s += &format!(
            "    port: {}\n    env:\n      SERVICE_ID: \"{i}\"\n      UPSTREAM: http://svc-{up:03}:{}\n    probes:\n      liveness: {{type: http, path: /healthz}}\n      readiness: {{type: http, path: /ready}}\n",
            8000 + n,
            8000 + up
        );
    }
    s
}

/// The pod spec of a workload (`spec.template.spec`, or the CronJob's job template).
fn pod_spec(o: &mut Value) -> Option<&mut Value> {
    match o["kind"].as_str()? {
        "CronJob" => o.pointer_mut("/spec/jobTemplate/spec/template/spec"),
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => o.pointer_mut("/spec/template/spec"),
        _ => None,
    }
}

/// Breaks the rendered objects in every way the policies look for, deterministically.
fn inject_violations(objects: &mut [Value]) {
    let mut workload = 0usize;
    for (i, o) in objects.iter_mut().enumerate() {
        if let Some(labels) = o
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            if i % 9 == 4 {
                labels.remove("helm.sh/chart");
            }
            if i % 13 == 6 {
                labels.remove("app.kubernetes.io/name");
                labels.insert("app.kubernetes.io/instance".into(), json!(""));
            }
        }
        if i % 31 == 17 {
            o["metadata"].as_object_mut().unwrap().remove("labels");
        }
        let Some(spec) = pod_spec(o) else { continue };
        workload += 1;
        let c0 = &mut spec["containers"][0];
        match workload % 8 {
            0 => c0["image"] = json!("ghcr.io/acme/app:latest"),
            1 => c0["image"] = json!("registry:5000/acme/app"),
            2 => {
                c0["securityContext"]["privileged"] = json!(true);
                spec["securityContext"]["runAsUser"] = json!(0);
            }
            3 => {
                c0["securityContext"]["runAsNonRoot"] = json!(false);
                if let Some(sc) = c0["securityContext"].as_object_mut() {
                    sc.remove("allowPrivilegeEscalation");
                }
            }
            4 => {
                if let Some(c) = c0.as_object_mut() {
                    c.remove("readinessProbe");
                }
                if let Some(r) = c0["resources"].as_object_mut() {
                    r.remove("limits");
                }
            }
            5 => {
                let _ = c0;
                spec["hostNetwork"] = json!(true);
                spec["hostPID"] = json!(true);
                spec["volumes"] = json!([{"name": "host", "hostPath": {"path": "/var/run"}}]);
                spec["automountServiceAccountToken"] = json!(true);
            }
            6 => {
                if let Some(c) = c0.as_object_mut() {
                    c.remove("readinessProbe");
                    c.remove("livenessProbe");
                }
                let mut sidecar = spec["containers"][0].clone();
                sidecar["name"] = json!("proxy");
                sidecar["image"] = json!("envoy");
                spec["containers"].as_array_mut().unwrap().push(sidecar);
            }
            _ => {}
        }
    }
}

/// The rendered release with violations, as the YAML stream `helm template` would print.
fn release() -> String {
    let values = bench_values();
    let dir = support::scratch("policy-engine");
    let file = dir.join("values.yaml");
    std::fs::write(&file, values).unwrap();
    let mut objects = support::template(&[file.to_str().unwrap(), "chart/values-prod.yaml"], &[])
        .unwrap_or_else(|e| panic!("helm template failed: {}", e.stderr));
    assert!(objects.len() > 250, "{} objects", objects.len());
    inject_violations(&mut objects);
    objects
        .iter()
        .map(|o| format!("---\n{}", serde_yaml::to_string(o).unwrap()))
        .collect()
}

fn parse(text: &str) -> Vec<Object> {
    manifests::parse(text).unwrap_or_else(|(loc, e)| panic!("line {}: {e}", loc.line))
}

fn policies_dir() -> std::path::PathBuf {
    support::repo().join("policies")
}

/// Comparable form of findings: sorted (severity, object, rule, message).
fn key(findings: &[Finding]) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                format!("{:?}", f.severity),
                f.object.clone().unwrap_or_default(),
                f.rule.clone(),
                f.message.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// The reference: the engine as it was before evaluation was batched (one regorus engine per
// policy file with the helper modules, `set_input` + `eval_rule` per object and rule).
// ---------------------------------------------------------------------------------------------

const RULES: &[(&str, Severity)] = &[
    ("deny", Severity::Error),
    ("violation", Severity::Error),
    ("warn", Severity::Warning),
];

fn declares(text: &str, rule: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with(rule)
            && l[rule.len()..].chars().next().is_some_and(|c| {
                c == ' ' || c == '[' || c == '{' || c == '\t' || c == ':' || c == '='
            })
    })
}

/// A policy file's engine (the file and the helper modules) and the rules it declares.
type Unit = (String, regorus::Engine, Vec<(&'static str, Severity)>);

struct Reference {
    units: Vec<Unit>,
}

impl Reference {
    fn load(dir: &Path) -> Reference {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                n.ends_with(".rego") && !n.ends_with("_test.rego")
            })
            .collect();
        files.sort();
        let texts: Vec<(String, String)> = files
            .iter()
            .map(|p| {
                (
                    format!("policies/{}", p.file_name().unwrap().to_string_lossy()),
                    std::fs::read_to_string(p).unwrap(),
                )
            })
            .collect();
        let has_rules = |t: &str| RULES.iter().any(|(r, _)| declares(t, r));
        let mut units = Vec::new();
        for (name, text) in texts.iter().filter(|(_, t)| has_rules(t)) {
            let mut e = regorus::Engine::new();
            e.add_policy(name.clone(), text.clone()).unwrap();
            for (n, t) in texts.iter().filter(|(_, t)| !has_rules(t)) {
                e.add_policy(n.clone(), t.clone()).unwrap();
            }
            let rules = RULES
                .iter()
                .filter(|(r, _)| declares(text, r))
                .copied()
                .collect();
            units.push((name.clone(), e, rules));
        }
        Reference { units }
    }

    fn evaluate(&mut self, objects: &[Object]) -> Vec<Finding> {
        let mut out = Vec::new();
        for obj in objects {
            let input = regorus::Value::from(obj.value.clone());
            for (name, engine, rules) in &mut self.units {
                engine.set_input(input.clone());
                for (rule, severity) in rules.iter() {
                    let v = engine.eval_rule(format!("data.main.{rule}")).unwrap();
                    for msg in messages(&v) {
                        let rule_name = match rule_id(&msg) {
                            Some(id) => format!("{id} ({name}, {rule})"),
                            None => format!("{name}: {rule}"),
                        };
                        let mut f = Finding::new(
                            apwiz::testing::core::check::report::Source::Policy,
                            *severity,
                            obj.id(),
                            rule_name,
                            msg,
                        );
                        f.object = Some(obj.id());
                        out.push(f);
                    }
                }
            }
        }
        out
    }
}

fn rule_id(msg: &str) -> Option<&str> {
    let start = msg.rfind("(rule: ")?;
    let rest = &msg[start + 7..];
    let end = rest.find(')')?;
    let id = rest[..end].trim();
    (!id.is_empty() && !id.contains(' ')).then_some(id)
}

fn messages(v: &regorus::Value) -> Vec<String> {
    let json = serde_json::to_value(v).unwrap();
    let mut out = Vec::new();
    let mut push = |item: &Value| match item {
        Value::String(s) => out.push(s.clone()),
        Value::Object(m) => out.push(m["msg"].as_str().unwrap().to_string()),
        Value::Null | Value::Bool(false) => {}
        other => out.push(other.to_string()),
    };
    match &json {
        Value::Array(a) => a.iter().for_each(&mut push),
        Value::String(s) if s == "<undefined>" => {}
        other => push(other),
    }
    out
}

// ---------------------------------------------------------------------------------------------

#[test]
fn findings_match_the_per_object_reference_and_conftest() {
    let text = release();
    let objects = parse(&text);
    let mut policies = Policies::load(&policies_dir(), "policies").unwrap();
    let found = policies.evaluate(&objects);
    let expected = Reference::load(&policies_dir()).evaluate(&objects);

    // Every rule id of the policies fires somewhere, so the comparison covers them all.
    for id in [
        "image-pinned",
        "required-labels",
        "recommended-labels",
        "no-root",
        "no-privileged",
        "no-privilege-escalation",
        "probes-required",
        "resources-required",
        "no-host-path",
        "no-host-namespaces",
        "no-token-without-rbac",
    ] {
        assert!(
            found.iter().any(|f| f.rule.starts_with(&format!("{id} ("))),
            "no finding of {id}"
        );
    }
    assert!(found.iter().any(|f| f.severity == Severity::Warning));
    assert_eq!(key(&found), key(&expected));

    // A second evaluation with the same engine (the TUI's case) finds the same.
    assert_eq!(key(&policies.evaluate(&objects)), key(&expected));
    // An edit that changes a few objects: those are evaluated again, the others remembered.
    let mut edited = objects.clone();
    for o in edited.iter_mut().filter(|o| o.kind == "Deployment").take(3) {
        o.value["spec"]["template"]["spec"]["hostIPC"] = json!(true);
        o.value["metadata"]["labels"]
            .as_object_mut()
            .unwrap()
            .remove("helm.sh/chart");
    }
    let expected_edited = Reference::load(&policies_dir()).evaluate(&edited);
    assert_ne!(key(&expected_edited), key(&expected));
    assert_eq!(key(&policies.evaluate(&edited)), key(&expected_edited));
    assert_eq!(key(&policies.evaluate(&objects)), key(&expected));
    // And one object at a time, the same as in one batch.
    let one_by_one: Vec<Finding> = objects
        .iter()
        .flat_map(|o| policies.evaluate(std::slice::from_ref(o)))
        .collect();
    assert_eq!(key(&one_by_one), key(&expected));

    // conftest on the same manifests: the same messages, with the same severities.
    let conftest = support::repo().join(".tools/bin/conftest");
    if !conftest.exists() {
        eprintln!("conftest not installed (scripts/install-tools.sh conftest): skipped that part");
        return;
    }
    let mut child = Command::new(&conftest)
        .args(["test", "--no-color", "-o", "json", "--policy"])
        .arg(policies_dir())
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "conftest printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut theirs = Vec::new();
    for result in report.as_array().unwrap() {
        for (field, sev) in [("failures", "Error"), ("warnings", "Warning")] {
            for f in result[field].as_array().into_iter().flatten() {
                theirs.push((sev.to_string(), f["msg"].as_str().unwrap().to_string()));
            }
        }
    }
    theirs.sort();
    let mut ours: Vec<_> = found
        .iter()
        .map(|f| (format!("{:?}", f.severity), f.message.clone()))
        .collect();
    ours.sort();
    assert_eq!(
        ours.len(),
        theirs.len(),
        "finding counts differ from conftest"
    );
    assert_eq!(ours, theirs);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Timing, not a test of speed: prints the medians of both engines measured in the same run.
#[test]
#[ignore = "timing: cargo test --release --test policy_engine -- --ignored --nocapture"]
fn timing() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(9);
    let text = release();
    let mut parsing = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        parse(&text);
        parsing.push(t.elapsed());
    }
    let objects = parse(&text);
    let t = Instant::now();
    let mut policies = Policies::load(&policies_dir(), "policies").unwrap();
    let load = t.elapsed();
    let mut reference = Reference::load(&policies_dir());
    let mut edited = objects.clone();
    let deployment = edited.iter().position(|o| o.kind == "Deployment").unwrap();
    let (mut cold, mut warm, mut edit, mut old) = (vec![], vec![], vec![], vec![]);
    for run in 0..runs {
        policies.forget();
        let t = Instant::now();
        let n = policies.evaluate(&objects).len();
        cold.push(t.elapsed());
        let t = Instant::now();
        assert_eq!(policies.evaluate(&objects).len(), n);
        warm.push(t.elapsed());
        edited[deployment].value["spec"]["replicas"] = json!(run + 10);
        let t = Instant::now();
        policies.evaluate(&edited);
        edit.push(t.elapsed());
        let t = Instant::now();
        let o = reference.evaluate(&objects).len();
        old.push(t.elapsed());
        assert_eq!(n, o);
    }
    let ms = |d: Vec<Duration>| median(d).as_secs_f64() * 1e3;
    let (cold, warm, edit, old) = (ms(cold), ms(warm), ms(edit), ms(old));
    println!(
        "{} objects, {} policy files, {runs} runs, medians: evaluate {cold:.1} ms, again unchanged \
         {warm:.1} ms, again with one object changed {edit:.1} ms (load {:.1} ms); reference \
         (engine per file, per object, one thread) {old:.1} ms; evaluate / reference {:.2}; \
         parsing the manifests {:.1} ms",
        objects.len(),
        policies.files.len(),
        load.as_secs_f64() * 1e3,
        cold / old,
        ms(parsing)
    );
}

/// Profile, not a test of speed: where the evaluation's time goes on this release — the fixed
/// cost of one evaluation (input conversion, `eval_rule` on a rule that is always empty), each
/// policy file alone, and the shared engine over all objects, one thread.
#[test]
#[ignore = "profile: cargo test --release --test policy_engine where_the_time_goes -- --ignored --nocapture"]
fn where_the_time_goes() {
    use serde::Deserialize;
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let objects = parse(&release());
    let time = |f: &mut dyn FnMut()| {
        let mut v = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            f();
            v.push(t.elapsed());
        }
        median(v).as_secs_f64() * 1e3
    };
    let inputs = |objects: &[Object]| -> Vec<regorus::Value> {
        objects
            .iter()
            .map(|o| regorus::Value::deserialize(&o.value).unwrap())
            .collect()
    };
    let convert = time(&mut || {
        inputs(&objects);
    });
    let values = inputs(&objects);
    let mut empty = regorus::Engine::new();
    empty
        .add_policy(
            "e.rego".into(),
            "package main\n\ndeny contains \"x\" if false\n".into(),
        )
        .unwrap();
    let fixed = time(&mut || {
        for v in &values {
            empty.set_input(v.clone());
            empty.eval_rule("data.main.deny".into()).unwrap();
        }
    });
    println!(
        "{} objects: input conversion {convert:.1} ms, one empty evaluation per object {fixed:.1} ms",
        objects.len()
    );
    let mut reference = Reference::load(&policies_dir());
    for (name, engine, rules) in &mut reference.units {
        let ms = time(&mut || {
            for v in &values {
                engine.set_input(v.clone());
                for (rule, _) in rules.iter() {
                    engine.eval_rule(format!("data.main.{rule}")).unwrap();
                }
            }
        });
        println!("  {name} alone: {ms:.1} ms");
    }
    let mut kinds: Vec<&str> = objects.iter().map(|o| o.kind.as_str()).collect();
    kinds.sort();
    kinds.dedup();
    let mut policies = Policies::load(&policies_dir(), "policies").unwrap();
    for kind in kinds {
        let of_kind: Vec<Object> = objects.iter().filter(|o| o.kind == kind).cloned().collect();
        let ms = time(&mut || {
            policies.forget();
            policies.evaluate(&of_kind);
        });
        println!("  shared engine, {} {kind}: {ms:.1} ms", of_kind.len());
    }
    let all = time(&mut || {
        policies.forget();
        policies.evaluate(&objects);
    });
    println!("  shared engine, all objects: {all:.1} ms");
}
