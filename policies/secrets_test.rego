# Tests for secrets.rego: no-plain-secret-env.
package main

cases["plain_password_deployment"] := {
	"input": pod_set(good_deployment, "/containers/0/env", [
		{"name": "DB_PASSWORD", "value": "hunter2"},
		{"name": "LOG_LEVEL", "value": "info"},
	]),
	"deny": set(),
	"warn": {`Deployment/shop-web: container "web" has the environment variable DB_PASSWORD with a plain value, and its name says it is a secret; fix: read it from a secret manager with externalSecrets.secrets (the keys become environment variables), or reference a Secret under env (for a sidecar: sidecars[].env): DB_PASSWORD: {secretKeyRef: {name: <secret>, key: <key>}} (rule: no-plain-secret-env)`},
}

test_no_plain_secret_env_warns_on_a_plain_password if check("plain_password_deployment")

# In prod (the environment label global.environment sets) the same variable is denied.
cases["plain_password_prod_deployment"] := {
	"input": json.patch(
		pod_set(good_deployment, "/containers/0/env", [{"name": "DB_PASSWORD", "value": "hunter2"}]),
		[{"op": "add", "path": "/metadata/labels/app-platform.io~1environment", "value": "prod"}],
	),
	"deny": {`Deployment/shop-web: container "web" has the environment variable DB_PASSWORD with a plain value, and its name says it is a secret; fix: read it from a secret manager with externalSecrets.secrets (the keys become environment variables), or reference a Secret under env (for a sidecar: sidecars[].env): DB_PASSWORD: {secretKeyRef: {name: <secret>, key: <key>}} (rule: no-plain-secret-env)`},
	"warn": good_deployment_prod_digest_warnings, # the tag-only images warn in prod (image_digests.rego)
}

test_no_plain_secret_env_denies_a_plain_password_in_prod if check("plain_password_prod_deployment")

# staging keeps the warning
cases["plain_password_staging_deployment"] := {
	"input": json.patch(
		pod_set(good_deployment, "/containers/0/env", [{"name": "DB_PASSWORD", "value": "hunter2"}]),
		[{"op": "add", "path": "/metadata/labels/app-platform.io~1environment", "value": "staging"}],
	),
	"deny": set(),
	"warn": cases.plain_password_deployment.warn,
}

test_no_plain_secret_env_only_warns_in_staging if check("plain_password_staging_deployment")

cases["plain_token_and_key_init_container_job"] := {
	"input": pod_set(good_job, "/initContainers/0/env", [
		{"name": "github_token", "value": "ghp_x"},
		{"name": "STRIPE_KEY", "value": "sk_live_x"},
		{"name": "AWS_SECRET_ACCESS_KEY", "value": "abc"},
	]),
	"deny": set(),
	"warn": {
		`Job/shop-migrate: init container "fetch-config" has the environment variable github_token with a plain value, and its name says it is a secret; fix: read it from a secret manager with externalSecrets.secrets (the keys become environment variables), or reference a Secret under initContainers[].env: github_token: {secretKeyRef: {name: <secret>, key: <key>}} (rule: no-plain-secret-env)`,
		`Job/shop-migrate: init container "fetch-config" has the environment variable STRIPE_KEY with a plain value, and its name says it is a secret; fix: read it from a secret manager with externalSecrets.secrets (the keys become environment variables), or reference a Secret under initContainers[].env: STRIPE_KEY: {secretKeyRef: {name: <secret>, key: <key>}} (rule: no-plain-secret-env)`,
		`Job/shop-migrate: init container "fetch-config" has the environment variable AWS_SECRET_ACCESS_KEY with a plain value, and its name says it is a secret; fix: read it from a secret manager with externalSecrets.secrets (the keys become environment variables), or reference a Secret under initContainers[].env: AWS_SECRET_ACCESS_KEY: {secretKeyRef: {name: <secret>, key: <key>}} (rule: no-plain-secret-env)`,
	},
}

test_no_plain_secret_env_warns_on_tokens_and_keys if check("plain_token_and_key_init_container_job")

# References, names that only point at a secret, empty values and $(VAR) expansions pass.
cases["secret_references_cronjob"] := {
	"input": pod_set(good_cronjob, "/containers/0/env", [
		{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
		{"name": "TOKEN_URL", "value": "https://auth.example.com/token"},
		{"name": "PASSWORD_FILE", "value": "/run/secrets/db"},
		{"name": "SECRET_NAME", "value": "db"},
		{"name": "AWS_ACCESS_KEY_ID", "value": "AKIAEXAMPLE"},
		{"name": "API_TOKEN", "value": ""},
		{"name": "REDIS_PASSWORD", "value": "$(SHARED_REDIS_PASSWORD)"},
		{"name": "KEYSPACE", "value": "shop"},
		{"name": "MONKEY", "value": "banana"},
	]),
	"deny": set(),
	"warn": set(),
}

test_no_plain_secret_env_passes_references_and_pointers if check("secret_references_cronjob")
