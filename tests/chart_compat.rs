//! Values written the way other charts write them (helm create, bitnami) and the cronjob and job
//! keys at a service's top level: each row of the table "Keys from other charts" in
//! docs/values-contract.md is either taken with the same meaning or refused with the app-platform
//! key written out, in the chart's message form. One test per row; `the_table_and_the_tests_agree`
//! keeps the table and this file in step. Run on Helm 4 by default and on Helm 3 with
//! `APWIZ_HELM=.tools/bin/helm3`.
mod support;

use serde_json::{Value, json};
use std::collections::BTreeSet;
use support::*;

/// The first column of the table, as tested below (a test per key).
const ROWS: &[&str] = &[
    "schedule",
    "concurrencyPolicy, suspend, timeZone, startingDeadlineSeconds, successfulJobsHistoryLimit, failedJobsHistoryLimit",
    "backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished, completions, parallelism, restartPolicy",
    "replicaCount",
    "image.repository, image.tag, image.pullPolicy",
    "imagePullSecrets: [{name}]",
    "nameOverride, fullnameOverride",
    "serviceAccount.create, .name, .annotations",
    "serviceAccount.automount",
    "podAnnotations, podLabels",
    "service.type, service.port, service.targetPort",
    "service.ports: {name: port}, .nodePorts, .containerPort, .portName, .httpPortName, .protocol, .extraPorts, .labels, .loadBalancerIP, .sessionAffinityConfig, .clusterIP",
    "healthCheck",
    "extraEnv",
    "extraVolumes, extraVolumeMounts",
    "lifecycle",
    "podDisruptionBudget",
    "serviceMonitor",
    "strategy.rollingUpdate",
    "secrets",
    "ingress.enabled, .className, .annotations",
    "ingress.hosts: [{host, paths}]",
    "ingress.tls: [{secretName, hosts}]",
    "httpRoute",
    "resources",
    "resourcesPreset",
    "livenessProbe, readinessProbe, startupProbe",
    "autoscaling.*",
    "pdb.create",
    "nodeSelector, tolerations, affinity",
    "env: [{name, value}]",
    "extraEnvVars",
    "extraEnvVarsSecret, extraEnvVarsCM",
    "securityContext, containerSecurityContext",
    "podSecurityContext",
    "volumeMounts",
    "updateStrategy",
    "metrics",
    "hostNetwork, hostPID, hostIPC",
];

fn assert_fails(values: &str, needles: &[&str]) {
    let err = render_err(values);
    for n in needles {
        assert!(
            err.contains(n),
            "message lacks {n:?}:\n{err}\nvalues:\n{values}"
        );
    }
}

fn deployment(objs: &[Value]) -> &Value {
    of_kind(objs, "Deployment")
        .into_iter()
        .next()
        .expect("a Deployment")
}

#[test]
fn the_table_and_the_tests_agree() {
    let doc = std::fs::read_to_string(repo().join("docs/values-contract.md")).expect("contract");
    let section = doc
        .split("## Keys from other charts")
        .nth(1)
        .expect("docs/values-contract.md has a section \"Keys from other charts\"");
    let keys: BTreeSet<String> = section
        .lines()
        .skip_while(|l| !l.starts_with("| key"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.split('|')
                .nth(1)
                .unwrap()
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .collect();
    let tested: BTreeSet<String> = ROWS.iter().map(|s| s.to_string()).collect();
    assert_eq!(keys, tested, "rows of the table vs rows tested here");
}

// --- the cronjob and job keys at the top level ---------------------------------------------------

#[test]
fn top_level_schedule_is_cronjob_schedule() {
    let objs = render("workloadType: cronjob\nschedule: \"0 2 * * *\"\n");
    let cj = &of_kind(&objs, "CronJob")[0];
    assert_eq!(cj["spec"]["schedule"], "0 2 * * *");
    // the same value in both places is not a conflict
    let objs = render(
        "workloadType: cronjob\nschedule: \"0 2 * * *\"\ncronjob: {schedule: \"0 2 * * *\"}\n",
    );
    assert_eq!(
        of_kind(&objs, "CronJob")[0]["spec"]["schedule"],
        "0 2 * * *"
    );
    // both set and different: one message naming both
    assert_fails(
        "workloadType: cronjob\nschedule: \"0 2 * * *\"\ncronjob: {schedule: \"0 3 * * *\"}\n",
        &[
            "schedule: the same setting as cronjob.schedule, which is set to \"0 3 * * *\", got \"0 2 * * *\".",
            "Keep one: remove schedule (then cronjob.schedule applies), or remove cronjob.schedule.",
        ],
    );
    // on another workload type the team forgot workloadType
    assert_fails(
        "schedule: \"0 2 * * *\"\n",
        &[
            "schedule: the same key as cronjob.schedule, which applies to workloadType cronjob only, and this service is a deployment, got \"0 2 * * *\".",
            "Set workloadType: cronjob",
        ],
    );
    // the schema checks it like cronjob.schedule
    assert_fails(
        "workloadType: cronjob\nschedule: every night\n",
        &["schedule", "every night"],
    );
    // with services: a top-level schedule is a default, used by the cronjobs only
    let objs = render(
        "schedule: \"*/5 * * * *\"\nservices:\n  api: {}\n  nightly: {workloadType: cronjob}\n  weekly: {workloadType: cronjob, schedule: \"@weekly\"}\n",
    );
    assert_eq!(
        find(&objs, "CronJob", "release-nightly")["spec"]["schedule"],
        "*/5 * * * *"
    );
    assert_eq!(
        find(&objs, "CronJob", "release-weekly")["spec"]["schedule"],
        "@weekly"
    );
    find(&objs, "Deployment", "release-api");
    assert_fails(
        "services:\n  api: {schedule: \"@daily\"}\n",
        &[
            "services.api.schedule: the same key as cronjob.schedule",
            "Set services.api.workloadType: cronjob",
        ],
    );
}

#[test]
fn top_level_cronjob_keys_are_the_cronjob_keys() {
    let objs = render(
        "workloadType: cronjob\nschedule: \"@hourly\"\nconcurrencyPolicy: Replace\nsuspend: true\ntimeZone: Europe/Berlin\nstartingDeadlineSeconds: 60\nsuccessfulJobsHistoryLimit: 5\nfailedJobsHistoryLimit: 2\n",
    );
    let spec = &of_kind(&objs, "CronJob")[0]["spec"];
    assert_eq!(spec["concurrencyPolicy"], "Replace");
    assert_eq!(spec["suspend"], true);
    assert_eq!(spec["timeZone"], "Europe/Berlin");
    assert_eq!(spec["startingDeadlineSeconds"], 60);
    assert_eq!(spec["successfulJobsHistoryLimit"], 5);
    assert_eq!(spec["failedJobsHistoryLimit"], 2);
    // cronjob.suspend: false is the chart's default, so not "set": suspend decides
    let objs = render(
        "workloadType: cronjob\nschedule: \"@hourly\"\nsuspend: true\ncronjob: {suspend: false}\n",
    );
    assert_eq!(of_kind(&objs, "CronJob")[0]["spec"]["suspend"], true);
    assert_fails(
        "workloadType: cronjob\nschedule: \"@hourly\"\nsuspend: false\ncronjob: {suspend: true}\n",
        &["suspend: the same setting as cronjob.suspend, which is set to true, got false."],
    );
    assert_fails(
        "workloadType: cronjob\nschedule: \"@hourly\"\nconcurrencyPolicy: Allow\ncronjob: {concurrencyPolicy: Replace}\n",
        &[
            "concurrencyPolicy: the same setting as cronjob.concurrencyPolicy, which is set to \"Replace\", got \"Allow\".",
        ],
    );
    assert_fails(
        "workloadType: job\nconcurrencyPolicy: Allow\n",
        &[
            "concurrencyPolicy: the same key as cronjob.concurrencyPolicy, which applies to workloadType cronjob only, and this service is a job",
        ],
    );
    assert_fails(
        "workloadType: cronjob\nschedule: \"@hourly\"\nconcurrencyPolicy: Sometimes\n",
        &["concurrencyPolicy", "Sometimes"],
    );
}

#[test]
fn top_level_job_keys_are_the_job_keys() {
    for wt in ["job", "cronjob"] {
        let objs = render(&format!(
            "workloadType: {wt}\n{}backoffLimit: 0\nactiveDeadlineSeconds: 120\nttlSecondsAfterFinished: 60\ncompletions: 3\nparallelism: 2\nrestartPolicy: OnFailure\n",
            if wt == "cronjob" {
                "schedule: \"@hourly\"\n"
            } else {
                ""
            }
        ));
        let w = objs
            .iter()
            .find(|o| kind(o) == "Job" || kind(o) == "CronJob")
            .unwrap();
        let spec = if kind(w) == "CronJob" {
            &w["spec"]["jobTemplate"]["spec"]
        } else {
            &w["spec"]
        };
        assert_eq!(spec["backoffLimit"], 0, "{wt}");
        assert_eq!(spec["activeDeadlineSeconds"], 120, "{wt}");
        assert_eq!(spec["ttlSecondsAfterFinished"], 60, "{wt}");
        assert_eq!(spec["completions"], 3, "{wt}");
        assert_eq!(spec["parallelism"], 2, "{wt}");
        assert_eq!(pod_spec(w)["restartPolicy"], "OnFailure", "{wt}");
    }
    assert_fails(
        "workloadType: job\nbackoffLimit: 5\njob: {backoffLimit: 1}\n",
        &[
            "backoffLimit: the same setting as job.backoffLimit, which is set to 1, got 5.",
            "Keep one",
        ],
    );
    assert_fails(
        "services:\n  api: {backoffLimit: 3}\n",
        &[
            "services.api.backoffLimit: the same key as job.backoffLimit, which applies to workloadType job or cronjob only, and this service is a deployment, got 3.",
        ],
    );
    assert_fails(
        "workloadType: job\nbackoffLimit: -1\n",
        &["backoffLimit", "-1"],
    );
}

// --- keys taken with the same meaning --------------------------------------------------------------

#[test]
fn replica_count_is_replicas() {
    let objs = render("replicaCount: 3\n");
    assert_eq!(deployment(&objs)["spec"]["replicas"], 3);
    render("replicaCount: 3\nreplicas: 3\n");
    assert_fails(
        "replicaCount: 2\nreplicas: 3\n",
        &[
            "replicaCount: the same setting as replicas, which is set to 3, got 2.",
            "Keep one: remove replicaCount (then replicas applies), or remove replicas.",
        ],
    );
    assert_fails("replicaCount: 0\n", &["replicaCount", "minimum"]);
    // an environment file's replicas and the team's replicaCount disagree: both named
    let err = template(&["chart/values-prod.yaml"], &["replicaCount=2"])
        .expect_err("replicaCount 2 with values-prod.yaml's replicas 3");
    assert!(
        err.stderr
            .contains("replicaCount: the same setting as replicas, which is set to 3"),
        "{}",
        err.stderr
    );
}

#[test]
fn image_repository_tag_and_pull_policy_are_the_image() {
    let objs =
        render("image: {repository: ghcr.io/acme/shop, tag: \"1.4.2\", pullPolicy: Always}\n");
    let c = main_container(deployment(&objs));
    assert_eq!(c["image"], "ghcr.io/acme/shop:1.4.2");
    assert_eq!(c["imagePullPolicy"], "Always");
}

#[test]
fn image_pull_secrets_as_name_objects_are_names() {
    let objs = render(
        "global: {imagePullSecrets: [shared, {name: team}]}\nimagePullSecrets: [{name: team}, {name: own}]\n",
    );
    assert_eq!(
        pod_spec(deployment(&objs))["imagePullSecrets"],
        json!([{"name": "shared"}, {"name": "team"}, {"name": "own"}])
    );
    assert_fails(
        "imagePullSecrets: [{name: Bad_Name}]\n",
        &["imagePullSecrets", "Bad_Name"],
    );
}

#[test]
fn name_overrides_are_the_same() {
    let objs = render("nameOverride: shop\nfullnameOverride: shop-eu\n");
    let d = deployment(&objs);
    assert_eq!(name(d), "shop-eu");
    assert_eq!(
        d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"],
        "shop"
    );
}

#[test]
fn service_account_create_name_annotations_are_the_same() {
    let objs = render(
        "serviceAccount: {create: true, name: shop, annotations: {eks.amazonaws.com/role-arn: arn}, automount: false}\n",
    );
    let sa = find(&objs, "ServiceAccount", "shop");
    assert_eq!(
        sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn"
    );
    assert_eq!(pod_spec(deployment(&objs))["serviceAccountName"], "shop");
    assert_eq!(
        pod_spec(deployment(&objs))["automountServiceAccountToken"],
        false
    );
}

#[test]
fn service_account_automount_true_is_refused() {
    assert_fails(
        "serviceAccount: {create: true, automount: true}\n",
        &[
            "serviceAccount.automount: app-platform's key for the API token is serviceAccount.automountToken, off unless the code calls the Kubernetes API, got true.",
            "set rbac.enabled: true with its rules (which mounts the token) or serviceAccount.automountToken: true.",
        ],
    );
}

#[test]
fn pod_annotations_and_labels_are_the_same() {
    let objs = render("podAnnotations: {a: b}\npodLabels: {team: payments}\n");
    let d = deployment(&objs);
    assert_eq!(d["spec"]["template"]["metadata"]["annotations"]["a"], "b");
    assert_eq!(
        d["spec"]["template"]["metadata"]["labels"]["team"],
        "payments"
    );
}

#[test]
fn service_type_and_port_are_the_same() {
    let objs = render("service: {type: NodePort, port: 80}\n");
    let s = &of_kind(&objs, "Service")[0];
    assert_eq!(s["spec"]["type"], "NodePort");
    assert_eq!(s["spec"]["ports"][0]["port"], 80);
    assert_eq!(s["spec"]["ports"][0]["targetPort"], "http");
}

#[test]
fn ingress_enabled_class_annotations_are_the_same() {
    let objs = render(
        "ingress: {enabled: true, className: nginx, annotations: {a: b}, host: shop.example.com}\n",
    );
    let ing = &of_kind(&objs, "Ingress")[0];
    assert_eq!(ing["spec"]["ingressClassName"], "nginx");
    assert_eq!(ing["metadata"]["annotations"]["a"], "b");
}

#[test]
fn ingress_host_entries_with_the_same_paths_are_hosts_and_paths() {
    let objs = render(
        "ingress:\n  enabled: true\n  hosts:\n    - host: a.example.com\n      paths: [{path: /api, pathType: ImplementationSpecific}]\n    - host: b.example.com\n      paths: [{path: /api, pathType: ImplementationSpecific}]\n",
    );
    let rules = of_kind(&objs, "Ingress")[0]["spec"]["rules"]
        .as_array()
        .unwrap()
        .clone();
    let hosts: Vec<_> = rules.iter().map(|r| r["host"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["a.example.com", "b.example.com"]);
    for r in &rules {
        assert_eq!(
            r["http"]["paths"],
            json!([{"path": "/api", "pathType": "ImplementationSpecific", "backend": {"service": {"name": "release", "port": {"name": "http"}}}}])
        );
    }
    // a host entry without paths keeps ingress.paths; the route's hostnames come from the hosts
    let objs = render(
        "ingress: {hosts: [{host: a.example.com}]}\nroute: {enabled: true, parentRefs: [{name: gw}]}\n",
    );
    let route = &of_kind(&objs, "HTTPRoute")[0];
    assert_eq!(route["spec"]["hostnames"], json!(["a.example.com"]));
    assert_eq!(
        route["spec"]["rules"][0]["matches"][0]["path"]["value"],
        "/"
    );
    assert_fails(
        "ingress:\n  enabled: true\n  hosts:\n    - host: a.example.com\n      paths: [{path: /}]\n    - host: b.example.com\n      paths: [{path: /b}]\n",
        &[
            "ingress.hosts: app-platform routes every host of a service to the same paths (ingress.paths), and these hosts give different ones",
            "Write ingress.hosts: [\"a.example.com\",\"b.example.com\"] with one list ingress.paths for all of them",
        ],
    );
    assert_fails(
        "ingress:\n  enabled: true\n  paths: [{path: /x}]\n  hosts:\n    - host: a.example.com\n      paths: [{path: /}]\n",
        &[
            "ingress.hosts: the paths of these hosts are the same setting as ingress.paths, which is set to [{\"path\":\"/x\"}]",
        ],
    );
}

#[test]
fn ingress_tls_as_a_list_is_off_when_empty_and_refused_otherwise() {
    let objs = render("ingress: {enabled: true, host: a.example.com, tls: []}\n");
    assert!(of_kind(&objs, "Ingress")[0]["spec"]["tls"].is_null());
    assert_fails(
        "ingress: {enabled: true, host: a.example.com, tls: [{secretName: a-tls, hosts: [a.example.com]}]}\n",
        &[
            "ingress.tls: app-platform's ingress.tls is one certificate for every host of the Ingress (ingress.host and ingress.hosts), not a list, got [{",
            "Write ingress.tls: {enabled: true, secretName: a-tls}",
        ],
    );
}

#[test]
fn http_route_is_ignored_when_off_and_refused_when_on() {
    render("httpRoute: {enabled: false, parentRefs: [{name: gateway}]}\n");
    assert_fails(
        "httpRoute: {enabled: true, parentRefs: [{name: gw, namespace: infra}], hostnames: [a.example.com]}\n",
        &[
            "httpRoute: app-platform's Gateway API HTTPRoute is the key route, got {",
            "Write route: {\"enabled\":true,\"hostnames\":[\"a.example.com\"],\"parentRefs\":[{\"name\":\"gw\",\"namespace\":\"infra\"}]}",
            "and remove httpRoute.",
        ],
    );
}

#[test]
fn resources_are_the_same_and_an_empty_map_keeps_the_defaults() {
    let objs = render("resources: {}\n");
    assert_eq!(
        main_container(deployment(&objs))["resources"],
        json!({"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}})
    );
    let objs = render("resources: {limits: {cpu: \"1\"}}\n");
    assert_eq!(
        main_container(deployment(&objs))["resources"]["limits"],
        json!({"cpu": "1", "memory": "256Mi"})
    );
}

#[test]
fn resources_preset_is_refused_unless_none() {
    render("resourcesPreset: none\n");
    render("resourcesPreset: \"\"\n");
    assert_fails(
        "resourcesPreset: small\n",
        &[
            "resourcesPreset: app-platform has no resource presets",
            "got \"small\".",
            "Write resources: {requests: {cpu: 500m, memory: 512Mi}, limits: {cpu: 750m, memory: 768Mi}}",
        ],
    );
}

#[test]
fn kubernetes_probes_are_the_probes() {
    let objs = render(
        "livenessProbe: {httpGet: {path: /healthz, port: http}, initialDelaySeconds: 5}\nreadinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 3}\nstartupProbe: {exec: {command: [cat, /tmp/ready]}, failureThreshold: 60}\n",
    );
    let c = main_container(deployment(&objs));
    assert_eq!(
        c["livenessProbe"],
        json!({"httpGet": {"path": "/healthz", "port": "http"}, "initialDelaySeconds": 5, "periodSeconds": 10, "failureThreshold": 6})
    );
    assert_eq!(
        c["readinessProbe"],
        json!({"tcpSocket": {"port": 8080}, "periodSeconds": 3, "failureThreshold": 3})
    );
    assert_eq!(
        c["startupProbe"],
        json!({"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 5, "failureThreshold": 60})
    );
    assert_fails(
        "livenessProbe: {httpGet: {path: /healthz, port: http}}\nprobes: {liveness: {type: http, path: /live}}\n",
        &[
            "livenessProbe: the same probe as probes.liveness, which is set too, got {\"httpGet\":{\"path\":\"/healthz\",\"port\":\"http\"}}.",
            "Keep one: write probes.liveness: {\"path\":\"/healthz\",\"port\":\"http\",\"type\":\"http\"} and remove livenessProbe.",
        ],
    );
    assert_fails(
        "livenessProbe: {grpc: {port: 9000}}\n",
        &["livenessProbe", "grpc"],
    );
}

#[test]
fn autoscaling_keys_are_the_same() {
    let objs = render(
        "autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 100, targetCPUUtilizationPercentage: 80, targetMemoryUtilizationPercentage: 70}\n",
    );
    let hpa = &of_kind(&objs, "HorizontalPodAutoscaler")[0]["spec"];
    assert_eq!(hpa["minReplicas"], 2);
    assert_eq!(hpa["maxReplicas"], 100);
    assert_eq!(hpa["metrics"].as_array().unwrap().len(), 2);
    assert!(deployment(&objs)["spec"]["replicas"].is_null());
}

#[test]
fn pdb_create_is_pdb_enabled() {
    let objs = render("pdb: {create: true, minAvailable: 1}\nreplicas: 2\n");
    assert_eq!(
        of_kind(&objs, "PodDisruptionBudget")[0]["spec"]["minAvailable"],
        1
    );
    let objs = render("pdb: {create: false}\n");
    assert!(of_kind(&objs, "PodDisruptionBudget").is_empty());
    assert_fails(
        "pdb: {create: false, enabled: true}\n",
        &[
            "pdb.create: the same setting as pdb.enabled, which is set to true, got false.",
            "Keep one: remove pdb.create.",
        ],
    );
}

#[test]
fn node_selector_tolerations_affinity_are_the_same() {
    let objs = render(
        "nodeSelector: {disk: ssd}\ntolerations: [{key: k, operator: Exists, effect: NoSchedule}]\naffinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]}}}\n",
    );
    let spec = pod_spec(deployment(&objs));
    assert_eq!(spec["nodeSelector"], json!({"disk": "ssd"}));
    assert_eq!(spec["tolerations"][0]["key"], "k");
    assert!(spec["affinity"]["nodeAffinity"].is_object());
}

#[test]
fn env_as_a_list_is_the_env_map() {
    let objs = render(
        "env:\n  - {name: B, value: two}\n  - {name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}\n  - {name: C, value: 3}\n  - {name: B, value: again}\n",
    );
    let env = env_entries(main_container(deployment(&objs)));
    assert_eq!(
        env["A"]["valueFrom"],
        json!({"secretKeyRef": {"name": "s", "key": "k"}})
    );
    assert_eq!(env["B"]["value"], "again");
    assert_eq!(env["C"]["value"], "3");
    // hooks run with the service's env, list or map
    let objs = render(
        "env: [{name: A, value: x}]\nhooks: {warm: {events: [post-install], command: [/warm], env: {B: hook}}}\n",
    );
    let hook = &of_kind(&objs, "Job")[0];
    assert_eq!(
        env_values(main_container(hook)),
        [("A".into(), json!("x")), ("B".into(), json!("hook"))].into()
    );
    assert_fails(
        "env: [{name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]\n",
        &["env"],
    );
}

#[test]
fn extra_env_vars_are_refused_with_env_written_out() {
    render("extraEnvVars: []\nextraEnvVarsSecret: \"\"\nextraEnvVarsCM: \"\"\n");
    assert_fails(
        "extraEnvVars: [{name: LOG_LEVEL, value: debug}, {name: DB, valueFrom: {secretKeyRef: {name: db, key: url}}}]\n",
        &[
            "extraEnvVars: app-platform's environment variables are the key env, a map NAME: value, got [",
            "Write env: {\"DB\":{\"secretKeyRef\":{\"key\":\"url\",\"name\":\"db\"}},\"LOG_LEVEL\":\"debug\"} and remove extraEnvVars.",
        ],
    );
}

#[test]
fn extra_env_vars_secret_and_config_map_are_refused_with_env_from_written_out() {
    assert_fails(
        "extraEnvVarsSecret: shop-secrets\n",
        &[
            "extraEnvVarsSecret: app-platform takes whole Secrets and ConfigMaps as environment through the key envFrom, got \"shop-secrets\".",
            "Write envFrom: [{secretRef: {name: shop-secrets}}] and remove extraEnvVarsSecret.",
        ],
    );
    assert_fails(
        "extraEnvVarsCM: shop-settings\n",
        &["Write envFrom: [{configMapRef: {name: shop-settings}}] and remove extraEnvVarsCM."],
    );
}

#[test]
fn security_contexts_are_refused_with_security_written_out() {
    render("securityContext: {}\ncontainerSecurityContext: {enabled: false, runAsUser: 1001}\n");
    assert_fails(
        "securityContext: {runAsUser: 1000, readOnlyRootFilesystem: true, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}, privileged: false}\n",
        &[
            "securityContext: app-platform writes every pod and container security context from the key security (Pod Security \"restricted\" by default), got {",
            "Write security.addCapabilities: [\"NET_BIND_SERVICE\"], security.readOnlyRootFilesystem: true, security.runAsUser: 1000 instead of securityContext; here capabilities.drop is always [ALL] and privileged is never allowed.",
        ],
    );
    assert_fails(
        "containerSecurityContext: {enabled: true, runAsUser: 1001, seccompProfile: {type: RuntimeDefault}}\n",
        &[
            "containerSecurityContext: app-platform writes",
            "Write security.runAsUser: 1001, security.seccompProfile: \"RuntimeDefault\" instead of containerSecurityContext",
        ],
    );
    // in a service's own block the fix names the service's keys
    assert_fails(
        "services:\n  api: {securityContext: {runAsGroup: 3000}}\n",
        &[
            "services.api.securityContext:",
            "Write services.api.security.runAsGroup: 3000 instead of services.api.securityContext.",
        ],
    );
}

#[test]
fn pod_security_context_is_refused_with_security_written_out() {
    render("podSecurityContext: {}\n");
    assert_fails(
        "podSecurityContext: {fsGroup: 2000, runAsNonRoot: true, sysctls: []}\n",
        &[
            "podSecurityContext: app-platform writes every pod and container security context",
            "Write security.fsGroup: 2000, security.runAsNonRoot: true instead of podSecurityContext; here sysctls has no key (the restricted profile sets it).",
        ],
    );
}

#[test]
fn volume_mounts_are_refused_with_volumes_written_out() {
    render("volumeMounts: []\n");
    assert_fails(
        "volumeMounts: [{name: cfg, mountPath: /etc/cfg, readOnly: true}]\n",
        &[
            "volumeMounts: app-platform has no volumeMounts: each entry of volumes carries its own mountPath and is mounted in every container, got [",
            "Write volumes: [{name: cfg, mountPath: /etc/cfg, readOnly: true, <its source>}]",
        ],
    );
}

#[test]
fn update_strategy_is_refused_with_strategy_written_out() {
    assert_fails(
        "updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n",
        &[
            "updateStrategy: app-platform's update strategy",
            "Write strategy: {\"maxSurge\":1,\"maxUnavailable\":0,\"type\":\"RollingUpdate\"} and remove updateStrategy.",
        ],
    );
}

#[test]
fn metrics_is_ignored_when_off_and_refused_when_on() {
    render("metrics: {enabled: false, serviceMonitor: {enabled: false}}\n");
    assert_fails(
        "metrics: {enabled: true}\n",
        &[
            "metrics: app-platform's Prometheus scraping (ServiceMonitor and alerts) is the key monitoring, got {\"enabled\":true}.",
            "Write monitoring: {enabled: true, scrapeInterval: 30s}",
        ],
    );
}

#[test]
fn host_namespaces_are_no_keys() {
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        assert_fails(&format!("{key}: true\n"), &[key, "additional"]);
    }
}

// --- a whole file from another chart -------------------------------------------------------------

/// `helm create`'s values.yaml renders as is (with a tag filled in), lints clean and stays
/// restricted: every key it writes is taken, or means nothing while empty or off.
#[test]
fn helm_create_values_render_as_written() {
    let file = "tests/fixtures/helm-create-values.yaml";
    let objs = template(&[file], &[]).unwrap_or_else(|e| panic!("{}", e.stderr));
    let d = deployment(&objs);
    assert_restricted(d);
    assert_eq!(d["spec"]["replicas"], 1);
    let c = main_container(d);
    assert_eq!(c["image"], "nginxinc/nginx-unprivileged:1.27");
    assert_eq!(
        c["livenessProbe"]["httpGet"],
        json!({"path": "/", "port": "http"})
    );
    assert_eq!(
        c["readinessProbe"]["httpGet"],
        json!({"path": "/", "port": "http"})
    );
    assert_eq!(of_kind(&objs, "Service")[0]["spec"]["ports"][0]["port"], 80);
    find(&objs, "ServiceAccount", "release");
    assert!(of_kind(&objs, "Ingress").is_empty());
    lint_strict(&[file]).unwrap_or_else(|e| panic!("lint --strict: {e}"));
}

/// `apwiz validate` shows a refused key where the team wrote it, with the fix (the chart's
/// message, found at template time, placed at the file and line of the key).
#[test]
fn apwiz_validate_places_the_fix_at_the_key() {
    let dir = scratch("compat-validate");
    cli::write(
        &dir,
        "deploy/values.yaml",
        "image: ghcr.io/acme/shop:1.4.2\nreplicas: 2\nsecurityContext:\n  runAsUser: 1000\n",
    );
    let f = cli::first_template_finding(&dir, "deploy");
    assert_eq!(f["path"], "securityContext", "{f:#}");
    assert_eq!(f["file"], "deploy/values.yaml", "{f:#}");
    assert_eq!(f["line"], 3, "{f:#}");
    assert!(
        f["fix"]
            .as_str()
            .unwrap_or_default()
            .contains("Write security.runAsUser: 1000 instead of securityContext."),
        "{f:#}"
    );
}

/// Keys of other charts: an equivalent exists, so the message writes it out (never "Remove it").
#[test]
fn other_charts_keys_are_answered_with_this_charts_key() {
    let cases: &[(&str, &[&str])] = &[
        (
            "healthCheck: {path: /health}\n",
            &[
                "healthCheck.path is probes.readiness.http.path here",
                "Write probes: {readiness: {http: {\"path\":\"/health\"}}",
            ],
        ),
        (
            "extraEnv: [{name: A, value: \"1\"}]\n",
            &["extraEnv: extraEnv is env here", "Write env: {\"A\":\"1\"}"],
        ),
        (
            "extraVolumes: [{name: c, emptyDir: {}}]\nextraVolumeMounts: [{name: c, mountPath: /cache}]\n",
            &[
                "is volumes here",
                "Write volumes: [{\"emptyDir\":{},\"mountPath\":\"/cache\",\"name\":\"c\"}]",
            ],
        ),
        (
            "podDisruptionBudget: {minAvailable: 1}\n",
            &[
                "podDisruptionBudget is pdb here",
                "Write pdb: {\"enabled\":true,\"minAvailable\":1}",
            ],
        ),
        (
            "serviceMonitor: {enabled: true, interval: 15s}\n",
            &[
                "serviceMonitor is monitoring here",
                "\"scrapeInterval\":\"15s\"",
            ],
        ),
        (
            "secrets: {DB_PASSWORD: hunter2}\n",
            &[
                "secrets: app-platform never takes a secret's value",
                "externalSecrets",
            ],
        ),
    ];
    for (values, want) in cases {
        let err = render_err(values);
        assert!(
            !err.contains("hunter2"),
            "a secret's value is never echoed: {err}"
        );
        for w in *want {
            assert!(err.contains(w), "{values}: missing {w:?} in:\n{err}");
        }
    }
    // Empty ones mean nothing; lifecycle and service.targetPort are keys here too;
    // strategy.rollingUpdate is taken as the keys beside type.
    let objs = render("lifecycle: {preStop: {sleep: {seconds: 5}}}\nservice: {targetPort: 8080}\n");
    assert_eq!(
        main_container(find(&objs, "Deployment", "release"))["lifecycle"]["preStop"]["sleep"]["seconds"],
        5
    );
    assert_eq!(
        find(&objs, "Service", "release")["spec"]["ports"][0]["targetPort"],
        8080
    );
    render(
        "healthCheck: {}\nextraEnv: []\nextraVolumes: []\nextraVolumeMounts: []\nserviceMonitor: {enabled: false}\nsecrets: {}\n",
    );
    let objs = render("strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n");
    assert_eq!(
        find(&objs, "Deployment", "release")["spec"]["strategy"]["rollingUpdate"],
        json!({"maxSurge": 1, "maxUnavailable": 0})
    );
}

// --- another chart's service block (a single-service chart's shape) -------------------------------

#[test]
fn a_single_service_charts_service_block_is_taken_or_refused_with_this_charts_keys() {
    // clusterIP: None is a headless Service; "" means nothing.
    let objs = render("service: {type: ClusterIP, port: 80, targetPort: 8080, clusterIP: None}\n");
    let s = find(&objs, "Service", "release");
    assert_eq!(s["spec"]["clusterIP"], "None");
    assert_eq!(s["spec"]["ports"][0]["port"], 80);
    assert_eq!(s["spec"]["ports"][0]["targetPort"], 8080);
    render("service: {clusterIP: \"\", labels: {}, nodePorts: {http: \"\"}, extraPorts: []}\n");
    // Every other key: refused with the app-platform key written out, never "Remove it" alone.
    let cases: &[(&str, &[&str])] = &[
        (
            "service: {type: ClusterIP, ports: {http: 80, metrics: 9100}}\n",
            &[
                "service.ports: service.ports is a list of extra Service ports here",
                "Write service.port: 80 (the main port, named http) and service.ports: [{\"name\":\"metrics\",\"port\":9100,\"targetPort\":\"metrics\"}]",
            ],
        ),
        (
            "service: {ports: {web: 8080}}\n",
            &["Write portName: web, service.port: 8080 (the main port)"],
        ),
        (
            "service: {type: NodePort, nodePorts: {http: 30080, admin: 30090}}\n",
            &[
                "service.nodePorts: a node port is service.nodePort here",
                "nodePort: 30090 in the service.ports entry named admin, service.nodePort: 30080",
            ],
        ),
        (
            "service: {port: 80, containerPort: 8080}\n",
            &[
                "service.containerPort: service.containerPort is port here",
                "got 8080. Write port: 8080 and remove service.containerPort.",
            ],
        ),
        (
            "service: {portName: web}\n",
            &[
                "service.portName is portName here",
                "Write portName: \"web\" and remove service.portName.",
            ],
        ),
        (
            "service: {httpPortName: web}\n",
            &["Write portName: \"web\" and remove service.httpPortName."],
        ),
        (
            "service: {protocol: UDP}\n",
            &[
                "service.protocol is portProtocol here",
                "Write portProtocol: \"UDP\"",
            ],
        ),
        (
            "service: {extraPorts: [{name: metrics, port: 9100}]}\n",
            &[
                "Write service.ports: [{\"name\":\"metrics\",\"port\":9100}] and remove service.extraPorts.",
            ],
        ),
        (
            "service: {labels: {team: shop}}\n",
            &["Write global.labels: {\"team\":\"shop\"} and remove service.labels."],
        ),
        (
            "service: {type: LoadBalancer, loadBalancerIP: 203.0.113.10}\n",
            &[
                "Kubernetes deprecated spec.loadBalancerIP",
                "service.annotations: {\"<your controller's address annotation>\": \"203.0.113.10\"}",
            ],
        ),
        (
            "service: {sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}}\n",
            &["Write service.sessionAffinity: ClientIP and remove service.sessionAffinityConfig."],
        ),
        (
            "service: {clusterIP: 10.96.0.20}\n",
            &[
                "service.clusterIP: Kubernetes assigns a Service's cluster IP here",
                "got \"10.96.0.20\"",
            ],
        ),
        // In a service's own block: the service's paths.
        (
            "services:\n  api:\n    service: {containerPort: 8080}\n",
            &[
                "services.api.service.containerPort:",
                "Write services.api.port: 8080 and remove services.api.service.containerPort.",
            ],
        ),
    ];
    for (values, want) in cases {
        assert_fails(values, want);
    }
}
