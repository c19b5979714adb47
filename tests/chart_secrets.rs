//! Secrets from a manager (`externalSecrets`): External Secrets Operator ExternalSecrets and their
//! Secrets wired into the environment of every container built from the service's values. Run on
//! Helm 4 by default and on Helm 3 with `APWIZ_HELM=.tools/bin/helm3`.
mod support;

use serde_json::{Value, json};
use support::*;

fn assert_fails(values: &str, needles: &[&str]) {
    let err = render_err(values);
    for n in needles {
        assert!(
            err.contains(n),
            "message lacks {n:?}:\n{err}\nvalues:\n{values}"
        );
    }
}

fn env_from(o: &Value) -> Value {
    main_container(o)["envFrom"].clone()
}

#[test]
fn external_secrets_render_one_object_per_secret_and_feed_env_from() {
    let objs = template(&["examples/external-secrets.yaml"], &[])
        .unwrap_or_else(|e| panic!("{}", e.stderr));
    let db = find(&objs, "ExternalSecret", "release-db");
    assert_eq!(db["apiVersion"], "external-secrets.io/v1");
    assert_eq!(
        db["spec"],
        json!({
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "vault", "kind": "ClusterSecretStore"},
            "target": {"name": "release-db", "creationPolicy": "Owner"},
            "data": [
                {"secretKey": "DB_PASSWORD", "remoteRef": {"key": "prod/shop/db", "property": "password"}},
                {"secretKey": "DB_USER", "remoteRef": {"key": "prod/shop/db", "property": "username"}},
            ],
        })
    );
    let keys = find(&objs, "ExternalSecret", "release-api-keys");
    assert_eq!(keys["spec"]["refreshInterval"], "15m");
    assert_eq!(
        keys["spec"]["dataFrom"],
        json!([{"extract": {"key": "prod/shop/api-keys"}}])
    );
    assert_eq!(
        keys["metadata"]["labels"]["app.kubernetes.io/instance"],
        "release"
    );
    // the example mounts both Secrets as files (mountPath), so env defaults to false
    let d = find(&objs, "Deployment", "release");
    assert_eq!(env_from(d), Value::Null);
    let spec = &d["spec"]["template"]["spec"];
    let volumes: Vec<&Value> = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v.get("secret").is_some())
        .collect();
    assert_eq!(
        volumes,
        [
            &json!({"name": "secret-api-keys", "secret": {"secretName": "release-api-keys"}}),
            &json!({"name": "secret-db", "secret": {"secretName": "release-db"}}),
        ]
    );
    let mounts: Vec<&Value> = main_container(d)["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"].as_str().unwrap().starts_with("secret-"))
        .collect();
    assert_eq!(
        mounts,
        [
            &json!({"name": "secret-api-keys", "mountPath": "/run/secrets/api-keys", "readOnly": true}),
            &json!({"name": "secret-db", "mountPath": "/run/secrets/db", "readOnly": true}),
        ]
    );
    assert_eq!(env_values(main_container(d))["LOG_LEVEL"], "info");
    lint_strict(&["examples/external-secrets.yaml"]).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn every_container_of_the_service_reads_the_secrets() {
    let objs = render(
        "externalSecrets: {storeRef: {name: vault}, secrets: {db: {data: {DB_PASSWORD: {key: db, property: password}}}}}\nenvFrom: [{configMapRef: {name: settings}}]\nhooks: {migrate: {preset: migration, command: [/migrate]}}\nroute: {enabled: true, parentRefs: [{name: gw}]}\ncanary: {enabled: true, tag: \"2\"}\n",
    );
    let want =
        json!([{"configMapRef": {"name": "settings"}}, {"secretRef": {"name": "release-db"}}]);
    assert_eq!(env_from(find(&objs, "Deployment", "release")), want);
    assert_eq!(env_from(find(&objs, "Deployment", "release-canary")), want);
    let hook = of_kind(&objs, "Job")
        .into_iter()
        .find(|j| name(j) == "release-migrate")
        .expect("the migration hook");
    assert_eq!(env_from(hook), want);
    // one ExternalSecret, not one per variant
    assert_eq!(of_kind(&objs, "ExternalSecret").len(), 1);
    // a statefulset's backups too, after the service's envFrom
    let objs = render(
        "workloadType: statefulset\npersistence: {enabled: true, storageClass: standard}\nexternalSecrets: {storeRef: {name: vault}, secrets: {db: {data: {PGPASSWORD: {key: db}}}}}\nbackup: {enabled: true, image: postgres:16.4-alpine, command: [/backup.sh], targetSecret: s3}\n",
    );
    let backup = &of_kind(&objs, "CronJob")[0];
    assert_eq!(
        env_from(backup),
        json!([{"secretRef": {"name": "release-db"}}, {"secretRef": {"name": "s3"}}])
    );
}

#[test]
fn env_false_keeps_only_the_secret_and_a_secret_key_ref_names_it() {
    let objs = render(
        "externalSecrets: {storeRef: {name: vault}, secrets: {tls: {data: {tls.crt: {key: cert}}, env: false}}}\nenv: {CERT: {secretKeyRef: {name: release-tls, key: tls.crt}}}\n",
    );
    find(&objs, "ExternalSecret", "release-tls");
    assert!(env_from(find(&objs, "Deployment", "release")).is_null());
}

#[test]
fn the_store_is_shared_through_global_and_each_secret_may_name_its_own() {
    let objs = render(
        "global: {externalSecrets: {storeRef: {name: vault}, refreshInterval: 30m}}\nservices:\n  api: {externalSecrets: {secrets: {a: {data: {A: {key: a}}}}}}\n  worker: {externalSecrets: {secrets: {b: {dataFrom: [{key: b, version: \"2\"}], storeRef: {name: aws, kind: SecretStore}}}}}\n",
    );
    let a = find(&objs, "ExternalSecret", "release-api-a");
    assert_eq!(
        a["spec"]["secretStoreRef"],
        json!({"name": "vault", "kind": "ClusterSecretStore"})
    );
    assert_eq!(a["spec"]["refreshInterval"], "30m");
    let b = find(&objs, "ExternalSecret", "release-worker-b");
    assert_eq!(
        b["spec"]["secretStoreRef"],
        json!({"name": "aws", "kind": "SecretStore"})
    );
    assert_eq!(
        b["spec"]["dataFrom"],
        json!([{"extract": {"key": "b", "version": "2"}}])
    );
    // the older API version for operators before 0.16
    let objs = render(
        "externalSecrets: {apiVersion: external-secrets.io/v1beta1, storeRef: {name: vault}, secrets: {a: {data: {A: {key: a}}}}}\n",
    );
    assert_eq!(
        of_kind(&objs, "ExternalSecret")[0]["apiVersion"],
        "external-secrets.io/v1beta1"
    );
}

#[test]
fn external_secret_failures_name_the_field_and_the_value() {
    assert_fails(
        "externalSecrets: {secrets: {db: {data: {A: {key: a}}}}}\n",
        &[
            "externalSecrets.storeRef.name: the ExternalSecret db names no SecretStore to read from, got \"\".",
            "Set externalSecrets.storeRef: {name: vault, kind: ClusterSecretStore} (shared: global.externalSecrets.storeRef), or externalSecrets.secrets.db.storeRef.",
        ],
    );
    assert_fails(
        "services:\n  api: {externalSecrets: {storeRef: {name: vault}, secrets: {db: {}}}}\n",
        &[
            "services.api.externalSecrets.secrets.db: an ExternalSecret needs the keys it reads from the store, got {}.",
            "Set services.api.externalSecrets.secrets.db.data",
        ],
    );
    assert_fails(
        "workloadType: external\nexternal: {name: db.example.com}\nexternalSecrets: {storeRef: {name: vault}, secrets: {db: {data: {A: {key: a}}}}}\n",
        &[
            "externalSecrets.secrets: an external service has no pods to read a Secret, got [\"db\"].",
        ],
    );
    assert_fails(
        "hooks: {seed: {events: [pre-install], command: [/seed]}}\nexternalSecrets: {storeRef: {name: vault}, secrets: {db: {data: {A: {key: a}}}}}\n",
        &[
            "hooks.seed.events: a pre-install hook runs before the release creates its objects, but this hook's pod needs the Secret release-db (externalSecrets.secrets.db)",
        ],
    );
    assert_fails(
        "externalSecrets: {storeRef: {name: vault, kind: Vault}, secrets: {}}\n",
        &["externalSecrets/storeRef/kind", "Vault"],
    );
    assert_fails(
        "externalSecrets: {refreshInterval: hourly}\n",
        &["externalSecrets/refreshInterval", "hourly"],
    );
    assert_fails(
        "externalSecrets: {storeRef: {name: vault}, secrets: {db: {data: {A: {property: a}}}}}\n",
        &["externalSecrets/secrets/db/data/A", "key"],
    );
}
