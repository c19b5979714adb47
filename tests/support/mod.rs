//! Shared support for the integration tests: the repository's paths, the pinned `helm`, scratch
//! directories, and for the chart tests `helm template` on the real chart parsed into Kubernetes
//! objects. `cli` runs the real `apwiz` binary. No mocks: every test renders for real.
//!
//! `APWIZ_HELM` picks the helm binary (default: `.tools/bin/helm`, Helm 4); the README's test
//! command runs the chart tests a second time with `APWIZ_HELM=.tools/bin/helm3`.
#![allow(dead_code)] // each test binary uses a different part of this module

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod cli;
pub mod cluster;
pub mod fleet;
pub mod tmux;

/// Kubernetes version passed to `helm template`: offline Helm 4.0 assumes v1.20, which the
/// chart's `kubeVersion: >=1.28.0-0` rejects.
pub const KUBE_VERSION: &str = "1.34.0";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn chart() -> PathBuf {
    repo().join("chart")
}

pub fn helm() -> PathBuf {
    match std::env::var_os("APWIZ_HELM") {
        Some(path) => PathBuf::from(path),
        None => repo().join(".tools/bin/helm"),
    }
}

/// A failed render: helm's exit status and what it printed on stderr.
#[derive(Debug)]
pub struct HelmError {
    pub stderr: String,
}

/// Renders `chart` with the given value files (relative to the repo) and `--set` pairs.
pub fn template_chart(
    chart: &Path,
    files: &[&str],
    sets: &[&str],
) -> Result<Vec<Value>, HelmError> {
    let out = template_output(chart, files, sets);
    if !out.status.success() {
        return Err(HelmError {
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(parse_manifests(&String::from_utf8_lossy(&out.stdout)))
}

/// `helm template` as it ran: status, stdout and stderr (warnings included).
pub fn template_output(chart: &Path, files: &[&str], sets: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(helm());
    cmd.arg("template")
        .arg("release")
        .arg(chart)
        .arg("--namespace")
        .arg("apps")
        .arg("--kube-version")
        .arg(KUBE_VERSION)
        .env("NO_COLOR", "1")
        .current_dir(repo());
    for f in files {
        cmd.arg("-f").arg(repo().join(f));
    }
    for s in sets {
        cmd.arg("--set").arg(s);
    }
    cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run {}: {e} (run scripts/install-tools.sh)",
            helm().display()
        )
    })
}

pub fn template(files: &[&str], sets: &[&str]) -> Result<Vec<Value>, HelmError> {
    template_chart(&chart(), files, sets)
}

/// Renders values given inline as YAML (written to a real temporary file).
pub fn template_yaml(values: &str) -> Result<Vec<Value>, HelmError> {
    let dir = tempdir();
    let file = dir.join("values.yaml");
    std::fs::write(&file, values).expect("write values file");
    let result = template(&[file.to_str().expect("utf-8 path")], &[]);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Renders and panics with helm's message on failure.
pub fn render(values: &str) -> Vec<Value> {
    template_yaml(values)
        .unwrap_or_else(|e| panic!("helm template failed:\n{}\nvalues:\n{values}", e.stderr))
}

/// Renders values that must fail, and returns helm's message.
pub fn render_err(values: &str) -> String {
    match template_yaml(values) {
        Ok(objs) => panic!(
            "expected helm template to fail, it rendered {} objects for:\n{values}",
            objs.len()
        ),
        Err(e) => e.stderr,
    }
}

/// A fresh empty directory under the target's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("apwiz-tests")
        .join(format!(
            "{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

pub fn tempdir() -> PathBuf {
    scratch("chart")
}

/// Parses a multi-document YAML stream into JSON values, dropping empty documents.
pub fn parse_manifests(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| {
            Value::deserialize(doc)
                .unwrap_or_else(|e| panic!("helm printed invalid YAML: {e}\n{text}"))
        })
        .filter(|v| !v.is_null())
        .collect()
}

pub fn kind(o: &Value) -> &str {
    o["kind"].as_str().unwrap_or_default()
}

pub fn name(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap_or_default()
}

pub fn of_kind<'a>(objs: &'a [Value], k: &str) -> Vec<&'a Value> {
    objs.iter().filter(|o| kind(o) == k).collect()
}

pub fn find<'a>(objs: &'a [Value], k: &str, n: &str) -> &'a Value {
    objs.iter()
        .find(|o| kind(o) == k && name(o) == n)
        .unwrap_or_else(|| panic!("no {k}/{n} among: {:?}", summary(objs)))
}

pub fn summary(objs: &[Value]) -> Vec<String> {
    objs.iter()
        .map(|o| format!("{}/{}", kind(o), name(o)))
        .collect()
}

/// The pod spec of any workload kind (Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob).
pub fn pod_spec(o: &Value) -> &Value {
    match kind(o) {
        "Pod" => &o["spec"],
        "CronJob" => &o["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        _ => &o["spec"]["template"]["spec"],
    }
}

pub fn pod_template_labels(o: &Value) -> &Value {
    match kind(o) {
        "Pod" => &o["metadata"]["labels"],
        "CronJob" => &o["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"],
        _ => &o["spec"]["template"]["metadata"]["labels"],
    }
}

pub fn is_workload(o: &Value) -> bool {
    matches!(
        kind(o),
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod"
    )
}

/// Every container of a pod spec: init containers first, then containers.
pub fn containers(spec: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for key in ["initContainers", "containers"] {
        if let Some(list) = spec[key].as_array() {
            all.extend(list.iter());
        }
    }
    all
}

/// Asserts what Pod Security "restricted" demands of a pod spec, the way the admission plugin
/// reads it: pod-level settings count for every container unless a container overrides them.
pub fn assert_restricted(o: &Value) {
    let who = format!("{}/{}", kind(o), name(o));
    let spec = pod_spec(o);
    let pod_sc = &spec["securityContext"];
    assert_eq!(pod_sc["runAsNonRoot"], true, "{who}: pod runAsNonRoot");
    assert_ne!(pod_sc["runAsUser"], 0, "{who}: pod runAsUser 0");
    assert!(
        pod_sc["runAsUser"].as_i64().unwrap_or(0) > 0,
        "{who}: pod runAsUser set and non-zero"
    );
    assert!(
        pod_sc["runAsGroup"].as_i64().unwrap_or(0) > 0,
        "{who}: pod runAsGroup"
    );
    assert!(
        pod_sc["fsGroup"].as_i64().unwrap_or(0) > 0,
        "{who}: pod fsGroup"
    );
    assert_eq!(
        pod_sc["seccompProfile"]["type"], "RuntimeDefault",
        "{who}: seccomp"
    );
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        assert!(spec[key].is_null() || spec[key] == false, "{who}: {key}");
    }
    for v in spec["volumes"].as_array().into_iter().flatten() {
        assert!(v.get("hostPath").is_none(), "{who}: hostPath volume {v}");
    }
    for c in containers(spec) {
        let cn = c["name"].as_str().unwrap_or_default();
        let sc = &c["securityContext"];
        assert_eq!(
            sc["allowPrivilegeEscalation"], false,
            "{who} {cn}: allowPrivilegeEscalation"
        );
        assert_eq!(
            sc["capabilities"]["drop"],
            serde_json::json!(["ALL"]),
            "{who} {cn}: drop ALL"
        );
        assert_eq!(
            sc["readOnlyRootFilesystem"], true,
            "{who} {cn}: readOnlyRootFilesystem"
        );
        assert_ne!(sc["privileged"], true, "{who} {cn}: privileged");
        assert_ne!(sc["runAsNonRoot"], false, "{who} {cn}: runAsNonRoot");
        for k in ["cpu", "memory"] {
            assert!(
                !c["resources"]["requests"][k].is_null(),
                "{who} {cn}: requests.{k}"
            );
            assert!(
                !c["resources"]["limits"][k].is_null(),
                "{who} {cn}: limits.{k}"
            );
        }
        for p in c["ports"].as_array().into_iter().flatten() {
            assert!(p.get("hostPort").is_none(), "{who} {cn}: hostPort");
        }
        let tmp = c["volumeMounts"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["mountPath"] == "/tmp"));
        assert!(tmp, "{who} {cn}: writable /tmp mount");
    }
}

/// The container of a workload (init containers included) with that name.
pub fn container<'a>(o: &'a Value, name: &str) -> &'a Value {
    containers(pod_spec(o))
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name} in {}/{}", kind(o), self::name(o)))
}

/// The first container of a workload: the service's own.
pub fn main_container(o: &Value) -> &Value {
    &pod_spec(o)["containers"][0]
}

/// A container's env entries by name (the whole entry: value or valueFrom).
pub fn env_entries(c: &Value) -> std::collections::BTreeMap<String, Value> {
    c["env"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default().to_string(),
                e.clone(),
            )
        })
        .collect()
}

/// A container's plain env values by name (null for a valueFrom entry).
pub fn env_values(c: &Value) -> std::collections::BTreeMap<String, Value> {
    env_entries(c)
        .into_iter()
        .map(|(k, e)| (k, e["value"].clone()))
        .collect()
}

/// `helm lint --strict` on the chart with value files (relative to the repository): Err with
/// helm's output when it fails or prints a warning.
pub fn lint_strict(files: &[&str]) -> Result<(), String> {
    let mut cmd = Command::new(helm());
    cmd.args(["lint", "--strict", "--kube-version", KUBE_VERSION])
        .arg(chart())
        .env("NO_COLOR", "1");
    for f in files {
        cmd.arg("-f").arg(repo().join(f));
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run helm: {e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() && !text.contains("[WARNING]") && !text.contains("[ERROR]") {
        Ok(())
    } else {
        Err(text)
    }
}

/// The local control plane's kubeconfig: `scripts/control-plane.sh up` once per test binary (it
/// reuses a running cluster).
pub fn kubeconfig() -> &'static Path {
    static KUBECONFIG: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    KUBECONFIG.get_or_init(|| {
        let out = Command::new(repo().join("scripts/control-plane.sh"))
            .arg("up")
            .output()
            .expect("run scripts/control-plane.sh up");
        assert!(
            out.status.success(),
            "scripts/control-plane.sh up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
}

/// The output of a command on the control plane.
pub struct Ran {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// The control plane's own kubectl on the local cluster, with `stdin` piped in.
pub fn kubectl_in(args: &[&str], stdin: Option<&str>) -> Ran {
    use std::io::Write;
    let mut child = Command::new(repo().join("scripts/control-plane.sh"))
        .arg("kubectl")
        .args(args)
        .env("KUBECONFIG", kubeconfig())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kubectl");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(pipe);
    let out = child.wait_with_output().expect("kubectl output");
    Ran {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The control plane's kubectl: (success, stdout, stderr).
pub fn kubectl(args: &[&str]) -> (bool, String, String) {
    let r = kubectl_in(args, None);
    (r.ok, r.stdout, r.stderr)
}

/// The major version of the helm under test (`4` or `3`): namespaces and registry paths carry
/// it, so the suites run with Helm 4 and then Helm 3 never meet.
pub fn helm_major() -> &'static str {
    static MAJOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    MAJOR.get_or_init(|| {
        let out = Command::new(helm())
            .args(["version", "--short"])
            .output()
            .expect("helm version");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .trim_start_matches('v')
            .split('.')
            .next()
            .unwrap_or("0")
            .to_string()
    })
}

/// A fresh namespace `<base>-h<major>` that enforces, audits and warns on Pod Security
/// "restricted" (deleted first when a previous run left it).
pub fn fresh_namespace(base: &str) -> String {
    let ns = format!("{base}-h{}", helm_major());
    let _ = kubectl(&[
        "delete",
        "namespace",
        &ns,
        "--ignore-not-found",
        "--wait=true",
        "--timeout=120s",
    ]);
    let manifest = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    \
         pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/audit: restricted\n    \
         pod-security.kubernetes.io/warn: restricted\n"
    );
    let r = kubectl_in(&["apply", "-f", "-"], Some(&manifest));
    assert!(r.ok, "create namespace {ns}: {}", r.stderr);
    ns
}

/// The local OCI registry (`scripts/registry.sh up`, reused when running): `127.0.0.1:PORT`.
pub fn registry() -> &'static str {
    static ADDR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ADDR.get_or_init(|| {
        let out = Command::new(repo().join("scripts/registry.sh"))
            .arg("up")
            .output()
            .expect("run scripts/registry.sh up");
        assert!(
            out.status.success(),
            "scripts/registry.sh up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}

/// Copies a directory tree (a chart, a team's directory) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
