//! Chart operations: rbac (Role, RoleBinding, token only then), networkPolicy (default deny, DNS,
//! ingress controller, monitoring, dependsOn edges both ways), autoscaling (HPA, no replicas), pdb
//! and backup (CronJob, pre-upgrade hook), each on and off, every failure message, and the
//! Robot-Shop example whose NetworkPolicies must allow exactly its dependency graph — on the real
//! chart with the pinned helm (Helm 4; Helm 3 with `APWIZ_HELM=.tools/bin/helm3`).
mod support;

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use support::*;

const ENVS: [&str; 3] = ["dev", "staging", "prod"];

fn kinds(objs: &[Value]) -> BTreeSet<String> {
    objs.iter().map(|o| kind(o).to_string()).collect()
}

fn pod_annotations(o: &Value) -> &Value {
    match kind(o) {
        "CronJob" => &o["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["annotations"],
        _ => &o["spec"]["template"]["metadata"]["annotations"],
    }
}

/// The selector labels the chart gives service `component` of the test release.
fn selector(component: &str) -> Value {
    json!({
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/instance": "release",
        "app.kubernetes.io/name": "app-platform",
    })
}

/// Asserts a failed render names every one of `needles` (field, value, fix).
fn assert_fails(values: &str, needles: &[&str]) {
    let err = render_err(values);
    for n in needles {
        assert!(
            err.contains(n),
            "message lacks {n:?}:\n{err}\nvalues:\n{values}"
        );
    }
}

// --- every toggle off ----------------------------------------------------------------------------

#[test]
fn every_toggle_off_renders_none_of_its_objects() {
    let off = "rbac: {enabled: false, rules: [{resources: [pods], verbs: [get]}]}\n\
               networkPolicy: {enabled: false}\n\
               autoscaling: {enabled: false}\n\
               pdb: {enabled: false}\n\
               backup: {enabled: false, image: \"acme/backup:1.0\", command: [backup], targetSecret: s3}\n";
    for values in [
        String::new(),
        off.to_string(),
        format!(
            "{off}services:\n  api: {{}}\n  db: {{workloadType: statefulset, persistence: {{enabled: true, storageClass: default}}}}\n"
        ),
    ] {
        let objs = render(&values);
        for k in [
            "Role",
            "RoleBinding",
            "ServiceAccount",
            "NetworkPolicy",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "CronJob",
            "Job",
        ] {
            assert!(
                of_kind(&objs, k).is_empty(),
                "{k} rendered with every toggle off: {:?}",
                summary(&objs)
            );
        }
        for o in objs.iter().filter(|o| is_workload(o)) {
            if matches!(kind(o), "Deployment" | "StatefulSet") {
                assert_eq!(o["spec"]["replicas"], 1, "{}: replicas rendered", name(o));
            }
            assert_eq!(pod_spec(o)["automountServiceAccountToken"], false);
            assert!(pod_annotations(o).get("app-platform.io/rbac").is_none());
        }
    }
}

// --- rbac ---------------------------------------------------------------------------------------

#[test]
fn rbac_renders_a_role_and_binding_and_mounts_the_token_only_then() {
    let objs = render(
        r#"
services:
  api:
    rbac:
      enabled: true
      rules:
        - {resources: [configmaps], resourceNames: [flags], verbs: [get, watch]}
        - {apiGroups: [apps], resources: [deployments, deployments/scale], verbs: [get, patch]}
  worker:
    rbac: {enabled: true, rules: [{apiGroups: [batch], resources: [jobs], verbs: [create]}]}
    serviceAccount: {name: shared-worker, annotations: {iam.example.com/role: worker}}
  web: {}
"#,
    );
    let role = find(&objs, "Role", "release-api");
    assert_eq!(
        role["rules"],
        json!([
            {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["flags"], "verbs": ["get", "watch"]},
            {"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale"], "verbs": ["get", "patch"]},
        ]),
        "apiGroups defaults to the core group"
    );
    assert_eq!(role["metadata"]["namespace"], "apps");
    let binding = find(&objs, "RoleBinding", "release-api");
    assert_eq!(
        binding["roleRef"],
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "release-api"})
    );
    assert_eq!(
        binding["subjects"],
        json!([{"kind": "ServiceAccount", "name": "release-api", "namespace": "apps"}])
    );
    let sa = find(&objs, "ServiceAccount", "release-api");
    assert_eq!(sa["automountServiceAccountToken"], true);
    let api = find(&objs, "Deployment", "release-api");
    assert_eq!(pod_spec(api)["serviceAccountName"], "release-api");
    assert_eq!(pod_spec(api)["automountServiceAccountToken"], true);
    assert_eq!(pod_annotations(api)["app-platform.io/rbac"], "enabled");
    assert_restricted(api);

    // a named account is the one created and bound
    let worker_binding = find(&objs, "RoleBinding", "release-worker");
    assert_eq!(
        worker_binding["subjects"][0]["name"], "shared-worker",
        "the binding names the account the pods run as"
    );
    let worker_sa = find(&objs, "ServiceAccount", "shared-worker");
    assert_eq!(
        worker_sa["metadata"]["annotations"]["iam.example.com/role"],
        "worker"
    );
    assert_eq!(
        pod_spec(find(&objs, "Deployment", "release-worker"))["serviceAccountName"],
        "shared-worker"
    );

    // the sibling without rbac: no account, no Role, no token, no marker
    let web = find(&objs, "Deployment", "release-web");
    assert_eq!(pod_spec(web)["automountServiceAccountToken"], false);
    assert!(pod_spec(web).get("serviceAccountName").is_none());
    assert!(pod_annotations(web).get("app-platform.io/rbac").is_none());
    let roles: Vec<_> = of_kind(&objs, "Role").iter().map(|r| name(r)).collect();
    assert_eq!(roles, vec!["release-api", "release-worker"]);
    assert_eq!(of_kind(&objs, "RoleBinding").len(), 2);
    assert_eq!(
        of_kind(&objs, "ServiceAccount").len(),
        2,
        "one account per rbac service, none for web"
    );
}

#[test]
fn rbac_is_ignored_for_external_services_and_works_for_jobs() {
    let objs = render(
        r#"
rbac: {enabled: true, rules: [{resources: [configmaps], verbs: [get]}]}
services:
  db: {workloadType: external, external: {name: db.example.com}}
  migrate: {workloadType: job}
"#,
    );
    for k in ["Role", "RoleBinding", "ServiceAccount"] {
        assert!(
            of_kind(&objs, k).iter().all(|o| name(o) != "release-db"),
            "{k} for an external service"
        );
    }
    find(&objs, "Role", "release-migrate");
    let job = of_kind(&objs, "Job")[0];
    assert_eq!(pod_spec(job)["automountServiceAccountToken"], true);
    assert_eq!(pod_spec(job)["serviceAccountName"], "release-migrate");
}

#[test]
fn rbac_failures_name_the_field_and_the_value() {
    assert_fails(
        "rbac: {enabled: true}\n",
        &[
            "rbac.rules",
            "got []",
            "at least one rule",
            "rbac.enabled: false",
        ],
    );
    assert_fails(
        "services:\n  api: {rbac: {enabled: true, rules: []}}\n",
        &["services.api.rbac.rules", "got []"],
    );
    assert_fails(
        "rbac: {enabled: true, rules: [{resources: [pods], verbs: [get]}]}\nsecurity: {runAsUser: 0, runAsNonRoot: false}\n",
        &[
            "security.runAsUser",
            "rbac.enabled: true",
            "runAsUser 0",
            "runAsNonRoot false",
            "got 0",
            "10001",
        ],
    );
    // the rule shape is schema-checked
    assert_fails(
        "rbac: {enabled: true, rules: [{resources: [pods], verbs: [steal]}]}\n",
        &["rbac/rules/0/verbs/0", "steal"],
    );
    assert_fails(
        "rbac: {enabled: true, rules: [{resources: [pods]}]}\n",
        &["rbac/rules/0", "verbs"],
    );
    assert_fails(
        "rbac: {enabled: true, rules: [{resources: [pods], verbs: [get], nonResourceURLs: [/x]}]}\n",
        &["rbac/rules/0", "nonResourceURLs"],
    );
}

// --- autoscaling --------------------------------------------------------------------------------

#[test]
fn autoscaling_renders_an_hpa_and_leaves_replicas_to_it() {
    let objs = render(
        r#"
replicas: 4
autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 12, targetCPUUtilizationPercentage: 70}
services:
  api: {}
  db:
    workloadType: statefulset
    persistence: {enabled: true, storageClass: default}
    autoscaling:
      targetMemoryUtilizationPercentage: 80
      behavior: {scaleDown: {stabilizationWindowSeconds: 600}}
  agent: {workloadType: daemonset}
  nightly: {workloadType: cronjob, cronjob: {schedule: "0 1 * * *"}}
  fixed: {autoscaling: {enabled: false}}
"#,
    );
    let hpa = find(&objs, "HorizontalPodAutoscaler", "release-api");
    assert_eq!(hpa["apiVersion"], "autoscaling/v2");
    assert_eq!(
        hpa["spec"],
        json!({
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "release-api"},
            "minReplicas": 3,
            "maxReplicas": 12,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
        })
    );
    let db = find(&objs, "HorizontalPodAutoscaler", "release-db");
    assert_eq!(db["spec"]["scaleTargetRef"]["kind"], "StatefulSet");
    assert_eq!(
        db["spec"]["metrics"],
        json!([
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}},
        ])
    );
    assert_eq!(
        db["spec"]["behavior"],
        json!({"scaleDown": {"stabilizationWindowSeconds": 600}})
    );
    for (k, n) in [("Deployment", "release-api"), ("StatefulSet", "release-db")] {
        assert!(
            find(&objs, k, n)["spec"].get("replicas").is_none(),
            "{k}/{n}: the autoscaler owns replicas"
        );
    }
    assert_eq!(
        find(&objs, "Deployment", "release-fixed")["spec"]["replicas"],
        4,
        "autoscaling off: replicas rendered"
    );
    let names: Vec<_> = of_kind(&objs, "HorizontalPodAutoscaler")
        .iter()
        .map(|h| name(h))
        .collect();
    assert_eq!(
        names,
        vec!["release-api", "release-db"],
        "only deployments and statefulsets scale"
    );
    // memory only
    let mem = render(
        "autoscaling: {enabled: true, targetCPUUtilizationPercentage: 0, targetMemoryUtilizationPercentage: 65}\n",
    );
    assert_eq!(
        find(&mem, "HorizontalPodAutoscaler", "release")["spec"]["metrics"],
        json!([{"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 65}}}])
    );
}

#[test]
fn autoscaling_failures_name_the_field_and_the_value() {
    assert_fails(
        "autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 3}\n",
        &["autoscaling.minReplicas", "above maxReplicas (3)", "got 5"],
    );
    assert_fails(
        "services:\n  api: {autoscaling: {enabled: true, minReplicas: 9, maxReplicas: 2}}\n",
        &["services.api.autoscaling.minReplicas", "got 9"],
    );
    assert_fails(
        "autoscaling: {enabled: true, targetCPUUtilizationPercentage: 0, targetMemoryUtilizationPercentage: 0}\n",
        &[
            "autoscaling.targetCPUUtilizationPercentage",
            "no target",
            "got 0",
        ],
    );
    assert_fails(
        "autoscaling: {enabled: true, minReplicas: 0}\n",
        &["autoscaling/minReplicas", "minimum"],
    );
}

// --- pdb -----------------------------------------------------------------------------------------

fn budget(values: &str, kind_: &str, n: &str) -> Value {
    let objs = render(values);
    let pdb = find(&objs, "PodDisruptionBudget", n).clone();
    let workload = find(&objs, kind_, n);
    assert_eq!(pdb["apiVersion"], "policy/v1");
    assert_eq!(
        pdb["spec"]["selector"]["matchLabels"], workload["spec"]["selector"]["matchLabels"],
        "the budget selects the workload's pods"
    );
    pdb["spec"].clone()
}

#[test]
fn pdb_variants() {
    let spec = |values: &str| {
        let mut s = budget(values, "Deployment", "release");
        s.as_object_mut().unwrap().remove("selector");
        s
    };
    assert_eq!(
        spec("pdb: {enabled: true}\n"),
        json!({"maxUnavailable": 1}),
        "the default"
    );
    assert_eq!(
        spec("replicas: 3\npdb: {enabled: true, minAvailable: 2}\n"),
        json!({"minAvailable": 2}),
        "minAvailable replaces the default maxUnavailable"
    );
    assert_eq!(
        spec("replicas: 4\npdb: {enabled: true, minAvailable: \"50%\"}\n"),
        json!({"minAvailable": "50%"})
    );
    assert_eq!(
        spec("pdb: {enabled: true, maxUnavailable: \"25%\"}\n"),
        json!({"maxUnavailable": "25%"})
    );
    assert_eq!(
        spec("pdb: {enabled: true, minAvailable: 1, maxUnavailable: null}\nreplicas: 2\n"),
        json!({"minAvailable": 1})
    );
    assert_eq!(
        spec(
            "replicas: 1\nautoscaling: {enabled: true, minReplicas: 3}\npdb: {enabled: true, minAvailable: 2}\n"
        ),
        json!({"minAvailable": 2}),
        "with autoscaling the pod count is minReplicas"
    );
    let sts = budget(
        "workloadType: statefulset\nreplicas: 3\npersistence: {enabled: true, storageClass: default}\npdb: {enabled: true, maxUnavailable: 1}\n",
        "StatefulSet",
        "release",
    );
    assert_eq!(sts["maxUnavailable"], 1);
    for other in [
        "workloadType: daemonset\n",
        "workloadType: job\n",
        "workloadType: cronjob\ncronjob: {schedule: \"@daily\"}\n",
    ] {
        let objs = render(&format!("{other}pdb: {{enabled: true}}\n"));
        assert!(of_kind(&objs, "PodDisruptionBudget").is_empty(), "{other}");
    }
}

#[test]
fn pdb_failures_name_the_field_and_the_value() {
    let blocks = "blocks every eviction";
    assert_fails(
        "pdb: {enabled: true, maxUnavailable: 0}\n",
        &["pdb.maxUnavailable", blocks, "got 0"],
    );
    assert_fails(
        "pdb: {enabled: true, maxUnavailable: \"0%\"}\n",
        &["pdb.maxUnavailable", blocks, "got \"0%\""],
    );
    assert_fails(
        "replicas: 3\npdb: {enabled: true, minAvailable: 3}\n",
        &[
            "pdb.minAvailable",
            "keeps 3 of 3 pods (replicas)",
            blocks,
            "got 3",
            "below 3 (e.g. 2)",
        ],
    );
    assert_fails(
        "replicas: 5\npdb: {enabled: true, minAvailable: \"100%\"}\n",
        &["pdb.minAvailable", blocks, "got \"100%\""],
    );
    assert_fails(
        "replicas: 3\npdb: {enabled: true, minAvailable: \"90%\"}\n",
        &["pdb.minAvailable", "90% of 3 pods", "got \"90%\""],
    );
    assert_fails(
        "replicas: 10\nautoscaling: {enabled: true, minReplicas: 2}\npdb: {enabled: true, minAvailable: 2}\n",
        &[
            "pdb.minAvailable",
            "2 of 2 pods (autoscaling.minReplicas)",
            "raise autoscaling.minReplicas",
        ],
    );
    assert_fails(
        "services:\n  api: {replicas: 2, pdb: {enabled: true, minAvailable: 2}}\n",
        &[
            "services.api.pdb.minAvailable",
            "(services.api.replicas)",
            "got 2",
        ],
    );
    assert_fails(
        "replicas: 4\npdb: {enabled: true, minAvailable: 2, maxUnavailable: \"25%\"}\n",
        &[
            "pdb:",
            "not both",
            "\"maxUnavailable\":\"25%\"",
            "\"minAvailable\":2",
            "pdb.maxUnavailable: null",
        ],
    );
    assert_fails(
        "pdb: {enabled: true, maxUnavailable: null}\n",
        &["pdb:", "needs minAvailable or maxUnavailable"],
    );
    assert_fails(
        "pdb: {enabled: true, maxUnavailable: \"150%\"}\n",
        &["pdb/maxUnavailable", "150%"],
    );
}

// --- backup --------------------------------------------------------------------------------------

const STATEFUL_DB: &str = r#"
services:
  db:
    workloadType: statefulset
    port: 5432
    service: {port: 15432}
    persistence: {enabled: true, storageClass: default}
    env: {PGUSER: {secretKeyRef: {name: db-creds, key: user}}}
    envFrom: [{configMapRef: {name: db-settings}}]
    initContainers: [{name: init-schema, command: [/init]}]
    rbac: {enabled: true, rules: [{resources: [configmaps], verbs: [get]}]}
    backup:
      enabled: true
      schedule: "30 1 * * *"
      image: "postgres:16.4-alpine"
      command: [sh, -c, "pg_dump -h $BACKUP_SOURCE_HOST -p $BACKUP_SOURCE_PORT | gzip > /tmp/db.gz"]
      targetSecret: db-backup-s3
      resources: {limits: {memory: 1Gi}}
"#;

#[test]
fn backup_renders_a_cronjob_running_as_the_service() {
    let objs = render(STATEFUL_DB);
    let cj = find(&objs, "CronJob", "release-db-backup");
    assert_eq!(cj["spec"]["schedule"], "30 1 * * *");
    assert_eq!(cj["spec"]["concurrencyPolicy"], "Forbid");
    assert_restricted(cj);
    let c = container(cj, "db-backup");
    assert_eq!(c["image"], "postgres:16.4-alpine");
    assert_eq!(c["command"][0], "sh");
    assert!(c.get("args").is_none());
    assert_eq!(
        c["envFrom"],
        json!([{"configMapRef": {"name": "db-settings"}}, {"secretRef": {"name": "db-backup-s3"}}]),
        "the service's envFrom, then the target Secret"
    );
    let env = env_values(c);
    assert_eq!(env["BACKUP_SOURCE_HOST"], "release-db");
    assert_eq!(env["BACKUP_SOURCE_PORT"], "15432", "the Service's port");
    assert!(
        c["env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "PGUSER" && e["valueFrom"]["secretKeyRef"]["name"] == "db-creds"),
        "the service's env comes along"
    );
    assert_eq!(
        c["resources"]["limits"],
        json!({"cpu": "500m", "memory": "1Gi"}),
        "backup resources merge over the service's"
    );
    let spec = pod_spec(cj);
    assert!(
        spec.get("initContainers").is_none(),
        "no init containers or waits"
    );
    assert_eq!(
        spec["automountServiceAccountToken"], false,
        "the backup gets no API token"
    );
    assert!(pod_annotations(cj).get("app-platform.io/rbac").is_none());
    assert_eq!(
        spec["serviceAccountName"], "release-db",
        "it runs as the service's account (workload identity for the target)"
    );
    assert!(
        spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v.get("persistentVolumeClaim").is_none()),
        "the statefulset's claims stay with its pods"
    );
    let labels = pod_template_labels(cj);
    assert_eq!(labels["app.kubernetes.io/component"], "db-backup");
    let sts = find(&objs, "StatefulSet", "release-db");
    assert_ne!(
        labels["app.kubernetes.io/component"],
        sts["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"],
        "backup pods never match the service's selector"
    );
    assert!(
        of_kind(&objs, "Job").is_empty(),
        "no hook without preUpgradeHook"
    );
    assert!(of_kind(&objs, "PersistentVolumeClaim").is_empty());
    // off: gone
    let off = render(&STATEFUL_DB.replace(
        "enabled: true\n      schedule",
        "enabled: false\n      schedule",
    ));
    assert!(of_kind(&off, "CronJob").is_empty());
}

#[test]
fn backup_pre_upgrade_hook_is_a_helm_hook_job() {
    let values = STATEFUL_DB.replace(
        "targetSecret: db-backup-s3",
        "targetSecret: db-backup-s3\n      preUpgradeHook: true",
    );
    let objs = render(&values);
    find(&objs, "CronJob", "release-db-backup");
    let jobs = of_kind(&objs, "Job");
    assert_eq!(jobs.len(), 1);
    let hook = jobs[0];
    assert_eq!(name(hook), "release-db-backup-pre-upgrade");
    let ann = &hook["metadata"]["annotations"];
    assert_eq!(ann["helm.sh/hook"], "pre-upgrade");
    assert_eq!(ann["helm.sh/hook-weight"], "-5");
    assert_eq!(
        ann["helm.sh/hook-delete-policy"],
        "before-hook-creation,hook-succeeded"
    );
    assert_restricted(hook);
    assert_eq!(pod_spec(hook)["restartPolicy"], "Never");
    let c = container(hook, "db-backup");
    assert_eq!(c["image"], "postgres:16.4-alpine");
    assert_eq!(
        c["envFrom"][1],
        json!({"secretRef": {"name": "db-backup-s3"}})
    );
    assert_eq!(
        pod_template_labels(hook)["app.kubernetes.io/component"],
        "db-backup"
    );
}

#[test]
fn backup_failures_name_the_field_and_the_value() {
    assert_fails(
        "backup: {enabled: true, image: \"acme/backup:1\", command: [b], targetSecret: s3}\n",
        &[
            "backup.enabled",
            "statefulsets",
            "this service is a deployment",
            "got true",
        ],
    );
    assert_fails(
        "services:\n  q: {workloadType: cronjob, cronjob: {schedule: \"@daily\"}, backup: {enabled: true}}\n",
        &["services.q.backup.enabled", "a cronjob"],
    );
    let sts = "workloadType: statefulset\npersistence: {enabled: true, storageClass: default}\n";
    assert_fails(
        &format!("{sts}backup: {{enabled: true, command: [b], targetSecret: s3}}\n"),
        &["backup.image", "without an image", "got \"\""],
    );
    assert_fails(
        &format!("{sts}backup: {{enabled: true, image: \"acme/backup:1\", targetSecret: s3}}\n"),
        &["backup.command", "without a command", "got []"],
    );
    assert_fails(
        &format!("{sts}backup: {{enabled: true, image: \"acme/backup:1\", command: [b]}}\n"),
        &["backup.targetSecret", "without a Secret", "got \"\""],
    );
    assert_fails(
        &format!("{sts}backup: {{enabled: true, schedule: \"nightly\"}}\n"),
        &["backup/schedule", "nightly"],
    );
}

// --- networkPolicy ------------------------------------------------------------------------------

/// One NetworkPolicy rule as comparable strings: "<peer> <ports>" for each peer, where a peer is
/// `pods:<component>` (this release's pods), `ns:<namespace>`, `cidr:<cidr>` or `any`, and
/// ports are `<port>/<protocol>` joined by commas, or `all-ports`.
fn rule_strings(rule: &Value, peers_key: &str) -> Vec<String> {
    let ports = match rule["ports"].as_array() {
        Some(ps) => ps
            .iter()
            .map(|p| {
                let port = match &p["port"] {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                };
                format!("{port}/{}", p["protocol"].as_str().unwrap())
            })
            .collect::<Vec<_>>()
            .join(","),
        None => "all-ports".to_string(),
    };
    let peers: Vec<String> = match rule[peers_key].as_array() {
        None => vec!["any".into()],
        Some(list) => list
            .iter()
            .map(|p| {
                if let Some(ns) = p.get("namespaceSelector") {
                    assert!(p.get("podSelector").is_none(), "{p}");
                    let labels = ns["matchLabels"].as_object().unwrap();
                    assert_eq!(labels.len(), 1, "{p}");
                    format!(
                        "ns:{}",
                        labels["kubernetes.io/metadata.name"].as_str().unwrap()
                    )
                } else if let Some(pods) = p.get("podSelector") {
                    let labels = &pods["matchLabels"];
                    let component = labels["app.kubernetes.io/component"].as_str().unwrap();
                    assert_eq!(labels, &selector(component), "a release's own pods: {p}");
                    format!("pods:{component}")
                } else if let Some(block) = p.get("ipBlock") {
                    format!("cidr:{}", block["cidr"].as_str().unwrap())
                } else {
                    panic!("unexpected peer {p}")
                }
            })
            .collect(),
    };
    peers.into_iter().map(|p| format!("{p} {ports}")).collect()
}

/// The rules of one direction of a NetworkPolicy, sorted (duplicates kept).
fn np_rules(np: &Value, direction: &str) -> Vec<String> {
    let key = if direction == "ingress" { "from" } else { "to" };
    let mut all: Vec<String> = np["spec"][direction]
        .as_array()
        .unwrap_or_else(|| panic!("{}: {direction} must be a list", name(np)))
        .iter()
        .flat_map(|r| rule_strings(r, key))
        .collect();
    all.sort();
    all
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

const DNS: &str = "ns:kube-system 53/UDP,53/TCP";

const SHOP: &str = r#"
networkPolicy: {enabled: true}
services:
  web:
    dependsOn: [api]
    ingress: {enabled: true, host: shop.example.com}
    service: {port: 80}
  api:
    port: 9000
    dependsOn: [db, ledger, bank, "payments.example.com:443"]
    monitoring: {enabled: true, scrapeInterval: 30s}
  db:
    workloadType: statefulset
    port: 5432
    service: {port: 15432}
    persistence: {enabled: true, storageClass: default}
    networkPolicy: {allowSameService: true}
  ledger:
    workloadType: external
    external: {addresses: [10.20.0.15, "fd00::15"], ports: [{name: https, port: 443}]}
  bank:
    workloadType: external
    external: {name: bank.example.com, ports: [{name: api, port: 8443}]}
  report:
    workloadType: cronjob
    cronjob: {schedule: "0 3 * * *"}
    dependsOn: [db]
"#;

#[test]
fn network_policy_denies_by_default_and_allows_dns_ingress_monitoring_and_dependency_edges() {
    let objs = render(SHOP);
    let names: Vec<_> = of_kind(&objs, "NetworkPolicy")
        .iter()
        .map(|n| name(n))
        .collect();
    assert_eq!(
        names,
        vec![
            "release-api",
            "release-api-helpers",
            "release-db",
            "release-db-helpers",
            "release-report",
            "release-web",
            "release-web-helpers"
        ],
        "one per service with pods, one for the helper pods (helm test) of those that have any; none for external services"
    );
    for np in of_kind(&objs, "NetworkPolicy") {
        let component = name(np).trim_start_matches("release-");
        assert_eq!(np["apiVersion"], "networking.k8s.io/v1");
        if let Some(service) = component.strip_suffix("-helpers") {
            // the helper pods' policy: the release's pods whose component is a helper's
            let mut labels = selector(service);
            labels
                .as_object_mut()
                .unwrap()
                .remove("app.kubernetes.io/component");
            assert_eq!(np["spec"]["podSelector"]["matchLabels"], labels);
            assert_eq!(
                np["spec"]["podSelector"]["matchExpressions"],
                json!([{"key": "app.kubernetes.io/component", "operator": "In", "values": [format!("{service}-test")]}])
            );
            assert_eq!(np["spec"]["ingress"], json!([]), "nothing calls a helper");
        } else {
            assert_eq!(
                np["spec"]["podSelector"]["matchLabels"],
                selector(component)
            );
        }
        assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        assert!(
            np_rules(np, "egress").contains(&DNS.to_string()),
            "{component}: DNS"
        );
    }
    let np = |n: &str| find(&objs, "NetworkPolicy", &format!("release-{n}"));

    // web: from the ingress controller on its container port (not the Service's 80), and its
    // own helm test Pod; to api
    assert_eq!(
        np_rules(np("web"), "ingress"),
        sorted(&["ns:ingress-nginx 8080/TCP", "pods:web-test 8080/TCP"])
    );
    assert_eq!(
        np_rules(np("web"), "egress"),
        sorted(&[DNS, "pods:api 9000/TCP"])
    );

    // api: monitoring on the metrics port, from web; to db (container port, not the Service's
    // 15432), to an external service's addresses and DNS name, and to host:port anywhere
    assert_eq!(
        np_rules(np("api"), "ingress"),
        sorted(&[
            "ns:monitoring metrics/TCP",
            "pods:web 9000/TCP",
            "pods:api-test 9000/TCP,metrics/TCP",
        ])
    );
    assert_eq!(
        np_rules(np("api"), "egress"),
        sorted(&[
            DNS,
            "pods:db 5432/TCP",
            "cidr:10.20.0.15/32 443/TCP",
            "cidr:fd00::15/128 443/TCP",
            "any 8443/TCP",
            "any 443/TCP",
        ])
    );

    // db: from its dependents (api and the report cronjob), its helm test Pod, and its own pods
    // (allowSameService)
    assert_eq!(
        np_rules(np("db"), "ingress"),
        sorted(&[
            "pods:api 5432/TCP",
            "pods:report 5432/TCP",
            "pods:db-test 5432/TCP",
            "pods:db all-ports",
        ])
    );
    assert_eq!(
        np_rules(np("db"), "egress"),
        sorted(&[DNS, "pods:db all-ports"])
    );

    // report (a cronjob): serves nothing; DNS and its dependency only
    assert_eq!(np("report")["spec"]["ingress"], json!([]));
    assert_eq!(
        np_rules(np("report"), "egress"),
        sorted(&[DNS, "pods:db 5432/TCP"])
    );

    // every edge shows up at both ends
    for (from, to) in [("web", "api"), ("api", "db"), ("report", "db")] {
        let port = if to == "db" { "5432" } else { "9000" };
        assert!(np_rules(np(from), "egress").contains(&format!("pods:{to} {port}/TCP")));
        assert!(np_rules(np(to), "ingress").contains(&format!("pods:{from} {port}/TCP")));
    }
}

#[test]
fn network_policy_namespaces_ports_route_and_extra_rules_follow_the_values() {
    let objs = render(
        r#"
networkPolicy:
  enabled: true
  ingressNamespace: traefik
  dnsNamespace: dns-system
  extraIngress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 8080, protocol: TCP}]}]
  extraEgress: [{to: [{ipBlock: {cidr: 192.168.0.0/16}}], ports: [{port: 25, protocol: TCP}]}]
route: {enabled: true, parentRefs: [{name: public, namespace: gateway-system}], hostnames: [shop.example.com]}
monitoring: {enabled: true, scrapeInterval: 15s, namespace: observability, port: http}
"#,
    );
    let np = find(&objs, "NetworkPolicy", "release");
    assert_eq!(
        np_rules(np, "ingress"),
        sorted(&[
            "ns:traefik 8080/TCP",
            "ns:observability http/TCP",
            "pods:app-platform-test 8080/TCP",
            "cidr:10.0.0.0/8 8080/TCP",
        ]),
        "metrics on the main port: the test Pod needs no second port"
    );
    assert_eq!(
        np_rules(np, "egress"),
        sorted(&["ns:dns-system 53/UDP,53/TCP", "cidr:192.168.0.0/16 25/TCP"])
    );
    // without ingress, route, monitoring or helm test: nothing may come in
    let closed = render("networkPolicy: {enabled: true}\ntests: {enabled: false}\n");
    assert_eq!(
        find(&closed, "NetworkPolicy", "release")["spec"]["ingress"],
        json!([])
    );
    assert_eq!(
        np_rules(find(&closed, "NetworkPolicy", "release"), "egress"),
        sorted(&[DNS])
    );
}

#[test]
fn network_policy_admits_the_services_own_backup_pods() {
    let objs = render(&format!(
        "networkPolicy: {{enabled: true}}\n{}",
        STATEFUL_DB.trim_start()
    ));
    let np = find(&objs, "NetworkPolicy", "release-db");
    assert_eq!(
        np_rules(np, "ingress"),
        sorted(&["pods:db-test 5432/TCP", "pods:db-backup 5432/TCP"])
    );
    let cj = find(&objs, "CronJob", "release-db-backup");
    let labels = pod_template_labels(cj);
    for (k, v) in selector("db-backup").as_object().unwrap() {
        assert_eq!(&labels[k], v, "the rule selects the backup pods");
    }
    let names: Vec<_> = of_kind(&objs, "NetworkPolicy")
        .iter()
        .map(|n| name(n))
        .collect();
    assert_eq!(
        names,
        vec!["release-db", "release-db-helpers", "release-db-backup"],
        "backup pods are no service of their own: they get a helper policy (no ingress)"
    );
    assert_eq!(
        find(&objs, "NetworkPolicy", "release-db-backup")["spec"]["ingress"],
        json!([])
    );
}

#[test]
fn network_policy_admits_hook_jobs_where_their_service_may_go() {
    let objs = render(
        r#"
networkPolicy: {enabled: true}
tests: {enabled: false}
services:
  api:
    dependsOn: [db]
    hooks: {migrate: {preset: migration, command: [/app/migrate, up]}}
  db: {port: 5432}
"#,
    );
    let hook = of_kind(&objs, "Job")
        .into_iter()
        .find(|j| pod_template_labels(j)["app.kubernetes.io/component"] == "api-migrate")
        .expect("the migrate hook Job");
    assert!(hook["metadata"]["annotations"]["helm.sh/hook"].is_string());
    // the migration reaches the database api depends on, and api itself
    assert_eq!(
        np_rules(find(&objs, "NetworkPolicy", "release-db"), "ingress"),
        sorted(&["pods:api 5432/TCP", "pods:api-migrate 5432/TCP"])
    );
    assert_eq!(
        np_rules(find(&objs, "NetworkPolicy", "release-api"), "ingress"),
        sorted(&["pods:api-migrate 8080/TCP"])
    );
}

/// A variant's component label is `<service>-<suffix>` cut to 63 characters (one helper,
/// `app-platform.names.component`): the hook Job's pods carry exactly the label that the
/// NetworkPolicies of the service and of its dependency admit.
#[test]
fn network_policy_admits_a_hook_whose_component_name_is_cut_to_63_characters() {
    let svc = "averyveryveryveryverylongservicename-abc"; // 40 characters, the longest allowed
    let hook = "averyveryverylonghooknameabcdef"; // <service>-<hook> is 71 characters
    let objs = render(&format!(
        "networkPolicy: {{enabled: true}}\ntests: {{enabled: false}}\nservices:\n  {svc}:\n    dependsOn: [db]\n    hooks: {{{hook}: {{events: [post-install], command: [/x]}}}}\n  db: {{port: 5432}}\n"
    ));
    let component = format!("{svc}-{hook}")[..63]
        .trim_end_matches('-')
        .to_string();
    let job = of_kind(&objs, "Job")
        .into_iter()
        .find(|j| j["metadata"]["annotations"]["helm.sh/hook"] == "post-install")
        .expect("the hook Job");
    assert_eq!(
        pod_template_labels(job)["app.kubernetes.io/component"],
        component.as_str()
    );
    assert_eq!(main_container(job)["name"], component.as_str());
    let own = format!("release-{svc}");
    assert_eq!(
        np_rules(find(&objs, "NetworkPolicy", &own), "ingress"),
        sorted(&[&format!("pods:{component} 8080/TCP")])
    );
    assert_eq!(
        np_rules(find(&objs, "NetworkPolicy", "release-db"), "ingress"),
        sorted(&[
            &format!("pods:{svc} 5432/TCP"),
            &format!("pods:{component} 5432/TCP")
        ])
    );
}

#[test]
fn network_policy_off_for_one_service_only() {
    let objs = render(
        "networkPolicy: {enabled: true}\nservices:\n  a: {dependsOn: [b]}\n  b: {networkPolicy: {enabled: false}}\n",
    );
    let names: Vec<_> = of_kind(&objs, "NetworkPolicy")
        .iter()
        .map(|n| name(n))
        .collect();
    assert_eq!(names, vec!["release-a", "release-a-helpers"]);
    assert_eq!(
        np_rules(find(&objs, "NetworkPolicy", "release-a"), "egress"),
        sorted(&[DNS, "pods:b 8080/TCP"])
    );
}

// --- Robot-Shop ----------------------------------------------------------------------------------

const STATELESS: [&str; 8] = [
    "cart",
    "catalogue",
    "dispatch",
    "payment",
    "ratings",
    "shipping",
    "user",
    "web",
];
const STATEFUL: [&str; 4] = ["mongodb", "mysql", "rabbitmq", "redis"];

fn yaml_file(path: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The rules each Robot-Shop NetworkPolicy must hold, computed from the values file alone:
/// DNS; egress to every dependsOn target on its port; ingress from every service that names this
/// one in dependsOn, on this one's port; the ingress controller when ingress is on; its own helm
/// test Pod when tests are on; extraEgress.
fn robot_shop_expected() -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let values = yaml_file("examples/robot-shop/values.yaml");
    let chart_defaults = yaml_file("chart/values.yaml");
    let services = values["services"].as_object().unwrap();
    let port = |svc: &str| {
        services[svc]["port"]
            .as_u64()
            .or(values["port"].as_u64())
            .unwrap_or_else(|| chart_defaults["port"].as_u64().unwrap())
    };
    let deps = |svc: &str| -> Vec<String> {
        services[svc]["dependsOn"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| d.as_str().unwrap().to_string())
            .collect()
    };
    let mut expected = BTreeMap::new();
    for svc in services.keys() {
        let mut egress = vec![DNS.to_string()];
        for d in deps(svc) {
            egress.push(format!("pods:{d} {}/TCP", port(&d)));
        }
        for extra in services[svc]["networkPolicy"]["extraEgress"]
            .as_array()
            .into_iter()
            .flatten()
        {
            egress.extend(rule_strings(extra, "to"));
        }
        let mut ingress = vec![];
        if services[svc]["ingress"]["enabled"] == true {
            ingress.push(format!("ns:ingress-nginx {}/TCP", port(svc)));
        }
        for other in services.keys() {
            if deps(other).contains(svc) {
                ingress.push(format!("pods:{other} {}/TCP", port(svc)));
            }
        }
        // its own helm test Pod (every Robot-Shop service is long-running with a Service)
        let tests = services[svc]["tests"]["enabled"]
            .as_bool()
            .or(values["tests"]["enabled"].as_bool())
            .unwrap_or_else(|| chart_defaults["tests"]["enabled"].as_bool().unwrap());
        if tests {
            ingress.push(format!("pods:{svc}-test {}/TCP", port(svc)));
        }
        egress.sort();
        ingress.sort();
        expected.insert(svc.clone(), (ingress, egress));
    }
    expected
}

#[test]
fn robot_shop_is_eight_deployments_four_statefulsets_and_a_policy_per_service_allowing_exactly_its_edges()
 {
    let expected = robot_shop_expected();
    assert_eq!(expected.len(), 12);
    // the graph as published by Robot-Shop, spot-checked against the values file
    let edges: BTreeSet<(String, String)> = expected
        .iter()
        .flat_map(|(svc, (_, egress))| {
            egress
                .iter()
                .filter_map(|r| r.strip_prefix("pods:"))
                .map(|r| (svc.clone(), r.split(' ').next().unwrap().to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (a, b) in [
        ("web", "catalogue"),
        ("web", "user"),
        ("web", "cart"),
        ("web", "shipping"),
        ("web", "payment"),
        ("web", "ratings"),
        ("catalogue", "mongodb"),
        ("user", "mongodb"),
        ("user", "redis"),
        ("cart", "redis"),
        ("cart", "catalogue"),
        ("shipping", "mysql"),
        ("shipping", "cart"),
        ("payment", "rabbitmq"),
        ("payment", "user"),
        ("payment", "cart"),
        ("ratings", "mysql"),
        ("dispatch", "rabbitmq"),
    ] {
        assert!(edges.contains(&(a.into(), b.into())), "edge {a} -> {b}");
    }

    for env in [None, Some("dev"), Some("staging"), Some("prod")] {
        let env_file = env.map(|e| format!("chart/values-{e}.yaml"));
        let mut files = vec!["examples/robot-shop/values.yaml"];
        files.extend(env_file.as_deref());
        let objs =
            template(&files, &[]).unwrap_or_else(|e| panic!("robot-shop {env:?}:\n{}", e.stderr));
        let names = |k: &str| -> Vec<String> {
            of_kind(&objs, k)
                .iter()
                .map(|o| name(o).to_string())
                .collect()
        };
        let full = |list: &[&str]| -> Vec<String> {
            list.iter().map(|s| format!("robot-shop-{s}")).collect()
        };
        assert_eq!(names("Deployment"), full(&STATELESS), "{env:?}");
        assert_eq!(names("StatefulSet"), full(&STATEFUL), "{env:?}");
        let mut all: Vec<&str> = STATELESS.iter().chain(STATEFUL.iter()).copied().collect();
        all.sort();
        // each service's policy, then its helpers' (its helm test Pod)
        let helpers: Vec<String> = all.iter().map(|s| format!("{s}-helpers")).collect();
        let mut policies: Vec<&str> = all
            .iter()
            .copied()
            .chain(helpers.iter().map(String::as_str))
            .collect();
        policies.sort();
        assert_eq!(names("NetworkPolicy"), full(&policies), "{env:?}");

        for o in objs.iter().filter(|o| is_workload(o)) {
            assert_restricted(o);
            let image = container(
                o,
                o["metadata"]["labels"]["app.kubernetes.io/component"]
                    .as_str()
                    .unwrap(),
            )["image"]
                .as_str()
                .unwrap()
                .to_string();
            let tag = image.rsplit(':').next().unwrap();
            assert!(
                image.contains(':') && tag != "latest",
                "{}: pinned image {image}",
                name(o)
            );
        }
        for sts in of_kind(&objs, "StatefulSet") {
            assert_eq!(sts["spec"]["replicas"], 1, "{}", name(sts));
            let claim = &sts["spec"]["volumeClaimTemplates"][0]["spec"];
            assert!(
                claim.get("storageClassName").is_none(),
                "{}: storageClass default",
                name(sts)
            );
        }

        for (svc, (ingress, egress)) in &expected {
            let np = find(&objs, "NetworkPolicy", &format!("robot-shop-{svc}"));
            assert_eq!(
                np["spec"]["podSelector"]["matchLabels"],
                selector(svc),
                "{svc}"
            );
            assert_eq!(
                &np_rules(np, "ingress"),
                ingress,
                "{svc} ({env:?}): ingress must be exactly its dependents"
            );
            assert_eq!(
                &np_rules(np, "egress"),
                egress,
                "{svc} ({env:?}): egress must be exactly DNS and its dependencies"
            );
        }
    }
}

#[test]
fn robot_shop_lints_clean_in_every_environment() {
    for env in ENVS {
        let env_file = format!("chart/values-{env}.yaml");
        if let Err(text) = lint_strict(&["examples/robot-shop/values.yaml", &env_file]) {
            panic!("helm lint --strict robot-shop {env}:\n{text}");
        }
    }
}

// --- all together --------------------------------------------------------------------------------

#[test]
fn every_feature_on_keeps_every_pod_restricted() {
    let values = format!(
        "networkPolicy: {{enabled: true}}\npdb: {{enabled: true}}\nautoscaling: {{enabled: true}}\n{}",
        STATEFUL_DB.trim_start().replace(
            "targetSecret: db-backup-s3",
            "targetSecret: db-backup-s3\n      preUpgradeHook: true"
        )
    );
    let objs = render(&values);
    let present = kinds(&objs);
    for k in [
        "CronJob",
        "HorizontalPodAutoscaler",
        "Job",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
        "StatefulSet",
    ] {
        assert!(present.contains(k), "{k} missing: {present:?}");
    }
    for o in objs.iter().filter(|o| is_workload(o)) {
        assert_restricted(o);
        assert_eq!(o["metadata"]["namespace"], "apps");
    }
    assert!(
        find(&objs, "StatefulSet", "release-db")["spec"]
            .get("replicas")
            .is_none()
    );
}
