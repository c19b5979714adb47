//! Chart lifecycle: hook Jobs (events, weights, delete policies, presets and their overrides, env
//! merge, security, images, which services run them, failure messages), the platform umbrella
//! example (four aliases of the chart sharing global values, each also installable on its own),
//! and packaging (archives render like the folder; the repository index lists the chart).
//! Real helm on the real chart; run on Helm 4 and, with `APWIZ_HELM=.tools/bin/helm3`, Helm 3.
mod support;

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use support::*;

const ALIASES: [&str; 4] = ["api", "worker", "cache", "database"];

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/// Runs the pinned helm with `args` in the repository; returns (success, stdout, stderr).
fn helm_run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(helm())
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", helm().display()));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `helm template <release> <chart> -f <files>... <extra>...` in namespace apps; the raw output.
fn template_raw(release: &str, chart: &Path, files: &[PathBuf], extra: &[&str]) -> String {
    let chart = chart.to_str().expect("utf-8 path");
    let mut args = vec![
        "template",
        release,
        chart,
        "--namespace",
        "apps",
        "--kube-version",
        KUBE_VERSION,
    ];
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    for f in &files {
        args.extend(["-f", f.as_str()]);
    }
    args.extend(extra);
    let (ok, stdout, stderr) = helm_run(&args);
    assert!(ok, "helm {} failed:\n{stderr}", args.join(" "));
    stdout
}

/// The repository the chart lives in (a scratch crate that links chart/ still finds it).
fn checkout() -> PathBuf {
    let chart = chart().canonicalize().expect("chart/ exists");
    chart.parent().expect("chart/ has a parent").to_path_buf()
}

fn hooks_of(objs: &[Value]) -> Vec<&Value> {
    objs.iter()
        .filter(|o| kind(o) == "Job" && !annotation(o, "helm.sh/hook").is_empty())
        .collect()
}

fn annotation<'a>(o: &'a Value, key: &str) -> &'a str {
    o["metadata"]["annotations"][key]
        .as_str()
        .unwrap_or_default()
}

fn component(labels: &Value) -> &str {
    labels["app.kubernetes.io/component"]
        .as_str()
        .unwrap_or_default()
}

/// Renders values that must fail with schema validation off, so the chart's own rule answers.
fn render_err_without_schema(values: &str) -> String {
    let dir = tempdir();
    let file = dir.join("values.yaml");
    std::fs::write(&file, values).expect("write values");
    let (ok, _, stderr) = helm_run(&[
        "template",
        "release",
        chart().to_str().unwrap(),
        "--kube-version",
        KUBE_VERSION,
        "--skip-schema-validation",
        "-f",
        file.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!ok, "expected a failure without the schema for:\n{values}");
    stderr
}

fn assert_mentions(case: &str, msg: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            n.split('|').any(|alt| msg.contains(alt)),
            "{case}: the message should mention {n:?}:\n{msg}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// hooks
// ---------------------------------------------------------------------------------------------

#[test]
fn presets_fill_events_weights_delete_policies_and_limits() {
    let objs = render(
        r#"
hooks:
  migrate: {preset: migration, command: [/app/migrate, up]}
  smoke: {preset: smoke-test}
  export: {preset: data-export, command: [/app/export]}
"#,
    );
    let hooks = hooks_of(&objs);
    assert_eq!(
        hooks.iter().map(|o| name(o)).collect::<Vec<_>>(),
        vec!["release-export", "release-migrate", "release-smoke"],
        "one Job per hook, named <service>-<hook>, in name order"
    );
    // (name, events, weight, backoffLimit, activeDeadlineSeconds)
    let expected = [
        ("release-migrate", "post-install,pre-upgrade", "-10", 3, 600),
        ("release-smoke", "post-install,post-upgrade", "10", 0, 300),
        ("release-export", "pre-delete", "0", 1, 3600),
    ];
    for (n, events, weight, backoff, deadline) in expected {
        let job = find(&objs, "Job", n);
        assert_eq!(annotation(job, "helm.sh/hook"), events, "{n}: events");
        assert_eq!(
            job["metadata"]["annotations"]["helm.sh/hook-weight"],
            json!(weight),
            "{n}: the weight is a string"
        );
        assert_eq!(
            annotation(job, "helm.sh/hook-delete-policy"),
            "before-hook-creation,hook-succeeded",
            "{n}: default delete policy"
        );
        assert_eq!(job["spec"]["backoffLimit"], backoff, "{n}: backoffLimit");
        assert_eq!(job["spec"]["activeDeadlineSeconds"], deadline, "{n}");
        assert_eq!(job["spec"]["completions"], 1);
        assert_eq!(job["spec"]["parallelism"], 1);
        assert!(
            job["spec"].get("ttlSecondsAfterFinished").is_none(),
            "{n}: no TTL unless asked (deletePolicy decides), not the service's job.ttlSecondsAfterFinished"
        );
        assert_eq!(pod_spec(job)["restartPolicy"], "Never");
    }
    assert_eq!(
        main_container(find(&objs, "Job", "release-migrate"))["command"],
        json!(["/app/migrate", "up"])
    );
    // the service itself is unchanged by its hooks
    assert_eq!(of_kind(&objs, "Deployment").len(), 1);
    assert!(
        find(&objs, "Deployment", "release")["metadata"]["annotations"]
            .get("helm.sh/hook")
            .is_none()
    );
}

#[test]
fn keys_set_in_values_override_the_preset() {
    let objs = render(
        r#"
hooks:
  migrate:
    preset: migration
    events: [pre-upgrade, pre-rollback]
    weight: 3
    deletePolicy: [hook-failed]
    backoffLimit: 0
    activeDeadlineSeconds: 60
    ttlSecondsAfterFinished: 0
    command: [/app/migrate]
    args: [--dry-run]
"#,
    );
    let job = find(&objs, "Job", "release-migrate");
    assert_eq!(annotation(job, "helm.sh/hook"), "pre-upgrade,pre-rollback");
    assert_eq!(annotation(job, "helm.sh/hook-weight"), "3");
    assert_eq!(annotation(job, "helm.sh/hook-delete-policy"), "hook-failed");
    assert_eq!(job["spec"]["backoffLimit"], 0, "0 overrides the preset's 3");
    assert_eq!(job["spec"]["activeDeadlineSeconds"], 60);
    assert_eq!(job["spec"]["ttlSecondsAfterFinished"], 0, "0 is a value");
    assert_eq!(main_container(job)["args"], json!(["--dry-run"]));

    // the smoke-test preset's own check gives way to a command of the team's, in the service's image
    let objs = render(
        "image: acme/shop:1.2.3\nhooks:\n  smoke: {preset: smoke-test, command: [/app/smoke]}\n",
    );
    let job = find(&objs, "Job", "release-smoke");
    assert_eq!(main_container(job)["command"], json!(["/app/smoke"]));
    assert_eq!(main_container(job)["image"], "acme/shop:1.2.3");
    assert_eq!(annotation(job, "helm.sh/hook"), "post-install,post-upgrade");
}

#[test]
fn a_hook_without_preset_takes_every_event_and_the_generic_defaults() {
    let events = [
        "pre-install",
        "post-install",
        "pre-upgrade",
        "post-upgrade",
        "pre-rollback",
        "post-rollback",
        "pre-delete",
        "post-delete",
    ];
    let objs = render(&format!(
        "hooks:\n  notify: {{events: [{}], command: [/app/notify]}}\n",
        events.join(", ")
    ));
    let job = find(&objs, "Job", "release-notify");
    assert_eq!(
        annotation(job, "helm.sh/hook"),
        events.join(","),
        "in the order given"
    );
    assert_eq!(annotation(job, "helm.sh/hook-weight"), "0");
    assert_eq!(
        annotation(job, "helm.sh/hook-delete-policy"),
        "before-hook-creation,hook-succeeded"
    );
    assert_eq!(job["spec"]["backoffLimit"], 1);
    assert_eq!(job["spec"]["activeDeadlineSeconds"], 600);

    let objs = render("hooks:\n  notify: {enabled: false, events: [post-install], command: [x]}\n");
    assert!(hooks_of(&objs).is_empty(), "enabled: false renders nothing");
}

#[test]
fn hooks_run_as_the_service_with_env_merged_over_its_own() {
    let objs = render(
        r#"
image: acme/shop:2.0.0
command: [/app/server]
args: [--port, "8080"]
env:
  LOG_LEVEL: info
  DATABASE_URL: postgres://db:5432/shop
  DB_PASSWORD: {secretKeyRef: {name: shop-db, key: password}}
envFrom: [{configMapRef: {name: shop-settings}}]
security: {runAsUser: 12345, runAsGroup: 12345, fsGroup: 12345}
imagePullSecrets: [team-registry]
global: {imagePullSecrets: [org-registry]}
nodeSelector: {pool: batch}
tolerations: [{key: dedicated, operator: Equal, value: batch, effect: NoSchedule}]
serviceAccount: {create: true}
configFiles: {mountPath: /etc/shop, files: {app.yaml: "x: 1"}}
volumes: [{name: certs, mountPath: /certs, readOnly: true, secret: {secretName: shop-certs}}]
initContainers: [{name: wait-for-migration, command: [/bin/true]}]
sidecars: [{name: proxy, image: "acme/proxy:1.0"}]
hooks:
  migrate:
    preset: migration
    command: [/app/migrate, up]
    env: {LOG_LEVEL: debug, MIGRATE_LOCK_TIMEOUT: 60s}
"#,
    );
    let job = find(&objs, "Job", "release-migrate");
    let spec = pod_spec(job);
    let c = main_container(job);
    assert_eq!(
        c["image"], "acme/shop:2.0.0",
        "the service's image by default"
    );
    assert_eq!(c["command"], json!(["/app/migrate", "up"]));
    assert!(
        c.get("args").is_none(),
        "the service's args are not the hook's"
    );
    let env = env_values(c);
    assert_eq!(env["LOG_LEVEL"], "debug", "the hook's value wins");
    assert_eq!(env["MIGRATE_LOCK_TIMEOUT"], "60s", "the hook adds its own");
    assert_eq!(
        env["DATABASE_URL"], "postgres://db:5432/shop",
        "the service's stay"
    );
    let secret = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "DB_PASSWORD")
        .unwrap();
    assert_eq!(
        secret["valueFrom"]["secretKeyRef"],
        json!({"name": "shop-db", "key": "password"})
    );
    assert_eq!(
        c["envFrom"],
        json!([{"configMapRef": {"name": "shop-settings"}}])
    );
    assert_eq!(spec["securityContext"]["runAsUser"], 12345);
    assert_eq!(
        spec["imagePullSecrets"],
        json!([{"name": "org-registry"}, {"name": "team-registry"}])
    );
    assert_eq!(spec["nodeSelector"], json!({"pool": "batch"}));
    assert_eq!(spec["tolerations"][0]["key"], "dedicated");
    assert_eq!(
        spec["serviceAccountName"], "release",
        "the service's ServiceAccount, not one named after the hook"
    );
    let volumes = spec["volumes"].as_array().unwrap();
    let config = volumes.iter().find(|v| v["name"] == "config").unwrap();
    assert_eq!(
        config["configMap"]["name"], "release-config",
        "the service's ConfigMap"
    );
    assert!(volumes.iter().any(|v| v["name"] == "certs"));
    assert!(
        c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/etc/shop")
    );
    assert!(spec.get("initContainers").is_none(), "no init containers");
    assert_eq!(
        spec["containers"].as_array().unwrap().len(),
        1,
        "no sidecars: they would keep the Job from completing"
    );
    assert_restricted(job);
    // the objects the hook uses exist under those names
    find(&objs, "ServiceAccount", "release");
    find(&objs, "ConfigMap", "release-config");
}

#[test]
fn hooks_are_restricted_with_every_preset_and_kind() {
    let objs = render(
        r#"
services:
  web:
    hooks:
      migrate: {preset: migration, command: [/app/migrate]}
      smoke: {preset: smoke-test}
  db:
    workloadType: statefulset
    image: postgres:16.4-alpine
    persistence: {enabled: true, storageClass: default}
    hooks:
      export: {preset: data-export, command: [/bin/export]}
  nightly:
    workloadType: cronjob
    cronjob: {schedule: "0 3 * * *"}
    hooks:
      seed: {events: [post-install], command: [/app/seed]}
"#,
    );
    let hooks = hooks_of(&objs);
    assert_eq!(hooks.len(), 4);
    for job in hooks {
        assert_restricted(job);
        assert_eq!(pod_spec(job)["automountServiceAccountToken"], false);
        assert!(
            pod_spec(job)["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v.get("persistentVolumeClaim").is_none()),
            "{}: a hook never mounts the service's claim",
            name(job)
        );
    }
}

#[test]
fn hook_image_defaults_to_the_service_and_can_be_overridden() {
    let objs = render(
        r#"
image: acme/shop:1.4.2
global: {imageRegistry: registry.acme.internal}
hooks:
  same: {events: [post-install], command: [/app/a]}
  string: {events: [post-install], command: [/app/b], image: "acme/tools:3.1"}
  object: {events: [post-install], command: [/app/c], image: {repository: acme/tools, tag: 20250811, pullPolicy: Always}}
  foreign: {events: [post-install], command: [/app/d], image: "ghcr.io/acme/tools:1.0"}
  smoke: {preset: smoke-test}
"#,
    );
    let image = |n: &str| main_container(find(&objs, "Job", n)).clone();
    assert_eq!(
        image("release-same")["image"],
        "registry.acme.internal/acme/shop:1.4.2"
    );
    assert_eq!(
        image("release-string")["image"],
        "registry.acme.internal/acme/tools:3.1"
    );
    assert_eq!(
        image("release-object")["image"],
        "registry.acme.internal/acme/tools:20250811",
        "numeric tags verbatim"
    );
    assert_eq!(image("release-object")["imagePullPolicy"], "Always");
    assert_eq!(image("release-foreign")["image"], "ghcr.io/acme/tools:1.0");
    assert_eq!(
        image("release-smoke")["image"],
        "registry.acme.internal/busybox:1.36.1",
        "the smoke-test check runs in dependencyWait.image"
    );
    assert_eq!(
        find(&objs, "Job", "release-object")["metadata"]["labels"]["app.kubernetes.io/version"],
        "20250811",
        "the version label follows the hook's image"
    );
}

#[test]
fn smoke_test_checks_the_service_through_its_service() {
    let objs = render(
        "port: 8080\nservice: {port: 80}\nprobes: {readiness: {type: http, path: /ready}}\nhooks:\n  smoke: {preset: smoke-test, activeDeadlineSeconds: 120}\n",
    );
    let c = main_container(find(&objs, "Job", "release-smoke")).clone();
    let cmd: Vec<&str> = c["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(&cmd[..2], ["sh", "-c"]);
    assert!(cmd[2].contains("wget -q -O /dev/null"), "{}", cmd[2]);
    assert!(
        cmd[2].contains("+ 110 ))"),
        "gives up 10s before the deadline: {}",
        cmd[2]
    );
    assert_eq!(&cmd[3..], ["smoke-test", "http", "release", "80", "/ready"]);

    let objs = render("hooks:\n  smoke: {preset: smoke-test}\n");
    let c = main_container(find(&objs, "Job", "release-smoke")).clone();
    let cmd = c["command"].as_array().unwrap();
    assert!(
        cmd[2].as_str().unwrap().contains("nc -z -w 5"),
        "tcp probe → tcp check"
    );
    assert_eq!(
        cmd[3..],
        [
            json!("smoke-test"),
            json!("tcp"),
            json!("release"),
            json!("8080")
        ]
    );
}

#[test]
fn with_services_a_hook_runs_only_for_the_services_that_name_it() {
    let objs = render(
        r#"
hooks:
  migrate: {preset: migration, command: [/app/migrate], env: {MIGRATE: "1"}}
services:
  api:
    image: acme/api:1.0
    hooks:
      migrate: {}
  web:
    image: acme/web:1.0
  admin:
    image: acme/admin:1.0
    hooks:
      migrate: {command: [/admin/migrate]}
  legacy:
    image: acme/legacy:1.0
    hooks:
      migrate: {enabled: false}
"#,
    );
    let hooks: Vec<&str> = hooks_of(&objs).iter().map(|o| name(o)).collect();
    assert_eq!(
        hooks,
        vec!["release-admin-migrate", "release-api-migrate"],
        "web does not name it, legacy switched it off: a top-level hook alone runs nowhere"
    );
    let api = find(&objs, "Job", "release-api-migrate");
    assert_eq!(
        main_container(api)["command"],
        json!(["/app/migrate"]),
        "from the top level"
    );
    assert_eq!(
        main_container(api)["image"],
        "acme/api:1.0",
        "in the service's image"
    );
    assert_eq!(env_values(main_container(api))["MIGRATE"], "1");
    assert_eq!(annotation(api, "helm.sh/hook"), "post-install,pre-upgrade");
    let admin = find(&objs, "Job", "release-admin-migrate");
    assert_eq!(main_container(admin)["command"], json!(["/admin/migrate"]));

    // a hook declared only under a service needs nothing at the top level
    let objs =
        render("services:\n  api:\n    hooks:\n      smoke: {preset: smoke-test}\n  web: {}\n");
    assert_eq!(
        hooks_of(&objs).iter().map(|o| name(o)).collect::<Vec<_>>(),
        vec!["release-api-smoke"]
    );

    // without services the top level is the one service: its hooks run
    let objs = render("hooks:\n  migrate: {preset: migration, command: [/app/migrate]}\n");
    assert_eq!(hooks_of(&objs).len(), 1);

    // an external service may inherit top-level hooks: it names none, so nothing fails
    let objs = render(
        "hooks:\n  migrate: {preset: migration, command: [/m]}\nservices:\n  api: {hooks: {migrate: {}}}\n  db: {workloadType: external, external: {name: db.example.com}}\n",
    );
    assert_eq!(hooks_of(&objs).len(), 1);
}

#[test]
fn hook_pods_never_match_a_selector_and_names_stay_distinct() {
    let objs = render(
        r#"
services:
  api:
    hooks:
      migrate: {preset: migration, command: [/app/migrate]}
      smoke: {preset: smoke-test}
  report:
    workloadType: job
    command: [/app/report]
    hooks:
      prepare: {events: [pre-install], command: [/app/prepare]}
"#,
    );
    let hooks = hooks_of(&objs);
    assert_eq!(
        hooks.iter().map(|o| name(o)).collect::<Vec<_>>(),
        vec![
            "release-api-migrate",
            "release-api-smoke",
            "release-report-prepare"
        ]
    );
    for job in &hooks {
        let labels = pod_template_labels(job);
        assert_eq!(
            component(labels),
            name(job).trim_start_matches("release-"),
            "own component label"
        );
        assert_eq!(
            component(&job["metadata"]["labels"]),
            component(labels),
            "the Job carries it too"
        );
    }
    // no Service or workload selector matches a hook pod
    for o in &objs {
        let selector = if kind(o) == "Service" {
            o["spec"]["selector"].clone()
        } else {
            o["spec"]["selector"]["matchLabels"].clone()
        };
        let Some(sel) = selector.as_object() else {
            continue;
        };
        for job in &hooks {
            let labels = pod_template_labels(job);
            assert!(
                !sel.iter().all(|(k, v)| &labels[k] == v),
                "{}/{} selects hook {}",
                kind(o),
                name(o),
                name(job)
            );
        }
    }
    // the job service's own Job (<name>-<hash>) is not its hook's
    let jobs: Vec<&str> = of_kind(&objs, "Job").iter().map(|o| name(o)).collect();
    let own: Vec<_> = jobs
        .iter()
        .filter(|n| n.starts_with("release-report-") && **n != "release-report-prepare")
        .collect();
    assert_eq!(own.len(), 1, "{jobs:?}");
    let names: BTreeSet<_> = jobs.iter().collect();
    assert_eq!(names.len(), jobs.len(), "Job names are unique: {jobs:?}");
}

#[test]
fn helm_orders_hooks_across_services_by_weight_then_name() {
    // Helm sorts the hooks of one event by weight, then by object name (pkg/action hookByWeight):
    // every migration (-10) runs before any smoke test (10), whichever service owns it.
    let objs = render(
        r#"
hooks:
  migrate: {preset: migration, command: [/app/migrate]}
  smoke: {preset: smoke-test}
services:
  web: {hooks: {migrate: {}, smoke: {}}}
  api: {hooks: {migrate: {}, smoke: {}}}
  jobs: {service: {enabled: false}, hooks: {warm: {events: [post-install], weight: -10, command: [/warm]}}}
"#,
    );
    let mut post_install: Vec<(i64, &str)> = hooks_of(&objs)
        .into_iter()
        .filter(|o| {
            annotation(o, "helm.sh/hook")
                .split(',')
                .any(|e| e == "post-install")
        })
        .map(|o| {
            (
                annotation(o, "helm.sh/hook-weight").parse().unwrap(),
                name(o),
            )
        })
        .collect();
    post_install.sort();
    assert_eq!(
        post_install.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        vec![
            "release-api-migrate",
            "release-jobs-warm",
            "release-web-migrate",
            "release-api-smoke",
            "release-web-smoke"
        ]
    );
}

#[test]
fn hook_rules_fail_with_the_field_the_value_and_a_fix() {
    // (case, values, substrings the message must contain)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "no events and no preset",
            "hooks:\n  notify: {command: [/app/notify]}\n",
            &[
                "hooks.notify.events",
                "no preset gives them",
                "got []",
                "preset: migration",
            ],
        ),
        (
            "events: [] replaces the preset's",
            "hooks:\n  migrate: {preset: migration, events: [], command: [/m]}\n",
            &["hooks.migrate.events", "replaces the migration preset's"],
        ),
        (
            "unknown event (schema)",
            "hooks:\n  notify: {events: [post-instal], command: [/n]}\n",
            &["hooks/notify/events/0", "post-instal"],
        ),
        (
            "unknown delete policy (schema)",
            "hooks:\n  notify: {events: [post-install], command: [/n], deletePolicy: [never]}\n",
            &["hooks/notify/deletePolicy/0", "never"],
        ),
        (
            "unknown preset (schema)",
            "hooks:\n  notify: {preset: backup, command: [/n]}\n",
            &["hooks/notify/preset", "backup"],
        ),
        (
            "mistyped hook key (schema)",
            "hooks:\n  notify: {events: [post-install], comand: [/n]}\n",
            &["hooks/notify", "comand"],
        ),
        (
            "hook name not a DNS label (schema)",
            "hooks:\n  Migrate_DB: {preset: migration, command: [/m]}\n",
            &["Migrate_DB"],
        ),
        (
            "no command, no preset",
            "hooks:\n  notify: {events: [post-install]}\n",
            &[
                "hooks.notify.command",
                "no preset gives one",
                "Only the smoke-test preset supplies a command",
            ],
        ),
        (
            "migration has no command of its own",
            "hooks:\n  migrate: {preset: migration}\n",
            &[
                "hooks.migrate.command",
                "the migration preset cannot guess",
                "got []",
                "/app/migrate",
                "Only the smoke-test preset",
            ],
        ),
        (
            "data-export has no command of its own",
            "services:\n  db:\n    hooks:\n      export: {preset: data-export}\n",
            &[
                "services.db.hooks.export.command",
                "the data-export preset cannot guess",
            ],
        ),
        (
            "smoke-test on a service without a Service",
            "workloadType: job\nhooks:\n  smoke: {preset: smoke-test}\n",
            &["hooks.smoke.command", "has none (workloadType job"],
        ),
        (
            "hooks on an external service",
            "workloadType: external\nexternal: {name: db.example.com}\nhooks:\n  export: {preset: data-export, command: [/e]}\n",
            &[
                "hooks.export",
                "an external service has no pods",
                "data-export",
            ],
        ),
        (
            "hooks on an external service of many",
            "services:\n  db:\n    workloadType: external\n    external: {name: db.example.com}\n    hooks: {export: {preset: data-export, command: [/e]}}\n",
            &["services.db.hooks.export", "external service"],
        ),
        (
            "8 hex characters: a job service's Job name",
            "hooks:\n  deadbeef: {preset: migration, command: [/m]}\n",
            &["hooks.deadbeef", "reserved", "\"deadbeef\""],
        ),
        (
            "the name of another service",
            "services:\n  api: {hooks: {db: {preset: migration, command: [/m]}}}\n  api-db: {}\n",
            &[
                "services.api.hooks.db",
                "service \\\"api-db\\\"|service \"api-db\"",
                "Rename",
            ],
        ),
        (
            "the name of another service's hook",
            "services:\n  api: {hooks: {db-migrate: {preset: migration, command: [/m]}}}\n  api-db: {hooks: {migrate: {preset: migration, command: [/m]}}}\n",
            &[
                "services.api.hooks.db-migrate",
                "hook \\\"migrate\\\" of service \\\"api-db\\\"|hook \"migrate\" of service \"api-db\"",
            ],
        ),
        (
            "pre-install before the ConfigMap exists",
            "configFiles: {files: {app.yaml: \"x: 1\"}}\nhooks:\n  seed: {events: [pre-install], command: [/s]}\n",
            &[
                "hooks.seed.events",
                "pre-install",
                "ConfigMap release-config",
                "post-install",
            ],
        ),
        (
            "pre-install before the ServiceAccount exists",
            "serviceAccount: {create: true}\nhooks:\n  seed: {events: [pre-install, pre-upgrade], command: [/s]}\n",
            &[
                "hooks.seed.events",
                "ServiceAccount release",
                "[\"pre-install\",\"pre-upgrade\"]",
            ],
        ),
    ];
    for (case, values, needles) in cases {
        let msg = render_err(values);
        assert_mentions(case, &msg, needles);
    }
}

#[test]
fn the_chart_rules_hold_without_the_schema_too() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "unknown event",
            "hooks:\n  notify: {events: [post-install, post-instal], command: [/n]}\n",
            &[
                "hooks.notify.events[1]",
                "\"post-instal\"",
                "not a Helm hook event",
                "pre-install, post-install",
            ],
        ),
        (
            "unknown delete policy",
            "hooks:\n  notify: {events: [post-install], command: [/n], deletePolicy: [never]}\n",
            &[
                "hooks.notify.deletePolicy[0]",
                "\"never\"",
                "before-hook-creation",
            ],
        ),
        (
            "unknown preset",
            "hooks:\n  notify: {preset: backup, command: [/n]}\n",
            &[
                "hooks.notify.preset",
                "\"backup\"",
                "data-export, migration, smoke-test",
            ],
        ),
        (
            "reserved name",
            "hooks:\n  0badf00d: {events: [post-install], command: [/n]}\n",
            &["hooks.0badf00d", "reserved"],
        ),
    ];
    for (case, values, needles) in cases {
        assert_mentions(case, &render_err_without_schema(values), needles);
    }
}

// ---------------------------------------------------------------------------------------------
// the platform umbrella example
// ---------------------------------------------------------------------------------------------

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            if entry.file_name() != "charts" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A fresh scratch directory shared by the tests of this process, under Cargo's
/// CARGO_TARGET_TMPDIR (so nothing piles up in /tmp), one per helm binary and purpose; emptied
/// when first used in a process, left for the next run to replace.
fn scratch(purpose: &str) -> PathBuf {
    let helm_name = helm()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("chart_lifecycle-{helm_name}-{purpose}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A copy of examples/platform beside a link to chart/ (so `file://../../chart` resolves to the
/// chart as it is now), with `helm dependency build` run from the committed Chart.lock, which
/// fails when the lock is out of step with Chart.yaml. Built once per test process.
fn umbrella() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = scratch("umbrella");
        std::os::unix::fs::symlink(chart(), root.join("chart")).expect("link chart");
        let dir = root.join("examples/platform");
        copy_dir(&repo().join("examples/platform"), &dir);
        let (ok, _, stderr) = helm_run(&["dependency", "build", dir.to_str().unwrap()]);
        assert!(
            ok,
            "helm dependency build examples/platform (from Chart.lock):\n{stderr}"
        );
        assert!(
            dir.join("charts/app-platform-0.1.0.tgz").is_file(),
            "the dependency archive is in charts/"
        );
        dir
    })
}

fn render_umbrella(sets: &[&str]) -> Vec<Value> {
    template_chart(umbrella(), &[], sets)
        .unwrap_or_else(|e| panic!("helm template examples/platform failed:\n{}", e.stderr))
}

/// The alias an object belongs to: app.kubernetes.io/name is the alias in an umbrella.
fn alias_of(o: &Value) -> &str {
    o["metadata"]["labels"]["app.kubernetes.io/name"]
        .as_str()
        .unwrap_or_default()
}

#[test]
fn umbrella_lock_is_committed_and_charts_are_not() {
    let lock = std::fs::read_to_string(repo().join("examples/platform/Chart.lock"))
        .expect("examples/platform/Chart.lock is committed");
    let lock: Value = serde_yaml::from_str(&lock).expect("Chart.lock is YAML");
    let deps = lock["dependencies"]
        .as_array()
        .expect("locked dependencies");
    assert_eq!(deps.len(), 4);
    let chart_yaml: Value =
        serde_yaml::from_str(&std::fs::read_to_string(chart().join("Chart.yaml")).unwrap())
            .unwrap();
    for d in deps {
        assert_eq!(d["name"], "app-platform");
        assert_eq!(d["repository"], "file://../../chart");
        assert_eq!(
            d["version"], chart_yaml["version"],
            "locked to chart/'s version"
        );
    }
    assert!(lock["digest"].as_str().unwrap().starts_with("sha256:"));
    let umbrella_yaml: Value = serde_yaml::from_str(
        &std::fs::read_to_string(repo().join("examples/platform/Chart.yaml")).unwrap(),
    )
    .unwrap();
    let aliases: Vec<_> = umbrella_yaml["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["version"], chart_yaml["version"]);
            assert_eq!(d["repository"], "file://../../chart");
            let alias = d["alias"].as_str().unwrap().to_string();
            assert_eq!(d["condition"], format!("{alias}.enabled"));
            alias
        })
        .collect();
    assert_eq!(aliases, ALIASES);
    let ignore = std::fs::read_to_string(checkout().join(".gitignore")).unwrap();
    assert!(
        ignore
            .lines()
            .any(|l| l.trim() == "/examples/platform/charts/"),
        "charts/ of the umbrella is git-ignored"
    );
}

#[test]
fn umbrella_renders_each_alias_as_its_kind_with_the_shared_globals() {
    let objs = render_umbrella(&[]);
    let workloads: Vec<(String, String)> = objs
        .iter()
        .filter(|o| matches!(kind(o), "Deployment" | "StatefulSet" | "DaemonSet"))
        .map(|o| (kind(o).to_string(), name(o).to_string()))
        .collect();
    assert_eq!(
        workloads,
        vec![
            ("Deployment".to_string(), "release-api".to_string()),
            ("Deployment".into(), "release-worker".into()),
            ("StatefulSet".into(), "release-cache".into()),
            ("StatefulSet".into(), "release-database".into()),
        ]
    );
    for o in &objs {
        let who = format!("{}/{}", kind(o), name(o));
        assert!(ALIASES.contains(&alias_of(o)), "{who}: alias label");
        assert_eq!(
            o["metadata"]["labels"]["team"], "shop",
            "{who}: global.labels"
        );
        assert_eq!(o["metadata"]["labels"]["cost-center"], "cc-42", "{who}");
        assert_eq!(
            o["metadata"]["labels"]["app-platform.io/environment"], "staging",
            "{who}: global.environment"
        );
        assert_eq!(
            o["metadata"]["labels"]["app.kubernetes.io/instance"],
            "release"
        );
        if is_workload(o) {
            assert_restricted(o);
            let user = &pod_spec(o)["securityContext"]["runAsUser"];
            // helm test Pods run as 10001 whatever the service's user (busybox needs none)
            let expected = if kind(o) == "Pod" {
                10001
            } else if alias_of(o) == "database" {
                70
            } else {
                20001
            };
            assert_eq!(
                user, expected,
                "{who}: global.security, overridden by database"
            );
        }
    }
    let api = find(&objs, "Deployment", "release-api");
    assert_eq!(api["spec"]["replicas"], 2);
    assert_eq!(
        main_container(api)["name"],
        "api",
        "container named after the alias"
    );
    assert_eq!(main_container(api)["image"], "ghcr.io/acme/shop-api:2.3.1");
    let db = find(&objs, "StatefulSet", "release-database");
    assert_eq!(db["spec"]["serviceName"], "release-database-headless");
    assert_eq!(
        db["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
        "10Gi"
    );
    assert_eq!(pod_spec(db)["securityContext"]["fsGroup"], 70);
    assert_eq!(main_container(db)["resources"]["limits"]["memory"], "1Gi");
    assert!(
        !objs
            .iter()
            .any(|o| kind(o) == "Service" && name(o) == "release-worker"),
        "the worker turns its Service off"
    );
    // hooks: the api's, nobody else's
    let hooks: Vec<&str> = hooks_of(&objs).iter().map(|o| name(o)).collect();
    assert_eq!(hooks, vec!["release-api-migrate", "release-api-smoke"]);
    let smoke = find(&objs, "Job", "release-api-smoke");
    let cmd = main_container(smoke)["command"].as_array().unwrap().clone();
    assert_eq!(
        cmd[4..],
        [
            json!("http"),
            json!("release-api"),
            json!("8080"),
            json!("/ready")
        ],
        "the smoke test GETs the readiness path through the api's Service"
    );
}

#[test]
fn umbrella_global_monitoring_is_a_default_each_alias_overrides() {
    let objs = render_umbrella(&[]);
    let monitors = of_kind(&objs, "ServiceMonitor");
    let interval: BTreeMap<&str, &Value> = monitors
        .iter()
        .map(|m| (alias_of(m), &m["spec"]["endpoints"][0]["interval"]))
        .collect();
    assert_eq!(
        interval,
        BTreeMap::from([
            ("api", &json!("15s")),
            ("cache", &json!("30s")),
            ("database", &json!("60s")),
        ]),
        "global.monitoring.scrapeInterval 30s; api and database set their own; the worker has no Service to scrape"
    );
    for m in monitors {
        assert_eq!(
            m["metadata"]["labels"]["release"],
            "kube-prometheus-stack",
            "{}: global.monitoring.labels",
            name(m)
        );
    }
    assert_eq!(
        find(&objs, "ServiceMonitor", "release-api")["spec"]["endpoints"][0]["port"],
        "http",
        "api scrapes its main port"
    );
}

#[test]
fn umbrella_aliases_share_no_name_and_no_selector() {
    let objs = render_umbrella(&[]);
    let mut seen = BTreeSet::new();
    for o in &objs {
        assert!(
            seen.insert((kind(o).to_string(), name(o).to_string())),
            "{}/{} rendered twice",
            kind(o),
            name(o)
        );
        if !o["metadata"]["labels"].is_null() {
            assert!(
                name(o).starts_with(&format!("release-{}", alias_of(o))),
                "{}/{}: names derive from the alias",
                kind(o),
                name(o)
            );
        }
    }
    let pods: Vec<&Value> = objs.iter().filter(|o| is_workload(o)).collect();
    let mut selectors = BTreeSet::new();
    for o in objs
        .iter()
        .filter(|o| matches!(kind(o), "Deployment" | "StatefulSet"))
    {
        assert!(
            selectors.insert(o["spec"]["selector"]["matchLabels"].to_string()),
            "{}: selector reused",
            name(o)
        );
    }
    for svc in of_kind(&objs, "Service") {
        let sel = svc["spec"]["selector"].as_object().expect("selector");
        let matching: Vec<&str> = pods
            .iter()
            .filter(|p| sel.iter().all(|(k, v)| &pod_template_labels(p)[k] == v))
            .map(|p| name(p))
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "Service {} selects {matching:?}",
            name(svc)
        );
        assert_eq!(sel["app.kubernetes.io/name"], alias_of(svc));
    }
}

#[test]
fn umbrella_aliases_switch_off_through_their_condition() {
    let objs = render_umbrella(&["worker.enabled=false", "cache.enabled=false"]);
    let aliases: BTreeSet<&str> = objs.iter().map(alias_of).collect();
    assert_eq!(aliases, BTreeSet::from(["api", "database"]));
}

#[test]
fn each_alias_installs_on_its_own_with_the_same_settings() {
    let objs = render_umbrella(&[]);
    for alias in ALIASES {
        let file = repo().join(format!("examples/platform/standalone/{alias}.yaml"));
        let release = format!("release-{alias}");
        let alone = parse_manifests(&template_raw(&release, &chart(), &[file], &[]));
        assert!(!alone.is_empty(), "{alias}: standalone renders");
        let mine: Vec<&Value> = objs.iter().filter(|o| alias_of(o) == alias).collect();
        let keys = |list: &[&Value]| -> BTreeSet<String> {
            list.iter()
                .map(|o| format!("{}/{}", kind(o), name(o)))
                .collect()
        };
        assert_eq!(
            keys(&alone.iter().collect::<Vec<_>>()),
            keys(&mine),
            "{alias}: the same objects under the same names"
        );
        for o in &alone {
            let twin = mine
                .iter()
                .find(|m| kind(m) == kind(o) && name(m) == name(o))
                .unwrap();
            let who = format!("{alias}: {}/{}", kind(o), name(o));
            assert_eq!(
                o["metadata"]["labels"]["app.kubernetes.io/name"],
                "app-platform"
            );
            assert_eq!(o["metadata"]["labels"]["team"], "shop", "{who}");
            if is_workload(o) {
                assert_restricted(o);
                assert_eq!(pod_spec(o), pod_spec(twin), "{who}: same pod spec");
            }
            if kind(o) == "Service" {
                assert_eq!(o["spec"]["ports"], twin["spec"]["ports"], "{who}");
                assert_eq!(o["spec"]["type"], twin["spec"]["type"], "{who}");
            }
            if kind(o) == "StatefulSet" {
                assert_eq!(
                    o["spec"]["volumeClaimTemplates"][0]["spec"],
                    twin["spec"]["volumeClaimTemplates"][0]["spec"],
                    "{who}"
                );
            }
            if kind(o) == "Job" {
                assert_eq!(
                    o["metadata"]["annotations"], twin["metadata"]["annotations"],
                    "{who}"
                );
            }
        }
    }
}

#[test]
fn umbrella_and_standalone_files_pass_helm_lint_strict() {
    let dir = umbrella().to_str().unwrap();
    let (ok, stdout, stderr) = helm_run(&["lint", "--strict", "--kube-version", KUBE_VERSION, dir]);
    assert!(
        ok,
        "helm lint --strict examples/platform:\n{stdout}\n{stderr}"
    );
    let (ok, stdout, stderr) = helm_run(&[
        "lint",
        "--strict",
        "--with-subcharts",
        "--kube-version",
        KUBE_VERSION,
        dir,
    ]);
    assert!(ok, "with subcharts:\n{stdout}\n{stderr}");
    for alias in ALIASES {
        let file = repo().join(format!("examples/platform/standalone/{alias}.yaml"));
        let (ok, stdout, stderr) = helm_run(&[
            "lint",
            "--strict",
            "--kube-version",
            KUBE_VERSION,
            chart().to_str().unwrap(),
            "-f",
            file.to_str().unwrap(),
        ]);
        assert!(
            ok,
            "helm lint --strict chart -f standalone/{alias}.yaml:\n{stdout}\n{stderr}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// packaging
// ---------------------------------------------------------------------------------------------

/// scripts/package-chart.sh into a fresh directory: (directory, printed paths). Once per process.
fn packaged() -> &'static (PathBuf, Vec<PathBuf>) {
    static OUT: OnceLock<(PathBuf, Vec<PathBuf>)> = OnceLock::new();
    OUT.get_or_init(|| {
        let dest = scratch("dist");
        let out = Command::new(repo().join("scripts/package-chart.sh"))
            .arg(&dest)
            .env("HELM", helm())
            .env("NO_COLOR", "1")
            .output()
            .expect("run scripts/package-chart.sh");
        assert!(
            out.status.success(),
            "scripts/package-chart.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let paths = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(PathBuf::from)
            .collect();
        (dest, paths)
    })
}

fn chart_version() -> String {
    let chart_yaml: Value =
        serde_yaml::from_str(&std::fs::read_to_string(chart().join("Chart.yaml")).unwrap())
            .unwrap();
    chart_yaml["version"].as_str().unwrap().to_string()
}

#[test]
fn package_script_prints_versioned_archives_and_the_index() {
    let (dest, paths) = packaged();
    let version = chart_version();
    assert_eq!(
        paths,
        &vec![
            dest.join(format!("app-platform-{version}.tgz")),
            dest.join("platform-0.1.0.tgz"),
            dest.join("index.yaml"),
        ]
    );
    for p in paths {
        assert!(p.is_file(), "{} exists", p.display());
    }
    // the umbrella archive carries its dependency, resolved, and not the standalone files
    let out = Command::new("tar")
        .arg("-tzf")
        .arg(&paths[1])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("platform/Chart.lock"), "{listing}");
    assert!(
        listing.contains("platform/charts/app-platform/Chart.yaml")
            || listing.contains("platform/charts/app-platform-"),
        "{listing}"
    );
    assert!(!listing.contains("standalone/"), "{listing}");
}

#[test]
fn repository_index_lists_the_chart_with_version_and_digest() {
    let (dest, paths) = packaged();
    let version = chart_version();
    let index: Value =
        serde_yaml::from_str(&std::fs::read_to_string(dest.join("index.yaml")).unwrap())
            .expect("index.yaml is YAML");
    assert_eq!(index["apiVersion"], "v1");
    let entry = &index["entries"]["app-platform"][0];
    assert_eq!(entry["name"], "app-platform");
    assert_eq!(entry["version"], version.as_str());
    assert_eq!(
        entry["urls"],
        json!([format!("app-platform-{version}.tgz")])
    );
    assert_eq!(entry["kubeVersion"], ">=1.28.0-0");
    let digest = entry["digest"].as_str().expect("digest");
    let sum = Command::new("sha256sum").arg(&paths[0]).output().unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout);
    assert_eq!(
        Some(digest),
        sum.split_whitespace().next(),
        "the digest is the archive's SHA-256"
    );
    assert!(
        entry["annotations"]["artifacthub.io/images"]
            .as_str()
            .unwrap()
            .contains("busybox:1.36.1")
    );
    let platform = &index["entries"]["platform"][0];
    assert_eq!(platform["version"], "0.1.0");
    assert_eq!(platform["dependencies"].as_array().unwrap().len(), 4);
}

#[test]
fn the_archive_renders_exactly_like_the_folder() {
    let (_, paths) = packaged();
    let archive = &paths[0];
    let cases: &[(&str, &[&str])] = &[
        ("defaults", &[]),
        (
            "web-app",
            &["examples/web-app.yaml", "chart/values-prod.yaml"],
        ),
        ("four-services", &["examples/four-services.yaml"]),
        (
            "stateful-app",
            &["examples/stateful-app.yaml", "chart/values-dev.yaml"],
        ),
        ("cronjob", &["examples/cronjob.yaml"]),
        ("hooks", &["examples/platform/standalone/api.yaml"]),
    ];
    for (case, files) in cases {
        let files: Vec<PathBuf> = files.iter().map(|f| repo().join(f)).collect();
        let folder = template_raw("release", &chart(), &files, &[]);
        let packed = template_raw("release", archive, &files, &[]);
        assert!(!folder.trim().is_empty(), "{case}: renders something");
        assert_eq!(
            packed, folder,
            "{case}: the archive renders like the folder"
        );
    }
    // the umbrella: its archive (dependency inside) against the folder built from Chart.lock
    let folder = template_raw("shop", umbrella(), &[], &[]);
    let packed = template_raw("shop", &paths[1], &[], &[]);
    assert_eq!(
        packed, folder,
        "platform: the archive renders like the folder"
    );
}

#[test]
fn chart_metadata_is_complete() {
    let meta: Value =
        serde_yaml::from_str(&std::fs::read_to_string(chart().join("Chart.yaml")).unwrap())
            .unwrap();
    assert_eq!(meta["apiVersion"], "v2");
    assert_eq!(meta["name"], "app-platform");
    assert_eq!(meta["version"], "0.1.0");
    assert_eq!(meta["kubeVersion"], ">=1.28.0-0");
    for key in ["description", "home", "icon", "appVersion"] {
        assert!(meta[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
    }
    assert!(!meta["keywords"].as_array().unwrap().is_empty());
    assert!(!meta["sources"].as_array().unwrap().is_empty());
    let m = &meta["maintainers"][0];
    assert!(m["name"].is_string() && m["email"].is_string());
    let ann = &meta["annotations"];
    assert_eq!(ann["artifacthub.io/license"], "MIT");
    let images: Value =
        serde_yaml::from_str(ann["artifacthub.io/images"].as_str().expect("images")).unwrap();
    let refs: Vec<&str> = images
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["image"].as_str().unwrap())
        .collect();
    // the images the chart runs by default, as its values.yaml names them
    let values: Value =
        serde_yaml::from_str(&std::fs::read_to_string(chart().join("values.yaml")).unwrap())
            .unwrap();
    let main = format!(
        "{}:{}",
        values["image"]["repository"]
            .as_str()
            .expect("image.repository"),
        values["image"]["tag"].as_str().expect("image.tag")
    );
    for default in [
        main.as_str(),
        values["dependencyWait"]["image"].as_str().unwrap(),
    ] {
        assert!(refs.contains(&default), "{default} listed in {refs:?}");
    }
    let changes: Value =
        serde_yaml::from_str(ann["artifacthub.io/changes"].as_str().expect("changes")).unwrap();
    for c in changes.as_array().unwrap() {
        assert!(
            [
                "added",
                "changed",
                "deprecated",
                "removed",
                "fixed",
                "security"
            ]
            .contains(&c["kind"].as_str().unwrap()),
            "{c}"
        );
        assert!(c["description"].is_string());
    }
    let links: Value =
        serde_yaml::from_str(ann["artifacthub.io/links"].as_str().expect("links")).unwrap();
    for l in links.as_array().unwrap() {
        assert!(l["name"].is_string() && l["url"].as_str().unwrap().starts_with("https://"));
    }
    // the icon the metadata points at is in the repository
    let icon = meta["icon"].as_str().unwrap();
    let path = icon
        .strip_prefix("https://raw.githubusercontent.com/apwiz/app-platform/main/")
        .expect("icon served from the repository");
    assert!(checkout().join(path).is_file(), "{path} exists");
}
