//! Bad values fail with a message that names the field and the value given — from the schema
//! (Helm's validator) or from the chart's own rules (`<path>: <what is wrong>, got <value>. <fix>`).
//! Run on Helm 4 by default and on Helm 3 with `APWIZ_HELM=.tools/bin/helm3`.
mod support;

use support::render_err;

/// (case, values, substrings the message must contain: the field, the value given, the fix).
/// "a|b" accepts either: Helm's validator prints large numbers with separators (99,999).
const CASES: &[(&str, &str, &[&str])] = &[
    // --- the schema ---
    (
        "negative replicas",
        "replicas: -5\n",
        &["replicas", "-5", "minimum"],
    ),
    (
        "too many replicas",
        "replicas: 5000\n",
        &["replicas", "5,000|5000", "maximum"],
    ),
    (
        "port out of range",
        "port: 99999\n",
        &["port", "99,999|99999", "maximum"],
    ),
    ("empty image", "image: \"\"\n", &["image"]),
    (
        "unknown workload type",
        "workloadType: lambda\n",
        &["workloadType", "lambda", "deployment"],
    ),
    ("mistyped key", "replicaz: 3\n", &["replicaz", "additional"]),
    (
        "mistyped nested key",
        "persistence: {enabld: true}\n",
        &["persistence", "enabld"],
    ),
    (
        "bad cpu quantity",
        "resources: {limits: {cpu: lots}}\n",
        &["resources/limits/cpu", "lots"],
    ),
    (
        "bad memory quantity",
        "resources: {requests: {memory: 1GB}}\n",
        &["resources/requests/memory", "1GB"],
    ),
    (
        "bad cron",
        "workloadType: cronjob\ncronjob: {schedule: \"every five minutes\"}\n",
        &["cronjob/schedule", "every five minutes"],
    ),
    (
        "bad service name",
        "services:\n  My_Service: {}\n",
        &["My_Service"],
    ),
    (
        "bad image reference",
        "image: \"ACME/Shop:1.0\"\n",
        &["image", "ACME/Shop:1.0"],
    ),
    (
        "bad pull policy",
        "image: {repository: acme/shop, tag: \"1\", pullPolicy: Sometimes}\n",
        &["pullPolicy", "Sometimes"],
    ),
    (
        "env reference with two sources",
        "env:\n  X: {secretKeyRef: {name: a, key: b}, configMapKeyRef: {name: a, key: b}}\n",
        &["env/X"],
    ),
    (
        "hostPath volume",
        "volumes: [{name: host, mountPath: /host, hostPath: {path: /}}]\n",
        &["volumes/0", "hostPath"],
    ),
    // --- the chart's own rules ---
    (
        "daemonset with a claim",
        "workloadType: daemonset\npersistence: {enabled: true, storageClass: default}\n",
        &[
            "persistence.enabled: a daemonset runs one pod per node and cannot share one claim",
            "got true",
            "Set persistence.enabled: false",
        ],
    ),
    (
        "persistence without a storage class",
        "services:\n  db: {workloadType: statefulset, persistence: {enabled: true}}\n",
        &[
            "services.db.persistence.storageClass: persistence is enabled but no storage class is chosen",
            "got \"\"",
            "\"default\"",
            "\"-\"",
        ],
    ),
    (
        "external service with an image",
        "services:\n  db: {workloadType: external, image: acme/db:1, external: {name: db.example.com}}\n",
        &[
            "services.db.image: an external service has no pods",
            "got \"acme/db:1\"",
        ],
    ),
    (
        "external service with replicas",
        "services:\n  db: {workloadType: external, replicas: 2, external: {name: db.example.com}}\n",
        &[
            "services.db.replicas: an external service has no pods",
            "got 2",
        ],
    ),
    (
        "external single service with an image",
        "workloadType: external\nimage: acme/db:1\nexternal: {name: db.example.com}\n",
        &[
            "image: an external service has no pods",
            "got \"acme/db:1\"",
        ],
    ),
    (
        "external service without a target",
        "workloadType: external\n",
        &[
            "external.name: an external service needs a target",
            "got \"\"",
        ],
    ),
    (
        "dependency on a service that does not exist",
        "services:\n  web: {dependsOn: [api]}\n  worker: {}\n",
        &[
            "services.web.dependsOn[0]: no service of this release has that name",
            "got \"api\"",
            "Use one of: web, worker",
        ],
    ),
    (
        "dependency on a job",
        "services:\n  web: {dependsOn: [migrate]}\n  migrate: {workloadType: job}\n",
        &[
            "services.web.dependsOn[0]",
            "got \"migrate\"",
            "has no Service",
        ],
    ),
    (
        "cronjob without a schedule",
        "workloadType: cronjob\n",
        &[
            "cronjob.schedule: a cronjob needs a schedule",
            "got \"\"",
            "0 3 * * *",
        ],
    ),
    (
        "recreate strategy on a statefulset",
        "workloadType: statefulset\npersistence: {enabled: true, storageClass: default}\nstrategy: {type: Recreate}\n",
        &[
            "strategy.type: a statefulset does not support this update strategy",
            "got \"Recreate\"",
            "RollingUpdate, OnDelete",
        ],
    ),
    (
        "exec probe without a command",
        "probes: {liveness: {type: exec}}\n",
        &[
            "probes.liveness.command: an exec probe needs a command",
            "got null",
            "type: http or tcp",
        ],
    ),
    (
        "unknown probe type",
        "probes: {readiness: {type: soap}}\n",
        &["probes/readiness/type", "soap"],
    ),
    (
        "limits removed",
        "resources: {limits: {memory: null}}\n",
        &[
            "resources.limits.memory: every container needs a memory limit",
            "got null",
        ],
    ),
    (
        "root user while runAsNonRoot",
        "security: {runAsUser: 0}\n",
        &["security.runAsUser: user 0 is root", "got 0", "10001"],
    ),
    (
        "daemonset with persistence",
        "workloadType: daemonset\npersistence: {enabled: true, storageClass: default}\n",
        &[
            "persistence.enabled: a daemonset runs one pod per node",
            "got true",
        ],
    ),
];

#[test]
fn bad_values_fail_naming_the_field_and_the_value() {
    assert!(CASES.len() >= 15);
    let mut failures = Vec::new();
    for (case, values, expected) in CASES {
        let message = render_err(values);
        let missing: Vec<_> = expected
            .iter()
            .filter(|e| !e.split('|').any(|alt| message.contains(alt)))
            .collect();
        if !missing.is_empty() {
            failures.push(format!("{case}: missing {missing:?} in:\n{message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn chart_rule_messages_share_one_form() {
    // "<path>: <what is wrong>, got <value>. <how to fix>"
    let message = render_err(
        "workloadType: daemonset\npersistence: {enabled: true, storageClass: default}\n",
    );
    let line = message
        .lines()
        .find(|l| l.contains("persistence.enabled:"))
        .expect("message line");
    let body = &line[line.find("persistence.enabled:").unwrap()..];
    let (path, rest) = body.split_once(": ").unwrap();
    assert_eq!(path, "persistence.enabled");
    let (problem, rest) = rest.split_once(", got ").expect("', got '");
    assert!(!problem.is_empty());
    let (value, fix) = rest.split_once(". ").expect("'. ' before the fix");
    assert_eq!(value, "true");
    assert!(fix.starts_with("Set "), "{fix}");
}

#[test]
fn cross_field_rules_report_every_problem_at_once() {
    // dependsOn, external-service and canary rules of several services in one render: each
    // message is there, one per line, so a team fixes them in one pass.
    let message = render_err(
        "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n    dependsOn: [nope, api, jobby]\n  \
         db:\n    workloadType: external\n    image: x:1\n    external: {name: db.example.com, addresses: [10.0.0.1]}\n  \
         jobby: {workloadType: job, image: ghcr.io/acme/job:1}\n  \
         st: {workloadType: statefulset, image: ghcr.io/acme/st:1, canary: {enabled: true}}\n",
    );
    for path in [
        "services.api.dependsOn[0]:",
        "services.api.dependsOn[1]:",
        "services.api.dependsOn[2]:",
        "services.db.image:",
        "services.db.external:",
        "services.st.canary.enabled:",
    ] {
        assert!(
            message.lines().any(|l| l.contains(path)),
            "{path} missing from:\n{message}"
        );
    }
}
